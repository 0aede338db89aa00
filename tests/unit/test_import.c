/* Unit tests of server/import.c: the statement file parser (run from the repository root). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "server/import.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"

#define EXAMPLE "examples/hands-off-venezuela.txt"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	assert_non_null(f);
	buf_init(&b, LIMIT_STATEMENT_FILE_BYTES);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&b, chunk, n), 0);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static int parse(const char *s, struct statement_doc *doc, struct err *err)
{
	err_clear(err);
	return import_parse(s, strlen(s), doc, err);
}

/* Parse s, which must succeed; the doc is the caller's to release. */
static void parse_ok(const char *s, struct statement_doc *doc)
{
	struct err err;
	int rc = parse(s, doc, &err);

	if (rc)
		fail_msg("unexpected error: %s", err.msg);
}

/* Parse s, which must fail with code and a message containing needle. */
static void parse_fails(const char *s, size_t len, enum err_code code, const char *needle)
{
	struct statement_doc doc;
	struct err err;
	int rc;

	err_clear(&err);
	rc = import_parse(s, len, &doc, &err);
	if (rc == 0)
		fail_msg("parsed, expected an error with \"%s\"", needle);
	assert_int_equal(rc, -(int)code);
	assert_int_equal(err.code, code);
	if (!strstr(err.msg, needle))
		fail_msg("message \"%s\" lacks \"%s\"", err.msg, needle);
	assert_null(strchr(err.msg, '\n'));
	assert_null(doc.title);
	assert_null(doc.content_html);
	assert_null(doc.signatories);
	statement_doc_release(&doc);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (hay = strstr(hay, needle); hay; hay = strstr(hay + 1, needle))
		n++;
	return n;
}

static void check_example(const struct statement_doc *d)
{
	static const char *const want[15][2] = {
		{ "Socialist Party of Malaysia (PSM)", "Malaysia" },
		{ "Jaringan Rakyat Tertindas (JERIT)", "Malaysia" },
		{ "Partido Lakas ng Masa (PLM)", "Philippines" },
		{ "Partido Manggagawa (PM)", "Phillipines" },
		{ "People\xE2\x80\x99s Liberation Party (PPR)", "Indonesia" },
		{ "Working People\xE2\x80\x99s Struggle Organization Political Congress (KPO-PRP)",
		  "Indonesia" },
		{ "People\xE2\x80\x99s Democratic Party (PRD)", "Indonesia" },
		{ "Lembaga Informasi Perburuhan Sedane (LIPS)", "Indonesia" },
		{ "Confederation of Indonesian People\xE2\x80\x99s Movement (KPRI)", "Indonesia" },
		{ "Confederation of National Union (KSN)", "Indonesia" },
		{ "Circle of the People\xE2\x80\x99s Movement (LARRA)", "Indonesia" },
		{ "Textile Garments Workers Federation", "Bangladesh" },
		{ "Communist Party of India (Marxist-Leninist) Liberation", "India" },
		{ "Awami Workers Party", "Pakistan" },
		{ "Socialist Alliance", "Australia" },
	};
	size_t k;

	assert_string_equal(d->title, "Hands off Venezuela NOW! - Joint statement of Asia-Pacific "
				      "Left Organisations");
	assert_string_equal(d->dateline,
			    "Friday 25 January 2019, by Left Parties (Asia-Pacific), "
			    "Movements (Asian) (Date first published: 25 January 2019).");
	assert_string_equal(d->lang, "en");
	assert_string_equal(d->summary,
			    "We, the undersigned organisations, strongly condemn Donald Trump "
			    "administration for its support for an on-going coup attempt in "
			    "Venezuela.");
	assert_true(strncmp(d->content_html, "<p>We, the undersigned ", 23) == 0);
	assert_int_equal(count(d->content_html, "<p>"), 7);
	assert_int_equal(count(d->content_html, "</p>"), 7);
	assert_non_null(strstr(d->content_html, "<p>Hands off Venezuela NOW!</p>"));
	/* curly quotes kept as written */
	assert_non_null(strstr(d->content_html, "\xE2\x80\x9Cinterim president\xE2\x80\x9D"));
	assert_null(strstr(d->content_html, "e-mail us"));
	assert_null(strstr(d->content_html, "int.psm@gmail.com"));
	assert_null(strstr(d->content_html, "Signed by"));
	assert_null(strstr(d->content_html, "Socialist Alliance"));
	assert_null(strstr(d->content_html, "Friday 25 January"));
	assert_null(strstr(d->content_html, "Hands off Venezuela NOW! - Joint"));
	assert_int_equal(d->n_dropped, 1);
	assert_int_equal(d->n_signatories, 15);
	for (k = 0; k < 15; k++) {
		assert_string_equal(d->signatories[k].name, want[k][0]);
		assert_string_equal(d->signatories[k].country, want[k][1]);
	}
}

static void example_file(void **state)
{
	struct statement_doc d;
	struct err err;
	size_t len;
	char *text = slurp(EXAMPLE, &len);

	(void)state;
	assert_int_equal(import_parse(text, len, &d, &err), 0);
	check_example(&d);
	statement_doc_release(&d);
	free(text);
}

/* The same file with a BOM, CRLF line ends, and no NUL after the last byte. */
static void example_crlf_bom(void **state)
{
	struct statement_doc d;
	struct err err;
	struct buf b;
	size_t len, k;
	char *text = slurp(EXAMPLE, &len), *crlf;

	(void)state;
	buf_init(&b, 2 * LIMIT_STATEMENT_FILE_BYTES);
	assert_int_equal(buf_addstr(&b, "\xEF\xBB\xBF"), 0);
	for (k = 0; k < len; k++)
		assert_int_equal(text[k] == '\n' ? buf_add(&b, "\r\n", 2)
						  : buf_addch(&b, text[k]),
				 0);
	len = b.len;
	crlf = xmalloc(len);
	memcpy(crlf, b.data, len); /* exactly len bytes: the parser must not read past them */
	buf_release(&b);
	assert_int_equal(import_parse(crlf, len, &d, &err), 0);
	check_example(&d);
	assert_null(strchr(d.content_html, '\r'));
	statement_doc_release(&d);
	free(crlf);
	free(text);
}

static void markdown_inline(void **state)
{
	struct statement_doc d;

	(void)state;
	parse_ok("Title\n\n"
		 "Some *em*, _em too_, **strong** and __strong too__, snake_case_name.\n"
		 "A [link](https://example.org/a?b=1&c='2') and [no link](#), "
		 "[bad](javascript:alert(1)), [mail](mailto:a@b.org).\n"
		 "Escapes: \\*not em\\*, \\[not a link\\](x), 2 * 3 * 4.\n"
		 "<script>alert('x')</script> & more\n"
		 "See https://example.org/x_(y). Or <https://example.net/>.\n"
		 "Hard  \n"
		 "break and\\\n"
		 "another.\n",
		 &d);
	assert_string_equal(
		d.content_html,
		"<p>Some <em>em</em>, <em>em too</em>, <strong>strong</strong> and "
		"<strong>strong too</strong>, snake_case_name. "
		"A <a href=\"https://example.org/a?b=1&amp;c=&#39;2&#39;\" "
		"rel=\"nofollow noopener noreferrer\">link</a> and no link, bad, mail. "
		"Escapes: *not em*, [not a link](x), 2 * 3 * 4. "
		"&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more "
		"See <a href=\"https://example.org/x_(y)\" rel=\"nofollow noopener noreferrer\">"
		"https://example.org/x_(y)</a>. Or <a href=\"https://example.net/\" "
		"rel=\"nofollow noopener noreferrer\">https://example.net/</a>. "
		"Hard<br>break and<br>another.</p>");
	assert_string_equal(d.summary,
			    "Some em, em too, strong and strong too, snake_case_name. A link and "
			    "no link, bad, mail. Escapes: *not em*, [not a link](x), 2 * 3 * 4. "
			    "<script>alert('x')</script> & more See https://example.org/x_(y). Or "
			    "https://example.net/. Hard break and another.");
	assert_null(strstr(d.content_html, "<script"));
	assert_null(strstr(d.content_html, "javascript:"));
	assert_null(strstr(d.content_html, "mailto:"));
	statement_doc_release(&d);
}

static void markdown_blocks(void **state)
{
	struct statement_doc d;

	(void)state;
	parse_ok("# A *title*\n\n"
		 "First paragraph\nsecond line.\n\n"
		 "## Our demands ##\n\n"
		 "- one\n* two\n  wrapped\n\n- three\n\n"
		 "3. third\n4) fourth\n\n"
		 "> quoted **words**\n> more\n>\n> second quote paragraph\n\n"
		 "---\n\n"
		 "1. a\n\n2. b\n\n   indented paragraph of b\n"
		 "Last paragraph.\n",
		 &d);
	assert_string_equal(d.title, "A title");
	assert_string_equal(d.dateline, "");
	assert_string_equal(
		d.content_html,
		"<p>First paragraph second line.</p>"
		"<p><strong>Our demands</strong></p>"
		"<ul><li>one</li><li>two wrapped</li><li>three</li></ul>"
		"<ol start=\"3\"><li>third</li><li>fourth</li></ol>"
		"<blockquote><p>quoted <strong>words</strong> more</p>"
		"<p>second quote paragraph</p></blockquote>"
		"<ol><li>a</li><li>b<br><br>indented paragraph of b Last paragraph.</li></ol>");
	assert_string_equal(d.summary, "First paragraph second line.");
	assert_int_equal(d.n_signatories, 0);
	assert_null(d.signatories);
	statement_doc_release(&d);

	/* Only tags Mastodon keeps in a Note. */
	parse_ok("T\n\n<b>x</b> <img src=x> <h1>y</h1>\n", &d);
	assert_string_equal(d.content_html,
			    "<p>&lt;b&gt;x&lt;/b&gt; &lt;img src=x&gt; &lt;h1&gt;y&lt;/h1&gt;</p>");
	statement_doc_release(&d);
}

static void dateline_and_language(void **state)
{
	struct statement_doc d;
	struct err err;

	(void)state;
	/* A line under the title that is no dateline is the first paragraph. */
	parse_ok("Title\n\nOn 23 January 2019 a coup began.\n\nMore.\n", &d);
	assert_string_equal(d.dateline, "");
	assert_string_equal(d.summary, "On 23 January 2019 a coup began.");
	statement_doc_release(&d);

	/* A dateline right under the title, without a blank line. */
	parse_ok("Title\n2019-01-25, by [Us](https://us.example)\n\nText.\n", &d);
	assert_string_equal(d.dateline, "2019-01-25, by Us");
	assert_string_equal(d.content_html, "<p>Text.</p>");
	statement_doc_release(&d);

	/* A date-like single paragraph stays the text: there is nothing else. */
	parse_ok("Title\n\nJanuary 2019 was cold.\n", &d);
	assert_string_equal(d.dateline, "");
	assert_string_equal(d.content_html, "<p>January 2019 was cold.</p>");
	statement_doc_release(&d);

	parse_ok("\n\nLanguage: pt_br\n\nT\u00edtulo\n\nTexto.\n", &d);
	assert_string_equal(d.lang, "pt-BR");
	assert_string_equal(d.title, "T\u00edtulo");
	statement_doc_release(&d);

	parse_ok("lang : ZH-hant-tw\nT\n\nx\n", &d);
	assert_string_equal(d.lang, "zh-Hant-TW");
	statement_doc_release(&d);

	parse_ok("Language: es-419\nT\n\nx\n", &d);
	assert_string_equal(d.lang, "es-419");
	statement_doc_release(&d);

	/* "Language rights" is a title, not a Language line. */
	parse_ok("Language rights for all\n\nx\n", &d);
	assert_string_equal(d.lang, "en");
	assert_string_equal(d.title, "Language rights for all");
	statement_doc_release(&d);

	assert_int_equal(parse("Language: English\nT\n\nx\n", &d, &err), -ERR_INVALID);
	assert_non_null(strstr(err.msg, "line 1: \"English\" is not a language tag"));
	assert_int_equal(parse("Language: e\nT\n\nx\n", &d, &err), -ERR_INVALID);
	assert_int_equal(parse("Language: en-\nT\n\nx\n", &d, &err), -ERR_INVALID);
	assert_int_equal(parse("Language: en-US-GB\nT\n\nx\n", &d, &err), -ERR_INVALID);
	assert_int_equal(parse("Language: abcd1\nT\n\nx\n", &d, &err), -ERR_INVALID);
}

static void signup_paragraphs_dropped(void **state)
{
	struct statement_doc d;

	(void)state;
	parse_ok("T\n\n"
		 "To sign, write to coalition@example.org.\n\n"
		 "We demand peace.\n\n"
		 "Press: press@example.org (for journalists).\n\n"
		 "For more, contact\ninfo@example.org\n\n"
		 "Sign the statement on our website.\n\n"
		 "Please e-mail us: x@example.org\n\n"
		 "- sign at list@example.org\n\n"
		 "Signatories:\n\n"
		 "- Alpha, Chile\n"
		 "- Beta\n\n"
		 "Thanks to all. More names soon.\n\n"
		 "Second trailing paragraph.\n",
		 &d);
	assert_string_equal(d.content_html,
			    "<p>We demand peace.</p>"
			    "<p>Press: press@example.org (for journalists).</p>"
			    "<p>Sign the statement on our website.</p>"
			    "<ul><li>sign at list@example.org</li></ul>");
	assert_string_equal(d.summary, "We demand peace.");
	assert_int_equal(d.n_dropped, 5); /* 3 sign-up paragraphs, 2 after the list */
	assert_int_equal(d.n_signatories, 2);
	assert_string_equal(d.signatories[0].name, "Alpha");
	assert_string_equal(d.signatories[0].country, "Chile");
	assert_string_equal(d.signatories[1].name, "Beta");
	assert_string_equal(d.signatories[1].country, "");
	statement_doc_release(&d);

	/* No signatories yet: the sign-up line after "Signed by" goes, the list is empty. */
	parse_ok("T\n\nText.\n\nSigned by:\n\nIf you want to be included, e-mail us at a@b.org\n",
		 &d);
	assert_int_equal(d.n_signatories, 0);
	assert_int_equal(d.n_dropped, 1);
	assert_string_equal(d.content_html, "<p>Text.</p>");
	statement_doc_release(&d);
}

static void signatory_lists(void **state)
{
	struct statement_doc d;

	(void)state;
	parse_ok("T\n\nText.\n\n**Signed:**\n"
		 "1) First Union, Sri Lanka\n"
		 "   (continued name), Nepal\n"
		 "2. [Linked Org](https://linked.example), \xC3\x96sterreich\n"
		 "\xE2\x80\xA2 Bullet Org, Democratic Republic of the Congo;\n"
		 "* Star Org\\*, Peru\n"
		 "- Acme, Inc.\n"
		 "- Org (A), Sub (B)\n"
		 "- Union of Tea, Coffee and Sugar Workers, Kenya\n"
		 "- Some Org, lowercase place\n"
		 "- Some Org, Region 5\n"
		 "- \xE2\x80\x9CQuoted\xE2\x80\x9D Org, \xE2\x80\x9CNowhere\xE2\x80\x9D\n"
		 "- Org , Chile\n",
		 &d);
	assert_int_equal(d.n_signatories, 11);
	assert_string_equal(d.signatories[0].name, "First Union, Sri Lanka (continued name)");
	assert_string_equal(d.signatories[0].country, "Nepal");
	assert_string_equal(d.signatories[1].name, "Linked Org");
	assert_string_equal(d.signatories[1].country, "\xC3\x96sterreich");
	assert_string_equal(d.signatories[2].name, "Bullet Org");
	assert_string_equal(d.signatories[2].country, "Democratic Republic of the Congo");
	assert_string_equal(d.signatories[3].name, "Star Org*");
	assert_string_equal(d.signatories[3].country, "Peru");
	assert_string_equal(d.signatories[4].name, "Acme, Inc.");
	assert_string_equal(d.signatories[4].country, "");
	assert_string_equal(d.signatories[5].name, "Org (A), Sub (B)");
	assert_string_equal(d.signatories[5].country, "");
	assert_string_equal(d.signatories[6].name, "Union of Tea, Coffee and Sugar Workers");
	assert_string_equal(d.signatories[6].country, "Kenya");
	assert_string_equal(d.signatories[7].name, "Some Org, lowercase place");
	assert_string_equal(d.signatories[7].country, "");
	assert_string_equal(d.signatories[8].name, "Some Org, Region 5");
	assert_string_equal(d.signatories[8].country, "");
	assert_string_equal(d.signatories[9].name,
			    "\xE2\x80\x9CQuoted\xE2\x80\x9D Org, \xE2\x80\x9CNowhere\xE2\x80\x9D");
	assert_string_equal(d.signatories[9].country, "");
	assert_string_equal(d.signatories[10].name, "Org");
	assert_string_equal(d.signatories[10].country, "Chile");
	statement_doc_release(&d);

	/* "Signed" inside a sentence is no heading; "Signatories" alone is. */
	parse_ok("T\n\nWe signed it.\n\n## Signatories\n\n1. A, Chile\n\nSigned:\n1. B\n", &d);
	assert_string_equal(d.content_html, "<p>We signed it.</p>");
	assert_int_equal(d.n_signatories, 2);
	assert_string_equal(d.signatories[1].name, "B");
	statement_doc_release(&d);
}

/* A literal's bytes, NULs included. */
#define LIT(s) s, sizeof(s) - 1

static void rejections(void **state)
{
	char *big;
	struct buf b;
	int k;

	(void)state;
	parse_fails(LIT(""), ERR_INVALID, "empty file");
	parse_fails(NULL, 0, ERR_INVALID, "empty file");
	parse_fails(LIT("\n \r\n\t\n"), ERR_INVALID, "empty file");
	parse_fails(LIT("Language: en\n\n"), ERR_INVALID, "no title");
	parse_fails(LIT("Just a title\n\n"), ERR_INVALID, "no text");
	parse_fails(LIT("Title\n\nSigned by,\n1. A, Chile\n"), ERR_INVALID, "no text");
	parse_fails(LIT("Title\n\nE-mail us to sign: a@b.org\n"), ERR_INVALID, "no text");
	parse_fails(LIT("Title\n\nx\0y\n"), ERR_INVALID, "binary");
	parse_fails(LIT("Title\n\ncaf\xE9\n"), ERR_INVALID,
		    "not UTF-8: invalid byte 0xE9 at line 3");
	parse_fails(LIT("T\n\n\xC0\xAF\n"), ERR_INVALID, "not UTF-8"); /* overlong */
	parse_fails(LIT("T\n\n\xED\xA0\x80\n"), ERR_INVALID, "not UTF-8"); /* surrogate */
	parse_fails(LIT("T\n\n\xF4\x90\x80\x80\n"), ERR_INVALID, "not UTF-8"); /* past U+10FFFF */
	parse_fails(LIT("T\n\n\xE2\x80"), ERR_INVALID, "not UTF-8"); /* cut short */
	parse_fails(LIT("T\r\n\r\nx\x1b[0m\n"), ERR_INVALID, "control character 0x1B at line 3");
	parse_fails(LIT("<!DOCTYPE html>\n<p>x</p>"), ERR_INVALID, "not a statement: an HTML file");
	parse_fails(LIT("\xEF\xBB\xBF\n  <HTML lang=en>"), ERR_INVALID, "HTML");

	big = xmalloc(LIMIT_STATEMENT_FILE_BYTES + 1);
	memset(big, 'a', LIMIT_STATEMENT_FILE_BYTES + 1);
	parse_fails(big, LIMIT_STATEMENT_FILE_BYTES + 1, ERR_TOOBIG, "file too big");
	free(big);

	buf_init(&b, 4096);
	for (k = 0; k < 520; k++)
		buf_addch(&b, 'x');
	buf_addstr(&b, "\n\nText.\n");
	parse_fails(b.data, b.len, ERR_TOOBIG, "line 1: the title is 520 bytes, more than 512");
	buf_release(&b);

	parse_fails(LIT("T\n\nText.\n\nSigned by,\n\n1. A, Chile\nSee also our friends\n"
			"2. B, Peru\n"),
		    ERR_INVALID,
		    "line 8: \"See also our friends\" is not a numbered signatory");
	parse_fails(LIT("T\n\nText.\n\nSigned by,\n(alphabetical)\n\n- A\n"), ERR_INVALID,
		    "line 6:");
	parse_fails(LIT("T\n\nText.\n\nSigned by,\n1.\n2. B\n"), ERR_INVALID,
		    "line 6: a signatory without a name");
}

/* Inputs that would be slow or deep with a naive parser finish, and stay well-formed. */
static void pathological(void **state)
{
	static const char *const units[] = {
		"*a ", "**x", "[", "[a](", "_a ", "*[a](b)", "<http://",
	};
	struct statement_doc d;
	struct err err;
	struct buf b;
	size_t k, u;

	(void)state;
	for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
		buf_init(&b, LIMIT_STATEMENT_FILE_BYTES);
		buf_addstr(&b, "T\n\n");
		for (k = 0; b.len + 16 < LIMIT_STATEMENT_FILE_BYTES / 16; k++)
			buf_addstr(&b, units[u]);
		if (import_parse(b.data, b.len, &d, &err))
			fail_msg("unit %zu: %s", u, err.msg);
		assert_int_equal(count(d.content_html, "<p>"), 1);
		assert_int_equal(count(d.content_html, "<em>"), count(d.content_html, "</em>"));
		assert_int_equal(count(d.content_html, "<a "), count(d.content_html, "</a>"));
		statement_doc_release(&d);
		buf_release(&b);
	}

	/* emphasis nests; many openers and closers stay balanced */
	parse_ok("T\n\n*a **b _c __d__ c_ b** a*\n", &d);
	assert_string_equal(d.content_html, "<p><em>a <strong>b <em>c <strong>d</strong> c</em> "
					    "b</strong> a</em></p>");
	statement_doc_release(&d);
	buf_init(&b, 65536);
	buf_addstr(&b, "T\n\n");
	for (k = 0; k < 1000; k++)
		buf_addstr(&b, "*a **b _c __d ");
	for (k = 0; k < 1000; k++)
		buf_addstr(&b, "x__ y_ z** w* ");
	assert_int_equal(import_parse(b.data, b.len, &d, &err), 0);
	assert_int_equal(count(d.content_html, "<strong>"), count(d.content_html, "</strong>"));
	assert_int_equal(count(d.content_html, "<em>"), count(d.content_html, "</em>"));
	statement_doc_release(&d);
	buf_release(&b);

	/* text whose HTML passes the limit is refused */
	buf_init(&b, LIMIT_STATEMENT_FILE_BYTES);
	buf_addstr(&b, "T\n\n");
	while (b.len + 1 < LIMIT_STATEMENT_FILE_BYTES / 2)
		buf_addch(&b, '"');
	parse_fails(b.data, b.len, ERR_TOOBIG, "the text is too long");
	buf_release(&b);
}

static void release_is_safe(void **state)
{
	struct statement_doc d;

	(void)state;
	statement_doc_release(NULL);
	parse_ok("T\n\nx\n", &d);
	statement_doc_release(&d);
	statement_doc_release(&d);
	assert_null(d.title);
	assert_int_equal(d.n_signatories, 0);
}

/* A file with the text in several languages: each version after the first starts with a Language line. */
static void translations_in_one_file(void **state)
{
	struct statement_doc d;

	(void)state;
	parse_ok("Language: en\n\nHands off\n\nFriday 25 January 2019, by us\n\nWe *condemn* it.\n\n"
		 "Signed by,\n\n1. Party A, Malaysia\n2. Union B\n\n"
		 "Language: es\n\nManos fuera\n\nViernes 25 de enero de 2019\n\nCondenamos *esto*.\n\n"
		 "Firmado por:\n\n"
		 "Language: pt_br\n\nTira a m\xc3\xa3o\n\nCondenamos.\n\n"
		 "Signed by\n\n1. Ignored Org, Nowhere\n",
		 &d);
	assert_string_equal(d.lang, "en");
	assert_true(d.lang_given);
	assert_string_equal(d.title, "Hands off");
	assert_string_equal(d.dateline, "Friday 25 January 2019, by us");
	assert_string_equal(d.content_html, "<p>We <em>condemn</em> it.</p>");
	/* the first list is the statement's; the later one is ignored, and said so */
	assert_int_equal(d.n_signatories, 2);
	assert_string_equal(d.signatories[0].name, "Party A");
	assert_string_equal(d.signatories[1].name, "Union B");
	assert_int_equal(d.n_lists_ignored, 1);
	assert_int_equal(d.n_translations, 2);
	assert_string_equal(d.translations[0].lang, "es");
	assert_string_equal(d.translations[0].title, "Manos fuera");
	/* "Viernes" is no English weekday: that line is the first paragraph */
	assert_string_equal(d.translations[0].dateline, "");
	/* "Firmado por:" is not a signatories heading: it stays text */
	assert_non_null(strstr(d.translations[0].content_html, "<p>Condenamos <em>esto</em>.</p>"));
	assert_string_equal(d.translations[1].lang, "pt-BR");
	assert_string_equal(d.translations[1].title, "Tira a m\xc3\xa3o");
	assert_string_equal(d.translations[1].content_html, "<p>Condenamos.</p>");
	assert_string_equal(d.translations[1].summary, "Condenamos.");
	statement_doc_release(&d);
	assert_null(d.translations);

	/* the list may come last, under the last version: it is still the statement's */
	parse_ok("Title\n\nText.\n\nLanguage: fr\nTitre\n\nTexte.\n\nSignatories:\n\n"
		 "1. Org A, France\n", &d);
	assert_false(d.lang_given);
	assert_string_equal(d.lang, "en");
	assert_int_equal(d.n_translations, 1);
	assert_string_equal(d.translations[0].title, "Titre");
	assert_int_equal(d.n_signatories, 1);
	assert_string_equal(d.signatories[0].name, "Org A");
	assert_int_equal(d.n_lists_ignored, 0);
	statement_doc_release(&d);
}

/* Files of one language read as before: a Language line in the text is text unless it starts a version. */
static void translations_leave_single_files_alone(void **state)
{
	struct statement_doc d;

	(void)state;
	/* no blank line before it: part of the paragraph */
	parse_ok("T\n\nThe text.\nLanguage: es\n\nMore.\n", &d);
	assert_int_equal(d.n_translations, 0);
	assert_non_null(strstr(d.content_html, "Language: es"));
	statement_doc_release(&d);
	/* a word, not a tag: text, as it always was */
	parse_ok("T\n\nThe text.\n\nLanguage: English\n\nMore.\n", &d);
	assert_int_equal(d.n_translations, 0);
	assert_non_null(strstr(d.content_html, "<p>Language: English</p>"));
	statement_doc_release(&d);
	parse_ok("T\n\nThe text.\n\nLanguage: the words we use matter\n", &d);
	assert_int_equal(d.n_translations, 0);
	statement_doc_release(&d);
}

static void translations_refused(void **state)
{
	(void)state;
	parse_fails(LIT("Language: en\n\nT\n\nx\n\nLanguage: xx\n\nT2\n\ny\n"), ERR_INVALID,
		    "line 7: unknown language \"xx\"");
	parse_fails(LIT("T\n\nx\n\nLanguage: spa\n\nT2\n\ny\n"), ERR_INVALID,
		    "write the 2-letter code \"es\"");
	parse_fails(LIT("T\n\nx\n\nLanguage: es-\n\nT2\n\ny\n"), ERR_INVALID,
		    "line 5: \"es-\" is not a language tag");
	parse_fails(LIT("Language: en\n\nT\n\nx\n\nLanguage: EN\n\nT2\n\ny\n"), ERR_INVALID,
		    "line 7: a second version in \"en\"");
	parse_fails(LIT("T\n\nx\n\nLanguage: es\n\nT2\n\ny\n\nLanguage: es\n\nT3\n\nz\n"),
		    ERR_INVALID, "line 11: a second version in \"es\"");
	parse_fails(LIT("T\n\nx\n\nLanguage: es\n\n"), ERR_INVALID,
		    "line 5: no title after this Language line");
	parse_fails(LIT("T\n\nx\n\nLanguage: es\n\nT2\n\nSigned by\n"), ERR_INVALID,
		    "no text");
	parse_fails(LIT("Language: zz\n\nT\n\nx\n"), ERR_INVALID, "line 1: unknown language");
}

static void translations_bounded(void **state)
{
	struct buf b;
	struct statement_doc d;
	struct err err;
	static const char *const tags[] = {
		"en", "es", "fr", "de", "it", "pt", "nl", "sv", "da", "fi", "pl", "cs", "sk",
		"sl", "hr", "sr", "bg", "ro", "hu", "el", "tr", "ar", "he", "fa", "hi", "bn",
		"ta", "te", "ml", "th", "vi", "id", "ms", "tl", "zh", "ja", "ko",
	};

	(void)state;
	buf_init(&b, LIMIT_STATEMENT_FILE_BYTES);
	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		buf_printf(&b, "Language: %s\n\nTitle %zu\n\nText %zu.\n\n", tags[i], i, i);
	err_clear(&err);
	assert_int_equal(import_parse(b.data, b.len, &d, &err), -ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "more than 32 languages"));
	assert_null(d.translations);
	buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(example_file),
		cmocka_unit_test(example_crlf_bom),
		cmocka_unit_test(markdown_inline),
		cmocka_unit_test(markdown_blocks),
		cmocka_unit_test(dateline_and_language),
		cmocka_unit_test(signup_paragraphs_dropped),
		cmocka_unit_test(signatory_lists),
		cmocka_unit_test(rejections),
		cmocka_unit_test(pathological),
		cmocka_unit_test(release_is_safe),
		cmocka_unit_test(translations_in_one_file),
		cmocka_unit_test(translations_leave_single_files_alone),
		cmocka_unit_test(translations_refused),
		cmocka_unit_test(translations_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
