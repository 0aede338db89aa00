/*
 * Keys: generate RSA and Ed25519 key pairs as PEM, load PEM into an opaque
 * struct key, sign and verify bytes. This file and its siblings in crypto/
 * are the only ones that see OpenSSL.
 *
 * Threads: a loaded struct key is never changed after key_load_*(), and every
 * sign or verify call makes its own OpenSSL context. So one key may be used by
 * several threads at once (key_sign, key_verify, key_public_pem), as long as no
 * thread frees it while another uses it.
 */
#ifndef CRYPTO_KEYS_H
#define CRYPTO_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct key;

enum key_type {
	KEY_RSA = 1,     /* signs RSASSA-PKCS1-v1_5 with SHA-256 */
	KEY_ED25519 = 2, /* signs Ed25519 (the message itself, no pre-hash) */
};

/*
 * Make a new RSA key pair of `bits` bits (2048 for actors; LIMIT_RSA_MIN_BITS..LIMIT_RSA_MAX_BITS).
 * *private_pem is PKCS#8 ("BEGIN PRIVATE KEY"): the caller frees it with
 * key_pem_free(). *public_pem is SPKI ("BEGIN PUBLIC KEY"): the caller frees it
 * with free(). Returns 0, or -ERR_INVALID (bits out of range) / -ERR_INTERNAL.
 */
int key_generate_rsa(int bits, char **private_pem, char **public_pem, struct err *err);

/* The same for an Ed25519 key pair (PKCS#8 and SPKI PEM; same ownership). */
int key_generate_ed25519(char **private_pem, char **public_pem, struct err *err);

/* Wipe a private key PEM (OPENSSL_cleanse) and free it. NULL is fine. */
void key_pem_free(char *pem);

/*
 * Load a private key (RSA or Ed25519) from PEM: PKCS#8 "BEGIN PRIVATE KEY" or
 * PKCS#1 "BEGIN RSA PRIVATE KEY"; encrypted keys are refused (never prompts).
 * On success *out is a new key the caller frees with key_free().
 * Returns 0, or -ERR_INVALID / -ERR_TOOBIG / -ERR_UNSUPPORTED (other key types).
 */
int key_load_private(const char *pem, struct key **out, struct err *err);

/*
 * Load a public key from PEM: SPKI "BEGIN PUBLIC KEY" (RSA or Ed25519) or
 * PKCS#1 "BEGIN RSA PUBLIC KEY". Leading white space is accepted; anything
 * else before the PEM block, or a private key, is refused. At most
 * LIMIT_KEY_PEM_BYTES. On success *out is new; the caller frees it with key_free().
 * Returns 0, or -ERR_INVALID / -ERR_TOOBIG / -ERR_UNSUPPORTED.
 */
int key_load_public(const char *pem, struct key **out, struct err *err);

/* Free a key (public or private); NULL is fine. */
void key_free(struct key *k);

/* KEY_RSA or KEY_ED25519. */
enum key_type key_type(const struct key *k);

/* True when the key holds a private part (it can sign). */
bool key_is_private(const struct key *k);

/* The public half as SPKI PEM; *pem is new, the caller frees it with free(). */
int key_public_pem(const struct key *k, char **pem, struct err *err);

/*
 * Sign len bytes of data with a private key: RSASSA-PKCS1-v1_5 over SHA-256
 * for RSA, pure Ed25519 for Ed25519. *sig is new (caller frees with free()),
 * *sig_len its length. Returns 0, or -ERR_INVALID (not a private key) / -ERR_INTERNAL.
 */
int key_sign(struct key *k, const void *data, size_t len, unsigned char **sig,
	     size_t *sig_len, struct err *err);

/*
 * True only when sig is a valid signature of data under k (the same schemes
 * as key_sign; OpenSSL must answer exactly 1). Any error is false.
 */
bool key_verify(struct key *k, const void *data, size_t len, const unsigned char *sig,
		size_t sig_len);

#endif
