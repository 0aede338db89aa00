/*
 * GET handlers for the federation documents. Each loads from the store,
 * builds with documents.c and answers; errors are JSON replies.
 */
#include "activitypub/serve.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/documents.h"
#include "activitypub/keyring.h"
#include "activitypub/org_documents.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

/* Answer a document (a new reference, consumed here) with its content type. */
static void reply_doc(struct reply *out, json_t *doc, const char *content_type)
{
	char *body = doc ? doc_dump(doc) : NULL;

	json_decref(doc);
	if (!body)
		return reply_error(out, 500, "document could not be built");
	reply_take(out, 200, content_type, body);
}

/* The current version's texts, and when it was made when it is a revision. */
static int view_load_texts(struct store *st, struct loaded_view *lv, struct err *err)
{
	struct statement_version *versions = NULL;
	size_t n = 0;
	int rc;

	if ((rc = store_statement_texts(st, lv->s->id, 0, &lv->texts, &lv->n_texts,
					&lv->v.version, err)) ||
	    (rc = store_statement_versions(st, lv->s->id, &versions, &n, err)))
		return rc;
	if (n > 1)
		lv->v.revised = versions[n - 1].created;
	free(versions);
	lv->v.texts = lv->texts;
	lv->v.n_texts = lv->n_texts;
	return 0;
}

int view_load(struct ctx *ctx, const char *slug, struct loaded_view *lv, struct err *err)
{
	struct store *st = ctx->store;
	int rc;

	memset(lv, 0, sizeof(*lv));
	rc = store_statement_get(st, slug, &lv->s, err);
	if (rc)
		return rc;
	lv->v.s = lv->s;
	rc = store_signatory_list(st, lv->s->id, "approved", 0, LIMIT_LISTED_SIGNATORIES,
				  &lv->sigs, &lv->n_sigs, err);
	if (!rc)
		rc = store_signatory_count(st, lv->s->id, "approved", &lv->v.signatures_approved,
					   err);
	if (!rc)
		rc = store_follower_count(st, lv->s->id, &lv->v.followers, err);
	if (!rc)
		rc = store_reaction_count(st, lv->s->id, "like", &lv->v.likes, err);
	if (!rc)
		rc = store_reaction_count(st, lv->s->id, "announce", &lv->v.shares, err);
	if (!rc)
		rc = store_quote_count(st, lv->s->id, &lv->v.quotes, err);
	if (!rc)
		rc = view_load_texts(st, lv, err);
	lv->v.signatories = lv->sigs;
	lv->v.n_signatories = lv->n_sigs;
	if (rc)
		view_release(lv);
	return rc;
}

void view_release(struct loaded_view *lv)
{
	statement_free(lv->s);
	signatories_free(lv->sigs, lv->n_sigs);
	statement_texts_free(lv->texts, lv->n_texts);
	memset(lv, 0, sizeof(*lv));
}

/* The slug a WebFinger resource names (acct:SLUG@AUTHORITY or B/s/SLUG). Caller frees; NULL if none. */
static char *webfinger_slug(const struct config *cfg, const char *resource)
{
	char *prefix, *slug = NULL;

	if (str_starts(resource, "acct:")) {
		const char *user = resource + 5;
		const char *at;

		if (*user == '@')
			user++;
		at = strrchr(user, '@');
		if (!at || at == user || !str_ieq(at + 1, cfg->authority))
			return NULL;
		return xstrndup(user, (size_t)(at - user));
	}
	prefix = xasprintf("%s/s/", cfg->base_url);
	if (str_starts(resource, prefix) && !strchr(resource + strlen(prefix), '/'))
		slug = xstrdup(resource + strlen(prefix));
	free(prefix);
	return slug;
}

/* The instance actor answers to acct:HOST@AUTHORITY and to its URL, as Mastodon's does. */
static bool webfinger_is_instance(const struct config *cfg, const char *resource,
				  const char *slug)
{
	char *self = xasprintf("%s/actor", cfg->base_url);
	const char *colon = strrchr(cfg->authority, ':');
	size_t hlen = colon && !strchr(colon, ']') ? (size_t)(colon - cfg->authority)
						   : strlen(cfg->authority);
	bool yes = str_eq(resource, self) ||
		   (slug && strlen(slug) == hlen && strncmp(slug, cfg->authority, hlen) == 0);

	free(self);
	return yes;
}

/* The slug B/o/SLUG names (a WebFinger resource given as the actor's URL). Caller frees. */
static char *org_url_slug(const struct config *cfg, const char *resource)
{
	char *prefix = xasprintf("%s/o/", cfg->base_url), *slug = NULL;

	if (str_starts(resource, prefix) && !strpbrk(resource + strlen(prefix), "/#?"))
		slug = xstrdup(resource + strlen(prefix));
	free(prefix);
	return slug;
}

/* WebFinger for an organisation: true when answered (found, or a store error). */
static bool org_webfinger(struct ctx *ctx, const char *slug, const char *resource,
			  struct reply *out)
{
	struct organisation *o = NULL;
	char *from_url = slug ? NULL : org_url_slug(ctx->cfg, resource);
	struct err err;
	int rc = store_org_get(ctx->store, slug ? slug : from_url, &o, &err);

	free(from_url);
	if (rc == -ERR_NOTFOUND || rc == -ERR_INVALID)
		return false;
	if (rc)
		reply_error(out, 500, "store: %s", err.msg);
	else
		reply_doc(out, orgdoc_webfinger(ctx->cfg, o->slug), CT_JRD);
	organisation_free(o);
	return true;
}

void serve_webfinger(struct ctx *ctx, const char *query, struct reply *out)
{
	const struct config *cfg = ctx->cfg;
	struct statement *s = NULL;
	struct err err;
	char *resource = NULL, *slug = NULL;
	int rc;

	rc = url_query_get(query, "resource", &resource, &err);
	if (rc) {
		reply_error(out, 400, "%s", err.msg);
		goto out;
	}
	slug = webfinger_slug(cfg, resource);
	if (webfinger_is_instance(cfg, resource, slug)) {
		reply_doc(out, doc_webfinger_instance(cfg), CT_JRD);
		goto out;
	}
	rc = slug ? store_statement_get(ctx->store, slug, &s, &err) : -ERR_NOTFOUND;
	if (rc == -ERR_NOTFOUND && str_eq(slug, "index")) {
		/* acct:index@HOST: the instance actor, which readers follow (FEDERATION.md) */
		reply_doc(out, doc_webfinger_instance(cfg), CT_JRD);
		goto out;
	}
	if (rc == -ERR_NOTFOUND && slug && serve_gone(ctx, slug, "webfinger", out))
		goto out; /* a deleted statement: 410 tells servers the account is gone */
	if (rc == -ERR_NOTFOUND && org_webfinger(ctx, slug, resource, out))
		goto out; /* acct:SLUG@HOST is an organisation of ours */
	if (rc == -ERR_NOTFOUND) {
		reply_error(out, 404, "no such account on this server");
		goto out;
	}
	if (rc) {
		reply_error(out, 500, "store: %s", err.msg);
		goto out;
	}
	reply_doc(out, doc_webfinger(cfg, s->slug), CT_JRD);
out:
	statement_free(s);
	free(resource);
	free(slug);
}

void serve_host_meta(struct ctx *ctx, struct reply *out)
{
	reply_take(out, 200, CT_XRD, doc_host_meta(ctx->cfg));
}

void serve_nodeinfo_links(struct ctx *ctx, struct reply *out)
{
	reply_doc(out, doc_nodeinfo_links(ctx->cfg), CT_JSON);
}

void serve_nodeinfo(struct ctx *ctx, struct reply *out)
{
	struct statement **list = NULL;
	struct err err;
	size_t n = 0;

	if (store_statement_list(ctx->store, &list, &n, &err))
		return reply_error(out, 500, "store: %s", err.msg);
	reply_doc(out, doc_nodeinfo(ctx->cfg, list, n, (int64_t)time(NULL)), CT_NODEINFO);
	statements_free(list, n);
}

void serve_instance_actor(struct ctx *ctx, struct reply *out)
{
	struct err err;
	char *pem = NULL;

	if (store_setting_get(ctx->store, KEYRING_INSTANCE_PUBLIC, &pem, &err) || !pem)
		return reply_error(out, 500, "instance key missing");
	reply_doc(out, doc_instance_actor(ctx->cfg, pem), CT_ACTIVITY);
	free(pem);
}

/* ?page=N: 0 when absent (the collection's root), -1 when malformed. */
static int64_t query_page(const char *query)
{
	char *v = NULL;
	int64_t page;
	int rc = url_query_get(query, "page", &v, NULL);

	if (rc == -ERR_NOTFOUND)
		return 0;
	if (rc || !str_to_i64(v, &page) || page < 1)
		page = -1;
	free(v);
	return page;
}

static json_t *followers_page(struct ctx *ctx, struct loaded_view *lv, int64_t page,
			      struct err *err)
{
	char **ids = NULL;
	size_t n = 0;
	json_t *doc;

	if (store_follower_list(ctx->store, lv->s->id, doc_page_offset(page), LIMIT_PAGE_ITEMS,
				&ids, &n, err))
		return NULL;
	doc = doc_followers_page(ctx->cfg, lv->s->slug, page, lv->v.followers, ids, n);
	strings_free(ids, n);
	return doc;
}

static json_t *signatures_page(struct ctx *ctx, struct loaded_view *lv, int64_t page,
			       struct err *err)
{
	struct signatory *sigs = NULL;
	size_t n = 0;
	json_t *doc;

	if (store_signatory_list(ctx->store, lv->s->id, "approved", doc_page_offset(page),
				 LIMIT_PAGE_ITEMS, &sigs, &n, err))
		return NULL;
	doc = doc_signatures_page(ctx->cfg, lv->s->slug, page, lv->v.signatures_approved, sigs,
				  n);
	signatories_free(sigs, n);
	return doc;
}

/* A paged collection: its root without ?page, else the page (404 past the end). */
static void serve_collection(struct ctx *ctx, struct loaded_view *lv, const char *what,
			     int64_t page, struct reply *out)
{
	char *suffix = xasprintf("/%s", what);
	char *id = doc_url(ctx->cfg, lv->s->slug, suffix);
	int64_t total = 0;
	json_t *doc = NULL;
	struct err err;

	err_clear(&err);
	if (str_eq(what, "outbox"))
		total = 1;
	else if (str_eq(what, "followers"))
		total = lv->v.followers;
	else if (str_eq(what, "signatures"))
		total = lv->v.signatures_approved;
	if (page == 0) {
		doc = doc_collection(id, total);
	} else if (!doc_page_valid(page, total)) {
		reply_error(out, 404, "no such page");
		goto out;
	} else if (str_eq(what, "outbox")) {
		doc = doc_outbox_page(ctx->cfg, &lv->v, page);
	} else if (str_eq(what, "followers")) {
		doc = followers_page(ctx, lv, page, &err);
	} else if (str_eq(what, "signatures")) {
		doc = signatures_page(ctx, lv, page, &err);
	} else {
		doc = doc_collection_page(id, page, 0, json_array());
	}
	if (!doc && err.code) {
		reply_error(out, 500, "store: %s", err.msg);
		goto out;
	}
	reply_doc(out, doc, CT_ACTIVITY);
out:
	free(suffix);
	free(id);
}

/*
 * B/s/SLUG/quotes/ID: the QuoteAuthorization of a quote, 410 with a
 * Tombstone once the quoting post is deleted, 404 for an id we never gave.
 */
static void serve_quote(struct ctx *ctx, const char *slug, const char *id_text,
			struct reply *out)
{
	struct statement *s = NULL;
	struct quote *q = NULL;
	struct err err;
	int64_t id;
	int rc;

	if (!str_to_i64(id_text, &id) || id < 1)
		return reply_error(out, 404, "no such quote");
	rc = store_statement_get(ctx->store, slug, &s, &err);
	if (!rc)
		rc = store_quote_get(ctx->store, s->id, id, &q, &err);
	if (rc == -ERR_NOTFOUND) {
		reply_error(out, 404, "no such quote");
	} else if (rc) {
		reply_error(out, 500, "store: %s", err.msg);
	} else if (q->deleted) {
		char *suffix = xasprintf("/quotes/%lld", (long long)id);
		char *url = doc_url(ctx->cfg, slug, suffix);

		/* the quoting post is gone: so is the permission to show it */
		reply_doc(out,
			  json_pack("{s:s, s:s, s:s}", "@context",
				    "https://www.w3.org/ns/activitystreams", "id", url, "type",
				    "Tombstone"),
			  CT_ACTIVITY);
		if (out->status == 200)
			out->status = 410;
		free(url);
		free(suffix);
	} else {
		reply_doc(out, doc_quote_authorization(ctx->cfg, slug, q->id, q->post), CT_ACTIVITY);
	}
	quote_free(q);
	statement_free(s);
}

void serve_statement(struct ctx *ctx, const char *slug, const char *what, const char *query,
		     struct reply *out)
{
	struct loaded_view lv;
	struct err err;
	int64_t page = query_page(query);
	int rc;

	if (str_starts(what, "quotes/"))
		return serve_quote(ctx, slug, what + strlen("quotes/"), out);
	if (page < 0)
		return reply_error(out, 400, "page must be a number from 1");
	rc = view_load(ctx, slug, &lv, &err);
	if (rc == -ERR_NOTFOUND && serve_gone(ctx, slug, what, out))
		return;
	if (rc == -ERR_NOTFOUND)
		return reply_error(out, 404, "no such statement");
	if (rc)
		return reply_error(out, 500, "store: %s", err.msg);
	if (str_eq(what, ""))
		reply_doc(out, doc_actor(ctx->cfg, &lv.v), CT_ACTIVITY);
	else if (str_eq(what, "post"))
		reply_doc(out, doc_note(ctx->cfg, &lv.v), CT_ACTIVITY);
	else if (str_eq(what, "post/activity"))
		reply_doc(out, doc_create(ctx->cfg, &lv.v), CT_ACTIVITY);
	else if (str_eq(what, "post/likes"))
		reply_doc(out, doc_reactions(ctx->cfg, slug, "likes", lv.v.likes), CT_ACTIVITY);
	else if (str_eq(what, "post/shares"))
		reply_doc(out, doc_reactions(ctx->cfg, slug, "shares", lv.v.shares), CT_ACTIVITY);
	else if (str_eq(what, "featured"))
		reply_doc(out, doc_featured(ctx->cfg, &lv.v), CT_ACTIVITY);
	else if (str_eq(what, "outbox") || str_eq(what, "followers") ||
		 str_eq(what, "following") || str_eq(what, "signatures"))
		serve_collection(ctx, &lv, what, page, out);
	else
		reply_error(out, 404, "not found");
	view_release(&lv);
}

void serve_instance_outbox(struct ctx *ctx, const char *query, struct reply *out)
{
	char *id = xasprintf("%s/actor/outbox", ctx->cfg->base_url);
	struct statement **list = NULL;
	int64_t page = query_page(query);
	struct err err;
	size_t n = 0;

	if (page < 0) {
		reply_error(out, 400, "page must be a number from 1");
		goto out;
	}
	if (store_statement_list(ctx->store, &list, &n, &err)) {
		reply_error(out, 500, "store: %s", err.msg);
		goto out;
	}
	if (page == 0) {
		reply_doc(out, doc_collection(id, (int64_t)n), CT_ACTIVITY);
	} else if (!doc_page_valid(page, (int64_t)n)) {
		reply_error(out, 404, "no such page");
	} else {
		/* newest first: page 1 ends the list */
		size_t skip = doc_page_offset(page), count;

		count = n - skip < LIMIT_PAGE_ITEMS ? n - skip : LIMIT_PAGE_ITEMS;
		reply_doc(out,
			  doc_index_outbox_page(ctx->cfg, list + (n - skip - count), count, page,
						(int64_t)n),
			  CT_ACTIVITY);
	}
out:
	statements_free(list, n);
	free(id);
}

void serve_instance_followers(struct ctx *ctx, const char *query, struct reply *out)
{
	char *id = xasprintf("%s/actor/followers", ctx->cfg->base_url);
	int64_t page = query_page(query), total = 0;
	char **ids = NULL;
	struct err err;
	size_t n = 0;

	if (page < 0) {
		reply_error(out, 400, "page must be a number from 1");
		goto out;
	}
	if (store_index_follower_count(ctx->store, &total, &err)) {
		reply_error(out, 500, "store: %s", err.msg);
		goto out;
	}
	if (page == 0) {
		reply_doc(out, doc_collection(id, total), CT_ACTIVITY);
	} else if (!doc_page_valid(page, total)) {
		reply_error(out, 404, "no such page");
	} else if (store_index_follower_list(ctx->store, doc_page_offset(page), LIMIT_PAGE_ITEMS,
					     &ids, &n, &err)) {
		reply_error(out, 500, "store: %s", err.msg);
	} else {
		json_t *items = json_array();

		for (size_t i = 0; i < n; i++)
			json_array_append_new(items, json_string(ids[i]));
		reply_doc(out, doc_collection_page(id, page, total, items), CT_ACTIVITY);
	}
out:
	strings_free(ids, n);
	free(id);
}

bool serve_gone(struct ctx *ctx, const char *slug, const char *what, struct reply *out)
{
	int64_t deleted = 0;

	if (store_statement_deleted(ctx->store, slug, &deleted, NULL) || deleted == 0)
		return false;
	/*
	 * 410 makes Mastodon drop the account (WebFinger, and the actor from
	 * 4.7): right for a deleted statement, never for a live one.
	 */
	if (str_eq(what, "") || str_eq(what, "post")) {
		reply_doc(out,
			  doc_tombstone(ctx->cfg, slug, str_eq(what, "") ? "" : "/post",
					str_eq(what, "") ? "Service" : "Note", deleted),
			  CT_ACTIVITY);
		if (out->status == 200)
			out->status = 410;
	} else {
		reply_error(out, 410, "this statement was deleted");
	}
	return true;
}

void serve_context(struct ctx *ctx, struct reply *out)
{
	(void)ctx;
	reply_doc(out, doc_context_document(), CT_LD_JSON);
	out->cache = "public, max-age=86400";
}

/* ---- organisations hosted here (activitypub/org.h) ---- */

/* A page of the organisation's followers, or of the statement actors it follows. */
static json_t *org_actors_page(struct ctx *ctx, const struct organisation *o, const char *what,
			       int64_t page, int64_t total, struct err *err)
{
	char *suffix = xasprintf("/%s", what), *id = orgdoc_url(ctx->cfg, o->slug, suffix);
	json_t *items = json_array(), *doc = NULL;
	struct endorsement *list = NULL;
	char **ids = NULL;
	size_t n = 0;

	if (str_eq(what, "followers")) {
		if (store_org_follower_list(ctx->store, o->id, doc_page_offset(page),
					    LIMIT_PAGE_ITEMS, &ids, &n, err))
			goto out;
		for (size_t i = 0; i < n; i++)
			json_array_append_new(items, doc_string(ids[i]));
	} else {
		if (store_endorsement_list(ctx->store, o->id, false, doc_page_offset(page),
					   LIMIT_PAGE_ITEMS, &list, &n, err))
			goto out;
		for (size_t i = 0; i < n; i++)
			json_array_append_new(items, doc_string(list[i].statement_actor));
	}
	doc = doc_collection_page(id, page, total, items);
	items = NULL;
out:
	json_decref(items);
	strings_free(ids, str_eq(what, "followers") ? n : 0);
	endorsements_free(list, str_eq(what, "followers") ? 0 : n);
	free(suffix);
	free(id);
	return doc;
}

void serve_org(struct ctx *ctx, const char *slug, const char *what, const char *query,
	       struct reply *out)
{
	struct organisation *o = NULL;
	struct endorsement *list = NULL;
	int64_t page = query_page(query), total = 0;
	json_t *doc = NULL;
	struct err err;
	size_t n = 0;
	int rc;

	err_clear(&err);
	if (page < 0)
		return reply_error(out, 400, "page must be a number from 1");
	rc = store_org_get(ctx->store, slug, &o, &err);
	if (rc == -ERR_NOTFOUND)
		return reply_error(out, 404, "no such organisation");
	if (rc)
		return reply_error(out, 500, "store: %s", err.msg);
	if (str_eq(what, "")) {
		reply_doc(out, orgdoc_actor(ctx->cfg, o), CT_ACTIVITY);
		goto out;
	}
	if (!str_eq(what, "outbox") && !str_eq(what, "endorsed") && !str_eq(what, "followers") &&
	    !str_eq(what, "following")) {
		reply_error(out, 404, "not found");
		goto out;
	}
	/* The outbox holds its Endorse activities; endorsed the same, with their state. */
	rc = str_eq(what, "followers") ? store_org_follower_count(ctx->store, o->id, &total, &err)
				       : store_endorsement_count(ctx->store, o->id, false, &total,
								 &err);
	if (!rc && page == 0) {
		char *suffix = xasprintf("/%s", what), *id = orgdoc_url(ctx->cfg, o->slug, suffix);

		doc = doc_collection(id, total);
		free(id);
		free(suffix);
	} else if (!rc && !doc_page_valid(page, total)) {
		reply_error(out, 404, "no such page");
		goto out;
	} else if (!rc && (str_eq(what, "followers") || str_eq(what, "following"))) {
		doc = org_actors_page(ctx, o, what, page, total, &err);
	} else if (!rc &&
		   !(rc = store_endorsement_list(ctx->store, o->id, false, doc_page_offset(page),
						 LIMIT_PAGE_ITEMS, &list, &n, &err))) {
		doc = orgdoc_endorsed_page(ctx->cfg, o, what, page, total, list, n);
	}
	if (rc || (!doc && err.code)) {
		reply_error(out, 500, "store: %s", err.msg);
		goto out;
	}
	reply_doc(out, doc, CT_ACTIVITY);
out:
	endorsements_free(list, n);
	organisation_free(o);
}
