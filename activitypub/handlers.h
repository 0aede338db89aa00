/*
 * Inbox handlers: plain functions of (context, activity). The dispatch table
 * in inbox.c maps an activity type to one of these.
 */
#ifndef ACTIVITYPUB_HANDLERS_H
#define ACTIVITYPUB_HANDLERS_H

#include "activitypub/activity.h"
#include "util/err.h"

struct ctx;

enum handled {
	HANDLED_DONE,    /* committed (or nothing to do): 202 */
	HANDLED_IGNORED, /* understood but not for us: 202, logged */
	HANDLED_REFUSED, /* a lie or not allowed: 400/403 with err's words */
	HANDLED_RETRY,   /* a passing failure (store busy, disk full): 503 */
};

typedef enum handled (*handler_fn)(struct ctx *ctx, const struct activity *a, struct err *err);

enum handled handle_follow(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_undo(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_like(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_announce(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_delete(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_update(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_create(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_endorse(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_block(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_move(struct ctx *ctx, const struct activity *a, struct err *err);
/* QuoteRequest of a statement post: Accept with a QuoteAuthorization, or Reject (handle_quote.c). */
enum handled handle_quote_request(struct ctx *ctx, const struct activity *a, struct err *err);

/*
 * True when post (a Note as JSON, borrowed) is attributed to actor_id and
 * quotes target (in quote, quoteUrl, quoteUri or _misskey_quote). Pure.
 */
bool quote_post_quotes(const json_t *post, const char *actor_id, const char *target);

/*
 * The statement a URL of ours names (B/s/SLUG or anything under it). *out is
 * new (statement_free), NULL when the URL names no statement of ours.
 * Returns 0, or a store error.
 */
int handler_statement_of(struct ctx *ctx, const char *url, struct statement **out,
			 struct err *err);

/* Fill err and return HANDLED_REFUSED (ERR_FORBIDDEN answers 403, others 400). */
enum handled handler_refuse(struct err *err, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Map a store error to a handler result: busy or disk full is worth a retry. */
enum handled handler_store_failed(struct err *err);

#endif
