/*
 * Unit tests of server/pages.c and server/assets.c: OpenGraph tags, no
 * script anywhere, every stranger's string escaped, the sign box and the
 * follow form, and a valid PNG avatar.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "activitypub/documents.h"
#include "server/assets.h"
#include "server/pages.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/mem.h"

#define B "https://st.example"

static const struct config cfg = {
	.base_url = B,
	.authority = "st.example",
	.sign_word = "sign",
};

static struct statement stmt = {
	.id = 1,
	.slug = "hov",
	.title = "Hands off <b>Venezuela</b> & NOW!",
	.lang = "en",
	.dateline = "Friday 25 January 2019 <i>",
	.summary = "We, the \"undersigned\" organisations, condemn.",
	.content_html = "<p>We, the undersigned organisations, <em>strongly</em> condemn.</p>",
	.policy = "open",
	.published = 1548374400,
	.updated = 1548460800,
	.public_pem = "PEM",
};

static struct signatory sigs[] = {
	{ .id = 1, .name = "Info PSM", .country = "", .actor_id = "https://psm.example/users/info",
	  .handle = "@info@psm.example", .url = "https://psm.example/@info", .how = "mention",
	  .state = "approved", .actor_type = "Organization", .domain_verified = true },
	{ .id = 2, .name = "Evil \"org\"", .country = "", .actor_id = "https://evil.example/u/x",
	  .handle = "@x@evil.example", .url = "javascript:alert(1)", .how = "follow",
	  .state = "approved" },
	{ .id = 3, .name = "<script>alert(1)</script>", .country = "Malaysia", .how = "import",
	  .state = "approved", .position = 1 },
};

static struct statement_view view(void)
{
	struct statement_view v = {
		.s = &stmt,
		.signatories = sigs,
		.n_signatories = 3,
		.followers = 5,
		.likes = 7,
		.shares = 1,
		.signatures_approved = 3,
	};

	return v;
}

static void has(const char *page, const char *needle)
{
	if (!strstr(page, needle))
		fail_msg("missing from the page: %s", needle);
}

static void statement_page_head(void **state)
{
	struct statement_view v = view();
	char *p = page_statement(&cfg, &v);

	(void)state;
	assert_non_null(p);
	assert_true(strncmp(p, "<!doctype html>\n<html lang=\"en\">", 32) == 0);
	has(p, "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
	has(p, "<title>Hands off &lt;b&gt;Venezuela&lt;/b&gt; &amp; NOW!</title>");
	has(p, "<meta property=\"og:title\" content=\"Hands off &lt;b&gt;Venezuela&lt;/b&gt; "
	       "&amp; NOW!\">");
	has(p, "<meta property=\"og:description\" content=\"We, the &quot;undersigned&quot; "
	       "organisations, condemn.\">");
	has(p, "<meta property=\"og:type\" content=\"article\">");
	has(p, "<meta property=\"og:url\" content=\"" B "/s/hov\">");
	has(p, "<meta property=\"og:site_name\" content=\"st.example\">");
	has(p, "<meta property=\"og:image\" content=\"" B "/s/hov/icon.png\">");
	has(p, "<meta name=\"twitter:card\" content=\"summary\">");
	has(p, "<link rel=\"alternate\" type=\"application/activity+json\" href=\"" B "/s/hov\">");
	has(p, "<style>");
	assert_null(strcasestr(p, "<script"));
	assert_null(strstr(p, "<b>Venezuela"));
	free(p);
}

static void statement_page_body(void **state)
{
	struct statement_view v = view();
	char *p = page_statement(&cfg, &v);

	(void)state;
	has(p, "<h1>Hands off &lt;b&gt;Venezuela&lt;/b&gt; &amp; NOW!</h1>");
	has(p, "<p class=\"dateline\">Friday 25 January 2019 &lt;i&gt;</p>");
	has(p, stmt.content_html); /* trusted HTML, as it is */
	has(p, "<strong>3</strong> signatures");
	has(p, "<strong>5</strong> followers");
	has(p, "<strong>7</strong> favourites");
	has(p, "<strong>1</strong> boost<");
	/* signatories */
	has(p, "Signatories (3)");
	has(p, "<a href=\"https://psm.example/@info\" rel=\"nofollow ugc\">Info PSM</a>");
	has(p, "<code>@info@psm.example</code> <span class=\"tag\">signed from psm.example</span> "
	       "<span class=\"tag ok\"");
	has(p, "\xe2\x9c\x93 domain verified</span></li>");
	/* the mark is said once: the other verified signer's domain did not vouch for it */
	assert_null(strstr(strstr(p, "domain verified</span>") + 1, "domain verified</span>"));
	has(p, "<code>@x@evil.example</code> <span class=\"tag\">signed from evil.example</span></li>");
	/* imported ones after the verified ones, a group of their own */
	has(p, "<li class=\"imported\">&lt;script&gt;");
	has(p, "&lt;script&gt;alert(1)&lt;/script&gt;, Malaysia <span class=\"tag\">listed by "
	       "the coordinator</span>");
	assert_null(strstr(p, "<script>alert(1)"));
	/* a javascript: profile URL is never a link; the actor id is used instead */
	assert_null(strstr(p, "javascript:"));
	has(p, "<a href=\"https://evil.example/u/x\" rel=\"nofollow ugc\">Evil &quot;org&quot;</a>");
	/* how to sign */
	has(p, "How to sign");
	has(p, "<code class=\"copy\">@hov@st.example</code>");
	has(p, "<code class=\"copy\">@hov@st.example sign</code>");
	has(p, "<em>Organization</em>");
	/* follow form */
	has(p, "<form method=\"get\" action=\"" B "/authorize_interaction\">");
	has(p, "<input type=\"hidden\" name=\"uri\" value=\"" B "/s/hov\">");
	has(p, "name=\"acct\"");
	has(p, "placeholder=\"you@your.server\"");
	has(p, "<button type=\"submit\" name=\"intent\" value=\"follow\">Follow</button>");
	has(p, "Published with Undersigned");
	free(p);
}

static void statement_page_closed_and_empty(void **state)
{
	struct statement st = stmt;
	struct statement_view v = view();
	char *p;

	(void)state;
	st.policy = "closed";
	st.lang = "";
	v.s = &st;
	v.n_signatories = 0;
	v.signatures_approved = 0;
	p = page_statement(&cfg, &v);
	has(p, "<html lang=\"en\">");
	has(p, "closed for signatures");
	has(p, "No signatures yet.");
	assert_null(strstr(p, "@hov@st.example sign"));
	free(p);
}

static void statement_page_long_list(void **state)
{
	enum { N = 30000 };
	struct signatory *many = xcalloc(N, sizeof(*many));
	struct statement_view v = view();
	char name[300];
	char *p;
	size_t i;

	(void)state;
	memset(name, 'y', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (i = 0; i < N; i++) {
		many[i].name = name;
		many[i].country = "Somewhere";
	}
	v.signatories = many;
	v.n_signatories = N;
	v.signatures_approved = N;
	p = page_statement(&cfg, &v);
	assert_non_null(p);
	assert_true(strlen(p) <= LIMIT_PAGE_HTML_BYTES);
	has(p, " more, in the <a href=\"" B "/s/hov/signatures\">");
	has(p, "</html>");
	/* names are cut for display */
	assert_null(strstr(p, name));
	free(p);
	free(many);
}

/* A stranger's name of 10 KB, with markup, is escaped and cut; a server is shown as its authority. */
static void statement_page_hostile_signer(void **state)
{
	struct statement_view v = view();
	struct signatory one = sigs[0];
	char *name = xmalloc(10241), *p;

	(void)state;
	for (size_t i = 0; i < 10240; i++)
		name[i] = "<b>\"x&"[i % 7];
	name[10240] = '\0';
	one.name = name;
	one.handle = "@a@b.example<script>";
	one.actor_id = "https://B.Example:8443/u/a";
	one.url = NULL;
	one.domain_verified = false;
	v.signatories = &one;
	v.n_signatories = 1;
	v.signatures_approved = 1;
	p = page_statement(&cfg, &v);
	assert_non_null(p);
	assert_null(strstr(p, "<b>\"x"));
	assert_null(strstr(p, "<script"));
	has(p, "<a href=\"https://B.Example:8443/u/a\" rel=\"nofollow ugc\">&lt;b&gt;&quot;x&amp;");
	has(p, "<code>@a@b.example&lt;script&gt;</code>");
	has(p, "signed from b.example:8443</span></li>");
	assert_null(strstr(p, "domain verified</span>"));
	assert_true(strlen(p) < 10240 + 8192);
	free(p);
	free(name);
}

/* The post, the page and the collection list the same signatories in the same order. */
static void same_list_everywhere(void **state)
{
	static struct signatory list[] = {
		{ .id = 7, .name = "First Verified", .actor_id = "https://a.example/users/f",
		  .handle = "@f@a.example", .how = "follow", .state = "approved",
		  .actor_type = "Organization", .domain_verified = true, .signed_at = 10 },
		{ .id = 3, .name = "Second Verified", .actor_id = "https://b.example/users/s",
		  .handle = "@s@b.example", .how = "mention", .state = "approved",
		  .actor_type = "Person", .signed_at = 20 },
		{ .id = 1, .name = "Third Imported", .country = "", .how = "import",
		  .state = "approved", .position = 0 },
		{ .id = 2, .name = "Fourth Imported", .country = "", .how = "import",
		  .state = "approved", .position = 1 },
	};
	struct statement_view v = view();
	char *page, *note;
	json_t *coll, *items;
	const char *at_page = NULL, *at_note = NULL;

	(void)state;
	v.signatories = list;
	v.n_signatories = 4;
	v.signatures_approved = 4;
	page = page_statement(&cfg, &v);
	note = doc_note_html(&cfg, &v);
	coll = doc_signatures_page(&cfg, "hov", 1, 4, list, 4);
	items = json_object_get(coll, "orderedItems");
	assert_int_equal(json_array_size(items), 4);
	for (size_t i = 0; i < 4; i++) {
		const char *p = strstr(page, list[i].name), *n = strstr(note, list[i].name);
		json_t *item = json_array_get(items, i);

		assert_non_null(p);
		assert_non_null(n);
		assert_true(!at_page || p > at_page);
		assert_true(!at_note || n > at_note);
		at_page = p;
		at_note = n;
		assert_string_equal(json_string_value(json_object_get(item, "name")), list[i].name);
		assert_int_equal(json_is_true(json_object_get(item, "undersigned:imported")),
				 list[i].actor_id == NULL);
	}
	/* the handles are the confirmed ones in both */
	has(page, "<code>@f@a.example</code>");
	has(note, "@f@a.example");
	free(page);
	free(note);
	json_decref(coll);
}

static void index_page(void **state)
{
	struct statement other = stmt;
	struct statement *list[] = { &stmt, &other };
	int64_t counts[] = { 15, 1 };
	char *p, *empty;

	(void)state;
	other.slug = "second";
	other.title = "Second";
	other.dateline = "";
	other.policy = "closed";
	p = page_index(&cfg, list, counts, 2);
	has(p, "<!doctype html>");
	has(p, "<title>Statements on st.example</title>");
	has(p, "<a href=\"" B "/s/hov\"><strong>Hands off &lt;b&gt;Venezuela&lt;/b&gt; &amp; "
	       "NOW!</strong></a>");
	has(p, "Friday 25 January 2019 &lt;i&gt; \xc2\xb7 15 signatures");
	has(p, "<a href=\"" B "/s/second\"><strong>Second</strong></a>");
	has(p, "1 signature \xc2\xb7 closed");
	assert_null(strcasestr(p, "<script"));
	empty = page_index(&cfg, NULL, NULL, 0);
	has(empty, "No statements yet.");
	free(p);
	free(empty);
}

static void error_page(void **state)
{
	char *p = page_error(&cfg, 404, "No statement <x> here");

	(void)state;
	has(p, "<title>404 Not found</title>");
	has(p, "<h1>404 Not found</h1>");
	has(p, "No statement &lt;x&gt; here");
	assert_null(strcasestr(p, "<script"));
	free(p);
}

static void icon_is_png(void **state)
{
	static const unsigned char sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	const unsigned char *p = asset_icon_png;
	uint32_t w, h;

	(void)state;
	assert_true(asset_icon_png_len > 100);
	assert_memory_equal(p, sig, 8);
	assert_memory_equal(p + 12, "IHDR", 4);
	w = (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19];
	h = (uint32_t)p[20] << 24 | (uint32_t)p[21] << 16 | (uint32_t)p[22] << 8 | p[23];
	assert_int_equal(w, 400);
	assert_int_equal(h, 400);
	assert_memory_equal(p + asset_icon_png_len - 8, "IEND", 4);
}

/* The page in the reader's language: its text, the others linked, the signatories the same. */
static void statement_page_in_a_language(void **state)
{
	struct statement_text texts[] = {
		{ .lang = "en", .title = stmt.title, .dateline = stmt.dateline,
		  .summary = stmt.summary, .content_html = stmt.content_html },
		{ .lang = "es", .title = "Manos fuera <de> Venezuela", .dateline = "",
		  .summary = "Condenamos.", .content_html = "<p>Condenamos el golpe.</p>" },
		{ .lang = "pt-BR", .title = "Tirem as m\xc3\xa3os", .dateline = "",
		  .summary = "Condenamos.", .content_html = "<p>Condenamos.</p>" },
	};
	struct statement_view v = view();
	char *p;

	(void)state;
	v.texts = texts;
	v.n_texts = 3;
	v.chosen = 1;
	v.revised = 1767225599;
	p = page_statement(&cfg, &v);
	has(p, "<html lang=\"es\">");
	has(p, "<h1>Manos fuera &lt;de&gt; Venezuela</h1>");
	has(p, "<p>Condenamos el golpe.</p>");
	assert_null(strstr(p, "strongly"));
	has(p, "<meta property=\"og:locale\" content=\"es\">");
	has(p, "<link rel=\"alternate\" hreflang=\"pt-BR\" href=\"" B "/s/hov?lang=pt-BR\">");
	has(p, "<link rel=\"alternate\" hreflang=\"x-default\" href=\"" B "/s/hov\">");
	has(p, "<a href=\"" B "/s/hov?lang=en\" hreflang=\"en\" lang=\"en\">English</a>");
	has(p, "<strong lang=\"es\" aria-current=\"true\">Espa\xc3\xb1ol</strong>");
	has(p, ">Portugu\xc3\xaas (pt-BR)</a>");
	has(p, "<p class=\"revised\">Revised on 31 December 2025 \xc2\xb7 <a href=\"" B
	       "/s/hov/versions\">earlier versions</a></p>");
	/* the same signatories in every language */
	has(p, "&lt;script&gt;alert(1)&lt;/script&gt;, Malaysia");
	free(p);
	/* one language: no language links, no hreflang */
	v = view();
	p = page_statement(&cfg, &v);
	assert_null(strstr(p, "hreflang"));
	assert_null(strstr(p, "class=\"langs\""));
	assert_null(strstr(p, "Revised on"));
	free(p);
}

static void version_pages_and_gone(void **state)
{
	struct statement_text texts[] = {
		{ .lang = "en", .title = "Old <title>", .dateline = "Then",
		  .content_html = "<p>Old text.</p>" },
		{ .lang = "fr", .title = "Ancien titre", .dateline = "",
		  .content_html = "<p>Ancien texte.</p>" },
	};
	struct statement_version versions[] = { { 1, 1548374400, 2 }, { 2, 1767225599, 1 } };
	char *p;

	(void)state;
	p = page_versions(&cfg, &stmt, versions, 2);
	has(p, "<a href=\"" B "/s/hov/versions/1\">Version 1</a> \xc2\xb7 published on 25 January "
	       "2019 \xc2\xb7 2 languages</li>");
	has(p, "Version 2</a> \xc2\xb7 revised on 31 December 2025 \xc2\xb7 1 language \xc2\xb7 "
	       "the current text");
	has(p, "Hands off &lt;b&gt;Venezuela&lt;/b&gt;");
	free(p);
	p = page_version(&cfg, &stmt, 1, 1548374400, texts, 2, 1, false);
	has(p, "<html lang=\"fr\">");
	has(p, "<h1>Ancien titre</h1>");
	has(p, "<p>Ancien texte.</p>");
	has(p, "Version 1 of this statement, published on 25 January 2019.");
	has(p, "<a href=\"" B "/s/hov/versions/1?lang=en\" hreflang=\"en\">English</a>");
	has(p, "noindex");
	free(p);
	p = page_version(&cfg, &stmt, 1, 1548374400, texts, 2, 0, true);
	has(p, "<h1>Old &lt;title&gt;</h1>");
	has(p, "(the current text)");
	free(p);
	assert_null(page_version(&cfg, &stmt, 1, 1548374400, texts, 2, 2, false));
	p = page_gone(&cfg, 1767225599);
	has(p, "<title>410 Gone</title>");
	has(p, "deleted on 31 December 2025");
	free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statement_page_head),
		cmocka_unit_test(statement_page_in_a_language),
		cmocka_unit_test(version_pages_and_gone),
		cmocka_unit_test(statement_page_body),
		cmocka_unit_test(statement_page_closed_and_empty),
		cmocka_unit_test(statement_page_long_list),
		cmocka_unit_test(statement_page_hostile_signer),
		cmocka_unit_test(same_list_everywhere),
		cmocka_unit_test(index_page),
		cmocka_unit_test(error_page),
		cmocka_unit_test(icon_is_png),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
