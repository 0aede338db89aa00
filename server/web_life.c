/*
 * The browser's side of a statement's life: the reader's language, earlier
 * versions of the text, and the page of a deleted statement (410).
 */
#include "server/web.h"

#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "activitypub/request.h"
#include "activitypub/serve.h"
#include "server/pages.h"
#include "store/store.h"
#include "util/lang.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

/* The normalised ?lang= of query into tag ("" when absent or not a tag). */
static void query_lang(const char *query, char tag[LANG_TAG_MAX])
{
	char *v = NULL;

	tag[0] = '\0';
	if (url_query_get(query, "lang", &v, NULL) == 0)
		lang_normalize(v, strlen(v), tag, NULL);
	free(v);
}

static size_t pick(const struct request *req, const struct statement_text *texts, size_t n)
{
	const char *tags[LIMIT_TRANSLATIONS];
	char want[LANG_TAG_MAX];
	size_t i, m = n < LIMIT_TRANSLATIONS ? n : LIMIT_TRANSLATIONS;

	if (!req || m < 2)
		return 0;
	/* A link the reader followed (?lang=es) wins over what the browser says. */
	query_lang(req->query, want);
	for (i = 0; want[0] && i < m; i++)
		if (str_eq(texts[i].lang, want))
			return i;
	for (i = 0; i < m; i++)
		tags[i] = texts[i].lang;
	return lang_negotiate(request_header(req, "Accept-Language"), tags, m, 0);
}

size_t web_pick_lang(const struct request *req, const struct statement_view *v)
{
	return pick(req, v->texts, v->n_texts);
}

bool web_gone(struct ctx *ctx, const char *slug, struct reply *out)
{
	int64_t deleted = 0;

	if (store_statement_deleted(ctx->store, slug, &deleted, NULL) || deleted == 0)
		return false;
	reply_take(out, 410, CT_HTML, page_gone(ctx->cfg, deleted));
	return true;
}

/* B/s/SLUG/versions/N: the text of version N (a number from 1). */
static void version_page(struct ctx *ctx, const struct request *req, const struct statement *s,
			 const char *number, struct reply *out)
{
	struct statement_version *versions = NULL;
	struct statement_text *texts = NULL;
	size_t n_versions = 0, n = 0, i;
	int64_t want = 0, created = 0;
	struct err err;
	char *page = NULL;
	int rc;

	if (!str_to_i64(number, &want) || want < 1 || want > 1000000) {
		reply_take(out, 404, CT_HTML, page_error(ctx->cfg, 404, "No such version."));
		return;
	}
	rc = store_statement_versions(ctx->store, s->id, &versions, &n_versions, &err);
	if (!rc)
		rc = store_statement_texts(ctx->store, s->id, (int)want, &texts, &n, NULL, &err);
	if (rc == -ERR_NOTFOUND) {
		reply_take(out, 404, CT_HTML, page_error(ctx->cfg, 404, "No such version."));
		goto out;
	}
	if (rc) {
		reply_take(out, 500, CT_HTML, page_error(ctx->cfg, 500, err.msg));
		goto out;
	}
	for (i = 0; i < n_versions; i++)
		if (versions[i].version == (int)want)
			created = versions[i].created;
	page = page_version(ctx->cfg, s, (int)want, created, texts, n, pick(req, texts, n),
			    n_versions && versions[n_versions - 1].version == (int)want);
	if (page)
		reply_take(out, 200, CT_HTML, page);
	else
		reply_take(out, 500, CT_HTML,
			   page_error(ctx->cfg, 500, "the page could not be built"));
out:
	statement_texts_free(texts, n);
	free(versions);
}

void web_versions(struct ctx *ctx, const struct request *req, const char *slug, const char *rest,
		  struct reply *out)
{
	struct statement_version *versions = NULL;
	struct statement *s = NULL;
	struct err err;
	size_t n = 0;
	char *page;
	int rc;

	rc = store_statement_get(ctx->store, slug, &s, &err);
	if (rc == -ERR_NOTFOUND && web_gone(ctx, slug, out))
		return;
	if (rc) {
		reply_take(out, rc == -ERR_NOTFOUND ? 404 : 500, CT_HTML,
			   page_error(ctx->cfg, rc == -ERR_NOTFOUND ? 404 : 500,
				      rc == -ERR_NOTFOUND ? "There is no statement at this address."
							  : err.msg));
		return;
	}
	if (*rest) {
		version_page(ctx, req, s, rest, out);
		goto out;
	}
	if ((rc = store_statement_versions(ctx->store, s->id, &versions, &n, &err))) {
		reply_take(out, 500, CT_HTML, page_error(ctx->cfg, 500, err.msg));
		goto out;
	}
	page = page_versions(ctx->cfg, s, versions, n);
	if (page)
		reply_take(out, 200, CT_HTML, page);
	else
		reply_take(out, 500, CT_HTML,
			   page_error(ctx->cfg, 500, "the page could not be built"));
out:
	free(versions);
	statement_free(s);
}
