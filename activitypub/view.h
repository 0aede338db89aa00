/*
 * What the document builders (activitypub/documents.h) and the HTML pages
 * (server/pages.h) need to render one statement: the statement, its approved
 * signatories, and counts. The router fills it from the store; the builders
 * only read it. No library types here, so server/ can include it freely.
 */
#ifndef ACTIVITYPUB_VIEW_H
#define ACTIVITYPUB_VIEW_H

#include <stddef.h>
#include <stdint.h>

struct statement;
struct signatory;
struct statement_text;

struct statement_view {
	const struct statement *s;           /* borrowed */
	/*
	 * Approved signatories in signing order, as store_signatory_list gives
	 * them (verified first by time, then imported by position). Borrowed.
	 * May be fewer than signatures_approved: the rest is said as "and N more".
	 */
	const struct signatory *signatories;
	size_t n_signatories;
	int64_t followers;           /* store_follower_count */
	int64_t likes;               /* store_reaction_count "like" */
	int64_t shares;              /* store_reaction_count "announce" */
	int64_t quotes;              /* store_quote_count: quotes whose post lives */
	int64_t signatures_approved; /* store_signatory_count "approved" */
	/*
	 * The current version's text in every language (store_statement_texts):
	 * texts[0] is the statement's own language, the same text as s. Borrowed;
	 * NULL (n_texts 0) when only s is known: then s is the one language.
	 */
	const struct statement_text *texts;
	size_t n_texts;
	size_t chosen;   /* the index in texts a page shows (the reader's language) */
	int version;     /* the current version's number (1 = as imported; 0 unknown) */
	int64_t revised; /* when the current version was made, when it is not the first; else 0 */
};

#endif
