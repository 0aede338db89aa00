/*
 * Fuzz target: body digests as a server receives them. The input is
 *
 *   Digest header value
 *   Content-Digest header value
 *   body
 *
 * Both values are checked against the body; strict base64 decoding is fed
 * the first line too. Invariants: a digest we make for a body checks against
 * it; base64 decodes what it encodes; a value accepted for one body is
 * refused for another.
 */
#include <string.h>

#include "crypto/digest.h"
#include "fuzz/fuzz.h"
#include "util/log.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char *digest = fuzz_line(&in);
	char *content = fuzz_line(&in);
	size_t len;
	char *body = fuzz_rest(&in, &len);
	char mine[DIGEST_VALUE_MAX], other[DIGEST_VALUE_MAX];
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	char *b64;
	struct err err;
	int rc;

	(void)digest_header_check(digest, body, len, &err);
	(void)digest_content_check(content, body, len, &err);
	/* The other header's syntax fed to each parser, too. */
	(void)digest_header_check(content, body, len, &err);
	(void)digest_content_check(digest, body, len, &err);

	/* Decoding raw header bytes: what decodes must encode back to the same text. */
	if (base64_decode(digest, strlen(digest), &raw, &raw_len, &err) == 0) {
		b64 = base64_encode(raw, raw_len);
		FUZZ_CHECK(strcmp(b64, digest) == 0, "base64 '%s' decodes and re-encodes as '%s'",
			   digest, b64);
		free(b64);
		free(raw);
	}

	/* What we make for a body checks against it, and against no other. */
	digest_header_make(body, len, mine);
	rc = digest_header_check(mine, body, len, &err);
	FUZZ_CHECK(rc == 0, "own Digest '%s' refused: %s", mine, err.msg);
	digest_content_make(body, len, other);
	rc = digest_content_check(other, body, len, &err);
	FUZZ_CHECK(rc == 0, "own Content-Digest '%s' refused: %s", other, err.msg);
	if (len > 0) {
		rc = digest_header_check(mine, body, len - 1, &err);
		FUZZ_CHECK(rc != 0, "Digest of %zu bytes accepted for %zu", len, len - 1);
	}

	/* A value accepted for a body is refused for any other body. */
	if (len > 0) {
		char *changed = fuzz_dup((const uint8_t *)body, len);

		changed[len - 1] ^= 1;
		if (digest_header_check(digest, body, len, &err) == 0)
			FUZZ_CHECK(digest_header_check(digest, changed, len, &err) != 0,
				   "Digest '%s' accepted for two bodies", digest);
		if (digest_content_check(content, body, len, &err) == 0)
			FUZZ_CHECK(digest_content_check(content, changed, len, &err) != 0,
				   "Content-Digest '%s' accepted for two bodies", content);
		free(changed);
	}
	free(digest);
	free(content);
	free(body);
	return 0;
}
