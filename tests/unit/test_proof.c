/*
 * Unit tests of proofs (activitypub/proof.c): requests signed here (cavage
 * and RFC 9421, RSA and Ed25519) and by Fedify (tests/vectors/) become
 * proofs that verify offline, and fail with the right code when anything in
 * them is altered. Then what is built on them: the proofs bundle checked by
 * RUNNING its verify.sh with the openssl command line, and the exports
 * (JSON, CSV) with the text cleaning they rely on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "activitypub/export.h"
#include "activitypub/proof.h"
#include "crypto/digest.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "server/proof_bundle.h"
#include "store/store.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/utf8.h"

/* 2026-11-28T06:56:15Z: when every hand-made request is signed. */
#define NOW ((int64_t)1795848975)
#define ACTOR "https://remote.example/users/org"
#define KEY_ID ACTOR "#main-key"
#define HOST "statements.example.org"
#define INBOX "/s/hands-off-venezuela/inbox"
#define BODY                                                                             \
	"{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"" ACTOR          \
	"#endorse/1\",\"type\":\"Endorse\",\"actor\":\"" ACTOR "\",\"object\":\"https://" HOST \
	"/s/hands-off-venezuela\",\"summary\":\"solidarit\xc3\xa9\"}"

static char *rsa_priv_pem, *rsa_pub_pem, *rsa2_priv_pem, *rsa2_pub_pem, *ed_priv_pem,
	*ed_pub_pem;
static struct key *rsa_priv, *ed_priv;

static int setup(void **state)
{
	struct err err;

	(void)state;
	if (key_generate_rsa(2048, &rsa_priv_pem, &rsa_pub_pem, &err) < 0 ||
	    key_generate_rsa(2048, &rsa2_priv_pem, &rsa2_pub_pem, &err) < 0 ||
	    key_generate_ed25519(&ed_priv_pem, &ed_pub_pem, &err) < 0 ||
	    key_load_private(rsa_priv_pem, &rsa_priv, &err) < 0 ||
	    key_load_private(ed_priv_pem, &ed_priv, &err) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	key_pem_free(rsa_priv_pem);
	key_pem_free(rsa2_priv_pem);
	key_pem_free(ed_priv_pem);
	free(rsa_pub_pem);
	free(rsa2_pub_pem);
	free(ed_pub_pem);
	key_free(rsa_priv);
	key_free(ed_priv);
	return 0;
}

/* ---------------------------------------------------------------- requests */

/* A received request whose strings it owns. */
struct treq {
	struct http_header h[16];
	char *owned[64];
	size_t n_owned;
	struct request r;
};

static const char *keep(struct treq *t, const char *s)
{
	assert_true(t->n_owned < 64);
	t->owned[t->n_owned] = xstrdup(s);
	return t->owned[t->n_owned++];
}

static void treq_init(struct treq *t, const char *method, const char *target, const char *body)
{
	memset(t, 0, sizeof(*t));
	t->r.method = keep(t, method);
	t->r.target = keep(t, target);
	t->r.path = t->r.target;
	t->r.query = "";
	t->r.headers = t->h;
	t->r.remote_ip = "127.0.0.1";
	if (body) {
		t->r.body = keep(t, body);
		t->r.body_len = strlen(body);
	}
}

static void treq_add(struct treq *t, const char *name, const char *value)
{
	assert_true(t->r.n_headers < 16);
	t->h[t->r.n_headers].name = keep(t, name);
	t->h[t->r.n_headers].value = keep(t, value);
	t->r.n_headers++;
}

static void treq_free(struct treq *t)
{
	for (size_t i = 0; i < t->n_owned; i++)
		free(t->owned[i]);
}

/* A POST signed draft-cavage as Mastodon sends it, plus headers that are not signed. */
static void signed_cavage(struct treq *t, struct key *k, const char *key_id, const char *target,
			  const char *signed_target)
{
	struct httpsig_values v;
	struct err err;
	char *sig = NULL;

	treq_init(t, "POST", target, BODY);
	httpsig_values_make(NOW, BODY, strlen(BODY), &v);
	assert_int_equal(httpsig_sign("POST", signed_target, HOST, v.date, v.digest, key_id, k,
				      &sig, &err), 0);
	treq_add(t, "Host", HOST);
	treq_add(t, "User-Agent", "Mastodon/4.3.0 (+https://remote.example/)");
	treq_add(t, "Date", v.date);
	treq_add(t, "Digest", v.digest);
	treq_add(t, "Content-Type", "application/activity+json");
	treq_add(t, "Signature", sig);
	free(sig);
}

/* A POST signed RFC 9421 as Fedify sends it. */
static void signed_rfc9421(struct treq *t, struct key *k)
{
	struct httpsig_values v;
	struct err err;
	char *input = NULL, *sig = NULL;

	treq_init(t, "POST", INBOX, BODY);
	httpsig_values_make(NOW, BODY, strlen(BODY), &v);
	assert_int_equal(httpsig_sign_rfc9421("POST", "https://" HOST INBOX, HOST, v.date,
					      v.content_digest, KEY_ID, k, NOW, &input, &sig,
					      &err), 0);
	treq_add(t, "Content-Digest", v.content_digest);
	treq_add(t, "Content-Type", "application/activity+json");
	treq_add(t, "Date", v.date);
	treq_add(t, "Host", HOST);
	treq_add(t, "Signature-Input", input);
	treq_add(t, "Signature", sig);
	free(input);
	free(sig);
}

static struct remote_actor signer_of(const char *pem, const char *key_id)
{
	struct remote_actor a;

	memset(&a, 0, sizeof(a));
	a.id = (char *)ACTOR;
	a.type = (char *)"Organization";
	a.key_id = (char *)key_id;
	a.public_pem = (char *)pem;
	return a;
}

/* proof with member name set to v (a new reference, stolen); a new string. */
static char *proof_with(const char *proof, const char *name, json_t *v)
{
	json_t *root = json_loads(proof, 0, NULL);
	char *out;

	assert_non_null(root);
	if (v)
		json_object_set_new(root, name, v);
	else
		json_object_del(root, name);
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}

/* proof with the value of header name (first one, case-insensitive) replaced; NULL deletes it. */
static char *proof_header(const char *proof, const char *name, const char *value)
{
	json_t *root = json_loads(proof, 0, NULL);
	json_t *hs = json_object_get(root, "headers"), *pair;
	size_t i;
	char *out;

	json_array_foreach(hs, i, pair) {
		if (strcasecmp(json_string_value(json_array_get(pair, 0)), name) == 0) {
			if (value)
				json_array_set_new(pair, 1, json_string(value));
			else
				json_array_remove(hs, i);
			break;
		}
	}
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(root);
	return out;
}

/* Header names kept in a proof, lowercased, joined by spaces (static buffer). */
static const char *kept_names(const char *proof)
{
	static char out[512];
	json_t *root = json_loads(proof, 0, NULL);
	json_t *pair;
	size_t i;

	out[0] = '\0';
	json_array_foreach(json_object_get(root, "headers"), i, pair) {
		char name[64];

		snprintf(name, sizeof(name), "%s", json_string_value(json_array_get(pair, 0)));
		for (char *c = name; *c; c++)
			*c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
		if (out[0])
			strncat(out, " ", sizeof(out) - strlen(out) - 1);
		strncat(out, name, sizeof(out) - strlen(out) - 1);
	}
	json_decref(root);
	return out;
}

static void expect(const char *proof, int code, const char *msg_part)
{
	struct err err;
	int rc;

	err_clear(&err);
	rc = proof_verify(proof, &err);
	if (rc != code)
		fail_msg("proof_verify gave %d (%s), want %d", rc, err.msg, code);
	if (msg_part && !strstr(err.msg, msg_part))
		fail_msg("error '%s' lacks '%s'", err.msg, msg_part);
}

/* ---------------------------------------------------------------- make and verify */

static void proof_cavage_round_trip(void **state)
{
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct treq t;
	json_t *root;
	char *proof;

	(void)state;
	signed_cavage(&t, rsa_priv, KEY_ID, INBOX, INBOX);
	proof = proof_make(&t.r, "https", HOST, &a, NOW + 1);
	assert_non_null(proof);
	/* The covered headers and the signature, in the order received; not the others. */
	assert_string_equal(kept_names(proof), "host date digest signature");
	root = json_loads(proof, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
	assert_string_equal(json_string_value(json_object_get(root, "actor")), ACTOR);
	assert_string_equal(json_string_value(json_object_get(root, "key_id")), KEY_ID);
	assert_string_equal(json_string_value(json_object_get(root, "target")), INBOX);
	assert_string_equal(json_string_value(json_object_get(root, "body")), BODY);
	assert_int_equal(json_integer_value(json_object_get(root, "verified_at")), NOW + 1);
	json_decref(root);
	expect(proof, 0, NULL);
	free(proof);
	treq_free(&t);
}

static void proof_rfc9421_round_trip(void **state)
{
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct treq t;
	char *proof, *p2;

	(void)state;
	signed_rfc9421(&t, rsa_priv);
	proof = proof_make(&t.r, "https", HOST, &a, NOW);
	assert_non_null(proof);
	/* Host is kept: @authority and @target-uri were rebuilt from it. */
	assert_string_equal(kept_names(proof), "content-digest date host signature-input signature");
	expect(proof, 0, NULL);
	/* Another scheme changes @target-uri. */
	p2 = proof_with(proof, "scheme", json_string("http"));
	expect(p2, -ERR_BADSIG, "does not verify");
	free(p2);
	/* The body. */
	p2 = proof_with(proof, "body", json_string(BODY " "));
	expect(p2, -ERR_BADSIG, "body");
	free(p2);
	free(proof);
	treq_free(&t);
}

static void proof_ed25519(void **state)
{
	struct remote_actor a = signer_of(ed_pub_pem, KEY_ID);
	struct proof_parts pp;
	struct err err;
	struct treq t;
	char *proof, *p2;

	(void)state;
	signed_cavage(&t, ed_priv, KEY_ID, INBOX, INBOX);
	proof = proof_make(&t.r, "https", HOST, &a, NOW);
	assert_non_null(proof);
	expect(proof, 0, NULL);
	assert_int_equal(proof_parts(proof, &pp, &err), 0);
	assert_true(pp.ed25519);
	assert_int_equal(pp.signature_len, 64);
	proof_parts_release(&pp);
	/* An RSA key in place of the Ed25519 one. */
	p2 = proof_with(proof, "public_pem", json_string(rsa_pub_pem));
	expect(p2, -ERR_BADSIG, NULL);
	free(p2);
	free(proof);
	treq_free(&t);
}

static void proof_altered_fails(void **state)
{
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct treq t;
	char *proof, *p;

	(void)state;
	signed_cavage(&t, rsa_priv, KEY_ID, INBOX, INBOX);
	proof = proof_make(&t.r, "https", HOST, &a, NOW);
	assert_non_null(proof);

	p = proof_with(proof, "body", json_string(BODY "\n"));
	expect(p, -ERR_BADSIG, "does not match the body");
	free(p);
	p = proof_header(proof, "Date", "Sat, 28 Nov 2026 06:56:16 GMT");
	expect(p, -ERR_BADSIG, "does not verify");
	free(p);
	p = proof_header(proof, "Digest", "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	expect(p, -ERR_BADSIG, NULL);
	free(p);
	p = proof_with(proof, "target", json_string("/s/other/inbox"));
	expect(p, -ERR_BADSIG, "does not verify");
	free(p);
	p = proof_with(proof, "method", json_string("PUT"));
	expect(p, -ERR_BADSIG, "does not verify");
	free(p);
	/* Without its Host header the authority stands in: another one fails. */
	p = proof_header(proof, "Host", NULL);
	expect(p, 0, NULL);
	free(p);
	{
		char *q = proof_header(proof, "Host", NULL);

		p = proof_with(q, "authority", json_string("evil.example"));
		expect(p, -ERR_BADSIG, "does not verify");
		free(p);
		free(q);
	}
	/* Another key than the one that signed. */
	p = proof_with(proof, "public_pem", json_string(rsa2_pub_pem));
	expect(p, -ERR_BADSIG, "does not verify");
	free(p);
	/* The proof claims another key than the signature names. */
	p = proof_with(proof, "key_id", json_string(ACTOR "#other-key"));
	expect(p, -ERR_BADSIG, "not the proof's key");
	free(p);
	/* Judged at its own time: far later, the date is outside the window. */
	p = proof_with(proof, "verified_at", json_integer(NOW + 2 * LIMIT_DATE_SKEW_S));
	expect(p, -ERR_BADSIG, "outside window");
	free(p);
	p = proof_with(proof, "verified_at", json_integer(NOW + LIMIT_DATE_SKEW_S - 1));
	expect(p, 0, NULL);
	free(p);
	/* The signature header itself. */
	p = proof_header(proof, "Signature", "keyId=\"" KEY_ID "\",headers=\"(request-target) host date digest\",signature=\"AAAA\"");
	expect(p, -ERR_BADSIG, NULL);
	free(p);
	free(proof);
	treq_free(&t);
}

static void proof_peertube_key_id(void **state)
{
	/* PeerTube names the actor itself as the keyId. */
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct treq t;
	char *proof;

	(void)state;
	signed_cavage(&t, rsa_priv, ACTOR, INBOX, INBOX);
	proof = proof_make(&t.r, "https", HOST, &a, NOW);
	assert_non_null(proof);
	expect(proof, 0, NULL);
	free(proof);
	treq_free(&t);
}

static void proof_query_left_out(void **state)
{
	/* Signed (request-target) without the query: verifies, and the parts give the string that does. */
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct proof_parts pp;
	struct key *pub = NULL;
	struct err err;
	struct treq t;
	char *proof;

	(void)state;
	signed_cavage(&t, rsa_priv, KEY_ID, INBOX "?x=1", INBOX);
	proof = proof_make(&t.r, "https", HOST, &a, NOW);
	assert_non_null(proof);
	expect(proof, 0, NULL);
	assert_int_equal(proof_parts(proof, &pp, &err), 0);
	assert_non_null(strstr(pp.signing_string, "(request-target): post " INBOX "\n"));
	assert_int_equal(key_load_public(rsa_pub_pem, &pub, &err), 0);
	assert_true(key_verify(pub, pp.signing_string, pp.signing_string_len, pp.signature,
			       pp.signature_len));
	key_free(pub);
	proof_parts_release(&pp);
	free(proof);
	treq_free(&t);
}

static void proof_make_refuses(void **state)
{
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct treq t;

	(void)state;
	/* No signature. */
	treq_init(&t, "POST", INBOX, BODY);
	treq_add(&t, "Host", HOST);
	assert_null(proof_make(&t.r, "https", HOST, &a, NOW));
	treq_free(&t);
	/* No signer, or a signer without a key. */
	signed_cavage(&t, rsa_priv, KEY_ID, INBOX, INBOX);
	assert_null(proof_make(&t.r, "https", HOST, NULL, NOW));
	a.public_pem = NULL;
	assert_null(proof_make(&t.r, "https", HOST, &a, NOW));
	a.public_pem = rsa_pub_pem;
	/* A covered header (Date) that is not UTF-8 cannot be kept as JSON text. */
	{
		const char *date = t.h[2].value;
		char *p;

		assert_string_equal(t.h[2].name, "Date");
		t.h[2].value = "\xff\xfe";
		assert_null(proof_make(&t.r, "https", HOST, &a, NOW));
		t.h[2].value = date;
		/* An uncovered one (User-Agent) can be anything: it is not kept. */
		t.h[1].value = "\xff\xfe";
		p = proof_make(&t.r, "https", HOST, &a, NOW);
		assert_non_null(p);
		expect(p, 0, NULL);
		free(p);
	}
	treq_free(&t);
}

static void proof_malformed(void **state)
{
	static const char *const bad[] = {
		"",
		"not json",
		"[]",
		"{}",
		"{\"version\":2}",
		"null",
		"{\"version\":1,\"actor\":\"a\"}",
	};
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct treq t;
	char *proof, *p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		expect(bad[i], -ERR_INVALID, NULL);
	expect(NULL, -ERR_INVALID, NULL);

	signed_cavage(&t, rsa_priv, KEY_ID, INBOX, INBOX);
	proof = proof_make(&t.r, "https", HOST, &a, NOW);
	assert_non_null(proof);
	{
		struct {
			const char *name;
			json_t *v;
		} cases[] = {
			{ "version", json_string("1") },
			{ "actor", NULL },
			{ "key_id", json_integer(3) },
			{ "public_pem", json_string("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n") },
			{ "public_pem", NULL },
			{ "verified_at", json_string("1795848975") },
			{ "verified_at", json_integer(-5) },
			{ "method", json_string("") },
			{ "target", json_string("no-slash") },
			{ "scheme", json_string("gopher") },
			{ "authority", json_null() },
			{ "headers", json_string("Host: x") },
			{ "headers", json_array() },
			{ "headers", json_pack("[[s]]", "Host") },
			{ "headers", json_pack("[[s,i]]", "Host", 1) },
			{ "headers", json_pack("[s]", "Host") },
			{ "headers", json_pack("[[s,s]]", "Host", HOST) }, /* no signature left */
			{ "body", json_integer(0) },
			{ "body", NULL },
		};

		for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
			p = proof_with(proof, cases[i].name, cases[i].v);
			expect(p, -ERR_INVALID, NULL);
			free(p);
		}
	}
	/* A duplicate member is ambiguous. */
	p = xasprintf("{\"version\":1,%s", proof + 1);
	expect(p, -ERR_INVALID, NULL);
	free(p);
	/* An unsupported algorithm cannot be checked: not a proof. */
	p = proof_header(proof, "Signature",
			 "keyId=\"" KEY_ID "\",algorithm=\"hmac-sha256\",headers=\"(request-target) host date digest\",signature=\"AAAA\"");
	expect(p, -ERR_INVALID, NULL);
	free(p);
	free(proof);
	treq_free(&t);
}

/* ---------------------------------------------------------------- vectors */

/* A proof of a vector file's request, as the inbox would make it. */
static char *vector_proof(const char *file, struct treq *t)
{
	json_error_t jerr;
	json_t *root = json_load_file(file, 0, &jerr);
	const char *url, *path;
	struct remote_actor a;
	json_t *pair;
	char *authority, *proof;
	size_t i;

	if (!root)
		fail_msg("cannot read %s: %s (run the tests from the repository root)", file,
			 jerr.text);
	url = json_string_value(json_object_get(root, "url"));
	assert_true(strncmp(url, "https://", 8) == 0);
	path = strchr(url + 8, '/');
	treq_init(t, json_string_value(json_object_get(root, "method")), path,
		  json_string_value(json_object_get(root, "body")));
	json_array_foreach(json_object_get(root, "headers"), i, pair)
		treq_add(t, json_string_value(json_array_get(pair, 0)),
			 json_string_value(json_array_get(pair, 1)));
	authority = xstrndup(url + 8, (size_t)(path - url - 8));
	memset(&a, 0, sizeof(a));
	a.id = (char *)"https://remote.example/users/psm";
	a.key_id = (char *)json_string_value(json_object_get(root, "key_id"));
	a.public_pem = (char *)json_string_value(json_object_get(root, "public_key_pem"));
	proof = proof_make(&t->r, "https", authority,
			   &a, json_integer_value(json_object_get(root, "signed_at")) + 5);
	free(authority);
	json_decref(root);
	assert_non_null(proof);
	return proof;
}

static void check_vector(const char *file)
{
	struct proof_parts pp;
	struct key *pub = NULL;
	struct err err;
	struct treq t;
	char *proof = vector_proof(file, &t);
	char *p;

	expect(proof, 0, NULL);
	assert_int_equal(proof_parts(proof, &pp, &err), 0);
	assert_int_equal(key_load_public(pp.public_pem, &pub, &err), 0);
	assert_true(key_verify(pub, pp.signing_string, pp.signing_string_len, pp.signature,
			       pp.signature_len));
	assert_non_null(pp.digest_header);
	assert_true(strncasecmp(pp.digest_header, "digest: ", 8) == 0 ||
		    strncasecmp(pp.digest_header, "content-digest: ", 16) == 0);
	assert_int_equal(pp.body_len, strlen(t.r.body));
	assert_memory_equal(pp.body, t.r.body, pp.body_len);
	/* The public key is handed out as SPKI whatever form it was served in. */
	assert_true(strncmp(pp.public_pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
	key_free(pub);
	proof_parts_release(&pp);
	p = proof_with(proof, "body", json_string("{}"));
	expect(p, -ERR_BADSIG, NULL);
	free(p);
	free(proof);
	treq_free(&t);
}

static void proof_vectors(void **state)
{
	(void)state;
	check_vector("tests/vectors/fedify-cavage-post.json");
	check_vector("tests/vectors/fedify-rfc9421-post.json");
	check_vector("tests/vectors/mastodon-cavage-post.json");
}

/* ---------------------------------------------------------------- the bundle */

static char *tmp_dir(void)
{
	char tmpl[] = "/tmp/undersigned-proof-XXXXXX";

	assert_non_null(mkdtemp(tmpl));
	return xstrdup(tmpl);
}

static void rm_rf(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* Run the bundle's verify.sh; its exit status, its output in *out (caller frees). */
static int run_verify(const char *dir, char **out)
{
	char *cmd = xasprintf("sh '%s/verify.sh' 2>&1", dir);
	FILE *p = popen(cmd, "r");
	char buf[4096];
	size_t n;
	int status;

	assert_non_null(p);
	n = fread(buf, 1, sizeof(buf) - 1, p);
	buf[n] = '\0';
	status = pclose(p);
	free(cmd);
	*out = xstrdup(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data = xmalloc(1 << 20);
	size_t n;

	assert_non_null(f);
	n = fread(data, 1, (1 << 20) - 1, f);
	fclose(f);
	data[n] = '\0';
	if (len)
		*len = n;
	return data;
}

static void write_all(const char *path, const char *data)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static void bundle_verifies_with_openssl(void **state)
{
	struct remote_actor a = signer_of(rsa_pub_pem, KEY_ID);
	struct remote_actor ed = signer_of(ed_pub_pem, KEY_ID);
	struct bundle_entry e[6];
	struct treq t1, t2, t3, t4;
	struct err err;
	char *base = tmp_dir();
	char *dir = xasprintf("%s/bundle", base);
	char *out = NULL, *path, *body, *ss;
	size_t written = 0;

	(void)state;
	signed_cavage(&t1, rsa_priv, KEY_ID, INBOX, INBOX);
	signed_rfc9421(&t2, rsa_priv);
	signed_cavage(&t3, ed_priv, KEY_ID, INBOX, INBOX);
	memset(e, 0, sizeof(e));
	e[0] = (struct bundle_entry){ .id = 7, .name = "Org \x1b[31mRed\x1b[0m",
				      .handle = "@org@remote.example", .actor_id = ACTOR,
				      .state = "approved",
				      .proof = proof_make(&t1.r, "https", HOST, &a, NOW) };
	e[1] = (struct bundle_entry){ .id = 8, .name = "Org 9421", .actor_id = ACTOR,
				      .state = "pending",
				      .proof = proof_make(&t2.r, "https", HOST, &a, NOW) };
	e[2] = (struct bundle_entry){ .id = 9, .name = "Org Ed", .actor_id = ACTOR,
				      .state = "approved",
				      .proof = proof_make(&t3.r, "https", HOST, &ed, NOW) };
	e[3] = (struct bundle_entry){ .id = 10, .name = "Fedify",
				      .actor_id = "https://remote.example/users/psm",
				      .state = "approved",
				      .proof = vector_proof("tests/vectors/fedify-rfc9421-post.json",
							    &t4) };
	/* A broken proof is left out, not fatal. */
	e[4] = (struct bundle_entry){ .id = 11, .name = "Broken", .actor_id = ACTOR,
				      .state = "approved", .proof = "{\"version\":1}" };
	/* Signature 7 stands on a second activity too: its own folder. */
	e[5] = e[0];
	e[5].how = "endorse";
	e[5].part = 2;
	e[5].proof = e[2].proof;
	e[0].how = "follow";
	for (int i = 0; i < 4; i++)
		assert_non_null(e[i].proof);

	assert_int_equal(bundle_check_dir(dir, &err), 0);
	assert_int_equal(bundle_write(dir, "hands-off-venezuela", e, 6, &written, &err), 0);
	assert_int_equal(written, 5);
	assert_int_equal(run_verify(dir, &out), 0);
	assert_non_null(strstr(out, "ok   signature-7-2"));
	assert_non_null(strstr(out, "5 of 5 proofs verify"));
	free(out);
	path = xasprintf("%s/signature-7-2/signer.txt", dir);
	body = read_all(path, NULL);
	assert_non_null(strstr(body, "signature: 7\nactivity: endorse\n"));
	free(body);
	free(path);

	/* The files say what they should. */
	path = xasprintf("%s/signature-7/signer.txt", dir);
	body = read_all(path, NULL);
	assert_null(strchr(body, '\x1b'));
	assert_non_null(strstr(body, "name: Org Red\n"));
	assert_non_null(strstr(body, "activity: follow\n"));
	free(body);
	free(path);
	path = xasprintf("%s/signature-7/digest.txt", dir);
	body = read_all(path, NULL);
	assert_true(strncmp(body, "Digest: SHA-256=", 16) == 0);
	free(body);
	free(path);
	path = xasprintf("%s/signature-7/signing-string.txt", dir);
	ss = read_all(path, NULL);
	assert_true(strncmp(ss, "(request-target): post " INBOX "\nhost: " HOST "\ndate: ", 47) == 0);
	free(ss);
	free(path);
	path = xasprintf("%s/signature-11", dir);
	assert_int_not_equal(access(path, F_OK), 0);
	free(path);

	/* One byte of one body changed: that one fails, the others hold. */
	path = xasprintf("%s/signature-8/body.json", dir);
	body = read_all(path, NULL);
	body[strlen(body) - 2] = 'X';
	write_all(path, body);
	free(body);
	free(path);
	assert_int_equal(run_verify(dir, &out), 1);
	assert_non_null(strstr(out, "FAIL signature-8: body.json does not match digest.txt"));
	assert_non_null(strstr(out, "ok   signature-7"));
	assert_non_null(strstr(out, "4 of 5 proofs verify"));
	free(out);

	/* A signed string altered (another date) fails the signature. */
	path = xasprintf("%s/signature-9/signing-string.txt", dir);
	ss = read_all(path, NULL);
	ss[strlen("(request-target): post " INBOX "\nhost: " HOST "\ndate: Sat, 2")] ^= 1;
	write_all(path, ss);
	free(ss);
	free(path);
	assert_int_equal(run_verify(dir, &out), 1);
	assert_non_null(strstr(out, "FAIL signature-9: the signature does not verify"));
	free(out);

	/* A digest swapped for the altered body's, in digest.txt only: the signed string still says no. */
	path = xasprintf("%s/signature-8/body.json", dir);
	{
		size_t blen;
		char *b = read_all(path, &blen);
		char line[DIGEST_VALUE_MAX + 32], *dpath;

		digest_content_make(b, blen, line + snprintf(line, 20, "Content-Digest: "));
		dpath = xasprintf("%s/signature-8/digest.txt", dir);
		write_all(dpath, line);
		free(dpath);
		free(b);
	}
	free(path);
	assert_int_equal(run_verify(dir, &out), 1);
	assert_non_null(strstr(out, "FAIL signature-8: the signed string does not carry the digest"));
	free(out);

	/* The directory is not empty now: a second bundle there is refused. */
	assert_int_equal(bundle_check_dir(dir, &err), -ERR_EXISTS);
	assert_int_equal(bundle_write(dir, "x", e, 1, &written, &err), -ERR_EXISTS);
	path = xasprintf("%s/signature-7/signer.txt", dir);
	assert_int_equal(bundle_check_dir(path, &err), -ERR_EXISTS);
	free(path);
	path = xasprintf("%s/no/such/dir", base);
	assert_int_equal(bundle_check_dir(path, &err), -ERR_IO);
	free(path);
	/* An empty existing directory is fine. */
	path = xasprintf("%s/empty/", base);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(bundle_check_dir(path, &err), 0);
	free(path);

	for (int i = 0; i < 4; i++)
		free((char *)e[i].proof);
	treq_free(&t1);
	treq_free(&t2);
	treq_free(&t3);
	treq_free(&t4);
	rm_rf(base);
	free(dir);
	free(base);
}

/* ---------------------------------------------------------------- exports */

static struct signatory sample(int64_t id, const char *name, const char *actor,
			       const char *handle, const char *how, const char *state)
{
	struct signatory g;

	memset(&g, 0, sizeof(g));
	g.id = id;
	g.name = (char *)name;
	g.country = (char *)"";
	g.actor_id = (char *)actor;
	g.handle = (char *)handle;
	g.how = (char *)how;
	g.state = (char *)state;
	g.signed_at = NOW;
	return g;
}

static void export_csv_quotes_and_neutralises(void **state)
{
	struct signatory list[4];
	struct err err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	list[0] = sample(1, "Socialist Party of Malaysia (PSM)", NULL, NULL, "import", "approved");
	list[0].country = (char *)"Malaysia";
	list[1] = sample(2, "=HYPERLINK(\"http://evil\")", "https://Remote.Example:8443/users/a",
			 "@a@remote.example", "follow", "pending");
	list[1].domain_verified = true;
	list[2] = sample(3, "Comma, \"Quote\"\nNewline \x1b[2Jgone", ACTOR, "@org@remote.example",
			 "endorse", "approved");
	list[3] = sample(4, "+1 -2 @3", ACTOR, NULL, "mention", "rejected");
	assert_non_null(f);
	assert_int_equal(export_csv(f, list, 4, &err), 0);
	fclose(f);
	assert_string_equal(
		text,
		"id,name,handle,actor_id,domain,how,signed_at,state,country,imported,domain_verified\r\n"
		"1,Socialist Party of Malaysia (PSM),,,,import,2026-11-28T06:56:15Z,approved,Malaysia,true,false\r\n"
		"2,\"'=HYPERLINK(\"\"http://evil\"\")\",'@a@remote.example,https://Remote.Example:8443/users/a,remote.example,follow,2026-11-28T06:56:15Z,pending,,false,true\r\n"
		"3,\"Comma, \"\"Quote\"\" Newline gone\",'@org@remote.example," ACTOR ",remote.example,endorse,2026-11-28T06:56:15Z,approved,,false,false\r\n"
		"4,'+1 -2 @3,," ACTOR ",remote.example,mention,2026-11-28T06:56:15Z,rejected,,false,false\r\n");
	free(text);
}

static void export_json_fields(void **state)
{
	struct signatory list[2];
	struct err err;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	json_t *root, *o;

	(void)state;
	list[0] = sample(1, "Imported \xff", NULL, NULL, "import", "approved");
	list[1] = sample(2, "Org", ACTOR, "@org@remote.example", "follow", "approved");
	list[1].country = (char *)"Chile";
	assert_int_equal(export_json(f, list, 2, &err), 0);
	fclose(f);
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_array_size(root), 2);
	o = json_array_get(root, 0);
	assert_string_equal(json_string_value(json_object_get(o, "name")), "Imported \xef\xbf\xbd");
	assert_true(json_is_null(json_object_get(o, "actor_id")));
	assert_true(json_is_null(json_object_get(o, "domain")));
	assert_true(json_is_true(json_object_get(o, "imported")));
	o = json_array_get(root, 1);
	assert_int_equal(json_integer_value(json_object_get(o, "id")), 2);
	assert_string_equal(json_string_value(json_object_get(o, "handle")), "@org@remote.example");
	assert_string_equal(json_string_value(json_object_get(o, "actor_id")), ACTOR);
	assert_string_equal(json_string_value(json_object_get(o, "domain")), "remote.example");
	assert_string_equal(json_string_value(json_object_get(o, "how")), "follow");
	assert_string_equal(json_string_value(json_object_get(o, "signed_at")), "2026-11-28T06:56:15Z");
	assert_string_equal(json_string_value(json_object_get(o, "state")), "approved");
	assert_string_equal(json_string_value(json_object_get(o, "country")), "Chile");
	assert_true(json_is_false(json_object_get(o, "imported")));
	assert_true(json_is_false(json_object_get(o, "domain_verified")));
	json_decref(root);
	free(text);
}

static void clean_text_for_terminals(void **state)
{
	char *s;

	(void)state;
	s = utf8_clean_dup("A\x1b[31mred\x1b[0m \x1b]0;title\x07name\x1b]8;;http://x\x1b\\link", 0);
	assert_string_equal(s, "Ared namelink");
	free(s);
	s = utf8_clean_dup("tab\there\r\nnew\x7f\x01 \xc2\x9b" "c1 \xe2\x80\xae" "rtl \xff", 0);
	assert_string_equal(s, "tab here  new c1 rtl \xef\xbf\xbd");
	free(s);
	s = utf8_clean_dup("A very long organisation name that goes on and on", 20);
	assert_true(utf8_chars(s) <= 20);
	assert_non_null(strstr(s, "\xe2\x80\xa6"));
	free(s);
	s = utf8_clean_dup(NULL, 10);
	assert_string_equal(s, "");
	free(s);
	s = utf8_clean_dup("trailing escape \x1b", 0);
	assert_string_equal(s, "trailing escape ");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(proof_cavage_round_trip),
		cmocka_unit_test(proof_rfc9421_round_trip),
		cmocka_unit_test(proof_ed25519),
		cmocka_unit_test(proof_altered_fails),
		cmocka_unit_test(proof_peertube_key_id),
		cmocka_unit_test(proof_query_left_out),
		cmocka_unit_test(proof_make_refuses),
		cmocka_unit_test(proof_malformed),
		cmocka_unit_test(proof_vectors),
		cmocka_unit_test(bundle_verifies_with_openssl),
		cmocka_unit_test(export_csv_quotes_and_neutralises),
		cmocka_unit_test(export_json_fields),
		cmocka_unit_test(clean_text_for_terminals),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
