/* The pages a browser sees: each loads from the store and renders with server/pages.h. */
#ifndef SERVER_WEB_H
#define SERVER_WEB_H

#include "activitypub/reply.h"

struct ctx;

void web_index(struct ctx *ctx, struct reply *out);
void web_statement(struct ctx *ctx, const char *slug, struct reply *out);
void web_icon(struct ctx *ctx, const char *slug, struct reply *out);
/*
 * The "follow from your server" form: ?acct=you@your.server&uri=ACTOR sends
 * the reader to their server's authorize_interaction page for ACTOR.
 */
void web_remote_follow(struct ctx *ctx, const char *query, struct reply *out);

#endif
