/*
 * Inside the store: the connection and the helpers every file of store/
 * shares. The only header that includes <sqlite3.h>; never included outside
 * store/ (store.h is the public face).
 */
#ifndef STORE_DB_H
#define STORE_DB_H

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "store/store.h"
#include "util/err.h"

/* PRAGMA application_id of our files: 0x556E6453, "UndS" in ASCII. */
#define DB_APPLICATION_ID 1433298003
/* A pool connection checkpoints once the WAL holds this many pages (4 MiB at 4 KiB). */
#define DB_CHECKPOINT_FRAMES 1000
/* Sections written into one shared write batch at most (see store_pool_writer_enter). */
#define DB_BATCH_MAX 64
/* A shared write batch stays open for others to join this long at most (microseconds). */
#define DB_BATCH_WINDOW_US 2000
/* Wait this long for another connection's write lock before failing. */
#define DB_BUSY_TIMEOUT_MS 5000

/* Prepared statements kept per connection: every SQL text of store/ fits. */
#define DB_STMT_CACHE 160

struct db_cached {
	sqlite3_stmt *stmt;
	uint32_t hash;  /* of its SQL text */
	bool busy;      /* handed out by db_prepare, not yet back through db_finish */
};

struct store {
	sqlite3 *db;
	struct db_cached cache[DB_STMT_CACHE];
	size_t n_cached;
	int nested;        /* db_begin levels open inside a store_batch (savepoints) */
	int64_t changes;   /* sqlite3_total_changes64 when a pool lent the connection */
	struct timespec busy_since; /* when the current wait for a lock began */
};

enum db_tx { DB_READ, DB_WRITE };

/*
 * Turn the connection's last error into an ERR_IO in err, naming what failed
 * (a disk full says "disk full", for the inbox to answer 503). Returns -ERR_IO,
 * except for constraints: UNIQUE -ERR_EXISTS, FOREIGN KEY -ERR_NOTFOUND,
 * CHECK / NOT NULL -ERR_INVALID.
 */
int db_fail(struct store *st, struct err *err, const char *what);

/*
 * Prepare one SQL statement (static text; values are bound, never pasted).
 * Statements are kept per connection and reused: parsing SQL costs more
 * than running most of ours. Give every one back with db_finish.
 */
int db_prepare(struct store *st, const char *sql, sqlite3_stmt **out, struct err *err);
/* Done with a statement of db_prepare: reset and kept for the next use (or finalized). NULL is fine. */
void db_finish(struct store *st, sqlite3_stmt *s);
/* Run SQL without values or results (schema, pragmas, BEGIN/COMMIT). */
int db_exec(struct store *st, const char *sql, struct err *err);

/*
 * BEGIN IMMEDIATE for DB_WRITE: the write lock is taken at once, so two
 * connections wait for each other through busy_timeout instead of failing
 * with SQLITE_BUSY on a read-to-write upgrade. DB_READ: a deferred BEGIN,
 * one snapshot for several SELECTs. Inside a transaction already open (a
 * store_batch) it is a SAVEPOINT instead, and commit / rollback release or
 * undo only that savepoint: the batch commits everything once.
 */
int db_begin(struct store *st, enum db_tx tx, struct err *err);
int db_commit(struct store *st, struct err *err);
/* Roll back if a transaction is open; harmless otherwise. */
void db_rollback(struct store *st);

/* Bind s, or SQL NULL when s is NULL. Returns the sqlite result code. */
int db_bind_text(sqlite3_stmt *s, int idx, const char *text);
/* Bind an int64; 0 becomes SQL NULL (for optional references such as statement 0). */
int db_bind_id_or_null(sqlite3_stmt *s, int idx, int64_t id);

/*
 * Step a statement that returns no row (INSERT/UPDATE/DELETE).
 * 0, or db_fail(what). A UNIQUE violation returns -ERR_EXISTS.
 */
int db_step_done(struct store *st, sqlite3_stmt *s, struct err *err, const char *what);
/*
 * Step a statement expected to return one integer (SELECT count(*) ...).
 * *found false when there was no row.
 */
int db_step_int64(struct store *st, sqlite3_stmt *s, int64_t *out, bool *found,
		  struct err *err, const char *what);

/* A copy of a text column, NULL for SQL NULL; caller frees. */
char *db_column_dup(sqlite3_stmt *s, int col);

/* Collect the first column of every row as strings (NULLs skipped). */
int db_collect_strings(struct store *st, sqlite3_stmt *s, char ***out, size_t *n,
		       struct err *err, const char *what);

/*
 * fsync the connection's WAL file: every commit written to it before the
 * call is then durable (what synchronous=FULL does at each commit).
 */
int db_sync_wal(struct store *st, struct err *err);

/* Schema: bring the database to the current version (migrate.c). */
int db_migrate(struct store *st, struct err *err);
/* Whether the open file is ours, new (no tables, application_id 0), or foreign. */
int db_check_ours(struct store *st, const char *path, bool *is_new, struct err *err);

/*
 * Queue body for each inbox (dead ones skipped), due at now, inside the
 * caller's transaction (store_delivery_add without BEGIN/COMMIT).
 */
int db_delivery_queue(struct store *st, int64_t statement_id, const char *body,
		      char *const *inboxes, size_t n_inboxes, int64_t now, struct err *err);
/* The same, signed by organisation org_id's key (store_org_delivery_add). */
int db_delivery_queue_org(struct store *st, int64_t org_id, const char *body,
			  char *const *inboxes, size_t n_inboxes, int64_t now, struct err *err);

/*
 * Keep the outcome of delivery id ("delivered", "retry", "dead", "dropped")
 * in the delivery log, inside the caller's transaction, before the row is
 * deleted. inbox non-NULL: the other queued rows to that inbox that no
 * worker holds get the same outcome (store_delivery_dead drops them). stats.c.
 */
int db_delivery_log(struct store *st, int64_t id, const char *inbox, const char *outcome,
		    int status, int64_t now, struct err *err);

/*
 * The host of a URL or of a "host[:port]" authority, lowercase, without the
 * port (an IPv6 literal keeps its brackets); NULL when there is none. Caller frees.
 */
char *db_host_of(const char *url_or_authority);

/* Free a string that held a secret, wiping it first (explicit_bzero: a memset may be optimised away). */
static inline void db_wipe_free(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

#endif
