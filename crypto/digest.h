/*
 * Digests of request bodies: SHA-256, strict base64, and the two header forms
 * that carry a body's digest: `Digest: SHA-256=<b64>` (RFC 3230, what Mastodon,
 * Misskey and PeerTube send and expect) and `Content-Digest: sha-256=:<b64>:`
 * (RFC 9530, what RFC 9421 signers send). Pure functions, no I/O.
 */
#ifndef CRYPTO_DIGEST_H
#define CRYPTO_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define SHA256_LEN 32
/* Length of base64(32 bytes): 44 characters. */
#define SHA256_B64_LEN 44
/* Room for "SHA-256=" or "sha-256=::" around the base64, and the NUL. */
#define DIGEST_VALUE_MAX 64

/* out = SHA-256 of len bytes of data (data may be NULL when len is 0). */
void digest_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);

/* Standard base64 (RFC 4648 §4, with padding) of len bytes; a new string the caller frees. */
char *base64_encode(const void *data, size_t len);

/*
 * Strict base64 decode of exactly len characters of s: the standard alphabet,
 * '=' padding to a multiple of 4 and only at the end, unused bits zero; no
 * white space, no URL-safe alphabet. *out is new (caller frees; NUL-terminated
 * for convenience), *out_len its length. Returns 0 or -ERR_INVALID.
 */
int base64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len,
		  struct err *err);

/* The Digest header value of a body, "SHA-256=<b64>", written into out. */
void digest_header_make(const void *body, size_t len, char out[DIGEST_VALUE_MAX]);

/* The Content-Digest header value of a body, "sha-256=:<b64>:", written into out. */
void digest_content_make(const void *body, size_t len, char out[DIGEST_VALUE_MAX]);

/*
 * Check a Digest header value against a body. The value is a comma-separated
 * list of alg=<b64> (names case-insensitive, white space around commas
 * allowed). SHA-256 must be present; SHA-512 is checked too when present;
 * other algorithms are ignored. Returns 0 when every checked digest matches;
 * -ERR_BADSIG on a mismatch; -ERR_UNSUPPORTED when no SHA-256 is given;
 * -ERR_INVALID when malformed.
 */
int digest_header_check(const char *value, const void *body, size_t len, struct err *err);

/*
 * The same for a Content-Digest value (an RFC 8941 dictionary of byte
 * sequences: `sha-256=:<b64>:, sha-512=:<b64>:`). Same rules and returns.
 */
int digest_content_check(const char *value, const void *body, size_t len, struct err *err);

#endif
