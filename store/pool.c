/*
 * A pool of connections for threads that share them (one sqlite connection
 * is used by one thread at a time): a stack of free connections under a
 * mutex, and a condition variable to wait on when it is empty.
 */
#include "store/db.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/mem.h"

struct store_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct store **all;  /* every connection, for close */
	struct store **idle; /* a stack of the ones not lent out */
	size_t n, n_free;
};

int store_pool_open(const char *path, size_t n, struct store_pool **out, struct err *err)
{
	struct store_pool *p;
	int rc = 0;

	*out = NULL;
	if (n == 0)
		return errorf(err, ERR_INVALID, "a pool needs at least one connection");
	p = xcalloc(1, sizeof(*p));
	p->all = xcalloc(n, sizeof(*p->all));
	p->idle = xcalloc(n, sizeof(*p->idle));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	for (size_t i = 0; i < n; i++) {
		if ((rc = store_open(path, &p->all[i], err)))
			goto out;
		p->idle[p->n_free++] = p->all[i];
		p->n++;
	}
	*out = p;
	p = NULL;
out:
	store_pool_close(p);
	return rc;
}

struct store *store_pool_get(struct store_pool *pool)
{
	struct store *st;

	pthread_mutex_lock(&pool->lock);
	while (pool->n_free == 0)
		pthread_cond_wait(&pool->freed, &pool->lock);
	st = pool->idle[--pool->n_free];
	pthread_mutex_unlock(&pool->lock);
	return st;
}

void store_pool_put(struct store_pool *pool, struct store *st)
{
	if (!st)
		return;
	pthread_mutex_lock(&pool->lock);
	if (pool->n_free < pool->n) /* a connection put back twice is not lent twice */
		pool->idle[pool->n_free++] = st;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

void store_pool_close(struct store_pool *pool)
{
	if (!pool)
		return;
	for (size_t i = 0; i < pool->n; i++)
		store_close(pool->all[i]);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->lock);
	free(pool->all);
	free(pool->idle);
	free(pool);
}
