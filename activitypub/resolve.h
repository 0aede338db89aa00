/*
 * Finding the statement an organisation signs: from a handle (@slug@host)
 * or a URL (the statement's actor, its page, or its post) to the actor, its
 * inbox and the post to endorse. The readers of fetched documents are pure
 * and tested without sockets; resolve_statement() adds the signed fetches
 * (fetch.h), so it works against any server that publishes its post in the
 * actor's featured collection or its outbox, not only Undersigned.
 */
#ifndef ACTIVITYPUB_RESOLVE_H
#define ACTIVITYPUB_RESOLVE_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

struct ctx;

enum resolve_kind {
	RESOLVE_BAD = 0, /* neither */
	RESOLVE_HANDLE,  /* "@user@host", "user@host" or "acct:user@host" (host may carry a port) */
	RESOLVE_URL,     /* an http(s) URL */
};

/* Pure: what arg is. */
enum resolve_kind resolve_classify(const char *arg);

/*
 * Pure: whether an actor document says it takes no signatures: a
 * PropertyValue "Signing" whose value is "closed" (Undersigned's statement
 * actors publish one).
 */
bool resolve_actor_closed(const json_t *actor);

/* Pure: whether obj is a post one can endorse (a Note, Article, Page or Question). */
bool resolve_is_post(const json_t *obj);

/*
 * Pure: the post of actor_id in a collection or a collection page (its
 * orderedItems or items): the first item that is a post attributed to
 * actor_id (embedded, or only its id), or a Create by actor_id whose object
 * is one. Returns the post's id (borrowed from coll), NULL when none; *post
 * (may be NULL) the embedded post, NULL when the collection holds only its id.
 */
const char *resolve_post_in(const json_t *coll, const char *actor_id, const json_t **post);

/* Pure: whether a signatures collection (page) lists actor_id among its items' ids. */
bool resolve_lists(const json_t *coll, const char *actor_id);

/* A statement found: every string new (resolved_release). */
struct resolved {
	char *actor_id;   /* the statement actor: what we Follow */
	char *inbox;      /* its own inbox: where the Endorse and the Follow go */
	char *post_id;    /* what we Endorse */
	char *title;      /* the actor's name (or the handle), for people */
	char *handle;     /* "@user@host" */
	char *signatures; /* its signatures collection (Undersigned's), NULL when none */
	bool closed;      /* it says it takes no signatures */
};

void resolved_release(struct resolved *r);

/*
 * Resolve arg (a handle or a URL) with signed fetches. A handle goes through
 * WebFinger; a URL may name the actor or a post (then its attributedTo, on
 * the same origin, is the actor). The post is the actor's first featured
 * post, else the newest post its outbox creates. Errors, each with words for
 * a person: -ERR_INVALID (arg is neither; a document that is no actor and no
 * post), -ERR_NOTFOUND (no such account; an actor without a post to endorse),
 * -ERR_RETRY (the server does not answer now), -ERR_FORBIDDEN (a document
 * that lies about its origin, or an address the SSRF guard refuses).
 */
int resolve_statement(struct ctx *ctx, const char *arg, struct resolved *r, struct err *err);

/*
 * Whether the signatures collection at url lists actor_id: its pages are
 * fetched (signed) up to LIMIT_RESOLVE_PAGES. Errors of fetch_object().
 */
int resolve_listed(struct ctx *ctx, const char *url, const char *actor_id, bool *listed,
		   struct err *err);

#endif
