/*
 * The delivery worker: one thread that takes due rows of the store's
 * delivery queue and POSTs them, signed, to their inboxes, many at once
 * (LIMIT_DELIVERY_PARALLEL) but at most LIMIT_DELIVERY_PER_HOST to one host.
 *
 * At least once: a row leaves the queue only when an inbox answered 2xx (or
 * the inbox is given up as dead). Rows are claimed with a lease
 * (LIMIT_DELIVERY_LEASE_S); after a crash they come due again when it runs
 * out. Each attempt is signed afresh (Date, Digest, Signature) with the key
 * of the statement that queued it (statement_id 0: the instance actor), or of
 * the organisation when the row names one (org_id).
 *
 * What an answer means (as Mastodon's own delivery worker):
 *   2xx                               delivered, the row is removed
 *   410 Gone                          the inbox is dead
 *   other 4xx except 401, 408, 429;   the inbox is dead: the receiver will never
 *   501                               accept it (Mastodon drops these too)
 *   401, 408, 429, 5xx, 3xx, timeout, retried after deliver_delay(); 401 may be
 *   connection error                  the receiver failing to fetch our key in time
 * After LIMIT_DELIVERY_ATTEMPTS attempts a retried row is dead too.
 *
 * Each poll the worker also publishes the edits of statement posts that are
 * due (publish_due(), activitypub/publish.h), so a change scheduled with a
 * batch window of cfg->update_interval_s goes out within a second of its time.
 */
#ifndef ACTIVITYPUB_DELIVER_H
#define ACTIVITYPUB_DELIVER_H

#include <stdint.h>

#include "util/err.h"

struct config;
struct deliver;
struct metrics;

enum deliver_outcome {
	DELIVER_DONE = 0,
	DELIVER_RETRY = 1,
	DELIVER_DEAD = 2,
	DELIVER_DROP = 3, /* removed without blaming the inbox: a 4xx, or its statement is gone */
};

/* What an HTTP status means for a delivery (0: no response at all, retried). Pure. */
enum deliver_outcome deliver_classify(int status);

/*
 * Seconds to wait after the attempts-th failed attempt (1 = the first):
 * LIMIT_DELIVERY_BACKOFF_BASE_S doubled each time, capped at
 * LIMIT_DELIVERY_BACKOFF_MAX_S; over LIMIT_DELIVERY_ATTEMPTS attempts the
 * waits add up to about 2.7 days (Mastodon's span is 2-3 days). Pure.
 */
int64_t deliver_backoff(int attempts);

/*
 * The wait before the next attempt: retry_after seconds when the receiver
 * sent Retry-After (> 0; at least 1, at most LIMIT_DELIVERY_BACKOFF_MAX_S),
 * else deliver_backoff(attempts). Pure.
 */
int64_t deliver_delay(int attempts, int64_t retry_after);

/*
 * Start the worker: it opens its own store connection on db_path and its
 * own HTTP client (cfg->allow_private_network applies, cfg->base_url names
 * our key ids), then runs in a new thread until deliver_stop(). cfg and
 * metrics (NULL: nothing counted) are borrowed and must outlive the worker;
 * each finished attempt is counted there by outcome. httpc_global_init()
 * must have been called. *out: stop and free with deliver_stop(). Returns 0
 * or the error of store_open() / thread creation.
 */
int deliver_start(const struct config *cfg, struct metrics *metrics, const char *db_path,
		  struct deliver **out, struct err *err);

/*
 * Wake the worker now: new rows were queued (it also looks every second by
 * itself, for rows queued by another process). Safe from any thread; NULL is fine.
 */
void deliver_kick(struct deliver *d);

/*
 * Stop the worker within moments (POSTs in flight are abandoned: their rows
 * come due again when the lease runs out), join it and free everything.
 * NULL is fine.
 */
void deliver_stop(struct deliver *d);

#endif
