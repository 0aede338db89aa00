/*
 * Counters for /metrics: what the inbox accepted and refused (by reason) and
 * how deliveries ended (by outcome), counted in memory since the start, and
 * the Prometheus text that shows them with the store's gauges (queue depth,
 * dead inboxes, signatures by state).
 *
 * One struct metrics per server, made before any thread starts and shared
 * through struct ctx; counting is thread-safe (atomic) and never fails.
 * Every counting function accepts a NULL struct metrics (the CLI and the
 * tests count nothing).
 */
#ifndef ACTIVITYPUB_METRICS_H
#define ACTIVITYPUB_METRICS_H

#include "activitypub/deliver.h"
#include "util/buf.h"
#include "util/err.h"

struct metrics;
struct store;

/* What the inbox did with a POST. The first ones are accepted (202), the rest refused. */
enum inbox_result {
	INBOX_HANDLED,	      /* 202: a handler did something */
	INBOX_IGNORED,	      /* 202: nothing to do (unknown type, not for us...) */
	INBOX_DUPLICATE,      /* 202: the activity id was seen before */
	INBOX_UNKNOWN_DELETE, /* 202: Delete of an actor never seen */
	INBOX_ACCEPTED_N,     /* (the boundary, not a result) */
	INBOX_CONTENT_TYPE = INBOX_ACCEPTED_N, /* 415 */
	INBOX_NO_STATEMENT,		       /* 404 */
	INBOX_BAD_ACTIVITY,		       /* 400: not JSON, or not an activity */
	INBOX_BAD_ACTOR,		       /* 400: actor is not an http(s) URL */
	INBOX_BLOCKED,			       /* 403: the actor's domain is blocked */
	INBOX_SIGNATURE,       /* 400/401: missing, malformed or wrong HTTP Signature */
	INBOX_KEY_UNAVAILABLE, /* 503: the signer's key could not be fetched now */
	INBOX_NOT_ACTOR,       /* 401: the signer is not the activity's actor */
	INBOX_FORBIDDEN,       /* 403/400: the handler refused (closed statement, Move...) */
	INBOX_RETRY,	       /* 503: the handler asked for a retry */
	INBOX_STORAGE,	       /* 503: the store failed */
	INBOX_RATE_LIMITED,    /* 429: too many from that client address or that server */
	INBOX_RESULTS_N
};

/* A new set of counters at zero. Free with metrics_free (NULL is fine). */
struct metrics *metrics_new(void);
void metrics_free(struct metrics *m);

/* Count one inbox POST. */
void metrics_inbox(struct metrics *m, enum inbox_result r);
/* Count one finished delivery attempt. */
void metrics_delivery(struct metrics *m, enum deliver_outcome o);
/* The label of r ("handled", "signature"...); static. */
const char *metrics_inbox_label(enum inbox_result r);

/*
 * Append the Prometheus text exposition (version 0.0.4) of the counters and
 * of st's gauges to out. m may be NULL (counters read 0). 0, or the store's
 * error (out then holds nothing useful), or -ERR_TOOBIG when out's limit is
 * passed.
 */
int metrics_render(const struct metrics *m, struct store *st, struct buf *out, struct err *err);

#define CT_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"

#endif
