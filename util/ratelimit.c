#include "util/ratelimit.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "util/mem.h"

/* Slots looked at for one key: keeps a take O(1) when the table is full. */
#define PROBES 8

struct bucket {
	uint64_t key;   /* hash of the key; 0 = free slot */
	double tokens;
	int64_t at_ms;  /* when tokens was computed */
};

struct ratelimit {
	pthread_mutex_t lock;
	double rate, burst;
	size_t n;
	struct bucket *slots;
};

/* FNV-1a, never 0 (0 marks a free slot). A collision shares a bucket: harmless. */
static uint64_t key_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h ? h : 1;
}

struct ratelimit *ratelimit_new(double rate, double burst, size_t slots)
{
	struct ratelimit *rl = xcalloc(1, sizeof(*rl));

	pthread_mutex_init(&rl->lock, NULL);
	rl->rate = rate > 0 ? rate : 0;
	rl->burst = burst >= 1 ? burst : 1;
	rl->n = slots ? slots : 1;
	rl->slots = xcalloc(rl->n, sizeof(*rl->slots));
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	pthread_mutex_destroy(&rl->lock);
	free(rl->slots);
	free(rl);
}

/* The bucket's tokens at now, refilled up to burst. */
static double refilled(const struct ratelimit *rl, const struct bucket *b, int64_t now_ms)
{
	double t = b->tokens + rl->rate * (double)(now_ms - b->at_ms) / 1000.0;

	return t < rl->burst ? t : rl->burst;
}

/* key's bucket, or a free or the most idle slot among the probes, reset to full. */
static struct bucket *find(struct ratelimit *rl, uint64_t h, int64_t now_ms)
{
	struct bucket *pick = NULL;
	double most = -1;

	for (size_t i = 0; i < PROBES && i < rl->n; i++) {
		struct bucket *b = &rl->slots[(h + i) % rl->n];
		double t;

		if (b->key == h)
			return b;
		t = b->key ? refilled(rl, b, now_ms) : rl->burst + 1;
		if (t > most) {
			most = t;
			pick = b;
		}
	}
	pick->key = h;
	pick->tokens = rl->burst;
	pick->at_ms = now_ms;
	return pick;
}

bool ratelimit_take(struct ratelimit *rl, const char *key, int64_t now_ms, int *wait_s)
{
	struct bucket *b;
	bool ok;

	if (!rl || rl->rate <= 0)
		return true;
	pthread_mutex_lock(&rl->lock);
	b = find(rl, key_hash(key), now_ms);
	b->tokens = refilled(rl, b, now_ms);
	b->at_ms = now_ms;
	ok = b->tokens >= 1;
	if (ok)
		b->tokens -= 1;
	else if (wait_s)
		*wait_s = (int)((1 - b->tokens) / rl->rate) + 1; /* rounded up, at least 1 */
	pthread_mutex_unlock(&rl->lock);
	return ok;
}

int64_t ratelimit_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
