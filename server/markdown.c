/*
 * The Markdown subset of statement files, rendered: inline spans to HTML or
 * plain text (struct md, md_span), then blocks to HTML a line at a time
 * (struct md_blocks). Only the tags of markdown.h come out, every text is
 * escaped, and each scan stays linear in its input however hostile.
 */
#include "server/markdown.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

/* ---- characters and lines ---- */

bool md_istarts(const char *s, size_t n, const char *w)
{
	size_t k, m = strlen(w);

	if (n < m)
		return false;
	for (k = 0; k < m; k++)
		if (md_lower(s[k]) != md_lower(w[k]))
			return false;
	return true;
}

struct md_line md_line_trim(struct md_line l)
{
	while (l.len && md_is_space(l.s[0])) {
		l.s++;
		l.len--;
	}
	while (l.len && md_is_space(l.s[l.len - 1]))
		l.len--;
	return l;
}

bool md_line_blank(struct md_line l)
{
	return md_line_trim(l).len == 0;
}

size_t md_line_indent(struct md_line l)
{
	size_t k = 0;

	while (k < l.len && md_is_space(l.s[k]))
		k++;
	return k;
}

bool md_is_rule_of(struct md_line t, char c)
{
	size_t k, count = 0;

	for (k = 0; k < t.len; k++) {
		if (t.s[k] == c)
			count++;
		else if (!md_is_space(t.s[k]))
			return false;
	}
	return count >= 3;
}

bool md_is_rule(struct md_line t)
{
	return t.len && (md_is_rule_of(t, '-') || md_is_rule_of(t, '*') || md_is_rule_of(t, '_'));
}

enum md_marker md_list_marker(struct md_line t, struct md_line *content, long *num)
{
	enum md_marker mk = MD_MK_NONE;
	size_t k = 0;

	*num = 0;
	while (k < t.len && k < 9 && md_is_digit(t.s[k])) {
		*num = *num * 10 + (t.s[k] - '0');
		k++;
	}
	if (k > 0 && k < t.len && (t.s[k] == '.' || t.s[k] == ')')) {
		k++;
		mk = MD_MK_NUMBER;
	} else if (k == 0 && t.len && (t.s[0] == '-' || t.s[0] == '*' || t.s[0] == '+')) {
		k = 1;
		mk = MD_MK_BULLET;
	} else if (k == 0 && md_istarts(t.s, t.len, "\xE2\x80\xA2")) {
		k = 3;
		mk = MD_MK_BULLET;
	} else {
		return MD_MK_NONE;
	}
	if (k < t.len && !md_is_space(t.s[k]))
		return MD_MK_NONE;
	content->s = t.s + k;
	content->len = t.len - k;
	content->no = t.no;
	while (content->len && md_is_space(content->s[0])) {
		content->s++;
		content->len--;
	}
	return mk;
}

/* ---- inline Markdown: to HTML, or to plain text ---- */

struct md {
	struct buf *out;
	struct buf text; /* plain text waiting to be written (escaped when html) */
	bool html;
	bool failed;     /* a buffer passed its limit */
};

static void md_flush(struct md *m)
{
	int rc;

	if (m->failed || m->text.len == 0)
		return;
	rc = m->html ? buf_add_html(m->out, buf_str(&m->text))
		     : buf_add(m->out, m->text.data, m->text.len);
	if (rc)
		m->failed = true;
	buf_reset(&m->text);
}

static void md_text(struct md *m, const char *s, size_t n)
{
	if (!m->failed && buf_add(&m->text, s, n))
		m->failed = true;
}

/* A tag (HTML only; plain text has none). */
static void md_tag(struct md *m, const char *tag)
{
	if (!m->html)
		return;
	md_flush(m);
	if (!m->failed && buf_addstr(m->out, tag))
		m->failed = true;
}

static void md_break(struct md *m)
{
	if (m->html)
		md_tag(m, "<br>");
	else
		md_text(m, " ", 1);
}

/* Only web links become <a>: "#", mailto: and javascript: keep only their text. */
static bool url_is_web(const char *u)
{
	size_t k;

	if (str_istarts(u, "https://"))
		k = 8;
	else if (str_istarts(u, "http://"))
		k = 7;
	else
		return false;
	if (!md_is_wordch(u[k]))
		return false;
	for (; u[k]; k++)
		if ((unsigned char)u[k] <= ' ' || u[k] == '<' || u[k] == '>' || u[k] == '"')
			return false;
	return true;
}

/* <a href="..."> for a web URL, its scheme lowercased ("HTTPS://x" is "https://x"). */
static void md_link_open(struct md *m, const char *href)
{
	char *h = xstrdup(href);
	size_t k;

	for (k = 0; h[k] && h[k] != ':'; k++)
		h[k] = md_lower(h[k]);
	md_tag(m, "<a href=\"");
	if (!m->failed && buf_add_html(m->out, h))
		m->failed = true;
	md_tag(m, "\" rel=\"nofollow noopener noreferrer\">");
	free(h);
}

static void md_span(struct md *m, const char *s, size_t n, int depth, bool links);

/* [text](url "title") at s[0] == '['; returns the bytes used, 0 if it is no link. */
static size_t md_link(struct md *m, const char *s, size_t n, int depth)
{
	struct buf href;
	size_t k = 1, t_end, d0, d1, p;

	while (k < n && s[k] != ']') {
		if (s[k] == '[')
			return 0; /* no brackets inside link text: keeps the scan linear */
		if (s[k] == '\\' && k + 1 < n)
			k++;
		k++;
	}
	if (k + 1 >= n || s[k + 1] != '(')
		return 0;
	t_end = k;
	p = k + 2;
	while (p < n && md_is_space(s[p]))
		p++;
	if (p < n && s[p] == '<') {
		d0 = ++p;
		while (p < n && s[p] != '>' && s[p] != '<' && s[p] != '\n' &&
		       p - d0 <= LIMIT_URL_BYTES) {
			if (s[p] == '\\' && p + 1 < n)
				p++;
			p++;
		}
		if (p >= n || s[p] != '>')
			return 0;
		d1 = p++;
	} else {
		int par = 0;

		d0 = p;
		while (p < n && !md_is_space(s[p]) && p - d0 <= LIMIT_URL_BYTES) {
			if (s[p] == '\\' && p + 1 < n) {
				p += 2;
				continue;
			}
			if (s[p] == '(')
				par++;
			else if (s[p] == ')' && par-- == 0)
				break;
			p++;
		}
		d1 = p;
	}
	if (d1 - d0 > LIMIT_URL_BYTES)
		return 0;
	while (p < n && md_is_space(s[p]))
		p++;
	if (p < n && (s[p] == '"' || s[p] == '\'' || s[p] == '(')) {
		char close = s[p] == '(' ? ')' : s[p];
		size_t t0 = ++p;

		while (p < n && s[p] != close && p - t0 < LIMIT_URL_BYTES) {
			if (s[p] == '\\' && p + 1 < n)
				p++;
			p++;
		}
		if (p >= n || s[p] != close)
			return 0;
		p++;
		while (p < n && md_is_space(s[p]))
			p++;
	}
	if (p >= n || s[p] != ')')
		return 0;
	p++;

	buf_init(&href, LIMIT_URL_BYTES + 1);
	for (k = d0; k < d1; k++) {
		if (s[k] == '\\' && k + 1 < d1 && md_is_punct(s[k + 1]))
			k++;
		buf_addch(&href, s[k]); /* within the limit: d1 - d0 <= LIMIT_URL_BYTES */
	}
	if (m->html && url_is_web(buf_str(&href))) {
		md_link_open(m, buf_str(&href));
		if (t_end > 1)
			md_span(m, s + 1, t_end - 1, depth + 1, false);
		else
			md_text(m, href.data, href.len);
		md_tag(m, "</a>");
	} else {
		md_span(m, s + 1, t_end - 1, depth + 1, false);
	}
	buf_release(&href);
	return p;
}

/* Bytes of "http://" or "https://" at s, 0 when neither. */
static size_t web_scheme(const char *s, size_t n)
{
	if (md_istarts(s, n, "https://"))
		return 8;
	if (md_istarts(s, n, "http://"))
		return 7;
	return 0;
}

/* <https://...> at s[0] == '<'. */
static size_t md_autolink(struct md *m, const char *s, size_t n)
{
	size_t p = 1, sch = web_scheme(s + 1, n - 1);
	char *url;

	if (!sch)
		return 0;
	p += sch;
	while (p < n && s[p] != '>' && s[p] != '<' && !md_is_space(s[p]) && p < LIMIT_URL_BYTES)
		p++;
	if (p >= n || s[p] != '>' || p == 1 + sch)
		return 0;
	url = xstrndup(s + 1, p - 1);
	if (m->html && url_is_web(url)) {
		md_link_open(m, url);
		md_text(m, url, p - 1);
		md_tag(m, "</a>");
	} else {
		md_text(m, url, p - 1);
	}
	free(url);
	return p + 1;
}

/* Closing quotes and brackets that end a sentence, not a URL (UTF-8). */
static size_t trailing_closer(const char *s, size_t n)
{
	static const char *const closers[] = { "\xE2\x80\x9D", "\xE2\x80\x99", "\xC2\xBB" };
	size_t k;

	for (k = 0; k < sizeof(closers) / sizeof(closers[0]); k++) {
		size_t m = strlen(closers[k]);

		if (n >= m && memcmp(s + n - m, closers[k], m) == 0)
			return m;
	}
	return 0;
}

/* A bare http(s) URL in the text becomes a link (HTML only). */
static size_t md_bare_url(struct md *m, const char *s, size_t n)
{
	size_t sch = web_scheme(s, n), p, k;
	char *url;

	if (!sch)
		return 0;
	for (p = sch; p < n && p < LIMIT_URL_BYTES; p++) {
		char c = s[p];

		if (md_is_space(c) || c == '<' || c == '>' || c == '"' || c == '`' || c == '*' ||
		    c == '[' || c == ']' || c == '\\')
			break;
	}
	for (;;) {
		size_t cl = trailing_closer(s, p);
		int opens = 0, closes = 0;

		if (cl && p - cl >= sch) {
			p -= cl;
			continue;
		}
		if (p > sch && strchr(".,:;!?'_", s[p - 1])) {
			p--;
			continue;
		}
		if (p > sch && s[p - 1] == ')') {
			for (k = sch; k < p; k++) {
				opens += s[k] == '(';
				closes += s[k] == ')';
			}
			if (closes > opens) {
				p--;
				continue;
			}
		}
		break;
	}
	if (p == sch || !md_is_wordch(s[sch]))
		return 0;
	url = xstrndup(s, p);
	md_link_open(m, url);
	md_text(m, url, p);
	md_tag(m, "</a>");
	free(url);
	return p;
}

/*
 * *em* _em_ **strong** __strong__ at s[i]. An opener is followed by a
 * non-space, a closer preceded by one; '_' never opens or closes inside a
 * word (snake_case, e-mail addresses). nofind[kind] remembers a position
 * from which no closer exists, so a line of unmatched '*' stays linear.
 */
static size_t md_emph(struct md *m, const char *s, size_t n, size_t i, int depth, bool links,
		      size_t nofind[4])
{
	char c = s[i];
	size_t r = 0, j, k;
	int kind;

	while (i + r < n && s[i + r] == c)
		r++;
	if (r > 2 || depth >= LIMIT_MARKDOWN_DEPTH)
		return 0;
	if (i + r >= n || md_is_space(s[i + r]))
		return 0;
	if (c == '_' && i > 0 && md_is_wordch(s[i - 1]))
		return 0;
	kind = (c == '_' ? 2 : 0) + (int)(r - 1);
	if (i >= nofind[kind])
		return 0;
	for (j = i + r; j < n;) {
		if (s[j] == '\\') {
			j += 2;
			continue;
		}
		if (s[j] != c) {
			j++;
			continue;
		}
		for (k = 0; j + k < n && s[j + k] == c; k++)
			;
		if (k == r && !md_is_space(s[j - 1]) &&
		    (c != '_' || j + k >= n || !md_is_wordch(s[j + k])))
			break;
		j += k;
	}
	if (j >= n) {
		nofind[kind] = i;
		return 0;
	}
	md_tag(m, r == 2 ? "<strong>" : "<em>");
	md_span(m, s + i + r, j - i - r, depth + 1, links);
	md_tag(m, r == 2 ? "</strong>" : "</em>");
	return j + r - i;
}

/* Render s[0..n) (links: whether links may start here, i.e. not inside link text). */
static void md_span(struct md *m, const char *s, size_t n, int depth, bool links)
{
	size_t nofind[4] = { SIZE_MAX, SIZE_MAX, SIZE_MAX, SIZE_MAX };
	size_t i = 0, used;

	while (i < n && !m->failed) {
		char c = s[i];

		if (c == '\\' && i + 1 < n && (s[i + 1] == '\n' || md_is_punct(s[i + 1]))) {
			if (s[i + 1] == '\n')
				md_break(m);
			else
				md_text(m, s + i + 1, 1);
			i += 2;
			continue;
		}
		if (c == '\n' || c == '\t' || c == '\f') {
			md_text(m, " ", 1);
			i++;
			continue;
		}
		if (c == MD_HARD_BREAK) {
			md_break(m);
			i++;
			continue;
		}
		used = 0;
		if (c == '[' && links && depth < LIMIT_MARKDOWN_DEPTH)
			used = md_link(m, s + i, n - i, depth);
		else if (c == '<' && links)
			used = md_autolink(m, s + i, n - i);
		else if ((c == 'h' || c == 'H') && links && m->html &&
			 (i == 0 || !md_is_wordch(s[i - 1])))
			used = md_bare_url(m, s + i, n - i);
		else if (c == '*' || c == '_') {
			used = md_emph(m, s, n, i, depth, links, nofind);
			if (!used) {
				/* an unmatched run is literal, all of it */
				while (i + used < n && s[i + used] == c)
					used++;
				md_text(m, s + i, used);
			}
		}
		if (used) {
			i += used;
			continue;
		}
		md_text(m, s + i, 1);
		i++;
	}
}

bool md_render(struct buf *out, const char *s, size_t n, bool html)
{
	struct md m = { .out = out, .html = html };
	bool ok;

	buf_init(&m.text, LIMIT_STATEMENT_HTML_BYTES);
	md_span(&m, s, n, 0, true);
	md_flush(&m);
	ok = !m.failed;
	buf_release(&m.text);
	return ok;
}

char *md_plain(const char *s, size_t n)
{
	struct buf b;
	char *p, *q, *r;

	buf_init(&b, LIMIT_STATEMENT_HTML_BYTES);
	if (!md_render(&b, s, n, false))
		buf_release(&b); /* cannot happen: plain text is never longer than its source */
	p = buf_detach(&b);
	for (q = r = p; *r; r++) {
		if (md_is_space(*r)) {
			if (q > p && q[-1] != ' ')
				*q++ = ' ';
		} else {
			*q++ = *r;
		}
	}
	if (q > p && q[-1] == ' ')
		q--;
	*q = '\0';
	return p;
}

/* ---- the text: blocks of Markdown into HTML ---- */

static void body_add(struct md_blocks *b, const char *s)
{
	if (!b->failed && buf_addstr(&b->html, s))
		b->failed = true;
}

/* Collect a line of source (its right end untrimmed, to see a two-space hard break). */
static void raw_add(struct md_blocks *b, struct md_line l)
{
	size_t trailing = 0;
	struct md_line t = md_line_trim(l);

	while (trailing < l.len && l.s[l.len - 1 - trailing] == ' ')
		trailing++;
	/* raw holds at most the text itself: it cannot pass its limit */
	if (b->raw.len)
		buf_addch(&b->raw, b->brk ? MD_HARD_BREAK : '\n');
	buf_add(&b->raw, t.s, t.len);
	b->brk = trailing >= 2;
}

/* Write the collected source between open and close tags, and note the first texts. */
static void body_emit(struct md_blocks *b, const char *open, const char *close, bool paragraph)
{
	if (b->raw.len == 0)
		return;
	body_add(b, open);
	if (!b->failed && !md_render(&b->html, b->raw.data, b->raw.len, true))
		b->failed = true;
	body_add(b, close);
	b->n_blocks++;
	if (paragraph && !b->summary)
		b->summary = md_plain(b->raw.data, b->raw.len);
	if (!b->first)
		b->first = md_plain(b->raw.data, b->raw.len);
	buf_reset(&b->raw);
	b->brk = false;
}

static void body_close_para(struct md_blocks *b)
{
	if (b->drop && b->drop(b->raw.data ? b->raw.data : "", b->raw.len)) {
		b->n_dropped++;
		buf_reset(&b->raw);
		b->brk = false;
		return;
	}
	body_emit(b, "<p>", "</p>", true);
}

static void body_close_quote_para(struct md_blocks *b)
{
	if (b->raw.len && !b->quote_open) {
		body_add(b, "<blockquote>");
		b->quote_open = true;
	}
	body_emit(b, "<p>", "</p>", false);
}

static void body_close(struct md_blocks *b)
{
	switch (b->state) {
	case MD_BLK_PARA:
		body_close_para(b);
		break;
	case MD_BLK_UL:
	case MD_BLK_OL:
		body_emit(b, "<li>", "</li>", false);
		body_add(b, b->state == MD_BLK_UL ? "</ul>" : "</ol>");
		break;
	case MD_BLK_QUOTE:
		body_close_quote_para(b);
		if (b->quote_open)
			body_add(b, "</blockquote>");
		b->quote_open = false;
		break;
	case MD_BLK_NONE:
		break;
	}
	b->state = MD_BLK_NONE;
	b->blank_seen = false;
}

enum lk { L_BLANK, L_TEXT, L_RULE, L_HEADING, L_QUOTE, L_UL, L_OL };

struct lc {
	enum lk kind;
	struct md_line content; /* the text after the marker, right end untrimmed */
	long num;            /* an ordered item's number */
	size_t indent;
};

static struct lc classify(struct md_line l)
{
	struct lc c = { .kind = L_TEXT, .content = l };
	struct md_line t = md_line_trim(l);
	size_t k = 0;
	enum md_marker mk;

	c.indent = md_line_indent(l);
	if (t.len == 0) {
		c.kind = L_BLANK;
		return c;
	}
	/* the content keeps the line's own right end (for the two-space hard break) */
	t.len = l.len - c.indent;
	if (md_is_rule(md_line_trim(t))) {
		c.kind = L_RULE;
		return c;
	}
	while (k < t.len && k < 7 && t.s[k] == '#')
		k++;
	if (k >= 1 && k <= 6 && (k == t.len || md_is_space(t.s[k]))) {
		struct md_line h = { t.s + k, t.len - k, t.no };

		h = md_line_trim(h);
		while (h.len && h.s[h.len - 1] == '#')
			h.len--; /* closing hashes of "## Title ##" */
		c.kind = md_line_trim(h).len ? L_HEADING : L_RULE;
		c.content = h;
		return c;
	}
	if (t.s[0] == '>') {
		c.kind = L_QUOTE;
		c.content.s = t.s + 1;
		c.content.len = t.len - 1;
		return c;
	}
	mk = md_list_marker(t, &c.content, &c.num);
	if (mk != MD_MK_NONE && md_line_trim(c.content).len) {
		c.kind = mk == MD_MK_BULLET ? L_UL : L_OL;
		return c;
	}
	c.content = t;
	return c;
}

void md_blocks_line(struct md_blocks *b, struct md_line l)
{
	struct lc c = classify(l);
	bool list = b->state == MD_BLK_UL || b->state == MD_BLK_OL;

	if (c.kind == L_BLANK) {
		if (list)
			b->blank_seen = true;
		else
			body_close(b); /* ends a paragraph or a quote */
		return;
	}
	if (list && b->blank_seen) {
		bool same = (c.kind == L_UL && b->state == MD_BLK_UL) ||
			    (c.kind == L_OL && b->state == MD_BLK_OL);

		if (!same && !(c.kind == L_TEXT && c.indent >= 2)) {
			body_close(b);
			list = false;
		}
	}
	switch (c.kind) {
	case L_BLANK:
	case L_RULE:
		body_close(b);
		break;
	case L_HEADING:
		/* Mastodon shows h1-h6 as a strong paragraph; write that directly. */
		body_close(b);
		raw_add(b, c.content);
		body_emit(b, "<p><strong>", "</strong></p>", false);
		break;
	case L_QUOTE:
		if (b->state != MD_BLK_QUOTE) {
			body_close(b);
			b->state = MD_BLK_QUOTE;
		}
		if (md_line_blank(c.content))
			body_close_quote_para(b); /* ">" alone separates paragraphs */
		else
			raw_add(b, c.content);
		break;
	case L_UL:
	case L_OL: {
		enum md_blk want = c.kind == L_UL ? MD_BLK_UL : MD_BLK_OL;

		if (b->state == want) {
			body_emit(b, "<li>", "</li>", false);
		} else {
			body_close(b);
			if (want == MD_BLK_OL && c.num != 1) {
				char tag[32];

				snprintf(tag, sizeof(tag), "<ol start=\"%ld\">", c.num);
				body_add(b, tag);
			} else {
				body_add(b, want == MD_BLK_UL ? "<ul>" : "<ol>");
			}
			b->state = want;
		}
		b->blank_seen = false;
		raw_add(b, c.content);
		break;
	}
	case L_TEXT:
		if (list && b->blank_seen) {
			/* an indented paragraph inside the item: keep it apart */
			if (b->raw.len) {
				buf_addch(&b->raw, MD_HARD_BREAK);
				b->brk = true;
			}
			b->blank_seen = false;
		} else if (!list && b->state != MD_BLK_PARA && b->state != MD_BLK_QUOTE) {
			b->state = MD_BLK_PARA;
		}
		raw_add(b, c.content);
		break;
	}
}

void md_blocks_init(struct md_blocks *b, bool (*drop)(const char *s, size_t n))
{
	memset(b, 0, sizeof(*b));
	b->state = MD_BLK_NONE;
	b->drop = drop;
	buf_init(&b->html, LIMIT_STATEMENT_HTML_BYTES);
	buf_init(&b->raw, LIMIT_STATEMENT_FILE_BYTES);
}

void md_blocks_finish(struct md_blocks *b)
{
	body_close(b);
}

void md_blocks_release(struct md_blocks *b)
{
	free(b->summary);
	free(b->first);
	b->summary = b->first = NULL;
	buf_release(&b->html);
	buf_release(&b->raw);
}
