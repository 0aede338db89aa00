/*
 * What a handler answers: a status, a content type and a body. Handlers
 * never see the HTTP library; server/http.c turns a reply into a response.
 */
#ifndef ACTIVITYPUB_REPLY_H
#define ACTIVITYPUB_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CT_ACTIVITY "application/activity+json"
#define CT_JRD "application/jrd+json"
#define CT_LD_JSON "application/ld+json"
#define CT_JSON "application/json"
#define CT_HTML "text/html; charset=utf-8"
#define CT_XRD "application/xrd+xml"
#define CT_PNG "image/png"
#define CT_ATOM "application/atom+xml; charset=utf-8"
#define CT_RSS "application/rss+xml; charset=utf-8"
#define CT_NODEINFO "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""

struct reply {
	int status;
	const char *content_type; /* a static string */
	char *body;               /* owned; NULL for no body */
	size_t len;
	const void *static_body;  /* used instead of body when set (not freed) */
	char *location;           /* owned; Location header for redirects */
	bool vary_accept;         /* add "Vary: Accept" (content negotiation) */
	bool vary_language;       /* add Accept-Language to Vary (the page's language is the reader's) */
	const char *cache;        /* Cache-Control value, static, or NULL */
	const char *allow;        /* Allow header for a 405, static, or NULL */
	char *etag;               /* owned; ETag header (with its quotes), or NULL */
	int64_t last_modified;    /* Last-Modified (Unix seconds), 0 for none */
	const char *www_authenticate; /* WWW-Authenticate for a 401, static, or NULL */
	bool private_page;        /* the coordinator's: no-store, never framed, no Referer */
	int retry_after_s;        /* Retry-After (seconds) for a 429 or 503; 0 for none */
};

void reply_init(struct reply *r);
void reply_release(struct reply *r);

/* Take ownership of body (a C string). */
void reply_take(struct reply *r, int status, const char *content_type, char *body);
/* A JSON error {"error": "<message>"}; the message is formatted and escaped. */
void reply_error(struct reply *r, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A redirect to location (copied). */
void reply_redirect(struct reply *r, int status, const char *location);

#endif
