/*
 * Parsed public keys of remote signers, shared by the HTTP threads.
 *
 * Turning a PEM into a key costs OpenSSL 3 about as much as seven RSA-2048
 * verifications, and the same few thousand senders sign most of what an
 * inbox receives. So each key is parsed once and kept: an entry is found by
 * its key id and the SHA-256 of its PEM (a rotated key is a new entry, never
 * the old one), at most LIMIT_KEY_CACHE_ENTRIES of them, the least recently
 * used evicted first. Entries are counted references: an evicted key stays
 * valid until its last user releases it. Thread-safe.
 */
#ifndef ACTIVITYPUB_KEYCACHE_H
#define ACTIVITYPUB_KEYCACHE_H

#include <stddef.h>

#include "util/err.h"

struct key;
struct keycache;
struct keycache_ref; /* one user's hold on a cached key */

/* A new, empty cache of at most max keys (0: LIMIT_KEY_CACHE_ENTRIES). Free with keycache_free. */
struct keycache *keycache_new(size_t max);
/* Free every key; no reference may be held any more. NULL is fine. */
void keycache_free(struct keycache *kc);

/*
 * The key for (key_id, pem): from the cache, or parsed now with
 * key_load_public() and cached. *key is borrowed from *ref and valid until
 * keycache_release(kc, *ref). Returns 0, or key_load_public()'s error (a
 * PEM that does not parse is not cached).
 */
int keycache_get(struct keycache *kc, const char *key_id, const char *pem, struct key **key,
		 struct keycache_ref **ref, struct err *err);
/* Let go of a key from keycache_get. NULL is fine. */
void keycache_release(struct keycache *kc, struct keycache_ref *ref);

/* Keys held now, and how many lookups found their key / had to parse it (for tests and logs). */
size_t keycache_size(struct keycache *kc);
void keycache_stats(struct keycache *kc, size_t *hits, size_t *misses);

#endif
