/*
 * The statement file parser (docs/statement-format.md). It reads in steps:
 * check the bytes (size, NUL, UTF-8, control characters, HTML), cut lines,
 * then an optional "Language:" line, the title, an optional dateline, the
 * text up to the "Signed by" line (a Markdown subset rendered to HTML by
 * markdown.c), and the numbered list of signatories. Lines point into the
 * caller's bytes; nothing is copied until a piece of output is made.
 */
#include "server/import.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/markdown.h"
#include "util/buf.h"
#include "util/lang.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

/* How much of a line an error message quotes. */
#define QUOTE_BYTES 60

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

/* Cut text into lines at LF, CRLF or a lone CR. Caller frees the array. */
static struct md_line *lines_split(const char *t, size_t len, size_t *n_out)
{
	struct md_line *lines;
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

static size_t skip_blank(const struct md_line *lines, size_t i, size_t n)
{
	while (i < n && md_line_blank(lines[i]))
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
	while (len && md_is_space(*t)) {
		t++;
		len--;
	}
	return md_istarts(t, len, "<!doctype") || md_istarts(t, len, "<html");
}

/* ---- the parts before the text ---- */

/* "Language: xx" (or "Lang: xx"); *val is the value, trimmed. */
static bool lang_line(struct md_line t, struct md_line *val)
{
	size_t k;

	if (md_istarts(t.s, t.len, "language"))
		k = 8;
	else if (md_istarts(t.s, t.len, "lang"))
		k = 4;
	else
		return false;
	while (k < t.len && md_is_space(t.s[k]))
		k++;
	if (k >= t.len || t.s[k] != ':')
		return false;
	val->s = t.s + k + 1;
	val->len = t.len - k - 1;
	val->no = t.no;
	*val = md_line_trim(*val);
	return true;
}

/* A year 1900-2099 standing alone (not part of a longer number). */
static bool has_year(struct md_line t)
{
	size_t k;

	for (k = 0; k + 4 <= t.len; k++) {
		if ((k > 0 && md_is_digit(t.s[k - 1])) || (k + 4 < t.len && md_is_digit(t.s[k + 4])))
			continue;
		if (!md_is_digit(t.s[k + 2]) || !md_is_digit(t.s[k + 3]))
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
static bool is_dateline(struct md_line t)
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
	if (md_is_digit(t.s[0]))
		return true;
	while (w < t.len && md_is_alpha(t.s[w]))
		w++;
	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
		if (strlen(words[k]) == w && md_istarts(t.s, w, words[k]))
			return true;
	return false;
}

/* ---- the signatories' heading and items ---- */

/* "Signed by," "Signed:" "Signatories:" ... alone on a line (emphasis and '#' allowed). */
static bool is_sig_header(struct md_line l)
{
	static const char *const heads[] = { "signed", "signed by", "signatories" };
	struct md_line t = md_line_trim(l);
	char low[24];
	size_t k, o = 0;
	int round;

	while (t.len && t.s[0] == '#') {
		t.s++;
		t.len--;
	}
	for (round = 0; round < 2; round++) {
		t = md_line_trim(t);
		if (t.len && (t.s[t.len - 1] == ',' || t.s[t.len - 1] == ':'))
			t.len--;
		while (t.len >= 2 && (t.s[0] == '*' || t.s[0] == '_') && t.s[t.len - 1] == t.s[0]) {
			t.s++;
			t.len -= 2;
		}
	}
	t = md_line_trim(t);
	for (k = 0; k < t.len; k++) {
		if (o + 1 >= sizeof(low))
			return false;
		if (md_is_space(t.s[k])) {
			if (low[o - 1] != ' ')
				low[o++] = ' ';
		} else {
			low[o++] = md_lower(t.s[k]);
		}
	}
	low[o] = '\0';
	for (k = 0; k < sizeof(heads) / sizeof(heads[0]); k++)
		if (strcmp(low, heads[k]) == 0)
			return true;
	return false;
}

/* ---- the "e-mail us to sign" paragraph ---- */

static bool is_email_local(char c)
{
	return md_is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
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

			while (p < n && (md_is_alnum(s[p]) || s[p] == '-')) {
				p++;
				l++;
			}
			if (l == 0 || p + 1 >= n || s[p] != '.' || !md_is_alnum(s[p + 1]))
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

		while (i < n && !md_is_alpha(s[i])) {
			if (!md_is_space(s[i]))
				gap_only = false;
			i++;
		}
		a = i;
		while (i < n && md_is_wordch(s[i]))
			i++;
		w = i - a;
		if (w == 0)
			break;
		if (a > 0 && (unsigned char)s[a - 1] >= 0x80) {
			prev_mail = false;
			continue; /* the tail of a non-ASCII word */
		}
		if (prev_mail && gap_only && w == 2 && md_istarts(s + a, w, "us"))
			return true;
		prev_mail = (w == 4 && md_istarts(s + a, w, "mail")) ||
			    (w == 5 && md_istarts(s + a, w, "email"));
		for (k = 0; k < sizeof(words) / sizeof(words[0]); k++)
			if (strlen(words[k]) == w && md_istarts(s + a, w, words[k]))
				return true;
	}
	return false;
}

static bool is_signup_paragraph(const char *s, size_t n)
{
	return has_email(s, n) && has_signup_words(s, n);
}

/* ---- signatories ---- */

static bool any_item_after(const struct md_line *lines, size_t i, size_t n)
{
	struct md_line content;
	long num;

	for (; i < n; i++)
		if (md_list_marker(md_line_trim(lines[i]), &content, &num) != MD_MK_NONE)
			return true;
	return false;
}

static size_t count_blocks(const struct md_line *lines, size_t i, size_t n)
{
	size_t count = 0;
	bool in = false;

	for (; i < n; i++) {
		bool blank = md_line_blank(lines[i]);

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
		if (strchr("()[]{}@/:;!?\"<>", r[k]) || md_is_digit(r[k]))
			return false;
		words += r[k] == ' ';
	}
	if (words > 6)
		return false;
	if (r[base - 1] == '.')
		base--;
	for (k = 0; k < sizeof(not_places) / sizeof(not_places[0]); k++)
		if (strlen(not_places[k]) == base && md_istarts(r, base, not_places[k]))
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
static int sigs_parse(const struct md_line *lines, size_t i, size_t n, struct statement_doc *out,
		      struct err *err)
{
	struct buf raw;
	size_t cap = 0;
	bool have = false, prev_blank = false;
	int item_no = 0, rc = 0;

	buf_init(&raw, 2 * LIMIT_SIGNATORY_BYTES);
	for (; i < n; i++) {
		struct md_line t = md_line_trim(lines[i]), content;
		long num;

		if (t.len == 0) {
			prev_blank = true;
			continue;
		}
		if (md_list_marker(t, &content, &num) != MD_MK_NONE) {
			if (have && (rc = sig_add(out, &cap, &raw, item_no, err)))
				goto out;
			buf_reset(&raw);
			content = md_line_trim(content);
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
		if (have && !prev_blank && md_line_indent(lines[i]) > 0) {
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

static int parse_title(struct md_line l, struct statement_doc *out, struct err *err)
{
	struct md_line t = md_line_trim(l);
	size_t k = 0;

	while (k < t.len && k < 6 && t.s[k] == '#')
		k++;
	if (k && (k == t.len || md_is_space(t.s[k]))) {
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

static size_t find_sig_header(const struct md_line *lines, size_t i, size_t n)
{
	for (; i < n; i++)
		if (is_sig_header(lines[i]))
			return i;
	return n;
}

static int parse_body(const struct md_line *lines, size_t n, struct statement_doc *out,
		      struct err *err)
{
	struct md_blocks b;
	size_t i;
	int rc = 0;

	md_blocks_init(&b, is_signup_paragraph);
	for (i = 0; i < n && !b.failed; i++)
		md_blocks_line(&b, lines[i]);
	md_blocks_finish(&b);
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
	md_blocks_release(&b);
	return rc;
}

/*
 * The language of a "Language:" line, normalised into out. A bad tag is an
 * error naming the line (-ERR_INVALID, whatever lang_normalize said).
 */
static int parse_lang(struct md_line val, char out[LANG_TAG_MAX], struct err *err)
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
static bool starts_version(const struct md_line *lines, size_t i, int *rc, struct err *err)
{
	struct md_line val;
	char tag[LANG_TAG_MAX];
	struct err why;
	int r;

	*rc = 0;
	if (i == 0 || !md_line_blank(lines[i - 1]) || !lang_line(md_line_trim(lines[i]), &val))
		return false;
	for (size_t k = 0; k < val.len; k++)
		if (md_is_space(val.s[k]))
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
static int parse_version(const struct md_line *lines, size_t i, size_t n, bool first, bool sigs,
			 struct statement_doc *out, bool *ignored, struct err *err)
{
	struct md_line val = { 0 };
	char tag[LANG_TAG_MAX];
	size_t sig_at, j;
	int rc;

	*ignored = false;
	i = skip_blank(lines, i, n);
	if (i < n && lang_line(md_line_trim(lines[i]), &val)) {
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
	if (i < n && (md_is_rule_of(md_line_trim(lines[i]), '=') || md_is_rule_of(md_line_trim(lines[i]), '-')))
		i++; /* a Markdown underline under the title */
	i = skip_blank(lines, i, n);
	sig_at = find_sig_header(lines, i, n);

	/* a dateline is one line alone, with text after it */
	if (i < sig_at && (i + 1 == n || md_line_blank(lines[i + 1])) &&
	    is_dateline(md_line_trim(lines[i]))) {
		j = skip_blank(lines, i + 1, n);
		if (j < sig_at) {
			struct md_line d = md_line_trim(lines[i]);

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
	struct md_line *lines = NULL;
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
