/*
 * QuoteRequest (FEP-044f, as Mastodon 4.5 sends it): someone's post quotes
 * the statement post and asks for the statement's consent. The post says
 * anyone may quote it (interactionPolicy.canQuote.automaticApproval Public),
 * so every request whose quoting post is real gets an Accept whose result is
 * a QuoteAuthorization we serve at B/s/SLUG/quotes/ID (serve.c); Mastodon
 * fetches that and checks its attributedTo, interactingObject and
 * interactionTarget (verify_quote_service.rb).
 *
 * The quoting post (the request's instrument) must be on the requester's own
 * server, attributed to it, and quote our post: Mastodon embeds it when it
 * can, else we fetch it. A request that fails those checks gets a Reject.
 */
#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "activitypub/documents.h"
#include "activitypub/fetch.h"
#include "activitypub/handlers.h"
#include "activitypub/outbox.h"
#include "store/store.h"
#include "util/log.h"
#include "util/str.h"

/* The properties through which software names the post a post quotes. */
static const char *const quote_keys[] = { "quote", "quoteUrl", "quoteUri", "_misskey_quote" };

bool quote_post_quotes(const json_t *post, const char *actor_id, const char *target)
{
	if (!json_is_object(post) || !ap_links_to(json_object_get(post, "attributedTo"), actor_id))
		return false;
	for (size_t i = 0; i < sizeof(quote_keys) / sizeof(quote_keys[0]); i++)
		if (ap_links_to(json_object_get(post, quote_keys[i]), target))
			return true;
	return false;
}

/* The quoting post: embedded in the request (same origin as the actor), else fetched. */
static int quoting_post(struct ctx *ctx, const struct activity *a, const char *post_id,
			json_t **out, struct err *err)
{
	const json_t *instrument = json_object_get(a->doc, "instrument");

	*out = NULL;
	if (json_is_object(instrument) && str_eq(ap_str(instrument, "id"), post_id) &&
	    json_object_get(instrument, "attributedTo")) {
		*out = json_incref((json_t *)instrument);
		return 0;
	}
	return fetch_object(ctx, post_id, out, NULL, err);
}

enum handled handle_quote_request(struct ctx *ctx, const struct activity *a, struct err *err)
{
	const char *post_id = ap_link_id(json_object_get(a->doc, "instrument"));
	struct statement *s = NULL;
	enum handled res = HANDLED_DONE;
	char actor_host[256], post_host[256];
	char *target = NULL;
	json_t *post = NULL;
	int64_t id = 0;
	bool created = false;
	int rc;

	if (!a->object_id)
		return handler_refuse(err, ERR_INVALID, "QuoteRequest without object");
	if (!post_id || !ap_url_host(post_id, post_host, sizeof(post_host)))
		return handler_refuse(err, ERR_INVALID,
				      "QuoteRequest without an http(s) instrument");
	if (!ap_url_host(a->actor_id, actor_host, sizeof(actor_host)) ||
	    !str_eq(actor_host, post_host))
		return handler_refuse(err, ERR_FORBIDDEN,
				      "the quoting post %s is not on the actor's server", post_id);
	if (handler_statement_of(ctx, a->object_id, &s, err))
		return handler_store_failed(err);
	if (!s) {
		errorf(err, ERR_NOTFOUND, "QuoteRequest of %s, not ours", a->object_id);
		return HANDLED_IGNORED;
	}
	target = doc_url(ctx->cfg, s->slug, "/post");
	if (!str_eq(target, a->object_id)) {
		errorf(err, ERR_NOTFOUND, "QuoteRequest of %s, not a statement post", a->object_id);
		res = HANDLED_IGNORED;
		goto out;
	}
	rc = quoting_post(ctx, a, post_id, &post, err);
	if (rc == -ERR_RETRY) {
		res = HANDLED_RETRY;
		goto out;
	}
	if (rc) {
		log_warn("QuoteRequest %s: the quoting post %s: %s", a->id, post_id, err->msg);
		res = HANDLED_IGNORED;
		goto out;
	}
	if (quote_post_quotes(post, a->actor_id, target)) {
		rc = store_quote_add(ctx->store, s->id, a->actor_id, post_id, a->id, &id, &created,
				     err);
		if (rc && rc != -ERR_FORBIDDEN && rc != -ERR_NOTFOUND) {
			res = handler_store_failed(err);
			goto out;
		}
	} else {
		rc = errorf(err, ERR_INVALID, "%s is not %s's quote of %s", post_id, a->actor_id,
			    target);
	}
	if (rc) {
		log_info("QuoteRequest %s rejected: %s", a->id, err->msg);
		if (outbox_respond(ctx, s, "Reject", a->doc, a->signer->inbox, err))
			res = handler_store_failed(err);
		goto out;
	}
	if (outbox_accept_quote(ctx, s, a->doc, id, a->signer->inbox, err))
		res = handler_store_failed(err);
	else
		log_info("quote: %s quotes %s (%s), authorization %lld", a->actor_id, s->slug,
			 post_id, (long long)id);
out:
	json_decref(post);
	free(target);
	statement_free(s);
	return res;
}
