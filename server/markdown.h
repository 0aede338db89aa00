/*
 * The Markdown subset of statement files (docs/statement-format.md): lines
 * of source, inline spans (emphasis, links, bare URLs, escapes, hard breaks)
 * rendered to HTML or to plain text, and blocks (paragraphs, lists, quotes,
 * headings, rules) rendered to HTML a line at a time. The HTML holds only
 * p br a strong em ul ol li blockquote, all text escaped, and links only to
 * http(s) URLs. Pure: no I/O, no globals. The statement file parser
 * (import.c) is its user; the line and character helpers are shared with it.
 */
#ifndef SERVER_MARKDOWN_H
#define SERVER_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"

/* Stands for a hard line break in the Markdown source we collect (the input has no 0x01). */
#define MD_HARD_BREAK '\x01'

/* A line of the source. */
struct md_line {
	const char *s; /* into the caller's text; not NUL-terminated */
	size_t len;    /* without the line break */
	int no;        /* 1-based line number in the file */
};

/* ---- characters (ASCII; a byte >= 0x80 counts as part of a word) ---- */

static inline bool md_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\f' || c == '\n' || c == MD_HARD_BREAK;
}

static inline bool md_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool md_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline bool md_is_alnum(char c)
{
	return md_is_alpha(c) || md_is_digit(c);
}

/* Part of a word: ASCII letters and digits, and any non-ASCII byte (letters of other scripts). */
static inline bool md_is_wordch(char c)
{
	return md_is_alnum(c) || (unsigned char)c >= 0x80;
}

static inline bool md_is_punct(char c)
{
	return c > ' ' && c < 0x7f && !md_is_alnum(c);
}

static inline char md_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s[0..n) starts with the ASCII word w, case-insensitively. */
bool md_istarts(const char *s, size_t n, const char *w);

/* ---- lines ---- */

/* l without white space at either end. */
struct md_line md_line_trim(struct md_line l);
bool md_line_blank(struct md_line l);
/* The bytes of white space l starts with. */
size_t md_line_indent(struct md_line l);
/* Only c (three or more) and white space: "---", "===". */
bool md_is_rule_of(struct md_line t, char c);
/* "---", "***", "___": a thematic break. */
bool md_is_rule(struct md_line t);

enum md_marker { MD_MK_NONE, MD_MK_BULLET, MD_MK_NUMBER };

/*
 * A list marker at the start of the trimmed line t: "N." "N)" (N up to 9
 * digits) or "-" "*" "+" "•", then white space. *content is the rest (left
 * trimmed; may be empty); *num the number.
 */
enum md_marker md_list_marker(struct md_line t, struct md_line *content, long *num);

/* ---- inline spans ---- */

/*
 * Render the inline Markdown s[0..n) at the end of out: HTML when html, else
 * plain text (markup removed). False when out passed its limit.
 */
bool md_render(struct buf *out, const char *s, size_t n, bool html);

/* Plain text of inline Markdown: markup removed, white space collapsed, trimmed. New string. */
char *md_plain(const char *s, size_t n);

/* ---- blocks ---- */

enum md_blk { MD_BLK_NONE, MD_BLK_PARA, MD_BLK_UL, MD_BLK_OL, MD_BLK_QUOTE };

/*
 * A text rendered to HTML a line at a time: md_blocks_init, md_blocks_line
 * for each line, md_blocks_finish, then read the results below and
 * md_blocks_release. The fields under "state" are the renderer's own.
 */
struct md_blocks {
	/* results */
	struct buf html;  /* the text as HTML */
	char *summary;    /* plain text of the first paragraph, or NULL; owned */
	char *first;      /* plain text of the first block of any kind, or NULL; owned */
	size_t n_blocks;
	size_t n_dropped; /* paragraphs left out by drop */
	bool failed;      /* html passed LIMIT_STATEMENT_HTML_BYTES */
	/* state */
	bool (*drop)(const char *s, size_t n); /* a paragraph to leave out; NULL: none */
	struct buf raw;   /* Markdown source of the open paragraph or list item */
	enum md_blk state;
	bool brk;         /* the last line collected ended with two spaces: a hard break */
	bool blank_seen;  /* a blank line since the last line of the open list */
	bool quote_open;  /* "<blockquote>" written */
};

/* Start a text; drop (may be NULL) says which paragraphs to leave out, given their source. */
void md_blocks_init(struct md_blocks *b, bool (*drop)(const char *s, size_t n));
/* Add the next line of source. */
void md_blocks_line(struct md_blocks *b, struct md_line l);
/* Close the open block: the results are complete. */
void md_blocks_finish(struct md_blocks *b);
/* Free what b holds (the results not taken: set a taken pointer to NULL first). */
void md_blocks_release(struct md_blocks *b);

#endif
