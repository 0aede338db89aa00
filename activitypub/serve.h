/*
 * The federation documents a GET asks for: each loads what it needs from the
 * store, builds the document (activitypub/documents.h) and fills the reply.
 */
#ifndef ACTIVITYPUB_SERVE_H
#define ACTIVITYPUB_SERVE_H

#include <stdbool.h>

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
/* The instance actor is the index: its outbox holds an Announce of each live statement. */
void serve_instance_outbox(struct ctx *ctx, const char *query, struct reply *out);
/* B/actor/followers: who follows the index. */
void serve_instance_followers(struct ctx *ctx, const char *query, struct reply *out);
/*
 * A statement's documents: what is "" (the actor), "outbox", "followers",
 * "following", "featured", "signatures", "post", "post/activity",
 * "post/likes", "post/shares"; query holds ?page=N for collections.
 */
void serve_statement(struct ctx *ctx, const char *slug, const char *what, const char *query,
		     struct reply *out);

/*
 * An organisation's documents (activitypub/org_documents.h): what is "" (the
 * actor), "outbox", "endorsed", "followers", "following"; ?page=N as above.
 */
void serve_org(struct ctx *ctx, const char *slug, const char *what, const char *query,
	       struct reply *out);

/* A statement with what its post and page show, loaded from the store. */
struct loaded_view {
	struct statement_view v;
	struct statement *s;
	struct signatory *sigs;
	size_t n_sigs;
	struct statement_text *texts; /* the current version in every language */
	size_t n_texts;
};

/*
 * Load the view of slug (with the current version's texts in every language,
 * v.chosen 0): -ERR_NOTFOUND when there is no such statement (or it was
 * deleted: see serve_gone).
 */
int view_load(struct ctx *ctx, const char *slug, struct loaded_view *lv, struct err *err);
void view_release(struct loaded_view *lv);

/*
 * When slug is a deleted statement, answer 410 Gone for what of it is asked
 * ("" the actor and "post": a Tombstone; anything else: a JSON error) and
 * return true; false when it is not (answer 404 then).
 */
bool serve_gone(struct ctx *ctx, const char *slug, const char *what, struct reply *out);

#endif
