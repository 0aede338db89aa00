/*
 * Fetching from other servers: actors and their keys, any ActivityStreams
 * object, WebFinger. Every fetch goes through httpc_get() (so the SSRF rules,
 * the timeout and the size cap apply), and every AS GET is signed with the
 * instance actor's key (B/actor#main-key), as servers in Mastodon's
 * "authorized fetch" mode require.
 *
 * Error codes, as the inbox needs them: -ERR_RETRY when the other side may
 * answer later (timeout, connection error, HTTP 5xx/408/429); -ERR_NOTFOUND for
 * 404/410; -ERR_FORBIDDEN for a refused address or a document that lies
 * (another host's id, a key owned by someone else); -ERR_INVALID for
 * malformed or unexpected documents; -ERR_TOOBIG past LIMIT_FETCH_BYTES,
 * LIMIT_JSON_DEPTH or LIMIT_REDIRECTS.
 */
#ifndef ACTIVITYPUB_FETCH_H
#define ACTIVITYPUB_FETCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct ctx;
struct remote_actor;

/* What we ask for when fetching ActivityStreams documents. */
#define FETCH_ACCEPT_AS \
	"application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""

/*
 * Parse an actor document (pure, no I/O). fetched_url is the URL that
 * answered (after redirects); want_key_id the key the caller looks for (NULL:
 * any). Requires a JSON object at most LIMIT_JSON_DEPTH deep with:
 *  - id: an http(s) URL on the same origin (scheme, host, port) as fetched_url;
 *  - type: Person, Organization, Service, Group or Application (a string, or
 *    an array whose first actor type counts);
 *  - inbox: an http(s) URL (as Mastodon, any host: a string, the first of an
 *    array, or an object's id);
 *  - publicKey: an object, or an array of them (the one whose id is
 *    want_key_id, else the first), with id on the actor's origin, owner equal to
 *    the actor id, and a publicKeyPem that key_load_public() accepts.
 * Reads endpoints.sharedInbox (or a top-level sharedInbox), name,
 * preferredUsername, url (kept only on the actor's host, as Mastodon does) and
 * icon (a URL, or an Image's url) when they are well formed, and ignores them
 * otherwise. document is a copy of the bytes; fetched_at and handle are left 0/NULL.
 * *out is new (remote_actor_free()). Returns 0, -ERR_INVALID (malformed),
 * -ERR_FORBIDDEN (a lie about origin or owner), -ERR_TOOBIG (too deep).
 */
int actor_parse(const char *json, size_t len, const char *fetched_url, const char *want_key_id,
		struct remote_actor **out, struct err *err);

/*
 * Parse a key document (pure): an object with an id on fetched_url's
 * origin, an owner (an http(s) URL on the same origin) and a publicKeyPem,
 * or of type CryptographicKey, and no inbox. *owner is the owner URL (new,
 * caller frees). Returns 0; -ERR_NOTFOUND when the document is not a key
 * document (an actor, say); -ERR_FORBIDDEN / -ERR_INVALID as actor_parse().
 */
int key_document_parse(const char *json, size_t len, const char *fetched_url, char **owner,
		       struct err *err);

/*
 * Fetch an actor by its id or by one of its key ids: GET the URL without its
 * #fragment, signed by the instance actor. A key document leads once to its
 * owner, whose publicKey must then be that key. The result must be the actor
 * asked for (its id, or its key id, equal to actor_or_key_id) and is stored
 * with store_actor_put() (a handle confirmed before is kept while
 * preferredUsername stays the same). *out is new (remote_actor_free()).
 * Returns 0 or an error above.
 */
int fetch_actor(struct ctx *ctx, const char *actor_or_key_id, struct remote_actor **out,
		struct err *err);

/*
 * The actor owning key_id: from the store (by key id, then by actor id),
 * else fetched with fetch_actor(). refresh = true fetches even when cached
 * (the verifier calls it once when a cached key fails to verify; Update of an
 * actor too). *out is new. Returns 0 or an error of fetch_actor().
 */
int fetch_actor_cached(struct ctx *ctx, const char *key_id, bool refresh,
		       struct remote_actor **out, struct err *err);

/*
 * GET any ActivityStreams object (signed, AS Accept): status 200, an
 * activity+json or ld+json Content-Type, a JSON object at most
 * LIMIT_JSON_DEPTH deep whose id is on the origin of the URL that answered.
 * *out is a new reference (json_decref()); *final_url (may be NULL when not
 * wanted) the URL that answered, new. Returns 0 or an error above.
 */
int fetch_object(struct ctx *ctx, const char *url, json_t **out, char **final_url,
		 struct err *err);

/*
 * Parse a WebFinger JRD (pure): *href is the first rel="self" link whose type
 * is application/activity+json or application/ld+json, an http(s) URL (new);
 * *subject the subject without "acct:" (new, NULL when absent).
 * Returns 0, -ERR_NOTFOUND when no such link, -ERR_INVALID when malformed.
 */
int webfinger_parse(const char *json, size_t len, char **href, char **subject,
		    struct err *err);

/*
 * Resolve acct ("user@host", "@user@host" or "acct:user@host"; host may carry
 * a port) with WebFinger: GET https://host/.well-known/webfinger?resource=acct:user@host
 * (http when private networks are allowed and host is loopback), unsigned,
 * Accept application/jrd+json. *actor_url is the self link (new).
 * Returns 0 or an error above.
 */
int fetch_webfinger(struct ctx *ctx, const char *acct, char **actor_url, struct err *err);

/*
 * The handle of actor a as its own domain confirms it, the way Mastodon
 * checks: WebFinger for preferredUsername@host-of-id (or the actor's FEP-2c59
 * "webfinger" property) must point back at a->id; when the JRD's subject
 * names another account, WebFinger for that one must point back too.
 * *handle is "@user@domain" (new). Does not store it. Returns 0;
 * -ERR_FORBIDDEN when WebFinger points elsewhere; other errors above.
 */
int fetch_handle_confirm(struct ctx *ctx, const struct remote_actor *a, char **handle,
			 struct err *err);

#endif
