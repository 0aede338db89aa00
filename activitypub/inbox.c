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
#include "activitypub/org.h"
#include "activitypub/metrics.h"
#include "activitypub/verify.h"
#include "store/store.h"
#include "util/log.h"
#include "util/ratelimit.h"
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
	/* Answers to what our organisations sent (org.h). */
	{ "Accept", handle_accept },
	{ "Reject", handle_reject },
	/* FEP-044f: Mastodon 4.5+ asks before quoting the statement post. */
	{ "QuoteRequest", handle_quote_request },
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

/* A handled activity is a duplicate from now on. A failure to record it costs only
 * a retry handled again (handlers are idempotent): logged, the answer stands. */
static void mark_seen(struct ctx *ctx, const struct activity *a)
{
	struct err err;
	bool first;

	if (store_activity_seen(ctx->store, a->id, &first, &err))
		log_warn("event=inbox id=%s msg=%s", a->id, err.msg);
}

static void refuse(struct ctx *ctx, struct reply *out, const struct request *req, int status,
		   enum inbox_result reason, const char *why)
{
	metrics_inbox(ctx->metrics, reason);
	log_warn("event=inbox_refused path=%s ip=%s status=%d reason=%s msg=%s", req->path,
		 req->remote_ip, status, metrics_inbox_label(reason), why);
	reply_error(out, status, "%s", why);
}

/* A 429 when key's bucket in rl is empty: true when refused. */
static bool rate_limited(struct ctx *ctx, struct reply *out, const struct request *req,
			 struct ratelimit *rl, const char *what, const char *key)
{
	int wait_s = 0;
	char why[160];

	if (ratelimit_take(rl, key, ratelimit_now_ms(), &wait_s))
		return false;
	snprintf(why, sizeof(why), "too many requests from %s %.100s: retry in %d s", what, key,
		 wait_s);
	refuse(ctx, out, req, 429, INBOX_RATE_LIMITED, why);
	out->retry_after_s = wait_s;
	return true;
}

/* A 202: counted, and logged by the caller. */
static void accepted(struct ctx *ctx, struct reply *out, enum inbox_result result)
{
	metrics_inbox(ctx->metrics, result);
	reply_take(out, 202, CT_JSON, NULL);
}

void inbox_post(struct ctx *ctx, const char *slug, const struct request *req,
		struct reply *out)
{
	struct statement *owner = NULL;
	struct remote_actor *signer = NULL;
	struct store *own = NULL; /* this thread's connection while ctx->store is the writer */
	struct activity a = { 0 };
	struct err err;
	char host[256], authority[300];
	handler_fn fn;
	int rc;

	err_clear(&err);
	/* Before any work: what a client may make us do is bounded first. */
	if (rate_limited(ctx, out, req, ctx->inbox_per_ip, "client",
			 req->client ? req->client : req->remote_ip))
		goto out;
	if (!content_type_ok(request_header(req, "Content-Type"))) {
		refuse(ctx, out, req, 415, INBOX_CONTENT_TYPE,
		       "Content-Type must be application/activity+json");
		goto out;
	}
	if (slug) {
		rc = store_statement_get(ctx->store, slug, &owner, &err);
		if (rc) {
			refuse(ctx, out, req, rc == -ERR_NOTFOUND ? 404 : 503,
			       rc == -ERR_NOTFOUND ? INBOX_NO_STATEMENT : INBOX_STORAGE,
			       rc == -ERR_NOTFOUND ? "no such statement" : err.msg);
			goto out;
		}
	}
	if (activity_parse(req->body, req->body_len, &a, &err)) {
		refuse(ctx, out, req, 400, INBOX_BAD_ACTIVITY, err.msg);
		goto out;
	}
	if (!ap_url_host(a.actor_id, host, sizeof(host))) {
		refuse(ctx, out, req, 400, INBOX_BAD_ACTOR, "actor is not an http(s) URL");
		goto out;
	}
	if (store_block_has(ctx->store, host)) {
		refuse(ctx, out, req, 403, INBOX_BLOCKED, "domain blocked");
		goto out;
	}
	if (unknown_actor_delete(ctx, &a)) {
		/* As Mastodon does: accept without verifying, change nothing. */
		log_info("event=inbox type=Delete actor=%s result=ignored msg=%s", a.actor_id,
			 "unknown actor");
		accepted(ctx, out, INBOX_UNKNOWN_DELETE);
		goto out;
	}
	rc = verify_request(ctx, req, &signer, &err);
	if (rc) {
		refuse(ctx, out, req, rc == -ERR_RETRY ? 503 : rc == -ERR_INVALID ? 400 : 401,
		       rc == -ERR_RETRY ? INBOX_KEY_UNAVAILABLE : INBOX_SIGNATURE, err.msg);
		goto out;
	}
	if (!str_eq(signer->id, a.actor_id)) {
		refuse(ctx, out, req, 401, INBOX_NOT_ACTOR, "the signer is not the activity's actor");
		goto out;
	}
	/* Counted by the verified signer's server, so no one can spend another's share. */
	if (ap_url_authority(signer->id, authority, sizeof(authority)) &&
	    rate_limited(ctx, out, req, ctx->inbox_per_domain, "server", authority))
		goto out;
	/*
	 * Likes and boosts only touch the store (no fetch inside): their writes
	 * join the pool's shared batch, one commit and one fsync for many.
	 */
	if (ctx->pool && (str_eq(a.type, "Like") || str_eq(a.type, "Announce"))) {
		own = ctx->store;
		if (store_pool_writer_enter(ctx->pool, &ctx->store, &err)) {
			ctx->store = own;
			own = NULL;
			refuse(ctx, out, req, 503, INBOX_STORAGE, err.msg);
			goto out;
		}
	}
	/* A server that speaks again is served again: its dead inboxes (same host and port) revive. */
	store_inbox_revive_host(ctx->store, a.actor_id, NULL);
	/*
	 * The id is recorded as seen only once the handler has committed its
	 * work (mark_seen): a crash in between must leave the sender's retry to
	 * be handled again, not taken for a duplicate and lost.
	 */
	if (store_activity_is_seen(ctx->store, a.id)) {
		log_info("event=inbox type=%s id=%s result=duplicate", a.type, a.id);
		accepted(ctx, out, INBOX_DUPLICATE);
		goto out;
	}
	a.signer = signer;
	a.req = req;
	a.inbox_owner = owner;
	fn = handler_for(a.type);
	switch (fn ? fn(ctx, &a, &err) : HANDLED_IGNORED) {
	case HANDLED_DONE:
		mark_seen(ctx, &a);
		log_info("event=inbox type=%s id=%s actor=%s result=handled", a.type, a.id,
			 a.actor_id);
		accepted(ctx, out, INBOX_HANDLED);
		break;
	case HANDLED_IGNORED:
		mark_seen(ctx, &a);
		log_info("event=inbox type=%s id=%s actor=%s result=ignored msg=%s", a.type, a.id,
			 a.actor_id, err.msg);
		accepted(ctx, out, INBOX_IGNORED);
		break;
	case HANDLED_REFUSED:
		refuse(ctx, out, req, err.code == ERR_FORBIDDEN ? 403 : 400, INBOX_FORBIDDEN,
		       err.msg);
		break;
	case HANDLED_RETRY:
		/* Not done, and not marked seen: the sender's retry is handled. */
		refuse(ctx, out, req, 503, INBOX_RETRY, err.msg);
		break;
	}
out:
	if (own) {
		struct store *w = ctx->store;

		ctx->store = own;
		/* The answer waits for the batch's commit and fsync; a failed one is no 2xx. */
		if (store_pool_writer_leave(ctx->pool, w, true, own, &err) && out->status < 300) {
			reply_release(out);
			refuse(ctx, out, req, 503, INBOX_STORAGE, err.msg);
		}
	}
	activity_release(&a);
	remote_actor_free(signer);
	statement_free(owner);
}
