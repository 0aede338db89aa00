/*
 * Signatures: how a signed activity becomes a signatory, and how it stops
 * being one. The signer's type comes from its fetched actor document, never
 * from what the activity claims about it.
 *
 *   Follow from an Organization   -> follower and signature (how "follow")
 *   Endorse of the actor or post  -> signature (how "endorse"), answered Accept / Reject
 *   mention or reply with the sign word -> signature (how "mention"), answered by a reply
 *   Undo of a signing activity, Delete of the mention -> that one no longer stands;
 *     the signature is withdrawn when none stands (each is kept with its proof)
 *   Delete of the actor, Block -> withdrawn
 *   Move to an account that names the old one in alsoKnownAs -> carried over
 */
#include "activitypub/sign.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/documents.h"
#include "activitypub/domaincheck.h"
#include "activitypub/fetch.h"
#include "activitypub/handlers.h"
#include "activitypub/outbox.h"
#include "activitypub/proof.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

const char *sign_initial_state(const char *policy, const char *actor_type)
{
	if (str_eq(policy, "closed"))
		return NULL;
	if (str_eq(policy, "open") && str_eq(actor_type, "Organization"))
		return "approved";
	return "pending";
}

/* Skip an HTML tag or entity-free run; returns the next position after a tag. */
static const char *skip_tag(const char *p)
{
	while (*p && *p != '>')
		p++;
	return *p ? p + 1 : p;
}

bool sign_word_present(const char *html, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = html;

	if (!html || !wlen)
		return false;
	while (*p) {
		const char *start;
		bool handle;

		if (*p == '<') {
			p = skip_tag(p + 1);
			continue;
		}
		if (isspace((unsigned char)*p) || *p == '>') {
			p++;
			continue;
		}
		/* A token runs to white space or a tag; handles, hashtags and links are not words. */
		start = p;
		handle = *p == '@' || *p == '#';
		while (*p && *p != '<' && !isspace((unsigned char)*p))
			p++;
		if (!handle && !memmem(start, (size_t)(p - start), "://", 3)) {
			const char *a = start, *b = p;

			while (a < b && ispunct((unsigned char)*a))
				a++;
			while (b > a && ispunct((unsigned char)b[-1]))
				b--;
			if ((size_t)(b - a) == wlen && strncasecmp(a, word, wlen) == 0)
				return true;
		}
	}
	return false;
}

/* The name shown for a signer: its name, else its username, else its id. */
static const char *signer_name(const struct remote_actor *a)
{
	if (a->name && *a->name)
		return a->name;
	if (a->preferred_username && *a->preferred_username)
		return a->preferred_username;
	return a->id;
}

/* The approved list changed: edit the post after the batch window. */
static int approved_changed(struct ctx *ctx, int64_t statement_id, struct err *err)
{
	int64_t due = (int64_t)time(NULL) + ctx->cfg->update_interval_s;

	return store_statement_schedule_update(ctx->store, statement_id, due, err);
}

/*
 * Record a's signer as a signatory of s (how, by signing activity
 * activity_id). *state is the state given (NULL: the statement is closed).
 * *created is false when the signer had signed already.
 */
static int sign_record(struct ctx *ctx, const struct activity *a, const struct statement *s,
		       const char *how, const char *activity_id, const char **state,
		       bool *created, struct err *err)
{
	const struct remote_actor *signer = a->signer;
	struct signatory sig = { 0 };
	char *proof;
	int rc;

	*created = false;
	*state = sign_initial_state(s->policy, signer->type);
	if (!*state)
		return 0;
	proof = proof_make(a->req, str_starts(ctx->cfg->base_url, "https:") ? "https" : "http",
			   ctx->cfg->authority, signer, (int64_t)time(NULL));
	sig.name = (char *)signer_name(signer);
	sig.actor_id = signer->id;
	sig.handle = signer->handle;
	sig.url = signer->url;
	sig.how = (char *)how;
	sig.state = (char *)*state;
	sig.signed_at = (int64_t)time(NULL);
	sig.activity_id = (char *)activity_id;
	sig.actor_type = signer->type;
	rc = store_signatory_add_verified(ctx->store, s->id, &sig, proof, NULL, created, err);
	free(proof);
	if (!rc && *created && str_eq(*state, "approved"))
		rc = approved_changed(ctx, s->id, err);
	if (!rc && *created) {
		log_info("event=signature actor=%s statement=%s how=%s state=%s", signer->id, s->slug,
			 how, *state);
		/* The store holds its domain check as pending: the worker does it, not this thread. */
		domaincheck_kick(ctx->checks);
	}
	return rc;
}

int sign_by_follow(struct ctx *ctx, const struct activity *a, const struct statement *s,
		   struct err *err)
{
	const char *state;
	bool created;

	/* Only an Organization's follow is a signature; a person's is a follow. */
	if (!str_eq(a->signer->type, "Organization"))
		return 0;
	return sign_record(ctx, a, s, "follow", a->id, &state, &created, err);
}

/* The statement an Endorse names: its actor or its post, on this server. */
static int endorsed_statement(struct ctx *ctx, const struct activity *a,
			      struct statement **out, struct err *err)
{
	char *actor, *post;
	int rc = handler_statement_of(ctx, a->object_id, out, err);

	if (rc || !*out)
		return rc;
	actor = doc_url(ctx->cfg, (*out)->slug, "");
	post = doc_url(ctx->cfg, (*out)->slug, "/post");
	if (!str_eq(a->object_id, actor) && !str_eq(a->object_id, post)) {
		statement_free(*out);
		*out = NULL;
	}
	free(actor);
	free(post);
	return 0;
}

enum handled handle_endorse(struct ctx *ctx, const struct activity *a, struct err *err)
{
	struct statement *s = NULL;
	enum handled res = HANDLED_DONE;
	const char *state;
	bool created;
	json_t *ref;

	if (!a->object_id)
		return handler_refuse(err, ERR_INVALID, "Endorse without object");
	if (endorsed_statement(ctx, a, &s, err))
		return handler_store_failed(err);
	if (!s) {
		errorf(err, ERR_NOTFOUND, "Endorse of %s, not a statement here", a->object_id);
		return HANDLED_IGNORED;
	}
	/*
	 * The answer names the Endorse by id: embedded, a type outside
	 * ActivityStreams makes JSON-LD readers (Fedify) refuse the whole Accept.
	 */
	ref = json_string(a->id);
	if (sign_record(ctx, a, s, "endorse", a->id, &state, &created, err))
		res = handler_store_failed(err);
	else if (outbox_respond(ctx, s, state ? "Accept" : "Reject", ref, a->signer->inbox, err))
		res = handler_store_failed(err);
	else if (!state)
		log_info("event=signature_closed actor=%s statement=%s how=endorse", a->actor_id,
			 s->slug);
	json_decref(ref);
	statement_free(s);
	return res;
}

/* The reply to a signing mention: what happened, in one sentence. */
static const char *mention_answer(const char *state, bool created)
{
	if (!state)
		return "This statement is closed for signatures: nothing was recorded.";
	if (!created)
		return "Your account has signed this statement already.";
	if (str_eq(state, "approved"))
		return "Thank you: your signature is recorded and listed.";
	return "Thank you: your signature is recorded and waits for the coordinators' review.";
}

/* "@preferredUsername@host[:port]" of the actor's id, new; NULL when it has neither. */
static char *implied_handle(const struct remote_actor *a)
{
	struct url u;
	char *h = NULL;

	if (!a->preferred_username || !*a->preferred_username || !a->id ||
	    url_parse(a->id, &u, NULL))
		return NULL;
	h = xasprintf("@%s@%s", a->preferred_username, u.authority);
	url_release(&u);
	return h;
}

int sign_by_mention(struct ctx *ctx, const struct activity *a, const struct statement *s,
		    struct err *err)
{
	const char *content = ap_str(a->object, "content");
	struct remote_actor *known = NULL;
	char *origin = NULL, *implied = NULL;
	int64_t recent = 0;
	const char *state;
	bool created;
	int rc;

	if (!sign_word_present(content, ctx->cfg->sign_word))
		return 0;
	/* A flood from one server earns no signatures and no replies (replies amplify). */
	origin = ap_origin(a->actor_id);
	if (!origin)
		return 0;
	rc = store_mention_count_since(ctx->store, origin, (int64_t)time(NULL) - 3600, &recent,
				       err);
	free(origin);
	if (rc)
		return rc;
	if (recent > LIMIT_MENTIONS_PER_ORIGIN_HOUR) {
		log_warn("event=mention_flood actor=%s mentions_this_hour=%lld", a->actor_id,
			 (long long)recent);
		return 0;
	}
	/* The Note, not the Create, is what its author deletes to withdraw. */
	rc = sign_record(ctx, a, s, "mention", a->object_id, &state, &created, err);
	/*
	 * The reply names the signer by the handle WebFinger confirmed; a
	 * first-time signer's is not confirmed yet (the domain check runs in the
	 * background), so by the one its server implies (preferredUsername@host).
	 */
	if (!rc && !a->signer->handle)
		store_actor_get(ctx->store, a->actor_id, &known, NULL);
	if (!rc && !(known && known->handle))
		implied = implied_handle(a->signer);
	if (!rc)
		rc = outbox_reply(ctx, s, a->actor_id,
				  known && known->handle ? known->handle
				  : a->signer->handle	 ? a->signer->handle
							 : implied,
				  a->signer->inbox, a->object_id, mention_answer(state, created),
				  err);
	remote_actor_free(known);
	free(implied);
	return rc;
}

int sign_withdraw_activity(struct ctx *ctx, const char *actor_id, const char *activity_id,
			   bool *undone, struct err *err)
{
	struct signing_undo u;
	int rc;

	*undone = false;
	rc = store_signatory_withdraw_activity(ctx->store, actor_id, activity_id, &u, err);
	if (rc || !u.statement_id)
		return rc;
	*undone = true;
	if (u.withdrawn)
		log_info("event=signature_withdrawn actor=%s by=undo activity=%s", actor_id,
			 activity_id);
	else
		log_info("event=signing_undone actor=%s activity=%s msg=%s", actor_id, activity_id,
			 "another signing activity still stands");
	/* The post lists who signed, in signing order: a new first signing may move it. */
	return u.approved && (u.withdrawn || u.shown_changed)
		   ? approved_changed(ctx, u.statement_id, err)
		   : 0;
}

int sign_withdraw_all(struct ctx *ctx, const char *actor_id, int64_t only_statement,
		      struct err *err)
{
	struct statement **list = NULL;
	size_t n = 0;
	int rc = store_statement_list(ctx->store, &list, &n, err);

	for (size_t i = 0; !rc && i < n; i++) {
		struct signatory *sig = NULL;
		bool changed = false;

		if (only_statement && list[i]->id != only_statement)
			continue;
		if (store_signatory_get(ctx->store, list[i]->id, actor_id, &sig, NULL))
			continue;
		rc = store_signatory_withdraw(ctx->store, list[i]->id, actor_id, &changed, err);
		if (!rc && changed && str_eq(sig->state, "approved"))
			rc = approved_changed(ctx, list[i]->id, err);
		if (!rc && changed)
			log_info("event=signature_withdrawn actor=%s statement=%s", actor_id,
				 list[i]->slug);
		signatories_free(sig, 1);
	}
	statements_free(list, n);
	return rc;
}

enum handled handle_block(struct ctx *ctx, const struct activity *a, struct err *err)
{
	struct statement *s = NULL;
	enum handled res = HANDLED_DONE;
	bool removed;
	char *actor;

	if (!a->object_id || handler_statement_of(ctx, a->object_id, &s, err))
		return a->object_id ? handler_store_failed(err) : HANDLED_IGNORED;
	if (!s)
		return HANDLED_IGNORED;
	actor = doc_url(ctx->cfg, s->slug, "");
	/* Blocking the statement actor ends the follow and the signature with it. */
	if (str_eq(actor, a->object_id) &&
	    (store_follower_remove(ctx->store, s->id, a->actor_id, &removed, err) ||
	     sign_withdraw_all(ctx, a->actor_id, s->id, err)))
		res = handler_store_failed(err);
	free(actor);
	statement_free(s);
	return res;
}

/* True when the actor document doc lists old_id in alsoKnownAs. */
static bool also_known_as(const json_t *doc, const char *old_id)
{
	return ap_links_to(json_object_get(doc, "alsoKnownAs"), old_id);
}

enum handled handle_move(struct ctx *ctx, const struct activity *a, struct err *err)
{
	const char *target = ap_link_id(json_object_get(a->doc, "target"));
	struct remote_actor *moved_to = NULL;
	json_t *doc = NULL;
	int64_t moved = 0;
	enum handled res = HANDLED_DONE;
	int rc;

	if (!str_eq(a->object_id, a->actor_id) || !target)
		return handler_refuse(err, ERR_INVALID, "Move must move its own actor to a target");
	/* Believe the new account, not the old one: it must name the old one itself. */
	rc = fetch_object(ctx, target, &doc, NULL, err);
	if (rc)
		return rc == -ERR_RETRY ? HANDLED_RETRY : HANDLED_IGNORED;
	if (!also_known_as(doc, a->actor_id)) {
		json_decref(doc);
		log_warn("event=move_refused actor=%s target=%s msg=%s", a->actor_id, target,
			 "the target does not name it in alsoKnownAs");
		return handler_refuse(err, ERR_FORBIDDEN,
				      "Move target does not list the old account in alsoKnownAs");
	}
	json_decref(doc);
	rc = fetch_actor(ctx, target, &moved_to, err);
	if (rc)
		return rc == -ERR_RETRY ? HANDLED_RETRY : HANDLED_IGNORED;
	if (store_signatory_move(ctx->store, a->actor_id, moved_to->id, moved_to->handle,
				 moved_to->url, &moved, err))
		res = handler_store_failed(err);
	else if (moved)
		log_info("event=signature_moved count=%lld actor=%s to=%s", (long long)moved,
			 a->actor_id, moved_to->id);
	remote_actor_free(moved_to);
	return res;
}
