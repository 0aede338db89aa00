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

#endif
