/*
 * The delivery worker. The policy (what a status means, how long to wait)
 * is in the pure functions at the top; the loop below claims rows, starts
 * POSTs within the per-host limit, and records each outcome in the store.
 */
#include "activitypub/deliver.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/httpc.h"
#include "activitypub/keyring.h"
#include "activitypub/metrics.h"
#include "activitypub/publish.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/url.h"

enum deliver_outcome deliver_classify(int status)
{
	if (status >= 200 && status < 300)
		return DELIVER_DONE;
	if (status == 401 || status == 408 || status == 429)
		return DELIVER_RETRY;
	/*
	 * 410: the inbox is gone. Other 4xx refuse this one delivery (Mastodon
	 * drops such a delivery too): drop it, but keep delivering there.
	 */
	if (status == 410)
		return DELIVER_DEAD;
	if ((status >= 400 && status < 500) || status == 501)
		return DELIVER_DROP;
	return DELIVER_RETRY;
}

int64_t deliver_backoff(int attempts)
{
	int64_t wait = LIMIT_DELIVERY_BACKOFF_BASE_S;

	for (int i = 1; i < attempts && wait < LIMIT_DELIVERY_BACKOFF_MAX_S; i++)
		wait *= 2;
	return wait < LIMIT_DELIVERY_BACKOFF_MAX_S ? wait : LIMIT_DELIVERY_BACKOFF_MAX_S;
}

int64_t deliver_delay(int attempts, int64_t retry_after)
{
	if (retry_after <= 0)
		return deliver_backoff(attempts);
	return retry_after < LIMIT_DELIVERY_BACKOFF_MAX_S ? retry_after
							  : LIMIT_DELIVERY_BACKOFF_MAX_S;
}

/* ---- the worker ---- */

/* A claimed row: waiting for its host's turn, or in flight. */
struct job {
	struct delivery d; /* owned fields */
	char *authority;   /* host[:port] of the inbox; NULL when the inbox is no URL */
	bool started;
};

struct deliver {
	const struct config *cfg;
	struct metrics *metrics; /* borrowed; NULL counts nothing */
	struct store *st;
	struct keyring *keys;
	struct httpc_multi *multi;
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock; /* guards stop and kicked */
	bool stop, kicked;
	struct job *jobs[LIMIT_DELIVERY_CLAIMED];
	size_t n_jobs;
	bool more_due; /* the last claim got all it asked for: more rows may be due */
	size_t running;
};

static void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->d.inbox);
	free(j->d.body);
	free(j->authority);
	free(j);
}

static bool job_held(const struct deliver *d, int64_t id)
{
	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i]->d.id == id)
			return true;
	return false;
}

static size_t host_running(const struct deliver *d, const char *authority)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_jobs; i++)
		if (d->jobs[i]->started && strcmp(d->jobs[i]->authority, authority) == 0)
			n++;
	return n;
}

/* Take due rows from the store, as many as there is room for. */
static void claim(struct deliver *d, int64_t now)
{
	struct delivery *list = NULL;
	size_t n = 0;
	struct err err;

	if (d->n_jobs >= LIMIT_DELIVERY_CLAIMED)
		return;
	if (store_delivery_claim(d->st, now, LIMIT_DELIVERY_LEASE_S,
				 LIMIT_DELIVERY_CLAIMED - d->n_jobs, &list, &n, &err)) {
		log_error("event=delivery_queue_failed msg=%s", err.msg);
		d->more_due = false;
		return;
	}
	d->more_due = n == LIMIT_DELIVERY_CLAIMED - d->n_jobs;
	for (size_t i = 0; i < n; i++) {
		struct job *j;
		struct url u;

		/* Held past its lease and claimed again: the claim renewed the lease. */
		if (job_held(d, list[i].id))
			continue;
		j = xcalloc(1, sizeof(*j));
		j->d = list[i];
		list[i].inbox = NULL;
		list[i].body = NULL;
		if (url_parse(j->d.inbox, &u, NULL) == 0) {
			j->authority = xstrdup(u.authority);
			url_release(&u);
		}
		d->jobs[d->n_jobs++] = j;
	}
	deliveries_free(list, n);
}

/* Record the outcome of job i and drop it from the list. */
static void finish(struct deliver *d, size_t i, enum deliver_outcome outcome, int status,
		   int64_t retry_after, const char *why)
{
	struct job *j = d->jobs[i];
	int attempt = j->d.attempts + 1;
	int64_t wait = 0;
	struct err err;
	int rc = 0;

	if (outcome == DELIVER_RETRY && attempt >= LIMIT_DELIVERY_ATTEMPTS)
		outcome = DELIVER_DEAD;
	switch (outcome) {
	case DELIVER_DONE:
		rc = store_delivery_done(d->st, j->d.id, status, &err);
		log_info("event=delivery id=%lld inbox=%s outcome=delivered status=%d attempt=%d",
			 (long long)j->d.id, j->d.inbox, status, attempt);
		break;
	case DELIVER_RETRY:
		wait = deliver_delay(attempt, retry_after);
		rc = store_delivery_retry(d->st, j->d.id, status, (int64_t)time(NULL) + wait, &err);
		log_info("event=delivery id=%lld inbox=%s outcome=retry msg=%s attempt=%d of=%d "
			 "next_s=%lld",
			 (long long)j->d.id, j->d.inbox, why, attempt, LIMIT_DELIVERY_ATTEMPTS,
			 (long long)wait);
		break;
	case DELIVER_DEAD:
		rc = store_delivery_dead(d->st, j->d.id, status, &err);
		log_warn("event=delivery id=%lld inbox=%s outcome=dead msg=%s attempt=%d",
			 (long long)j->d.id, j->d.inbox, why, attempt);
		break;
	case DELIVER_DROP:
		rc = store_delivery_done(d->st, j->d.id, status, &err);
		log_warn("event=delivery id=%lld inbox=%s outcome=dropped msg=%s", (long long)j->d.id,
			 j->d.inbox, why);
		break;
	}
	metrics_delivery(d->metrics, outcome);
	/* On a store error the row keeps its lease and comes due again: at least once. */
	if (rc)
		log_error("event=delivery_record_failed id=%lld msg=%s", (long long)j->d.id,
			  err.msg);
	if (j->started)
		d->running--;
	job_free(j);
	memmove(&d->jobs[i], &d->jobs[i + 1], (d->n_jobs - i - 1) * sizeof(d->jobs[0]));
	d->n_jobs--;
}

/* Start job i's POST. False when the job was finished at once (and removed). */
static bool start(struct deliver *d, size_t i)
{
	struct job *j = d->jobs[i];
	struct httpc_signer signer;
	struct err err;
	int rc;

	if (j->d.org_id)
		rc = keyring_org_signer(d->keys, d->st, j->d.org_id, &signer.key_id, &signer.key,
					&err);
	else
		rc = keyring_signer(d->keys, d->st, j->d.statement_id, &signer.key_id, &signer.key,
				    &err);
	if (rc == -ERR_NOTFOUND && (j->d.statement_id != 0 || j->d.org_id != 0)) {
		/* Its statement or organisation is gone: nobody can sign it now. The inbox is fine. */
		finish(d, i, DELIVER_DROP, 0, 0, err.msg);
		return false;
	}
	if (rc) {
		finish(d, i, DELIVER_RETRY, 0, 0, err.msg);
		return false;
	}
	rc = httpc_multi_post(d->multi, j->d.inbox, "application/activity+json", j->d.body,
			      strlen(j->d.body), &signer, j, &err);
	if (rc) {
		/* A URL refused now (malformed, plain http, ...) is refused forever. */
		finish(d, i, rc == -ERR_INVALID || rc == -ERR_FORBIDDEN ? DELIVER_DEAD : DELIVER_RETRY,
		       0, 0, err.msg);
		return false;
	}
	j->started = true;
	d->running++;
	return true;
}

/* Start waiting jobs, oldest first, within the global and per-host limits. */
static void start_ready(struct deliver *d)
{
	size_t i = 0;

	while (i < d->n_jobs && d->running < LIMIT_DELIVERY_PARALLEL) {
		struct job *j = d->jobs[i];

		if (j->started) {
			i++;
		} else if (!j->authority) {
			finish(d, i, DELIVER_DEAD, 0, 0, "inbox is not an http(s) URL");
		} else if (host_running(d, j->authority) >= LIMIT_DELIVERY_PER_HOST) {
			i++;
		} else if (start(d, i)) {
			i++;
		}
	}
}

/* Record every finished POST. */
static void collect(struct deliver *d)
{
	struct httpc_done done;
	struct err err;
	bool batch = false;

	while (httpc_multi_done(d->multi, &done)) {
		enum deliver_outcome outcome;
		char why[64];
		size_t i;

		for (i = 0; i < d->n_jobs && d->jobs[i] != done.user; i++)
			;
		if (i == d->n_jobs)
			continue; /* cannot happen: every transfer has its job */
		/*
		 * The outcomes of one round in one transaction: one fsync, not one
		 * per delivery. Lost in a crash, they are redone when the leases
		 * run out (at least once).
		 */
		if (!batch)
			batch = store_batch_begin(d->st, &err) == 0;
		if (done.rc == 0) {
			outcome = deliver_classify((int)done.status);
			snprintf(why, sizeof(why), "HTTP %ld", done.status);
			finish(d, i, outcome, (int)done.status, done.retry_after, why);
		} else {
			finish(d, i, done.rc == -ERR_FORBIDDEN ? DELIVER_DEAD : DELIVER_RETRY, 0, 0,
			       done.err.msg);
		}
	}
	if (batch && store_batch_commit(d->st, &err))
		log_error("event=delivery_record_failed msg=%s", err.msg);
}

/* Queue the edits of posts that are due (batched: see publish.h); claim() takes them next. */
static void publish(struct deliver *d, int64_t now)
{
	struct ctx ctx = { .cfg = d->cfg, .store = d->st, .deliver = NULL };
	struct err err;

	/* publish_due logs each failure; a failed edit stays due and is tried next poll. */
	(void)publish_due(&ctx, now, &err);
}

static void *worker(void *arg)
{
	struct deliver *d = arg;
	int64_t next_claim = 0;

	for (;;) {
		struct err err;
		int64_t now;
		bool stop, kicked;

		pthread_mutex_lock(&d->lock);
		stop = d->stop;
		kicked = d->kicked;
		d->kicked = false;
		pthread_mutex_unlock(&d->lock);
		if (stop)
			break;
		now = (int64_t)time(NULL);
		if (kicked || now >= next_claim) {
			publish(d, now);
			claim(d, now);
			next_claim = now + 1;
		} else if (d->more_due && d->n_jobs <= LIMIT_DELIVERY_CLAIMED / 2) {
			/* A fan-out is under way: take the next rows as soon as there is room. */
			claim(d, now);
		}
		start_ready(d);
		if (httpc_multi_poll(d->multi, LIMIT_DELIVERY_POLL_MS, &err)) {
			struct timespec pause = { 0, 100 * 1000 * 1000 };

			log_error("event=delivery_worker_failed msg=%s", err.msg);
			nanosleep(&pause, NULL);
		}
		collect(d);
	}
	return NULL;
}

int deliver_start(const struct config *cfg, struct metrics *metrics, const char *db_path,
		  struct deliver **out, struct err *err)
{
	struct httpc_opts o = { 0 };
	struct deliver *d;
	int rc;

	*out = NULL;
	d = xcalloc(1, sizeof(*d));
	d->cfg = cfg;
	d->metrics = metrics;
	pthread_mutex_init(&d->lock, NULL);
	d->keys = keyring_new(cfg->base_url);
	o.base_url = cfg->base_url;
	o.allow_private_network = cfg->allow_private_network;
	o.timeout_ms = (long)LIMIT_DELIVERY_TIMEOUT_S * 1000;
	/*
	 * The worker's commits (claims, outcomes, published edits) are redone
	 * when lost, so they do without an fsync each: it would stall the only
	 * thread that signs and sends.
	 */
	if ((rc = store_open(db_path, &d->st, err)) || (rc = store_relax_durability(d->st, err)) ||
	    (rc = httpc_multi_new(&o, &d->multi, err)))
		goto fail;
	if (pthread_create(&d->thread, NULL, worker, d) != 0) {
		rc = errorf(err, ERR_INTERNAL, "cannot start the delivery thread");
		goto fail;
	}
	d->thread_started = true;
	*out = d;
	return 0;
fail:
	deliver_stop(d);
	return rc;
}

void deliver_kick(struct deliver *d)
{
	if (!d)
		return;
	pthread_mutex_lock(&d->lock);
	d->kicked = true;
	pthread_mutex_unlock(&d->lock);
	httpc_multi_wakeup(d->multi);
}

void deliver_stop(struct deliver *d)
{
	if (!d)
		return;
	if (d->thread_started) {
		pthread_mutex_lock(&d->lock);
		d->stop = true;
		pthread_mutex_unlock(&d->lock);
		httpc_multi_wakeup(d->multi);
		pthread_join(d->thread, NULL);
	}
	/* Abandon the transfers before their jobs (the multi points into them). */
	httpc_multi_free(d->multi);
	for (size_t i = 0; i < d->n_jobs; i++)
		job_free(d->jobs[i]);
	keyring_free(d->keys);
	store_close(d->st);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
