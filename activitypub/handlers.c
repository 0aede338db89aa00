/* What every inbox handler shares: finding our statement in a URL, and the answers. */
#include "activitypub/handlers.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activitypub/ctx.h"
#include "store/store.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

int handler_statement_of(struct ctx *ctx, const char *url, struct statement **out,
			 struct err *err)
{
	char *prefix = xasprintf("%s/s/", ctx->cfg->base_url);
	const char *slug, *end;
	char *s;
	int rc = 0;

	*out = NULL;
	if (!str_starts(url, prefix))
		goto out;
	slug = url + strlen(prefix);
	end = slug + strcspn(slug, "/#?");
	s = xstrndup(slug, (size_t)(end - slug));
	rc = store_statement_get(ctx->store, s, out, err);
	free(s);
	if (rc == -ERR_NOTFOUND)
		rc = 0;
out:
	free(prefix);
	return rc;
}

enum handled handler_refuse(struct err *err, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	err->code = code;
	return HANDLED_REFUSED;
}

enum handled handler_store_failed(struct err *err)
{
	log_warn("event=storage_failure msg=%s", err->msg);
	return HANDLED_RETRY;
}
