#include "activitypub/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/documents.h"
#include "crypto/digest.h"
#include "store/store.h"
#include "util/mem.h"

/* Queue one activity (a new reference, consumed) to inboxes and wake the worker. */
static int outbox_queue(struct ctx *ctx, const struct statement *s, json_t *activity,
			char *const *inboxes, size_t n, struct err *err)
{
	char *body = doc_dump(activity);
	int rc;

	json_decref(activity);
	if (!body)
		return errorf(err, ERR_INTERNAL, "activity could not be serialised");
	rc = store_delivery_add(ctx->store, s->id, body, inboxes, n, err);
	free(body);
	if (!rc && ctx->deliver)
		deliver_kick(ctx->deliver);
	return rc;
}

int outbox_accept(struct ctx *ctx, const struct statement *s, json_t *follow, const char *inbox,
		  struct err *err)
{
	char *actor = doc_url(ctx->cfg, s->slug, "");
	unsigned char sum[SHA256_LEN];
	char hash[2 * 16 + 1];
	const char *follow_id = json_string_value(json_object_get(follow, "id"));
	char *id;
	json_t *accept;
	char *const inboxes[] = { (char *)inbox };

	/* A stable id per Follow: accepting the same Follow twice is the same Accept. */
	digest_sha256(follow_id, strlen(follow_id), sum);
	for (int i = 0; i < 16; i++)
		snprintf(hash + 2 * i, 3, "%02x", sum[i]);
	id = xasprintf("%s#accepts/%s", actor, hash);
	accept = json_pack("{s:s, s:s, s:s, s:s, s:O}", "@context",
			   "https://www.w3.org/ns/activitystreams", "id", id, "type", "Accept",
			   "actor", actor, "object", follow);
	free(id);
	free(actor);
	if (!accept)
		return errorf(err, ERR_INTERNAL, "Accept could not be built");
	return outbox_queue(ctx, s, accept, inboxes, 1, err);
}
