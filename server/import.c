/*
 * The statement file parser (docs/statement-format.md). It reads in steps:
 * check the bytes (size, NUL, UTF-8, control characters, HTML), cut lines,
 * then an optional "Language:" line, the title, an optional dateline, the
 * text up to the "Signed by" line (a Markdown subset rendered to HTML), and
 * the numbered list of signatories. Lines point into the caller's bytes;
 * nothing is copied until a piece of output is made.
 */
#include "server/import.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/lang.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

/* How much of a line an error message quotes. */
#define QUOTE_BYTES 60

/* Stands for a hard line break in the Markdown source we collect (the input has no 0x01). */
#define HARD_BREAK '\x01'

struct line {
	const char *s; /* into the caller's text; not NUL-terminated */
	size_t len;    /* without the line break */
	int no;        /* 1-based line number in the file */
};

/* ---- characters ---- */

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == HARD_BREAK;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_alnum(char c)
{
	return is_alpha(c) || is_digit(c);
}

/* Part of a word: ASCII letters and digits, and any non-ASCII byte (letters of other scripts). */
static bool is_wordch(char c)
{
	return is_alnum(c) || (unsigned char)c >= 0x80;
}

static bool is_punct(char c)
{
	return c > ' ' && c < 0x7f && !is_alnum(c);
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s[0..n) starts with the ASCII word w, case-insensitively. */
static bool mem_istarts(const char *s, size_t n, const char *w)
{
	size_t k, m = strlen(w);

	if (n < m)
		return false;
	for (k = 0; k < m; k++)
		if (lower(s[k]) != lower(w[k]))
			return false;
	return true;
}

/* Length of a well-formed UTF-8 sequence at s (n bytes available), 0 if invalid. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0], cp;
	size_t need, k;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF) {
		need = 1;
		cp = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		need = 2;
		cp = c & 0x0F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		need = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < need + 1)
		return 0;
	for (k = 1; k <= need; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[k] & 0x3F);
	}
	if (need == 2 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)))
		return 0;
	if (need == 3 && (cp < 0x10000 || cp > 0x10FFFF))
		return 0;
	return need + 1;
}

/* At most max bytes of s[0..n), cut back so no UTF-8 sequence is split (for messages). */
static int quote_len(const char *s, size_t n, size_t max)
{
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

/* ---- lines ---- */

static struct line line_trim(struct line l)
{
	while (l.len && is_space(l.s[0])) {
		l.s++;
		l.len--;
	}
	while (l.len && is_space(l.s[l.len - 1]))
		l.len--;
	return l;
}

static bool line_blank(struct line l)
{
	return line_trim(l).len == 0;
}

static size_t line_indent(struct line l)
{
	size_t k = 0;

	while (k < l.len && is_space(l.s[k]))
		k++;
	return k;
}

/* Cut text into lines at LF, CRLF or a lone CR. Caller frees the array. */
static struct line *lines_split(const char *t, size_t len, size_t *n_out)
{
	struct line *lines;
	size_t n = 1, i, start = 0, k = 0;

	for (i = 0; i < len; i++)
		if (t[i] == '\n' || (t[i] == '\r' && (i + 1 >= len || t[i + 1] != '\n')))
			n++;
	lines = xcalloc(n, sizeof(*lines));
	for (i = 0; i <= len; i++) {
		size_t end = i;

		if (i < len && t[i] != '\n' && t[i] != '\r')
			continue;
		if (i < len && t[i] == '\r' && i + 1 < len && t[i + 1] == '\n')
			i++;
		lines[k].s = t + start;
		lines[k].len = end - start;
		lines[k].no = (int)k + 1;
		k++;
		start = i + 1;
	}
	*n_out = k;
	return lines;
}

static size_t skip_blank(const struct line *lines, size_t i, size_t n)
{
	while (i < n && line_blank(lines[i]))
		i++;
	return i;
}

/* ---- checks on the raw bytes ---- */

static int check_bytes(const char *t, size_t len, struct err *err)
{
	const char *nul = memchr(t, '\0', len);
	size_t i = 0;
	int no = 1;

	if (nul)
		return errorf(err, ERR_INVALID,
			      "not a statement: binary data (a NUL byte at offset %zu); "
			      "save the statement as plain UTF-8 text",
			      (size_t)(nul - t));
	while (i < len) {
		unsigned char c = (unsigned char)t[i];
		size_t n;

		if (c == '\n' || (c == '\r' && (i + 1 >= len || t[i + 1] != '\n'))) {
			no++;
		} else if (c < 0x20 && c != '\t' && c != '\f' && c != '\r') {
			return errorf(err, ERR_INVALID,
				      "not a statement: control character 0x%02X at line %d "
				      "(a binary file?)", c, no);
		}
		n = utf8_seq((const unsigned char *)t + i, len - i);
		if (n == 0)
			return errorf(err, ERR_INVALID,
				      "not UTF-8: invalid byte 0x%02X at line %d; "
				      "save the file as UTF-8 text", c, no);
		i += n;
	}
	return 0;
}

static bool looks_html(const char *t, size_t len)
{
	while (len && is_space(*t)) {
		t++;
		len--;
	}
	return mem_istarts(t, len, "<!doctype") || mem_istarts(t, len, "<html");
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
	if (!is_wordch(u[k]))
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
		h[k] = lower(h[k]);
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
	while (p < n && is_space(s[p]))
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
		while (p < n && !is_space(s[p]) && p - d0 <= LIMIT_URL_BYTES) {
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
	while (p < n && is_space(s[p]))
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
		while (p < n && is_space(s[p]))
			p++;
	}
	if (p >= n || s[p] != ')')
		return 0;
	p++;

	buf_init(&href, LIMIT_URL_BYTES + 1);
	for (k = d0; k < d1; k++) {
		if (s[k] == '\\' && k + 1 < d1 && is_punct(s[k + 1]))
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
	if (mem_istarts(s, n, "https://"))
		return 8;
	if (mem_istarts(s, n, "http://"))
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
	while (p < n && s[p] != '>' && s[p] != '<' && !is_space(s[p]) && p < LIMIT_URL_BYTES)
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

		if (is_space(c) || c == '<' || c == '>' || c == '"' || c == '`' || c == '*' ||
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
	if (p == sch || !is_wordch(s[sch]))
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
	if (i + r >= n || is_space(s[i + r]))
		return 0;
	if (c == '_' && i > 0 && is_wordch(s[i - 1]))
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
		if (k == r && !is_space(s[j - 1]) &&
		    (c != '_' || j + k >= n || !is_wordch(s[j + k])))
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

		if (c == '\\' && i + 1 < n && (s[i + 1] == '\n' || is_punct(s[i + 1]))) {
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
		if (c == HARD_BREAK) {
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
			 (i == 0 || !is_wordch(s[i - 1])))
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

/* Render Markdown source s[0..n) into out; false when out passed its limit. */
static bool md_render(struct buf *out, const char *s, size_t n, bool html)
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

/* Plain text of Markdown source: markup removed, white space collapsed, trimmed. New string. */
static char *md_plain(const char *s, size_t n)
{
	struct buf b;
	char *p, *q, *r;

	buf_init(&b, LIMIT_STATEMENT_HTML_BYTES);
	if (!md_render(&b, s, n, false))
		buf_release(&b); /* cannot happen: plain text is never longer than its source */
	p = buf_detach(&b);
	for (q = r = p; *r; r++) {
		if (is_space(*r)) {
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

/* ---- the parts before the text ---- */

/* "Language: xx" (or "Lang: xx"); *val is the value, trimmed. */
static bool lang_line(struct line t, struct line *val)
{
	size_t k;

	if (mem_istarts(t.s, t.len, "language"))
		k = 8;
	else if (mem_istarts(t.s, t.len, "lang"))
		k = 4;
	else
		return false;
	while (k < t.len && is_space(t.s[k]))
		k++;
	if (k >= t.len || t.s[k] != ':')
		return false;
	val->s = t.s + k + 1;
	val->len = t.len - k - 1;
	val->no = t.no;
	*val = line_trim(*val);
	return true;
}

static bool is_rule_of(struct line t, char c)
{
	size_t k, count = 0;

	for (k = 0; k < t.len; k++) {
		if (t.s[k] == c)
			count++;
		else if (!is_space(t.s[k]))
			return false;
	}
	return count >= 3;
}

/* "---", "***", "___": a thematic break. */
static bool is_rule(struct line t)
{
	return t.len && (is_rule_of(t, '-') || is_rule_of(t, '*') || is_rule_of(t, '_'));
}

/* A year 1900-2099 standing alone (not part of a longer number). */
static bool has_year(struct line t)
{
	size_t k;

	for (k = 0; k + 4 <= t.len; k++) {
		if ((k > 0 && is_digit(t.s[k - 1])) || (k + 4 < t.len && is_digit(t.s[k + 4])))
			continue;
		if (!is_digit(t.s[k + 2]) || !is_digit(t.s[k + 3]))
			continue;
		if ((t.s[k] == '1' && t.s[k + 1] == '9') || (t.s[k] == '2' && t.s[k + 1] == '0'))
			return true;
	}
	return false;
}

/*
 * The line under the title is a dateline when it is short, holds a year and
 * starts with a digit, a weekday or month name (English), or a word like
 * "Published" or "By".
 */
static bool is_dateline(struct line t)
{
	static const char *const words[] = {
		"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
		"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
		"january", "february", "march", "april", "may", "june", "july", "august",
		"september", "october", "november", "december", "jan", "feb", "mar", "apr",
		"jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
		"published", "posted", "updated", "date", "dated", "by",
	};
	size_t k, w = 0;

	if (t.len == 0 || t.len > LIMIT_DATELINE_BYTES || !has_year(t))
		return false;
	if (is_digit(t.s[0]))
		return true;
	while (w < t.len && is_alpha(t.s[w]))
		w++;
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strlen(words[k]) == w && mem_istarts(t.s, w, words[k]))
			return true;
	return false;
}

/* ---- the signatories' heading and items ---- */

/* "Signed by," "Signed:" "Signatories:" ... alone on a line (emphasis and '#' allowed). */
static bool is_sig_header(struct line l)
{
	static const char *const heads[] = { "signed", "signed by", "signatories" };
	struct line t = line_trim(l);
	char low[24];
	size_t k, o = 0;
	int round;

	while (t.len && t.s[0] == '#') {
		t.s++;
		t.len--;
	}
	for (round = 0; round < 2; round++) {
		t = line_trim(t);
		if (t.len && (t.s[t.len - 1] == ',' || t.s[t.len - 1] == ':'))
			t.len--;
		while (t.len >= 2 && (t.s[0] == '*' || t.s[0] == '_') && t.s[t.len - 1] == t.s[0]) {
			t.s++;
			t.len -= 2;
		}
	}
	t = line_trim(t);
	for (k = 0; k < t.len; k++) {
		if (o + 1 >= sizeof(low))
			return false;
		if (is_space(t.s[k])) {
			if (low[o - 1] != ' ')
				low[o++] = ' ';
		} else {
			low[o++] = lower(t.s[k]);
		}
	}
	low[o] = '\0';
	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		if (strcmp(low, heads[k]) == 0)
			return true;
	return false;
}

enum marker { MK_NONE, MK_BULLET, MK_NUMBER };

/*
 * A list marker at the start of the trimmed line t: "N." "N)" (N up to 9
 * digits) or "-" "*" "+" "•", then white space. *content is the rest (left
 * trimmed; may be empty); *num the number.
 */
static enum marker list_marker(struct line t, struct line *content, long *num)
{
	enum marker mk = MK_NONE;
	size_t k = 0;

	*num = 0;
	while (k < t.len && k < 9 && is_digit(t.s[k])) {
		*num = *num * 10 + (t.s[k] - '0');
		k++;
	}
	if (k > 0 && k < t.len && (t.s[k] == '.' || t.s[k] == ')')) {
		k++;
		mk = MK_NUMBER;
	} else if (k == 0 && t.len && (t.s[0] == '-' || t.s[0] == '*' || t.s[0] == '+')) {
		k = 1;
		mk = MK_BULLET;
	} else if (k == 0 && mem_istarts(t.s, t.len, "\xE2\x80\xA2")) {
		k = 3;
		mk = MK_BULLET;
	} else {
		return MK_NONE;
	}
	if (k < t.len && !is_space(t.s[k]))
		return MK_NONE;
	content->s = t.s + k;
	content->len = t.len - k;
	content->no = t.no;
	while (content->len && is_space(content->s[0])) {
		content->s++;
		content->len--;
	}
	return mk;
}

/* ---- the "e-mail us to sign" paragraph ---- */

static bool is_email_local(char c)
{
	return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}

/* An address like local@domain.tld anywhere in s[0..n). */
static bool has_email(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i + 1 < n; i++) {
		size_t p = i + 1, dots = 0;

		if (s[i] != '@' || !is_email_local(s[i - 1]))
			continue;
		for (;;) {
			size_t l = 0;

			while (p < n && (is_alnum(s[p]) || s[p] == '-')) {
				p++;
				l++;
			}
			if (l == 0 || p + 1 >= n || s[p] != '.' || !is_alnum(s[p + 1]))
				break;
			dots++;
			p++;
		}
		if (dots)
			return true;
	}
	return false;
}

/*
 * Words that, next to an e-mail address, make a paragraph the old way of
 * signing: sign/signed/signing/signatory/signatories/signature(s),
 * endorse..., included, contact..., and "e-mail us" / "email us" / "mail us".
 */
static bool has_signup_words(const char *s, size_t n)
{
	static const char *const words[] = {
		"sign", "signs", "signed", "signing", "signatory", "signatories", "signature",
		"signatures", "endorse", "endorsed", "endorsing", "endorsement", "endorsements",
		"included", "contact", "contacts", "contacting",
	};
	bool prev_mail = false;
	size_t i = 0, k;

	while (i < n) {
		size_t a, w;
		bool gap_only = true;

		while (i < n && !is_alpha(s[i])) {
			if (!is_space(s[i]))
				gap_only = false;
			i++;
		}
		a = i;
		while (i < n && is_wordch(s[i]))
			i++;
		w = i - a;
		if (w == 0)
			break;
		if (a > 0 && (unsigned char)s[a - 1] >= 0x80) {
			prev_mail = false;
			continue; /* the tail of a non-ASCII word */
		}
		if (prev_mail && gap_only && w == 2 && mem_istarts(s + a, w, "us"))
			return true;
		prev_mail = (w == 4 && mem_istarts(s + a, w, "mail")) ||
			    (w == 5 && mem_istarts(s + a, w, "email"));
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (strlen(words[k]) == w && mem_istarts(s + a, w, words[k]))
				return true;
	}
	return false;
}

static bool is_signup_paragraph(const char *s, size_t n)
{
	return has_email(s, n) && has_signup_words(s, n);
}

/* ---- the text: blocks of Markdown into HTML ---- */

enum blk { BLK_NONE, BLK_PARA, BLK_UL, BLK_OL, BLK_QUOTE };

struct body {
	struct buf html;  /* content_html */
	struct buf raw;   /* Markdown source of the open paragraph or list item */
	enum blk state;
	bool brk;         /* the last line collected ended with two spaces: a hard break */
	bool blank_seen;  /* a blank line since the last line of the open list */
	bool quote_open;  /* "<blockquote>" written */
	char *summary;    /* plain text of the first paragraph */
	char *first;      /* plain text of the first block of any kind */
	size_t n_blocks;
	size_t n_dropped;
	bool failed;      /* html passed LIMIT_STATEMENT_HTML_BYTES */
};

static void body_add(struct body *b, const char *s)
{
	if (!b->failed && buf_addstr(&b->html, s))
		b->failed = true;
}

/* Collect a line of source (its right end untrimmed, to see a two-space hard break). */
static void raw_add(struct body *b, struct line l)
{
	size_t trailing = 0;
	struct line t = line_trim(l);

	while (trailing < l.len && l.s[l.len - 1 - trailing] == ' ')
		trailing++;
	/* raw holds at most the text itself: it cannot pass its limit */
	if (b->raw.len)
		buf_addch(&b->raw, b->brk ? HARD_BREAK : '\n');
	buf_add(&b->raw, t.s, t.len);
	b->brk = trailing >= 2;
}

/* Write the collected source between open and close tags, and note the first texts. */
static void body_emit(struct body *b, const char *open, const char *close, bool paragraph)
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

static void body_close_para(struct body *b)
{
	if (is_signup_paragraph(b->raw.data ? b->raw.data : "", b->raw.len)) {
		b->n_dropped++;
		buf_reset(&b->raw);
		b->brk = false;
		return;
	}
	body_emit(b, "<p>", "</p>", true);
}

static void body_close_quote_para(struct body *b)
{
	if (b->raw.len && !b->quote_open) {
		body_add(b, "<blockquote>");
		b->quote_open = true;
	}
	body_emit(b, "<p>", "</p>", false);
}

static void body_close(struct body *b)
{
	switch (b->state) {
	case BLK_PARA:
		body_close_para(b);
		break;
	case BLK_UL:
	case BLK_OL:
		body_emit(b, "<li>", "</li>", false);
		body_add(b, b->state == BLK_UL ? "</ul>" : "</ol>");
		break;
	case BLK_QUOTE:
		body_close_quote_para(b);
		if (b->quote_open)
			body_add(b, "</blockquote>");
		b->quote_open = false;
		break;
	case BLK_NONE:
		break;
	}
	b->state = BLK_NONE;
	b->blank_seen = false;
}

enum lk { L_BLANK, L_TEXT, L_RULE, L_HEADING, L_QUOTE, L_UL, L_OL };

struct lc {
	enum lk kind;
	struct line content; /* the text after the marker, right end untrimmed */
	long num;            /* an ordered item's number */
	size_t indent;
};

static struct lc classify(struct line l)
{
	struct lc c = { .kind = L_TEXT, .content = l };
	struct line t = line_trim(l);
	size_t k = 0;
	enum marker mk;

	c.indent = line_indent(l);
	if (t.len == 0) {
		c.kind = L_BLANK;
		return c;
	}
	/* the content keeps the line's own right end (for the two-space hard break) */
	t.len = l.len - c.indent;
	if (is_rule(line_trim(t))) {
		c.kind = L_RULE;
		return c;
	}
	while (k < t.len && k < 7 && t.s[k] == '#')
		k++;
	if (k >= 1 && k <= 6 && (k == t.len || is_space(t.s[k]))) {
		struct line h = { t.s + k, t.len - k, t.no };

		h = line_trim(h);
		while (h.len && h.s[h.len - 1] == '#')
			h.len--; /* closing hashes of "## Title ##" */
		c.kind = line_trim(h).len ? L_HEADING : L_RULE;
		c.content = h;
		return c;
	}
	if (t.s[0] == '>') {
		c.kind = L_QUOTE;
		c.content.s = t.s + 1;
		c.content.len = t.len - 1;
		return c;
	}
	mk = list_marker(t, &c.content, &c.num);
	if (mk != MK_NONE && line_trim(c.content).len) {
		c.kind = mk == MK_BULLET ? L_UL : L_OL;
		return c;
	}
	c.content = t;
	return c;
}

static void body_line(struct body *b, struct line l)
{
	struct lc c = classify(l);
	bool list = b->state == BLK_UL || b->state == BLK_OL;

	if (c.kind == L_BLANK) {
		if (list)
			b->blank_seen = true;
		else
			body_close(b); /* ends a paragraph or a quote */
		return;
	}
	if (list && b->blank_seen) {
		bool same = (c.kind == L_UL && b->state == BLK_UL) ||
			    (c.kind == L_OL && b->state == BLK_OL);

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
		if (b->state != BLK_QUOTE) {
			body_close(b);
			b->state = BLK_QUOTE;
		}
		if (line_blank(c.content))
			body_close_quote_para(b); /* ">" alone separates paragraphs */
		else
			raw_add(b, c.content);
		break;
	case L_UL:
	case L_OL: {
		enum blk want = c.kind == L_UL ? BLK_UL : BLK_OL;

		if (b->state == want) {
			body_emit(b, "<li>", "</li>", false);
		} else {
			body_close(b);
			if (want == BLK_OL && c.num != 1) {
				char tag[32];

				snprintf(tag, sizeof(tag), "<ol start=\"%ld\">", c.num);
				body_add(b, tag);
			} else {
				body_add(b, want == BLK_UL ? "<ul>" : "<ol>");
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
				buf_addch(&b->raw, HARD_BREAK);
				b->brk = true;
			}
			b->blank_seen = false;
		} else if (!list && b->state != BLK_PARA && b->state != BLK_QUOTE) {
			b->state = BLK_PARA;
		}
		raw_add(b, c.content);
		break;
	}
}

/* ---- signatories ---- */

static bool any_item_after(const struct line *lines, size_t i, size_t n)
{
	struct line content;
	long num;

	for (; i < n; i++)
		if (list_marker(line_trim(lines[i]), &content, &num) != MK_NONE)
			return true;
	return false;
}

static size_t count_blocks(const struct line *lines, size_t i, size_t n)
{
	size_t count = 0;
	bool in = false;

	for (; i < n; i++) {
		bool blank = line_blank(lines[i]);

		if (!blank && !in)
			count++;
		in = !blank;
	}
	return count;
}

/* The last ", " part of a signatory is a place when it reads like one. */
static bool looks_like_place(const char *r)
{
	static const char *const not_places[] = {
		"inc", "ltd", "llc", "plc", "co", "corp", "gmbh", "ag", "sa", "s.a", "e.v",
		"ev", "asbl", "vzw", "jr", "sr", "et al",
	};
	size_t n = strlen(r), k, words = 1, base = n;
	unsigned char c0 = (unsigned char)r[0], c1 = c0 ? (unsigned char)r[1] : 0;
	/* an uppercase ASCII letter, or a letter of another script (not U+2000 punctuation) */
	bool lead = (c0 >= 'A' && c0 <= 'Z') || (c0 >= 0xC3 && !(c0 == 0xE2 && c1 == 0x80));

	if (n == 0 || n > LIMIT_COUNTRY_BYTES || !lead)
		return false;
	for (k = 0; k < n; k++) {
		if (strchr("()[]{}@/:;!?\"<>", r[k]) || is_digit(r[k]))
			return false;
		words += r[k] == ' ';
	}
	if (words > 6)
		return false;
	if (r[base - 1] == '.')
		base--;
	for (k = 0; k < sizeof(not_places) / sizeof(not_places[0]); k++)
		if (strlen(not_places[k]) == base && mem_istarts(r, base, not_places[k]))
			return false;
	return true;
}

static int sig_add(struct statement_doc *out, size_t *cap, const struct buf *raw, int line_no,
		   struct err *err)
{
	struct import_signatory *sig;
	char *item = md_plain(raw->data ? raw->data : "", raw->len);
	char *comma = NULL, *p;
	size_t n = strlen(item);
	int rc = 0;

	/* a list copied from a sentence: "A, Malaysia; B, India;" */
	while (n && (item[n - 1] == ',' || item[n - 1] == ';'))
		item[--n] = '\0';
	if (n == 0) {
		rc = errorf(err, ERR_INVALID, "line %d: a signatory without a name", line_no);
		goto out;
	}
	if (n > LIMIT_SIGNATORY_BYTES) {
		rc = errorf(err, ERR_TOOBIG, "line %d: a signatory of %zu bytes, more than %d",
			    line_no, n, LIMIT_SIGNATORY_BYTES);
		goto out;
	}
	if (out->n_signatories >= LIMIT_SIGNATORIES) {
		rc = errorf(err, ERR_TOOBIG, "line %d: more than %d signatories", line_no,
			    LIMIT_SIGNATORIES);
		goto out;
	}
	if (out->n_signatories == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		out->signatories = xrealloc(out->signatories, *cap * sizeof(*out->signatories));
	}
	for (p = strstr(item, ", "); p; p = strstr(p + 1, ", "))
		comma = p;
	sig = &out->signatories[out->n_signatories++];
	if (comma && comma > item && looks_like_place(comma + 2)) {
		sig->name = str_trim_dup(item, (size_t)(comma - item));
		sig->country = xstrdup(comma + 2);
	} else {
		sig->name = item;
		sig->country = xstrdup("");
		item = NULL;
	}
out:
	free(item);
	return rc;
}

/*
 * The list after the "Signed by" line: items "N. text", "N) text", "- text";
 * an indented line right under an item continues it; another heading
 * line is skipped. The first other line
 * ends the list when no item follows it (it and the rest are dropped), and is
 * an error when one does.
 */
static int sigs_parse(const struct line *lines, size_t i, size_t n, struct statement_doc *out,
		      struct err *err)
{
	struct buf raw;
	size_t cap = 0;
	bool have = false, prev_blank = false;
	int item_no = 0, rc = 0;

	buf_init(&raw, 2 * LIMIT_SIGNATORY_BYTES);
	for (; i < n; i++) {
		struct line t = line_trim(lines[i]), content;
		long num;

		if (t.len == 0) {
			prev_blank = true;
			continue;
		}
		if (list_marker(t, &content, &num) != MK_NONE) {
			if (have && (rc = sig_add(out, &cap, &raw, item_no, err)))
				goto out;
			buf_reset(&raw);
			content = line_trim(content);
			/* past the limit, the buf releases itself: raw.len shows it */
			buf_add(&raw, content.s, content.len);
			have = true;
			item_no = t.no;
			prev_blank = false;
			if (raw.len != content.len)
				goto toolong;
			continue;
		}
		if (is_sig_header(lines[i])) {
			prev_blank = true; /* a second heading ("Signatories:") inside the list */
			continue;
		}
		if (have && !prev_blank && line_indent(lines[i]) > 0) {
			if (buf_addch(&raw, ' ') || buf_add(&raw, t.s, t.len))
				goto toolong;
			continue;
		}
		if (any_item_after(lines, i + 1, n)) {
			rc = errorf(err, ERR_INVALID,
				    "line %d: \"%.*s\" is not a numbered signatory; after \"Signed "
				    "by\" put one per line, like \"1. Name (ABBR), Country\"",
				    t.no, quote_len(t.s, t.len, QUOTE_BYTES), t.s);
			goto out;
		}
		out->n_dropped += count_blocks(lines, i, n);
		break;
	}
	if (have)
		rc = sig_add(out, &cap, &raw, item_no, err);
	goto out;
toolong:
	rc = errorf(err, ERR_TOOBIG, "line %d: a signatory longer than %d bytes", item_no,
		    LIMIT_SIGNATORY_BYTES);
out:
	buf_release(&raw);
	return rc;
}

/* ---- the whole file ---- */

static int parse_title(struct line l, struct statement_doc *out, struct err *err)
{
	struct line t = line_trim(l);
	size_t k = 0;

	while (k < t.len && k < 6 && t.s[k] == '#')
		k++;
	if (k && (k == t.len || is_space(t.s[k]))) {
		t.s += k;
		t.len -= k;
	}
	out->title = md_plain(t.s, t.len);
	if (!out->title[0] || is_sig_header(l))
		return errorf(err, ERR_INVALID,
			      "no title: the first line of text must be the title");
	if (strlen(out->title) > LIMIT_TITLE_BYTES)
		return errorf(err, ERR_TOOBIG,
			      "line %d: the title is %zu bytes, more than %d (is the first line a "
			      "paragraph? put the title alone on the first line)",
			      l.no, strlen(out->title), LIMIT_TITLE_BYTES);
	return 0;
}

static size_t find_sig_header(const struct line *lines, size_t i, size_t n)
{
	for (; i < n; i++)
		if (is_sig_header(lines[i]))
			return i;
	return n;
}

static int parse_body(const struct line *lines, size_t n, struct statement_doc *out,
		      struct err *err)
{
	struct body b = { .state = BLK_NONE };
	size_t i;
	int rc = 0;

	buf_init(&b.html, LIMIT_STATEMENT_HTML_BYTES);
	buf_init(&b.raw, LIMIT_STATEMENT_FILE_BYTES);
	for (i = 0; i < n && !b.failed; i++)
		body_line(&b, lines[i]);
	body_close(&b);
	out->n_dropped += b.n_dropped;
	if (b.failed) {
		rc = errorf(err, ERR_TOOBIG, "the text is too long: more than %d bytes of HTML",
			    LIMIT_STATEMENT_HTML_BYTES);
		goto out;
	}
	if (b.n_blocks == 0) {
		rc = errorf(err, ERR_INVALID,
			    "no text: a title but no paragraphs (the text comes after the title, "
			    "before \"Signed by\")");
		goto out;
	}
	out->content_html = buf_detach(&b.html);
	out->summary = b.summary ? b.summary : b.first;
	if (b.summary)
		free(b.first);
	b.summary = b.first = NULL;
out:
	free(b.summary);
	free(b.first);
	buf_release(&b.html);
	buf_release(&b.raw);
	return rc;
}

/*
 * The language of a "Language:" line, normalised into out. A bad tag is an
 * error naming the line (-ERR_INVALID, whatever lang_normalize said).
 */
static int parse_lang(struct line val, char out[LANG_TAG_MAX], struct err *err)
{
	struct err why;

	if (lang_normalize(val.s, val.len, out, &why) == 0)
		return 0;
	return errorf(err, ERR_INVALID, "line %d: %s", val.no, why.msg);
}

/*
 * Whether line i starts another version of the text: a "Language: TAG" line
 * after a blank line, whose value is one word shaped like a tag. A tag that
 * is malformed or unknown is an error (*rc); a value of other words
 * ("Language: the words we use") is ordinary text, as in files of one language.
 */
static bool starts_version(const struct line *lines, size_t i, int *rc, struct err *err)
{
	struct line val;
	char tag[LANG_TAG_MAX];
	struct err why;
	int r;

	*rc = 0;
	if (i == 0 || !line_blank(lines[i - 1]) || !lang_line(line_trim(lines[i]), &val))
		return false;
	for (size_t k = 0; k < val.len; k++)
		if (is_space(val.s[k]))
			return false;
	r = lang_normalize(val.s, val.len, tag, &why);
	if (r == -ERR_INVALID && val.len > 3 && !memchr(val.s, '-', val.len) &&
	    !memchr(val.s, '_', val.len))
		return false; /* "Language: English" or the like: a word, not a tag */
	if (r)
		*rc = errorf(err, ERR_INVALID, "line %d: %s", val.no, why.msg);
	return true;
}

/*
 * One version of the text: lines[i..n) holds an optional Language line, the
 * title, an optional dateline, the text and (when sigs) the signatory list,
 * parsed into out. Without sigs a signatory list is skipped, and *ignored
 * set when there was one.
 */
static int parse_version(const struct line *lines, size_t i, size_t n, bool first, bool sigs,
			 struct statement_doc *out, bool *ignored, struct err *err)
{
	struct line val = { 0 };
	char tag[LANG_TAG_MAX];
	size_t sig_at, j;
	int rc;

	*ignored = false;
	i = skip_blank(lines, i, n);
	if (i < n && lang_line(line_trim(lines[i]), &val)) {
		if ((rc = parse_lang(val, tag, err)))
			return rc;
		out->lang = xstrdup(tag);
		out->lang_given = true;
		i = skip_blank(lines, i + 1, n);
	} else {
		out->lang = xstrdup("en");
	}
	if (i == n && first)
		return errorf(err, ERR_INVALID, "no title: the file has only a Language line");
	if (i == n)
		return errorf(err, ERR_INVALID, "line %d: no title after this Language line",
			      val.no);

	if ((rc = parse_title(lines[i], out, err)))
		return rc;
	i++;
	if (i < n && (is_rule_of(line_trim(lines[i]), '=') || is_rule_of(line_trim(lines[i]), '-')))
		i++; /* a Markdown underline under the title */
	i = skip_blank(lines, i, n);
	sig_at = find_sig_header(lines, i, n);

	/* a dateline is one line alone, with text after it */
	if (i < sig_at && (i + 1 == n || line_blank(lines[i + 1])) &&
	    is_dateline(line_trim(lines[i]))) {
		j = skip_blank(lines, i + 1, n);
		if (j < sig_at) {
			struct line d = line_trim(lines[i]);

			out->dateline = md_plain(d.s, d.len);
			i = j;
		}
	}
	if (!out->dateline)
		out->dateline = xstrdup("");

	if ((rc = parse_body(lines + i, sig_at - i, out, err)))
		return rc;
	if (sig_at < n && !sigs)
		*ignored = true;
	else if (sig_at < n && (rc = sigs_parse(lines, sig_at + 1, n, out, err)))
		return rc;
	return 0;
}

/* Move version v's text (parsed into a doc of its own) to a translation of out. */
static int add_translation(struct statement_doc *out, struct statement_doc *v, int line_no,
			   struct err *err)
{
	struct import_translation *t;

	if (str_eq(v->lang, out->lang))
		return errorf(err, ERR_INVALID,
			      "line %d: a second version in \"%s\" (each language once)", line_no,
			      v->lang);
	for (size_t k = 0; k < out->n_translations; k++)
		if (str_eq(v->lang, out->translations[k].lang))
			return errorf(err, ERR_INVALID,
				      "line %d: a second version in \"%s\" (each language once)",
				      line_no, v->lang);
	if (out->n_translations + 1 >= LIMIT_TRANSLATIONS)
		return errorf(err, ERR_TOOBIG, "line %d: more than %d languages", line_no,
			      LIMIT_TRANSLATIONS);
	out->translations = xrealloc(out->translations,
				     (out->n_translations + 1) * sizeof(*out->translations));
	t = &out->translations[out->n_translations++];
	t->lang = v->lang;
	t->title = v->title;
	t->dateline = v->dateline;
	t->summary = v->summary;
	t->content_html = v->content_html;
	v->lang = v->title = v->dateline = v->summary = v->content_html = NULL;
	return 0;
}

int import_parse(const char *text, size_t len, struct statement_doc *out, struct err *err)
{
	struct line *lines = NULL;
	struct statement_doc v = { 0 };
	size_t n = 0, start, end;
	bool ignored;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!text || len == 0) {
		rc = errorf(err, ERR_INVALID, "empty file");
		goto out;
	}
	if (len > LIMIT_STATEMENT_FILE_BYTES) {
		rc = errorf(err, ERR_TOOBIG, "file too big: %zu bytes, the limit is %d", len,
			    LIMIT_STATEMENT_FILE_BYTES);
		goto out;
	}
	if ((rc = check_bytes(text, len, err)))
		goto out;
	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) {
		text += 3;
		len -= 3;
	}
	if (looks_html(text, len)) {
		rc = errorf(err, ERR_INVALID,
			    "not a statement: an HTML file; save the page as plain text instead");
		goto out;
	}
	lines = lines_split(text, len, &n);
	start = skip_blank(lines, 0, n);
	if (start == n) {
		rc = errorf(err, ERR_INVALID, "empty file (only blank lines)");
		goto out;
	}
	/* Versions: from start to the next "Language:" line that begins one, and so on. */
	for (bool first = true; start < n; first = false, start = end) {
		struct statement_doc *into = first ? out : &v;

		for (end = start + 1; end < n; end++) {
			if (starts_version(lines, end, &rc, err))
				break;
			if (rc)
				goto out;
		}
		if (rc)
			goto out;
		if ((rc = parse_version(lines, start, end, first, !out->signatories, into, &ignored,
					err)))
			goto out;
		out->n_lists_ignored += ignored;
		if (first)
			continue;
		out->n_dropped += v.n_dropped;
		if (v.signatories) {
			out->signatories = v.signatories;
			out->n_signatories = v.n_signatories;
			v.signatories = NULL;
			v.n_signatories = 0;
		}
		if ((rc = add_translation(out, &v, lines[start].no, err)))
			goto out;
		statement_doc_release(&v);
	}
	rc = 0;
out:
	free(lines);
	statement_doc_release(&v);
	if (rc)
		statement_doc_release(out);
	return rc;
}

void statement_doc_release(struct statement_doc *doc)
{
	size_t k;

	if (!doc)
		return;
	free(doc->title);
	free(doc->dateline);
	free(doc->lang);
	free(doc->summary);
	free(doc->content_html);
	for (k = 0; k < doc->n_signatories; k++) {
		free(doc->signatories[k].name);
		free(doc->signatories[k].country);
	}
	free(doc->signatories);
	for (k = 0; k < doc->n_translations; k++) {
		free(doc->translations[k].lang);
		free(doc->translations[k].title);
		free(doc->translations[k].dateline);
		free(doc->translations[k].summary);
		free(doc->translations[k].content_html);
	}
	free(doc->translations);
	memset(doc, 0, sizeof(*doc));
}
