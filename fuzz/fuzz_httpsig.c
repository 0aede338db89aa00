/*
 * Fuzz target: HTTP Signatures as a server receives them. The input reads as
 * a request:
 *
 *   METHOD TARGET
 *   Name: value        (any number of header lines, repeats allowed)
 *
 *   body
 *
 * Every parsed signature is taken through the signing string and a verify
 * with the keys of tests/vectors/ at the vectors' time, so the seeds verify
 * and mutations explore every refusal. Then an invariant: what httpsig_sign
 * and httpsig_sign_rfc9421 make for this method, target, host and body, our
 * own verifier accepts.
 */
#include <string.h>

#include "crypto/digest.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "fuzz/fuzz.h"
#include "util/limits.h"
#include "util/log.h"

#define MAX_HEADERS 40
#define VECTOR_TIME 1795849346 /* signed_at of the vectors in tests/vectors/ */

static const char fedify_pem[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtP9Do9a5L3jj5VKWvN9S\n"
    "BnKv1sZ/psPCehJFcbIjyNGgQR3PL/hqFn/BLpv3jUAmhz2H34K/4C4WRnIQO+/N\n"
    "CeJ8BlvkGA+QewN6luKfnLsrIvlO+MkmObDwZqjsEeLSDRFM9tq7XjYxiHwcYLei\n"
    "+LH7RzrDqvlCcTrG14YhWJXHGQ7h9wtHRAFTgrbLjIkV1ysho+OO5n8+kYmpiP+K\n"
    "BxLp/UXmWlCw26lvpBBN1gqITIh0L49IVxUXpTc/Di6TZtjIGWMZOs+EXjNwicfK\n"
    "rfDEUHgvAXI+CtE6O33lcrpWNT5Lp33Xsw+W5BhjhM5MtpRNVZ71T1zne7PpD1Gi\n"
    "twIDAQAB\n"
    "-----END PUBLIC KEY-----\n";

static const char mastodon_pem[] =
    "-----BEGIN RSA PUBLIC KEY-----\n"
    "MIIBCgKCAQEAoOXbbxCMnwwnk7tKDGvFQKDWGDikmrRsZRn89EyDJ+TON2eLl3Qm\n"
    "zyvOgUGYrkHA5yrleVpdTB4a64Qnxm18SFU1KsaR+j0miLK+lBRNzOb7bH63u8qE\n"
    "OFW6hsi69gJRhR/Pzik39Liiek6FEwKKyBqYZXpdw3ZzZ34uy9UXLvsOMYSCSHfU\n"
    "HlVRMm60c1SSlBnKEb2C9UGIbjQXtNWgAqbaSlyGjxUqCAf/o6y+o2O6yNPdnNNa\n"
    "RmqN+l2TVq7C4MPlD5YUWyhLQlYd+3KqQnWbvmOmH7/M9XiYVMr7hAyiJsYQ6zLy\n"
    "Q6P9Q2ODreJnUEZbZWYdLivwG/3xNVSAVwIDAQAB\n"
    "-----END RSA PUBLIC KEY-----\n";

/* Loaded once; libFuzzer runs the target in one process. */
static struct key *vector_keys[2];
static struct key *ed_private, *ed_public;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char *priv = NULL, *pub = NULL;

	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	if (key_load_public(fedify_pem, &vector_keys[0], NULL) ||
	    key_load_public(mastodon_pem, &vector_keys[1], NULL) ||
	    key_generate_ed25519(&priv, &pub, NULL) || key_load_private(priv, &ed_private, NULL) ||
	    key_load_public(pub, &ed_public, NULL))
		abort();
	key_pem_free(priv);
	free(pub);
	return 0;
}

/* A request as parsed from the input; strings owned here. */
struct fuzz_req {
	char *line;
	char *names[MAX_HEADERS], *values[MAX_HEADERS];
	struct http_header headers[MAX_HEADERS];
	char *body;
	struct httpsig_request req;
};

static void fuzz_req_read(struct fuzz_in *in, struct fuzz_req *fr)
{
	char *sp;
	size_t n = 0;

	memset(fr, 0, sizeof(*fr));
	fr->line = fuzz_line(in);
	sp = strchr(fr->line, ' ');
	if (sp)
		*sp = '\0';
	while (!fuzz_empty(in) && n < MAX_HEADERS) {
		char *h = fuzz_line(in);
		char *colon = strchr(h, ':');

		if (!h[0]) {
			free(h);
			break;
		}
		if (colon) {
			*colon = '\0';
			fr->values[n] = xstrdup(colon + 1 + (colon[1] == ' '));
		} else {
			fr->values[n] = xstrdup("");
		}
		fr->names[n] = h;
		fr->headers[n] = (struct http_header){ fr->names[n], fr->values[n] };
		n++;
	}
	fr->body = fuzz_rest(in, &fr->req.body_len);
	fr->req.method = fr->line;
	fr->req.target = sp ? sp + 1 : "/";
	fr->req.headers = fr->headers;
	fr->req.n_headers = n;
	fr->req.authority = "statements.example.org";
	fr->req.body = fr->body;
	fr->req.scheme = "https";
}

static void fuzz_req_release(struct fuzz_req *fr)
{
	for (size_t i = 0; i < fr->req.n_headers; i++) {
		free(fr->names[i]);
		free(fr->values[i]);
	}
	free(fr->body);
	free(fr->line);
}

static const char *header_of(const struct httpsig_request *r, const char *name)
{
	for (size_t i = 0; i < r->n_headers; i++)
		if (strcasecmp(r->headers[i].name, name) == 0)
			return r->headers[i].value;
	return NULL;
}

/* Parse and verify the request as the inbox would. */
static void parse_and_verify(const struct httpsig_request *req)
{
	struct httpsig *sig = NULL;
	struct err err;
	char *s = NULL;
	size_t n = 0;
	const char *const *comps;

	if (httpsig_parse(req, &sig, &err))
		return;
	FUZZ_CHECK(httpsig_key_id(sig) != NULL, "parsed signature without a key id");
	comps = httpsig_components(sig, &n);
	FUZZ_CHECK(n <= LIMIT_SIGNED_HEADERS, "%zu components", n);
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(httpsig_covers(sig, comps[i]), "component %zu not covered", i);
	(void)httpsig_algorithm(sig);
	(void)httpsig_scheme(sig);
	if (httpsig_signing_string(sig, req, &s, &err) == 0)
		FUZZ_CHECK(s != NULL, "signing string NULL on success");
	free(s);
	for (size_t k = 0; k < 2; k++)
		(void)httpsig_verify(sig, req, vector_keys[k], VECTOR_TIME, &err);
	httpsig_free(sig);
}

/* A token our signer and the verifier must agree on: printable, no space. */
static bool plain(const char *s, bool is_target)
{
	if (!s[0] || (is_target && s[0] != '/'))
		return false;
	for (; *s; s++)
		if (*s <= ' ' || *s > '~' || *s == '"' || *s == '\\' ||
		    (!is_target && !(*s == '.' || *s == '-' || *s == ':' ||
				     (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))))
			return false;
	return true;
}

/* What we sign, we verify: both schemes, with the Ed25519 key. */
static void sign_round_trip(const struct httpsig_request *in)
{
	const char *host = header_of(in, "host");
	struct httpsig_values v;
	struct http_header h[5];
	struct httpsig_request r;
	struct httpsig *sig = NULL;
	char *sh = NULL, *si = NULL, *sv = NULL, *uri = NULL;
	struct err err;
	bool body = in->body_len > 0;
	int rc;

	for (const char *m = in->method; *m; m++)
		if (*m < 'A' || *m > 'Z')
			return;
	if (!in->method[0] || !host || !plain(host, false) || !plain(in->target, true))
		return;
	/* A POST must carry a digest, and there is none to sign without a body. */
	if (!body && strcmp(in->method, "POST") == 0)
		return;
	httpsig_values_make(VECTOR_TIME, body ? in->body : NULL, in->body_len, &v);
	r = *in;
	r.headers = h;
	r.body = body ? in->body : NULL;

	if (httpsig_sign(in->method, in->target, host, v.date, body ? v.digest : NULL,
			 "https://fuzz.example/actor#main-key", ed_private, &sh, &err) == 0) {
		size_t n = 0;

		h[n++] = (struct http_header){ "Host", host };
		h[n++] = (struct http_header){ "Date", v.date };
		if (body)
			h[n++] = (struct http_header){ "Digest", v.digest };
		h[n++] = (struct http_header){ "Signature", sh };
		r.n_headers = n;
		rc = httpsig_parse(&r, &sig, &err);
		FUZZ_CHECK(rc == 0, "own cavage signature does not parse: %s", err.msg);
		rc = httpsig_verify(sig, &r, ed_public, VECTOR_TIME, &err);
		FUZZ_CHECK(rc == 0, "own cavage signature does not verify: %s", err.msg);
		httpsig_free(sig);
		sig = NULL;
	}

	uri = xasprintf("https://%s%s", host, in->target);
	if (httpsig_sign_rfc9421(in->method, uri, host, v.date, body ? v.content_digest : NULL,
				 "https://fuzz.example/actor#main-key", ed_private, VECTOR_TIME,
				 &si, &sv, &err) == 0) {
		size_t n = 0;

		h[n++] = (struct http_header){ "Host", host };
		h[n++] = (struct http_header){ "Date", v.date };
		if (body)
			h[n++] = (struct http_header){ "Content-Digest", v.content_digest };
		h[n++] = (struct http_header){ "Signature-Input", si };
		h[n++] = (struct http_header){ "Signature", sv };
		r.n_headers = n;
		rc = httpsig_parse(&r, &sig, &err);
		FUZZ_CHECK(rc == 0, "own RFC 9421 signature does not parse: %s", err.msg);
		rc = httpsig_verify(sig, &r, ed_public, VECTOR_TIME, &err);
		FUZZ_CHECK(rc == 0, "own RFC 9421 signature does not verify: %s", err.msg);
		httpsig_free(sig);
	}
	free(uri);
	free(sh);
	free(si);
	free(sv);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct fuzz_req fr;

	fuzz_req_read(&in, &fr);
	parse_and_verify(&fr.req);
	sign_round_trip(&fr.req);
	fuzz_req_release(&fr);
	return 0;
}
