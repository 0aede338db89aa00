/*
 * The documents the server serves, built purely: data in, JSON out. No I/O,
 * no store calls; the router fetches what is needed and calls these.
 *
 * Every json_t * returned is a NEW reference the caller owns (json_decref).
 * Strings handed in are borrowed. Text that is not valid UTF-8 is repaired
 * (invalid bytes become U+FFFD) rather than dropped.
 *
 * URLs follow the fixed layout (B = cfg->base_url, A = cfg->authority):
 * actor B/s/SLUG, its key B/s/SLUG#main-key, post B/s/SLUG/post, and so on.
 */
#ifndef ACTIVITYPUB_DOCUMENTS_H
#define ACTIVITYPUB_DOCUMENTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activitypub/ctx.h"
#include "activitypub/view.h"

struct statement;
struct signatory;

/*
 * The project's JSON-LD namespace, the same on every server (a namespace that
 * changed with the host would make the same term mean different things).
 * Terms: signatures (actor -> collection), handle, imported, how,
 * domainVerified (items of the signatures collection), and Endorse (the
 * signing activity).
 */
#define UNDERSIGNED_NS "https://w3id.org/undersigned#"

#define AS_PUBLIC "https://www.w3.org/ns/activitystreams#Public"

/* B/s/SLUG followed by suffix ("" for the actor itself, "/post", "#main-key"...). Caller frees. */
char *doc_url(const struct config *cfg, const char *slug, const char *suffix);

/* Serialise compactly (UTF-8, key order kept). Caller frees; NULL only if doc is NULL. */
char *doc_dump(const json_t *doc);

/* Building blocks for the other document builders (org_documents.c). New references. */
/* A JSON string of s (NULL gives ""), invalid UTF-8 repaired. */
json_t *doc_string(const char *s);
/* An ISO 8601 UTC time string. */
json_t *doc_time(int64_t t);
/* body (consumed) with our @context first, as every document we serve has it. */
json_t *doc_with_context(json_t *body);

/* ---- the statement ---- */

/*
 * The statement actor (type Service: see documents.c for why), with its key,
 * collections, sharedInbox, bio with signing instructions, avatar and a
 * "Signatures" profile field. New reference.
 */
json_t *doc_actor(const struct config *cfg, const struct statement_view *v);

/*
 * The statement post: a public Note with the title, dateline, text, the
 * signatories of v, and how to sign; `updated` always set; likes and shares
 * embedded with their counts. New reference, or NULL when the statement's
 * own text does not fit LIMIT_POST_HTML_BYTES (answer 500).
 */
json_t *doc_note(const struct config *cfg, const struct statement_view *v);

/* Create of the post (id B/s/SLUG/post/activity), Note embedded. New reference or NULL as doc_note. */
json_t *doc_create(const struct config *cfg, const struct statement_view *v);

/*
 * Update of the post after an edit: id B/s/SLUG/post#updates/<updated>,
 * published = s->updated, same audience, Note embedded. New reference or
 * NULL as doc_note.
 */
json_t *doc_update_note(const struct config *cfg, const struct statement_view *v);

/* Update of the actor (name, bio, counts): id B/s/SLUG#updates/<updated>. New reference. */
json_t *doc_update_actor(const struct config *cfg, const struct statement_view *v);

/*
 * The post's HTML content in the statement's own language (what doc_note
 * puts in `content`). Caller frees; NULL as doc_note. doc_note's contentMap
 * holds it and the same post in each language of v->texts (the signatory
 * list is the same in all); the languages share the Note's size budget,
 * and translations that do not fit are left out of contentMap.
 */
char *doc_note_html(const struct config *cfg, const struct statement_view *v);

/* ---- collections ---- */

/* Pages a collection of total items has (at least 1: an empty collection has an empty page 1). */
int64_t doc_page_count(int64_t total);
/* True when page (1-based) exists for total items; otherwise answer 404. */
bool doc_page_valid(int64_t page, int64_t total);
/* Offset of page's first item, for the store's offset/limit (limit LIMIT_PAGE_ITEMS). */
size_t doc_page_offset(int64_t page);

/*
 * Root of a paged collection: OrderedCollection {id, totalItems, first:
 * id?page=1}. Used for outbox, followers, following, signatures. New reference.
 */
json_t *doc_collection(const char *id, int64_t total);

/*
 * One page: OrderedCollectionPage {id: id?page=N, partOf: id, orderedItems,
 * next when more items follow, prev when page > 1}. items is an array and is
 * STOLEN (the page owns it, even on failure). New reference.
 */
json_t *doc_collection_page(const char *id, int64_t page, int64_t total, json_t *items);

/* Outbox page: page 1 holds the Create; later pages are empty. New reference. */
json_t *doc_outbox_page(const struct config *cfg, const struct statement_view *v, int64_t page);

/* Followers page: ids[0..n) are actor ids (borrowed); total is the follower count. New reference. */
json_t *doc_followers_page(const struct config *cfg, const char *slug, int64_t page,
			   int64_t total, char *const *ids, size_t n);

/* Signatures page: sigs[0..n) approved, in signing order; total approved. New reference. */
json_t *doc_signatures_page(const struct config *cfg, const char *slug, int64_t page,
			    int64_t total, const struct signatory *sigs, size_t n);

/*
 * One item of the signatures collection. Verified: {type (the signer's actor
 * type: Organization, Person, Service, Group or Application), id (the
 * signing actor), name, url, undersigned:handle (as WebFinger confirmed it),
 * undersigned:how, published (signing time), undersigned:domainVerified}.
 * Imported: {type Organization, name, undersigned:imported true}. Either
 * with location {type Place, name: country} when known. The store lists
 * verified ones first, so imported ones come after them.
 * New reference, no @context.
 */
json_t *doc_signatory(const struct signatory *sig);

/* Featured: an OrderedCollection (not paged) holding the Note embedded. New reference. */
json_t *doc_featured(const struct config *cfg, const struct statement_view *v);

/*
 * likes or shares of the post (which is "likes" or "shares"): {id
 * B/s/SLUG/post/<which>, type Collection, totalItems}, as Mastodon publishes
 * its own: the count, not the list of who reacted. New reference.
 */
json_t *doc_reactions(const struct config *cfg, const char *slug, const char *which,
		      int64_t count);

/*
 * The QuoteAuthorization (FEP-044f) of quote id, served at B/s/SLUG/quotes/ID:
 * attributedTo the statement actor, interactingObject quote_post (the
 * quoting post, borrowed), interactionTarget the statement post. Mastodon
 * fetches it and checks exactly these (verify_quote_service.rb). New reference.
 */
json_t *doc_quote_authorization(const struct config *cfg, const char *slug, int64_t id,
				const char *quote_post);

/* ---- discovery ---- */

/*
 * WebFinger JRD for acct:SLUG@A: subject, aliases, self and profile-page
 * links, and the OStatus subscribe template B/authorize_interaction?uri={uri}.
 * New reference.
 */
json_t *doc_webfinger(const struct config *cfg, const char *slug);
/* WebFinger JRD for the instance actor, acct:HOST@A (HOST = A without port). New reference. */
json_t *doc_webfinger_instance(const struct config *cfg);

/* /.well-known/nodeinfo: links to B/nodeinfo/2.1. New reference. */
json_t *doc_nodeinfo_links(const struct config *cfg);

/*
 * NodeInfo 2.1 (valid against the 2.1 schema). Users are statement actors;
 * a statement counts as active in a period when its post changed in it
 * (updated >= now - 30 / 180 days). list: n statements, borrowed. New reference.
 */
json_t *doc_nodeinfo(const struct config *cfg, struct statement *const *list, size_t n,
		     int64_t now);

/* host-meta XRD with the lrdd template B/.well-known/webfinger?resource={uri}. Caller frees. */
char *doc_host_meta(const struct config *cfg);

/* ---- the instance actor and errors ---- */

/*
 * The instance actor B/actor (type Application, preferredUsername HOST,
 * inbox B/actor/inbox, outbox B/actor/outbox, followers B/actor/followers,
 * key B/actor#main-key), which signs our fetches and is the server's index:
 * anyone may follow it (no approval) to hear of new statements.
 * public_pem: SPKI PEM, borrowed. New reference.
 */
json_t *doc_instance_actor(const struct config *cfg, const char *public_pem);

/*
 * The index's Announce of a new statement's post: actor B/actor (the
 * instance actor, which readers follow to hear of new statements), id
 * B/actor#announces/SLUG, to Public, cc B/actor/followers and the statement
 * actor, object B/s/SLUG/post (by id: receivers fetch it). New reference.
 */
json_t *doc_announce_statement(const struct config *cfg, const char *slug, int64_t published);
/*
 * Page page of the index's outbox (B/actor/outbox): the Announces of
 * list[0..n) (borrowed, oldest first; shown newest first); total is the
 * number of live statements. New reference.
 */
json_t *doc_index_outbox_page(const struct config *cfg, struct statement *const *list, size_t n,
			      int64_t page, int64_t total);

/* ---- a deleted statement ---- */

/*
 * What a deleted statement's URLs hold (served with 410 Gone): a Tombstone
 * {id B/s/SLUG + suffix ("" the actor, "/post" the post), formerType, deleted}.
 * New reference.
 */
json_t *doc_tombstone(const struct config *cfg, const char *slug, const char *suffix,
		      const char *former_type, int64_t deleted);
/*
 * Delete of the post (id B/s/SLUG/post#delete, object a Tombstone of
 * B/s/SLUG/post, to Public, cc the followers) and Delete of the actor itself
 * (id B/s/SLUG#delete, object B/s/SLUG), from the statement actor. New references.
 */
json_t *doc_delete_note(const struct config *cfg, const char *slug, int64_t deleted);
json_t *doc_delete_actor(const struct config *cfg, const char *slug, int64_t deleted);

/*
 * The JSON-LD context of the project's terms (served at B/ns): Endorse, the
 * signing activity; signatures, an actor's collection of its signatories;
 * endorsed, an organisation's collection of what it signed; handle, how,
 * imported, domainVerified, the members of a signatures item. The terms map
 * to UNDERSIGNED_NS, the same IRIs on every server. New reference.
 */
json_t *doc_context_document(void);

/* {"error": message}. New reference. */
json_t *doc_error(const char *message);

#endif
