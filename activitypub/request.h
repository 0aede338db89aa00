/* A request as the router sees it: plain strings, no HTTP library types. */
#ifndef ACTIVITYPUB_REQUEST_H
#define ACTIVITYPUB_REQUEST_H

#include <stddef.h>

#include "crypto/httpsig.h" /* struct http_header: the verifier reads the same array */

struct request {
	const char *method;
	const char *target;  /* path?query exactly as received (for signatures) */
	const char *path;    /* target without the query; not percent-decoded */
	const char *query;   /* raw query after '?', "" when none */
	const struct http_header *headers;
	size_t n_headers;
	const char *body;    /* NULL for none; NUL-terminated copy of the body */
	size_t body_len;
	const char *remote_ip; /* the TCP peer's address */
	const char *client;    /* whom rate limits count: net_client_key() (util/net.h) */
};

/* The first header of that name (case-insensitive), or NULL. Borrowed. */
const char *request_header(const struct request *req, const char *name);

#endif
