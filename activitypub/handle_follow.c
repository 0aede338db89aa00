/* Follow and Undo: followers come and go; an Accept answers every Follow. */
#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "activitypub/documents.h"
#include "activitypub/handlers.h"
#include "activitypub/org.h"
#include "activitypub/outbox.h"
#include "activitypub/sign.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

/* The statement the activity is about: its object must be the statement actor itself. */
static int followed_statement(struct ctx *ctx, const struct activity *a, const char *object_id,
			      struct statement **out, struct err *err)
{
	char *actor_url;
	int rc = handler_statement_of(ctx, object_id, out, err);

	if (rc || !*out)
		return rc;
	actor_url = doc_url(ctx->cfg, (*out)->slug, "");
	if (!str_eq(actor_url, object_id) ||
	    (a->inbox_owner && a->inbox_owner->id != (*out)->id)) {
		statement_free(*out);
		*out = NULL;
	}
	free(actor_url);
	return 0;
}

/* Whether url is the instance actor, which is the index readers follow (B/actor). */
static bool is_index(const struct ctx *ctx, const char *url)
{
	size_t n = strlen(ctx->cfg->base_url);

	return url && strncmp(url, ctx->cfg->base_url, n) == 0 && str_eq(url + n, "/actor");
}

enum handled handle_follow(struct ctx *ctx, const struct activity *a, struct err *err)
{
	struct statement *s = NULL;
	enum handled res = HANDLED_DONE;
	const char *inbox = a->signer->inbox;

	if (!a->object_id)
		return handler_refuse(err, ERR_INVALID, "Follow without object");
	if (is_index(ctx, a->object_id)) {
		/* Anyone may follow the index: an Accept at once, then an Announce of each new statement. */
		if (store_index_follower_add(ctx->store, a->actor_id, a->id, err) ||
		    outbox_accept_index(ctx, a->doc, inbox, err))
			return handler_store_failed(err);
		return HANDLED_DONE;
	}
	if (followed_statement(ctx, a, a->object_id, &s, err))
		return handler_store_failed(err);
	if (!s)
		return org_handle_follow(ctx, a, err); /* an organisation of ours, or nobody */
	if (store_follower_add(ctx->store, s->id, a->actor_id, a->id, err) ||
	    sign_by_follow(ctx, a, s, err) || outbox_accept(ctx, s, a->doc, inbox, err))
		res = handler_store_failed(err);
	statement_free(s);
	return res;
}

/* Undo of a Follow: the embedded Follow names what is undone. */
static enum handled undo_follow(struct ctx *ctx, const struct activity *a, struct err *err)
{
	const char *followed = json_string_value(json_object_get(a->object, "object"));
	struct statement *s = NULL;
	bool removed = false;
	enum handled res = HANDLED_DONE;

	if (!followed)
		followed = ap_link_id(json_object_get(a->object, "object"));
	if (is_index(ctx, followed)) {
		if (store_index_follower_remove(ctx->store, a->actor_id, NULL, &removed, err))
			return handler_store_failed(err);
		return removed ? HANDLED_DONE : HANDLED_IGNORED;
	}
	if (!followed || followed_statement(ctx, a, followed, &s, err))
		return followed ? handler_store_failed(err) : HANDLED_IGNORED;
	if (!s) {
		if (org_undo_follow(ctx, a, &removed, err))
			return handler_store_failed(err);
		return removed ? HANDLED_DONE : HANDLED_IGNORED;
	}
	/* An organisation that stops following withdraws the signature its Follow made. */
	if (store_follower_remove(ctx->store, s->id, a->actor_id, &removed, err) ||
	    sign_withdraw_activity(ctx, a->actor_id, a->object_id, &removed, err))
		res = handler_store_failed(err);
	statement_free(s);
	return res;
}

enum handled handle_undo(struct ctx *ctx, const struct activity *a, struct err *err)
{
	const char *inner_actor = ap_link_id(json_object_get(a->object, "actor"));
	bool removed = false;

	if (!a->object_id)
		return handler_refuse(err, ERR_INVALID, "Undo without object");
	/* Only the actor of an activity may undo it. */
	if (inner_actor && !str_eq(inner_actor, a->actor_id))
		return handler_refuse(err, ERR_FORBIDDEN, "Undo of another actor's activity");
	if (ap_type_is(a->object, "Follow"))
		return undo_follow(ctx, a, err);
	/* Like and Announce, embedded or by id: the store checks they are this actor's. */
	if (store_reaction_undo(ctx->store, a->object_id, a->actor_id, &removed, err))
		return handler_store_failed(err);
	if (!removed && store_follower_remove_by_follow(ctx->store, a->object_id, a->actor_id,
							&removed, err))
		return handler_store_failed(err);
	if (!removed && org_undo_follow(ctx, a, &removed, err))
		return handler_store_failed(err);
	if (!removed && store_index_follower_remove(ctx->store, a->actor_id, a->object_id, &removed,
						    err))
		return handler_store_failed(err);
	/* An Endorse (or a Follow named by id) that signed: the signature goes with it. */
	{
		bool withdrawn = false;

		if (sign_withdraw_activity(ctx, a->actor_id, a->object_id, &withdrawn, err))
			return handler_store_failed(err);
		removed = removed || withdrawn;
	}
	if (!removed)
		errorf(err, ERR_NOTFOUND, "nothing known of %s", a->object_id);
	return removed ? HANDLED_DONE : HANDLED_IGNORED;
}
