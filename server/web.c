/* The browser's side of the same URLs: pages rendered from the store. */
#include "server/web.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/intents.h"
#include "activitypub/serve.h"
#include "server/assets.h"
#include "server/feeds.h"
#include "server/pages.h"
#include "server/pagecache.h"
#include "server/router.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/lang.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

static void web_error(struct ctx *ctx, struct reply *out, int status, const char *message)
{
	reply_take(out, status, CT_HTML, page_error(ctx->cfg, status, message));
}

void web_index(struct ctx *ctx, struct reply *out)
{
	struct statement **list = NULL;
	int64_t *counts = NULL;
	struct err err;
	size_t n = 0;

	if (store_statement_list(ctx->store, &list, &n, &err))
		return web_error(ctx, out, 500, err.msg);
	counts = xcalloc(n ? n : 1, sizeof(*counts));
	for (size_t i = 0; i < n; i++)
		store_signatory_count(ctx->store, list[i]->id, "approved", &counts[i], NULL);
	reply_take(out, 200, CT_HTML, page_index(ctx->cfg, list, counts, n));
	free(counts);
	statements_free(list, n);
}

/* The page's Cache-Control: browsers and proxies may keep it a minute, then revalidate. */
#define WEB_STR2(x) #x
#define WEB_STR(x) WEB_STR2(x)
#define PAGE_CACHE_CONTROL "public, max-age=" WEB_STR(LIMIT_PAGE_MAX_AGE_S)
#define FEED_CACHE_CONTROL "public, max-age=300"
/* Accept-Language is part of a cached page's key: cut it, a key is not a store. */
#define PAGE_KEY_LANG_BYTES 128

/*
 * What a cached page depends on besides the data: the slug and the reader's
 * languages (?lang= and Accept-Language).
 */
static char *page_key(const char *slug, const struct request *req)
{
	const char *lang = req ? request_header(req, "Accept-Language") : NULL;
	char *asked = NULL, *key;

	if (req && url_query_get(req->query, "lang", &asked, NULL) == 0 &&
	    strlen(asked) >= LANG_TAG_MAX)
		asked[LANG_TAG_MAX - 1] = '\0';
	key = xasprintf("%s\n%s\n%.*s", slug, asked ? asked : "", PAGE_KEY_LANG_BYTES,
			lang ? lang : "");
	free(asked);
	return key;
}

/* 304 Not Modified for etag: no body, the same validators. */
static void not_modified(struct reply *out, char *etag, int64_t modified)
{
	reply_take(out, 304, NULL, NULL);
	out->etag = etag;
	out->last_modified = modified;
	out->cache = PAGE_CACHE_CONTROL;
}

/*
 * The statement's page, from the page cache while the statement's data
 * generation stays the same (a storm of link previews costs one render),
 * with an ETag, Last-Modified and a 304 for a matching If-None-Match.
 */
void web_statement(struct ctx *ctx, const struct request *req, const char *slug,
		   struct reply *out)
{
	const char *inm = req ? request_header(req, "If-None-Match") : NULL;
	struct pagecache_hit hit = { 0 };
	struct statement *s = NULL;
	struct loaded_view lv;
	struct err err;
	int64_t gen = 0, changed = 0, modified, now = (int64_t)time(NULL);
	char *key = NULL, *etag, *page;
	int rc;

	rc = store_statement_get(ctx->store, slug, &s, &err);
	if (!rc)
		rc = store_statement_gen(ctx->store, s->id, &gen, &changed, &err);
	if (rc == -ERR_NOTFOUND && web_gone(ctx, slug, out))
		goto out;
	if (rc == -ERR_NOTFOUND) {
		web_error(ctx, out, 404, "There is no statement at this address.");
		goto out;
	}
	if (rc) {
		web_error(ctx, out, 500, err.msg);
		goto out;
	}
	modified = s->updated > s->published ? s->updated : s->published;
	if (changed > modified)
		modified = changed;
	key = page_key(slug, req);
	if (pagecache_get(ctx->pages, key, gen, now, !inm, &hit)) {
		if (pagecache_etag_matches(inm, hit.etag)) {
			not_modified(out, hit.etag, modified);
			hit.etag = NULL;
			goto out;
		}
		if (!hit.body) {
			pagecache_hit_release(&hit);
			pagecache_get(ctx->pages, key, gen, now, true, &hit);
		}
	}
	if (hit.body) {
		reply_take(out, 200, CT_HTML, hit.body);
		out->etag = hit.etag;
		hit.body = hit.etag = NULL;
	} else {
		rc = view_load(ctx, slug, &lv, &err);
		if (rc) {
			web_error(ctx, out, rc == -ERR_NOTFOUND ? 404 : 500,
				  rc == -ERR_NOTFOUND ? "There is no statement at this address."
						      : err.msg);
			goto out;
		}
		lv.v.chosen = web_pick_lang(req, &lv.v);
		page = page_statement(ctx->cfg, &lv.v);
		view_release(&lv);
		if (!page) {
			web_error(ctx, out, 500, "the page could not be built");
			goto out;
		}
		etag = pagecache_put(ctx->pages, key, gen, now, page, strlen(page));
		if (pagecache_etag_matches(inm, etag)) {
			free(page);
			not_modified(out, etag, modified);
			goto out;
		}
		reply_take(out, 200, CT_HTML, page);
		out->etag = etag;
	}
	out->last_modified = modified;
	out->cache = PAGE_CACHE_CONTROL;
out:
	pagecache_hit_release(&hit);
	statement_free(s);
	free(key);
}

/* The statements feed (slug NULL) or a statement's new signatories, as Atom or RSS. */
void web_feed(struct ctx *ctx, const char *slug, enum feed_kind kind, struct reply *out)
{
	struct statement **list = NULL, *s = NULL;
	struct signatory *sigs = NULL;
	int64_t *counts = NULL;
	struct err err;
	size_t n = 0;
	char *body = NULL;
	int rc;

	if (!slug) {
		rc = store_statement_list(ctx->store, &list, &n, &err);
		if (!rc) {
			counts = xcalloc(n ? n : 1, sizeof(*counts));
			for (size_t i = 0; i < n; i++)
				store_signatory_count(ctx->store, list[i]->id, "approved", &counts[i],
						      NULL);
			body = feed_statements(ctx->cfg, list, counts, n, (int64_t)time(NULL), kind);
		}
	} else {
		rc = store_statement_get(ctx->store, slug, &s, &err);
		if (!rc)
			rc = store_signatory_recent(ctx->store, s->id, LIMIT_FEED_ITEMS, &sigs, &n,
						    &err);
		if (!rc)
			body = feed_signatories(ctx->cfg, s, sigs, n, (int64_t)time(NULL), kind);
	}
	if (rc == -ERR_NOTFOUND)
		reply_error(out, 404, "no such statement");
	else if (rc)
		reply_error(out, 500, "store: %s", err.msg);
	else if (!body)
		reply_error(out, 500, "the feed could not be built");
	else {
		reply_take(out, 200, kind == FEED_ATOM ? CT_ATOM : CT_RSS, body);
		out->cache = FEED_CACHE_CONTROL;
	}
	if (slug)
		signatories_free(sigs, n);
	else
		statements_free(list, n);
	statement_free(s);
	free(counts);
}

void web_icon(struct ctx *ctx, const char *slug, struct reply *out)
{
	struct statement *s = NULL;

	/* One icon for every statement, but only under statements that exist. */
	if (store_statement_get(ctx->store, slug, &s, NULL))
		return reply_error(out, 404, "no such statement");
	statement_free(s);
	out->status = 200;
	out->content_type = CT_PNG;
	out->static_body = asset_icon_png;
	out->len = asset_icon_png_len;
	out->cache = "public, max-age=86400";
}

/* Our statement a uri names (B/s/SLUG, or anything under it): its slug (new), or NULL. */
static char *our_slug(const struct config *cfg, const char *uri)
{
	char *prefix = xasprintf("%s/s/", cfg->base_url);
	const char *slug;
	size_t len;
	char *out = NULL;

	if (uri && str_starts(uri, prefix)) {
		slug = uri + strlen(prefix);
		len = strcspn(slug, "/?#");
		if (router_slug_valid(slug, len))
			out = xstrndup(slug, len);
	}
	free(prefix);
	return out;
}

void web_remote_follow(struct ctx *ctx, const char *query, struct reply *out)
{
	const struct config *cfg = ctx->cfg;
	const char *word = cfg->sign_word && *cfg->sign_word ? cfg->sign_word : "sign";
	char *acct = NULL, *uri = NULL, *intent = NULL, *slug = NULL, *to = NULL;
	char *actor = NULL, *post = NULL, *text = NULL;
	struct intent_values v = { 0 };
	struct statement *s = NULL;
	enum intent kind;
	struct err err;

	url_query_get(query, "uri", &uri, NULL);
	url_query_get(query, "intent", &intent, NULL);
	kind = str_eq(intent, "sign") ? INTENT_SIGN : INTENT_FOLLOW;
	slug = our_slug(cfg, uri);
	if (!slug || store_statement_get(ctx->store, slug, &s, NULL)) {
		web_error(ctx, out, 404, "There is no statement of this server to interact with.");
		goto out;
	}
	if (url_query_get(query, "acct", &acct, NULL) || !*acct) {
		/*
		 * No address: someone came through our WebFinger's subscribe
		 * template. The statement's page has the form that asks for it.
		 */
		char *page = xasprintf("%s/s/%s#follow", cfg->base_url, s->slug);

		reply_redirect(out, 303, page);
		free(page);
		goto out;
	}
	actor = xasprintf("%s/s/%s", cfg->base_url, s->slug);
	post = xasprintf("%s/post", actor);
	text = xasprintf("@%s@%s %s", s->slug, cfg->authority, word);
	v.object = actor;
	v.content = text;
	v.in_reply_to = post;
	if (intent_url(ctx, acct, kind, &v, &to, &err)) {
		web_error(ctx, out, 400, "Write your fediverse address, like you@your.server.");
		goto out;
	}
	reply_redirect(out, 303, to);
out:
	statement_free(s);
	free(acct);
	free(uri);
	free(intent);
	free(slug);
	free(to);
	free(actor);
	free(post);
	free(text);
}

void web_org(struct ctx *ctx, const char *slug, struct reply *out)
{
	struct organisation *o = NULL;
	struct endorsement *list = NULL;
	int64_t followers = 0;
	struct err err;
	size_t n = 0;
	int rc = store_org_get(ctx->store, slug, &o, &err);

	if (rc == -ERR_NOTFOUND)
		return web_error(ctx, out, 404, "There is no organisation at this address.");
	if (!rc)
		rc = store_endorsement_list(ctx->store, o->id, true, 0, LIMIT_LISTED_SIGNATORIES,
					    &list, &n, &err);
	if (!rc)
		rc = store_org_follower_count(ctx->store, o->id, &followers, &err);
	if (rc)
		web_error(ctx, out, 500, err.msg);
	else
		reply_take(out, 200, CT_HTML, page_org(ctx->cfg, o, list, n, followers));
	endorsements_free(list, n);
	organisation_free(o);
}
