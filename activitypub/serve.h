/*
 * The federation documents a GET asks for: each loads what it needs from the
 * store, builds the document (activitypub/documents.h) and fills the reply.
 */
#ifndef ACTIVITYPUB_SERVE_H
#define ACTIVITYPUB_SERVE_H

#include "activitypub/reply.h"
#include "activitypub/view.h"
#include "util/err.h"

struct ctx;
struct statement;
struct signatory;

void serve_webfinger(struct ctx *ctx, const char *query, struct reply *out);
void serve_host_meta(struct ctx *ctx, struct reply *out);
void serve_nodeinfo_links(struct ctx *ctx, struct reply *out);
void serve_nodeinfo(struct ctx *ctx, struct reply *out);
void serve_instance_actor(struct ctx *ctx, struct reply *out);
/* The JSON-LD context of the project's terms (Endorse...), at B/ns. */
void serve_context(struct ctx *ctx, struct reply *out);
/* The instance actor publishes nothing: an empty outbox. */
void serve_instance_outbox(struct ctx *ctx, struct reply *out);
/*
 * A statement's documents: what is "" (the actor), "outbox", "followers",
 * "following", "featured", "signatures", "post", "post/activity",
 * "post/likes", "post/shares"; query holds ?page=N for collections.
 */
void serve_statement(struct ctx *ctx, const char *slug, const char *what, const char *query,
		     struct reply *out);

/* A statement with what its post and page show, loaded from the store. */
struct loaded_view {
	struct statement_view v;
	struct statement *s;
	struct signatory *sigs;
	size_t n_sigs;
};

/* Load the view of slug: -ERR_NOTFOUND when there is no such statement. */
int view_load(struct ctx *ctx, const char *slug, struct loaded_view *lv, struct err *err);
void view_release(struct loaded_view *lv);

#endif
