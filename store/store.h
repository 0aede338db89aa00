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
struct signatory;

/*
 * Open (creating if missing) and migrate the database at path.
 * Refuses, with ERR_INVALID, a file that is not sqlite or a sqlite db that is
 * not ours (foreign tables, or another application_id), writing nothing to it,
 * and a db made by a newer version of the program (a higher schema version).
 * WAL mode, synchronous=FULL, foreign keys on, and a 5 s busy timeout, so the
 * CLI and the server can write to the same file at once. *out: close with store_close.
 */
int store_open(const char *path, struct store **out, struct err *err);
void store_close(struct store *st);

/*
 * Many store calls as one transaction (one fsync instead of one per call):
 * between begin and commit every function works as usual but commits only
 * into the batch; a function that fails undoes its own part and the batch
 * goes on. commit makes all of it durable at once; rollback (NULL is fine)
 * drops it. ERR_INVALID when a batch is open already.
 */
int store_batch_begin(struct store *st, struct err *err);
int store_batch_commit(struct store *st, struct err *err);
void store_batch_rollback(struct store *st);

/*
 * For a connection whose commits are redone when lost (the delivery
 * worker's: a lost acknowledgement means the delivery is made once more,
 * at least once): its commits skip their own fsync (synchronous=NORMAL).
 * A crash of the process loses nothing; a power cut or an OS crash may
 * lose its last commits, up to the next fsync of the WAL by any connection.
 */
int store_relax_durability(struct store *st, struct err *err);

/*
 * A fixed set of n connections to one file, shared by threads (the HTTP
 * server's). get borrows one, waiting while all are in use (never NULL);
 * put gives it back. Close only when every connection is back; accepts NULL.
 *
 * Group commit: a pool connection commits without its own fsync
 * (synchronous=NORMAL). Before a thread tells anyone that a change is done,
 * it calls store_pool_durable(): one fsync of the WAL then covers every
 * thread that committed meanwhile, so many commits share one. Durable, as
 * with synchronous=FULL, once it returns 0; -ERR_IO when the fsync failed
 * (then nothing committed since the last good fsync may be promised).
 * Without changes since get it returns 0 at once.
 */
struct store_pool;
int store_pool_open(const char *path, size_t n, struct store_pool **out, struct err *err);
struct store *store_pool_get(struct store_pool *pool);
int store_pool_durable(struct store_pool *pool, struct store *st, struct err *err);
void store_pool_put(struct store_pool *pool, struct store *st);
/*
 * Shared write batches: short runs of writes (no network I/O inside!) from
 * many threads go into one transaction of one more connection, the
 * writer, each run in its own savepoint; the last thread of a burst (none
 * waiting to write after it) commits for all. enter waits for its turn and
 * sets *w to the writer (use it for reads and writes until leave; -ERR_IO
 * when no transaction could start). leave keeps the run (keep) or undoes
 * it, then waits until the batch is committed and, through own (the
 * thread's pool connection, whose WAL it fsyncs), durable: 0, or -ERR_IO
 * when the batch or the fsync failed (then nothing of the run may be
 * promised). Another thread's failure inside the batch undoes only its run.
 */
int store_pool_writer_enter(struct store_pool *pool, struct store **w, struct err *err);
int store_pool_writer_leave(struct store_pool *pool, struct store *w, bool keep,
			    struct store *own, struct err *err);
void store_pool_close(struct store_pool *pool);

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
/* Set updated = t (the post changed). ERR_NOTFOUND for an unknown id. */
int store_statement_touch(struct store *st, int64_t statement_id, int64_t t, struct err *err);
/* policy: "open", "review" or "closed" (else ERR_INVALID). ERR_NOTFOUND for an unknown id. */
int store_statement_set_policy(struct store *st, int64_t statement_id, const char *policy,
			       struct err *err);
/*
 * Insert s (s->id is set) and its imported signatories in one transaction:
 * either all of it is there afterwards or nothing. From sigs only name and
 * country are read; positions are 0..n-1 in that order. ERR_EXISTS when the
 * slug is taken.
 */
int store_statement_import(struct store *st, struct statement *s, const struct signatory *sigs,
			   size_t n, struct err *err);

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
	char *activity_id; /* the signing activity (Follow, Endorse, Create), NULL for imported */
	char *actor_type;  /* the signer's type ("Organization", "Person"...), NULL for imported */
	bool domain_verified; /* its website links back (rel="me"), or the handle's domain is its site */
	bool domain_check_pending; /* a check of its domain is waiting or under way */
};

void signatories_free(struct signatory *list, size_t n);

/* An imported name: how "import", state "approved", signed_at now. */
int store_signatory_add_imported(struct store *st, int64_t statement_id, const char *name,
				 const char *country, int position, struct err *err);
/*
 * Signatories of a statement in signing order (verified first by time, then
 * imported by position; ties by id). state NULL means all; otherwise only that
 * state. offset/limit page the list (limit 0 = all). *out: array of *n
 * structs (NULL when none), free with signatories_free.
 */
int store_signatory_list(struct store *st, int64_t statement_id, const char *state,
			 size_t offset, size_t limit, struct signatory **out, size_t *n,
			 struct err *err);
int store_signatory_count(struct store *st, int64_t statement_id, const char *state,
			  int64_t *count, struct err *err);
/*
 * The newest approved signatures made through the fediverse (imported names
 * left out), newest first by signing time, at most limit (0 = all). For the
 * signatories' feed. *out: array of *n, free with signatories_free.
 */
int store_signatory_recent(struct store *st, int64_t statement_id, size_t limit,
			   struct signatory **out, size_t *n, struct err *err);
/*
 * A verified signature. From sig: name, country (NULL = ""), actor_id, handle,
 * url, how ("follow", "endorse" or "mention"), state, signed_at, activity_id.
 * proof (may be NULL) is the verified request as JSON, kept for re-checking.
 * One signature per (statement, actor): when the actor signed already, it
 * shows as it was (a rejection holds), activity_id is kept as one more of its
 * signing activities (with proof), and *created is false; when its signature
 * was withdrawn, that row becomes this new signing (*created true).
 * *id (may be NULL) is the row's id either way. ERR_INVALID for a bad how/state.
 */
int store_signatory_add_verified(struct store *st, int64_t statement_id,
				 const struct signatory *sig, const char *proof, int64_t *id,
				 bool *created, struct err *err);
/* The signature of actor_id on a statement. ERR_NOTFOUND when none. *out: signatories_free(*out, 1). */
int store_signatory_get(struct store *st, int64_t statement_id, const char *actor_id,
			struct signatory **out, struct err *err);
/* Coordinator's decision (or any state change) by signatory id. ERR_NOTFOUND, ERR_INVALID. */
int store_signatory_set_state(struct store *st, int64_t id, const char *state,
			      struct err *err);
/*
 * Withdraw actor_id's signature of a statement (Undo, Delete, Block, deleted
 * mention): a pending or approved one becomes "withdrawn"; *changed says
 * whether one did. Rejected ones stay rejected.
 */
int store_signatory_withdraw(struct store *st, int64_t statement_id, const char *actor_id,
			     bool *changed, struct err *err);
/* The stored proof of signatory id; *out NULL when none kept, caller frees. ERR_NOTFOUND. */
int store_signatory_proof(struct store *st, int64_t id, char **out, struct err *err);
/*
 * Move: old_actor's signatures become new_actor's (with its handle and url),
 * in every statement; where new_actor had signed already, old_actor's
 * signature is withdrawn instead. *moved (may be NULL): signatures carried over.
 */
int store_signatory_move(struct store *st, const char *old_actor, const char *new_actor,
			 const char *handle, const char *url, int64_t *moved, struct err *err);
/* Update of an actor: refresh name, handle and url of its signatures (NULL keeps a field). */
int store_signatory_refresh(struct store *st, const char *actor_id, const char *name,
			    const char *handle, const char *url, struct err *err);

/*
 * A signature stands while one of its signing activities does (a Follow,
 * an Endorse, the Note of a mention: each kept with its proof); the row
 * shows the earliest that stands. Undo or Delete of activity_id by actor_id
 * removes that one: *out says which signature it was one of (statement_id 0
 * when none that stands), whether it was approved, whether it was the last
 * (the signature is then withdrawn), or else whether the one shown changed
 * (how, signed_at and proof are now the next one's).
 */
struct signing_undo {
	int64_t statement_id;
	bool approved;
	bool withdrawn;
	bool shown_changed;
};
int store_signatory_withdraw_activity(struct store *st, const char *actor_id,
				      const char *activity_id, struct signing_undo *out,
				      struct err *err);
/* The activities that stand for signature signatory_id, earliest first. *out: strings_free. */
int store_signing_activities(struct store *st, int64_t signatory_id, char ***out, size_t *n,
			     struct err *err);
/* One signing activity that stands for a signature, with its proof (NULL when none kept). */
struct signing {
	char *activity_id;
	char *how;
	int64_t signed_at;
	char *proof;
};
void signings_free(struct signing *list, size_t n);
/* The signings of signature signatory_id, earliest first. *out: array of *n, signings_free. */
int store_signing_list(struct store *st, int64_t signatory_id, struct signing **out, size_t *n,
		       struct err *err);

/* Set the domain check of actor_id's signatures (every statement). */
int store_signatory_set_domain_verified(struct store *st, const char *actor_id, bool verified,
					struct err *err);

/*
 * Domain checks to do (the worker of activitypub/domaincheck.h does them).
 * store_signatory_add_verified() asks for one with every new signature, in
 * its transaction. store_domaincheck_request() asks for one (due now) when
 * actor_id has a pending or approved signature (*asked, may be NULL: whether
 * it did); a pending one is asked again (its attempts start over).
 */
int store_domaincheck_request(struct store *st, const char *actor_id, bool *asked,
			      struct err *err);

/* A check that is due: owned fields, release with domaincheck_due_release(). */
struct domaincheck_due {
	char *actor_id;
	int64_t gen;  /* which ask; finishing an older one leaves a newer one due */
	int attempts; /* undecided attempts so far */
};
void domaincheck_due_release(struct domaincheck_due *d);

/* The check due first at now; out->actor_id NULL when none is due. */
int store_domaincheck_next(struct store *st, int64_t now, struct domaincheck_due *out,
			   struct err *err);
/*
 * The check d was done: retry_at 0 removes it (decided, or given up); else
 * it is due again at retry_at with one attempt more. Unless it was asked
 * again meanwhile: then the newer ask stays as it is.
 */
int store_domaincheck_finish(struct store *st, const struct domaincheck_due *d, int64_t retry_at,
			     struct err *err);
/* Whether a domain check of actor_id is pending (asked, not yet decided or given up). */
int store_domaincheck_pending(struct store *st, const char *actor_id, bool *pending,
			      struct err *err);

/*
 * Batched edits of the statement post. Schedule one at due unless one is
 * already scheduled (the earlier stays: a burst of signatures is one edit).
 */
int store_statement_schedule_update(struct store *st, int64_t statement_id, int64_t due,
				    struct err *err);
/* Ids of statements whose scheduled edit is due at now; *out: array of *n, caller frees. */
int store_statement_updates_due(struct store *st, int64_t now, int64_t **out, size_t *n,
				struct err *err);
/* The edit is published: clear the schedule and set updated = t, in one transaction. */
int store_statement_update_done(struct store *st, int64_t statement_id, int64_t t,
				struct err *err);
/*
 * Edits requested so far: a counter every store_statement_schedule_update
 * raises. The publisher reads it before it loads what the edit shows and
 * hands it to store_statement_update_publish. ERR_NOTFOUND for an unknown id.
 */
int store_statement_update_gen(struct store *st, int64_t statement_id, int64_t *gen,
			       struct err *err);

/* One activity to queue: body (borrowed) for inboxes[0..n_inboxes) (borrowed). */
struct store_outgoing {
	const char *body;
	char *const *inboxes;
	size_t n_inboxes;
};

/*
 * Publish a batched edit in one transaction (a crash leaves all of it or
 * nothing): queue each of out[0..n_out) as store_delivery_add does, set
 * updated = t (kept when already later), and clear the schedule, unless an
 * edit was requested after gen was read (store_statement_update_gen): then
 * the change that came meanwhile gets an edit of its own, due at next_due.
 * ERR_NOTFOUND for an unknown id.
 */
int store_statement_update_publish(struct store *st, int64_t statement_id, int64_t gen,
				   int64_t t, int64_t next_due, const struct store_outgoing *out,
				   size_t n_out, struct err *err);

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

/* Insert or replace by id (id and type required, else ERR_INVALID). */
int store_actor_put(struct store *st, const struct remote_actor *a, struct err *err);
/* ERR_NOTFOUND when not cached. */
int store_actor_get(struct store *st, const char *id, struct remote_actor **out, struct err *err);
/* Look up by publicKey.id. ERR_NOTFOUND when not cached. */
int store_actor_get_by_key(struct store *st, const char *key_id, struct remote_actor **out,
			   struct err *err);
/*
 * Remove the actor and everything it did: follows (of statements and of the
 * index), likes, announces. Its
 * signatures and mentions stay (withdraw with store_signatory_withdraw).
 */
int store_actor_delete(struct store *st, const char *id, struct err *err);

/* ---- followers ---- */

/*
 * Add (idempotent: the same actor twice is one follower). follow_id is the
 * Follow activity's id; a second Follow updates it. ERR_NOTFOUND for an
 * unknown statement.
 */
int store_follower_add(struct store *st, int64_t statement_id, const char *actor_id,
		       const char *follow_id, struct err *err);
/* Remove; *removed says whether there was one. */
int store_follower_remove(struct store *st, int64_t statement_id, const char *actor_id,
			  bool *removed, struct err *err);
/*
 * Undo of a Follow: remove the follower whose Follow had the id follow_id,
 * only when actor_id is the one who followed. *removed says whether there was one.
 */
int store_follower_remove_by_follow(struct store *st, const char *follow_id,
				    const char *actor_id, bool *removed, struct err *err);
int store_follower_count(struct store *st, int64_t statement_id, int64_t *count,
			 struct err *err);
/* Follower actor ids, oldest first, paged. *out: array of *n strings, free with strings_free. */
int store_follower_list(struct store *st, int64_t statement_id, size_t offset, size_t limit,
			char ***out, size_t *n, struct err *err);
void strings_free(char **list, size_t n);
/*
 * The distinct inboxes to deliver to for a statement: each follower's shared
 * inbox when it has one, else its own inbox (one per shared inbox, not per
 * follower), sorted. Dead inboxes are left out, and so are followers whose
 * actor is not in the cache (no inbox known). Free with strings_free.
 */
int store_follower_inboxes(struct store *st, int64_t statement_id, char ***out, size_t *n,
			   struct err *err);
/* The same for followers and everyone who liked or announced the post (Update's audience). */
int store_audience_inboxes(struct store *st, int64_t statement_id, char ***out, size_t *n,
			   struct err *err);

/* ---- reactions: likes and announces of the statement post ---- */

/*
 * kind is "like" or "announce" (else ERR_INVALID). Idempotent per (statement,
 * actor, kind): a repeat replaces the row, so the newest activity_id is the
 * one store_reaction_remove matches.
 */
int store_reaction_add(struct store *st, int64_t statement_id, const char *kind,
		       const char *actor_id, const char *activity_id, struct err *err);
/* Remove by the activity id that created it; *removed says whether there was one. */
int store_reaction_remove(struct store *st, const char *activity_id, bool *removed,
			  struct err *err);
/* Undo of a Like or Announce: as store_reaction_remove, only when actor_id made it. */
int store_reaction_undo(struct store *st, const char *activity_id, const char *actor_id,
			bool *removed, struct err *err);
int store_reaction_count(struct store *st, int64_t statement_id, const char *kind,
			 int64_t *count, struct err *err);

/* ---- quotes of the statement post (FEP-044f) ---- */

struct quote {
	int64_t id;           /* the number in B/s/SLUG/quotes/ID (its QuoteAuthorization) */
	int64_t statement_id;
	char *actor_id;       /* who quoted */
	char *post;           /* the quoting post's id (the QuoteRequest's instrument) */
	char *request_id;     /* the QuoteRequest's id */
	int64_t created;
	int64_t deleted;      /* when the quoting post was deleted; 0 while it lives */
};

void quote_free(struct quote *q);

/*
 * Record that actor_id's post quotes the statement's post (request_id: the
 * QuoteRequest). One row per (statement, post): asking again gives the same
 * *id with *created false. ERR_FORBIDDEN when that post was recorded for
 * another actor, ERR_NOTFOUND when it was deleted, ERR_INVALID for missing ids.
 */
int store_quote_add(struct store *st, int64_t statement_id, const char *actor_id,
		    const char *post, const char *request_id, int64_t *id, bool *created,
		    struct err *err);
/* Quote id of a statement (deleted ones too: see ->deleted). ERR_NOTFOUND. *out: quote_free. */
int store_quote_get(struct store *st, int64_t statement_id, int64_t id, struct quote **out,
		    struct err *err);
/* Delete of a quoting post: mark actor_id's quote by post deleted; *removed says whether one was. */
int store_quote_delete(struct store *st, const char *actor_id, const char *post, bool *removed,
		       struct err *err);
/* Delete of an actor: every live quote of it deleted; *n (may be NULL) how many. */
int store_quote_delete_actor(struct store *st, const char *actor_id, int64_t *n,
			     struct err *err);
/* Quotes whose post still lives. */
int store_quote_count(struct store *st, int64_t statement_id, int64_t *count, struct err *err);

/*
 * What a statement's page shows changes (its row, signatories, followers,
 * reactions, quotes: database triggers count every change, the CLI's too):
 * *gen is raised by each, *changed_at is the time of the last (both 0 before
 * any). The page cache keeps a page while gen stays the same.
 */
int store_statement_gen(struct store *st, int64_t statement_id, int64_t *gen,
			int64_t *changed_at, struct err *err);

/* ---- inbound activities ---- */

/*
 * Record an activity id as seen. *first is false when it was seen before
 * (the same activity twice changes nothing).
 */
int store_activity_seen(struct store *st, const char *activity_id, bool *first, struct err *err);
/*
 * Whether activity_id was recorded by store_activity_seen (a read). On a
 * database error it logs and answers false: handling an activity twice is
 * harmless (handlers are idempotent), losing one is not.
 */
bool store_activity_is_seen(struct store *st, const char *activity_id);
/*
 * Forget one activity id (its handling failed or was refused, so the sender's
 * retry must be handled, not taken for a duplicate). Unknown ids are fine.
 */
int store_activity_forget(struct store *st, const char *activity_id, struct err *err);
/* Forget activity ids seen before the time before; *removed (may be NULL) counts them. */
int store_activity_seen_prune(struct store *st, int64_t before, int64_t *removed,
			      struct err *err);
/* Keep a Create (reply or mention) for the coordinator. Idempotent per activity_id. */
int store_mention_add(struct store *st, int64_t statement_id, const char *activity_id,
		      const char *actor_id, const char *object_id, const char *json,
		      struct err *err);

/* Mentions kept since `since` from actors whose id starts with origin ("https://host/"). */
int store_mention_count_since(struct store *st, const char *origin, int64_t since,
			      int64_t *count, struct err *err);

/* ---- domain blocks ---- */

/* Domains are compared lowercase, without a trailing dot. */
int store_block_add(struct store *st, const char *domain, struct err *err);
int store_block_remove(struct store *st, const char *domain, bool *removed, struct err *err);
/*
 * Whether domain or one of its parents is blocked ("example.com" blocks
 * "a.example.com"). On a database error it logs and answers true (fails closed).
 */
bool store_block_has(struct store *st, const char *domain);
/* Blocked domains, sorted; free with strings_free. */
int store_block_list(struct store *st, char ***out, size_t *n, struct err *err);

/* ---- delivery queue ---- */

struct delivery {
	int64_t id;
	int64_t statement_id; /* whose key signs it; 0 = the instance actor (or org_id's) */
	int64_t org_id;       /* when not 0, this organisation's key signs it instead */
	char *inbox;
	char *body;           /* the activity JSON, exact bytes to POST */
	int attempts;
	int64_t next_attempt_at;
	int last_status;      /* HTTP status or 0 */
};

void deliveries_free(struct delivery *list, size_t n);

/*
 * Queue body for each inbox in one transaction (dead inboxes are skipped),
 * due now. The body is stored once, however many inboxes.
 */
int store_delivery_add(struct store *st, int64_t statement_id, const char *body,
		       char *const *inboxes, size_t n_inboxes, struct err *err);
/*
 * Claim up to max deliveries due at now, oldest due first: they are leased
 * until now + lease_s (a crash before ack makes them due again: at-least-once).
 * *out: array of *n (NULL when none), free with deliveries_free.
 * Acknowledge each with done, retry or dead. Those three are no-ops for a row
 * that is gone already (another worker finished it after the lease ran out).
 */
int store_delivery_claim(struct store *st, int64_t now, int lease_s, size_t max,
			 struct delivery **out, size_t *n, struct err *err);
/*
 * Delivered: remove the row. Each of done, retry and dead also keeps the
 * outcome in the delivery log (store_delivery_report), in the same
 * transaction; done with status 0 logs "dropped" (removed without a POST).
 */
int store_delivery_done(struct store *st, int64_t id, int status, struct err *err);
/* Failed for now: count the attempt, record status, due again at next_attempt_at, lease cleared. */
int store_delivery_retry(struct store *st, int64_t id, int status, int64_t next_attempt_at,
			 struct err *err);
/*
 * Failed for good (410 Gone, or too many attempts): drop the row, mark its
 * inbox dead, and drop the other queued deliveries to that inbox that no
 * worker holds.
 */
int store_delivery_dead(struct store *st, int64_t id, int status, struct err *err);
/* Rows in the queue (due or not, leased or not). */
int store_delivery_pending(struct store *st, int64_t *count, struct err *err);
/* The earliest next_attempt_at in the queue (*any false when the queue is empty). */
int store_delivery_next_due(struct store *st, int64_t *when, bool *any, struct err *err);
/*
 * Inboxes marked dead (410 Gone or too many failures) get no new deliveries.
 * On a database error it logs and answers false.
 */
bool store_inbox_is_dead(struct store *st, const char *inbox);
/*
 * Any activity from the inbox's server revives it: every dead inbox whose
 * URL has the same authority as url_or_authority, an actor's URL or a bare
 * "host[:port]" (read as https's). Authorities compare lowercase, with the
 * port only when it is not the scheme's default: https://a.example/inbox
 * and http://A.example:80/x match, a.example:8443 matches neither; an IPv6
 * literal keeps its brackets ("[::1]:8443"). -ERR_INVALID when it holds none.
 */
int store_inbox_revive_host(struct store *st, const char *url_or_authority, struct err *err);

/* ---- operations: backup, restore, delivery report, counts (backup.c, stats.c) ---- */

/*
 * An online backup of st's database into the new file to (sqlite's backup
 * API: one consistent snapshot while the server goes on writing). The copy
 * is a single self-contained file (no -wal beside it), checked with
 * quick_check, written under a temporary name beside to, fsynced, and
 * renamed: to is whole or absent. ERR_EXISTS when to exists already.
 */
int store_backup(struct store *st, const char *to, struct err *err);
/*
 * Put the backup from in place of the database at db_path (missing, or a
 * database of ours). Refused, with nothing changed: a from that is not a
 * whole, undamaged database of ours (the identity check of store_open on
 * it, read-only), ERR_INVALID; a db_path that is another program's file,
 * ERR_INVALID; a db_path a running server holds (store_server_lock), or
 * that another program is writing, ERR_RETRY. The copy goes into the
 * target through sqlite as one transaction, then the target is opened as
 * store_open does (WAL, an older schema migrated).
 */
int store_restore(const char *from, const char *db_path, struct err *err);
/*
 * What serve holds while it runs: a shared flock(2) on the database file,
 * through a descriptor of its own (*fd); store_restore refuses a file with
 * such a lock. Release with store_server_unlock (closes fd; -1 is fine).
 */
int store_server_lock(const char *path, int *fd, struct err *err);
void store_server_unlock(int fd);

/*
 * The deliveries of one statement (0: the instance actor and organisations),
 * one item per inbox: queued, sending (a worker holds it now) or retrying
 * when rows to it are in the queue, else the last outcome the delivery log
 * kept (delivered, dead, dropped).
 * The log keeps one row per (statement, inbox), replaced by each outcome.
 */
struct delivery_status {
	char *inbox;
	const char *state; /* queued, sending, retrying, delivered, dead, dropped; static */
	int status;        /* last HTTP status, 0 when none */
	int attempts;
	int64_t at;        /* when it was last attempted (0: never) */
	int64_t next_at;   /* next attempt, for queued and retrying ones (else 0) */
};
struct delivery_report {
	struct delivery_status *items; /* sorted by inbox */
	size_t n;
	int64_t queued, retrying, delivered, dead; /* items by state (sending counts as queued) */
	int64_t pending;    /* rows in the queue (an inbox may have several) */
	/*
	 * The fan-out under way: inboxes done (delivered, dead or dropped) since
	 * the oldest row still queued was queued, and that plus the inboxes with
	 * rows queued. Both 0 when nothing is queued.
	 */
	int64_t fanout_done, fanout_total;
};
int store_delivery_report(struct store *st, int64_t statement_id, struct delivery_report *out,
			  struct err *err);
void delivery_report_release(struct delivery_report *r);

/* The gauges of /metrics, read in one snapshot. */
#define STORE_SIG_STATES 4
/* "pending", "approved", "rejected", "withdrawn": the order of store_stat_row.signatures. */
extern const char *const store_sig_states[STORE_SIG_STATES];
struct store_stat_row {
	char *slug;
	int64_t signatures[STORE_SIG_STATES];
	int64_t followers;
};
struct store_stats {
	int64_t queue_depth;    /* rows in the delivery queue */
	int64_t queue_retrying; /* of which failed at least once */
	int64_t dead_inboxes;
	int64_t domain_checks;  /* signers' domain checks asked for and not yet done */
	int64_t sqlite_bytes;   /* memory sqlite holds, all connections: page caches, schemas */
	struct store_stat_row *rows; /* one per statement, by slug */
	size_t n;
};
int store_stats_get(struct store *st, struct store_stats *out, struct err *err);
void store_stats_release(struct store_stats *s);

/* ---- organisations: actors hosted here that sign statements elsewhere ---- */

struct organisation {
	int64_t id;
	char *slug;        /* acct:SLUG@HOST, like a statement's: one slug, one actor */
	char *name;
	char *url;         /* its website, "" when none */
	char *summary;     /* plain text, "" when none */
	int64_t published;
	int64_t updated;   /* last edit of its profile */
	char *public_pem;  /* SPKI PEM */
	char *private_pem; /* PKCS#8 PEM; never served, wiped when freed */
};

void organisation_free(struct organisation *o);
void organisations_free(struct organisation **list, size_t n);

/*
 * Insert o (o->id is set): slug, name and both keys required (else
 * ERR_INVALID); url and summary NULL mean "". ERR_EXISTS when a statement or
 * an organisation has the slug already.
 */
int store_org_add(struct store *st, struct organisation *o, struct err *err);
/* ERR_NOTFOUND when no organisation has that slug / id. *out: organisation_free. */
int store_org_get(struct store *st, const char *slug, struct organisation **out,
		  struct err *err);
int store_org_get_by_id(struct store *st, int64_t id, struct organisation **out,
			struct err *err);
/* All organisations, oldest first; free with organisations_free. */
int store_org_list(struct store *st, struct organisation ***out, size_t *n, struct err *err);
/* Whether a statement or an organisation has slug. */
int store_slug_taken(struct store *st, const char *slug, bool *taken, struct err *err);
/*
 * Edit an organisation's profile and queue what tells others, in one
 * transaction: name, url, summary (NULL keeps a field), updated = t (kept
 * when already later), and each of out[0..n_out) queued signed by the
 * organisation. ERR_NOTFOUND for an unknown id, ERR_INVALID for an empty name.
 */
int store_org_edit(struct store *st, int64_t org_id, const char *name, const char *url,
		   const char *summary, int64_t t, const struct store_outgoing *out,
		   size_t n_out, struct err *err);
/* Queue body for inboxes signed by the organisation's key (as store_delivery_add). */
int store_org_delivery_add(struct store *st, int64_t org_id, const char *body,
			   char *const *inboxes, size_t n_inboxes, struct err *err);

/* ---- endorsements: what an organisation of ours signed, and the answers ---- */

struct endorsement {
	int64_t id;
	int64_t org_id;
	char *statement_actor; /* the statement actor's id (the Follow's object) */
	char *inbox;           /* where our activities for it go */
	char *post_id;         /* the endorsed object (the Endorse's object) */
	char *handle;          /* "@slug@host" of the statement, may be NULL */
	char *title;           /* the statement's name, "" when unknown */
	char *endorse_id;      /* our Endorse activity */
	char *follow_id;       /* our Follow activity */
	char *state;           /* "pending", "accepted", "rejected" or "withdrawn" */
	bool follow_accepted;  /* the Follow was answered Accept */
	bool listed;           /* the statement lists us (its collection or its post) */
	int64_t signed_at;     /* when the Endorse was queued */
	int64_t answered_at;   /* when the Accept or Reject of the Endorse came; 0: not yet */
	int64_t post_updated_at; /* the last Update of the post that reached us; 0: none */
	char *reply;           /* the last reply from the statement actor (its HTML), or NULL */
	int64_t withdrawn_at;  /* 0 unless withdrawn */
};

void endorsements_free(struct endorsement *list, size_t n);

/*
 * Record that organisation e->org_id signs the statement e->statement_actor
 * and queue endorse_body and follow_body to e->inbox signed by the
 * organisation, in one transaction. From e: org_id, statement_actor, inbox,
 * post_id, handle, title, endorse_id, follow_id, signed_at (state becomes
 * "pending"); e->id is set. One row per (organisation, statement): when one
 * exists that is not withdrawn, ERR_EXISTS and nothing is queued; a
 * withdrawn one becomes this new signing.
 */
int store_endorsement_add(struct store *st, struct endorsement *e, const char *endorse_body,
			  const char *follow_body, struct err *err);
/* The organisation's endorsement of statement_actor. ERR_NOTFOUND when none. *out: endorsements_free(*out, 1). */
int store_endorsement_get(struct store *st, int64_t org_id, const char *statement_actor,
			  struct endorsement **out, struct err *err);
/*
 * The organisation's endorsements, oldest first; withdrawn ones only when
 * with_withdrawn. offset/limit page them (limit 0 = all). *out: array of *n.
 */
int store_endorsement_list(struct store *st, int64_t org_id, bool with_withdrawn,
			   size_t offset, size_t limit, struct endorsement **out, size_t *n,
			   struct err *err);
int store_endorsement_count(struct store *st, int64_t org_id, bool with_withdrawn,
			    int64_t *count, struct err *err);
/*
 * statement_actor answered our activity activity_id (an Endorse or a Follow
 * we sent it): accepted or not, at t. The Endorse's answer sets the state
 * (accepted / rejected) and answered_at; the Follow's sets follow_accepted.
 * Withdrawn rows do not change. *found says whether a row matched.
 */
int store_endorsement_answer(struct store *st, const char *statement_actor,
			     const char *activity_id, bool accepted, int64_t t, bool *found,
			     struct err *err);
/*
 * Every endorsement of post_id by whoever whose statement is statement_actor
 * (several organisations here may have signed one statement), not withdrawn,
 * oldest first. *out: array of *n, endorsements_free.
 */
int store_endorsement_by_post(struct store *st, const char *statement_actor,
			      const char *post_id, struct endorsement **out, size_t *n,
			      struct err *err);
/* An Update of the post reached us at t; listed: whether the post lists the organisation. */
int store_endorsement_post_updated(struct store *st, int64_t id, int64_t t, bool listed,
				   struct err *err);
/* The statement's collection was seen to list the organisation (or not). */
int store_endorsement_set_listed(struct store *st, int64_t id, bool listed, struct err *err);
/* A reply (html, borrowed) from the statement actor to the organisation. */
int store_endorsement_reply(struct store *st, int64_t id, const char *html, struct err *err);
/*
 * Withdraw: state "withdrawn" at t and the Undos (each may be NULL) queued
 * to the row's inbox signed by its organisation, in one transaction.
 * ERR_NOTFOUND for an unknown id; ERR_INVALID when it is withdrawn already.
 */
int store_endorsement_withdraw(struct store *st, int64_t id, const char *undo_endorse,
			       const char *undo_follow, int64_t t, struct err *err);
/* The distinct inboxes of the statements an organisation signed (not withdrawn); strings_free. */
int store_endorsement_inboxes(struct store *st, int64_t org_id, char ***out, size_t *n,
			      struct err *err);

/* ---- organisations' followers ---- */

/* Add (idempotent; the newest Follow id is kept). ERR_NOTFOUND for an unknown organisation. */
int store_org_follower_add(struct store *st, int64_t org_id, const char *actor_id,
			   const char *follow_id, struct err *err);
/* Undo of a Follow: remove actor_id's follow whose id is follow_id; *removed says whether one was. */
int store_org_follower_remove_by_follow(struct store *st, const char *follow_id,
					const char *actor_id, bool *removed, struct err *err);
/* Remove actor_id from every organisation's followers (Delete of the actor). */
int store_org_follower_remove_actor(struct store *st, const char *actor_id, struct err *err);
int store_org_follower_count(struct store *st, int64_t org_id, int64_t *count,
			     struct err *err);
/* Follower actor ids, oldest first, paged (limit 0 = all); strings_free. */
int store_org_follower_list(struct store *st, int64_t org_id, size_t offset, size_t limit,
			    char ***out, size_t *n, struct err *err);
/* Their distinct inboxes (shared when they have one; cached actors only, dead ones left out). */
int store_org_follower_inboxes(struct store *st, int64_t org_id, char ***out, size_t *n,
			       struct err *err);

/* ---- the statement's life: versions, translations, deletion (store/life.c) ---- */

/*
 * The text of a statement in one language, as one version has it. The
 * statement's own language is the one of struct statement (its title ...
 * content_html are those of the current version); others are translations.
 */
struct statement_text {
	char *lang;         /* normalised BCP 47 tag */
	char *title;
	char *dateline;     /* "" when none */
	char *summary;
	char *content_html; /* made by our importer: trusted HTML */
};

void statement_texts_free(struct statement_text *list, size_t n);

/* One version of the text: 1 is the text as imported, each edit adds one. */
struct statement_version {
	int version;
	int64_t created;  /* when it was made (the import's time for version 1) */
	size_t n_langs;   /* languages it has */
};

/*
 * The texts of version (0 = the current one) of a statement: the statement's
 * own language first, then the translations by tag. *got (may be NULL) is
 * the version read. *out: free with statement_texts_free. ERR_NOTFOUND when
 * the statement has no such version.
 */
int store_statement_texts(struct store *st, int64_t statement_id, int version,
			  struct statement_text **out, size_t *n, int *got, struct err *err);
/* Every version of a statement, oldest first. *out: caller frees (NULL when none). */
int store_statement_versions(struct store *st, int64_t statement_id,
			     struct statement_version **out, size_t *n, struct err *err);
/*
 * Edit the text: a new version made at now, in one transaction, with
 * texts[0..n) (texts[0] must be the statement's own language; the others are
 * translations, added or replaced) and every other translation of the
 * current version carried over as it was; the statement's title, dateline,
 * summary and content become texts[0]'s, and an edit of the post is
 * scheduled at due (or earlier, when one is scheduled already). *version
 * (may be NULL) is the new version's number. ERR_INVALID when texts[0] is
 * not in the statement's language, a language comes twice, a title or text
 * is empty, or the version would pass LIMIT_TRANSLATIONS languages;
 * ERR_EXISTS when nothing differs from the current version (nothing written);
 * ERR_NOTFOUND for an unknown or deleted statement.
 */
int store_statement_edit(struct store *st, int64_t statement_id, const struct statement_text *texts,
			 size_t n, int64_t now, int64_t due, int *version, struct err *err);
/*
 * Add or replace the translation t of the current version (not a new
 * version: the text is the same statement) and schedule an edit of the post
 * at due (or earlier). *replaced (may be NULL) says whether that language was
 * there. ERR_INVALID when t is in the statement's own language (that is an
 * edit) or empty; ERR_TOOBIG past LIMIT_TRANSLATIONS languages; ERR_EXISTS
 * when the same text is there already; ERR_NOTFOUND for an unknown or deleted
 * statement.
 */
int store_translation_put(struct store *st, int64_t statement_id, const struct statement_text *t,
			  int64_t due, bool *replaced, struct err *err);
/*
 * Delete a statement at now: it is marked deleted (never removed: its key
 * signs the Delete activities, and its slug and URLs are never reused), any
 * scheduled edit is dropped, and a "delete" event is recorded for the
 * publisher, in one transaction. A deleted statement is gone for
 * store_statement_get and store_statement_list; store_statement_get_by_id
 * still reads it (the keyring needs its key). ERR_NOTFOUND for an unknown or
 * already deleted statement.
 */
int store_statement_delete(struct store *st, int64_t statement_id, int64_t now, struct err *err);
/*
 * Whether slug is a deleted statement: *deleted_at is when, or 0 while it is
 * live. ERR_NOTFOUND when no statement ever had that slug.
 */
int store_statement_deleted(struct store *st, const char *slug, int64_t *deleted_at,
			    struct err *err);

/*
 * What the publisher must tell the fediverse once: "announce" (a statement
 * was opened: the index's followers hear of it, recorded by the store when
 * a statement is added) and "delete" (store_statement_delete).
 */
struct statement_event {
	int64_t id;
	int64_t statement_id;
	char *kind;  /* "announce" or "delete" */
	int64_t created;
};

void statement_events_free(struct statement_event *list, size_t n);
/* Events waiting, oldest first. *out: free with statement_events_free. */
int store_events_pending(struct store *st, struct statement_event **out, size_t *n,
			 struct err *err);
/*
 * In one transaction, queue out[0..n_out) signed by signer_statement_id (0:
 * the instance actor), as store_delivery_add does, and forget the event.
 * An event that is gone already (another worker did it) is not an error.
 */
int store_event_publish(struct store *st, int64_t event_id, int64_t signer_statement_id,
			const struct store_outgoing *out, size_t n_out, struct err *err);

/* ---- the index: followers of the instance actor (acct:HOST@HOST) ---- */

/* Idempotent per actor; a second Follow replaces follow_id. */
int store_index_follower_add(struct store *st, const char *actor_id, const char *follow_id,
			     struct err *err);
/*
 * Remove actor_id, only when its Follow was follow_id (NULL: whichever).
 * *removed (may be NULL) says whether one was.
 */
int store_index_follower_remove(struct store *st, const char *actor_id, const char *follow_id,
				bool *removed, struct err *err);
int store_index_follower_count(struct store *st, int64_t *count, struct err *err);
/* Actor ids, oldest first, paged. Free with strings_free. */
int store_index_follower_list(struct store *st, size_t offset, size_t limit, char ***out,
			      size_t *n, struct err *err);
/* Their distinct (shared) inboxes, sorted, dead ones left out. Free with strings_free. */
int store_index_follower_inboxes(struct store *st, char ***out, size_t *n, struct err *err);

/*
 * store_statement_import, and translations[0..n_translations) of the text as
 * more languages of version 1, in one transaction: all of it or nothing.
 * ERR_INVALID for a translation in the statement's own language, a language
 * twice, or an empty one.
 */
int store_statement_import_translated(struct store *st, struct statement *s,
				      const struct signatory *sigs, size_t n,
				      const struct statement_text *translations,
				      size_t n_translations, struct err *err);

#endif
