/*
 * The open connections: a list of records under one lock, and a small table
 * of counts by client key (at most LIMIT_CONNECTIONS keys can have one).
 */
#include "server/conns.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/str.h"

struct count {
	char key[NET_CLIENT_KEY_MAX]; /* "" = free */
	int n;
};

struct conn {
	struct conn *prev, *next;
	int fd;
	struct count *count; /* NULL: not counted */
	int64_t head_since;  /* ms; 0 = not reading headers */
};

struct conns {
	pthread_mutex_t lock;
	struct conn *head;
	struct count counts[LIMIT_CONNECTIONS];
};

struct conns *conns_new(void)
{
	struct conns *t = xcalloc(1, sizeof(*t));

	pthread_mutex_init(&t->lock, NULL);
	return t;
}

void conns_free(struct conns *t)
{
	if (!t)
		return;
	while (t->head) {
		struct conn *c = t->head;

		t->head = c->next;
		free(c);
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/* Under lock: key's count (add: take a free one if absent); NULL when absent or full. */
static struct count *count_of(struct conns *t, const char *key, bool add)
{
	struct count *free_slot = NULL;

	for (size_t i = 0; i < LIMIT_CONNECTIONS; i++) {
		if (str_eq(t->counts[i].key, key))
			return &t->counts[i];
		if (!free_slot && !t->counts[i].key[0])
			free_slot = &t->counts[i];
	}
	if (!add || !free_slot)
		return NULL;
	snprintf(free_slot->key, sizeof(free_slot->key), "%s", key);
	return free_slot;
}

bool conns_full(struct conns *t, const char *key, int max)
{
	struct count *k;
	bool full;

	pthread_mutex_lock(&t->lock);
	k = count_of(t, key, false);
	full = k && k->n >= max;
	pthread_mutex_unlock(&t->lock);
	return full;
}

struct conn *conns_add(struct conns *t, int fd, const char *key)
{
	struct conn *c = xcalloc(1, sizeof(*c));

	c->fd = fd;
	pthread_mutex_lock(&t->lock);
	if (key && (c->count = count_of(t, key, true)))
		c->count->n++;
	c->next = t->head;
	if (t->head)
		t->head->prev = c;
	t->head = c;
	pthread_mutex_unlock(&t->lock);
	return c;
}

void conns_remove(struct conns *t, struct conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&t->lock);
	if (c->count && --c->count->n <= 0) {
		c->count->key[0] = '\0';
		c->count->n = 0;
	}
	if (c->prev)
		c->prev->next = c->next;
	else
		t->head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pthread_mutex_unlock(&t->lock);
	free(c);
}

void conns_head_begin(struct conns *t, struct conn *c, int64_t now_ms)
{
	if (!c)
		return;
	pthread_mutex_lock(&t->lock);
	c->head_since = now_ms > 0 ? now_ms : 1;
	pthread_mutex_unlock(&t->lock);
}

void conns_head_end(struct conns *t, struct conn *c)
{
	if (!c)
		return;
	pthread_mutex_lock(&t->lock);
	c->head_since = 0;
	pthread_mutex_unlock(&t->lock);
}

size_t conns_sweep(struct conns *t, int64_t now_ms, int64_t limit_ms)
{
	size_t cut = 0;

	/*
	 * Under the lock that conns_remove() takes before the server closes the
	 * socket: the descriptor cannot have been closed and reused meanwhile.
	 */
	pthread_mutex_lock(&t->lock);
	for (struct conn *c = t->head; c; c = c->next) {
		if (!c->head_since || now_ms - c->head_since <= limit_ms || c->fd < 0)
			continue;
		shutdown(c->fd, SHUT_RDWR);
		c->head_since = 0;
		cut++;
	}
	pthread_mutex_unlock(&t->lock);
	return cut;
}
