/*
 * Unit tests of activitypub/domaincheck.c: the HTML reader (attribute order,
 * quoting, case, rel lists, relative links, hostile input), the websites of
 * an actor document, the handle rule, and then the real thing on 127.0.0.1:
 * an actor's server answering WebFinger and a website answering its home
 * page, with the outcome stored on the signature.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "activitypub/ctx.h"
#include "activitypub/domaincheck.h"
#include "activitypub/httpc.h"
#include "store/store.h"
#include "tests/unit/fixture.h"
#include "tests/unit/testsrv.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

#define ID "https://social.example/users/org"
#define PROFILE "https://social.example/@org"


static bool back(const char *html)
{
	return domaincheck_html_links_back(html, strlen(html), ID, PROFILE);
}

/* ---- the HTML reader ---- */

static void html_links(void **state)
{
	static const char amp[] = "<a rel=me href=\"https://s.example/?a=1&amp;b=2\">";

	(void)state;
	assert_true(back("<a rel=\"me\" href=\"" ID "\">us</a>"));
	assert_true(back("<link rel=\"me\" href=\"" PROFILE "\">"));
	/* attribute order, quotes, unquoted values, self-closing */
	assert_true(back("<a href=\"" ID "\" rel=\"me\">us</a>"));
	assert_true(back("<a href='" ID "' rel='me'>us</a>"));
	assert_true(back("<a href=" ID " rel=me>us</a>"));
	assert_true(back("<link href=" PROFILE " rel=me />"));
	assert_false(back("<link href=" PROFILE " rel=me/>")); /* HTML reads rel as "me/" */
	assert_true(back("<a\nclass=x\thref = \"" ID "\"\n rel = me >"));
	/* case of tag and attribute names, of rel, of scheme and host */
	assert_true(back("<A REL=\"ME\" HREF=\"" ID "\">"));
	assert_true(back("<LiNk hReF=\"" PROFILE "\" ReL=\"Me\">"));
	assert_true(back("<a rel=me href=\"HTTPS://Social.Example/users/org\">"));
	assert_false(back("<a rel=me href=\"https://social.example/users/ORG\">"));
	/* rel is a list of tokens */
	assert_true(back("<a rel=\"nofollow me noopener\" href=\"" ID "\">"));
	assert_true(back("<a rel=\"\tme\n\" href=\"" ID "\">"));
	assert_false(back("<a rel=\"meh\" href=\"" ID "\">"));
	assert_false(back("<a rel=\"nome\" href=\"" ID "\">"));
	assert_false(back("<a rel=\"me-too\" href=\"" ID "\">"));
	assert_false(back("<a rel=\"\" href=\"" ID "\">"));
	assert_false(back("<a rel href=\"" ID "\">"));
	assert_false(back("<a href=\"" ID "\">no rel</a>"));
	/* the first of a repeated attribute counts, as in HTML */
	assert_true(back("<a rel=me rel=nofollow href=\"" ID "\">"));
	assert_false(back("<a rel=nofollow rel=me href=\"" ID "\">"));
	assert_false(back("<a rel=me href=\"https://other.example/\" href=\"" ID "\">"));
	/* references and white space in href, as a browser reads it */
	assert_true(back("<a rel=me href=\"  " ID "\n\">"));
	assert_true(back("<a rel=me href=\"https:&#x2F;&#47;social.example&sol;users/org\">"));
	assert_true(domaincheck_html_links_back(amp, strlen(amp), "https://s.example/?a=1&b=2",
						NULL));
	/* relative links, other pages, other elements */
	assert_false(back("<a rel=me href=\"/users/org\">"));
	assert_false(back("<a rel=me href=\"//social.example/users/org\">"));
	assert_false(back("<a rel=me href=\"https://social.example/users/org2\">"));
	assert_false(back("<a rel=me href=\"https://social.example/users/or\">"));
	assert_false(back("<div rel=me href=\"" ID "\"></div>"));
	assert_false(back("<abbr rel=me href=\"" ID "\"></abbr>"));
	assert_false(back("</a rel=me href=\"" ID "\">"));
	/* no target: nothing matches */
	assert_false(domaincheck_html_links_back("<a rel=me href=\"\">", 18, NULL, NULL));
	assert_false(domaincheck_html_links_back("<a rel=me href=\"\">", 18, "", NULL));
	assert_false(domaincheck_html_links_back(NULL, 0, ID, PROFILE));
}

static void html_hostile(void **state)
{
	static const char nul[] = "<p>\0</p><a rel=me href=\"" ID "\">";
	enum { BIG = 1024 * 1024 };
	char *big = xmalloc(BIG + 64);

	(void)state;
	/* not where a browser would see a link */
	assert_false(back("<!-- <a rel=me href=\"" ID "\"> -->"));
	assert_false(back("<script>var s = '<a rel=me href=\"" ID "\">';</script>"));
	assert_false(back("<STYLE>a[x='<a rel=me href=\"" ID "\">']{}</STYLE>"));
	assert_false(back("<textarea><a rel=me href=\"" ID "\"></textarea>"));
	assert_false(back("<template><a rel=me href=\"" ID "\"></template>"));
	assert_false(back("<img alt='<a rel=me href=\"" ID "\">'>"));
	assert_false(back("<a title=\"x\" rel=me href=\"" ID "\""));     /* never closed */
	assert_false(back("<a rel=\"me\" href=\"" ID));                  /* quote never closed */
	assert_false(back("<!-- never closed <a rel=me href=\"" ID "\">"));
	assert_false(back("<script><a rel=me href=\"" ID "\">"));         /* never closed */
	/* and where it would */
	assert_true(back("<!-- x --><a rel=me href=\"" ID "\">"));
	assert_true(back("<script>if (a < b) x();</script><a rel=me href=\"" ID "\">"));
	assert_true(back("<!doctype html><p>1 < 2 <> <3 <= <a rel=me href=\"" ID "\">"));
	assert_true(back("<a =x rel=me href=\"" ID "\">"));
	assert_true(back("<a/rel=me href=\"" ID "\"/>"));
	assert_false(back("<a/rel=me/href=\"" ID "\">")); /* one attribute: rel="me/href=..." */
	assert_true(domaincheck_html_links_back(nul, sizeof(nul) - 1, ID, NULL));
	/* a NUL or an odd reference inside the href matches nothing */
	assert_false(domaincheck_html_links_back("<a rel=me href=\"x\0\">", 20, "x", NULL));
	assert_false(back("<a rel=me href=\"https://social.example/users/org&#0;\">"));
	assert_false(back("<a rel=me href=\"https://social.example/users/org&#99999999999;\">"));
	/* the length is obeyed: the link past len is not read */
	assert_false(domaincheck_html_links_back("<a rel=me href=\"" ID "\">", 20, ID, NULL));
	/* a megabyte of tags, quotes and comment starts: one pass, no match */
	for (size_t i = 0; i < BIG; i++)
		big[i] = "<a rel=me href='x'><!-<script<"[i % 30];
	assert_false(domaincheck_html_links_back(big, BIG, ID, PROFILE));
	memset(big, '<', BIG);
	assert_false(domaincheck_html_links_back(big, BIG, ID, PROFILE));
	/* a href longer than any URL we match */
	memcpy(big, "<a rel=me href=\"", 16);
	memset(big + 16, 'a', BIG - 32);
	memcpy(big + BIG - 16, "\">", 3);
	assert_false(domaincheck_html_links_back(big, BIG - 14, ID, PROFILE));
	free(big);
}

/* ---- websites and handles ---- */

static void websites(void **state)
{
	char *out[4] = { NULL };
	size_t n;

	(void)state;
	/* url off the server, then a Mastodon field, then plain text; at most max, distinct */
	n = domaincheck_websites(
		"{\"id\":\"" ID "\",\"url\":\"https://org.example/about\",\"attachment\":["
		"{\"type\":\"PropertyValue\",\"name\":\"Web\",\"value\":\"<a href=\\\"https://org.example/\\\" "
		"rel=\\\"nofollow noopener me\\\"><span class=\\\"invisible\\\">https://</span>org.example</a>\"},"
		"{\"type\":\"PropertyValue\",\"name\":\"Shop\",\"value\":\"see https://shop.example/x?y\"},"
		"{\"type\":\"PropertyValue\",\"name\":\"More\",\"value\":\"https://third.example\"}]}",
		ID, false, out, 2);
	assert_int_equal(n, 2);
	assert_string_equal(out[0], "https://org.example");
	assert_string_equal(out[1], "https://shop.example");
	free(out[0]);
	free(out[1]);

	/* nothing on the actor's own server, no plain http unless allowed, no user info */
	n = domaincheck_websites(
		"{\"url\":[\"" PROFILE "\",{\"type\":\"Link\",\"href\":\"http://plain.example/\"}],"
		"\"attachment\":[{\"type\":\"PropertyValue\",\"value\":\"https://social.example/@other\"},"
		"{\"type\":\"PropertyValue\",\"value\":\"https://org.example@evil.example/\"},"
		"{\"type\":\"Note\",\"value\":\"https://note.example/\"},"
		"{\"type\":\"PropertyValue\",\"value\":\"org.example\"},"
		"{\"type\":\"PropertyValue\",\"value\":42}]}",
		ID, false, out, 4);
	assert_int_equal(n, 0);
	n = domaincheck_websites("{\"url\":{\"href\":\"http://plain.example:8080/x\"}}", ID, true,
				 out, 4);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "http://plain.example:8080");
	free(out[0]);
	/* a single attachment object; the port tells servers apart */
	n = domaincheck_websites("{\"attachment\":{\"type\":\"PropertyValue\",\"value\":"
				 "\"https://social.example:8443/\"}}",
				 ID, false, out, 4);
	assert_int_equal(n, 1);
	assert_string_equal(out[0], "https://social.example:8443");
	free(out[0]);
	/* not JSON, no id, a bad id */
	assert_int_equal(domaincheck_websites("{\"url\":", ID, false, out, 4), 0);
	assert_int_equal(domaincheck_websites("{\"url\":\"https://a.example\"}", NULL, false, out, 4),
			 0);
	assert_int_equal(domaincheck_websites("{\"url\":\"https://a.example\"}", "nope", false, out,
					      4), 0);
	assert_int_equal(domaincheck_websites(NULL, ID, false, out, 4), 0);
}

static void handles(void **state)
{
	(void)state;
	assert_true(domaincheck_handle_matches("@info@psm.org.my", "https://psm.org.my"));
	assert_true(domaincheck_handle_matches("@info@PSM.org.my", "https://www.psm.org.my"));
	assert_false(domaincheck_handle_matches("@info@psm.org.my", "https://evil.psm.org.my"));
	assert_false(domaincheck_handle_matches("@info@psm.org.my", "https://psm.org.my.evil"));
	assert_false(domaincheck_handle_matches("@info@www.psm.org.my", "https://psm.org.my"));
	assert_true(domaincheck_handle_matches("@o@127.0.0.1:3000", "http://127.0.0.1:3000"));
	assert_false(domaincheck_handle_matches("@o@127.0.0.1:3000", "http://127.0.0.1:3001"));
	assert_false(domaincheck_handle_matches("@o@127.0.0.1", "http://127.0.0.1:3001"));
	assert_false(domaincheck_handle_matches("@o@", "https://psm.org.my"));
	assert_false(domaincheck_handle_matches("psm.org.my", "https://psm.org.my"));
	assert_false(domaincheck_handle_matches(NULL, "https://psm.org.my"));
	assert_false(domaincheck_handle_matches("@o@psm.org.my", NULL));
}

/* ---- on loopback: WebFinger and a home page ---- */

/*
 * home: the actor's server. WebFinger for org answers org@home; for
 * delegated it names delegated@site (the site's WebFinger confirms it).
 * site: the organisation's website, serving html at "/".
 */
struct world {
	struct tsrv home, site;
	const char *html; /* what the site's home page holds; NULL: 404 */
	bool hang;	  /* the home page answers nothing until the site stops */
	int site_home_gets;
};

static void home_handler(struct tsrv *s, const struct tsrv_req *req, size_t nth,
			 struct tsrv_resp *resp)
{
	struct world *w = s->data;

	(void)nth;
	resp->content_type = "application/jrd+json";
	if (str_starts(req->target, "/.well-known/webfinger?resource=acct%3Aorg%40")) {
		resp->status = 200;
		resp->body = xasprintf("{\"subject\":\"acct:org@127.0.0.1:%d\",\"links\":[{\"rel\":"
				       "\"self\",\"type\":\"application/activity+json\","
				       "\"href\":\"%s/users/org\"}]}",
				       s->port, s->base);
	} else if (str_starts(req->target, "/.well-known/webfinger?resource=acct%3Adelegated%40")) {
		resp->status = 200;
		resp->body = xasprintf("{\"subject\":\"acct:delegated@127.0.0.1:%d\",\"links\":[{"
				       "\"rel\":\"self\",\"type\":\"application/activity+json\","
				       "\"href\":\"%s/users/delegated\"}]}",
				       w->site.port, s->base);
	} else {
		resp->status = 404;
	}
}

static void site_handler(struct tsrv *s, const struct tsrv_req *req, size_t nth,
			 struct tsrv_resp *resp)
{
	struct world *w = s->data;

	(void)nth;
	if (str_eq(req->target, "/")) {
		pthread_mutex_lock(&s->lock);
		w->site_home_gets++;
		pthread_mutex_unlock(&s->lock);
		resp->hang = w->hang;
		resp->status = w->html ? 200 : 404;
		resp->content_type = "text/html; charset=utf-8";
		resp->body = w->html ? xstrdup(w->html) : NULL;
	} else if (str_starts(req->target, "/.well-known/webfinger?resource=acct%3Adelegated%40")) {
		resp->status = 200;
		resp->content_type = "application/jrd+json";
		resp->body = xasprintf("{\"subject\":\"acct:delegated@127.0.0.1:%d\",\"links\":[{"
				       "\"rel\":\"self\",\"type\":\"application/activity+json\","
				       "\"href\":\"%s/users/delegated\"}]}",
				       s->port, w->home.base);
	} else {
		resp->status = 404;
	}
}

struct fixture {
	struct config cfg;
	struct ctx ctx;
	struct store *st;
	struct world w;
	char *path;
};

static int group_setup(void **state)
{
	struct err err;

	(void)state;
	return httpc_global_init(&err) || fixture_dir_make() ? -1 : 0;
}

static int group_teardown(void **state)
{
	(void)state;
	httpc_global_cleanup();
	return fixture_dir_remove();
}

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct err err;

	f->path = fixture_path("c");
	if (store_open(f->path, &f->st, &err))
		return -1;
	if (tsrv_start(&f->w.home, home_handler, &f->w) || tsrv_start(&f->w.site, site_handler, &f->w))
		return -1;
	f->cfg.base_url = "http://undersigned.test";
	f->cfg.authority = "undersigned.test";
	f->cfg.allow_private_network = true;
	f->cfg.update_interval_s = 0;
	f->ctx.cfg = &f->cfg;
	f->ctx.store = f->st;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	tsrv_stop(&f->w.home);
	tsrv_stop(&f->w.site);
	store_close(f->st);
	free(f->path);
	free(f);
	return 0;
}

/* An actor of home named user, whose document links website (a URL, or NULL). */
static struct remote_actor *actor(struct fixture *f, const char *user, const char *website)
{
	struct remote_actor *a = xcalloc(1, sizeof(*a));

	a->id = xasprintf("%s/users/%s", f->w.home.base, user);
	a->type = xstrdup("Organization");
	a->preferred_username = xstrdup(user);
	a->inbox = xasprintf("%s/users/%s/inbox", f->w.home.base, user);
	a->url = xasprintf("%s/@%s", f->w.home.base, user);
	a->document = xasprintf("{\"id\":\"%s\",\"type\":\"Organization\",\"preferredUsername\":"
				"\"%s\",\"url\":\"%s\",\"attachment\":[{\"type\":\"PropertyValue\","
				"\"name\":\"Website\",\"value\":\"<a href=\\\"%s\\\">site</a>\"}]}",
				a->id, user, a->url, website ? website : "");
	return a;
}

/* Rule (b): the home page (not the page linked) links back with rel="me". */
static void links_back_from_home_page(void **state)
{
	struct fixture *f = *state;
	char *deep = xasprintf("%s/about/us", f->w.site.base);
	struct remote_actor *a = actor(f, "org", deep);
	char *html = xasprintf("<!doctype html><html><head><link rel=\"me\" href=\"%s\"></head>"
			       "<body>Hello</body></html>", a->url);
	char *want = xasprintf("@org@127.0.0.1:%d", f->w.home.port);
	char *handle = NULL;
	bool verified = false;
	struct err err;

	f->w.html = html;
	assert_int_equal(domaincheck_actor(&f->ctx, a, &verified, &handle, &err), 0);
	assert_true(verified);
	assert_string_equal(handle, want);
	assert_int_equal(f->w.site_home_gets, 1);
	assert_non_null(strstr(tsrv_header(f->w.site.reqs[0], "Accept"), "text/html"));
	free(handle);

	/* no link back: not verified, but decided */
	f->w.html = "<a rel=\"me\" href=\"https://elsewhere.example/@org\">";
	assert_int_equal(domaincheck_actor(&f->ctx, a, &verified, &handle, &err), 0);
	assert_false(verified);
	assert_string_equal(handle, want);
	free(handle);
	/* no home page at all */
	f->w.html = NULL;
	assert_int_equal(domaincheck_actor(&f->ctx, a, &verified, &handle, &err), 0);
	assert_false(verified);
	free(handle);

	remote_actor_free(a);
	free(html);
	free(want);
	free(deep);
}

/* Rule (a): the handle's domain, confirmed by its own WebFinger, is the website's. */
static void handle_on_own_domain(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = actor(f, "delegated", f->w.site.base);
	char *want = xasprintf("@delegated@127.0.0.1:%d", f->w.site.port);
	char *handle = NULL;
	bool verified = false;
	struct err err;

	f->w.html = NULL;
	assert_int_equal(domaincheck_actor(&f->ctx, a, &verified, &handle, &err), 0);
	assert_true(verified);
	assert_string_equal(handle, want);
	assert_int_equal(f->w.site_home_gets, 0); /* decided without fetching the page */
	free(handle);
	remote_actor_free(a);
	free(want);
}

/* Only its own server linked: nothing fetched, not verified; a site down: undecided. */
static void own_server_and_down(void **state)
{
	struct fixture *f = *state;
	char *own = xasprintf("%s/", f->w.home.base);
	struct remote_actor *a = actor(f, "org", own);
	char *handle = NULL;
	bool verified = true;
	struct err err;

	assert_int_equal(domaincheck_actor(&f->ctx, a, &verified, &handle, &err), 0);
	assert_false(verified);
	assert_non_null(handle);
	assert_int_equal(f->w.site_home_gets, 0);
	free(handle);
	remote_actor_free(a);

	a = actor(f, "org", "http://127.0.0.1:1/");
	assert_int_equal(domaincheck_actor(&f->ctx, a, &verified, &handle, &err), -ERR_RETRY);
	assert_false(verified);
	assert_non_null(handle); /* the handle was confirmed all the same */
	free(handle);
	remote_actor_free(a);

	/* a handle WebFinger does not confirm is never guessed */
	a = actor(f, "nobody", NULL);
	assert_int_equal(domaincheck_actor(&f->ctx, a, &verified, &handle, &err), 0);
	assert_null(handle);
	remote_actor_free(a);
	free(own);
}

/* The outcome lands on the signature and the actor cache, and the post gets an edit. */
static void stored_on_the_signature(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = actor(f, "org", f->w.site.base), *cached = NULL;
	char *html = xasprintf("<a href=\"%s\" rel=\"me\">fediverse</a>", a->id);
	char *want = xasprintf("@org@127.0.0.1:%d", f->w.home.port);
	struct statement s = { 0 };
	struct signatory g = { 0 }, *got = NULL;
	struct err err;
	int64_t *ids = NULL;
	size_t n = 0;

	s.slug = "st";
	s.title = "A statement";
	s.public_pem = "-";
	s.private_pem = "-";
	assert_int_equal(store_statement_add(f->st, &s, &err), 0);
	g.name = "Org";
	g.actor_id = a->id;
	g.how = "follow";
	g.state = "approved";
	g.actor_type = "Organization";
	g.signed_at = 100;
	assert_int_equal(store_signatory_add_verified(f->st, s.id, &g, NULL, NULL, NULL, &err), 0);
	assert_int_equal(store_actor_put(f->st, a, &err), 0);

	f->w.html = html;
	domaincheck_signatory(&f->ctx, a);
	assert_int_equal(store_signatory_get(f->st, s.id, a->id, &got, &err), 0);
	assert_string_equal(got->handle, want);
	assert_true(got->domain_verified);
	signatories_free(got, 1);
	assert_int_equal(store_actor_get(f->st, a->id, &cached, &err), 0);
	assert_string_equal(cached->handle, want);
	remote_actor_free(cached);
	assert_int_equal(store_statement_updates_due(f->st, (int64_t)time(NULL) + 1, &ids, &n,
						     &err), 0);
	assert_int_equal(n, 1);
	free(ids);

	/* The same again changes nothing: no new edit. */
	assert_int_equal(store_statement_update_done(f->st, s.id, (int64_t)time(NULL), &err), 0);
	domaincheck_signatory(&f->ctx, a);
	assert_int_equal(store_statement_updates_due(f->st, INT64_MAX, &ids, &n, &err), 0);
	assert_int_equal(n, 0);

	/* The link is gone from the site: the mark goes, and the post is edited. */
	f->w.html = "<p>new site</p>";
	domaincheck_signatory(&f->ctx, a);
	assert_int_equal(store_signatory_get(f->st, s.id, a->id, &got, &err), 0);
	assert_false(got->domain_verified);
	signatories_free(got, 1);
	assert_int_equal(store_statement_updates_due(f->st, INT64_MAX, &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	free(ids);
	domaincheck_signatory(&f->ctx, NULL); /* nothing to check: no crash */

	remote_actor_free(a);
	free(html);
	free(want);
}

/* A statement "st" and an approved signature of a on it; returns the statement id. */
static int64_t signed_by(struct fixture *f, const struct remote_actor *a)
{
	struct statement s = { 0 };
	struct signatory g = { 0 };
	struct err err;

	s.slug = "st";
	s.title = "A statement";
	s.public_pem = "-";
	s.private_pem = "-";
	assert_int_equal(store_statement_add(f->st, &s, &err), 0);
	g.name = "Org";
	g.actor_id = a->id;
	g.how = "endorse";
	g.state = "approved";
	g.actor_type = "Organization";
	g.signed_at = 100;
	assert_int_equal(store_actor_put(f->st, a, &err), 0);
	assert_int_equal(store_signatory_add_verified(f->st, s.id, &g, NULL, NULL, NULL, &err), 0);
	return s.id;
}

static bool pending(struct fixture *f, const char *actor_id)
{
	struct err err;
	bool p = false;

	assert_int_equal(store_domaincheck_pending(f->st, actor_id, &p, &err), 0);
	return p;
}

static void backoff(void **state)
{
	(void)state;
	assert_int_equal(domaincheck_backoff(1), LIMIT_DOMAINCHECK_RETRY_S);
	assert_int_equal(domaincheck_backoff(2), 2 * LIMIT_DOMAINCHECK_RETRY_S);
	assert_int_equal(domaincheck_backoff(3), 4 * LIMIT_DOMAINCHECK_RETRY_S);
	assert_true(domaincheck_backoff(1000) > 0);
}

/* A new signature's check is pending in the store until the worker's loop has done it. */
static void pending_until_done(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = actor(f, "org", f->w.site.base);
	char *html = xasprintf("<a href=\"%s\" rel=\"me\">fediverse</a>", a->id);
	struct signatory *got = NULL;
	int64_t sid = signed_by(f, a);
	struct err err;
	size_t done = 9;
	bool asked = true;

	assert_true(pending(f, a->id));
	assert_int_equal(store_signatory_get(f->st, sid, a->id, &got, &err), 0);
	assert_false(got->domain_verified); /* not (yet) verified while pending */
	assert_true(got->domain_check_pending);
	signatories_free(got, 1);

	f->w.html = html;
	assert_int_equal(domaincheck_run_due(&f->ctx, (int64_t)time(NULL), 0, &done, &err), 0);
	assert_int_equal(done, 1);
	assert_false(pending(f, a->id));
	assert_int_equal(store_signatory_get(f->st, sid, a->id, &got, &err), 0);
	assert_true(got->domain_verified);
	assert_false(got->domain_check_pending);
	assert_non_null(got->handle);
	signatories_free(got, 1);
	assert_int_equal(domaincheck_run_due(&f->ctx, (int64_t)time(NULL), 0, &done, &err), 0);
	assert_int_equal(done, 0);

	/* Asked again (an Update of the actor): pending; the mark stays meanwhile. */
	assert_int_equal(store_domaincheck_request(f->st, a->id, &asked, &err), 0);
	assert_true(asked);
	assert_true(pending(f, a->id));
	assert_int_equal(store_signatory_get(f->st, sid, a->id, &got, &err), 0);
	assert_true(got->domain_verified);
	signatories_free(got, 1);
	/* Someone who signed nothing is not checked. */
	assert_int_equal(
	    store_domaincheck_request(f->st, "https://x.example/users/n", &asked, &err), 0);
	assert_false(asked);
	assert_false(pending(f, "https://x.example/users/n"));

	remote_actor_free(a);
	free(html);
}

/* A website that does not answer: retried later with backoff, then given up, unverified. */
static void undecided_retried_then_given_up(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = actor(f, "org", "http://127.0.0.1:1/");
	struct signatory *got = NULL;
	int64_t sid = signed_by(f, a), now = (int64_t)time(NULL);
	struct domaincheck_due d;
	struct err err;
	size_t done;

	for (int i = 1; i <= LIMIT_DOMAINCHECK_ATTEMPTS; i++) {
		assert_int_equal(domaincheck_run_due(&f->ctx, now, 0, &done, &err), 0);
		assert_int_equal(done, 1);
		if (i == LIMIT_DOMAINCHECK_ATTEMPTS)
			break;
		assert_true(pending(f, a->id));
		/* Not due again before its backoff. */
		assert_int_equal(domaincheck_run_due(&f->ctx, now, 0, &done, &err), 0);
		assert_int_equal(done, 0);
		assert_int_equal(
		    store_domaincheck_next(f->st, now + domaincheck_backoff(i), &d, &err), 0);
		assert_string_equal(d.actor_id, a->id);
		assert_int_equal(d.attempts, i);
		domaincheck_due_release(&d);
		now += domaincheck_backoff(i);
	}
	assert_false(pending(f, a->id)); /* given up */
	assert_int_equal(store_signatory_get(f->st, sid, a->id, &got, &err), 0);
	assert_false(got->domain_verified);
	assert_non_null(got->handle); /* WebFinger answered all the same */
	signatories_free(got, 1);
	remote_actor_free(a);
}

/* A check asked again while one ran is not cleared by the older one finishing. */
static void newer_ask_stays(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = actor(f, "org", NULL);
	struct domaincheck_due d;
	struct err err;

	signed_by(f, a);
	assert_int_equal(store_domaincheck_next(f->st, (int64_t)time(NULL), &d, &err), 0);
	assert_non_null(d.actor_id);
	assert_int_equal(store_domaincheck_request(f->st, a->id, NULL, &err), 0);
	assert_int_equal(store_domaincheck_finish(f->st, &d, 0, &err), 0);
	assert_true(pending(f, a->id));
	domaincheck_due_release(&d);
	assert_int_equal(store_domaincheck_next(f->st, (int64_t)time(NULL), &d, &err), 0);
	assert_int_equal(store_domaincheck_finish(f->st, &d, 0, &err), 0);
	assert_false(pending(f, a->id));
	domaincheck_due_release(&d);
	remote_actor_free(a);
}

/* The worker thread does a kicked check, and stops cleanly. */
static void worker_thread(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = actor(f, "org", f->w.site.base);
	char *html = xasprintf("<a href=\"%s\" rel=\"me\">fediverse</a>", a->id);
	struct domaincheck_worker *w = NULL;
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct signatory *got = NULL;
	int64_t sid;
	struct err err;
	int tries = 0;

	f->w.html = html;
	assert_int_equal(domaincheck_start(&f->ctx, f->path, &w, &err), 0);
	sid = signed_by(f, a);
	domaincheck_kick(w);
	while (pending(f, a->id) && tries++ < 500) /* 10 s at most */
		nanosleep(&pause, NULL);
	assert_false(pending(f, a->id));
	domaincheck_stop(w);
	assert_int_equal(store_signatory_get(f->st, sid, a->id, &got, &err), 0);
	assert_true(got->domain_verified);
	signatories_free(got, 1);
	domaincheck_stop(NULL);
	domaincheck_kick(NULL);
	remote_actor_free(a);
	free(html);
}

static int home_gets(struct fixture *f)
{
	int n;

	pthread_mutex_lock(&f->w.site.lock);
	n = f->w.site_home_gets;
	pthread_mutex_unlock(&f->w.site.lock);
	return n;
}

/* Stopping while a website hangs: within moments, and the check stays pending as it was. */
static void stop_while_a_site_hangs(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = actor(f, "org", f->w.site.base);
	struct domaincheck_worker *w = NULL;
	struct timespec pause = { 0, 20 * 1000 * 1000 }, t0, t1;
	struct domaincheck_due d;
	struct err err;
	int tries = 0;
	long ms;

	f->w.hang = true;
	assert_int_equal(domaincheck_start(&f->ctx, f->path, &w, &err), 0);
	signed_by(f, a);
	domaincheck_kick(w);
	while (home_gets(f) == 0 && tries++ < 500) /* 10 s at most */
		nanosleep(&pause, NULL);
	assert_int_equal(home_gets(f), 1); /* the worker waits for the page */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	domaincheck_stop(w);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < LIMIT_DOMAINCHECK_TIMEOUT_S * 1000 / 2);
	assert_true(pending(f, a->id));
	assert_int_equal(store_domaincheck_next(f->st, (int64_t)time(NULL), &d, &err), 0);
	assert_non_null(d.actor_id);
	assert_int_equal(d.attempts, 0); /* a stop is no failed attempt */
	domaincheck_due_release(&d);
	remote_actor_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(html_links),
		cmocka_unit_test(html_hostile),
		cmocka_unit_test(websites),
		cmocka_unit_test(handles),
		cmocka_unit_test_setup_teardown(links_back_from_home_page, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(handle_on_own_domain, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(own_server_and_down, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(stored_on_the_signature, fixture_setup,
						fixture_teardown),
		cmocka_unit_test(backoff),
		cmocka_unit_test_setup_teardown(pending_until_done, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(undecided_retried_then_given_up, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(newer_ask_stays, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(worker_thread, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(stop_while_a_site_hangs, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
