/*
 * The route table. A path is split into a statement slug and what of it is
 * asked for; the same URL answers ActivityPub JSON or a web page depending on
 * Accept (with Vary: Accept), as Mastodon's own URLs do.
 */
#include "server/router.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/inbox.h"
#include "activitypub/org.h"
#include "activitypub/serve.h"
#include "server/admin.h"
#include "server/pagecache.h"
#include "server/web.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

bool router_wants_html(const char *accept)
{
	if (!accept)
		return false;
	if (strstr(accept, "application/activity+json") || strstr(accept, "application/ld+json"))
		return false;
	return strstr(accept, "text/html") != NULL;
}

bool router_slug_valid(const char *slug, size_t len)
{
	if (len == 0 || len > LIMIT_SLUG_BYTES || !isalnum((unsigned char)slug[0]))
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = slug[i];

		if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '-' || c == '_'))
			return false;
	}
	return true;
}

static bool is_get(const struct request *req)
{
	return str_eq(req->method, "GET") || str_eq(req->method, "HEAD");
}

static void method_not_allowed(struct reply *out, const char *allow)
{
	reply_error(out, 405, "method not allowed");
	out->allow = allow;
}

/*
 * The actor and the post as ActivityPub JSON, from the page cache while the
 * statement's data generation stays the same: a storm of fetches (every
 * server that sees a boost fetches both) costs a lookup, not a build of the
 * document with its counts and signatories. Anything else, and every error,
 * is serve_statement's.
 */
static void serve_statement_cached(struct ctx *ctx, const char *slug, const char *rest,
				   struct reply *out)
{
	struct pagecache_hit hit = { 0 };
	struct statement *s = NULL;
	struct err err;
	int64_t gen = 0, changed = 0, now = (int64_t)time(NULL);
	char *key;

	if (store_statement_get(ctx->store, slug, &s, &err) ||
	    store_statement_gen(ctx->store, s->id, &gen, &changed, &err)) {
		statement_free(s);
		serve_statement(ctx, slug, rest, "", out);
		return;
	}
	statement_free(s);
	key = xasprintf("as:%s/%s", slug, rest);
	if (pagecache_get(ctx->pages, key, gen, now, true, &hit)) {
		reply_take(out, 200, CT_ACTIVITY, hit.body);
		hit.body = NULL;
		pagecache_hit_release(&hit);
	} else {
		/* Built after gen was read: at worst newer than gen, never older. */
		serve_statement(ctx, slug, rest, "", out);
		if (out->status == 200 && out->body)
			free(pagecache_put(ctx->pages, key, gen, now, out->body, out->len));
	}
	free(key);
}

/* Routes under /s/SLUG/. rest is what follows the slug ("" for the actor itself). */
static void route_statement(struct ctx *ctx, const struct request *req, const char *slug,
			    const char *rest, struct reply *out)
{
	bool html = router_wants_html(request_header(req, "Accept"));

	if (str_eq(rest, "inbox")) {
		if (!str_eq(req->method, "POST"))
			return method_not_allowed(out, "POST");
		return inbox_post(ctx, slug, req, out);
	}
	if (!is_get(req))
		return method_not_allowed(out, "GET, HEAD");
	if (str_eq(rest, "icon.png"))
		return web_icon(ctx, slug, out);
	/* earlier versions of the text: pages only */
	if (str_eq(rest, "versions"))
		return web_versions(ctx, req, slug, "", out);
	if (str_starts(rest, "versions/"))
		return web_versions(ctx, req, slug, rest + strlen("versions/"), out);
	if (str_eq(rest, "signatures.atom"))
		return web_feed(ctx, slug, FEED_ATOM, out);
	if (str_eq(rest, "signatures.rss"))
		return web_feed(ctx, slug, FEED_RSS, out);
	if (html && (str_eq(rest, "") || str_eq(rest, "post"))) {
		web_statement(ctx, req, slug, out);
		out->vary_accept = true;
		out->vary_language = true;
		return;
	}
	if ((str_eq(rest, "") || str_eq(rest, "post")) && !*req->query)
		serve_statement_cached(ctx, slug, rest, out);
	else
		serve_statement(ctx, slug, rest, req->query, out);
	if (str_eq(rest, "") || str_eq(rest, "post"))
		out->vary_accept = true;
}

/* Routes under /o/SLUG/, an organisation hosted here (activitypub/org.h). */
static void route_org(struct ctx *ctx, const struct request *req, const char *slug,
		      const char *rest, struct reply *out)
{
	if (str_eq(rest, "inbox")) {
		if (!str_eq(req->method, "POST"))
			return method_not_allowed(out, "POST");
		return org_inbox_post(ctx, slug, req, out);
	}
	if (!is_get(req))
		return method_not_allowed(out, "GET, HEAD");
	if (str_eq(rest, ""))
		out->vary_accept = true;
	if (str_eq(rest, "") && router_wants_html(request_header(req, "Accept")))
		return web_org(ctx, slug, out);
	serve_org(ctx, slug, rest, req->query, out);
}

void router_handle(struct ctx *ctx, const struct request *req, struct reply *out)
{
	const char *p = req->path;

	if (str_eq(p, "/")) {
		if (!is_get(req))
			return method_not_allowed(out, "GET, HEAD");
		return web_index(ctx, out);
	}
	if (str_eq(p, "/inbox") || str_eq(p, "/actor/inbox")) {
		if (!str_eq(req->method, "POST"))
			return method_not_allowed(out, "POST");
		return inbox_post(ctx, NULL, req, out);
	}
	if (str_starts(p, "/s/")) {
		const char *slug = p + 3;
		const char *slash = strchr(slug, '/');
		size_t len = slash ? (size_t)(slash - slug) : strlen(slug);
		char *s;

		if (!router_slug_valid(slug, len))
			return reply_error(out, 404, "no such statement");
		s = xstrndup(slug, len);
		route_statement(ctx, req, s, slash ? slash + 1 : "", out);
		free(s);
		return;
	}
	if (str_starts(p, "/o/")) {
		const char *slug = p + 3;
		const char *slash = strchr(slug, '/');
		size_t len = slash ? (size_t)(slash - slug) : strlen(slug);
		char *s;

		if (!router_slug_valid(slug, len))
			return reply_error(out, 404, "no such organisation");
		s = xstrndup(slug, len);
		route_org(ctx, req, s, slash ? slash + 1 : "", out);
		free(s);
		return;
	}
	/* The coordinator's: loopback or the admin token only (server/admin.h). */
	if (str_eq(p, "/admin") || str_starts(p, "/admin/"))
		return admin_handle(ctx, req, out);
	if (str_eq(p, "/metrics"))
		return admin_metrics(ctx, req, out);
	if (!is_get(req))
		return method_not_allowed(out, "GET, HEAD");
	if (str_eq(p, "/.well-known/webfinger"))
		return serve_webfinger(ctx, req->query, out);
	if (str_eq(p, "/.well-known/host-meta"))
		return serve_host_meta(ctx, out);
	if (str_eq(p, "/.well-known/nodeinfo"))
		return serve_nodeinfo_links(ctx, out);
	if (str_eq(p, "/nodeinfo/2.1"))
		return serve_nodeinfo(ctx, out);
	if (str_eq(p, "/actor"))
		return serve_instance_actor(ctx, out);
	if (str_eq(p, "/actor/outbox"))
		return serve_instance_outbox(ctx, req->query, out);
	if (str_eq(p, "/actor/followers"))
		return serve_instance_followers(ctx, req->query, out);
	if (str_eq(p, "/ns"))
		return serve_context(ctx, out);
	if (str_eq(p, "/feed.atom"))
		return web_feed(ctx, NULL, FEED_ATOM, out);
	if (str_eq(p, "/feed.rss"))
		return web_feed(ctx, NULL, FEED_RSS, out);
	if (str_eq(p, "/authorize_interaction"))
		return web_remote_follow(ctx, req->query, out);
	if (str_starts(p, "/@") && router_slug_valid(p + 2, strlen(p + 2))) {
		char *to = xasprintf("%s/s/%s", ctx->cfg->base_url, p + 2);

		reply_redirect(out, 302, to);
		free(to);
		return;
	}
	reply_error(out, 404, "not found");
}
