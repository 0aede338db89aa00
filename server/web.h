/* The pages a browser sees: each loads from the store and renders with server/pages.h. */
#ifndef SERVER_WEB_H
#define SERVER_WEB_H

#include <stdbool.h>
#include <stddef.h>

#include "activitypub/reply.h"
#include "activitypub/request.h"
#include "activitypub/view.h"
#include "server/feeds.h"

struct ctx;

void web_index(struct ctx *ctx, struct reply *out);
/*
 * The statement's page (B/s/SLUG for a browser). Served from ctx->pages while
 * the statement's data is unchanged (store_statement_gen); ETag and
 * Last-Modified on every answer, 304 when If-None-Match names the ETag.
 * req may be NULL (no validators, no Accept-Language).
 */
void web_statement(struct ctx *ctx, const struct request *req, const char *slug,
		   struct reply *out);
/* The statements feed (slug NULL: B/feed.atom, B/feed.rss) or slug's new signatories' feed. */
void web_feed(struct ctx *ctx, const char *slug, enum feed_kind kind, struct reply *out);
void web_icon(struct ctx *ctx, const char *slug, struct reply *out);
/*
 * The "follow / sign from your server" form (GET B/authorize_interaction):
 * ?uri=<one of our statements>&acct=you@your.server[&intent=sign] sends the
 * reader (303) to their own server: its FEP-3b86 intent or OStatus subscribe
 * template when its WebFinger offers one on that server, else Mastodon's
 * authorize_interaction (follow) or share (sign, the text "@SLUG@HOST sign")
 * page (activitypub/intents.h). Without acct (our WebFinger's subscribe
 * template) it sends them to the statement page's form. A uri that names no
 * statement of ours: 404; a malformed address: 400.
 */
void web_remote_follow(struct ctx *ctx, const char *query, struct reply *out);
/* An organisation's page (server/pages.h page_org), its signatures in signing order. */
void web_org(struct ctx *ctx, const char *slug, struct reply *out);
/*
 * The statement's life (server/web_life.c). web_pick_lang: the index in
 * v->texts of the language a reader gets: ?lang=TAG when the statement has
 * it, else the best of Accept-Language (util/lang.h), else its own (0).
 * web_gone: when slug is a deleted statement, a 410 page and true.
 * web_versions: B/s/SLUG/versions (rest "") lists the versions of the text,
 * B/s/SLUG/versions/N (rest "N") shows one, in the reader's language.
 */
size_t web_pick_lang(const struct request *req, const struct statement_view *v);
bool web_gone(struct ctx *ctx, const char *slug, struct reply *out);
void web_versions(struct ctx *ctx, const struct request *req, const char *slug, const char *rest,
		  struct reply *out);

/* An organisation's page (server/pages.h page_org), its signatures in signing order. */
void web_org(struct ctx *ctx, const char *slug, struct reply *out);

#endif
