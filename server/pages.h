/*
 * The HTML pages: the statement's web page, the index of statements, and
 * error pages. Pure: data in, a page out. No JavaScript anywhere.
 *
 * Every string from a stranger or a coordinator (titles, datelines, names,
 * handles, countries, URLs) is HTML-escaped; only s->content_html, made by
 * our importer, is inserted as it is.
 */
#ifndef SERVER_PAGES_H
#define SERVER_PAGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activitypub/ctx.h"
#include "activitypub/view.h"

struct statement;
struct statement_text;
struct statement_version;

/*
 * The statement's page (B/s/SLUG for a browser): OpenGraph tags, the text,
 * counts, the signatories of v in its order (verified ones with their
 * profile link, handle, server and a "domain verified" mark when it holds;
 * imported ones after them, marked "listed by the coordinator"), how to sign, and a
 * "Follow or sign from your server" form (GET B/authorize_interaction with
 * acct=<what the reader typed>, uri=<the actor id> and intent=follow, or
 * intent=sign while the statement is open). The head holds OpenGraph tags,
 * fediverse:creator (@SLUG@HOST) and <link rel="alternate"> to the feeds.
 * Caller frees. NULL only when the statement's own text passes
 * LIMIT_PAGE_HTML_BYTES (signatories past it become "and N more").
 */
char *page_statement(const struct config *cfg, const struct statement_view *v);

/*
 * The index (B/): every statement with its dateline and signature count, and
 * <link rel="alternate"> to the statements' Atom and RSS feeds.
 * list and signatures are n entries each (signatures[i] belongs to list[i]);
 * borrowed. Caller frees; NULL only past LIMIT_PAGE_HTML_BYTES.
 */
char *page_index(const struct config *cfg, struct statement *const *list,
		 const int64_t *signatures, size_t n);

/*
 * The list of a statement's versions (B/s/SLUG/versions), oldest first, each
 * linked to its page. versions: n entries, borrowed. Caller frees; NULL only
 * past LIMIT_PAGE_HTML_BYTES.
 */
char *page_versions(const struct config *cfg, const struct statement *s,
		    const struct statement_version *versions, size_t n);
/*
 * One version of the text (B/s/SLUG/versions/N), made at created, in
 * texts[chosen] (texts: that version's n languages, the statement's own
 * first; links to the others), with links back to the statement and to
 * every version. current: it is the text the statement has now. Caller
 * frees; NULL when chosen >= n or past LIMIT_PAGE_HTML_BYTES.
 */
char *page_version(const struct config *cfg, const struct statement *s, int version,
		   int64_t created, const struct statement_text *texts, size_t n, size_t chosen,
		   bool current);
/* The page of a deleted statement (served with 410 Gone): when, and that it is final. */
char *page_gone(const struct config *cfg, int64_t deleted);

/* A small error page for status (404, 500...) with message (may be NULL). Caller frees. */
char *page_error(const struct config *cfg, int status, const char *message);

struct organisation;
struct endorsement;

/*
 * An organisation's page (B/o/SLUG for a browser): its name, handle, website
 * (linked rel="me"), bio, counts, and every statement it signed (list[0..n),
 * in signing order; withdrawn ones too, marked) with the date and the state
 * of the signature. Caller frees; NULL only past LIMIT_PAGE_HTML_BYTES.
 */
char *page_org(const struct config *cfg, const struct organisation *o,
	       const struct endorsement *list, size_t n, int64_t followers);


#endif
