/*
 * Atom (RFC 4287) and RSS 2.0 feeds: the statements of this server, and the
 * new signatories of one statement. Pure: data in, an XML document out.
 *
 * Every string is escaped for XML, and characters XML 1.0 cannot carry at
 * all (control characters, U+FFFE, U+FFFF) are left out, invalid UTF-8
 * repaired: a stranger's name never makes a feed unreadable.
 */
#ifndef SERVER_FEEDS_H
#define SERVER_FEEDS_H

#include <stddef.h>
#include <stdint.h>

#include "activitypub/ctx.h"

struct statement;
struct signatory;

enum feed_kind { FEED_ATOM, FEED_RSS };

/*
 * The statements feed (B/feed.atom, B/feed.rss): one entry per statement,
 * newest published first, at most LIMIT_FEED_ITEMS: title, link to its page,
 * published and updated times, summary, and the text (the dateline and
 * content as HTML, escaped). list holds n statements in the store's order
 * (oldest first), borrowed; signatures[i] (may be NULL) the approved count of
 * list[i]. now: the feed's time when there is no statement. Caller frees;
 * NULL only when the feed passes LIMIT_FEED_BYTES with its first entry.
 */
char *feed_statements(const struct config *cfg, struct statement *const *list,
		      const int64_t *signatures, size_t n, int64_t now, enum feed_kind kind);

/*
 * The new signatories of statement s (B/s/SLUG/signatures.atom, .rss): sigs
 * holds n approved signatures, newest first (store_signatory_recent),
 * borrowed. An entry per signature: "NAME signed", its handle, server,
 * the domain mark, linked to the signer's profile (http(s) only) or else the
 * statement's page. Caller frees; NULL as feed_statements.
 */
char *feed_signatories(const struct config *cfg, const struct statement *s,
		       const struct signatory *sigs, size_t n, int64_t now, enum feed_kind kind);

#endif
