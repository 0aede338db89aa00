/*
 * The store: one sqlite3 file (WAL), the one source of truth. Every SQL
 * statement of the project lives under store/. Each function is one
 * transaction: when it returns 0 the change is durable.
 *
 * Threads: a struct store is one connection; use it from one thread at a
 * time. The HTTP server and the delivery worker each open their own.
 *
 * Strings handed in are borrowed. Structs handed out are owned by the caller
 * and freed with the matching *_free (which accept NULL).
 * Times are Unix seconds (int64_t).
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

struct store;

/*
 * Open (creating if missing) and migrate the database at path.
 * Refuses, with ERR_INVALID, a file that is not sqlite or a sqlite db that is
 * not ours (foreign tables, or another application_id), writing nothing to it.
 */
int store_open(const char *path, struct store **out, struct err *err);
void store_close(struct store *st);

/* Settings of the server kept in the db (e.g. "base_url"). *out: caller frees, NULL if unset. */
int store_setting_get(struct store *st, const char *key, char **out, struct err *err);
int store_setting_set(struct store *st, const char *key, const char *value, struct err *err);

/* ---- statements ---- */

struct statement {
	int64_t id;
	char *slug;
	char *title;
	char *lang;         /* BCP 47 tag, e.g. "en" */
	char *dateline;     /* the line under the title, as written; may be "" */
	char *summary;      /* first paragraph as plain text, for the actor's bio */
	char *content_html; /* the text as HTML paragraphs (no title, no signatories) */
	char *policy;       /* "open", "review" or "closed" */
	int64_t published;
	int64_t updated;    /* last change of the post (text or approved list) */
	char *public_pem;   /* SPKI PEM of the actor's key */
	char *private_pem;  /* PKCS#8 PEM; never served */
};

void statement_free(struct statement *s);

/* Insert s (s->id is set). ERR_EXISTS when the slug is taken. */
int store_statement_add(struct store *st, struct statement *s, struct err *err);
/* ERR_NOTFOUND when no statement has that slug. */
int store_statement_get(struct store *st, const char *slug, struct statement **out,
			struct err *err);
int store_statement_get_by_id(struct store *st, int64_t id, struct statement **out,
			      struct err *err);
/* All statements, oldest first. *out is an array of *n pointers; free with statements_free. */
int store_statement_list(struct store *st, struct statement ***out, size_t *n, struct err *err);
void statements_free(struct statement **list, size_t n);
/* Set updated = t (the post changed). */
int store_statement_touch(struct store *st, int64_t statement_id, int64_t t, struct err *err);

/* ---- signatories ---- */

struct signatory {
	int64_t id;
	char *name;
	char *country;  /* "" when unknown */
	char *actor_id; /* NULL for imported */
	char *handle;   /* "@name@domain", NULL for imported */
	char *url;      /* profile page, may be NULL */
	char *how;      /* "import", "follow", "endorse", "mention" */
	char *state;    /* "pending", "approved", "rejected", "withdrawn" */
	int64_t signed_at;
	int position;   /* order: imported ones keep the file's order */
};

void signatories_free(struct signatory *list, size_t n);

int store_signatory_add_imported(struct store *st, int64_t statement_id, const char *name,
				 const char *country, int position, struct err *err);
/*
 * Signatories of a statement in signing order (verified first by time, then
 * imported by position). state NULL means all; otherwise only that state.
 * offset/limit page the list (limit 0 = all).
 */
int store_signatory_list(struct store *st, int64_t statement_id, const char *state,
			 size_t offset, size_t limit, struct signatory **out, size_t *n,
			 struct err *err);
int store_signatory_count(struct store *st, int64_t statement_id, const char *state,
			  int64_t *count, struct err *err);

/* ---- remote actors (a cache of what we fetched) ---- */

struct remote_actor {
	char *id;          /* actor URL */
	char *type;        /* "Person", "Organization", ... */
	char *name;
	char *preferred_username;
	char *handle;      /* "@user@domain" as WebFinger confirmed, or NULL */
	char *inbox;
	char *shared_inbox; /* may be NULL */
	char *url;         /* profile page, may be NULL */
	char *icon;        /* avatar URL, may be NULL */
	char *key_id;      /* publicKey.id */
	char *public_pem;
	char *document;    /* the JSON as fetched */
	int64_t fetched_at;
};

void remote_actor_free(struct remote_actor *a);

/* Insert or replace by id. */
int store_actor_put(struct store *st, const struct remote_actor *a, struct err *err);
/* ERR_NOTFOUND when not cached. */
int store_actor_get(struct store *st, const char *id, struct remote_actor **out, struct err *err);
/* Look up by publicKey.id. ERR_NOTFOUND when not cached. */
int store_actor_get_by_key(struct store *st, const char *key_id, struct remote_actor **out,
			   struct err *err);
/* Remove the actor and everything it did: follows, likes, announces. */
int store_actor_delete(struct store *st, const char *id, struct err *err);

/* ---- followers ---- */

/* Add (idempotent: the same actor twice is one follower). follow_id is the Follow activity's id. */
int store_follower_add(struct store *st, int64_t statement_id, const char *actor_id,
		       const char *follow_id, struct err *err);
/* Remove; *removed says whether there was one. */
int store_follower_remove(struct store *st, int64_t statement_id, const char *actor_id,
			  bool *removed, struct err *err);
int store_follower_count(struct store *st, int64_t statement_id, int64_t *count,
			 struct err *err);
/* Follower actor ids, oldest first, paged. *out: array of *n strings, free with strings_free. */
int store_follower_list(struct store *st, int64_t statement_id, size_t offset, size_t limit,
			char ***out, size_t *n, struct err *err);
void strings_free(char **list, size_t n);
/*
 * The distinct inboxes to deliver to for a statement: each follower's shared
 * inbox when it has one, else its own inbox (one per shared inbox, not per follower).
 */
int store_follower_inboxes(struct store *st, int64_t statement_id, char ***out, size_t *n,
			   struct err *err);

/* ---- reactions: likes and announces of the statement post ---- */

/* kind is "like" or "announce". Idempotent per (statement, actor, kind). */
int store_reaction_add(struct store *st, int64_t statement_id, const char *kind,
		       const char *actor_id, const char *activity_id, struct err *err);
/* Remove by the activity id that created it; *removed says whether there was one. */
int store_reaction_remove(struct store *st, const char *activity_id, bool *removed,
			  struct err *err);
int store_reaction_count(struct store *st, int64_t statement_id, const char *kind,
			 int64_t *count, struct err *err);

/* ---- inbound activities ---- */

/*
 * Record an activity id as seen. *first is false when it was seen before
 * (the same activity twice changes nothing).
 */
int store_activity_seen(struct store *st, const char *activity_id, bool *first, struct err *err);
/* Keep a Create (reply or mention) for the coordinator. */
int store_mention_add(struct store *st, int64_t statement_id, const char *activity_id,
		      const char *actor_id, const char *object_id, const char *json,
		      struct err *err);

/* ---- domain blocks ---- */

int store_block_add(struct store *st, const char *domain, struct err *err);
int store_block_remove(struct store *st, const char *domain, bool *removed, struct err *err);
bool store_block_has(struct store *st, const char *domain);
int store_block_list(struct store *st, char ***out, size_t *n, struct err *err);

/* ---- delivery queue ---- */

struct delivery {
	int64_t id;
	int64_t statement_id; /* whose key signs it; 0 = the instance actor */
	char *inbox;
	char *body;           /* the activity JSON, exact bytes to POST */
	int attempts;
	int64_t next_attempt_at;
	int last_status;      /* HTTP status or 0 */
};

void deliveries_free(struct delivery *list, size_t n);

/* Queue body for each inbox in one transaction (dead inboxes are skipped). */
int store_delivery_add(struct store *st, int64_t statement_id, const char *body,
		       char *const *inboxes, size_t n_inboxes, struct err *err);
/*
 * Claim up to max deliveries due at now: they are leased until now + lease_s
 * (a crash before ack makes them due again: at-least-once).
 */
int store_delivery_claim(struct store *st, int64_t now, int lease_s, size_t max,
			 struct delivery **out, size_t *n, struct err *err);
/* Delivered: remove the row. */
int store_delivery_done(struct store *st, int64_t id, int status, struct err *err);
/* Failed: count the attempt, set next_attempt_at, or drop it and mark the inbox dead. */
int store_delivery_retry(struct store *st, int64_t id, int status, int64_t next_attempt_at,
			 struct err *err);
int store_delivery_dead(struct store *st, int64_t id, int status, struct err *err);
int store_delivery_pending(struct store *st, int64_t *count, struct err *err);
/* Inboxes marked dead (410 Gone or too many failures) get no new deliveries. */
bool store_inbox_is_dead(struct store *st, const char *inbox);
/* Any activity from the inbox's host revives it. */
int store_inbox_revive_host(struct store *st, const char *host, struct err *err);

#endif
