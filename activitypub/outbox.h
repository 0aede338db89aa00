/* What the statement actor sends: activities built and queued for delivery. */
#ifndef ACTIVITYPUB_OUTBOX_H
#define ACTIVITYPUB_OUTBOX_H

#include <jansson.h>
#include <stdint.h>

#include "util/err.h"

struct ctx;
struct statement;

/*
 * Queue an Accept of follow (the Follow activity as received, borrowed) from
 * statement s to inbox. Committed when this returns 0; the worker is woken.
 */
int outbox_accept(struct ctx *ctx, const struct statement *s, json_t *follow, const char *inbox,
		  struct err *err);

/*
 * Queue an Accept of follow (as received, borrowed) of the index (the
 * instance actor B/actor, which signs it) to inbox. Committed when this
 * returns 0; the worker is woken.
 */
int outbox_accept_index(struct ctx *ctx, json_t *follow, const char *inbox, struct err *err);

/*
 * Queue an answer of type "Accept" or "Reject" to activity (borrowed: the
 * activity as received, embedded, or a JSON string, its id, for a type the
 * recipient may not know) from statement s to inbox. The id is stable per
 * (type, activity id).
 */
int outbox_respond(struct ctx *ctx, const struct statement *s, const char *type,
		   json_t *activity, const char *inbox, struct err *err);

/*
 * Queue the Accept of a QuoteRequest (request: as received, borrowed, embedded
 * as the object) from statement s to inbox, its result the QuoteAuthorization
 * B/s/SLUG/quotes/<quote_id>. Its id is stable per request (as
 * outbox_respond's), so a redelivered request gets the same Accept.
 */
int outbox_accept_quote(struct ctx *ctx, const struct statement *s, json_t *request,
			int64_t quote_id, const char *inbox, struct err *err);

/*
 * Queue a reply from statement s to a remote actor's post: a Create of a
 * Note in reply to in_reply_to, addressed and mentioning only the actor
 * (actor_id, shown as handle, may be NULL), with text (plain, escaped here).
 */
int outbox_reply(struct ctx *ctx, const struct statement *s, const char *actor_id,
		 const char *handle, const char *inbox, const char *in_reply_to,
		 const char *text, struct err *err);

#endif
