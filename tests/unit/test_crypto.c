/* Unit tests of crypto/: keys, digests, HTTP Signatures (with fixed vectors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto/keys.h"
#include "util/err.h"

/* A 2048-bit RSA key pair made once for the whole run (generation is slow). */
static char *rsa_priv_pem, *rsa_pub_pem;

static int setup_keys(void **state)
{
	struct err err;

	(void)state;
	return key_generate_rsa(2048, &rsa_priv_pem, &rsa_pub_pem, &err) == 0 ? 0 : -1;
}

static int teardown_keys(void **state)
{
	(void)state;
	key_pem_free(rsa_priv_pem);
	free(rsa_pub_pem);
	return 0;
}

static void keys_generate_pem_shapes(void **state)
{
	(void)state;
	assert_true(strncmp(rsa_priv_pem, "-----BEGIN PRIVATE KEY-----\n", 28) == 0);
	assert_true(strncmp(rsa_pub_pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
}

static void keys_rsa_sign_verify(void **state)
{
	struct key *priv = NULL, *pub = NULL;
	struct err err;
	unsigned char *sig = NULL;
	size_t sig_len = 0;
	const char msg[] = "hello fediverse";

	(void)state;
	assert_int_equal(key_load_private(rsa_priv_pem, &priv, &err), 0);
	assert_int_equal(key_load_public(rsa_pub_pem, &pub, &err), 0);
	assert_int_equal(key_type(pub), KEY_RSA);
	assert_true(key_is_private(priv));
	assert_false(key_is_private(pub));
	assert_int_equal(key_sign(priv, msg, strlen(msg), &sig, &sig_len, &err), 0);
	assert_int_equal(sig_len, 256);
	assert_true(key_verify(pub, msg, strlen(msg), sig, sig_len));
	assert_true(key_verify(priv, msg, strlen(msg), sig, sig_len));
	assert_false(key_verify(pub, msg, strlen(msg) - 1, sig, sig_len));
	sig[10] ^= 1;
	assert_false(key_verify(pub, msg, strlen(msg), sig, sig_len));
	assert_false(key_verify(pub, msg, strlen(msg), sig, sig_len - 1));
	/* A public key cannot sign. */
	free(sig);
	assert_int_equal(key_sign(pub, msg, strlen(msg), &sig, &sig_len, &err), -ERR_INVALID);
	assert_null(sig);
	key_free(priv);
	key_free(pub);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keys_generate_pem_shapes),
		cmocka_unit_test(keys_rsa_sign_verify),
	};

	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
