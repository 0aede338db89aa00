/*
 * Rendered statement pages kept in memory, so a storm of link-preview
 * fetches (every server that sees the link fetches the page at once) costs a
 * lookup, not a render. Shared by the HTTP threads: every call takes the
 * cache's lock. Bounded: at most max_entries pages (the oldest goes first),
 * each at most ttl_s seconds old.
 *
 * An entry is valid for one (key, gen): the key names what the page depends
 * on besides the data (slug, language), gen is store_statement_gen's
 * generation, which every change of the data raises. A page of an older
 * generation is never served.
 */
#ifndef SERVER_PAGECACHE_H
#define SERVER_PAGECACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pagecache;

/* A page found in the cache: every pointer owned by the caller (pagecache_hit_release). */
struct pagecache_hit {
	char *body; /* NULL when the caller asked only for the ETag */
	size_t len;
	char *etag; /* the strong ETag, quotes included: "\"<gen>-<hash>\"" */
};

/* A new, empty cache. NULL-safe to free. */
struct pagecache *pagecache_new(size_t max_entries, int ttl_s);
void pagecache_free(struct pagecache *pc);

/*
 * The page of (key, gen) when cached and younger than the TTL at now: true
 * and *hit filled (the body copied unless want_body is false). False when
 * absent, stale or of another generation. pc NULL: always false.
 */
bool pagecache_get(struct pagecache *pc, const char *key, int64_t gen, int64_t now, bool want_body,
		   struct pagecache_hit *hit);

/*
 * Keep a copy of body (len bytes) as the page of (key, gen), made at now,
 * replacing an older one of that key; the oldest entry goes when full.
 * Returns the page's ETag (new string, caller frees); pc NULL: the ETag only.
 */
char *pagecache_put(struct pagecache *pc, const char *key, int64_t gen, int64_t now,
		    const char *body, size_t len);

/* The strong ETag of a page (what pagecache_put gives): "\"<gen>-<16 hex digits>\"". Caller frees. */
char *pagecache_etag(int64_t gen, const char *body, size_t len);

/*
 * Whether an If-None-Match header value names etag: "*", or one of a
 * comma-separated list of entity tags (a weak W/ prefix is ignored, as
 * RFC 9110 says for If-None-Match). NULL header: false.
 */
bool pagecache_etag_matches(const char *if_none_match, const char *etag);

void pagecache_hit_release(struct pagecache_hit *hit);

#endif
