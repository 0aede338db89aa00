#include "activitypub/keyring.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "crypto/keys.h"
#include "store/store.h"
#include "util/mem.h"

int keyring_instance_ensure(struct store *st, struct err *err)
{
	char *pub = NULL, *priv = NULL;
	int rc;

	rc = store_setting_get(st, KEYRING_INSTANCE_PUBLIC, &pub, err);
	if (rc || pub)
		goto out;
	rc = key_generate_rsa(2048, &priv, &pub, err);
	if (rc)
		goto out;
	/* Private first: a crash between the two leaves no public key without its pair. */
	rc = store_setting_set(st, KEYRING_INSTANCE_PRIVATE, priv, err);
	if (!rc)
		rc = store_setting_set(st, KEYRING_INSTANCE_PUBLIC, pub, err);
out:
	key_pem_free(priv);
	free(pub);
	return rc;
}

struct keyring_entry {
	bool org;             /* statement_id names an organisation */
	int64_t statement_id;
	char *key_id;
	struct key *key;
};

struct keyring {
	pthread_mutex_t lock;
	char *base_url;
	struct keyring_entry *list;
	size_t n, cap;
};

struct keyring *keyring_new(const char *base_url)
{
	struct keyring *kr = xcalloc(1, sizeof(*kr));

	pthread_mutex_init(&kr->lock, NULL);
	kr->base_url = xstrdup(base_url);
	return kr;
}

void keyring_free(struct keyring *kr)
{
	if (!kr)
		return;
	for (size_t i = 0; i < kr->n; i++) {
		free(kr->list[i].key_id);
		key_free(kr->list[i].key);
	}
	free(kr->list);
	free(kr->base_url);
	pthread_mutex_destroy(&kr->lock);
	free(kr);
}

/* Read the private key and key id of organisation org_id from the store. */
static int org_signer_load(struct keyring *kr, struct store *st, int64_t org_id,
			   char **key_id, struct key **key, struct err *err)
{
	struct organisation *o = NULL;
	int rc = store_org_get_by_id(st, org_id, &o, err);

	if (!rc)
		rc = key_load_private(o->private_pem, key, err);
	if (!rc)
		*key_id = xasprintf("%s/o/%s#main-key", kr->base_url, o->slug);
	organisation_free(o);
	return rc;
}

/* Read the private key and key id of statement_id (or of organisation id) from the store. */
static int signer_load(struct keyring *kr, struct store *st, bool org, int64_t statement_id,
		       char **key_id, struct key **key, struct err *err)
{
	struct statement *s = NULL;
	char *pem = NULL;
	int rc;

	*key_id = NULL;
	*key = NULL;
	if (org)
		return org_signer_load(kr, st, statement_id, key_id, key, err);
	if (statement_id == 0) {
		rc = store_setting_get(st, KEYRING_INSTANCE_PRIVATE, &pem, err);
		if (!rc && !pem)
			rc = errorf(err, ERR_NOTFOUND, "the instance actor has no key yet");
		if (!rc)
			rc = key_load_private(pem, key, err);
		if (!rc)
			*key_id = xasprintf("%s/actor#main-key", kr->base_url);
		key_pem_free(pem);
		return rc;
	}
	rc = store_statement_get_by_id(st, statement_id, &s, err);
	if (!rc)
		rc = key_load_private(s->private_pem, key, err);
	if (!rc)
		*key_id = xasprintf("%s/s/%s#main-key", kr->base_url, s->slug);
	statement_free(s);
	return rc;
}

static int signer_get(struct keyring *kr, struct store *st, bool org, int64_t statement_id,
		      const char **key_id, struct key **key, struct err *err)
{
	struct keyring_entry *e;
	char *id = NULL;
	struct key *k = NULL;
	int rc = 0;

	pthread_mutex_lock(&kr->lock);
	for (size_t i = 0; i < kr->n; i++)
		if (kr->list[i].org == org && kr->list[i].statement_id == statement_id) {
			*key_id = kr->list[i].key_id;
			*key = kr->list[i].key;
			goto out;
		}
	rc = signer_load(kr, st, org, statement_id, &id, &k, err);
	if (rc)
		goto out;
	if (kr->n == kr->cap) {
		kr->cap = kr->cap ? kr->cap * 2 : 8;
		kr->list = xrealloc(kr->list, kr->cap * sizeof(*kr->list));
	}
	e = &kr->list[kr->n++];
	e->org = org;
	e->statement_id = statement_id;
	e->key_id = id;
	e->key = k;
	*key_id = id;
	*key = k;
out:
	pthread_mutex_unlock(&kr->lock);
	return rc;
}

int keyring_signer(struct keyring *kr, struct store *st, int64_t statement_id,
		   const char **key_id, struct key **key, struct err *err)
{
	return signer_get(kr, st, false, statement_id, key_id, key, err);
}

int keyring_org_signer(struct keyring *kr, struct store *st, int64_t org_id,
		       const char **key_id, struct key **key, struct err *err)
{
	if (org_id <= 0)
		return errorf(err, ERR_NOTFOUND, "no organisation %lld", (long long)org_id);
	return signer_get(kr, st, true, org_id, key_id, key, err);
}
