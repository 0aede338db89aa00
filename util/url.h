/* URL pieces: parse an absolute http(s) URL, percent-decode, read a query string. */
#ifndef UTIL_URL_H
#define UTIL_URL_H

#include <stdbool.h>

#include "util/err.h"

struct url {
	char *scheme;    /* "http" or "https", lower case */
	char *host;      /* lower case; an IPv6 literal keeps its brackets */
	int port;        /* explicit port, or 0 when none was written */
	char *authority; /* host[:port] as it should appear in acct: and Host */
	char *path;      /* "/" when empty; query and fragment not included */
	char *query;     /* after '?', NULL when none */
};

/*
 * Parse an absolute http or https URL. No user info, no spaces or control
 * characters, a valid port. Fills u (release with url_release). Returns 0 or
 * -ERR_INVALID with a reason.
 */
int url_parse(const char *s, struct url *u, struct err *err);
void url_release(struct url *u);

/* The effective port: the explicit one or the scheme's default. */
int url_port(const struct url *u);

/*
 * Find name in a raw query string ("a=1&b=%20x") and percent-decode its value
 * ('+' as space). Returns 0 with *out (caller frees), -ERR_NOTFOUND when the
 * name is absent, -ERR_INVALID for a malformed escape or NUL, -ERR_TOOBIG past
 * LIMIT_QUERY_VALUE_BYTES.
 */
int url_query_get(const char *query, const char *name, char **out, struct err *err);

/* Percent-decode s[0..len) into a new string (caller frees); NULL on a bad escape or %00. */
char *url_decode(const char *s, size_t len, bool plus_is_space);

#endif
