/*
 * HTTP Signatures, RFC 9421 (what Fedify sends first, and Mastodon 4.7 as a
 * fallback): Signature-Input + Signature read as RFC 8941 structured fields,
 * the lines of the signature base with its derived components, and signing
 * an outgoing request this way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "crypto/httpsig_internal.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

/* Longest key of a structured field (labels, parameter names) we accept. */
#define SF_KEY_MAX 64

/* ---- RFC 8941 structured fields, as much as RFC 9421 needs ---- */

enum sf_type { SF_INTEGER, SF_STRING, SF_TOKEN, SF_BYTES, SF_BOOLEAN };

struct sf_bare {
	enum sf_type type;
	int64_t num;          /* integer; boolean 0/1 */
	char *str;            /* string or token */
	unsigned char *bytes; /* byte sequence */
	size_t len;
};

struct sf_param {
	char key[SF_KEY_MAX];
	struct sf_bare v;
};

struct sf_params {
	struct sf_param *p;
	size_t n;
};

struct sf_item {
	struct sf_bare v;
	struct sf_params params;
};

/* One dictionary member: an item, or an inner list, with its parameters. */
struct sf_member {
	char key[SF_KEY_MAX];
	bool is_list;
	struct sf_bare v;       /* when !is_list */
	struct sf_item *list;   /* when is_list */
	size_t n_list;
	struct sf_params params;
};

struct sf_dict {
	struct sf_member *m;
	size_t n;
};

static void sf_bare_free(struct sf_bare *b)
{
	free(b->str);
	free(b->bytes);
}

static void sf_params_free(struct sf_params *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		sf_bare_free(&ps->p[i].v);
	free(ps->p);
}

static void sf_dict_free(struct sf_dict *d)
{
	for (size_t i = 0; i < d->n; i++) {
		struct sf_member *m = &d->m[i];

		sf_bare_free(&m->v);
		for (size_t j = 0; j < m->n_list; j++) {
			sf_bare_free(&m->list[j].v);
			sf_params_free(&m->list[j].params);
		}
		free(m->list);
		sf_params_free(&m->params);
	}
	free(d->m);
}

static const struct sf_member *sf_dict_get(const struct sf_dict *d, const char *key)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->m[i].key, key) == 0)
			return &d->m[i];
	return NULL;
}

static const struct sf_bare *sf_param_get(const struct sf_params *ps, const char *key)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->p[i].key, key) == 0)
			return &ps->p[i].v;
	return NULL;
}

/* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
static int sf_key(const char **pp, char out[SF_KEY_MAX], struct err *err)
{
	const char *p = *pp;
	size_t n = 0;

	if (!is_lower(*p) && *p != '*')
		return errorf(err, ERR_INVALID, "structured field: bad key");
	while (is_lower(*p) || is_digit(*p) || *p == '_' || *p == '-' || *p == '.' || *p == '*') {
		if (n + 1 >= SF_KEY_MAX)
			return errorf(err, ERR_INVALID, "structured field: key too long");
		out[n++] = *p++;
	}
	out[n] = '\0';
	*pp = p;
	return 0;
}

static int sf_bare_item(const char **pp, struct sf_bare *out, struct err *err)
{
	const char *p = *pp;

	memset(out, 0, sizeof(*out));
	if (*p == '-' || is_digit(*p)) {
		const char *s = p, *digits;
		char tmp[20];

		if (*p == '-')
			p++;
		digits = p;
		while (is_digit(*p))
			p++;
		if (p == digits || p - digits > 15) /* RFC 8941: at most 15 digits */
			return errorf(err, ERR_INVALID, "structured field: bad integer");
		if (*p == '.')
			return errorf(err, ERR_INVALID, "structured field: decimals are not accepted here");
		memcpy(tmp, s, (size_t)(p - s));
		tmp[p - s] = '\0';
		if (!str_to_i64(tmp, &out->num))
			return errorf(err, ERR_INVALID, "structured field: bad integer");
		out->type = SF_INTEGER;
	} else if (*p == '"') {
		struct buf b;

		buf_init(&b, LIMIT_SIGNATURE_HEADER_BYTES);
		p++;
		for (;;) {
			char c = *p++;

			if (c == '\\') {
				c = *p++;
				if (c != '\\' && c != '"') {
					buf_release(&b);
					return errorf(err, ERR_INVALID, "structured field: bad escape");
				}
			} else if (c == '"') {
				break;
			} else if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e) {
				buf_release(&b);
				return errorf(err, ERR_INVALID, "structured field: bad string");
			}
			if (buf_addch(&b, c) < 0)
				return errorf(err, ERR_TOOBIG, "structured field: string too long");
		}
		out->type = SF_STRING;
		out->str = buf_detach(&b);
	} else if (is_alpha(*p) || *p == '*') {
		const char *s = p;

		while (is_tchar(*p) || *p == ':' || *p == '/')
			p++;
		out->type = SF_TOKEN;
		out->str = xstrndup(s, (size_t)(p - s));
	} else if (*p == ':') {
		const char *s = ++p;

		while (*p && *p != ':')
			p++;
		if (*p != ':')
			return errorf(err, ERR_INVALID, "structured field: unterminated byte sequence");
		if (base64_decode(s, (size_t)(p - s), &out->bytes, &out->len, err) < 0)
			return errorf(err, ERR_INVALID, "structured field: byte sequence is not base64");
		p++;
		out->type = SF_BYTES;
	} else if (*p == '?' && (p[1] == '0' || p[1] == '1')) {
		out->type = SF_BOOLEAN;
		out->num = p[1] == '1';
		p += 2;
	} else {
		return errorf(err, ERR_INVALID, "structured field: bad item");
	}
	*pp = p;
	return 0;
}

/* parameters = *( ";" *SP key [ "=" bare-item ] ); a repeated key is refused. */
static int sf_parameters(const char **pp, struct sf_params *ps, struct err *err)
{
	const char *p = *pp;
	int rc;

	while (*p == ';') {
		struct sf_param prm;

		p++;
		while (*p == ' ')
			p++;
		rc = sf_key(&p, prm.key, err);
		if (rc < 0)
			return rc;
		if (*p == '=') {
			p++;
			rc = sf_bare_item(&p, &prm.v, err);
			if (rc < 0)
				return rc;
		} else {
			memset(&prm.v, 0, sizeof(prm.v));
			prm.v.type = SF_BOOLEAN;
			prm.v.num = 1;
		}
		if (sf_param_get(ps, prm.key)) {
			sf_bare_free(&prm.v);
			return errorf(err, ERR_INVALID, "structured field: parameter '%s' repeated", prm.key);
		}
		ps->p = xrealloc(ps->p, (ps->n + 1) * sizeof(*ps->p));
		ps->p[ps->n++] = prm;
	}
	*pp = p;
	return 0;
}

/* inner-list = "(" *SP [ item *( 1*SP item ) *SP ] ")" parameters */
static int sf_inner_list(const char **pp, struct sf_member *m, struct err *err)
{
	const char *p = *pp + 1;
	int rc;

	m->is_list = true;
	for (;;) {
		struct sf_item *it;

		while (*p == ' ')
			p++;
		if (*p == ')') {
			p++;
			break;
		}
		if (m->n_list >= LIMIT_SIGNED_HEADERS)
			return errorf(err, ERR_TOOBIG, "more than %d signed components", LIMIT_SIGNED_HEADERS);
		m->list = xrealloc(m->list, (m->n_list + 1) * sizeof(*m->list));
		it = &m->list[m->n_list];
		memset(it, 0, sizeof(*it));
		rc = sf_bare_item(&p, &it->v, err);
		if (rc < 0)
			return rc;
		m->n_list++;
		rc = sf_parameters(&p, &it->params, err);
		if (rc < 0)
			return rc;
		if (*p != ' ' && *p != ')')
			return errorf(err, ERR_INVALID, "structured field: bad inner list");
	}
	*pp = p;
	return sf_parameters(pp, &m->params, err);
}

/* sf-dictionary = dict-member *( OWS "," OWS dict-member ); a repeated key is refused. */
static int sf_dictionary(const char *s, struct sf_dict *d, struct err *err)
{
	const char *p = s;
	int rc;

	memset(d, 0, sizeof(*d));
	while (*p == ' ')
		p++;
	for (;;) {
		struct sf_member *m;

		d->m = xrealloc(d->m, (d->n + 1) * sizeof(*d->m));
		m = &d->m[d->n];
		memset(m, 0, sizeof(*m));
		d->n++;
		rc = sf_key(&p, m->key, err);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i + 1 < d->n; i++)
			if (strcmp(d->m[i].key, m->key) == 0)
				return errorf(err, ERR_INVALID, "structured field: key '%s' repeated", m->key);
		if (*p == '=') {
			p++;
			if (*p == '(') {
				rc = sf_inner_list(&p, m, err);
			} else {
				rc = sf_bare_item(&p, &m->v, err);
				if (rc == 0)
					rc = sf_parameters(&p, &m->params, err);
			}
		} else {
			m->v.type = SF_BOOLEAN;
			m->v.num = 1;
			rc = sf_parameters(&p, &m->params, err);
		}
		if (rc < 0)
			return rc;
		while (is_ows(*p))
			p++;
		if (!*p)
			return 0;
		if (*p != ',')
			return errorf(err, ERR_INVALID, "structured field: junk after a member");
		p++;
		while (is_ows(*p))
			p++;
		if (!*p)
			return errorf(err, ERR_INVALID, "structured field: trailing comma");
	}
}

static int sf_serialize_string(struct buf *b, const char *s)
{
	if (buf_addch(b, '"') < 0)
		return -1;
	for (; *s; s++) {
		if ((*s == '"' || *s == '\\') && buf_addch(b, '\\') < 0)
			return -1;
		if (buf_addch(b, *s) < 0)
			return -1;
	}
	return buf_addch(b, '"');
}

static int sf_serialize_bare(struct buf *b, const struct sf_bare *v)
{
	char *b64;
	int rc;

	switch (v->type) {
	case SF_INTEGER:
		return buf_printf(b, "%lld", (long long)v->num);
	case SF_STRING:
		return sf_serialize_string(b, v->str);
	case SF_TOKEN:
		return buf_addstr(b, v->str);
	case SF_BYTES:
		b64 = base64_encode(v->bytes, v->len);
		rc = buf_printf(b, ":%s:", b64);
		free(b64);
		return rc;
	case SF_BOOLEAN:
		return buf_addstr(b, v->num ? "?1" : "?0");
	}
	return -1;
}

static int sf_serialize_params(struct buf *b, const struct sf_params *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		const struct sf_bare *v = &ps->p[i].v;

		if (buf_printf(b, ";%s", ps->p[i].key) < 0)
			return -1;
		if (v->type == SF_BOOLEAN && v->num)
			continue; /* a true boolean is written as the bare key */
		if (buf_addch(b, '=') < 0 || sf_serialize_bare(b, v) < 0)
			return -1;
	}
	return 0;
}

/* Put a prefix before the message already in err (keeping its code). */
static int err_prefix(struct err *err, int rc, const char *prefix)
{
	char msg[sizeof(err->msg)];

	if (!err)
		return rc;
	memcpy(msg, err->msg, sizeof(msg));
	return errorf(err, (enum err_code)-rc, "%s: %s", prefix, msg);
}

/* ---- RFC 9421: Signature-Input + Signature ---- */

static const char *const derived_components[] = {
	"@method", "@target-uri", "@authority", "@scheme", "@path", "@query", "@request-target",
};

static bool is_derived(const char *c)
{
	for (size_t i = 0; i < sizeof(derived_components) / sizeof(*derived_components); i++)
		if (strcmp(c, derived_components[i]) == 0)
			return true;
	return false;
}

static int rfc9421_component(struct httpsig *sig, const struct sf_item *it, struct err *err)
{
	const char *c = it->v.str;

	if (it->v.type != SF_STRING || !c[0])
		return errorf(err, ERR_INVALID, "Signature-Input component is not a string");
	if (it->params.n > 0)
		return errorf(err, ERR_UNSUPPORTED, "component parameters are not supported ('%.40s')", c);
	if (c[0] == '@') {
		if (!is_derived(c))
			return errorf(err, ERR_UNSUPPORTED, "unsupported component '%.40s'", c);
	} else {
		for (const char *q = c; *q; q++)
			if (!is_tchar(*q) || (*q >= 'A' && *q <= 'Z'))
				return errorf(err, ERR_INVALID, "bad component name '%.40s'", c);
	}
	return httpsig_add_comp(sig, c, strlen(c), err);
}

int httpsig_rfc9421_parse(const char *input, const char *signature, struct httpsig *sig,
			 struct err *err)
{
	struct sf_dict in = {0}, sg = {0};
	const struct sf_member *m, *s;
	const struct sf_bare *v;
	struct buf b;
	int rc;

	sig->scheme = HTTPSIG_RFC9421;
	buf_init(&b, LIMIT_SIGNATURE_HEADER_BYTES * 2);
	rc = sf_dictionary(input, &in, err);
	if (rc < 0) {
		rc = err_prefix(err, rc, "malformed Signature-Input");
		goto out;
	}
	rc = sf_dictionary(signature, &sg, err);
	if (rc < 0) {
		rc = err_prefix(err, rc, "malformed Signature");
		goto out;
	}
	m = &in.m[0]; /* the first label; others are ignored */
	if (!m->is_list) {
		rc = errorf(err, ERR_INVALID, "Signature-Input '%s' is not an inner list", m->key);
		goto out;
	}
	s = sf_dict_get(&sg, m->key);
	if (!s) {
		rc = errorf(err, ERR_BADSIG, "no Signature for label '%s'", m->key);
		goto out;
	}
	if (s->is_list || s->v.type != SF_BYTES || s->v.len == 0) {
		rc = errorf(err, ERR_INVALID, "Signature '%s' is not a byte sequence", m->key);
		goto out;
	}
	sig->sig = xmalloc(s->v.len);
	memcpy(sig->sig, s->v.bytes, s->v.len);
	sig->sig_len = s->v.len;

	for (size_t i = 0; i < m->n_list; i++) {
		rc = rfc9421_component(sig, &m->list[i], err);
		if (rc < 0)
			goto out;
	}
	v = sf_param_get(&m->params, "keyid");
	if (!v || v->type != SF_STRING || !v->str[0]) {
		rc = errorf(err, ERR_INVALID, "Signature-Input has no keyid");
		goto out;
	}
	sig->key_id = xstrdup(v->str);
	v = sf_param_get(&m->params, "alg");
	if (v) {
		if (v->type != SF_STRING) {
			rc = errorf(err, ERR_INVALID, "Signature-Input alg is not a string");
			goto out;
		}
		sig->alg = xstrdup(v->str);
	}
	v = sf_param_get(&m->params, "created");
	if (v) {
		if (v->type != SF_INTEGER) {
			rc = errorf(err, ERR_INVALID, "Signature-Input created is not an integer");
			goto out;
		}
		sig->has_created = true;
		sig->created = v->num;
	}
	v = sf_param_get(&m->params, "expires");
	if (v) {
		if (v->type != SF_INTEGER) {
			rc = errorf(err, ERR_INVALID, "Signature-Input expires is not an integer");
			goto out;
		}
		sig->has_expires = true;
		sig->expires = v->num;
	}
	for (const char *const *name = (const char *const[]){"nonce", "tag", NULL}; *name; name++) {
		v = sf_param_get(&m->params, *name);
		if (v && v->type != SF_STRING) {
			rc = errorf(err, ERR_INVALID, "Signature-Input %s is not a string", *name);
			goto out;
		}
	}

	/* The "@signature-params" value: the member re-serialized (RFC 9421 §2.3). */
	if (buf_addch(&b, '(') < 0)
		goto toobig;
	for (size_t i = 0; i < m->n_list; i++)
		if ((i && buf_addch(&b, ' ') < 0) || sf_serialize_string(&b, m->list[i].v.str) < 0)
			goto toobig;
	if (buf_addch(&b, ')') < 0 || sf_serialize_params(&b, &m->params) < 0)
		goto toobig;
	sig->params = buf_detach(&b);
	rc = 0;
	goto out;
toobig:
	rc = errorf(err, ERR_TOOBIG, "Signature-Input too long");
out:
	buf_release(&b);
	sf_dict_free(&in);
	sf_dict_free(&sg);
	return rc;
}

/* ---- the signature base ---- */

static const char *req_scheme(const struct httpsig_request *req)
{
	return req->scheme && req->scheme[0] ? req->scheme : "https";
}

/*
 * The request's authority, normalised as RFC 9421 @authority wants it: the Host
 * header (else req->authority), lowercased, without the scheme's default port.
 */
static int add_authority(struct buf *b, const struct httpsig_request *req)
{
	struct buf h;
	const char *a;
	size_t n, start = b->len;
	int rc;

	buf_init(&h, LIMIT_HEADER_BYTES);
	rc = httpsig_header_join(req, "host", &h);
	if (rc < 0)
		return -1;
	a = rc == 1 ? buf_str(&h) : (req->authority ? req->authority : "");
	n = strlen(a);
	if (str_eq(req_scheme(req), "https") && str_ends(a, ":443"))
		n -= 4;
	else if (str_eq(req_scheme(req), "http") && str_ends(a, ":80"))
		n -= 3;
	rc = buf_add(b, a, n);
	buf_release(&h);
	if (rc < 0)
		return -1;
	for (size_t i = start; i < b->len; i++)
		b->data[i] = to_lower(b->data[i]);
	return 0;
}

/* The value of an RFC 9421 derived component. */
static int add_derived(struct buf *b, const char *c, const struct httpsig_request *req)
{
	const char *t = req->target ? req->target : "";
	const char *q = strchr(t, '?');

	if (strcmp(c, "@method") == 0)
		return buf_addstr(b, req->method);
	if (strcmp(c, "@target-uri") == 0) {
		if (buf_printf(b, "%s://", req_scheme(req)) < 0 || add_authority(b, req) < 0)
			return -1;
		return buf_addstr(b, t);
	}
	if (strcmp(c, "@authority") == 0)
		return add_authority(b, req);
	if (strcmp(c, "@scheme") == 0)
		return buf_addstr(b, req_scheme(req));
	if (strcmp(c, "@path") == 0) {
		size_t n = q ? (size_t)(q - t) : strlen(t);

		return n ? buf_add(b, t, n) : buf_addch(b, '/');
	}
	if (strcmp(c, "@query") == 0)
		return buf_addstr(b, q ? q : "?");
	/* @request-target: the target as in the request line. */
	return buf_addstr(b, t);
}

int httpsig_rfc9421_line(struct buf *b, const char *c, const struct httpsig_request *req)
{
	if (sf_serialize_string(b, c) < 0 || buf_add(b, ": ", 2) < 0)
		return -1;
	if (c[0] == '@')
		return add_derived(b, c, req) < 0 ? -1 : 1;
	return 0;
}

/* ---- sign ---- */

int httpsig_sign_rfc9421(const char *method, const char *target_uri, const char *authority,
			 const char *date, const char *content_digest, const char *key_id,
			 struct key *key, int64_t now, char **signature_input,
			 char **signature, struct err *err)
{
	struct buf params, base;
	char *s64 = NULL, *auth = NULL, *uri = NULL;
	const char *rest;
	bool https;
	int rc = 0;

	*signature_input = NULL;
	*signature = NULL;
	if (!safe_value(method) || !safe_value(target_uri) || !safe_value(authority) ||
	    !safe_value(date) || (content_digest && !safe_value(content_digest)) ||
	    !safe_value(key_id) || !key)
		return errorf(err, ERR_INVALID, "httpsig_sign_rfc9421: missing or unsafe argument");
	/* As verifiers rebuild them (add_authority): lower case, no default port. */
	auth = xstrdup(authority);
	str_lower(auth);
	https = str_istarts(target_uri, "https://");
	if (str_ends(auth, https ? ":443" : ":80"))
		auth[strlen(auth) - (https ? 4 : 3)] = '\0';
	rest = strstr(target_uri, "://");
	rest = rest ? rest + 3 + strcspn(rest + 3, "/?") : "";
	uri = xasprintf("%s://%s%s", https ? "https" : "http", auth, rest);
	buf_init(&params, LIMIT_SIGNATURE_HEADER_BYTES);
	buf_init(&base, SIGNING_STRING_MAX);
	if (buf_printf(&params, "(\"@method\" \"@target-uri\" \"@authority\" \"date\"%s)"
				";created=%lld;keyid=\"%s\";alg=\"%s\"",
		       content_digest ? " \"content-digest\"" : "", (long long)now, key_id,
		       key_type(key) == KEY_RSA ? "rsa-v1_5-sha256" : "ed25519") < 0)
		goto toobig;
	if (buf_printf(&base, "\"@method\": %s\n\"@target-uri\": %s\n\"@authority\": %s\n\"date\": %s\n",
		       method, uri, auth, date) < 0 ||
	    (content_digest && buf_printf(&base, "\"content-digest\": %s\n", content_digest) < 0) ||
	    buf_printf(&base, "\"@signature-params\": %s", buf_str(&params)) < 0)
		goto toobig;
	rc = httpsig_sign_b64(key, &base, &s64, err);
	if (rc < 0)
		goto out;
	*signature_input = xasprintf("sig1=%s", buf_str(&params));
	*signature = xasprintf("sig1=:%s:", s64);
	goto out;
toobig:
	rc = errorf(err, ERR_TOOBIG, "signature input too long");
out:
	free(s64);
	free(auth);
	free(uri);
	buf_release(&params);
	buf_release(&base);
	return rc;
}
