/*
 * The key cache: a hash table of entries under one mutex, chained per
 * bucket, with a list from most to least recently used. The PEM is parsed
 * outside the lock (it is the slow part), so two threads may parse the same
 * new key at once; the second one finds the first one's entry and drops its own.
 */
#include "activitypub/keycache.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "util/limits.h"
#include "util/mem.h"

struct keycache_ref {
	char *key_id;
	unsigned char pem_sum[SHA256_LEN];
	uint64_t hash;
	struct key *key;
	unsigned refs;   /* users, plus one while in the table */
	struct keycache_ref *chain;            /* next in the bucket */
	struct keycache_ref *newer, *older;    /* the recency list */
};

struct keycache {
	pthread_mutex_t lock;
	struct keycache_ref **buckets;
	size_t n_buckets; /* a power of two */
	size_t n, max;
	struct keycache_ref *newest, *oldest;
	size_t hits, misses;
};

struct keycache *keycache_new(size_t max)
{
	struct keycache *kc = xcalloc(1, sizeof(*kc));

	kc->max = max ? max : LIMIT_KEY_CACHE_ENTRIES;
	kc->n_buckets = 16;
	while (kc->n_buckets < 2 * kc->max)
		kc->n_buckets *= 2;
	kc->buckets = xcalloc(kc->n_buckets, sizeof(*kc->buckets));
	pthread_mutex_init(&kc->lock, NULL);
	return kc;
}

static void ref_free(struct keycache_ref *r)
{
	key_free(r->key);
	free(r->key_id);
	free(r);
}

void keycache_free(struct keycache *kc)
{
	struct keycache_ref *r, *older;

	if (!kc)
		return;
	for (r = kc->newest; r; r = older) {
		older = r->older;
		ref_free(r);
	}
	free(kc->buckets);
	pthread_mutex_destroy(&kc->lock);
	free(kc);
}

/* FNV-1a of the key id, mixed with the PEM's digest. */
static uint64_t hash_of(const char *key_id, const unsigned char sum[SHA256_LEN])
{
	uint64_t h = 1469598103934665603ULL;
	uint64_t s;

	for (const unsigned char *p = (const unsigned char *)key_id; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	memcpy(&s, sum, sizeof(s));
	return h ^ s;
}

/* Under the lock. */
static struct keycache_ref *find(struct keycache *kc, uint64_t hash, const char *key_id,
				 const unsigned char sum[SHA256_LEN])
{
	struct keycache_ref *r;

	for (r = kc->buckets[hash & (kc->n_buckets - 1)]; r; r = r->chain)
		if (r->hash == hash && memcmp(r->pem_sum, sum, SHA256_LEN) == 0 &&
		    strcmp(r->key_id, key_id) == 0)
			return r;
	return NULL;
}

/* Under the lock: take r out of the recency list. */
static void unlist(struct keycache *kc, struct keycache_ref *r)
{
	if (r->newer)
		r->newer->older = r->older;
	else
		kc->newest = r->older;
	if (r->older)
		r->older->newer = r->newer;
	else
		kc->oldest = r->newer;
	r->newer = r->older = NULL;
}

/* Under the lock: r becomes the most recently used. */
static void list_front(struct keycache *kc, struct keycache_ref *r)
{
	r->newer = NULL;
	r->older = kc->newest;
	if (kc->newest)
		kc->newest->newer = r;
	kc->newest = r;
	if (!kc->oldest)
		kc->oldest = r;
}

/* Under the lock: drop the least recently used entry from the table; it is returned when nobody holds it. */
static struct keycache_ref *evict_oldest(struct keycache *kc)
{
	struct keycache_ref *r = kc->oldest, **p;

	for (p = &kc->buckets[r->hash & (kc->n_buckets - 1)]; *p != r; p = &(*p)->chain)
		;
	*p = r->chain;
	unlist(kc, r);
	kc->n--;
	return --r->refs == 0 ? r : NULL;
}

int keycache_get(struct keycache *kc, const char *key_id, const char *pem, struct key **key,
		 struct keycache_ref **ref, struct err *err)
{
	unsigned char sum[SHA256_LEN];
	struct keycache_ref *r, *fresh, *dropped = NULL;
	uint64_t hash;
	int rc;

	*key = NULL;
	*ref = NULL;
	if (!key_id || !pem)
		return errorf(err, ERR_INVALID, "no key id or key");
	digest_sha256(pem, strlen(pem), sum);
	hash = hash_of(key_id, sum);
	pthread_mutex_lock(&kc->lock);
	r = find(kc, hash, key_id, sum);
	if (r) {
		r->refs++;
		kc->hits++;
		unlist(kc, r);
		list_front(kc, r);
		pthread_mutex_unlock(&kc->lock);
		*key = r->key;
		*ref = r;
		return 0;
	}
	kc->misses++;
	pthread_mutex_unlock(&kc->lock);

	fresh = xcalloc(1, sizeof(*fresh));
	rc = key_load_public(pem, &fresh->key, err);
	if (rc) {
		free(fresh);
		return rc;
	}
	fresh->key_id = xstrdup(key_id);
	memcpy(fresh->pem_sum, sum, SHA256_LEN);
	fresh->hash = hash;

	pthread_mutex_lock(&kc->lock);
	r = find(kc, hash, key_id, sum);
	if (r) {
		/* Another thread parsed it meanwhile: use that one. */
		r->refs++;
		dropped = fresh;
	} else {
		r = fresh;
		r->refs = 2;
		r->chain = kc->buckets[hash & (kc->n_buckets - 1)];
		kc->buckets[hash & (kc->n_buckets - 1)] = r;
		list_front(kc, r);
		kc->n++;
		if (kc->n > kc->max)
			dropped = evict_oldest(kc);
	}
	pthread_mutex_unlock(&kc->lock);
	if (dropped)
		ref_free(dropped);
	*key = r->key;
	*ref = r;
	return 0;
}

void keycache_release(struct keycache *kc, struct keycache_ref *ref)
{
	bool last;

	if (!ref)
		return;
	pthread_mutex_lock(&kc->lock);
	last = --ref->refs == 0;
	pthread_mutex_unlock(&kc->lock);
	if (last)
		ref_free(ref);
}

size_t keycache_size(struct keycache *kc)
{
	size_t n;

	pthread_mutex_lock(&kc->lock);
	n = kc->n;
	pthread_mutex_unlock(&kc->lock);
	return n;
}

void keycache_stats(struct keycache *kc, size_t *hits, size_t *misses)
{
	pthread_mutex_lock(&kc->lock);
	*hits = kc->hits;
	*misses = kc->misses;
	pthread_mutex_unlock(&kc->lock);
}
