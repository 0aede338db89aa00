/*
 * The statement file parser: the bytes of a plain-text (Markdown-ish) file,
 * as a coalition publishes a joint statement on the web, into a title, a
 * dateline, a language, the text as HTML and the list of signatories.
 * Pure: no I/O, no globals. The format is docs/statement-format.md.
 */
#ifndef SERVER_IMPORT_H
#define SERVER_IMPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct import_signatory {
	char *name;    /* as written, e.g. "Socialist Party of Malaysia (PSM)"; never "" */
	char *country; /* the part after the last ", " when it looks like a place; else "" */
};

/* The statement in one more language: another version of the text in the same file. */
struct import_translation {
	char *lang;         /* normalised, never the statement's own language or another's */
	char *title;
	char *dateline;
	char *summary;
	char *content_html;
};

/*
 * A parsed statement. After a successful import_parse every string is set
 * (never NULL; "" when absent) and owned by the doc: free it all with
 * statement_doc_release. The first version of the text in the file is the
 * statement's own language (title ... content_html); the others are
 * translations. The signatory list is shared by all of them.
 */
struct statement_doc {
	char *title;        /* plain text, one line */
	char *dateline;     /* plain text (links reduced to their text, escapes removed) or "" */
	char *lang;         /* BCP 47 tag, normalised ("en", "pt-BR", "zh-Hant"); "en" by default */
	char *summary;      /* the first paragraph as plain text, whitespace collapsed */
	char *content_html; /* the text as HTML: only p br a strong em ul ol li blockquote */
	struct import_signatory *signatories; /* in the file's order; NULL when none */
	size_t n_signatories;
	size_t n_dropped;   /* paragraphs left out: "e-mail us to sign" ones, text after the list */
	bool lang_given;    /* the file names the first version's language (else "en" is assumed) */
	struct import_translation *translations; /* the other versions, in file order; NULL when none */
	size_t n_translations;
	size_t n_lists_ignored; /* signatory lists after the first one (in later versions): ignored */
};

/*
 * Parse the statement file text[0..len) (it need not be NUL-terminated) into
 * *out. A file may hold the text in several languages: each version after the
 * first starts with a "Language: TAG" line after a blank line; the first list
 * of signatories found is the statement's, later ones are ignored (counted in
 * n_lists_ignored). Returns 0, or a negative error with err filled with a
 * one-line message fit to show the user: -ERR_INVALID for a file that is not
 * a statement (empty, binary, not UTF-8, HTML, no title, no text, a junk line
 * in the signatory list, a bad or unknown language on a Language line, the
 * same language twice), -ERR_TOOBIG when a limit of util/limits.h is passed
 * (file, title, HTML, a signatory line, number of signatories, languages).
 * *out is always initialised; after a failure it holds nothing.
 */
int import_parse(const char *text, size_t len, struct statement_doc *out, struct err *err);

/* Free everything doc owns and zero it; doc may be NULL, and releasing twice is fine. */
void statement_doc_release(struct statement_doc *doc);

#endif
