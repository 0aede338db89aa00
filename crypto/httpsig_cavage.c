/*
 * HTTP Signatures, draft-cavage-12 (what Mastodon, Misskey, PeerTube and most
 * of the fediverse send): the Signature header `keyId="...",algorithm="...",
 * headers="...",signature="..."`, the lines of its signing string, and
 * signing an outgoing request this way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/digest.h"
#include "crypto/httpsig_internal.h"
#include "util/buf.h"
#include "util/mem.h"
#include "util/str.h"

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
		rc = httpsig_add_comp(sig, v + start, i - start, err);
		if (rc < 0)
			return rc;
	}
	if (sig->n_comps == 0)
		return errorf(err, ERR_INVALID, "Signature headers list is empty");
	return 0;
}

int httpsig_cavage_parse(const char *value, struct httpsig *sig, struct err *err)
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
		rc = httpsig_add_comp(sig, "(created)", 9, err); /* draft-cavage-12's default */
	else
		rc = httpsig_add_comp(sig, "date", 4, err);      /* the older drafts' default */
	if (rc < 0)
		return rc;
	if (httpsig_covers(sig, "(created)") && !sig->has_created)
		return errorf(err, ERR_INVALID, "(created) is signed but has no created parameter");
	if (httpsig_covers(sig, "(expires)") && !sig->has_expires)
		return errorf(err, ERR_INVALID, "(expires) is signed but has no expires parameter");
	return 0;
}

int httpsig_cavage_line(struct buf *b, const struct httpsig *sig, const char *c,
			const struct httpsig_request *req, size_t target_len)
{
	if (strcmp(c, "(request-target)") == 0) {
		if (buf_addstr(b, "(request-target): ") < 0)
			return -1;
		for (const char *m = req->method; *m; m++)
			if (buf_addch(b, to_lower(*m)) < 0)
				return -1;
		if (buf_addch(b, ' ') < 0 || buf_add(b, req->target, target_len) < 0)
			return -1;
		return 1;
	}
	if (strcmp(c, "(created)") == 0 || strcmp(c, "(expires)") == 0) {
		if (buf_printf(b, "%s: %lld", c,
			       (long long)(c[1] == 'c' ? sig->created : sig->expires)) < 0)
			return -1;
		return 1;
	}
	return buf_printf(b, "%s: ", c) < 0 ? -1 : 0;
}

/* ---- sign ---- */

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
	rc = httpsig_sign_b64(key, &b, &s64, err);
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

