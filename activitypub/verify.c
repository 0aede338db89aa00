#include "activitypub/verify.h"

#include <stdio.h>
#include <time.h>

#include "activitypub/ctx.h"
#include "activitypub/fetch.h"
#include "activitypub/keycache.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "store/store.h"
#include "util/str.h"

static void request_view(const struct ctx *ctx, const struct request *req,
			 struct httpsig_request *hr)
{
	*hr = (struct httpsig_request){
		.method = req->method,
		.target = req->target,
		.headers = req->headers,
		.n_headers = req->n_headers,
		.authority = ctx->cfg->authority,
		.body = req->body,
		.body_len = req->body_len,
		.scheme = str_starts(ctx->cfg->base_url, "https:") ? "https" : "http",
	};
}

/* Verify with the actor's current key; -ERR_BADSIG when it does not match. */
static int verify_with(struct ctx *ctx, const struct httpsig *sig,
		       const struct httpsig_request *hr, const struct remote_actor *actor,
		       struct err *err)
{
	struct keycache_ref *ref = NULL;
	struct key *key = NULL;
	int rc;

	if (!str_eq(actor->key_id, httpsig_key_id(sig)) &&
	    !str_eq(actor->id, httpsig_key_id(sig)))
		return errorf(err, ERR_BADSIG, "key '%s' is not the actor's key",
			      httpsig_key_id(sig));
	/* Parsing a PEM costs several verifications: the shared cache keeps keys parsed. */
	if (ctx->keys)
		rc = keycache_get(ctx->keys, actor->key_id, actor->public_pem, &key, &ref, err);
	else
		rc = key_load_public(actor->public_pem, &key, err);
	if (rc)
		return errorf(err, ERR_BADSIG, "the signer's key does not load");
	rc = httpsig_verify(sig, hr, key, (int64_t)time(NULL), err);
	if (ref)
		keycache_release(ctx->keys, ref);
	else
		key_free(key);
	return rc;
}

int verify_request(struct ctx *ctx, const struct request *req, struct remote_actor **signer,
		   struct err *err)
{
	struct httpsig_request hr;
	struct httpsig *sig = NULL;
	struct remote_actor *actor = NULL;
	bool cached;
	int rc;

	*signer = NULL;
	request_view(ctx, req, &hr);
	rc = httpsig_parse(&hr, &sig, err);
	if (rc == -ERR_TOOBIG || rc == -ERR_UNSUPPORTED)
		rc = -ERR_BADSIG;
	if (rc)
		goto out;
	/* A key we know: verify offline first. */
	rc = store_actor_get_by_key(ctx->store, httpsig_key_id(sig), &actor, NULL);
	cached = rc == 0;
	if (!cached) {
		rc = fetch_actor_cached(ctx, httpsig_key_id(sig), false, &actor, err);
		if (rc)
			goto fetch_failed;
	}
	rc = verify_with(ctx, sig, &hr, actor, err);
	/* Only a signature that does not verify with a cached key earns a refetch. */
	if (rc == -ERR_BADSIG && cached && str_eq(err->msg, "signature does not verify")) {
		remote_actor_free(actor);
		actor = NULL;
		rc = fetch_actor_cached(ctx, httpsig_key_id(sig), true, &actor, err);
		if (rc)
			goto fetch_failed;
		rc = verify_with(ctx, sig, &hr, actor, err);
	}
	if (!rc) {
		*signer = actor;
		actor = NULL;
	}
	goto out;
fetch_failed:
	if (rc != -ERR_RETRY) {
		char why[sizeof(err->msg)];

		snprintf(why, sizeof(why), "%s", err->msg);
		/* Our own store failing to keep the key (a full disk) passes too: 503, not 401. */
		rc = rc == -ERR_IO ? errorf(err, ERR_RETRY, "%s", why)
				   : errorf(err, ERR_BADSIG, "unknown key '%s': %s",
					    httpsig_key_id(sig), why);
	}
out:
	remote_actor_free(actor);
	httpsig_free(sig);
	return rc;
}
