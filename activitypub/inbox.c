/*
 * The inbox: the order of the checks matters. Cheap refusals first (type,
 * size, JSON shape), then the signature (the only costly step, and the one
 * that makes the rest trustworthy), then who may say what, then the handler.
 */
#include "activitypub/inbox.h"

#include <string.h>

#include "activitypub/activity.h"
#include "activitypub/ctx.h"
#include "activitypub/handlers.h"
#include "activitypub/verify.h"
#include "store/store.h"
#include "util/log.h"
#include "util/str.h"

static const struct {
	const char *type;
	handler_fn fn;
} dispatch[] = {
	{ "Follow", handle_follow },
	{ "Undo", handle_undo },
	{ "Like", handle_like },
	{ "Announce", handle_announce },
	{ "Delete", handle_delete },
	{ "Update", handle_update },
	{ "Create", handle_create },
	/* Read as plain JSON: "Endorse" counts whether or not our context was included. */
	{ "Endorse", handle_endorse },
	{ "Block", handle_block },
	{ "Move", handle_move },
};

static bool content_type_ok(const char *ct)
{
	/* Mastodon sends activity+json; others ld+json with a profile, or plain json. */
	return ct && (str_istarts(ct, "application/activity+json") ||
		      str_istarts(ct, "application/ld+json") || str_istarts(ct, "application/json"));
}

static handler_fn handler_for(const char *type)
{
	for (size_t i = 0; i < sizeof(dispatch) / sizeof(dispatch[0]); i++)
		if (str_eq(dispatch[i].type, type))
			return dispatch[i].fn;
	return NULL;
}

/* A Delete of an actor we never saw: nothing of it is stored, and its key is gone. */
static bool unknown_actor_delete(struct ctx *ctx, const struct activity *a)
{
	struct remote_actor *known = NULL;

	if (!str_eq(a->type, "Delete") || !str_eq(a->object_id, a->actor_id))
		return false;
	if (store_actor_get(ctx->store, a->actor_id, &known, NULL) == 0) {
		remote_actor_free(known);
		return false;
	}
	return true;
}

static void refuse(struct reply *out, const struct request *req, int status, const char *why)
{
	log_warn("inbox %s from %s refused %d: %s", req->path, req->remote_ip, status, why);
	reply_error(out, status, "%s", why);
}

void inbox_post(struct ctx *ctx, const char *slug, const struct request *req,
		struct reply *out)
{
	struct statement *owner = NULL;
	struct remote_actor *signer = NULL;
	struct activity a = { 0 };
	struct err err;
	char host[256];
	handler_fn fn;
	bool first;
	int rc;

	err_clear(&err);
	if (!content_type_ok(request_header(req, "Content-Type"))) {
		refuse(out, req, 415, "Content-Type must be application/activity+json");
		goto out;
	}
	if (slug) {
		rc = store_statement_get(ctx->store, slug, &owner, &err);
		if (rc) {
			refuse(out, req, rc == -ERR_NOTFOUND ? 404 : 503,
			       rc == -ERR_NOTFOUND ? "no such statement" : err.msg);
			goto out;
		}
	}
	if (activity_parse(req->body, req->body_len, &a, &err)) {
		refuse(out, req, 400, err.msg);
		goto out;
	}
	if (!ap_url_host(a.actor_id, host, sizeof(host))) {
		refuse(out, req, 400, "actor is not an http(s) URL");
		goto out;
	}
	if (store_block_has(ctx->store, host)) {
		refuse(out, req, 403, "domain blocked");
		goto out;
	}
	if (unknown_actor_delete(ctx, &a)) {
		/* As Mastodon does: accept without verifying, change nothing. */
		log_info("inbox: Delete of unknown actor %s ignored", a.actor_id);
		reply_take(out, 202, CT_JSON, NULL);
		goto out;
	}
	rc = verify_request(ctx, req, &signer, &err);
	if (rc) {
		refuse(out, req, rc == -ERR_RETRY ? 503 : rc == -ERR_INVALID ? 400 : 401, err.msg);
		goto out;
	}
	if (!str_eq(signer->id, a.actor_id)) {
		refuse(out, req, 401, "the signer is not the activity's actor");
		goto out;
	}
	store_inbox_revive_host(ctx->store, host, NULL);
	rc = store_activity_seen(ctx->store, a.id, &first, &err);
	if (rc) {
		refuse(out, req, 503, err.msg);
		goto out;
	}
	if (!first) {
		log_info("inbox: %s %s seen before", a.type, a.id);
		reply_take(out, 202, CT_JSON, NULL);
		goto out;
	}
	a.signer = signer;
	a.req = req;
	a.inbox_owner = owner;
	fn = handler_for(a.type);
	switch (fn ? fn(ctx, &a, &err) : HANDLED_IGNORED) {
	case HANDLED_DONE:
		log_info("inbox: %s %s from %s", a.type, a.id, a.actor_id);
		reply_take(out, 202, CT_JSON, NULL);
		break;
	case HANDLED_IGNORED:
		log_info("inbox: %s %s from %s ignored%s%s", a.type, a.id, a.actor_id,
			 err.msg[0] ? ": " : "", err.msg);
		reply_take(out, 202, CT_JSON, NULL);
		break;
	case HANDLED_REFUSED:
		store_activity_forget(ctx->store, a.id, NULL);
		refuse(out, req, err.code == ERR_FORBIDDEN ? 403 : 400, err.msg);
		break;
	case HANDLED_RETRY:
		/* Not done: the sender's retry must not be taken for a duplicate. */
		store_activity_forget(ctx->store, a.id, NULL);
		refuse(out, req, 503, err.msg);
		break;
	}
out:
	activity_release(&a);
	remote_actor_free(signer);
	statement_free(owner);
}
