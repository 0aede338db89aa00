/*
 * Keys with OpenSSL 3: PEM in and out, sign and verify. PEM is read with
 * PEM_read_bio() so that we choose the accepted labels ourselves, then the DER
 * is decoded and must be consumed to the last byte.
 */
#include "crypto/keys.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "util/limits.h"
#include "util/mem.h"

struct key {
	EVP_PKEY *pkey;     /* never changed after load */
	enum key_type type;
	bool is_private;
};

/* A PEM label and whether it holds a private key. */
enum pem_kind { PEM_SPKI, PEM_RSA_PUBLIC, PEM_PKCS8, PEM_RSA_PRIVATE };

/* The PEM of a key never exceeds this, private or public (RSA-8192 PKCS#8 is ~6.3 KB). */
#define KEY_PEM_MAX LIMIT_KEY_PEM_BYTES

/* Drop what OpenSSL queued for this thread: we report errors in our own words. */
static void ossl_forget(void)
{
	ERR_clear_error();
}

/* Copy a memory BIO's contents into a new NUL-terminated string (caller frees). */
static char *bio_to_string(BIO *bio)
{
	char *data = NULL;
	long n = BIO_get_mem_data(bio, &data);
	char *s;

	if (n < 0)
		n = 0;
	s = xmalloc((size_t)n + 1);
	if (n > 0)
		memcpy(s, data, (size_t)n);
	s[n] = '\0';
	return s;
}

/* Check a decoded key's type and size, and wrap it. Takes pkey in all cases. */
static int key_wrap(EVP_PKEY *pkey, bool is_private, struct key **out, struct err *err)
{
	struct key *k;
	enum key_type type;
	int bits;

	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		type = KEY_RSA;
		bits = EVP_PKEY_get_bits(pkey);
		if (bits < LIMIT_RSA_MIN_BITS || bits > LIMIT_RSA_MAX_BITS) {
			EVP_PKEY_free(pkey);
			return errorf(err, ERR_UNSUPPORTED, "RSA key of %d bits (allowed %d..%d)",
				      bits, LIMIT_RSA_MIN_BITS, LIMIT_RSA_MAX_BITS);
		}
		break;
	case EVP_PKEY_ED25519:
		type = KEY_ED25519;
		break;
	default:
		EVP_PKEY_free(pkey);
		return errorf(err, ERR_UNSUPPORTED, "key type is neither RSA nor Ed25519");
	}
	k = xcalloc(1, sizeof(*k));
	k->pkey = pkey;
	k->type = type;
	k->is_private = is_private;
	*out = k;
	return 0;
}

/*
 * Read one PEM block from pem and decode it as a key of one of the allowed
 * kinds (want_private chooses the private or the public labels).
 */
static int key_load(const char *pem, bool want_private, struct key **out, struct err *err)
{
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	const unsigned char *p;
	EVP_PKEY *pkey = NULL;
	enum pem_kind kind;
	size_t n;
	char rest[64];
	int got, rc;

	*out = NULL;
	if (!pem)
		return errorf(err, ERR_INVALID, "no key PEM");
	while (*pem == ' ' || *pem == '\t' || *pem == '\r' || *pem == '\n')
		pem++;
	n = strnlen(pem, KEY_PEM_MAX + 1);
	if (n > KEY_PEM_MAX)
		return errorf(err, ERR_TOOBIG, "key PEM longer than %d bytes", KEY_PEM_MAX);
	if (strncmp(pem, "-----BEGIN ", 11) != 0)
		return errorf(err, ERR_INVALID, "key is not PEM");

	bio = BIO_new_mem_buf(pem, (int)n);
	if (!bio) {
		rc = errorf(err, ERR_INTERNAL, "out of memory in OpenSSL");
		goto out;
	}
	if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1) {
		rc = errorf(err, ERR_INVALID, "malformed PEM");
		goto out;
	}
	/* Encrypted keys carry PEM headers ("Proc-Type"): refused, we never ask for a pass phrase. */
	if (header && header[0]) {
		rc = errorf(err, ERR_UNSUPPORTED, "encrypted or annotated PEM is not accepted");
		goto out;
	}
	/* Nothing but white space may follow the block. */
	while ((got = BIO_read(bio, rest, (int)sizeof(rest))) > 0) {
		for (int i = 0; i < got; i++) {
			if (rest[i] != ' ' && rest[i] != '\t' && rest[i] != '\r' && rest[i] != '\n') {
				rc = errorf(err, ERR_INVALID, "junk after the PEM block");
				goto out;
			}
		}
	}

	if (strcmp(name, "PUBLIC KEY") == 0)
		kind = PEM_SPKI;
	else if (strcmp(name, "RSA PUBLIC KEY") == 0)
		kind = PEM_RSA_PUBLIC;
	else if (strcmp(name, "PRIVATE KEY") == 0)
		kind = PEM_PKCS8;
	else if (strcmp(name, "RSA PRIVATE KEY") == 0)
		kind = PEM_RSA_PRIVATE;
	else {
		rc = errorf(err, ERR_UNSUPPORTED, "PEM label '%.40s' is not a key we read", name);
		goto out;
	}
	if (want_private != (kind == PEM_PKCS8 || kind == PEM_RSA_PRIVATE)) {
		rc = errorf(err, ERR_INVALID, want_private ? "expected a private key PEM"
							    : "expected a public key PEM");
		goto out;
	}

	p = der;
	switch (kind) {
	case PEM_SPKI:
		pkey = d2i_PUBKEY(NULL, &p, der_len);
		break;
	case PEM_RSA_PUBLIC:
		pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, der_len);
		break;
	case PEM_PKCS8:
	case PEM_RSA_PRIVATE:
		pkey = d2i_AutoPrivateKey(NULL, &p, der_len);
		break;
	}
	if (!pkey || p != der + der_len) {
		rc = errorf(err, ERR_INVALID, "key PEM does not decode");
		goto out;
	}
	rc = key_wrap(pkey, want_private, out, err);
	pkey = NULL; /* taken by key_wrap */
out:
	EVP_PKEY_free(pkey);
	OPENSSL_free(name);
	OPENSSL_free(header);
	if (der)
		OPENSSL_clear_free(der, (size_t)der_len);
	BIO_free(bio);
	ossl_forget();
	return rc;
}

int key_load_private(const char *pem, struct key **out, struct err *err)
{
	return key_load(pem, true, out, err);
}

int key_load_public(const char *pem, struct key **out, struct err *err)
{
	return key_load(pem, false, out, err);
}

void key_free(struct key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k);
}

enum key_type key_type(const struct key *k)
{
	return k->type;
}

bool key_is_private(const struct key *k)
{
	return k->is_private;
}

/* Write pkey's public half as SPKI PEM. */
static int pem_public(EVP_PKEY *pkey, char **pem, struct err *err)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int rc = 0;

	*pem = NULL;
	if (!bio || PEM_write_bio_PUBKEY(bio, pkey) != 1) {
		rc = errorf(err, ERR_INTERNAL, "cannot write the public key PEM");
		goto out;
	}
	*pem = bio_to_string(bio);
out:
	BIO_free(bio);
	ossl_forget();
	return rc;
}

int key_public_pem(const struct key *k, char **pem, struct err *err)
{
	return pem_public(k->pkey, pem, err);
}

/* PEM out of a freshly generated pkey: PKCS#8 private (secure memory) and SPKI public. */
static int pem_pair(EVP_PKEY *pkey, char **private_pem, char **public_pem, struct err *err)
{
	BIO *bio = BIO_new(BIO_s_secmem());
	char *data = NULL;
	long n;
	int rc = 0;

	*private_pem = NULL;
	*public_pem = NULL;
	/* PEM_write_bio_PrivateKey writes PKCS#8 ("BEGIN PRIVATE KEY") in OpenSSL 3. */
	if (!bio || PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL) != 1) {
		rc = errorf(err, ERR_INTERNAL, "cannot write the private key PEM");
		goto out;
	}
	n = BIO_get_mem_data(bio, &data);
	if (n <= 0) {
		rc = errorf(err, ERR_INTERNAL, "empty private key PEM");
		goto out;
	}
	*private_pem = xmalloc((size_t)n + 1);
	memcpy(*private_pem, data, (size_t)n);
	(*private_pem)[n] = '\0';
	rc = pem_public(pkey, public_pem, err);
	if (rc < 0) {
		key_pem_free(*private_pem);
		*private_pem = NULL;
	}
out:
	BIO_free(bio); /* a secmem BIO wipes its memory */
	ossl_forget();
	return rc;
}

int key_generate_rsa(int bits, char **private_pem, char **public_pem, struct err *err)
{
	EVP_PKEY *pkey;
	int rc;

	*private_pem = NULL;
	*public_pem = NULL;
	if (bits < LIMIT_RSA_MIN_BITS || bits > LIMIT_RSA_MAX_BITS)
		return errorf(err, ERR_INVALID, "RSA key size %d out of range %d..%d", bits,
			      LIMIT_RSA_MIN_BITS, LIMIT_RSA_MAX_BITS);
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits);
	if (!pkey) {
		ossl_forget();
		return errorf(err, ERR_INTERNAL, "RSA key generation failed");
	}
	rc = pem_pair(pkey, private_pem, public_pem, err);
	EVP_PKEY_free(pkey);
	return rc;
}

int key_generate_ed25519(char **private_pem, char **public_pem, struct err *err)
{
	EVP_PKEY *pkey;
	int rc;

	*private_pem = NULL;
	*public_pem = NULL;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!pkey) {
		ossl_forget();
		return errorf(err, ERR_INTERNAL, "Ed25519 key generation failed");
	}
	rc = pem_pair(pkey, private_pem, public_pem, err);
	EVP_PKEY_free(pkey);
	return rc;
}

void key_pem_free(char *pem)
{
	if (!pem)
		return;
	OPENSSL_cleanse(pem, strlen(pem));
	free(pem);
}

/* SHA-256 for RSA; none for Ed25519, which hashes the message itself. */
static const EVP_MD *key_md(const struct key *k)
{
	return k->type == KEY_RSA ? EVP_sha256() : NULL;
}

int key_sign(struct key *k, const void *data, size_t len, unsigned char **sig,
	     size_t *sig_len, struct err *err)
{
	EVP_MD_CTX *ctx = NULL;
	unsigned char *out = NULL;
	size_t n = 0;
	int rc = 0;

	*sig = NULL;
	*sig_len = 0;
	if (!k || !k->is_private)
		return errorf(err, ERR_INVALID, "signing needs a private key");
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit(ctx, NULL, key_md(k), NULL, k->pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, &n, data, len) != 1 || n == 0) {
		rc = errorf(err, ERR_INTERNAL, "cannot start signing");
		goto out;
	}
	out = xmalloc(n);
	if (EVP_DigestSign(ctx, out, &n, data, len) != 1) {
		rc = errorf(err, ERR_INTERNAL, "signing failed");
		goto out;
	}
	*sig = out;
	*sig_len = n;
	out = NULL;
out:
	free(out);
	EVP_MD_CTX_free(ctx);
	ossl_forget();
	return rc;
}

bool key_verify(struct key *k, const void *data, size_t len, const unsigned char *sig,
		size_t sig_len)
{
	EVP_MD_CTX *ctx;
	bool ok = false;

	if (!k || !sig || sig_len == 0)
		return false;
	ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, key_md(k), NULL, k->pkey) == 1)
		ok = EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1;
	EVP_MD_CTX_free(ctx);
	ossl_forget();
	return ok;
}
