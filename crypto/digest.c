/* Body digests and base64, with OpenSSL's SHA-256 and SHA-512. */
#include "crypto/digest.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "util/mem.h"
#include "util/str.h"

#define SHA512_LEN 64

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void digest_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	/* EVP_Digest cannot fail for SHA-256 on memory short of a broken library. */
	if (EVP_Digest(data ? data : "", len, out, NULL, EVP_sha256(), NULL) != 1)
		abort();
}

static void digest_sha512(const void *data, size_t len, unsigned char out[SHA512_LEN])
{
	if (EVP_Digest(data ? data : "", len, out, NULL, EVP_sha512(), NULL) != 1)
		abort();
}

/* Encode into out, which has room for 4 * ceil(len / 3) + 1 bytes. */
static void base64_encode_into(const unsigned char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;

		out[o++] = b64_alphabet[v >> 18 & 63];
		out[o++] = b64_alphabet[v >> 12 & 63];
		out[o++] = b64_alphabet[v >> 6 & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
}

char *base64_encode(const void *data, size_t len)
{
	char *out = xmalloc((len + 2) / 3 * 4 + 1);

	base64_encode_into(data, len, out);
	return out;
}

/* The 6-bit value of a base64 character, or -1. */
static int b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int base64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len,
		  struct err *err)
{
	unsigned char *buf;
	size_t pad = 0, n = 0, i;

	*out = NULL;
	*out_len = 0;
	if (len % 4 != 0)
		return errorf(err, ERR_INVALID, "base64 length %zu is not a multiple of 4", len);
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (len >= 2 && s[len - 2] == '=')
		pad++;
	buf = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		int v[4];
		bool last = i + 4 == len;

		for (int j = 0; j < 4; j++) {
			if (last && j >= 4 - (int)pad) {
				v[j] = 0;
				continue;
			}
			v[j] = b64_value((unsigned char)s[i + j]);
			if (v[j] < 0) {
				free(buf);
				return errorf(err, ERR_INVALID, "bad base64 character at %zu",
					      i + (size_t)j);
			}
		}
		buf[n++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (!last || pad < 2)
			buf[n++] = (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (!last || pad < 1)
			buf[n++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
		/* Bits that padding leaves unused must be zero (one encoding per value). */
		if (last && ((pad == 2 && (v[1] & 15)) || (pad == 1 && (v[2] & 3)))) {
			free(buf);
			return errorf(err, ERR_INVALID, "non-canonical base64 padding");
		}
	}
	buf[n] = '\0';
	*out = buf;
	*out_len = n;
	return 0;
}

void digest_header_make(const void *body, size_t len, char out[DIGEST_VALUE_MAX])
{
	unsigned char md[SHA256_LEN];
	char b64[SHA256_B64_LEN + 1];

	digest_sha256(body, len, md);
	base64_encode_into(md, sizeof(md), b64);
	snprintf(out, DIGEST_VALUE_MAX, "SHA-256=%s", b64);
}

void digest_content_make(const void *body, size_t len, char out[DIGEST_VALUE_MAX])
{
	unsigned char md[SHA256_LEN];
	char b64[SHA256_B64_LEN + 1];

	digest_sha256(body, len, md);
	base64_encode_into(md, sizeof(md), b64);
	snprintf(out, DIGEST_VALUE_MAX, "sha-256=:%s:", b64);
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Compare one decoded digest with the body's; field and alg name it in the message. */
static int digest_compare(const char *field, const char *alg, const unsigned char *got,
			  size_t got_len, const unsigned char *want, size_t want_len,
			  struct err *err)
{
	if (got_len != want_len || CRYPTO_memcmp(got, want, want_len) != 0)
		return errorf(err, ERR_BADSIG, "%s: %s digest does not match the body", field, alg);
	return 0;
}

/*
 * Walk a comma-separated list of alg=value members. sf: Content-Digest, where
 * each value is an RFC 8941 byte sequence ":<b64>:"; else Digest, a bare base64.
 */
static int digest_check(const char *value, const void *body, size_t len, bool sf,
			const char *field, struct err *err)
{
	unsigned char sha256[SHA256_LEN], sha512[SHA512_LEN];
	bool have256 = false, done512 = false;
	const char *p = value;
	int rc = 0;

	if (!value)
		return errorf(err, ERR_INVALID, "no %s value", field);
	digest_sha256(body, len, sha256);
	while (is_ows(*p))
		p++;
	if (!*p)
		return errorf(err, ERR_INVALID, "empty %s", field);
	for (;;) {
		const char *name = p, *val, *end;
		size_t name_len, val_len;
		unsigned char *dec = NULL;
		size_t dec_len = 0;
		char alg[16];

		while (*p && *p != '=' && *p != ',' && !is_ows(*p))
			p++;
		name_len = (size_t)(p - name);
		if (*p != '=' || name_len == 0 || name_len >= sizeof(alg))
			return errorf(err, ERR_INVALID, "malformed %s member", field);
		memcpy(alg, name, name_len);
		alg[name_len] = '\0';
		p++;
		if (sf) {
			if (*p != ':')
				return errorf(err, ERR_INVALID, "%s value is not a byte sequence", field);
			val = ++p;
			while (*p && *p != ':')
				p++;
			if (*p != ':')
				return errorf(err, ERR_INVALID, "unterminated %s byte sequence", field);
			end = p++;
		} else {
			val = p;
			while (*p && *p != ',' && !is_ows(*p))
				p++;
			end = p;
		}
		val_len = (size_t)(end - val);
		while (is_ows(*p))
			p++;
		if (*p && *p != ',')
			return errorf(err, ERR_INVALID, "junk after a %s member", field);

		if (str_ieq(alg, "sha-256") || str_ieq(alg, "sha-512")) {
			bool is256 = str_ieq(alg, "sha-256");

			if ((is256 && have256) || (!is256 && done512))
				return errorf(err, ERR_INVALID, "%s names %s twice", field, alg);
			rc = base64_decode(val, val_len, &dec, &dec_len, err);
			if (rc < 0)
				return errorf(err, ERR_INVALID, "%s %s value is not base64", field, alg);
			if (is256) {
				have256 = true;
				rc = digest_compare(field, "SHA-256", dec, dec_len, sha256, sizeof(sha256), err);
			} else {
				done512 = true;
				digest_sha512(body, len, sha512);
				rc = digest_compare(field, "SHA-512", dec, dec_len, sha512, sizeof(sha512), err);
			}
			free(dec);
			if (rc < 0)
				return rc;
		}
		if (!*p)
			break;
		p++; /* the comma */
		while (is_ows(*p))
			p++;
		if (!*p)
			return errorf(err, ERR_INVALID, "trailing comma in %s", field);
	}
	if (!have256)
		return errorf(err, ERR_UNSUPPORTED, "%s has no SHA-256", field);
	return 0;
}

int digest_header_check(const char *value, const void *body, size_t len, struct err *err)
{
	return digest_check(value, body, len, false, "Digest", err);
}

int digest_content_check(const char *value, const void *body, size_t len, struct err *err)
{
	return digest_check(value, body, len, true, "Content-Digest", err);
}
