/*
 * Fuzz target: a remote actor or key document as another server answers it.
 * The input is
 *
 *   the URL that answered (after redirects)
 *   the key id looked for ("" for any)
 *   the document (JSON)
 *
 * Both actor_parse and key_document_parse read the document. Invariants: an
 * accepted actor is on the origin that answered, its key is on that origin,
 * owned by it and loads, its inbox and profile URL are URLs (the profile on
 * the actor's origin); an accepted key document names an owner on its origin.
 */
#include <string.h>

#include "activitypub/activity.h"
#include "activitypub/fetch.h"
#include "crypto/keys.h"
#include "fuzz/fuzz.h"
#include "store/store.h"
#include "util/log.h"
#include "util/url.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	return 0;
}

static bool is_url(const char *s)
{
	struct url u;

	if (!s || url_parse(s, &u, NULL))
		return false;
	url_release(&u);
	return true;
}

static void check_actor(const struct remote_actor *a, const char *fetched_url, const char *json,
			size_t len)
{
	static const char *const types[] = { "Person", "Organization", "Service", "Group",
					     "Application" };
	struct key *k = NULL;
	bool typed = false;

	FUZZ_CHECK(a->id && a->type && a->inbox && a->key_id && a->public_pem && a->document,
		   "accepted actor lacks a field");
	FUZZ_CHECK(ap_same_origin(a->id, fetched_url), "actor %s accepted from %s", a->id,
		   fetched_url);
	FUZZ_CHECK(ap_same_origin(a->key_id, a->id), "key %s of actor %s on another origin",
		   a->key_id, a->id);
	FUZZ_CHECK(is_url(a->inbox), "inbox '%s' is no URL", a->inbox);
	FUZZ_CHECK(!a->shared_inbox || is_url(a->shared_inbox), "shared inbox is no URL");
	FUZZ_CHECK(!a->icon || is_url(a->icon), "icon is no URL");
	FUZZ_CHECK(!a->url || ap_same_origin(a->url, a->id), "profile %s is not on %s's origin",
		   a->url, a->id);
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		typed = typed || strcmp(a->type, types[i]) == 0;
	FUZZ_CHECK(typed, "actor type '%s'", a->type);
	FUZZ_CHECK(strlen(a->document) == len && memcmp(a->document, json, len) == 0,
		   "document not kept as fetched");
	FUZZ_CHECK(key_load_public(a->public_pem, &k, NULL) == 0, "accepted key does not load");
	key_free(k);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char *fetched_url = fuzz_line(&in);
	char *want = fuzz_line(&in);
	size_t len;
	char *json = fuzz_rest(&in, &len);
	struct remote_actor *a = NULL;
	char *owner = NULL;
	struct err err;

	if (actor_parse(json, len, fetched_url, want[0] ? want : NULL, &a, &err) == 0) {
		check_actor(a, fetched_url, json, len);
		remote_actor_free(a);
	} else {
		FUZZ_CHECK(a == NULL, "actor set on failure");
	}
	if (key_document_parse(json, len, fetched_url, &owner, &err) == 0) {
		FUZZ_CHECK(owner && is_url(owner), "key owner is no URL");
		FUZZ_CHECK(ap_same_origin(owner, fetched_url), "key owner %s not on %s", owner,
			   fetched_url);
		free(owner);
	} else {
		FUZZ_CHECK(owner == NULL, "owner set on failure");
	}
	free(fetched_url);
	free(want);
	free(json);
	return 0;
}
