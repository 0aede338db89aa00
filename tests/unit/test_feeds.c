/*
 * Feeds and previews: the Atom and RSS documents (escaping of strangers'
 * names, characters XML cannot carry, order and limits), the page cache
 * (generations, age, bound, ETags, If-None-Match), and the statement page's
 * preview tags (fediverse:creator, feed links, the quotes count, the sign
 * button).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "server/feeds.h"
#include "server/pagecache.h"
#include "server/pages.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/mem.h"

#define B "https://st.example"

static const struct config cfg = {
	.base_url = B,
	.authority = "st.example",
	.listen = "127.0.0.1:8080",
	.sign_word = "sign",
};

static struct statement stmt = {
	.id = 1,
	.slug = "hov",
	.title = "Hands off <Venezuela> & \"now\"",
	.lang = "en",
	.dateline = "Friday 25 January 2019",
	.summary = "We condemn the coup attempt.",
	.content_html = "<p>We condemn &amp; resist.</p>",
	.policy = "open",
	.published = 1548374400, /* 2019-01-25T00:00:00Z */
	.updated = 1548460800,	 /* 2019-01-26T00:00:00Z */
};

static struct statement later = {
	.id = 2,
	.slug = "later",
	.title = "A later statement",
	.lang = "fr",
	.dateline = "",
	.summary = "",
	.content_html = "<p>Plus tard.</p>",
	.policy = "closed",
	.published = 1600000000,
	.updated = 1600000000,
};

static struct signatory sigs[] = {
	{ .id = 9,
	  .name = "New \x01Org <b>&</b>\x7f",
	  .country = "Malaysia",
	  .actor_id = "https://psm.example/users/info",
	  .handle = "@info@psm.example",
	  .url = "https://psm.example/@info",
	  .how = "mention",
	  .state = "approved",
	  .signed_at = 1548460000,
	  .domain_verified = true },
	{ .id = 4,
	  .name = "Bad \xff\xfe UTF-8 \xef\xbf\xbe",
	  .country = "",
	  .actor_id = "https://x.example/u",
	  .handle = NULL,
	  .url = "javascript:alert(1)",
	  .how = "follow",
	  .state = "approved",
	  .signed_at = 1548400000 },
};

/* True when every byte of s may appear in an XML 1.0 document. */
static bool xml_chars_ok(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return false;
		if (p[0] == 0xEF && p[1] == 0xBF && (p[2] == 0xBE || p[2] == 0xBF))
			return false;
	}
	return true;
}

/* ---- feeds ---- */

static void statements_atom(void **state)
{
	struct statement *list[] = { &stmt, &later };
	int64_t counts[] = { 15, 1 };
	char *xml = feed_statements(&cfg, list, counts, 2, 1700000000, FEED_ATOM);
	const char *first, *second;

	(void)state;
	assert_non_null(xml);
	assert_true(strncmp(xml,
			    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed "
			    "xmlns=\"http://www.w3.org/2005/Atom\"",
			    80) == 0);
	assert_non_null(strstr(xml, "<link rel=\"self\" type=\"application/atom+xml\" href=\"" B
				    "/feed.atom\"/>"));
	/* the newest first; the feed's time is the newest change */
	first = strstr(xml, "<id>" B "/s/later</id>");
	second = strstr(xml, "<id>" B "/s/hov</id>");
	assert_non_null(first);
	assert_non_null(second);
	assert_true(first < second);
	assert_non_null(strstr(xml, "<updated>2020-09-13T12:26:40Z</updated>"));
	/* the title escaped once, the HTML content escaped as text */
	assert_non_null(
	    strstr(xml, "<title>Hands off &lt;Venezuela&gt; &amp; &quot;now&quot;</title>"));
	assert_non_null(strstr(xml, "&lt;p&gt;We condemn &amp;amp; resist.&lt;/p&gt;"));
	assert_non_null(strstr(xml, "15 signatures so far."));
	assert_non_null(strstr(xml, "<entry xml:lang=\"fr\">"));
	assert_non_null(strstr(xml, "</feed>\n"));
	free(xml);
}

static void statements_rss_and_empty(void **state)
{
	struct statement *list[] = { &stmt };
	char *xml = feed_statements(&cfg, list, NULL, 1, 1700000000, FEED_RSS);

	(void)state;
	assert_non_null(xml);
	assert_non_null(strstr(xml, "<rss version=\"2.0\""));
	assert_non_null(strstr(xml, "<guid isPermaLink=\"true\">" B "/s/hov</guid>"));
	/* RFC 822 dates */
	assert_non_null(strstr(xml, "<pubDate>Fri, 25 Jan 2019 00:00:00 GMT</pubDate>"));
	assert_non_null(strstr(xml, "</channel>\n</rss>\n"));
	free(xml);
	xml = feed_statements(&cfg, NULL, NULL, 0, 1700000000, FEED_ATOM);
	assert_non_null(xml);
	assert_null(strstr(xml, "<entry"));
	assert_non_null(strstr(xml, "<updated>2023-11-14T22:13:20Z</updated>"));
	free(xml);
}

static void signatories_escaped_and_clean(void **state)
{
	char *atom = feed_signatories(&cfg, &stmt, sigs, 2, 1700000000, FEED_ATOM);
	char *rss = feed_signatories(&cfg, &stmt, sigs, 2, 1700000000, FEED_RSS);

	(void)state;
	assert_non_null(atom);
	assert_non_null(rss);
	assert_true(xml_chars_ok(atom));
	assert_true(xml_chars_ok(rss));
	/* the control characters are gone, the markup is text */
	assert_non_null(strstr(atom, "<title>New Org &lt;b&gt;&amp;&lt;/b&gt;\x7f signed</title>"));
	assert_null(strstr(atom, "<b>"));
	/* invalid UTF-8 repaired (U+FFFD), U+FFFE left out */
	assert_non_null(strstr(atom, "Bad \xef\xbf\xbd\xef\xbf\xbd UTF-8  signed"));
	/* a profile link only when http(s); else the statement's page */
	assert_non_null(strstr(atom, "href=\"https://psm.example/@info\""));
	assert_null(strstr(atom, "javascript:"));
	assert_non_null(strstr(atom, "<id>" B "/s/hov/signatures#9</id>"));
	assert_non_null(strstr(atom, "Its domain is verified"));
	assert_non_null(strstr(rss, "<guid isPermaLink=\"false\">" B "/s/hov/signatures#4</guid>"));
	assert_non_null(strstr(rss, "href=\"" B "/s/hov/signatures.rss\""));
	free(atom);
	free(rss);
}

static void signatories_feed_is_bounded(void **state)
{
	size_t n = LIMIT_FEED_ITEMS + 20;
	struct signatory *many = xcalloc(n, sizeof(*many));
	char *xml;
	size_t entries = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		many[i] = sigs[0];
		many[i].id = (int64_t)i + 1;
	}
	xml = feed_signatories(&cfg, &stmt, many, n, 1700000000, FEED_ATOM);
	assert_non_null(xml);
	for (const char *p = xml; (p = strstr(p, "<entry")); p++)
		entries++;
	assert_int_equal(entries, LIMIT_FEED_ITEMS);
	free(xml);
	free(many);
}

/* ---- the page cache ---- */

static void cache_generations_and_age(void **state)
{
	struct pagecache *pc = pagecache_new(4, 10);
	struct pagecache_hit hit;
	char *etag;

	(void)state;
	assert_false(pagecache_get(pc, "hov\n", 1, 100, true, &hit));
	etag = pagecache_put(pc, "hov\n", 1, 100, "<p>one</p>", 10);
	assert_true(etag[0] == '"' && etag[strlen(etag) - 1] == '"');
	assert_true(pagecache_get(pc, "hov\n", 1, 105, true, &hit));
	assert_string_equal(hit.body, "<p>one</p>");
	assert_int_equal(hit.len, 10);
	assert_string_equal(hit.etag, etag);
	pagecache_hit_release(&hit);
	/* asked for the ETag only */
	assert_true(pagecache_get(pc, "hov\n", 1, 105, false, &hit));
	assert_null(hit.body);
	pagecache_hit_release(&hit);
	/* a newer generation never gets the old page, nor does a page past its age */
	assert_false(pagecache_get(pc, "hov\n", 2, 105, true, &hit));
	free(pagecache_put(pc, "hov\n", 2, 100, "<p>two</p>", 10));
	assert_false(pagecache_get(pc, "hov\n", 2, 110, true, &hit));
	/* another key (another language) is another page */
	free(pagecache_put(pc, "hov\nfr", 2, 100, "<p>deux</p>", 11));
	assert_false(pagecache_get(pc, "hov\nde", 2, 101, true, &hit));
	assert_true(pagecache_get(pc, "hov\nfr", 2, 101, true, &hit));
	assert_string_equal(hit.body, "<p>deux</p>");
	pagecache_hit_release(&hit);
	free(etag);
	pagecache_free(pc);
	/* no cache at all: nothing found, an ETag all the same */
	assert_false(pagecache_get(NULL, "x", 1, 1, true, &hit));
	etag = pagecache_put(NULL, "x", 1, 1, "a", 1);
	assert_non_null(etag);
	free(etag);
}

static void cache_bounded_oldest_goes(void **state)
{
	struct pagecache *pc = pagecache_new(2, 100);
	struct pagecache_hit hit;

	(void)state;
	free(pagecache_put(pc, "a", 1, 10, "A", 1));
	free(pagecache_put(pc, "b", 1, 11, "B", 1));
	free(pagecache_put(pc, "c", 1, 12, "C", 1));
	assert_false(pagecache_get(pc, "a", 1, 13, false, &hit));
	assert_true(pagecache_get(pc, "b", 1, 13, false, &hit));
	pagecache_hit_release(&hit);
	assert_true(pagecache_get(pc, "c", 1, 13, false, &hit));
	pagecache_hit_release(&hit);
	pagecache_free(pc);
}

static void etags_differ_and_match(void **state)
{
	char *a = pagecache_etag(3, "page", 4);
	char *b = pagecache_etag(3, "pagf", 4);
	char *c = pagecache_etag(4, "page", 4);
	char *list;

	(void)state;
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, c);
	assert_true(pagecache_etag_matches(a, a));
	assert_true(pagecache_etag_matches("*", a));
	list = xasprintf("\"x\", W/%s , \"y\"", a);
	assert_true(pagecache_etag_matches(list, a));
	free(list);
	assert_false(pagecache_etag_matches(b, a));
	assert_false(pagecache_etag_matches(NULL, a));
	assert_false(pagecache_etag_matches("", a));
	assert_false(pagecache_etag_matches("\"unclosed", a));
	free(a);
	free(b);
	free(c);
}

/* Many threads reading and writing one cache: the lock holds (run under TSan/ASan too). */
static void *hammer(void *arg)
{
	struct pagecache *pc = arg;
	struct pagecache_hit hit;

	for (int i = 0; i < 2000; i++) {
		char key[8];

		snprintf(key, sizeof(key), "k%d", i % 5);
		free(pagecache_put(pc, key, i % 3, 100, "body", 4));
		if (pagecache_get(pc, key, i % 3, 101, true, &hit))
			assert_string_equal(hit.body, "body");
		pagecache_hit_release(&hit);
	}
	return NULL;
}

static void cache_threads(void **state)
{
	struct pagecache *pc = pagecache_new(3, 100);
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, hammer, pc), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pagecache_free(pc);
}

/* ---- the page's preview tags ---- */

static void page_preview_tags(void **state)
{
	struct statement_view v = { .s = &stmt, .shares = 2, .quotes = 3 };
	struct statement_view vc = { .s = &later };
	char *html = page_statement(&cfg, &v);
	char *closed = page_statement(&cfg, &vc);
	char *index;
	struct statement *list[] = { &stmt };

	(void)state;
	assert_non_null(html);
	assert_non_null(
	    strstr(html, "<meta name=\"fediverse:creator\" content=\"@hov@st.example\">"));
	assert_non_null(strstr(html,
			       "<link rel=\"alternate\" type=\"application/atom+xml\" "
			       "title=\"New signatories (Atom): Hands off &lt;Venezuela&gt; "
			       "&amp; &quot;now&quot;\" href=\"" B "/s/hov/signatures.atom\">"));
	assert_non_null(strstr(html, "href=\"" B "/s/hov/signatures.rss\""));
	assert_non_null(strstr(html, "href=\"" B "/feed.atom\""));
	assert_non_null(strstr(html, "<li><strong>3</strong> quotes</li>"));
	assert_non_null(strstr(html, "name=\"intent\" value=\"sign\""));
	/* closed for signatures: follow only */
	assert_null(strstr(closed, "value=\"sign\""));
	assert_non_null(strstr(closed, "value=\"follow\""));
	index = page_index(&cfg, list, NULL, 1);
	assert_non_null(strstr(
	    index, "type=\"application/rss+xml\" title=\"Statements on st.example (RSS)\" href=\"" B
		   "/feed.rss\""));
	free(index);
	free(closed);
	free(html);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statements_atom),
		cmocka_unit_test(statements_rss_and_empty),
		cmocka_unit_test(signatories_escaped_and_clean),
		cmocka_unit_test(signatories_feed_is_bounded),
		cmocka_unit_test(cache_generations_and_age),
		cmocka_unit_test(cache_bounded_oldest_goes),
		cmocka_unit_test(etags_differ_and_match),
		cmocka_unit_test(cache_threads),
		cmocka_unit_test(page_preview_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
