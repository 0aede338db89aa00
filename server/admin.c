/*
 * /admin and /metrics (see admin.h): who may ask, then the page, the proof,
 * the decisions (through server/moderate.c, as the CLI), and the metrics.
 */
#include "server/admin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include "activitypub/metrics.h"
#include "crypto/digest.h"
#include "server/moderate.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"
#include "util/utf8.h"

#define ADMIN_REALM	      "Basic realm=\"undersigned admin\", charset=\"UTF-8\""
#define ADMIN_TOKEN_MIN_CHARS 16
#define ADMIN_CSRF_BYTES      24

static const char admin_css[] =
    ":root{color-scheme:light dark}"
    "body{font:1rem/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:0 1rem}"
    "h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}"
    ".notice{padding:.5rem 1rem;border-left:4px solid #2e6b4f;background:#eef6f1;color:#1b1b1b}"
    ".sig{border:1px solid #bbb;border-radius:.3rem;padding:.5rem 1rem;margin:.75rem 0}"
    ".sig dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem 1rem;margin:.5rem 0}"
    ".sig dt{color:#666}.sig dd{margin:0;overflow-wrap:anywhere}"
    "form{display:flex;gap:.5rem}button{font:inherit;padding:.3rem 1rem}"
    ".ok{color:#2e6b4f}.no{color:#a33}.wait{color:#7a5b00}";

/* ---- who may ask ---- */

static bool ip_is_loopback(const char *ip)
{
	return str_eq(ip, "127.0.0.1") || str_eq(ip, "::1") || str_eq(ip, "::ffff:127.0.0.1");
}

bool admin_request_local(const struct request *req)
{
	/* A reverse proxy on this machine connects from loopback: its requests are not local. */
	if (request_header(req, "X-Forwarded-For") || request_header(req, "Forwarded") ||
	    request_header(req, "X-Real-IP"))
		return false;
	return ip_is_loopback(req->remote_ip);
}

/* The Host of req is ours or a loopback name (against DNS rebinding). */
static bool host_ok(const struct config *cfg, const struct request *req)
{
	const char *host = request_header(req, "Host");
	size_t len;

	if (!host)
		return false;
	if (cfg->authority && str_ieq(host, cfg->authority))
		return true;
	if (host[0] == '[')
		len = strcspn(host, "]") + 1;
	else
		len = strcspn(host, ":");
	if (host[len] != '\0' && host[len] != ':')
		return false;
	return (len == 9 && strncmp(host, "127.0.0.1", 9) == 0) ||
	       (len == 9 && strncasecmp(host, "localhost", 9) == 0) ||
	       (len == 5 && strncmp(host, "[::1]", 5) == 0);
}

/* Constant-time comparison of a presented secret with ours. */
static bool secret_eq(const char *given, size_t len, const char *ours)
{
	size_t n = strlen(ours);
	unsigned char diff = (unsigned char)(len != n);

	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(ours[i] ^ (i < len ? given[i] : 0));
	return diff == 0;
}

/* Authorization: Bearer TOKEN, or Basic base64(anyone:TOKEN). */
static bool token_presented(const char *token, const char *auth)
{
	unsigned char *dec = NULL;
	size_t dec_len = 0;
	bool ok = false;

	if (str_istarts(auth, "Bearer ")) {
		const char *t = auth + 7;

		return secret_eq(t, strlen(t), token);
	}
	if (str_istarts(auth, "Basic ") &&
	    base64_decode(auth + 6, strlen(auth + 6), &dec, &dec_len, NULL) == 0) {
		const char *colon = memchr(dec, ':', dec_len);

		if (colon)
			ok = secret_eq(colon + 1,
				       dec_len - (size_t)((const unsigned char *)colon + 1 - dec),
				       token);
	}
	free(dec);
	return ok;
}

/*
 * Whether req may see the admin page or the metrics; when not, out holds
 * the refusal (401 or 403) and the refusal is logged.
 */
static bool admitted(struct ctx *ctx, const struct request *req, struct reply *out)
{
	const struct config *cfg = ctx->cfg;
	const char *auth = request_header(req, "Authorization");
	const char *why;

	if (!host_ok(cfg, req)) {
		why = "this page answers only to this server's own name or a loopback address";
	} else if (admin_request_local(req)) {
		return true;
	} else if (!cfg->admin_token) {
		why = "this page answers only on loopback (127.0.0.1 or ::1, not through a proxy); "
		      "use an SSH tunnel, or start serve with --admin-token-file";
	} else if (!auth) {
		log_warn("event=admin_refused ip=%s path=%s status=401 msg=%s", req->remote_ip,
			 req->path, "no token");
		reply_error(out, 401, "this page needs the admin token");
		out->www_authenticate = ADMIN_REALM;
		out->private_page = true;
		return false;
	} else if (token_presented(cfg->admin_token, auth)) {
		return true;
	} else {
		why = "wrong admin token";
	}
	log_warn("event=admin_refused ip=%s path=%s status=403 msg=%s", req->remote_ip, req->path,
		 why);
	reply_error(out, 403, "%s", why);
	out->private_page = true;
	return false;
}

/* ---- the page ---- */

static const char *nz(const char *s)
{
	return s ? s : "";
}

static bool is_http_url(const char *s)
{
	return str_istarts(s, "https://") || str_istarts(s, "http://");
}

static int add_cut(struct buf *b, const char *s, size_t max_chars)
{
	char *cut = utf8_cut_dup(nz(s), max_chars);
	int bad = buf_add_html(b, cut);

	free(cut);
	return bad;
}

/* <a href=URL>URL</a> for an http(s) URL, else the text escaped, or "-". */
static int add_link(struct buf *b, const char *url)
{
	int bad = 0;

	if (!url || !*url)
		return buf_addstr(b, "-");
	if (!is_http_url(url))
		return add_cut(b, url, LIMIT_NAME_DISPLAY_CHARS);
	bad |= buf_addstr(b, "<a href=\"");
	bad |= buf_add_html(b, url);
	bad |= buf_addstr(b, "\" rel=\"noreferrer nofollow\">");
	bad |= add_cut(b, url, LIMIT_NAME_DISPLAY_CHARS);
	bad |= buf_addstr(b, "</a>");
	return bad;
}

/* A check in progress is not a failed one: a coordinator may wait for it. */
static const char *domain_check_html(const struct signatory *g)
{
	if (g->domain_verified)
		return "<span class=\"ok\">domain verified</span> (its website links back, or its "
		       "handle is on its own domain)";
	if (g->domain_check_pending)
		return "<span class=\"wait\">check pending</span> (its website is being read; "
		       "reload in a minute)";
	return "<span class=\"no\">not verified</span>";
}

static int add_signature(struct buf *b, const struct config *cfg, const struct statement *s,
			 const struct signatory *g)
{
	char when[TIME_STR_MAX];
	int bad = 0;

	time_to_iso((time_t)g->signed_at, when);
	bad |= buf_printf(b, "<section class=\"sig\" id=\"sig-%lld\">\n<h3>", (long long)g->id);
	bad |= add_cut(b, g->name, LIMIT_NAME_DISPLAY_CHARS);
	bad |=
	    buf_printf(b, " <small>#%lld</small></h3>\n<dl>\n<dt>Type</dt><dd>", (long long)g->id);
	bad |= add_cut(b, g->actor_type ? g->actor_type : "unknown", 64);
	bad |= buf_addstr(b, "</dd>\n<dt>Handle</dt><dd>");
	if (g->handle && *g->handle) {
		bad |= buf_addstr(b, "<code>");
		bad |= add_cut(b, g->handle, LIMIT_NAME_DISPLAY_CHARS);
		bad |= buf_addstr(b, "</code> <span class=\"ok\">confirmed by WebFinger</span>");
	} else {
		bad |= buf_addstr(b, "<span class=\"no\">not confirmed</span>");
	}
	bad |= buf_addstr(b, "</dd>\n<dt>Profile</dt><dd>");
	bad |= add_link(b, g->url);
	bad |= buf_addstr(b, "</dd>\n<dt>Actor</dt><dd>");
	bad |= add_link(b, g->actor_id);
	bad |= buf_addstr(b, "</dd>\n<dt>Domain check</dt><dd>");
	bad |= buf_addstr(b, domain_check_html(g));
	bad |= buf_addstr(b, "</dd>\n<dt>Signed</dt><dd>");
	bad |= buf_add_html(b, when);
	bad |= buf_addstr(b, " by ");
	bad |= buf_add_html(b, nz(g->how));
	bad |= buf_addstr(b, "</dd>\n<dt>Proof</dt><dd>");
	if (g->actor_id)
		bad |= buf_printf(b, "<a href=\"/admin/proof/%lld\">the signed request (JSON)</a>",
				  (long long)g->id);
	else
		bad |= buf_addstr(b, "none (imported)");
	bad |= buf_printf(b,
			  "</dd>\n</dl>\n<form method=\"post\" action=\"/admin/signatures/%lld\">\n"
			  "<input type=\"hidden\" name=\"csrf\" value=\"",
			  (long long)g->id);
	bad |= buf_add_html(b, nz(cfg->admin_csrf));
	bad |= buf_addstr(b, "\">\n<input type=\"hidden\" name=\"statement\" value=\"");
	bad |= buf_add_html(b, nz(s->slug));
	bad |= buf_addstr(b, "\">\n<button type=\"submit\" name=\"action\" value=\"approve\">"
			     "Approve</button>\n<button type=\"submit\" name=\"action\" "
			     "value=\"reject\">Reject</button>\n</form>\n</section>\n");
	return bad;
}

char *admin_page(const struct config *cfg, const struct admin_section *sections, size_t n,
		 const char *notice)
{
	struct buf b;
	int64_t total = 0;
	int bad = 0;

	for (size_t i = 0; i < n; i++)
		total += sections[i].total_pending;
	buf_init(&b, LIMIT_PAGE_HTML_BYTES);
	bad |= buf_addstr(
	    &b, "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
		"'none'; style-src 'unsafe-inline'; form-action 'self'\">\n"
		"<meta name=\"robots\" content=\"noindex\">\n"
		"<title>Pending signatures \xc2\xb7 ");
	bad |= buf_add_html(&b, nz(cfg->authority));
	bad |= buf_addstr(&b, "</title>\n<style>");
	bad |= buf_addstr(&b, admin_css);
	bad |= buf_addstr(&b, "</style>\n</head>\n<body>\n<main>\n<h1>Pending signatures on ");
	bad |= buf_add_html(&b, nz(cfg->authority));
	bad |= buf_addstr(&b, "</h1>\n");
	if (notice && *notice) {
		bad |= buf_addstr(&b, "<p class=\"notice\" role=\"status\">");
		bad |= add_cut(&b, notice, 300);
		bad |= buf_addstr(&b, "</p>\n");
	}
	bad |= buf_printf(&b,
			  "<p>%lld pending in all. Approving or rejecting here does what "
			  "<code>undersigned signatures approve|reject</code> does.</p>\n",
			  (long long)total);
	for (size_t i = 0; i < n && !bad; i++) {
		const struct admin_section *sec = &sections[i];

		bad |= buf_addstr(&b, "<h2>");
		bad |= buf_add_html(&b, nz(sec->s->title));
		bad |= buf_addstr(&b, " <small>(<code>");
		bad |= buf_add_html(&b, nz(sec->s->slug));
		bad |= buf_printf(&b, "</code>, policy %s)</small></h2>\n",
				  str_eq(sec->s->policy, "review")   ? "review"
				  : str_eq(sec->s->policy, "closed") ? "closed"
								     : "open");
		if (!sec->n) {
			bad |= buf_addstr(&b, "<p>No pending signatures.</p>\n");
			continue;
		}
		for (size_t k = 0; k < sec->n && !bad; k++)
			bad |= add_signature(&b, cfg, sec->s, &sec->pending[k]);
		if (sec->total_pending > (int64_t)sec->n)
			bad |= buf_printf(&b,
					  "<p>\xe2\x80\xa6 and %lld more: decide these first, "
					  "or use <code>undersigned signatures list</code>.</p>\n",
					  (long long)(sec->total_pending - (int64_t)sec->n));
	}
	bad |= buf_addstr(&b, "</main>\n</body>\n</html>\n");
	if (bad) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* The page from the store. notice: what the last decision did (may be NULL). */
static void admin_show(struct ctx *ctx, const char *notice, struct reply *out)
{
	struct statement **list = NULL;
	struct admin_section *sections = NULL;
	struct signatory **pending = NULL;
	size_t n = 0, *n_pending = NULL;
	struct err err;
	char *page;

	if (store_statement_list(ctx->store, &list, &n, &err)) {
		reply_error(out, 503, "%s", err.msg);
		return;
	}
	sections = xcalloc(n ? n : 1, sizeof(*sections));
	pending = xcalloc(n ? n : 1, sizeof(*pending));
	n_pending = xcalloc(n ? n : 1, sizeof(*n_pending));
	for (size_t i = 0; i < n; i++) {
		if (store_signatory_list(ctx->store, list[i]->id, "pending", 0, LIMIT_ADMIN_PENDING,
					 &pending[i], &n_pending[i], &err) < 0 ||
		    store_signatory_count(ctx->store, list[i]->id, "pending",
					  &sections[i].total_pending, &err) < 0) {
			reply_error(out, 503, "%s", err.msg);
			goto out;
		}
		sections[i].s = list[i];
		sections[i].pending = pending[i];
		sections[i].n = n_pending[i];
	}
	page = admin_page(ctx->cfg, sections, n, notice);
	if (page)
		reply_take(out, 200, CT_HTML, page);
	else
		reply_error(out, 500, "the admin page passes its size limit");
out:
	for (size_t i = 0; i < n; i++)
		signatories_free(pending[i], n_pending[i]);
	free(pending);
	free(n_pending);
	free(sections);
	statements_free(list, n);
}

/* The notice of a redirect after a decision: ?done=ID&to=STATE. NULL when none; caller frees. */
static char *decision_notice(const char *query)
{
	char *done = NULL, *to = NULL, *notice = NULL;
	int64_t id;

	if (url_query_get(query, "done", &done, NULL) == 0 &&
	    url_query_get(query, "to", &to, NULL) == 0 && str_to_i64(done, &id) &&
	    (str_eq(to, "approved") || str_eq(to, "rejected")))
		notice = xasprintf("Signature #%lld is now %s.", (long long)id, to);
	free(done);
	free(to);
	return notice;
}

/* ---- the proof ---- */

static void admin_proof(struct ctx *ctx, const char *id_text, struct reply *out)
{
	struct err err;
	char *proof = NULL;
	int64_t id;
	int rc;

	if (!str_to_i64(id_text, &id) || id <= 0)
		return reply_error(out, 404, "no such signature");
	rc = store_signatory_proof(ctx->store, id, &proof, &err);
	if (rc == -ERR_NOTFOUND)
		return reply_error(out, 404, "no such signature");
	if (rc < 0)
		return reply_error(out, 503, "%s", err.msg);
	if (!proof)
		return reply_error(out, 404, "no proof is kept for this signature");
	reply_take(out, 200, "application/json; charset=utf-8", proof);
}

/* ---- decisions ---- */

/* A form value of the request body; NULL when absent or malformed. Caller frees. */
static char *form_value(const struct request *req, const char *name)
{
	char *v = NULL;

	if (!req->body || url_query_get(req->body, name, &v, NULL) < 0)
		return NULL;
	return v;
}

static void admin_decide(struct ctx *ctx, const struct request *req, const char *id_text,
			 struct reply *out)
{
	const char *site = request_header(req, "Sec-Fetch-Site");
	const char *ct = request_header(req, "Content-Type");
	char *csrf = NULL, *slug = NULL, *action = NULL, *to_url = NULL;
	struct statement *s = NULL;
	struct signatory *list = NULL, *g = NULL;
	size_t n = 0;
	struct err err;
	const char *to;
	bool changed = false, approved_changed = false;
	char *was = NULL;
	int64_t id;
	int rc;

	if (site && !str_eq(site, "same-origin") && !str_eq(site, "none")) {
		reply_error(out, 403, "a form from another site is refused");
		goto out;
	}
	if (!ct || !str_istarts(ct, "application/x-www-form-urlencoded")) {
		reply_error(out, 415, "send the admin page's form");
		goto out;
	}
	csrf = form_value(req, "csrf");
	if (!csrf || !ctx->cfg->admin_csrf ||
	    !secret_eq(csrf, strlen(csrf), ctx->cfg->admin_csrf)) {
		log_warn("event=admin_refused ip=%s path=%s status=403 msg=%s", req->remote_ip,
			 req->path, "CSRF token missing or stale");
		reply_error(out, 403,
			    "the form is stale or not ours (CSRF token): reload the admin "
			    "page and try again");
		goto out;
	}
	slug = form_value(req, "statement");
	action = form_value(req, "action");
	to = str_eq(action, "approve") ? "approved" : str_eq(action, "reject") ? "rejected" : NULL;
	if (!to || !slug || !str_to_i64(id_text, &id)) {
		reply_error(out, 400,
			    "expected action=approve or reject, statement and a signature id");
		goto out;
	}
	rc = store_statement_get(ctx->store, slug, &s, &err);
	if (rc == -ERR_NOTFOUND) {
		reply_error(out, 404, "no such statement");
		goto out;
	}
	if (rc < 0 || store_signatory_list(ctx->store, s->id, NULL, 0, 0, &list, &n, &err) < 0) {
		reply_error(out, 503, "%s", err.msg);
		goto out;
	}
	for (size_t i = 0; i < n && !g; i++)
		if (list[i].id == id)
			g = &list[i];
	if (!g) {
		reply_error(out, 404, "no signature #%lld on statement '%s'", (long long)id, slug);
		goto out;
	}
	was = xstrdup(g->state);
	rc = moderate_set(ctx->store, g, to, &changed, &approved_changed, &err);
	if (rc == -ERR_FORBIDDEN || rc == -ERR_INVALID) {
		reply_error(out, 409, "%s", err.msg);
		goto out;
	}
	if (rc < 0) {
		reply_error(out, 503, "%s", err.msg);
		goto out;
	}
	if (approved_changed && moderate_schedule_edit(ctx->store, s, NULL, &err) < 0) {
		reply_error(out, 503, "the post's edit could not be scheduled: %s", err.msg);
		goto out;
	}
	log_info("event=admin_decision signature=%lld statement=%s from=%s to=%s ip=%s",
		 (long long)id, slug, was, to, req->remote_ip);
	/* Relative, so that it works through an SSH tunnel as well as through the proxy. */
	to_url = xasprintf("/admin?done=%lld&to=%s#sig-%lld", (long long)id, to, (long long)id);
	reply_redirect(out, 303, to_url);
out:
	out->private_page = true;
	free(to_url);
	free(was);
	free(csrf);
	free(slug);
	free(action);
	signatories_free(list, n);
	statement_free(s);
}

void admin_handle(struct ctx *ctx, const struct request *req, struct reply *out)
{
	const char *rest = req->path + strlen("/admin");
	bool get = str_eq(req->method, "GET") || str_eq(req->method, "HEAD");

	if (!admitted(ctx, req, out))
		return;
	if (str_eq(rest, "") || str_eq(rest, "/")) {
		char *notice;

		if (!get) {
			reply_error(out, 405, "method not allowed");
			out->allow = "GET, HEAD";
		} else {
			notice = decision_notice(req->query);
			admin_show(ctx, notice, out);
			free(notice);
		}
	} else if (str_starts(rest, "/proof/")) {
		if (!get) {
			reply_error(out, 405, "method not allowed");
			out->allow = "GET, HEAD";
		} else {
			admin_proof(ctx, rest + strlen("/proof/"), out);
		}
	} else if (str_starts(rest, "/signatures/")) {
		if (!str_eq(req->method, "POST")) {
			reply_error(out, 405, "method not allowed");
			out->allow = "POST";
		} else {
			admin_decide(ctx, req, rest + strlen("/signatures/"), out);
		}
	} else {
		reply_error(out, 404, "not found");
	}
	out->private_page = true;
}

/* ---- metrics ---- */

void admin_metrics(struct ctx *ctx, const struct request *req, struct reply *out)
{
	struct buf b;
	struct err err;

	if (!admitted(ctx, req, out))
		return;
	if (!str_eq(req->method, "GET") && !str_eq(req->method, "HEAD")) {
		reply_error(out, 405, "method not allowed");
		out->allow = "GET, HEAD";
		return;
	}
	buf_init(&b, LIMIT_METRICS_BYTES);
	if (metrics_render(ctx->metrics, ctx->store, &b, &err) < 0) {
		buf_release(&b);
		reply_error(out, 503, "%s", err.msg);
		return;
	}
	reply_take(out, 200, CT_PROMETHEUS, buf_detach(&b));
	out->cache = "no-store";
}

/* ---- set-up ---- */

int admin_token_load(const char *path, char **out, struct err *err)
{
	char raw[LIMIT_ADMIN_TOKEN_BYTES + 2];
	FILE *f = fopen(path, "rb");
	size_t n;
	char *token;

	*out = NULL;
	if (!f)
		return errorf(err, ERR_IO, "%s: %s", path, strerror(errno));
	n = fread(raw, 1, sizeof(raw) - 1, f);
	fclose(f);
	if (n > LIMIT_ADMIN_TOKEN_BYTES)
		return errorf(err, ERR_INVALID, "%s: longer than %d bytes", path,
			      LIMIT_ADMIN_TOKEN_BYTES);
	raw[n] = '\0';
	if (strlen(raw) != n)
		return errorf(err, ERR_INVALID, "%s: holds a NUL byte: not a token", path);
	token = str_trim_dup(raw, n);
	/* One line, no blanks inside: a newline at the end is fine, a second line is not. */
	if (strlen(token) < ADMIN_TOKEN_MIN_CHARS || token[strcspn(token, " \t\r\n")] != '\0') {
		free(token);
		return errorf(err, ERR_INVALID,
			      "%s: the token must be one line of at least %d characters without "
			      "blanks (make one with: openssl rand -hex 32)",
			      path, ADMIN_TOKEN_MIN_CHARS);
	}
	*out = token;
	return 0;
}

int admin_csrf_new(char **out, struct err *err)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[ADMIN_CSRF_BYTES];
	char *s;

	*out = NULL;
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return errorf(err, ERR_IO, "no randomness for the admin forms: %s",
			      strerror(errno));
	s = xmalloc(sizeof(raw) * 2 + 1);
	for (size_t i = 0; i < sizeof(raw); i++) {
		s[2 * i] = hex[raw[i] >> 4];
		s[2 * i + 1] = hex[raw[i] & 15];
	}
	s[sizeof(raw) * 2] = '\0';
	*out = s;
	return 0;
}
