/*
 * The documents of an organisation actor hosted here (type Organization),
 * built purely like documents.h: data in, JSON out, no I/O.
 *
 * URLs (B = cfg->base_url): actor B/o/SLUG (also its profile page), key
 * B/o/SLUG#main-key, inbox B/o/SLUG/inbox, outbox, followers, following and
 * endorsed under it; its activities B/o/SLUG/endorse/TOKEN and
 * B/o/SLUG/follow/TOKEN, their Undos at ID/undo.
 *
 * Every json_t * returned is a NEW reference; strings handed in are borrowed.
 */
#ifndef ACTIVITYPUB_ORG_DOCUMENTS_H
#define ACTIVITYPUB_ORG_DOCUMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activitypub/ctx.h"

struct organisation;
struct endorsement;

/* B/o/SLUG followed by suffix ("" for the actor itself, "/inbox", "#main-key"...). Caller frees. */
char *orgdoc_url(const struct config *cfg, const char *slug, const char *suffix);

/*
 * The actor: type Organization, preferredUsername SLUG, name, summary (the
 * plain text as escaped paragraphs), url (its page here), inbox, outbox,
 * followers, following, endorsed, endpoints.sharedInbox, publicKey,
 * published, updated, and its website as a "Website" PropertyValue linked
 * rel="me" (what a statement's domain check reads). With @context.
 */
json_t *orgdoc_actor(const struct config *cfg, const struct organisation *o);

/* Update of the actor after an edit: id B/o/SLUG#updates/<updated>, to Public, cc followers. */
json_t *orgdoc_update(const struct config *cfg, const struct organisation *o);

/*
 * What signs a statement: the Endorse of e->post_id (to the statement actor,
 * cc Public) and the Follow of e->statement_actor, ids e->endorse_id and
 * e->follow_id, with the ActivityStreams @context only (see org_documents.c).
 */
json_t *orgdoc_endorse(const struct config *cfg, const struct organisation *o,
		       const struct endorsement *e);
json_t *orgdoc_follow(const struct config *cfg, const struct organisation *o,
		      const struct endorsement *e);
/* Undo of the Endorse (endorse true) or of the Follow, the activity embedded; id ID/undo. */
json_t *orgdoc_undo(const struct config *cfg, const struct organisation *o,
		    const struct endorsement *e, bool endorse);

/* Accept of a Follow of the organisation (follow embedded as received, borrowed). */
json_t *orgdoc_accept(const struct config *cfg, const struct organisation *o, json_t *follow);

/*
 * One item of the endorsed collection (and of the outbox): the Endorse with
 * the statement's name, its handle (undersigned:handle), the state of the
 * signature (undersigned:state: pending, accepted or rejected) and
 * published (when it was signed). No @context.
 */
json_t *orgdoc_endorsed_item(const struct config *cfg, const struct organisation *o,
			     const struct endorsement *e);

/* A page of the endorsed collection (what "endorsed" or "outbox"): list[0..n) of total. */
json_t *orgdoc_endorsed_page(const struct config *cfg, const struct organisation *o,
			     const char *what, int64_t page, int64_t total,
			     const struct endorsement *list, size_t n);

/* WebFinger JRD for acct:SLUG@A: subject, aliases, self and profile-page links. */
json_t *orgdoc_webfinger(const struct config *cfg, const char *slug);

#endif
