/* Who sent this request: the HTTP Signature checked against the sender's key. */
#ifndef ACTIVITYPUB_VERIFY_H
#define ACTIVITYPUB_VERIFY_H

#include "activitypub/request.h"
#include "util/err.h"

struct ctx;
struct remote_actor;

/*
 * Check req's signature (draft-cavage or RFC 9421, with its digest and date)
 * with the key named by its keyId: from the store, else fetched. When a cached
 * key fails, the key is fetched again once (the sender may have rotated it).
 * On success *signer is the actor that owns the key (caller frees with
 * remote_actor_free). Returns 0; -ERR_BADSIG (401: no, bad or stale
 * signature, unknown key); -ERR_INVALID (400: digest mismatch, malformed);
 * -ERR_RETRY when the key could not be fetched, or kept in the store, for a
 * passing reason (the other server is down, our disk is full).
 */
int verify_request(struct ctx *ctx, const struct request *req, struct remote_actor **signer,
		   struct err *err);

#endif
