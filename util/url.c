#include "util/url.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *url_decode(const char *s, size_t len, bool plus_is_space)
{
	char *out = xmalloc(len + 1);
	size_t j = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (c == '%') {
			int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < len ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
				goto bad;
			c = (char)(hi * 16 + lo);
			i += 2;
		} else if (c == '+' && plus_is_space) {
			c = ' ';
		} else if (c == '\0') {
			goto bad;
		}
		out[j++] = c;
	}
	out[j] = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

int url_query_get(const char *query, const char *name, char **out, struct err *err)
{
	size_t name_len = strlen(name);
	const char *p = query;

	*out = NULL;
	while (p && *p) {
		const char *end = strchr(p, '&');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len > name_len && strncmp(p, name, name_len) == 0 && p[name_len] == '=') {
			const char *v = p + name_len + 1;
			size_t vlen = len - name_len - 1;

			if (vlen > LIMIT_QUERY_VALUE_BYTES * 3)
				return errorf(err, ERR_TOOBIG, "query value '%s' too long", name);
			*out = url_decode(v, vlen, true);
			if (!*out)
				return errorf(err, ERR_INVALID, "malformed escape in query value '%s'",
					      name);
			if (strlen(*out) > LIMIT_QUERY_VALUE_BYTES) {
				free(*out);
				*out = NULL;
				return errorf(err, ERR_TOOBIG, "query value '%s' too long", name);
			}
			return 0;
		}
		p = end ? end + 1 : NULL;
	}
	return errorf(err, ERR_NOTFOUND, "query has no '%s'", name);
}

void url_release(struct url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->authority);
	free(u->path);
	free(u->query);
	memset(u, 0, sizeof(*u));
}

int url_port(const struct url *u)
{
	if (u->port)
		return u->port;
	return str_eq(u->scheme, "https") ? 443 : 80;
}

static bool host_char(char c)
{
	return isalnum((unsigned char)c) || c == '-' || c == '.' || c == '_';
}

int url_parse(const char *s, struct url *u, struct err *err)
{
	const char *p, *auth, *auth_end, *host_end;
	int rc = 0;

	memset(u, 0, sizeof(*u));
	if (!s || strlen(s) > LIMIT_URL_BYTES)
		return errorf(err, ERR_INVALID, "URL missing or too long");
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return errorf(err, ERR_INVALID, "URL has spaces or control characters");
	if (str_istarts(s, "https://")) {
		u->scheme = xstrdup("https");
		auth = s + 8;
	} else if (str_istarts(s, "http://")) {
		u->scheme = xstrdup("http");
		auth = s + 7;
	} else {
		rc = errorf(err, ERR_INVALID, "URL '%s' is not http or https", s);
		goto out;
	}
	auth_end = auth + strcspn(auth, "/?#");
	if (memchr(auth, '@', (size_t)(auth_end - auth))) {
		rc = errorf(err, ERR_INVALID, "URL '%s' has user info", s);
		goto out;
	}
	if (*auth == '[') {
		host_end = memchr(auth, ']', (size_t)(auth_end - auth));
		if (!host_end) {
			rc = errorf(err, ERR_INVALID, "URL '%s' has a bad IPv6 literal", s);
			goto out;
		}
		for (p = auth + 1; p < host_end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.') {
				rc = errorf(err, ERR_INVALID, "URL '%s' has a bad IPv6 literal", s);
				goto out;
			}
		host_end++;
	} else {
		for (host_end = auth; host_end < auth_end && *host_end != ':'; host_end++)
			if (!host_char(*host_end)) {
				rc = errorf(err, ERR_INVALID, "URL '%s' has a bad host", s);
				goto out;
			}
	}
	if (host_end == auth || (*auth == '[' && host_end - auth <= 2)) {
		rc = errorf(err, ERR_INVALID, "URL '%s' has no host", s);
		goto out;
	}
	u->host = xstrndup(auth, (size_t)(host_end - auth));
	for (char *h = u->host; *h; h++)
		*h = (char)tolower((unsigned char)*h);
	if (host_end < auth_end) {
		int64_t port;
		char *digits;

		if (*host_end != ':') {
			rc = errorf(err, ERR_INVALID, "URL '%s' has a bad host", s);
			goto out;
		}
		digits = xstrndup(host_end + 1, (size_t)(auth_end - host_end - 1));
		if (!str_to_i64(digits, &port) || port < 1 || port > 65535 || digits[0] == '+' ||
		    digits[0] == '-') {
			free(digits);
			rc = errorf(err, ERR_INVALID, "URL '%s' has a bad port", s);
			goto out;
		}
		free(digits);
		u->port = (int)port;
	}
	/* A default port is not written: Mastodon compares authorities without it. */
	if (u->port && u->port != (str_eq(u->scheme, "https") ? 443 : 80))
		u->authority = xasprintf("%s:%d", u->host, u->port);
	else
		u->authority = xstrdup(u->host);
	p = auth_end;
	{
		size_t plen = strcspn(p, "?#");

		u->path = plen ? xstrndup(p, plen) : xstrdup("/");
		p += plen;
	}
	if (*p == '?') {
		size_t qlen = strcspn(p + 1, "#");

		u->query = xstrndup(p + 1, qlen);
	}
out:
	if (rc)
		url_release(u);
	return rc;
}
