/*
 * Our own keys: the instance actor's (made on first start), each statement
 * actor's and each organisation actor's.
 */
#ifndef ACTIVITYPUB_KEYRING_H
#define ACTIVITYPUB_KEYRING_H

#include <stdint.h>

#include "util/err.h"

struct key;
struct store;

/* Settings keys under which the instance actor's key pair is kept. */
#define KEYRING_INSTANCE_PRIVATE "instance_private_pem"
#define KEYRING_INSTANCE_PUBLIC "instance_public_pem"

/* Make and store the instance actor's RSA-2048 key pair unless it exists. */
int keyring_instance_ensure(struct store *st, struct err *err);

/*
 * A cache of our private keys, loaded from the store on first use (PEM
 * parsing costs about a millisecond) and kept until keyring_free(). Safe to
 * share between threads: each caller passes its own store connection.
 */
struct keyring;

/* A new, empty keyring for the server at base_url (copied; no trailing slash). */
struct keyring *keyring_new(const char *base_url);
/* Free every key (wiped by crypto/); NULL is fine. No signer may be in use. */
void keyring_free(struct keyring *kr);

/*
 * Who signs for statement_id (0 = the instance actor): *key_id becomes
 * "B/s/SLUG#main-key" (or "B/actor#main-key") and *key the private key, both
 * borrowed from kr and valid until keyring_free(). Loads from st on the first
 * call for that id. Returns 0; -ERR_NOTFOUND when the statement or the
 * instance key does not exist; the key_load_private() or store error otherwise.
 */
int keyring_signer(struct keyring *kr, struct store *st, int64_t statement_id,
		   const char **key_id, struct key **key, struct err *err);

/*
 * Who signs for organisation org_id (activitypub/org.h): "B/o/SLUG#main-key"
 * and its private key, borrowed from kr as keyring_signer()'s. Returns 0;
 * -ERR_NOTFOUND when the organisation does not exist; other errors as above.
 */
int keyring_org_signer(struct keyring *kr, struct store *st, int64_t org_id,
		       const char **key_id, struct key **key, struct err *err);

#endif
