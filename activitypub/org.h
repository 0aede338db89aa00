/*
 * Organisation actors hosted here: what they send (the Endorse and Follow
 * that sign a statement on another server, the Undos that withdraw, the
 * Update after an edit, the Accept of a follower) and what their inboxes
 * take in (the answers to their signatures, the statement's reply and the
 * Updates of its post, Follows of themselves). Activities are queued in the
 * store and delivered by the server's worker, signed with the
 * organisation's key (B/o/SLUG#main-key).
 */
#ifndef ACTIVITYPUB_ORG_H
#define ACTIVITYPUB_ORG_H

#include <stdbool.h>
#include <stddef.h>

#include "activitypub/handlers.h"
#include "activitypub/reply.h"
#include "activitypub/request.h"
#include "util/err.h"

struct config;
struct ctx;
struct organisation;
struct endorsement;
struct resolved;

/* ---- what an organisation sends ---- */

/*
 * A new id for one of o's activities: B/o/SLUG/<kind>/<32 hex digits>
 * (the time, the process and a counter, hashed: never the same twice). Caller frees.
 */
char *org_activity_id(const struct config *cfg, const char *slug, const char *kind);

/*
 * Sign the statement r for o: an Endorse of r->post_id and a Follow of
 * r->actor_id, queued to r->inbox in one transaction with the record of
 * them. *out (may be NULL) is the stored endorsement (endorsements_free(*out, 1)).
 * -ERR_EXISTS when o has signed it already and not withdrawn (nothing queued).
 */
int org_sign(struct ctx *ctx, const struct organisation *o, const struct resolved *r,
	     struct endorsement **out, struct err *err);

/* Withdraw e: Undo of its Endorse and of its Follow queued, in one transaction. */
int org_withdraw(struct ctx *ctx, const struct organisation *o, const struct endorsement *e,
		 struct err *err);

/*
 * Edit o's profile (NULL keeps a field) and queue the Update of its actor to
 * its followers and to every server it signed a statement on (their
 * statement actors' inboxes). *n_inboxes (may be NULL): where it goes.
 */
int org_edit(struct ctx *ctx, const struct organisation *o, const char *name, const char *url,
	     const char *summary, size_t *n_inboxes, struct err *err);

/* ---- what an organisation's inbox takes in ---- */

/*
 * POST to B/o/SLUG/inbox: 404 when there is no such organisation, else as
 * the shared inbox (inbox_post): the handlers find what an activity is about.
 */
void org_inbox_post(struct ctx *ctx, const char *slug, const struct request *req,
		    struct reply *out);

/* The organisation a URL of ours names (B/o/SLUG or under it); *out NULL if none. */
int org_of_url(struct ctx *ctx, const char *url, struct organisation **out, struct err *err);

/*
 * Accept / Reject of one of our activities (object: its id, or it embedded),
 * from the actor we sent it to: recorded on the endorsement. Ignored otherwise.
 */
enum handled handle_accept(struct ctx *ctx, const struct activity *a, struct err *err);
enum handled handle_reject(struct ctx *ctx, const struct activity *a, struct err *err);

/* Follow of an organisation actor (a->object_id is ours): follower stored, Accept queued. */
enum handled org_handle_follow(struct ctx *ctx, const struct activity *a, struct err *err);
/* Undo of a Follow of an organisation; *removed says whether a follower went. Store errors. */
int org_undo_follow(struct ctx *ctx, const struct activity *a, bool *removed, struct err *err);

/*
 * Update of a post by its author: when it is a statement post our
 * organisations endorsed, the time is kept and whether the post lists each
 * of them (its content links the organisation). Ignored otherwise.
 */
enum handled org_handle_post_update(struct ctx *ctx, const struct activity *a,
				    struct err *err);

/*
 * Create of a post by a statement actor our organisations endorsed, replying
 * to our Endorse or addressed to the organisation: kept as its reply.
 * Ignored otherwise.
 */
enum handled org_handle_reply(struct ctx *ctx, const struct activity *a, struct err *err);

/* Pure: whether a post's HTML (content) links the organisation actor_id (href="actor_id"). */
bool org_post_lists(const char *content, const char *actor_id);

#endif
