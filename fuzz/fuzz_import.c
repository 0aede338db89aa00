/*
 * Fuzz target: the statement file importer (import_parse). The file comes
 * from a coordinator, but is often pasted from a web page someone else
 * wrote, and its HTML goes out in the post to every follower's server.
 *
 * Invariants of a parsed statement: every string is valid UTF-8 without
 * control characters (the HTML may hold newlines); the title and each
 * signatory's name are not empty; the language is a tag of letters, digits
 * and '-'; and content_html is made only of <p> <br> <a href="http(s)://..."
 * rel="nofollow noopener noreferrer"> <strong> <em> <ul> <ol> (start="N")
 * <li> <blockquote>, properly nested and balanced, with every '&' an entity
 * we write and no stray '>' in the text.
 */
#include <string.h>

#include "fuzz/fuzz.h"
#include "server/import.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/str.h"
#include "util/utf8.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	return 0;
}

static void check_text(const char *what, const char *s, bool newlines)
{
	FUZZ_CHECK(s != NULL, "%s is NULL", what);
	FUZZ_CHECK(utf8_valid(s), "%s is not UTF-8", what);
	for (const char *p = s; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= ' ' || (newlines && *p == '\n'),
			   "%s holds control byte 0x%02x", what, (unsigned char)*p);
}

enum tag { T_P, T_BR, T_A, T_STRONG, T_EM, T_UL, T_OL, T_LI, T_BLOCKQUOTE, T_N };

static const char *const tag_names[T_N] = { "p",  "br", "a",  "strong",	   "em",
					    "ul", "ol", "li", "blockquote" };

static bool is_block(enum tag t)
{
	return t == T_P || t == T_UL || t == T_OL || t == T_LI || t == T_BLOCKQUOTE;
}

/* The opening tag at s (after '<', up to the '>' at end): which, or T_N when not allowed. */
static enum tag open_tag(const char *s, size_t len)
{
	static const char a_pre[] = "a href=\"";
	static const char a_post[] = "\" rel=\"nofollow noopener noreferrer\"";
	static const char ol_pre[] = "ol start=\"";

	for (int t = 0; t < T_N; t++)
		if (strlen(tag_names[t]) == len && memcmp(s, tag_names[t], len) == 0)
			return (enum tag)t;
	if (len > strlen(ol_pre) + 1 && memcmp(s, ol_pre, strlen(ol_pre)) == 0 &&
	    s[len - 1] == '"') {
		for (size_t i = strlen(ol_pre); i < len - 1; i++)
			if (!(s[i] >= '0' && s[i] <= '9'))
				return T_N;
		return T_OL;
	}
	if (len > strlen(a_pre) + strlen(a_post) && memcmp(s, a_pre, strlen(a_pre)) == 0 &&
	    memcmp(s + len - strlen(a_post), a_post, strlen(a_post)) == 0) {
		const char *href = s + strlen(a_pre);
		size_t hlen = len - strlen(a_pre) - strlen(a_post);

		if (!((hlen > 7 && memcmp(href, "http://", 7) == 0) ||
		      (hlen > 8 && memcmp(href, "https://", 8) == 0)))
			return T_N;
		for (size_t i = 0; i < hlen; i++)
			if (href[i] == '"' || href[i] == '<' || href[i] == '>' ||
			    (unsigned char)href[i] <= ' ')
				return T_N;
		return T_A;
	}
	return T_N;
}

/* The entities our HTML escaping writes. */
static size_t entity_len(const char *s)
{
	static const char *const ents[] = { "&amp;", "&lt;", "&gt;", "&quot;", "&#39;" };

	for (size_t i = 0; i < sizeof(ents) / sizeof(ents[0]); i++)
		if (str_starts(s, ents[i]))
			return strlen(ents[i]);
	return 0;
}

static void check_html(const char *html)
{
	enum tag stack[64 + LIMIT_MARKDOWN_DEPTH * 2];
	size_t depth = 0;
	const char *p = html;

	check_text("content_html", html, true);
	while (*p) {
		if (*p == '&') {
			size_t n = entity_len(p);

			FUZZ_CHECK(n > 0, "bare '&' at offset %zu of %s", (size_t)(p - html), html);
			p += n;
			continue;
		}
		FUZZ_CHECK(*p != '>', "stray '>' at offset %zu of %s", (size_t)(p - html), html);
		if (*p != '<') {
			p++;
			continue;
		}
		{
			const char *end = strchr(p, '>');
			bool closing = p[1] == '/';
			const char *name = p + 1 + closing;
			enum tag t;

			FUZZ_CHECK(end != NULL, "unterminated tag in %s", html);
			t = open_tag(name, (size_t)(end - name));
			FUZZ_CHECK(t != T_N, "tag <%.*s> not allowed in %s", (int)(end - p - 1),
				   p + 1, html);
			if (closing) {
				FUZZ_CHECK(t != T_BR && end - name == (long)strlen(tag_names[t]),
					   "bad closing tag in %s", html);
				FUZZ_CHECK(depth > 0 && stack[depth - 1] == t,
					   "</%s> closes %s in %s", tag_names[t],
					   depth ? tag_names[stack[depth - 1]] : "nothing", html);
				depth--;
			} else if (t != T_BR) {
				for (size_t i = 0; i < depth; i++) {
					FUZZ_CHECK(!(t == T_A && stack[i] == T_A), "<a> in <a>: %s",
						   html);
					FUZZ_CHECK(!(is_block(t) &&
						     (stack[i] == T_P || stack[i] == T_A ||
						      stack[i] == T_STRONG || stack[i] == T_EM)),
						   "<%s> inside <%s>: %s", tag_names[t],
						   tag_names[stack[i]], html);
				}
				FUZZ_CHECK(t != T_LI || (depth > 0 && (stack[depth - 1] == T_UL ||
								       stack[depth - 1] == T_OL)),
					   "<li> outside a list: %s", html);
				FUZZ_CHECK(depth < sizeof(stack) / sizeof(stack[0]),
					   "nesting too deep");
				stack[depth++] = t;
			}
			p = end + 1;
		}
	}
	FUZZ_CHECK(depth == 0, "%zu tags left open (<%s>) in %s", depth,
		   depth ? tag_names[stack[depth - 1]] : "", html);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_dup(data, size);
	struct statement_doc doc;
	struct err err;

	if (import_parse(text, size, &doc, &err) == 0) {
		check_text("title", doc.title, false);
		FUZZ_CHECK(doc.title[0], "empty title");
		FUZZ_CHECK(strlen(doc.title) <= LIMIT_TITLE_BYTES, "title of %zu bytes",
			   strlen(doc.title));
		check_text("dateline", doc.dateline, false);
		check_text("summary", doc.summary, false);
		check_text("lang", doc.lang, false);
		FUZZ_CHECK(doc.lang[0] &&
			       strspn(doc.lang,
				      "abcdefghijklmnopqrstuvwxyz"
				      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") == strlen(doc.lang),
			   "language tag '%s'", doc.lang);
		check_html(doc.content_html);
		FUZZ_CHECK(strlen(doc.content_html) <= LIMIT_STATEMENT_HTML_BYTES, "HTML too long");
		FUZZ_CHECK(doc.n_signatories == 0 || doc.signatories, "signatories missing");
		for (size_t i = 0; i < doc.n_signatories; i++) {
			check_text("signatory", doc.signatories[i].name, false);
			check_text("country", doc.signatories[i].country, false);
			FUZZ_CHECK(doc.signatories[i].name[0], "empty signatory name");
		}
		statement_doc_release(&doc);
		statement_doc_release(&doc);
	} else {
		FUZZ_CHECK(doc.title == NULL && doc.content_html == NULL && doc.n_signatories == 0,
			   "import failed but left a doc");
	}
	free(text);
	return 0;
}
