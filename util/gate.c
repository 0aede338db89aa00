#include "util/gate.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/ratelimit.h"

struct gate {
	pthread_mutex_t lock;
	pthread_cond_t freed; /* a slot was given back */
	struct ratelimit *rate;
	int cap, wait_ms;
	char **hosts; /* the hosts being fetched now: cap slots, NULL = free */
};

struct gate *gate_new(double rate, int in_flight, int wait_ms)
{
	struct gate *g = xcalloc(1, sizeof(*g));
	pthread_condattr_t attr;

	pthread_mutex_init(&g->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&g->freed, &attr);
	pthread_condattr_destroy(&attr);
	g->wait_ms = wait_ms > 0 ? wait_ms : 0;
	g->cap = in_flight >= 1 ? in_flight : 1;
	g->hosts = xcalloc((size_t)g->cap, sizeof(*g->hosts));
	if (rate > 0)
		g->rate = ratelimit_new(rate, rate * LIMIT_RATE_BURST_S, LIMIT_RATE_KEYS);
	return g;
}

void gate_free(struct gate *g)
{
	if (!g)
		return;
	for (int i = 0; i < g->cap; i++)
		free(g->hosts[i]);
	free(g->hosts);
	ratelimit_free(g->rate);
	pthread_cond_destroy(&g->freed);
	pthread_mutex_destroy(&g->lock);
	free(g);
}

/* A free slot for host: its index; -1 when host is being fetched, -2 when all are taken. */
static int slot_for(const struct gate *g, const char *host)
{
	int free_slot = -2;

	for (int i = 0; i < g->cap; i++) {
		if (!g->hosts[i])
			free_slot = free_slot < 0 ? i : free_slot;
		else if (strcmp(g->hosts[i], host) == 0)
			return -1;
	}
	return free_slot;
}

int gate_enter(struct gate *g, const char *host, struct err *err)
{
	struct timespec until;
	int slot, rc = 0, wait_s = 0;

	if (!g)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += g->wait_ms / 1000;
	until.tv_nsec += (long)(g->wait_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&g->lock);
	while ((slot = slot_for(g, host)) < 0 &&
	       pthread_cond_timedwait(&g->freed, &g->lock, &until) == 0)
		;
	if (slot == -1)
		rc = errorf(err, ERR_RETRY, "a fetch to %s is already under way", host);
	else if (slot == -2)
		rc = errorf(err, ERR_RETRY, "%d fetches under way: no room for one to %s", g->cap,
			    host);
	else if (!ratelimit_take(g->rate, host, ratelimit_now_ms(), &wait_s))
		rc = errorf(err, ERR_RETRY, "fetches to %s over the rate: try in %d s", host,
			    wait_s);
	else
		g->hosts[slot] = xstrdup(host);
	pthread_mutex_unlock(&g->lock);
	return rc;
}

void gate_leave(struct gate *g, const char *host)
{
	if (!g)
		return;
	pthread_mutex_lock(&g->lock);
	for (int i = 0; i < g->cap; i++) {
		if (g->hosts[i] && strcmp(g->hosts[i], host) == 0) {
			free(g->hosts[i]);
			g->hosts[i] = NULL;
			pthread_cond_broadcast(&g->freed);
			break;
		}
	}
	pthread_mutex_unlock(&g->lock);
}
