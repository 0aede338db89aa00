/* The page cache (see pagecache.h): a small array under one mutex. */
#include "server/pagecache.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"
#include "util/str.h"

struct page {
	char *key; /* NULL: a free slot */
	int64_t gen;
	int64_t made; /* when it was rendered */
	char *body;
	size_t len;
	char *etag;
};

struct pagecache {
	pthread_mutex_t lock;
	struct page *pages;
	size_t n;
	int ttl_s;
};

struct pagecache *pagecache_new(size_t max_entries, int ttl_s)
{
	struct pagecache *pc = xcalloc(1, sizeof(*pc));

	pthread_mutex_init(&pc->lock, NULL);
	pc->n = max_entries ? max_entries : 1;
	pc->pages = xcalloc(pc->n, sizeof(*pc->pages));
	pc->ttl_s = ttl_s;
	return pc;
}

static void page_clear(struct page *p)
{
	free(p->key);
	free(p->body);
	free(p->etag);
	memset(p, 0, sizeof(*p));
}

void pagecache_free(struct pagecache *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i < pc->n; i++)
		page_clear(&pc->pages[i]);
	free(pc->pages);
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

/* 64-bit FNV-1a: not for security, only to tell two renderings apart. */
static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 14695981039346656037ULL;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

char *pagecache_etag(int64_t gen, const char *body, size_t len)
{
	return xasprintf("\"%lld-%016llx\"", (long long)gen,
			 (unsigned long long)fnv1a(body ? body : "", body ? len : 0));
}

bool pagecache_get(struct pagecache *pc, const char *key, int64_t gen, int64_t now, bool want_body,
		   struct pagecache_hit *hit)
{
	bool found = false;

	memset(hit, 0, sizeof(*hit));
	if (!pc || !key)
		return false;
	pthread_mutex_lock(&pc->lock);
	for (size_t i = 0; i < pc->n; i++) {
		struct page *p = &pc->pages[i];

		if (!p->key || !str_eq(p->key, key))
			continue;
		if (p->gen == gen && now >= p->made && now - p->made < pc->ttl_s) {
			if (want_body) {
				hit->body = xmalloc(p->len + 1);
				memcpy(hit->body, p->body, p->len);
				hit->body[p->len] = '\0';
				hit->len = p->len;
			}
			hit->etag = xstrdup(p->etag);
			found = true;
		} else {
			page_clear(p); /* another generation or too old: never useful again */
		}
		break;
	}
	pthread_mutex_unlock(&pc->lock);
	return found;
}

char *pagecache_put(struct pagecache *pc, const char *key, int64_t gen, int64_t now,
		    const char *body, size_t len)
{
	char *etag = pagecache_etag(gen, body, len);
	struct page *slot = NULL;

	if (!pc || !key || !body)
		return etag;
	pthread_mutex_lock(&pc->lock);
	for (size_t i = 0; i < pc->n; i++) {
		struct page *p = &pc->pages[i];

		if (p->key && str_eq(p->key, key)) {
			slot = p; /* the same key: replaced */
			break;
		}
		if (!slot || (slot->key && (!p->key || p->made < slot->made)))
			slot = p; /* a free slot, else the oldest */
	}
	page_clear(slot);
	slot->key = xstrdup(key);
	slot->gen = gen;
	slot->made = now;
	slot->body = xmalloc(len + 1);
	memcpy(slot->body, body, len);
	slot->body[len] = '\0';
	slot->len = len;
	slot->etag = xstrdup(etag);
	pthread_mutex_unlock(&pc->lock);
	return etag;
}

bool pagecache_etag_matches(const char *if_none_match, const char *etag)
{
	const char *p = if_none_match;
	size_t elen;

	if (!p || !etag)
		return false;
	elen = strlen(etag);
	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		start = p;
		if (*p == '"') {
			end = strchr(p + 1, '"');
			if (!end)
				return false;
			end++;
		} else {
			end = p + strcspn(p, ", \t");
		}
		if ((size_t)(end - start) == elen && memcmp(start, etag, elen) == 0)
			return true;
		p = end;
	}
	return false;
}

void pagecache_hit_release(struct pagecache_hit *hit)
{
	free(hit->body);
	free(hit->etag);
	memset(hit, 0, sizeof(*hit));
}
