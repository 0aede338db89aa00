#include "activitypub/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/documents.h"
#include "crypto/digest.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

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

/* A stable id under the statement actor for an answer to source_id: actor#<kind>/<hash>. */
static char *answer_id(const char *actor, const char *kind, const char *source_id)
{
	unsigned char sum[SHA256_LEN];
	char hash[2 * 16 + 1];

	digest_sha256(source_id, strlen(source_id), sum);
	for (int i = 0; i < 16; i++)
		snprintf(hash + 2 * i, 3, "%02x", sum[i]);
	return xasprintf("%s#%s/%s", actor, kind, hash);
}

int outbox_respond(struct ctx *ctx, const struct statement *s, const char *type,
		   json_t *activity, const char *inbox, struct err *err)
{
	char *actor = doc_url(ctx->cfg, s->slug, "");
	const char *source = json_is_string(activity) ? json_string_value(activity) :
			     json_string_value(json_object_get(activity, "id"));
	char *id = answer_id(actor, str_eq(type, "Accept") ? "accepts" : "rejects",
			     source ? source : "");
	char *const inboxes[] = { (char *)inbox };
	json_t *answer;

	answer = json_pack("{s:s, s:s, s:s, s:s, s:O}", "@context",
			   "https://www.w3.org/ns/activitystreams", "id", id, "type", type,
			   "actor", actor, "object", activity);
	free(id);
	free(actor);
	if (!answer)
		return errorf(err, ERR_INTERNAL, "%s could not be built", type);
	return outbox_queue(ctx, s, answer, inboxes, 1, err);
}

int outbox_accept_index(struct ctx *ctx, json_t *follow, const char *inbox, struct err *err)
{
	char *actor = xasprintf("%s/actor", ctx->cfg->base_url);
	const char *source = json_string_value(json_object_get(follow, "id"));
	char *id = answer_id(actor, "accepts", source ? source : "");
	char *const inboxes[] = { (char *)inbox };
	json_t *answer;
	char *body;
	int rc;

	answer = json_pack("{s:s, s:s, s:s, s:s, s:O}", "@context",
			   "https://www.w3.org/ns/activitystreams", "id", id, "type", "Accept",
			   "actor", actor, "object", follow);
	free(id);
	free(actor);
	body = answer ? doc_dump(answer) : NULL;
	json_decref(answer);
	if (!body)
		return errorf(err, ERR_INTERNAL, "Accept could not be built");
	/* statement 0: the instance actor's key signs */
	rc = store_delivery_add(ctx->store, 0, body, inboxes, 1, err);
	free(body);
	if (!rc && ctx->deliver)
		deliver_kick(ctx->deliver);
	return rc;
}

int outbox_accept_quote(struct ctx *ctx, const struct statement *s, json_t *request,
			int64_t quote_id, const char *inbox, struct err *err)
{
	char *actor = doc_url(ctx->cfg, s->slug, "");
	const char *source = json_string_value(json_object_get(request, "id"));
	/* one per request: a receiver that drops an id it saw would miss the answer to a repeat */
	char *id = answer_id(actor, "accepts", source ? source : "");
	char *suffix = xasprintf("/quotes/%lld", (long long)quote_id);
	char *result = doc_url(ctx->cfg, s->slug, suffix);
	char *const inboxes[] = { (char *)inbox };
	json_t *answer;

	/* The shape of Mastodon's own (accept_quote_request_serializer.rb). */
	answer = json_pack("{s:[s, {s:s}], s:s, s:s, s:s, s:O, s:s}", "@context",
			   "https://www.w3.org/ns/activitystreams", "QuoteRequest",
			   "https://w3id.org/fep/044f#QuoteRequest", "id", id, "type", "Accept",
			   "actor", actor, "object", request, "result", result);
	free(result);
	free(suffix);
	free(id);
	free(actor);
	if (!answer)
		return errorf(err, ERR_INTERNAL, "Accept of the quote could not be built");
	return outbox_queue(ctx, s, answer, inboxes, 1, err);
}

int outbox_accept(struct ctx *ctx, const struct statement *s, json_t *follow, const char *inbox,
		  struct err *err)
{
	return outbox_respond(ctx, s, "Accept", follow, inbox, err);
}

int outbox_reply(struct ctx *ctx, const struct statement *s, const char *actor_id,
		 const char *handle, const char *inbox, const char *in_reply_to,
		 const char *text, struct err *err)
{
	char *actor = doc_url(ctx->cfg, s->slug, "");
	char *note_id = answer_id(actor, "replies", in_reply_to);
	char *create_id = xasprintf("%s/activity", note_id);
	char now[TIME_STR_MAX];
	char *const inboxes[] = { (char *)inbox };
	struct buf html;
	json_t *note, *create;

	time_to_iso(time(NULL), now);
	buf_init(&html, LIMIT_POST_HTML_BYTES);
	/* Mastodon notifies only when the account is both tagged and addressed. */
	buf_addstr(&html, "<p><span class=\"h-card\"><a href=\"");
	buf_add_html(&html, actor_id);
	buf_addstr(&html, "\" class=\"u-url mention\">");
	buf_add_html(&html, handle ? handle : actor_id);
	buf_addstr(&html, "</a></span> ");
	buf_add_html(&html, text);
	buf_addstr(&html, "</p>");
	note = json_pack("{s:s, s:s, s:s, s:s, s:[s], s:[], s:s, s:s, s:[{s:s, s:s, s:s}]}",
			 "id", note_id, "type", "Note", "attributedTo", actor, "inReplyTo",
			 in_reply_to, "to", actor_id, "cc", "published", now, "content",
			 buf_str(&html), "tag", "type", "Mention", "href", actor_id, "name",
			 handle ? handle : actor_id);
	create = note ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s], s:[], s:o}", "@context",
				  "https://www.w3.org/ns/activitystreams", "id", create_id,
				  "type", "Create", "actor", actor, "published", now, "to",
				  actor_id, "cc", "object", note)
		      : NULL;
	buf_release(&html);
	free(create_id);
	free(note_id);
	free(actor);
	if (!create)
		return errorf(err, ERR_INTERNAL, "reply could not be built");
	return outbox_queue(ctx, s, create, inboxes, 1, err);
}
