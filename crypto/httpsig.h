/*
 * HTTP Signatures, pure: parse a signed request's headers into a struct, build
 * the exact string that was signed, verify it with a key the caller has already
 * looked up (by httpsig_key_id()), and sign outgoing requests. No I/O here.
 *
 * Two schemes are read: draft-cavage-http-signatures-12 (`Signature:
 * keyId=...,headers=...,signature=...`, what Mastodon, Misskey, PeerTube and
 * most of the fediverse send) and RFC 9421 (`Signature-Input` + `Signature`,
 * what Fedify sends first and Mastodon 4.7 as a fallback). A request with a
 * Signature-Input header is read as RFC 9421, as Mastodon does.
 *
 * What verification requires (each failure says which, with -ERR_BADSIG):
 *  - the key verifies the signature over the rebuilt signing string / base;
 *  - the method and path are covered: cavage (request-target); RFC 9421
 *    @method plus one of @target-uri, @path, @request-target;
 *  - the host is covered: host, or in RFC 9421 @authority or @target-uri;
 *  - the time is covered: the Date header or the created parameter, and each
 *    present one within +-LIMIT_DATE_SKEW_S of now; an expires parameter not passed;
 *  - for POST (or any request with a body): Digest or Content-Digest covered
 *    and matching the body.
 */
#ifndef CRYPTO_HTTPSIG_H
#define CRYPTO_HTTPSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/digest.h"
#include "crypto/keys.h"
#include "util/err.h"
#include "util/str.h"

/* One request header as received (borrowed strings). Names compare case-insensitively. */
struct http_header {
	const char *name;
	const char *value;
};

/* A read-only view of a received request; every pointer is borrowed. */
struct httpsig_request {
	const char *method;                /* "POST" */
	const char *target;                /* path?query as received: "/s/x/inbox" */
	const struct http_header *headers; /* in the order received; repeats allowed */
	size_t n_headers;
	const char *authority;             /* host[:port], used when Host is missing */
	const void *body;                  /* may be NULL when body_len is 0 */
	size_t body_len;
	const char *scheme;                /* "https" or "http" for @target-uri; NULL = "https" */
};

enum httpsig_scheme {
	HTTPSIG_CAVAGE = 1,
	HTTPSIG_RFC9421 = 2,
};

struct httpsig;

/*
 * Parse the signature of req: an RFC 9421 Signature-Input + Signature pair
 * (the first label of Signature-Input) when Signature-Input is present, else a
 * draft-cavage Signature header. Checks syntax only (no key, no time, no body).
 * On success *out is new; free it with httpsig_free().
 * Returns 0; -ERR_BADSIG when the request carries no signature; -ERR_TOOBIG
 * past LIMIT_SIGNATURE_HEADER_BYTES or LIMIT_SIGNED_HEADERS; -ERR_UNSUPPORTED
 * for a component we cannot rebuild; -ERR_INVALID when malformed.
 */
int httpsig_parse(const struct httpsig_request *req, struct httpsig **out, struct err *err);

/* Free a parsed signature; NULL is fine. */
void httpsig_free(struct httpsig *sig);

/* The keyId (cavage) or keyid parameter (RFC 9421): borrowed, lives as long as sig. */
const char *httpsig_key_id(const struct httpsig *sig);

/*
 * The signature's bytes (base64-decoded from the Signature header): borrowed,
 * lives as long as sig; *len set to their length. For proof bundles that a
 * third party checks with openssl.
 */
const unsigned char *httpsig_signature(const struct httpsig *sig, size_t *len);

/* Which scheme the signature was read from. */
enum httpsig_scheme httpsig_scheme(const struct httpsig *sig);

/* The algorithm named in the signature, or NULL when absent (borrowed). */
const char *httpsig_algorithm(const struct httpsig *sig);

/*
 * The covered components in signed order, lowercased: cavage "(request-target)",
 * "host", ...; RFC 9421 "@method", "content-digest", ... Borrowed array of
 * borrowed strings, *n set to its length.
 */
const char *const *httpsig_components(const struct httpsig *sig, size_t *n);

/* True when the signature covers this component (case-insensitive). */
bool httpsig_covers(const struct httpsig *sig, const char *component);

/*
 * Rebuild the exact string the signer signed (cavage signing string, or the
 * RFC 9421 signature base ending with the "@signature-params" line) from req.
 * *out is new (caller frees). Returns 0, or -ERR_BADSIG when a covered header
 * is missing from req, -ERR_TOOBIG when too long.
 */
int httpsig_signing_string(const struct httpsig *sig, const struct httpsig_request *req,
			   char **out, struct err *err);

/*
 * Verify sig (from httpsig_parse of the same req) with key, at time now (Unix
 * seconds): the rules at the top of this file. key must be the one named by
 * httpsig_key_id(); it may be shared with other threads (see crypto/keys.h).
 * Returns 0 when valid; -ERR_BADSIG with a precise message ("date outside
 * window", "digest not signed", "signature does not verify", ...);
 * -ERR_UNSUPPORTED for an algorithm we do not verify; -ERR_INVALID when malformed.
 */
int httpsig_verify(const struct httpsig *sig, const struct httpsig_request *req,
		   struct key *key, int64_t now, struct err *err);

/* The Date and Digest values for an outgoing request, made at one time. */
struct httpsig_values {
	char date[TIME_STR_MAX];             /* IMF-fixdate of now */
	char digest[DIGEST_VALUE_MAX];       /* "SHA-256=<b64>" of the body; "" without a body */
	char content_digest[DIGEST_VALUE_MAX]; /* "sha-256=:<b64>:"; "" without a body */
};

/* Fill v for a request made at now with this body (body NULL: a GET, no digests). */
void httpsig_values_make(int64_t now, const void *body, size_t body_len,
			 struct httpsig_values *v);

/*
 * Sign an outgoing request draft-cavage style, as Mastodon sends and Misskey and
 * PeerTube accept: *signature_header becomes the Signature header value
 * `keyId="K",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="B64"`
 * with no spaces after the commas (PeerTube's parser needs that). digest is
 * NULL for a GET (then "digest" is not in headers). host is the Host header
 * value sent (port included when not the default); date the Date value sent.
 * An Ed25519 key signs with algorithm="hs2019". *signature_header is new
 * (caller frees). Returns 0, or -ERR_INVALID for a bad argument, -ERR_INTERNAL.
 */
int httpsig_sign(const char *method, const char *target, const char *host, const char *date,
		 const char *digest, const char *key_id, struct key *key,
		 char **signature_header, struct err *err);

/*
 * Sign an outgoing request RFC 9421 style: covers "@method" "@target-uri"
 * "@authority" "date" and, when content_digest is not NULL, "content-digest",
 * with created=now, keyid and alg ("rsa-v1_5-sha256" or "ed25519"), label
 * "sig1". target_uri is the full URL ("https://host/path?q"); authority its
 * host[:port]. *signature_input and *signature are the two header values, new
 * (caller frees both). Returns 0 or -ERR_INVALID / -ERR_INTERNAL.
 */
int httpsig_sign_rfc9421(const char *method, const char *target_uri, const char *authority,
			 const char *date, const char *content_digest, const char *key_id,
			 struct key *key, int64_t now, char **signature_input,
			 char **signature, struct err *err);

#endif
