/* The inbox: a signed POST in, checked, handled, committed, answered 202. */
#ifndef ACTIVITYPUB_INBOX_H
#define ACTIVITYPUB_INBOX_H

#include "activitypub/reply.h"
#include "activitypub/request.h"

struct ctx;

/*
 * Handle a POST to a statement's inbox (slug) or the shared inbox (slug NULL).
 * Answers 202 when the activity is committed or deliberately ignored; 401 for
 * a missing or bad signature, or a signer that is not the actor; 400 for a
 * malformed body; 403 for a blocked domain; 404 for an unknown statement;
 * 413/415 for size and type; 503 when the store cannot commit now.
 */
void inbox_post(struct ctx *ctx, const char *slug, const struct request *req,
		struct reply *out);

#endif
