/*
 * A pool of connections for threads that share them (one sqlite connection
 * is used by one thread at a time): a stack of free connections under a
 * mutex, and a condition variable to wait on when it is empty.
 *
 * Group commit: the pool's connections commit with synchronous=NORMAL (in
 * WAL mode: no fsync at commit) and store_pool_durable() makes commits
 * durable by fsyncing the WAL. One thread, the leader, does the fsync for
 * everyone who asked before it started; those who ask while it runs wait
 * for the next one, which covers all of them at once. Under load, one fsync
 * serves as many commits as there are threads.
 */
#include "store/db.h"

#include <pthread.h>
#include <stdlib.h>

#include "util/log.h"
#include "util/mem.h"

struct store_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct store **all;  /* every connection, for close */
	struct store **idle; /* a stack of the ones not lent out */
	size_t n, n_free;
	/* Group commit, under lock: tickets handed out, and covered by an fsync. */
	pthread_cond_t synced;
	uint64_t sync_asked, sync_done;
	bool syncing;
	int wal_frames; /* in the WAL after the last commit of a pool connection */
};

/*
 * After each commit of a pool connection (sqlite calls it with the lock
 * held by nobody of ours). It replaces sqlite's auto-checkpoint, which under
 * a steady stream of readers and writers never gets to restart the WAL: the
 * file then grows without end and every commit pays for another partial
 * checkpoint. store_pool_durable() checkpoints instead.
 */
static int on_wal_commit(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct store_pool *p = arg;

	(void)db;
	(void)name;
	__atomic_store_n(&p->wal_frames, frames, __ATOMIC_RELAXED);
	return SQLITE_OK;
}

/*
 * Copy the WAL into the database and have the next writer start it over:
 * RESTART waits (through the busy handler) for the readers of the WAL to
 * finish, and holds writers off meanwhile, for a few milliseconds.
 */
static void checkpoint(struct store_pool *p, struct store *st)
{
	int log = 0, done = 0;
	int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_RESTART, &log, &done);

	if (rc == SQLITE_OK)
		__atomic_store_n(&p->wal_frames, 0, __ATOMIC_RELAXED);
	else if (rc != SQLITE_BUSY)
		log_warn("event=checkpoint_failed msg=%s", sqlite3_errmsg(st->db));
}

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
	pthread_cond_init(&p->synced, NULL);
	for (size_t i = 0; i < n; i++) {
		if ((rc = store_open(path, &p->all[i], err)))
			goto out;
		p->n++;
		/* Durability comes from store_pool_durable(), one fsync for many commits. */
		if ((rc = db_exec(p->all[i], "PRAGMA synchronous=NORMAL", err)))
			goto out;
		sqlite3_wal_hook(p->all[i]->db, on_wal_commit, p);
		p->idle[p->n_free++] = p->all[i];
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
	st->changes = sqlite3_total_changes64(st->db);
	return st;
}

int store_pool_durable(struct store_pool *pool, struct store *st, struct err *err)
{
	int64_t changes = sqlite3_total_changes64(st->db);
	uint64_t ticket;
	int rc = 0;

	if (changes == st->changes)
		return 0;
	pthread_mutex_lock(&pool->lock);
	/* Our commits are written to the WAL already: any fsync that starts after now covers them. */
	ticket = ++pool->sync_asked;
	while (pool->sync_done < ticket) {
		uint64_t upto;

		if (pool->syncing) {
			pthread_cond_wait(&pool->synced, &pool->lock);
			continue;
		}
		pool->syncing = true;
		upto = pool->sync_asked;
		pthread_mutex_unlock(&pool->lock);
		rc = db_sync_wal(st, err);
		/* The leader also keeps the WAL short; no one else checkpoints meanwhile. */
		if (!rc && __atomic_load_n(&pool->wal_frames, __ATOMIC_RELAXED) >=
				   DB_CHECKPOINT_FRAMES)
			checkpoint(pool, st);
		pthread_mutex_lock(&pool->lock);
		pool->syncing = false;
		if (!rc && upto > pool->sync_done)
			pool->sync_done = upto;
		pthread_cond_broadcast(&pool->synced);
		if (rc)
			break;
	}
	pthread_mutex_unlock(&pool->lock);
	if (!rc)
		st->changes = changes;
	return rc;
}

void store_pool_put(struct store_pool *pool, struct store *st)
{
	struct err err;

	if (!st)
		return;
	/* Whatever the caller did not make durable itself is made durable here. */
	if (store_pool_durable(pool, st, &err))
		log_error("event=storage_failure msg=%s", err.msg);
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
	pthread_cond_destroy(&pool->synced);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->lock);
	free(pool->all);
	free(pool->idle);
	free(pool);
}
