/*
 * Inside crypto/httpsig*.c: the parsed signature and what the two schemes
 * share. httpsig.c holds the common part (the request's headers, the parsed
 * signature, parse and verify, which dispatch on the scheme);
 * httpsig_cavage.c draft-cavage-12 and httpsig_rfc9421.c RFC 9421 (with the
 * RFC 8941 structured fields it needs): reading the header, the scheme's
 * lines of the signed string, and signing. Not for use outside crypto/.
 */
#ifndef CRYPTO_HTTPSIG_INTERNAL_H
#define CRYPTO_HTTPSIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "crypto/httpsig.h"
#include "util/buf.h"
#include "util/limits.h"

/* The signed string is made of the request target, covered headers and the signature input. */
#define SIGNING_STRING_MAX (LIMIT_URL_BYTES + LIMIT_HEADER_BYTES + LIMIT_SIGNATURE_HEADER_BYTES)

struct httpsig {
	enum httpsig_scheme scheme;
	char *key_id;
	char *alg;              /* lowercased; NULL when absent */
	char **comps;           /* covered components, lowercased, in signed order */
	size_t n_comps;
	unsigned char *sig;     /* the decoded signature */
	size_t sig_len;
	bool has_created, has_expires;
	int64_t created, expires;
	char *params;           /* RFC 9421: the "@signature-params" value, re-serialized */
};

/* ---- small helpers ---- */

static inline bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

/* RFC 9110 tchar: the characters of a header name. */
static inline bool is_tchar(char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static inline char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline void str_lower(char *s)
{
	for (; *s; s++)
		*s = to_lower(*s);
}

/* True when s holds only printable ASCII (what a quoted value may carry). */
static inline bool is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

/* A value going into a header or a quoted parameter: printable ASCII, no quote or backslash. */
static inline bool safe_value(const char *s)
{
	return s && s[0] && is_printable(s) && !strchr(s, '"') && !strchr(s, '\\');
}

/* ---- shared by the two schemes (httpsig.c) ---- */

/*
 * Append the value of header name to b: every instance, canonicalised, joined
 * with ", ". Returns 1 when found, 0 when the request lacks it, -1 past b's limit.
 */
int httpsig_header_join(const struct httpsig_request *req, const char *name, struct buf *b);

/* Add a covered component; refuses duplicates and more than LIMIT_SIGNED_HEADERS. */
int httpsig_add_comp(struct httpsig *sig, const char *name, size_t len, struct err *err);

/* Sign the string in b; *out becomes the base64 signature (new). */
int httpsig_sign_b64(struct key *key, const struct buf *b, char **out, struct err *err);

/* ---- draft-cavage (httpsig_cavage.c) ---- */

/* Read a draft-cavage Signature header value into sig. */
int httpsig_cavage_parse(const char *value, struct httpsig *sig, struct err *err);

/*
 * The start of covered component c's line in the signing string: 1 when the
 * line is complete (a pseudo-header), 0 when the header's value is to follow,
 * -1 past b's limit. target_len: how much of req->target (request-target)
 * takes (all of it, or the path without the query).
 */
int httpsig_cavage_line(struct buf *b, const struct httpsig *sig, const char *c,
			const struct httpsig_request *req, size_t target_len);

/* ---- RFC 9421 (httpsig_rfc9421.c) ---- */

/* Read the first label of Signature-Input and its Signature into sig. */
int httpsig_rfc9421_parse(const char *input, const char *signature, struct httpsig *sig,
			  struct err *err);

/*
 * The start of covered component c's line in the signature base: 1 when the
 * line is complete (a derived component), 0 when the header's value is to
 * follow, -1 past b's limit.
 */
int httpsig_rfc9421_line(struct buf *b, const char *c, const struct httpsig_request *req);

#endif
