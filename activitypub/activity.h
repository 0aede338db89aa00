/*
 * An inbound activity: parsed once from the request body, read by the
 * handlers. Also small readers for the loose shapes ActivityPub allows
 * (a link may be a string or an object with an id; type may be an array).
 */
#ifndef ACTIVITYPUB_ACTIVITY_H
#define ACTIVITYPUB_ACTIVITY_H

#include <jansson.h>
#include <stdbool.h>

#include "util/err.h"

struct remote_actor;
struct request;
struct statement;

struct activity {
	json_t *doc;                       /* the whole activity; owned */
	const char *id;                    /* borrowed from doc */
	const char *type;
	const char *actor_id;
	json_t *object;                    /* borrowed; may be NULL */
	const char *object_id;             /* object's id or the object string; may be NULL */
	const char *body;                  /* the exact bytes received; borrowed */
	size_t body_len;
	const struct remote_actor *signer; /* who signed the request; borrowed */
	const struct request *req;         /* the verified request, for proofs; borrowed */
	struct statement *inbox_owner;     /* the statement whose inbox it came to; NULL = shared */
};

/*
 * Parse body into a (doc owned by a; release with activity_release). The
 * document must be a JSON object no deeper than LIMIT_JSON_DEPTH with a
 * string type, an actor (string or object with id) and, except for a few
 * types Mastodon sends without one, an id. Returns 0 or -ERR_INVALID.
 */
int activity_parse(const char *body, size_t len, struct activity *a, struct err *err);
void activity_release(struct activity *a);

/* The id of a link: the string itself, or the "id" of an object. Borrowed; NULL if neither. */
const char *ap_link_id(const json_t *v);
/* The string member key of obj, or NULL. Borrowed. */
const char *ap_str(const json_t *obj, const char *key);
/* True when obj's type is type (a string, or an array containing it). */
bool ap_type_is(const json_t *obj, const char *type);
/* True when v (a link, or an array of links) names url. */
bool ap_links_to(const json_t *v, const char *url);
/* The host of an http(s) URL, lower case, into out (size bytes); false if none. */
bool ap_url_host(const char *url, char *out, size_t size);
/* Likewise its authority, host[:port] as url.h normalises it. */
bool ap_url_authority(const char *url, char *out, size_t size);
/* "scheme://authority/" of an http(s) URL: new string (caller frees), NULL if not a URL. */
char *ap_origin(const char *url);
/* True when a and b are http(s) URLs on the same scheme, host and port. */
bool ap_same_origin(const char *a, const char *b);

#endif
