/*
 * The publisher: batched edits of the statement post. When the approved
 * signatories change, the inbox and the CLI schedule an edit
 * (store_statement_schedule_update, due a batch window later); the delivery
 * worker calls publish_due() every poll, which sends each due edit as one
 * Update of the Note to everyone who has the post, and an Update of the
 * actor (profile counts) to the followers.
 */
#ifndef ACTIVITYPUB_PUBLISH_H
#define ACTIVITYPUB_PUBLISH_H

#include <stdint.h>

#include "util/err.h"

struct ctx;

/*
 * For each statement whose edit is due at now: load what the post shows,
 * give it a new `updated` (later than the last one and than published, at
 * least now), and, in one store transaction, queue
 *  - an Update of the Note (id B/s/SLUG/post#updates/<updated>), one row per
 *    distinct inbox of store_audience_inboxes (followers' shared inboxes and
 *    everyone who favourited or boosted the post), and
 *  - an Update of the actor (B/s/SLUG#updates/<updated>) to the followers'
 *    inboxes,
 * while marking the edit done. A crash leaves the edit either queued and
 * done or still due. A change recorded while the edit was built is not lost:
 * it stays scheduled, due a batch window (ctx->cfg->update_interval_s) later.
 * Then the events the store recorded, each sent once (store_event_publish):
 *  - "announce", a new statement: the index (the instance actor) sends an
 *    Announce of its post to the index's followers;
 *  - "delete", a deleted statement: a Delete of its post and a Delete of its
 *    actor, signed with its key, to its followers, everyone who favourited
 *    or boosted the post, and the index's followers.
 * Wakes ctx->deliver when set. Statements failing are logged and skipped;
 * returns 0, or the last store error (the others were still tried).
 */
int publish_due(struct ctx *ctx, int64_t now, struct err *err);

#endif
