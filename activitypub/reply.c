#include "activitypub/reply.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

void reply_init(struct reply *r)
{
	memset(r, 0, sizeof(*r));
}

void reply_release(struct reply *r)
{
	free(r->body);
	free(r->location);
	free(r->etag);
	reply_init(r);
}

void reply_take(struct reply *r, int status, const char *content_type, char *body)
{
	free(r->body);
	r->status = status;
	r->content_type = content_type;
	r->body = body;
	r->len = body ? strlen(body) : 0;
}

void reply_error(struct reply *r, int status, const char *fmt, ...)
{
	char msg[512];
	json_t *doc;
	char *body;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	doc = json_pack("{s:s}", "error", msg);
	/* json_pack fails only on invalid UTF-8 in msg, which can come from a stranger. */
	body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	json_decref(doc);
	if (!body)
		body = xstrdup("{\"error\":\"(unprintable)\"}");
	reply_take(r, status, CT_JSON, body);
}

void reply_redirect(struct reply *r, int status, const char *location)
{
	reply_take(r, status, CT_HTML, NULL);
	free(r->location);
	r->location = xstrdup(location);
}
