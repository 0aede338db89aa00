/*
 * A pool of connections for threads that share them (one sqlite connection
 * is used by one thread at a time): a stack of free connections under a
 * mutex, and a condition variable to wait on when it is empty. Connections
 * are opened when first needed, up to the pool's size: each one costs its
 * own page cache and parsed schema, and an idle server needs one or two.
 *
 * Group commit: the pool's connections commit with synchronous=NORMAL (in
 * WAL mode: no fsync at commit) and store_pool_durable() makes commits
 * durable by fsyncing the WAL. One thread, the leader, does the fsync for
 * everyone who asked before it started; those who ask while it runs wait
 * for the next one, which covers all of them at once. Under load, one fsync
 * serves as many commits as there are threads.
 *
 * Shared write batches go further: one more connection, the writer, keeps
 * a transaction open while threads take turns writing into it (each in its
 * own savepoint), and the last one of a run commits for all: one commit,
 * each hot page written once, one fsync, for up to DB_BATCH_MAX requests.
 */
#include "store/db.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "util/log.h"
#include "util/mem.h"

struct store_pool {
	pthread_mutex_t lock;
	pthread_cond_t freed;
	struct store **all;  /* every connection, for close */
	struct store **idle; /* a stack of the ones not lent out */
	size_t n, n_free;    /* opened; not lent out */
	size_t size, opening; /* at most this many; being opened now */
	char *path;
	/* Group commit, under lock: tickets handed out, and covered by an fsync. */
	pthread_cond_t synced;
	uint64_t sync_asked, sync_done;
	bool syncing;
	int wal_frames; /* in the WAL after the last commit of a pool connection */
	/* The shared write batch, under lock. */
	struct store *writer;
	pthread_cond_t writer_free, batch_done;
	bool writer_busy;        /* a thread is between enter and leave */
	unsigned writers_waiting;
	struct batch *open;      /* the writer's open transaction, or NULL */
};

/* One transaction of the writer, shared by the sections written into it. */
struct batch {
	unsigned members; /* sections that joined and have not yet seen the end */
	size_t sections;  /* sections written */
	struct timespec deadline; /* committed by then at the latest */
	bool done, failed;
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

/* A new connection of the pool, set up as the pool's connections are. */
static int pool_connect(struct store_pool *p, struct store **out, struct err *err)
{
	struct store *st;
	int rc;

	*out = NULL;
	if ((rc = store_open(p->path, &st, err)))
		return rc;
	/* Durability comes from store_pool_durable(), one fsync for many commits. */
	if ((rc = db_exec(st, "PRAGMA synchronous=NORMAL", err))) {
		store_close(st);
		return rc;
	}
	sqlite3_wal_hook(st->db, on_wal_commit, p);
	*out = st;
	return 0;
}

int store_pool_open(const char *path, size_t n, struct store_pool **out, struct err *err)
{
	struct store_pool *p;
	int rc = 0;

	*out = NULL;
	if (n == 0)
		return errorf(err, ERR_INVALID, "a pool needs at least one connection");
	p = xcalloc(1, sizeof(*p));
	p->size = n;
	p->path = xstrdup(path);
	p->all = xcalloc(n, sizeof(*p->all));
	p->idle = xcalloc(n, sizeof(*p->idle));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->freed, NULL);
	pthread_cond_init(&p->synced, NULL);
	pthread_cond_init(&p->writer_free, NULL);
	{
		pthread_condattr_t ca;

		/* Batch deadlines are on the monotonic clock. */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&p->batch_done, &ca);
		pthread_condattr_destroy(&ca);
	}
	if ((rc = store_open(path, &p->writer, err)) ||
	    (rc = db_exec(p->writer, "PRAGMA synchronous=NORMAL", err)))
		goto out;
	sqlite3_wal_hook(p->writer->db, on_wal_commit, p);
	/* One connection now, so that a pool that opens can lend. */
	if ((rc = pool_connect(p, &p->all[0], err)))
		goto out;
	p->idle[p->n_free++] = p->all[p->n++];
	*out = p;
	p = NULL;
out:
	store_pool_close(p);
	return rc;
}

struct store *store_pool_get(struct store_pool *pool)
{
	struct store *st = NULL;

	pthread_mutex_lock(&pool->lock);
	while (pool->n_free == 0 && !st) {
		struct err err;

		if (pool->n + pool->opening >= pool->size) {
			pthread_cond_wait(&pool->freed, &pool->lock);
			continue;
		}
		/* Open one more, outside the lock: others may lend and put back meanwhile. */
		pool->opening++;
		pthread_mutex_unlock(&pool->lock);
		if (pool_connect(pool, &st, &err))
			log_error("event=storage_failure msg=cannot open a connection: %s", err.msg);
		pthread_mutex_lock(&pool->lock);
		pool->opening--;
		if (st)
			pool->all[pool->n++] = st;
		else if (pool->n_free == 0) /* wait for one of those open (there is one at least) */
			pthread_cond_wait(&pool->freed, &pool->lock);
	}
	if (!st)
		st = pool->idle[--pool->n_free];
	pthread_mutex_unlock(&pool->lock);
	st->changes = sqlite3_total_changes64(st->db);
	return st;
}

/* Make every commit written so far durable: lead an fsync of the WAL through st, or wait for one. */
static int pool_sync(struct store_pool *pool, struct store *st, struct err *err)
{
	uint64_t ticket;
	int rc = 0;

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
	return rc;
}

int store_pool_durable(struct store_pool *pool, struct store *st, struct err *err)
{
	int64_t changes = sqlite3_total_changes64(st->db);
	int rc;

	if (changes == st->changes)
		return 0;
	rc = pool_sync(pool, st, err);
	if (!rc)
		st->changes = changes;
	return rc;
}

int store_pool_writer_enter(struct store_pool *pool, struct store **w, struct err *err)
{
	bool begin;
	int rc = 0;

	*w = NULL;
	pthread_mutex_lock(&pool->lock);
	pool->writers_waiting++;
	while (pool->writer_busy)
		pthread_cond_wait(&pool->writer_free, &pool->lock);
	pool->writers_waiting--;
	pool->writer_busy = true;
	begin = !pool->open;
	pthread_mutex_unlock(&pool->lock);
	/* Only the thread holding writer_busy touches the writer connection. */
	if (begin)
		rc = db_exec(pool->writer, "BEGIN IMMEDIATE", err);
	if (!rc)
		rc = db_exec(pool->writer, "SAVEPOINT section", err);
	pthread_mutex_lock(&pool->lock);
	if (rc && begin) {
		db_rollback(pool->writer);
	} else if (rc) {
		/* No savepoint in the open batch: end it here, or its members would wait forever. */
		struct err cerr;
		bool failed = db_exec(pool->writer, "COMMIT", &cerr) != 0;

		if (failed)
			db_rollback(pool->writer);
		pool->open->done = true;
		pool->open->failed = failed;
		pool->open = NULL;
		pthread_cond_broadcast(&pool->batch_done);
	} else {
		if (begin) {
			pool->open = xcalloc(1, sizeof(*pool->open));
			clock_gettime(CLOCK_MONOTONIC, &pool->open->deadline);
			pool->open->deadline.tv_nsec += DB_BATCH_WINDOW_US * 1000L;
			if (pool->open->deadline.tv_nsec >= 1000000000L) {
				pool->open->deadline.tv_sec++;
				pool->open->deadline.tv_nsec -= 1000000000L;
			}
		}
		pool->open->members++;
		*w = pool->writer;
	}
	if (rc) {
		pool->writer_busy = false;
		pthread_cond_broadcast(&pool->writer_free);
	}
	pthread_mutex_unlock(&pool->lock);
	return rc;
}

/* Under lock, holding writer_busy: commit the open batch b (the lock is let go meanwhile). */
static void batch_commit(struct store_pool *pool, struct batch *b)
{
	struct err cerr;
	bool failed;

	pthread_mutex_unlock(&pool->lock);
	failed = db_exec(pool->writer, "COMMIT", &cerr) != 0;
	if (failed) {
		db_rollback(pool->writer);
		log_error("event=storage_failure msg=%s", cerr.msg);
	}
	pthread_mutex_lock(&pool->lock);
	b->done = true;
	b->failed = failed;
	pool->open = NULL;
	pthread_cond_broadcast(&pool->batch_done);
}

int store_pool_writer_leave(struct store_pool *pool, struct store *w, bool keep,
			    struct store *own, struct err *err)
{
	struct batch *mine;
	bool failed;
	int rc = 0;

	if (!keep || db_exec(w, "RELEASE section", NULL))
		db_exec(w, "ROLLBACK TO section; RELEASE section", NULL);
	pthread_mutex_lock(&pool->lock);
	mine = pool->open;
	mine->sections++;
	/*
	 * Commit now when nobody else can join: every connection lent out
	 * belongs to a thread already in this batch (this one included), or
	 * the batch is full. Otherwise leave it open for the threads still
	 * working on their requests, until its deadline.
	 */
	if (mine->sections >= DB_BATCH_MAX || pool->n - pool->n_free <= mine->sections)
		batch_commit(pool, mine);
	pool->writer_busy = false;
	pthread_cond_broadcast(&pool->writer_free);
	while (!mine->done) {
		if (pthread_cond_timedwait(&pool->batch_done, &pool->lock, &mine->deadline) !=
		    ETIMEDOUT)
			continue;
		/* The window is over: commit it ourselves, once the writer is free. */
		while (pool->writer_busy && !mine->done)
			pthread_cond_wait(&pool->writer_free, &pool->lock);
		if (!mine->done) {
			pool->writer_busy = true;
			batch_commit(pool, mine);
			pool->writer_busy = false;
			pthread_cond_broadcast(&pool->writer_free);
		}
	}
	failed = mine->failed;
	if (--mine->members == 0)
		free(mine);
	pthread_mutex_unlock(&pool->lock);
	if (failed)
		return errorf(err, ERR_IO, "the write batch did not commit");
	if (keep)
		rc = pool_sync(pool, own, err);
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
	store_close(pool->writer);
	pthread_cond_destroy(&pool->writer_free);
	pthread_cond_destroy(&pool->batch_done);
	pthread_cond_destroy(&pool->synced);
	pthread_cond_destroy(&pool->freed);
	pthread_mutex_destroy(&pool->lock);
	free(pool->all);
	free(pool->idle);
	free(pool->path);
	free(pool);
}
