/* The browser's side of the same URLs: pages rendered from the store. */
#include "server/web.h"

#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "activitypub/serve.h"
#include "server/assets.h"
#include "server/pages.h"
#include "store/store.h"
#include "util/buf.h"
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

void web_statement(struct ctx *ctx, const char *slug, struct reply *out)
{
	struct loaded_view lv;
	struct err err;
	int rc = view_load(ctx, slug, &lv, &err);

	if (rc == -ERR_NOTFOUND)
		return web_error(ctx, out, 404, "There is no statement at this address.");
	if (rc)
		return web_error(ctx, out, 500, err.msg);
	reply_take(out, 200, CT_HTML, page_statement(ctx->cfg, &lv.v));
	view_release(&lv);
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

/* The domain of "you@server", "@you@server" or "server": lower case, or NULL when malformed. */
static char *acct_domain(const char *acct)
{
	const char *at = strrchr(acct, '@');
	const char *domain = at ? at + 1 : acct;
	char *check;
	struct url u;
	char *out = NULL;

	if (!*domain || strlen(domain) > 253)
		return NULL;
	check = xasprintf("https://%s/", domain);
	if (url_parse(check, &u, NULL) == 0) {
		if (str_eq(u.path, "/") && !u.query)
			out = xstrdup(u.authority);
		url_release(&u);
	}
	free(check);
	return out;
}

void web_remote_follow(struct ctx *ctx, const char *query, struct reply *out)
{
	char *acct = NULL, *uri = NULL, *domain = NULL;
	struct buf to;

	buf_init(&to, LIMIT_URL_BYTES * 2);
	if (url_query_get(query, "acct", &acct, NULL) || !(domain = acct_domain(acct))) {
		web_error(ctx, out, 400, "Write your fediverse address, like you@your.server.");
		goto out;
	}
	if (url_query_get(query, "uri", &uri, NULL) || !str_starts(uri, ctx->cfg->base_url)) {
		free(uri);
		uri = NULL;
	}
	/* Mastodon's remote-interaction page; most servers copy it. */
	buf_printf(&to, "https://%s/authorize_interaction?uri=", domain);
	buf_add_urlenc(&to, uri ? uri : ctx->cfg->base_url);
	reply_redirect(out, 303, buf_str(&to));
out:
	buf_release(&to);
	free(acct);
	free(uri);
	free(domain);
}
