/*
 * Proofs of signatures: the verified request kept as JSON, re-checked offline,
 * and taken apart into the plain files a third party checks with openssl.
 * Pure: JSON in, JSON or bytes out; the crypto is crypto/httpsig's.
 */
#include "activitypub/proof.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

#define PROOF_VERSION 1

/* A component that names a header of the request (not a cavage pseudo-header, not derived). */
static bool component_is_header(const char *c)
{
	return c[0] != '(' && c[0] != '@';
}

/*
 * Whether the header called name must be kept: a covered header, the
 * signature headers themselves, and Host when a derived component
 * (@authority, @target-uri) was rebuilt from it.
 */
static bool header_kept(const struct httpsig *sig, const char *name)
{
	size_t n;
	const char *const *comps = httpsig_components(sig, &n);

	if (str_ieq(name, "signature") || str_ieq(name, "signature-input"))
		return true;
	if (str_ieq(name, "host") && httpsig_scheme(sig) == HTTPSIG_RFC9421 &&
	    (httpsig_covers(sig, "@authority") || httpsig_covers(sig, "@target-uri")))
		return true;
	for (size_t i = 0; i < n; i++)
		if (component_is_header(comps[i]) && str_ieq(comps[i], name))
			return true;
	return false;
}

/* Set o[name] = s as a JSON string; false when s is NULL or not UTF-8 (jansson refuses it). */
static bool set_str(json_t *o, const char *name, const char *s)
{
	return s && json_object_set_new(o, name, json_string(s)) == 0;
}

char *proof_make(const struct request *req, const char *scheme, const char *authority,
		 const struct remote_actor *signer, int64_t verified_at)
{
	struct httpsig_request hr;
	struct httpsig *sig = NULL;
	json_t *root = NULL, *headers, *body;
	char *out = NULL;

	if (!req || !req->method || !req->target || !scheme || !authority || !signer ||
	    !signer->id || !signer->key_id || !signer->public_pem)
		return NULL;
	memset(&hr, 0, sizeof(hr));
	hr.method = req->method;
	hr.target = req->target;
	hr.headers = req->headers;
	hr.n_headers = req->n_headers;
	hr.authority = authority;
	hr.body = req->body;
	hr.body_len = req->body_len;
	hr.scheme = scheme;
	if (httpsig_parse(&hr, &sig, NULL) < 0)
		goto out;
	headers = json_array();
	for (size_t i = 0; i < req->n_headers; i++) {
		const struct http_header *h = &req->headers[i];
		json_t *pair;

		if (!h->name || !header_kept(sig, h->name))
			continue;
		pair = json_pack("[ss]", h->name, h->value ? h->value : "");
		if (!pair) { /* a value that is not UTF-8 cannot be kept as JSON text */
			json_decref(headers);
			goto out;
		}
		json_array_append_new(headers, pair);
	}
	root = json_object();
	json_object_set_new(root, "version", json_integer(PROOF_VERSION));
	if (!set_str(root, "actor", signer->id) || !set_str(root, "key_id", signer->key_id) ||
	    !set_str(root, "public_pem", signer->public_pem)) {
		json_decref(headers);
		goto out;
	}
	json_object_set_new(root, "verified_at", json_integer((json_int_t)verified_at));
	if (!set_str(root, "method", req->method) || !set_str(root, "target", req->target) ||
	    !set_str(root, "scheme", scheme) || !set_str(root, "authority", authority)) {
		json_decref(headers);
		goto out;
	}
	json_object_set_new(root, "headers", headers);
	body = json_stringn(req->body ? req->body : "", req->body ? req->body_len : 0);
	if (!body)
		goto out;
	json_object_set_new(root, "body", body);
	out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
	json_decref(root);
	httpsig_free(sig);
	return out;
}

/* ---- reading a proof ---- */

/* A proof read back: the request it holds (pointing into root) and its key. */
struct proof_read {
	json_t *root;
	struct http_header *headers;
	struct httpsig_request req;
	const char *actor, *key_id, *public_pem;
	int64_t verified_at;
};

static void proof_read_release(struct proof_read *p)
{
	json_decref(p->root);
	free(p->headers);
	memset(p, 0, sizeof(*p));
}

/* The string member name of o, with no NUL inside; NULL when absent or not a string. */
static const char *member_str(const json_t *o, const char *name)
{
	const json_t *v = json_object_get(o, name);

	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v))
		return NULL;
	return json_string_value(v);
}

static int proof_read(const char *text, struct proof_read *p, struct err *err)
{
	json_error_t jerr;
	const json_t *hs, *pair, *v;
	size_t i, header_bytes = 0;

	memset(p, 0, sizeof(p[0]));
	if (!text)
		return errorf(err, ERR_INVALID, "no proof");
	p->root = json_loads(text, JSON_REJECT_DUPLICATES, &jerr);
	if (!p->root)
		return errorf(err, ERR_INVALID, "proof is not JSON: %s", jerr.text);
	if (!json_is_object(p->root))
		return errorf(err, ERR_INVALID, "proof is not a JSON object");
	v = json_object_get(p->root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != PROOF_VERSION)
		return errorf(err, ERR_INVALID, "proof version is not %d", PROOF_VERSION);
	p->actor = member_str(p->root, "actor");
	p->key_id = member_str(p->root, "key_id");
	p->public_pem = member_str(p->root, "public_pem");
	p->req.method = member_str(p->root, "method");
	p->req.target = member_str(p->root, "target");
	p->req.scheme = member_str(p->root, "scheme");
	p->req.authority = member_str(p->root, "authority");
	if (!p->actor || !p->key_id || !p->public_pem || !p->req.method || !p->req.target ||
	    !p->req.scheme || !p->req.authority)
		return errorf(err, ERR_INVALID,
			      "proof lacks a string actor, key_id, public_pem, method, target,"
			      " scheme or authority");
	if (!str_eq(p->req.scheme, "https") && !str_eq(p->req.scheme, "http"))
		return errorf(err, ERR_INVALID, "proof scheme is neither https nor http");
	if (!p->req.method[0] || p->req.target[0] != '/' ||
	    strlen(p->req.target) > LIMIT_URL_BYTES)
		return errorf(err, ERR_INVALID, "proof method or target is malformed");
	v = json_object_get(p->root, "verified_at");
	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return errorf(err, ERR_INVALID, "proof verified_at is not a time");
	p->verified_at = (int64_t)json_integer_value(v);
	v = json_object_get(p->root, "body");
	if (!json_is_string(v) || json_string_length(v) > LIMIT_BODY_BYTES)
		return errorf(err, ERR_INVALID, "proof body is not a string of at most %d bytes",
			      LIMIT_BODY_BYTES);
	p->req.body = json_string_value(v);
	p->req.body_len = json_string_length(v);
	hs = json_object_get(p->root, "headers");
	if (!json_is_array(hs) || json_array_size(hs) == 0)
		return errorf(err, ERR_INVALID, "proof headers are not a list");
	p->headers = xcalloc(json_array_size(hs), sizeof(*p->headers));
	json_array_foreach(hs, i, pair) {
		const json_t *n = json_array_get(pair, 0), *val = json_array_get(pair, 1);

		if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_string(n) ||
		    !json_is_string(val) || strlen(json_string_value(n)) != json_string_length(n) ||
		    strlen(json_string_value(val)) != json_string_length(val) ||
		    !json_string_length(n))
			return errorf(err, ERR_INVALID, "proof header %zu is not [name, value]", i);
		header_bytes += json_string_length(n) + json_string_length(val) + 4;
		if (header_bytes > LIMIT_HEADER_BYTES)
			return errorf(err, ERR_INVALID, "proof headers pass %d bytes",
				      LIMIT_HEADER_BYTES);
		p->headers[i].name = json_string_value(n);
		p->headers[i].value = json_string_value(val);
	}
	p->req.headers = p->headers;
	p->req.n_headers = json_array_size(hs);
	return 0;
}

/* The keyId of the signature must be the proof's key (PeerTube signs with the actor id). */
static int key_matches(const struct proof_read *p, const struct httpsig *sig, struct err *err)
{
	const char *kid = httpsig_key_id(sig);

	if (str_eq(kid, p->key_id) || str_eq(kid, p->actor))
		return 0;
	return errorf(err, ERR_BADSIG, "signed with key '%.200s', not the proof's key", kid);
}

/* Parse the signature of the proof's request and load its key; any failure is a malformed proof. */
static int proof_open(const struct proof_read *p, struct httpsig **sig, struct key **key,
		      struct err *err)
{
	int rc;

	*sig = NULL;
	*key = NULL;
	rc = httpsig_parse(&p->req, sig, err);
	if (rc < 0) {
		if (err)
			err->code = ERR_INVALID;
		return -ERR_INVALID;
	}
	rc = key_load_public(p->public_pem, key, err);
	if (rc < 0) {
		if (err)
			err->code = ERR_INVALID;
		return -ERR_INVALID;
	}
	return key_matches(p, *sig, err);
}

int proof_verify(const char *proof_json, struct err *err)
{
	struct proof_read p;
	struct httpsig *sig = NULL;
	struct key *key = NULL;
	int rc;

	rc = proof_read(proof_json, &p, err);
	if (rc == 0)
		rc = proof_open(&p, &sig, &key, err);
	if (rc == 0) {
		rc = httpsig_verify(sig, &p.req, key, p.verified_at, err);
		/* An algorithm we cannot check, or an impossible request: not a proof. */
		if (rc < 0 && rc != -ERR_BADSIG) {
			if (err)
				err->code = ERR_INVALID;
			rc = -ERR_INVALID;
		}
	}
	httpsig_free(sig);
	key_free(key);
	proof_read_release(&p);
	return rc;
}

/* ---- taking a proof apart ---- */

void proof_parts_release(struct proof_parts *pp)
{
	if (!pp)
		return;
	free(pp->actor);
	free(pp->key_id);
	free(pp->signing_string);
	free(pp->signature);
	free(pp->public_pem);
	free(pp->body);
	free(pp->digest_header);
	memset(pp, 0, sizeof(*pp));
}

/* "Name: value" of the first covered digest header (Digest first), new; NULL when none. */
static char *digest_line(const struct httpsig *sig, const struct httpsig_request *req)
{
	static const char *const names[] = { "digest", "content-digest" };

	for (size_t k = 0; k < 2; k++) {
		if (!httpsig_covers(sig, names[k]))
			continue;
		for (size_t i = 0; i < req->n_headers; i++)
			if (str_ieq(req->headers[i].name, names[k]))
				return xasprintf("%s: %s", req->headers[i].name,
						 req->headers[i].value);
	}
	return NULL;
}

int proof_parts(const char *proof_json, struct proof_parts *out, struct err *err)
{
	struct proof_read p;
	struct httpsig *sig = NULL;
	struct key *key = NULL;
	const unsigned char *sb;
	size_t sb_len;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = proof_read(proof_json, &p, err);
	if (rc == 0)
		rc = proof_open(&p, &sig, &key, err);
	if (rc == 0)
		rc = httpsig_signing_string(sig, &p.req, &out->signing_string, err);
	if (rc < 0)
		goto out;
	out->signing_string_len = strlen(out->signing_string);
	sb = httpsig_signature(sig, &sb_len);
	/*
	 * Some senders sign a cavage (request-target) without the query; the
	 * verifier accepts that, so the bundle gives the string that verifies.
	 */
	if (httpsig_scheme(sig) == HTTPSIG_CAVAGE && strchr(p.req.target, '?') &&
	    !key_verify(key, out->signing_string, out->signing_string_len, sb, sb_len)) {
		struct httpsig_request short_req = p.req;
		char *path = xstrndup(p.req.target, (size_t)(strchr(p.req.target, '?') - p.req.target));
		char *alt = NULL;

		short_req.target = path;
		if (httpsig_signing_string(sig, &short_req, &alt, NULL) == 0 &&
		    key_verify(key, alt, strlen(alt), sb, sb_len)) {
			free(out->signing_string);
			out->signing_string = alt;
			out->signing_string_len = strlen(alt);
			alt = NULL;
		}
		free(alt);
		free(path);
	}
	out->signature = xmalloc(sb_len ? sb_len : 1);
	memcpy(out->signature, sb, sb_len);
	out->signature_len = sb_len;
	rc = key_public_pem(key, &out->public_pem, err);
	if (rc < 0)
		goto out;
	out->ed25519 = key_type(key) == KEY_ED25519;
	out->actor = xstrdup(p.actor);
	out->key_id = xstrdup(p.key_id);
	out->verified_at = p.verified_at;
	out->body = xmalloc(p.req.body_len + 1);
	memcpy(out->body, p.req.body, p.req.body_len);
	out->body[p.req.body_len] = '\0';
	out->body_len = p.req.body_len;
	out->digest_header = digest_line(sig, &p.req);
out:
	if (rc < 0)
		proof_parts_release(out);
	httpsig_free(sig);
	key_free(key);
	proof_read_release(&p);
	return rc;
}
