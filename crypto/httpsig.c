/*
 * HTTP Signatures (draft-cavage-12 and RFC 9421): parse, rebuild the signed
 * string, verify with a given key, sign. Pure: the request comes in as a view
 * of plain strings, the key is looked up by the caller.
 */
#include "crypto/httpsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "util/buf.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

/* The signed string is made of the request target, covered headers and the signature input. */
#define SIGNING_STRING_MAX (LIMIT_URL_BYTES + LIMIT_HEADER_BYTES + LIMIT_SIGNATURE_HEADER_BYTES)
/* Longest key of a structured field (labels, parameter names) we accept. */
#define SF_KEY_MAX 64

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

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

/* RFC 9110 tchar: the characters of a header name. */
static bool is_tchar(char c)
{
	return is_alpha(c) || is_digit(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static void str_lower(char *s)
{
	for (; *s; s++)
		*s = to_lower(*s);
}

/* True when s holds only printable ASCII (what a quoted value may carry). */
static bool is_printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

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
static int header_join(const struct httpsig_request *req, const char *name, struct buf *b)
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
	if (header_join(req, name, &b) != 1) {
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
static int sig_add_comp(struct httpsig *sig, const char *name, size_t len, struct err *err)
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

/* ---- draft-cavage: Signature: keyId="...",algorithm="...",headers="...",signature="..." ---- */

enum cavage_param { CP_KEYID, CP_ALGORITHM, CP_HEADERS, CP_SIGNATURE, CP_CREATED, CP_EXPIRES, CP_N };

static const char *const cavage_names[CP_N] = {
	"keyId", "algorithm", "headers", "signature", "created", "expires",
};

/* A cavage time parameter: digits, an optional ".fraction" dropped (draft-cavage-12 §2.1.4). */
static int cavage_time(const char *v, size_t len, int64_t *out, struct err *err)
{
	char tmp[24];
	size_t n = 0;

	while (n < len && is_digit(v[n]))
		n++;
	if (n == 0 || n >= sizeof(tmp))
		return errorf(err, ERR_INVALID, "malformed Signature time parameter");
	if (n < len) {
		size_t f = n + 1;

		if (v[n] != '.' || f == len)
			return errorf(err, ERR_INVALID, "malformed Signature time parameter");
		for (; f < len; f++)
			if (!is_digit(v[f]))
				return errorf(err, ERR_INVALID, "malformed Signature time parameter");
	}
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (!str_to_i64(tmp, out))
		return errorf(err, ERR_INVALID, "malformed Signature time parameter");
	return 0;
}

/* Split the headers="..." list (space separated) into sig->comps. */
static int cavage_headers(struct httpsig *sig, const char *v, size_t len, struct err *err)
{
	size_t i = 0;
	int rc;

	while (i < len) {
		size_t start;

		while (i < len && v[i] == ' ')
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && v[i] != ' ')
			i++;
		if (v[start] == '(') {
			size_t n = i - start;

			if (!((n == 16 && strncasecmp(v + start, "(request-target)", n) == 0) ||
			      (n == 9 && strncasecmp(v + start, "(created)", n) == 0) ||
			      (n == 9 && strncasecmp(v + start, "(expires)", n) == 0)))
				return errorf(err, ERR_UNSUPPORTED, "unsupported pseudo-header '%.*s'",
					      (int)(n > 40 ? 40 : n), v + start);
		} else {
			for (size_t j = start; j < i; j++)
				if (!is_tchar(v[j]))
					return errorf(err, ERR_INVALID, "bad header name in Signature headers");
		}
		rc = sig_add_comp(sig, v + start, i - start, err);
		if (rc < 0)
			return rc;
	}
	if (sig->n_comps == 0)
		return errorf(err, ERR_INVALID, "Signature headers list is empty");
	return 0;
}

static int cavage_parse(const char *value, struct httpsig *sig, struct err *err)
{
	const char *p = value, *val[CP_N] = {0};
	size_t len[CP_N] = {0};
	bool quoted[CP_N] = {0};
	int rc;

	sig->scheme = HTTPSIG_CAVAGE;
	while (is_ows(*p))
		p++;
	for (;;) {
		const char *k = p, *v;
		size_t klen, vlen;
		bool q = false;
		int idx = -1;

		while (is_alpha(*p))
			p++;
		klen = (size_t)(p - k);
		if (klen == 0 || *p != '=')
			return errorf(err, ERR_INVALID, "malformed Signature header: expected name=value");
		p++;
		if (*p == '"') {
			v = ++p;
			while (*p && *p != '"')
				p++;
			if (!*p)
				return errorf(err, ERR_INVALID, "malformed Signature header: unterminated quote");
			vlen = (size_t)(p - v);
			p++;
			q = true;
		} else {
			v = p;
			while (*p && *p != ',' && !is_ows(*p) && *p != '"')
				p++;
			vlen = (size_t)(p - v);
			if (vlen == 0 || *p == '"')
				return errorf(err, ERR_INVALID, "malformed Signature header: bad value");
		}
		for (int i = 0; i < CP_N; i++)
			if (strlen(cavage_names[i]) == klen && strncasecmp(k, cavage_names[i], klen) == 0)
				idx = i;
		if (idx >= 0) {
			if (val[idx])
				return errorf(err, ERR_INVALID, "Signature header repeats %s", cavage_names[idx]);
			val[idx] = v;
			len[idx] = vlen;
			quoted[idx] = q;
		}
		while (is_ows(*p))
			p++;
		if (!*p)
			break;
		if (*p != ',')
			return errorf(err, ERR_INVALID, "malformed Signature header: junk after a value");
		p++;
		while (is_ows(*p))
			p++;
		if (!*p)
			return errorf(err, ERR_INVALID, "malformed Signature header: trailing comma");
	}

	for (int i = CP_KEYID; i <= CP_SIGNATURE; i++)
		if (val[i] && !quoted[i])
			return errorf(err, ERR_INVALID, "Signature %s must be quoted", cavage_names[i]);
	if (!val[CP_KEYID] || len[CP_KEYID] == 0)
		return errorf(err, ERR_INVALID, "Signature header has no keyId");
	if (!val[CP_SIGNATURE] || len[CP_SIGNATURE] == 0)
		return errorf(err, ERR_INVALID, "Signature header has no signature");
	sig->key_id = xstrndup(val[CP_KEYID], len[CP_KEYID]);
	if (!is_printable(sig->key_id))
		return errorf(err, ERR_INVALID, "Signature keyId has control characters");
	if (val[CP_ALGORITHM]) {
		sig->alg = xstrndup(val[CP_ALGORITHM], len[CP_ALGORITHM]);
		str_lower(sig->alg);
	}
	rc = base64_decode(val[CP_SIGNATURE], len[CP_SIGNATURE], &sig->sig, &sig->sig_len, err);
	if (rc < 0)
		return errorf(err, ERR_INVALID, "Signature signature is not base64");
	if (val[CP_CREATED]) {
		rc = cavage_time(val[CP_CREATED], len[CP_CREATED], &sig->created, err);
		if (rc < 0)
			return rc;
		sig->has_created = true;
	}
	if (val[CP_EXPIRES]) {
		rc = cavage_time(val[CP_EXPIRES], len[CP_EXPIRES], &sig->expires, err);
		if (rc < 0)
			return rc;
		sig->has_expires = true;
	}
	if (val[CP_HEADERS])
		rc = cavage_headers(sig, val[CP_HEADERS], len[CP_HEADERS], err);
	else if (!sig->alg || str_eq(sig->alg, "hs2019"))
		rc = sig_add_comp(sig, "(created)", 9, err); /* draft-cavage-12's default */
	else
		rc = sig_add_comp(sig, "date", 4, err);      /* the older drafts' default */
	if (rc < 0)
		return rc;
	if (httpsig_covers(sig, "(created)") && !sig->has_created)
		return errorf(err, ERR_INVALID, "(created) is signed but has no created parameter");
	if (httpsig_covers(sig, "(expires)") && !sig->has_expires)
		return errorf(err, ERR_INVALID, "(expires) is signed but has no expires parameter");
	return 0;
}

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
	return sig_add_comp(sig, c, strlen(c), err);
}

static int rfc9421_parse(const char *input, const char *signature, struct httpsig *sig,
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
		rc = rfc9421_parse(input, signature, sig, err);
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
		rc = cavage_parse(signature, sig, err);
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
	rc = header_join(req, "host", &h);
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
		if (sig->scheme == HTTPSIG_RFC9421) {
			if (sf_serialize_string(b, c) < 0 || buf_add(b, ": ", 2) < 0)
				goto toobig;
			if (c[0] == '@') {
				if (add_derived(b, c, req) < 0)
					goto toobig;
				continue;
			}
		} else {
			if (strcmp(c, "(request-target)") == 0) {
				if (buf_addstr(b, "(request-target): ") < 0)
					goto toobig;
				for (const char *m = req->method; *m; m++)
					if (buf_addch(b, to_lower(*m)) < 0)
						goto toobig;
				if (buf_addch(b, ' ') < 0 || buf_add(b, req->target, target_len) < 0)
					goto toobig;
				continue;
			}
			if (strcmp(c, "(created)") == 0 || strcmp(c, "(expires)") == 0) {
				if (buf_printf(b, "%s: %lld", c,
					       (long long)(c[1] == 'c' ? sig->created : sig->expires)) < 0)
					goto toobig;
				continue;
			}
			if (buf_printf(b, "%s: ", c) < 0)
				goto toobig;
		}
		rc = header_join(req, c, b);
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

/* A value going into a header or a quoted parameter: printable ASCII, no quote or backslash. */
static bool safe_value(const char *s)
{
	return s && s[0] && is_printable(s) && !strchr(s, '"') && !strchr(s, '\\');
}

/* Sign the string in b; *out becomes the base64 signature (new). */
static int sign_b64(struct key *key, const struct buf *b, char **out, struct err *err)
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

int httpsig_sign(const char *method, const char *target, const char *host, const char *date,
		 const char *digest, const char *key_id, struct key *key,
		 char **signature_header, struct err *err)
{
	struct buf b;
	char *s64 = NULL;
	int rc = 0;

	*signature_header = NULL;
	if (!safe_value(method) || !safe_value(target) || !safe_value(host) || !safe_value(date) ||
	    (digest && !safe_value(digest)) || !safe_value(key_id) || !key)
		return errorf(err, ERR_INVALID, "httpsig_sign: missing or unsafe argument");
	buf_init(&b, SIGNING_STRING_MAX);
	if (buf_addstr(&b, "(request-target): ") < 0)
		goto toobig;
	for (const char *m = method; *m; m++)
		if (buf_addch(&b, to_lower(*m)) < 0)
			goto toobig;
	if (buf_printf(&b, " %s\nhost: %s\ndate: %s", target, host, date) < 0 ||
	    (digest && buf_printf(&b, "\ndigest: %s", digest) < 0))
		goto toobig;
	rc = sign_b64(key, &b, &s64, err);
	if (rc < 0)
		goto out;
	*signature_header = xasprintf(
		"keyId=\"%s\",algorithm=\"%s\",headers=\"(request-target) host date%s\",signature=\"%s\"",
		key_id, key_type(key) == KEY_RSA ? "rsa-sha256" : "hs2019", digest ? " digest" : "",
		s64);
	goto out;
toobig:
	rc = errorf(err, ERR_TOOBIG, "signing string too long");
out:
	free(s64);
	buf_release(&b);
	return rc;
}

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
	rc = sign_b64(key, &base, &s64, err);
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
