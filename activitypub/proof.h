/*
 * The proof of a signature: the exact request that was verified (method,
 * target, the signed headers and the signature headers, body) and the
 * signer's public key at that moment, as one JSON text. Anyone holding it can
 * re-check the signature later, offline, without trusting this server.
 *
 * Shape: {"version":1, "actor", "key_id", "public_pem", "verified_at" (Unix
 * seconds), "method", "target", "scheme", "authority",
 * "headers": [[name, value], ...] (as received, in order: the covered ones
 * plus Signature / Signature-Input), "body" (the exact body, UTF-8 text)}.
 */
#ifndef ACTIVITYPUB_PROOF_H
#define ACTIVITYPUB_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activitypub/request.h"
#include "util/err.h"

struct remote_actor;

/*
 * The proof of req, verified at verified_at with signer's key. scheme and
 * authority are this server's (what @target-uri and a missing Host rebuild
 * from). Returns a new string (caller frees), or NULL when req carries no
 * parseable signature.
 */
char *proof_make(const struct request *req, const char *scheme, const char *authority,
		 const struct remote_actor *signer, int64_t verified_at);

/*
 * Re-check a proof offline: rebuild the request, parse its signature, check
 * that its keyId is the proof's key, and verify at the proof's verified_at
 * time (so the date window is judged as it was then). Returns 0 when it
 * holds; -ERR_BADSIG when the signature, digest or body does not match;
 * -ERR_INVALID when the proof is malformed.
 */
int proof_verify(const char *proof_json, struct err *err);

/*
 * A proof taken apart into what a third party checks with openssl alone: the
 * exact signed string (the one that verifies, when a cavage signer left the
 * query out of (request-target)), the signature bytes, the key as SPKI PEM,
 * the body, and the digest header as sent ("Digest: SHA-256=..." or
 * "Content-Digest: sha-256=:...:", NULL when none was signed). Every pointer
 * is owned by the struct: free with proof_parts_release (NULL is fine).
 */
struct proof_parts {
	char *actor;
	char *key_id;
	int64_t verified_at;
	char *signing_string;
	size_t signing_string_len;
	unsigned char *signature;
	size_t signature_len;
	char *public_pem; /* SPKI "BEGIN PUBLIC KEY", whatever form the signer served */
	bool ed25519;     /* else RSA (RSASSA-PKCS1-v1_5 with SHA-256) */
	char *body;       /* NUL-terminated; body_len bytes */
	size_t body_len;
	char *digest_header;
};

/*
 * Take a proof apart (it need not verify: a bundle shows a broken one broken).
 * Returns 0 and fills *out; -ERR_INVALID when the proof is malformed (*out is
 * then empty); -ERR_BADSIG when its signature names another key or a signed
 * header is missing.
 */
int proof_parts(const char *proof_json, struct proof_parts *out, struct err *err);
void proof_parts_release(struct proof_parts *pp);

#endif
