/*
 * HTTP Signatures, what the two schemes share: the request's headers as
 * signatures canonicalise them, the parsed signature, httpsig_parse (which
 * reads Signature-Input + Signature as RFC 9421, else Signature as
 * draft-cavage), the signed string and httpsig_verify. The schemes' own
 * parts are in httpsig_cavage.c and httpsig_rfc9421.c. Pure: the request
 * comes in as a view of plain strings, the key is looked up by the caller.
 */
#include "crypto/httpsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "crypto/httpsig_internal.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

static bool method_has_body(const struct httpsig_request *req)
{
	return str_ieq(req->method, "POST") || req->body_len > 0;
}

/* ---- headers of the request ---- */

/* How many instances of header name the request has. */
static size_t header_count(const struct httpsig_request *req, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < req->n_headers; i++)
		if (str_ieq(req->headers[i].name, name))
			n++;
	return n;
}

/*
 * Append one field value to b as signatures canonicalise it: leading and
 * trailing white space removed, each obsolete line folding (CRLF and the
 * white space after it) made a single space.
 */
static int buf_add_field_value(struct buf *b, const char *v)
{
	const char *s = v, *e = v + strlen(v);

	while (s < e && (is_ows(*s) || *s == '\r' || *s == '\n'))
		s++;
	while (e > s && (is_ows(e[-1]) || e[-1] == '\r' || e[-1] == '\n'))
		e--;
	while (s < e) {
		const char *run = s;

		while (s < e && *s != '\r' && *s != '\n')
			s++;
		if (buf_add(b, run, (size_t)(s - run)) < 0)
			return -1;
		if (s < e) {
			while (s < e && (*s == '\r' || *s == '\n' || is_ows(*s)))
				s++;
			if (buf_addch(b, ' ') < 0)
				return -1;
		}
	}
	return 0;
}

/*
 * Append the value of header name to b: every instance, canonicalised, joined
 * with ", ". Returns 1 when found, 0 when the request lacks it, -1 past b's limit.
 */
int httpsig_header_join(const struct httpsig_request *req, const char *name, struct buf *b)
{
	int found = 0;

	for (size_t i = 0; i < req->n_headers; i++) {
		if (!str_ieq(req->headers[i].name, name))
			continue;
		if (found && buf_add(b, ", ", 2) < 0)
			return -1;
		if (buf_add_field_value(b, req->headers[i].value ? req->headers[i].value : "") < 0)
			return -1;
		found = 1;
	}
	return found;
}

/* The joined value of header name as a new string (caller frees), or NULL when absent or too big. */
static char *header_dup(const struct httpsig_request *req, const char *name, size_t max)
{
	struct buf b;

	buf_init(&b, max);
	if (httpsig_header_join(req, name, &b) != 1) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b);
}

/* ---- the parsed signature ---- */

void httpsig_free(struct httpsig *sig)
{
	if (!sig)
		return;
	free(sig->key_id);
	free(sig->alg);
	for (size_t i = 0; i < sig->n_comps; i++)
		free(sig->comps[i]);
	free(sig->comps);
	free(sig->sig);
	free(sig->params);
	free(sig);
}

const char *httpsig_key_id(const struct httpsig *sig)
{
	return sig->key_id;
}

const unsigned char *httpsig_signature(const struct httpsig *sig, size_t *len)
{
	*len = sig->sig_len;
	return sig->sig;
}

enum httpsig_scheme httpsig_scheme(const struct httpsig *sig)
{
	return sig->scheme;
}

const char *httpsig_algorithm(const struct httpsig *sig)
{
	return sig->alg;
}

const char *const *httpsig_components(const struct httpsig *sig, size_t *n)
{
	*n = sig->n_comps;
	return (const char *const *)sig->comps;
}

bool httpsig_covers(const struct httpsig *sig, const char *component)
{
	for (size_t i = 0; i < sig->n_comps; i++)
		if (str_ieq(sig->comps[i], component))
			return true;
	return false;
}

/* Add a covered component; refuses duplicates and more than LIMIT_SIGNED_HEADERS. */
int httpsig_add_comp(struct httpsig *sig, const char *name, size_t len, struct err *err)
{
	char *c;

	if (sig->n_comps >= LIMIT_SIGNED_HEADERS)
		return errorf(err, ERR_TOOBIG, "more than %d signed components", LIMIT_SIGNED_HEADERS);
	c = xstrndup(name, len);
	str_lower(c);
	if (httpsig_covers(sig, c)) {
		int rc = errorf(err, ERR_INVALID, "component '%.64s' signed twice", c);

		free(c);
		return rc;
	}
	sig->comps = xrealloc(sig->comps, (sig->n_comps + 1) * sizeof(*sig->comps));
	sig->comps[sig->n_comps++] = c;
	return 0;
}

/* ---- parse ---- */

int httpsig_parse(const struct httpsig_request *req, struct httpsig **out, struct err *err)
{
	struct httpsig *sig = xcalloc(1, sizeof(*sig));
	char *input = NULL, *signature = NULL;
	size_t n_sig = header_count(req, "signature");
	int rc;

	*out = NULL;
	if (n_sig == 0) {
		rc = errorf(err, ERR_BADSIG, "no Signature header");
		goto out;
	}
	if (header_count(req, "signature-input") > 0) {
		input = header_dup(req, "signature-input", LIMIT_SIGNATURE_HEADER_BYTES);
		signature = header_dup(req, "signature", LIMIT_SIGNATURE_HEADER_BYTES);
		if (!input || !signature) {
			rc = errorf(err, ERR_TOOBIG, "Signature-Input or Signature longer than %d bytes",
				    LIMIT_SIGNATURE_HEADER_BYTES);
			goto out;
		}
		rc = httpsig_rfc9421_parse(input, signature, sig, err);
	} else {
		if (n_sig > 1) {
			rc = errorf(err, ERR_INVALID, "more than one Signature header");
			goto out;
		}
		signature = header_dup(req, "signature", LIMIT_SIGNATURE_HEADER_BYTES);
		if (!signature) {
			rc = errorf(err, ERR_TOOBIG, "Signature header longer than %d bytes",
				    LIMIT_SIGNATURE_HEADER_BYTES);
			goto out;
		}
		rc = httpsig_cavage_parse(signature, sig, err);
	}
	if (rc == 0) {
		*out = sig;
		sig = NULL;
	}
out:
	free(input);
	free(signature);
	httpsig_free(sig);
	return rc;
}

/* ---- the signed string ---- */

/*
 * Build the signed string into b. target_len: how much of req->target the
 * cavage (request-target) uses (all of it, or the path without the query).
 */
static int build_string(const struct httpsig *sig, const struct httpsig_request *req,
			size_t target_len, struct buf *b, struct err *err)
{
	for (size_t i = 0; i < sig->n_comps; i++) {
		const char *c = sig->comps[i];
		int rc = 0;

		if (i && buf_addch(b, '\n') < 0)
			goto toobig;
		if (sig->scheme == HTTPSIG_RFC9421)
			rc = httpsig_rfc9421_line(b, c, req);
		else
			rc = httpsig_cavage_line(b, sig, c, req, target_len);
		if (rc < 0)
			goto toobig;
		if (rc == 1)
			continue;
		rc = httpsig_header_join(req, c, b);
		if (rc < 0)
			goto toobig;
		if (rc == 0) {
			/* HTTP/2 proxies may drop Host; the authority stands in for it. */
			if (strcmp(c, "host") == 0 && req->authority) {
				if (buf_addstr(b, req->authority) < 0)
					goto toobig;
				continue;
			}
			buf_release(b);
			return errorf(err, ERR_BADSIG, "signed header '%.64s' missing", c);
		}
	}
	if (sig->scheme == HTTPSIG_RFC9421 &&
	    ((sig->n_comps && buf_addch(b, '\n') < 0) ||
	     buf_printf(b, "\"@signature-params\": %s", sig->params) < 0))
		goto toobig;
	return 0;
toobig:
	return errorf(err, ERR_TOOBIG, "signing string longer than %d bytes", SIGNING_STRING_MAX);
}

int httpsig_signing_string(const struct httpsig *sig, const struct httpsig_request *req,
			   char **out, struct err *err)
{
	struct buf b;
	int rc;

	*out = NULL;
	buf_init(&b, SIGNING_STRING_MAX);
	rc = build_string(sig, req, req->target ? strlen(req->target) : 0, &b, err);
	if (rc == 0)
		*out = buf_detach(&b);
	buf_release(&b);
	return rc;
}

/* ---- verify ---- */

/* The algorithm named must agree with the key's type; absent or hs2019 takes the key's. */
static int check_algorithm(const struct httpsig *sig, struct key *key, struct err *err)
{
	enum key_type kt = key_type(key);
	const char *a = sig->alg;

	if (!a || (sig->scheme == HTTPSIG_CAVAGE && strcmp(a, "hs2019") == 0))
		return 0;
	if ((sig->scheme == HTTPSIG_CAVAGE && strcmp(a, "rsa-sha256") == 0) ||
	    (sig->scheme == HTTPSIG_RFC9421 && strcmp(a, "rsa-v1_5-sha256") == 0))
		return kt == KEY_RSA ? 0
				     : errorf(err, ERR_BADSIG, "algorithm %s does not match the key", a);
	if (strcmp(a, "ed25519") == 0)
		return kt == KEY_ED25519
			       ? 0
			       : errorf(err, ERR_BADSIG, "algorithm %s does not match the key", a);
	return errorf(err, ERR_UNSUPPORTED, "unsupported signature algorithm '%.40s'", a);
}

/* What must be signed: method and path, host, a time, and the body's digest. */
static int check_coverage(const struct httpsig *sig, const struct httpsig_request *req,
			  struct err *err)
{
	bool nine = sig->scheme == HTTPSIG_RFC9421;

	if (!nine && !httpsig_covers(sig, "(request-target)"))
		return errorf(err, ERR_BADSIG, "(request-target) not signed");
	if (nine && !httpsig_covers(sig, "@method"))
		return errorf(err, ERR_BADSIG, "@method not signed");
	if (nine && !httpsig_covers(sig, "@target-uri") && !httpsig_covers(sig, "@path") &&
	    !httpsig_covers(sig, "@request-target"))
		return errorf(err, ERR_BADSIG, "path not signed (@target-uri or @path)");
	if (!httpsig_covers(sig, "host") &&
	    !(nine && (httpsig_covers(sig, "@authority") || httpsig_covers(sig, "@target-uri"))))
		return errorf(err, ERR_BADSIG, "host not signed");
	if (!httpsig_covers(sig, "date") &&
	    !(nine ? sig->has_created : httpsig_covers(sig, "(created)")))
		return errorf(err, ERR_BADSIG, "date not signed");
	if (method_has_body(req) && !httpsig_covers(sig, "digest") &&
	    !httpsig_covers(sig, "content-digest"))
		return errorf(err, ERR_BADSIG, "digest not signed");
	return 0;
}

/* Date (when signed) and created within the window; expires not passed. */
static int check_time(const struct httpsig *sig, const struct httpsig_request *req, int64_t now,
		      struct err *err)
{
	bool nine = sig->scheme == HTTPSIG_RFC9421;
	bool created = nine ? sig->has_created : httpsig_covers(sig, "(created)");
	bool expires = nine ? sig->has_expires : httpsig_covers(sig, "(expires)");

	if (httpsig_covers(sig, "date")) {
		char *d = header_dup(req, "date", 128);
		time_t t;
		bool ok = d && time_from_http(d, &t);

		free(d);
		if (!ok)
			return errorf(err, ERR_BADSIG, "malformed Date header");
		if ((int64_t)t > now + LIMIT_DATE_SKEW_S || (int64_t)t < now - LIMIT_DATE_SKEW_S)
			return errorf(err, ERR_BADSIG, "date outside window");
	}
	if (created && (sig->created > now + LIMIT_DATE_SKEW_S || sig->created < now - LIMIT_DATE_SKEW_S))
		return errorf(err, ERR_BADSIG, "created outside window");
	if (expires && now > sig->expires)
		return errorf(err, ERR_BADSIG, "signature expired");
	return 0;
}

/* Each signed digest header must match the body. */
static int check_digests(const struct httpsig *sig, const struct httpsig_request *req,
			 struct err *err)
{
	static const char *const names[] = {"digest", "content-digest"};

	for (size_t i = 0; i < 2; i++) {
		char *v;
		int rc;

		if (!httpsig_covers(sig, names[i]))
			continue;
		v = header_dup(req, names[i], LIMIT_HEADER_BYTES);
		if (!v)
			return errorf(err, ERR_BADSIG, "signed header '%s' missing", names[i]);
		rc = i == 0 ? digest_header_check(v, req->body, req->body_len, err)
			    : digest_content_check(v, req->body, req->body_len, err);
		free(v);
		if (rc == -ERR_UNSUPPORTED) {
			/* A digest we cannot check is as good as none. */
			if (err)
				err->code = ERR_BADSIG;
			return -ERR_BADSIG;
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

int httpsig_verify(const struct httpsig *sig, const struct httpsig_request *req,
		   struct key *key, int64_t now, struct err *err)
{
	struct buf b;
	const char *t;
	int rc;

	if (!sig || !req || !key || !req->method || !req->target)
		return errorf(err, ERR_INVALID, "httpsig_verify: missing argument");
	t = req->target;
	buf_init(&b, SIGNING_STRING_MAX);
	rc = check_algorithm(sig, key, err);
	if (rc == 0)
		rc = check_coverage(sig, req, err);
	if (rc == 0)
		rc = build_string(sig, req, strlen(t), &b, err);
	if (rc == 0)
		rc = check_time(sig, req, now, err);
	if (rc == 0)
		rc = check_digests(sig, req, err);
	if (rc < 0)
		goto out;
	if (key_verify(key, b.data, b.len, sig->sig, sig->sig_len))
		goto out;
	/* Some senders sign (request-target) without the query (Mastodon tries both too). */
	if (sig->scheme == HTTPSIG_CAVAGE && strchr(t, '?')) {
		buf_reset(&b);
		rc = build_string(sig, req, (size_t)(strchr(t, '?') - t), &b, err);
		if (rc < 0)
			goto out;
		if (key_verify(key, b.data, b.len, sig->sig, sig->sig_len))
			goto out;
	}
	rc = errorf(err, ERR_BADSIG, "signature does not verify");
out:
	buf_release(&b);
	return rc;
}

/* ---- sign ---- */

void httpsig_values_make(int64_t now, const void *body, size_t body_len,
			 struct httpsig_values *v)
{
	time_to_http((time_t)now, v->date);
	v->digest[0] = '\0';
	v->content_digest[0] = '\0';
	if (body) {
		digest_header_make(body, body_len, v->digest);
		digest_content_make(body, body_len, v->content_digest);
	}
}

/* Sign the string in b; *out becomes the base64 signature (new). */
int httpsig_sign_b64(struct key *key, const struct buf *b, char **out, struct err *err)
{
	unsigned char *raw = NULL;
	size_t raw_len = 0;
	int rc = key_sign(key, b->data, b->len, &raw, &raw_len, err);

	*out = NULL;
	if (rc < 0)
		return rc;
	*out = base64_encode(raw, raw_len);
	free(raw);
	return 0;
}

