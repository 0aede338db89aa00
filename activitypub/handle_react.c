/* Like and Announce of the statement post: counted, shown, and undone by Undo. */
#include <stdlib.h>

#include "activitypub/ctx.h"
#include "activitypub/documents.h"
#include "activitypub/handlers.h"
#include "store/store.h"
#include "util/str.h"

static enum handled react(struct ctx *ctx, const struct activity *a, const char *kind,
			  struct err *err)
{
	struct statement *s = NULL;
	enum handled res = HANDLED_DONE;
	char *post;

	if (!a->object_id)
		return handler_refuse(err, ERR_INVALID, "%s without object", a->type);
	if (handler_statement_of(ctx, a->object_id, &s, err))
		return handler_store_failed(err);
	if (!s) {
		errorf(err, ERR_NOTFOUND, "%s of %s, not ours", a->type, a->object_id);
		return HANDLED_IGNORED;
	}
	post = doc_url(ctx->cfg, s->slug, "/post");
	if (!str_eq(post, a->object_id)) {
		errorf(err, ERR_NOTFOUND, "%s of %s, not a statement post", a->type, a->object_id);
		res = HANDLED_IGNORED;
	} else if (store_reaction_add(ctx->store, s->id, kind, a->actor_id, a->id, err)) {
		res = handler_store_failed(err);
	}
	free(post);
	statement_free(s);
	return res;
}

enum handled handle_like(struct ctx *ctx, const struct activity *a, struct err *err)
{
	return react(ctx, a, "like", err);
}

enum handled handle_announce(struct ctx *ctx, const struct activity *a, struct err *err)
{
	return react(ctx, a, "announce", err);
}
