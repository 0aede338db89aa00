/* What the statement actor sends: activities built and queued for delivery. */
#ifndef ACTIVITYPUB_OUTBOX_H
#define ACTIVITYPUB_OUTBOX_H

#include <jansson.h>

#include "util/err.h"

struct ctx;
struct statement;

/*
 * Queue an Accept of follow (the Follow activity as received, borrowed) from
 * statement s to inbox. Committed when this returns 0; the worker is woken.
 */
int outbox_accept(struct ctx *ctx, const struct statement *s, json_t *follow, const char *inbox,
		  struct err *err);

#endif
