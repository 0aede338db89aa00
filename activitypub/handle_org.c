/*
 * What reaches an organisation actor hosted here (see org.h): the answers
 * to its signatures (Accept, Reject), the statement's reply, the Updates of
 * the statement post it follows, and Follows of itself. The sender has been
 * verified by the inbox: its id is the activity's actor.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/activity.h"
#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/documents.h"
#include "activitypub/inbox.h"
#include "activitypub/org.h"
#include "activitypub/org_documents.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"

void org_inbox_post(struct ctx *ctx, const char *slug, const struct request *req,
		    struct reply *out)
{
	struct organisation *o = NULL;
	struct err err;
	int rc = store_org_get(ctx->store, slug, &o, &err);

	if (rc == -ERR_NOTFOUND)
		return reply_error(out, 404, "no such organisation");
	if (rc)
		return reply_error(out, 503, "%s", err.msg);
	organisation_free(o);
	inbox_post(ctx, NULL, req, out);
}

int org_of_url(struct ctx *ctx, const char *url, struct organisation **out, struct err *err)
{
	char *prefix = xasprintf("%s/o/", ctx->cfg->base_url);
	const char *slug;
	char *s;
	int rc = 0;

	*out = NULL;
	if (!str_starts(url, prefix))
		goto out;
	slug = url + strlen(prefix);
	s = xstrndup(slug, strcspn(slug, "/#?"));
	rc = store_org_get(ctx->store, s, out, err);
	free(s);
	if (rc == -ERR_NOTFOUND)
		rc = 0;
out:
	free(prefix);
	return rc;
}

static enum handled answer(struct ctx *ctx, const struct activity *a, bool accepted,
			   struct err *err)
{
	bool found = false;

	if (!a->object_id)
		return handler_refuse(err, ERR_INVALID, "%s without object", a->type);
	if (store_endorsement_answer(ctx->store, a->actor_id, a->object_id, accepted,
				     (int64_t)time(NULL), &found, err))
		return handler_store_failed(err);
	if (!found) {
		errorf(err, ERR_NOTFOUND, "%s of %s, nothing we sent to it", a->type, a->object_id);
		return HANDLED_IGNORED;
	}
	log_info("event=org_answer type=%s from=%s object=%s", a->type, a->actor_id, a->object_id);
	return HANDLED_DONE;
}

enum handled handle_accept(struct ctx *ctx, const struct activity *a, struct err *err)
{
	return answer(ctx, a, true, err);
}

enum handled handle_reject(struct ctx *ctx, const struct activity *a, struct err *err)
{
	return answer(ctx, a, false, err);
}

/* The organisation whose actor id is exactly url, or NULL. */
static int followed_org(struct ctx *ctx, const char *url, struct organisation **out,
			struct err *err)
{
	char *actor;
	int rc = org_of_url(ctx, url, out, err);

	if (rc || !*out)
		return rc;
	actor = orgdoc_url(ctx->cfg, (*out)->slug, "");
	if (!str_eq(actor, url)) {
		organisation_free(*out);
		*out = NULL;
	}
	free(actor);
	return 0;
}

enum handled org_handle_follow(struct ctx *ctx, const struct activity *a, struct err *err)
{
	struct organisation *o = NULL;
	enum handled res = HANDLED_DONE;
	json_t *accept;
	char *body = NULL;
	char *inboxes[1];

	if (followed_org(ctx, a->object_id, &o, err))
		return handler_store_failed(err);
	if (!o) {
		errorf(err, ERR_NOTFOUND, "Follow of %s, nobody here", a->object_id);
		return HANDLED_IGNORED;
	}
	accept = orgdoc_accept(ctx->cfg, o, a->doc);
	body = doc_dump(accept);
	json_decref(accept);
	inboxes[0] = a->signer->inbox;
	if (!body) {
		res = handler_refuse(err, ERR_INVALID, "the Accept could not be built");
	} else if (store_org_follower_add(ctx->store, o->id, a->actor_id, a->id, err) ||
		   store_org_delivery_add(ctx->store, o->id, body, inboxes, 1, err)) {
		res = handler_store_failed(err);
	} else {
		log_info("event=org_followed org=%s actor=%s", o->slug, a->actor_id);
		if (ctx->deliver)
			deliver_kick(ctx->deliver);
	}
	free(body);
	organisation_free(o);
	return res;
}

int org_undo_follow(struct ctx *ctx, const struct activity *a, bool *removed, struct err *err)
{
	*removed = false;
	/* By the Follow's id, and only its own actor's: an organisation has no other follows. */
	return store_org_follower_remove_by_follow(ctx->store, a->object_id, a->actor_id, removed,
						   err);
}

enum handled org_handle_post_update(struct ctx *ctx, const struct activity *a,
				    struct err *err)
{
	struct endorsement *list = NULL;
	const char *content = ap_str(a->object, "content");
	int64_t now = (int64_t)time(NULL);
	enum handled res = HANDLED_DONE;
	size_t n = 0;

	/* Only the author updates its post: attributedTo must be the (verified) sender. */
	if (!a->object_id || !json_is_object(a->object) ||
	    !ap_links_to(json_object_get(a->object, "attributedTo"), a->actor_id)) {
		errorf(err, ERR_NOTFOUND, "Update of %s", a->object_id ? a->object_id : "?");
		return HANDLED_IGNORED;
	}
	if (store_endorsement_by_post(ctx->store, a->actor_id, a->object_id, &list, &n, err))
		return handler_store_failed(err);
	if (n == 0) {
		errorf(err, ERR_NOTFOUND, "Update of %s, no post we endorsed", a->object_id);
		return HANDLED_IGNORED;
	}
	for (size_t i = 0; i < n; i++) {
		struct organisation *o = NULL;
		char *actor;
		bool listed;

		if (store_org_get_by_id(ctx->store, list[i].org_id, &o, err)) {
			res = handler_store_failed(err);
			break;
		}
		actor = orgdoc_url(ctx->cfg, o->slug, "");
		listed = org_post_lists(content, actor);
		if (store_endorsement_post_updated(ctx->store, list[i].id, now, listed, err))
			res = handler_store_failed(err);
		else
			log_info("event=org_post_updated org=%s post=%s listed=%s", o->slug,
				 a->object_id, listed ? "yes" : "no");
		free(actor);
		organisation_free(o);
		if (res != HANDLED_DONE)
			break;
	}
	endorsements_free(list, n);
	return res;
}

/* True when the object's to/cc, or its mentions, name url. */
static bool addressed_to(const json_t *obj, const char *url)
{
	json_t *tag;
	size_t i;

	if (ap_links_to(json_object_get(obj, "to"), url) ||
	    ap_links_to(json_object_get(obj, "cc"), url))
		return true;
	json_array_foreach(json_object_get(obj, "tag"), i, tag)
		if (ap_type_is(tag, "Mention") && str_eq(ap_str(tag, "href"), url))
			return true;
	return false;
}

enum handled org_handle_reply(struct ctx *ctx, const struct activity *a, struct err *err)
{
	struct organisation **orgs = NULL;
	const char *content = ap_str(a->object, "content");
	const char *reply_to = ap_link_id(json_object_get(a->object, "inReplyTo"));
	enum handled res = HANDLED_IGNORED;
	size_t n = 0;

	if (!json_is_object(a->object) || store_org_list(ctx->store, &orgs, &n, err))
		return json_is_object(a->object) ? handler_store_failed(err) : HANDLED_IGNORED;
	for (size_t i = 0; i < n && res != HANDLED_RETRY; i++) {
		struct endorsement *e = NULL;
		char *actor = orgdoc_url(ctx->cfg, orgs[i]->slug, "");
		char *kept;

		/* Only a statement this organisation signed speaks to it here. */
		if (store_endorsement_get(ctx->store, orgs[i]->id, a->actor_id, &e, NULL) == 0 &&
		    !str_eq(e->state, "withdrawn") &&
		    (str_eq(reply_to, e->endorse_id) || addressed_to(a->object, actor))) {
			kept = utf8_cut_dup(content ? content : "", LIMIT_ORG_REPLY_BYTES / 4);
			if (store_endorsement_reply(ctx->store, e->id, kept, err)) {
				res = handler_store_failed(err);
			} else {
				res = HANDLED_DONE;
				log_info("event=org_reply org=%s from=%s", orgs[i]->slug,
					 a->actor_id);
			}
			free(kept);
		}
		endorsements_free(e, e ? 1 : 0);
		free(actor);
	}
	organisations_free(orgs, n);
	if (res == HANDLED_IGNORED)
		errorf(err, ERR_NOTFOUND,
		       "Create that neither replies to nor mentions anything here");
	return res;
}
