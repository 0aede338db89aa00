/* The key cache: one parse per (key id, PEM), bounded, references outlive eviction. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "activitypub/keycache.h"
#include "crypto/keys.h"

static char *pems[8];

static int group_setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < 8; i++) {
		char *priv = NULL;
		struct err err;

		if (key_generate_ed25519(&priv, &pems[i], &err))
			return -1;
		key_pem_free(priv);
	}
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < 8; i++)
		free(pems[i]);
	return 0;
}

static void parses_once(void **state)
{
	struct keycache *kc = keycache_new(0);
	struct keycache_ref *r1, *r2, *r3;
	struct key *k1, *k2, *k3;
	struct err err;
	size_t hits, misses;

	(void)state;
	assert_int_equal(keycache_get(kc, "https://a.example/u#k", pems[0], &k1, &r1, &err), 0);
	assert_int_equal(keycache_get(kc, "https://a.example/u#k", pems[0], &k2, &r2, &err), 0);
	assert_ptr_equal(k1, k2);
	/* The same key id with another PEM (a rotated key) is another entry. */
	assert_int_equal(keycache_get(kc, "https://a.example/u#k", pems[1], &k3, &r3, &err), 0);
	assert_ptr_not_equal(k1, k3);
	keycache_stats(kc, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 2);
	assert_int_equal(keycache_size(kc), 2);
	keycache_release(kc, r1);
	keycache_release(kc, r2);
	keycache_release(kc, r3);
	keycache_release(kc, NULL);
	keycache_free(kc);
	keycache_free(NULL);
}

static void bad_pem_not_cached(void **state)
{
	struct keycache *kc = keycache_new(4);
	struct keycache_ref *r = NULL;
	struct key *k = NULL;
	struct err err;

	(void)state;
	assert_int_not_equal(keycache_get(kc, "https://a.example/u#k", "not a key", &k, &r, &err), 0);
	assert_null(k);
	assert_null(r);
	assert_int_equal(keycache_size(kc), 0);
	assert_int_equal(keycache_get(kc, NULL, pems[0], &k, &r, &err), -ERR_INVALID);
	keycache_free(kc);
}

static void bounded_and_held_keys_survive(void **state)
{
	struct keycache *kc = keycache_new(2);
	struct keycache_ref *held, *r;
	struct key *first, *k;
	struct err err;
	char id[64];

	(void)state;
	assert_int_equal(keycache_get(kc, "https://a.example/0#k", pems[0], &first, &held, &err), 0);
	for (int i = 1; i < 5; i++) {
		snprintf(id, sizeof(id), "https://a.example/%d#k", i);
		assert_int_equal(keycache_get(kc, id, pems[i], &k, &r, &err), 0);
		keycache_release(kc, r);
	}
	assert_int_equal(keycache_size(kc), 2);
	/* Evicted, yet still usable by its holder. */
	assert_int_equal(key_type(first), KEY_ED25519);
	keycache_release(kc, held);
	/* The most recently used stay: key 4 is found, key 0 is parsed again. */
	{
		size_t hits0, misses0, hits1, misses1;

		keycache_stats(kc, &hits0, &misses0);
		assert_int_equal(keycache_get(kc, "https://a.example/4#k", pems[4], &k, &r, &err), 0);
		keycache_release(kc, r);
		assert_int_equal(keycache_get(kc, "https://a.example/0#k", pems[0], &k, &r, &err), 0);
		keycache_release(kc, r);
		keycache_stats(kc, &hits1, &misses1);
		assert_int_equal(hits1 - hits0, 1);
		assert_int_equal(misses1 - misses0, 1);
	}
	keycache_free(kc);
}

struct worker {
	struct keycache *kc;
	int id, failures;
};

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	for (int i = 0; i < 2000; i++) {
		struct keycache_ref *r;
		struct key *k;
		struct err err;
		char id[64];
		int n = (i * 7 + w->id) % 8;

		snprintf(id, sizeof(id), "https://a.example/%d#k", n);
		if (keycache_get(w->kc, id, pems[n], &k, &r, &err) || key_type(k) != KEY_ED25519)
			w->failures++;
		else
			keycache_release(w->kc, r);
	}
	return NULL;
}

static void shared_by_threads(void **state)
{
	struct keycache *kc = keycache_new(5); /* smaller than the 8 keys used: evictions too */
	struct worker w[4];
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){ .kc = kc, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, worker_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_true(keycache_size(kc) <= 5);
	keycache_free(kc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_once),
		cmocka_unit_test(bad_pem_not_cached),
		cmocka_unit_test(bounded_and_held_keys_survive),
		cmocka_unit_test(shared_by_threads),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
