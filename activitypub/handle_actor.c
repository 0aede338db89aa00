/* What remote actors say of themselves: Delete (gone) and Update (refresh). Also Create. */
#include <stdlib.h>

#include "activitypub/ctx.h"
#include "activitypub/domaincheck.h"
#include "activitypub/fetch.h"
#include "activitypub/handlers.h"
#include "activitypub/org.h"
#include "activitypub/sign.h"
#include "store/store.h"
#include "util/log.h"
#include "util/str.h"

enum handled handle_delete(struct ctx *ctx, const struct activity *a, struct err *err)
{
	if (!str_eq(a->object_id, a->actor_id)) {
		bool withdrawn = false, unquoted = false;

		/* A deleted post that signed by mention withdraws that signature. */
		if (a->object_id &&
		    sign_withdraw_activity(ctx, a->actor_id, a->object_id, &withdrawn, err))
			return handler_store_failed(err);
		/* A deleted quoting post is no longer a quote (its authorization: 410). */
		if (a->object_id &&
		    store_quote_delete(ctx->store, a->actor_id, a->object_id, &unquoted, err))
			return handler_store_failed(err);
		if (!withdrawn && !unquoted)
			errorf(err, ERR_NOTFOUND, "Delete of %s", a->object_id ? a->object_id : "?");
		return withdrawn || unquoted ? HANDLED_DONE : HANDLED_IGNORED;
	}
	if (sign_withdraw_all(ctx, a->actor_id, 0, err) ||
	    store_org_follower_remove_actor(ctx->store, a->actor_id, err) ||
	    store_quote_delete_actor(ctx->store, a->actor_id, NULL, err) ||
	    store_actor_delete(ctx->store, a->actor_id, err))
		return handler_store_failed(err);
	return HANDLED_DONE;
}

enum handled handle_update(struct ctx *ctx, const struct activity *a, struct err *err)
{
	struct remote_actor *fresh = NULL;
	bool asked = false;
	int rc;

	/* Not an actor: perhaps the edit of a statement post our organisations signed. */
	if (!str_eq(a->object_id, a->actor_id))
		return org_handle_post_update(ctx, a, err);
	/* Fetch rather than trust the embedded copy: the fetched document is checked the same way every time. */
	rc = fetch_actor_cached(ctx, a->signer->key_id, true, &fresh, err);
	if (rc == -ERR_RETRY)
		return HANDLED_RETRY;
	if (rc) {
		log_warn("event=actor_refetch_failed actor=%s msg=%s", a->actor_id, err->msg);
		return HANDLED_IGNORED;
	}
	/*
	 * The name shown with its signatures follows the actor's own; its
	 * handle and website may have changed too: a signer's domain check is
	 * asked for again, done in the background (the mark stays meanwhile).
	 */
	rc = store_signatory_refresh(ctx->store, fresh->id,
				     fresh->name && *fresh->name ? fresh->name
								 : fresh->preferred_username,
				     fresh->handle, fresh->url, err);
	if (!rc)
		rc = store_domaincheck_request(ctx->store, fresh->id, &asked, err);
	if (!rc && asked)
		domaincheck_kick(ctx->checks);
	remote_actor_free(fresh);
	return rc ? handler_store_failed(err) : HANDLED_DONE;
}

/* A reply to the statement post, or a post mentioning a statement actor: kept for the coordinator. */
enum handled handle_create(struct ctx *ctx, const struct activity *a, struct err *err)
{
	const json_t *obj = a->object;
	const char *reply_to = ap_link_id(json_object_get(obj, "inReplyTo"));
	const char *about = NULL;
	struct statement *s = NULL;
	enum handled res = HANDLED_DONE;
	json_t *tags, *tag;
	size_t i;

	if (!json_is_object(obj) || !a->object_id)
		return handler_refuse(err, ERR_INVALID, "Create without an embedded object");
	if (!str_eq(ap_link_id(json_object_get(obj, "attributedTo")), a->actor_id))
		return handler_refuse(err, ERR_FORBIDDEN, "Create of an object attributed to another actor");
	if (reply_to && handler_statement_of(ctx, reply_to, &s, err))
		return handler_store_failed(err);
	/* tag is an array, or one object when the sender compacted JSON-LD (Fedify does). */
	tags = json_object_get(obj, "tag");
	for (i = 0; !s && i < (json_is_array(tags) ? json_array_size(tags) : 1); i++) {
		tag = json_is_array(tags) ? json_array_get(tags, i) : tags;
		if (ap_type_is(tag, "Mention") && (about = ap_str(tag, "href")) &&
		    handler_statement_of(ctx, about, &s, err))
			return handler_store_failed(err);
	}
	if (!s) /* perhaps a statement's reply to one of our organisations */
		return org_handle_reply(ctx, a, err);
	if (store_mention_add(ctx->store, s->id, a->id, a->actor_id, a->object_id, a->body, err) ||
	    sign_by_mention(ctx, a, s, err))
		res = handler_store_failed(err);
	statement_free(s);
	return res;
}
