/*
 * The connection: open, check that the file is ours, pragmas, and the small
 * helpers (errors, prepare, bind, step, transactions) the other store files use.
 */
#include "store/db.h"

#include <ctype.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

int db_fail(struct store *st, struct err *err, const char *what)
{
	int code = sqlite3_extended_errcode(st->db);
	const char *msg = sqlite3_errmsg(st->db);

	switch (code) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return errorf(err, ERR_EXISTS, "%s: already exists (%s)", what, msg);
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return errorf(err, ERR_NOTFOUND, "%s: refers to a missing row (%s)", what, msg);
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
		return errorf(err, ERR_INVALID, "%s: invalid value (%s)", what, msg);
	default:
		break;
	}
	if ((code & 0xff) == SQLITE_FULL)
		return errorf(err, ERR_IO, "%s: disk full (%s)", what, msg);
	return errorf(err, ERR_IO, "%s: %s", what, msg);
}

static uint32_t sql_hash(const char *sql)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)sql; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h;
}

int db_prepare(struct store *st, const char *sql, sqlite3_stmt **out, struct err *err)
{
	uint32_t h = sql_hash(sql);

	*out = NULL;
	for (size_t i = 0; i < st->n_cached; i++) {
		struct db_cached *c = &st->cache[i];

		if (c->hash == h && !c->busy && strcmp(sqlite3_sql(c->stmt), sql) == 0) {
			c->busy = true;
			*out = c->stmt;
			return 0;
		}
	}
	if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) != SQLITE_OK) {
		sqlite3_finalize(*out);
		*out = NULL;
		return db_fail(st, err, "prepare");
	}
	/* When the cache is full this one is not kept: db_finish finalizes it. */
	if (st->n_cached < DB_STMT_CACHE)
		st->cache[st->n_cached++] = (struct db_cached){ .stmt = *out, .hash = h, .busy = true };
	return 0;
}

void db_finish(struct store *st, sqlite3_stmt *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < st->n_cached; i++) {
		if (st->cache[i].stmt == s) {
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			st->cache[i].busy = false;
			return;
		}
	}
	sqlite3_finalize(s);
}

int db_exec(struct store *st, const char *sql, struct err *err)
{
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, err, "exec");
	return 0;
}

int db_begin(struct store *st, enum db_tx tx, struct err *err)
{
	/* Inside a batch: a savepoint, so that this step can still be undone alone. */
	if (!sqlite3_get_autocommit(st->db)) {
		if (sqlite3_exec(st->db, "SAVEPOINT nested", NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(st, err, "begin savepoint");
		st->nested++;
		return 0;
	}
	if (sqlite3_exec(st->db, tx == DB_WRITE ? "BEGIN IMMEDIATE" : "BEGIN", NULL, NULL,
			 NULL) != SQLITE_OK)
		return db_fail(st, err, "begin transaction");
	return 0;
}

int db_commit(struct store *st, struct err *err)
{
	if (st->nested > 0) {
		/* On failure the level stays open, for the caller's db_rollback. */
		if (sqlite3_exec(st->db, "RELEASE nested", NULL, NULL, NULL) != SQLITE_OK)
			return db_fail(st, err, "release savepoint");
		st->nested--;
		return 0;
	}
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, err, "commit");
	return 0;
}

void db_rollback(struct store *st)
{
	if (st->nested > 0) {
		st->nested--;
		/* sqlite may have rolled the whole batch back already (e.g. SQLITE_FULL). */
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK TO nested; RELEASE nested", NULL, NULL, NULL);
		return;
	}
	/* sqlite may already have rolled back on its own (e.g. SQLITE_FULL). */
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int db_sync_wal(struct store *st, struct err *err)
{
	sqlite3_file *f = NULL;
	int rc;

	/* In WAL mode the pager's "journal" is the WAL file. */
	rc = sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &f);
	if (rc != SQLITE_OK || !f || !f->pMethods)
		return errorf(err, ERR_IO, "sync: no WAL file open");
	rc = f->pMethods->xSync(f, SQLITE_SYNC_NORMAL);
	if (rc != SQLITE_OK)
		return errorf(err, ERR_IO, "sync of the WAL failed: %s", sqlite3_errstr(rc));
	return 0;
}

int store_relax_durability(struct store *st, struct err *err)
{
	return db_exec(st, "PRAGMA synchronous=NORMAL", err);
}

/* ---- batches: many store calls, one transaction ---- */

int store_batch_begin(struct store *st, struct err *err)
{
	if (!sqlite3_get_autocommit(st->db))
		return errorf(err, ERR_INVALID, "a batch is open already");
	st->nested = 0;
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, err, "begin batch");
	return 0;
}

int store_batch_commit(struct store *st, struct err *err)
{
	if (sqlite3_get_autocommit(st->db))
		return errorf(err, ERR_IO, "the batch was rolled back (an earlier error)");
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = db_fail(st, err, "commit batch");

		store_batch_rollback(st);
		return rc;
	}
	return 0;
}

void store_batch_rollback(struct store *st)
{
	if (!st)
		return;
	st->nested = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int db_bind_text(sqlite3_stmt *s, int idx, const char *text)
{
	if (!text)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_text(s, idx, text, -1, SQLITE_TRANSIENT);
}

int db_bind_id_or_null(sqlite3_stmt *s, int idx, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(s, idx);
	return sqlite3_bind_int64(s, idx, id);
}

int db_step_done(struct store *st, sqlite3_stmt *s, struct err *err, const char *what)
{
	if (sqlite3_step(s) != SQLITE_DONE)
		return db_fail(st, err, what);
	return 0;
}

int db_step_int64(struct store *st, sqlite3_stmt *s, int64_t *out, bool *found,
		  struct err *err, const char *what)
{
	int rc = sqlite3_step(s);

	if (found)
		*found = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int64(s, 0);
		return 0;
	}
	if (rc == SQLITE_DONE) {
		*out = 0;
		return 0;
	}
	return db_fail(st, err, what);
}

char *db_column_dup(sqlite3_stmt *s, int col)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	/* sqlite3_column_text returns NULL for SQL NULL (and on OOM, which aborts below). */
	if (!t) {
		if (sqlite3_column_type(s, col) != SQLITE_NULL) {
			/* out of memory inside sqlite: same policy as xmalloc */
			abort();
		}
		return NULL;
	}
	return xstrndup((const char *)t, (size_t)sqlite3_column_bytes(s, col));
}

int db_collect_strings(struct store *st, sqlite3_stmt *s, char ***out, size_t *n,
		       struct err *err, const char *what)
{
	char **list = NULL;
	size_t len = 0, cap = 0;
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		char *v = db_column_dup(s, 0);

		if (!v)
			continue;
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[len++] = v;
	}
	if (rc != SQLITE_DONE) {
		strings_free(list, len);
		*out = NULL;
		*n = 0;
		return db_fail(st, err, what);
	}
	*out = list;
	*n = len;
	return 0;
}

void strings_free(char **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

char *db_host_of(const char *s)
{
	const char *p, *end, *at;
	char *host;

	if (!s)
		return NULL;
	/* A URL: the authority is between "://" and the path; else s is an authority. */
	p = strstr(s, "://");
	p = p ? p + 3 : s;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;
	if (*p == '[') {
		const char *close = memchr(p, ']', (size_t)(end - p));

		if (!close)
			return NULL;
		end = close + 1;
	} else {
		const char *colon = memchr(p, ':', (size_t)(end - p));

		if (colon)
			end = colon;
	}
	if (end == p)
		return NULL;
	host = xstrndup(p, (size_t)(end - p));
	for (char *c = host; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return host;
}

/*
 * Waiting for another connection's lock. sqlite's own busy_timeout sleeps
 * 1, 2, 5, 10 ... ms between tries; a write transaction here holds the lock
 * for well under a millisecond (the fsync comes after, see pool.c), so
 * that sleep would idle the server. Yield first, then sleep briefly,
 * doubling from 50 us to 1.6 ms, and give up after DB_BUSY_TIMEOUT_MS.
 */
static int db_busy_wait(void *arg, int tries)
{
	struct store *st = arg;
	struct timespec now, pause = { 0, 0 };
	long waited_ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (tries == 0)
		st->busy_since = now;
	waited_ms = (now.tv_sec - st->busy_since.tv_sec) * 1000 +
		    (now.tv_nsec - st->busy_since.tv_nsec) / 1000000;
	if (waited_ms >= DB_BUSY_TIMEOUT_MS)
		return 0;
	if (tries < 4) {
		sched_yield();
		return 1;
	}
	pause.tv_nsec = 50000L << (tries - 4 < 5 ? tries - 4 : 5);
	nanosleep(&pause, NULL);
	return 1;
}

/* Pragmas of every connection; the file-level ones (WAL) persist in the file. */
static int db_configure(struct store *st, struct err *err)
{
	sqlite3_stmt *s = NULL;
	const unsigned char *mode;
	int rc = 0;

	/* WAL: readers never block the writer, and the CLI can write while the server runs. */
	if ((rc = db_prepare(st, "PRAGMA journal_mode=WAL", &s, err)))
		goto out;
	if (sqlite3_step(s) != SQLITE_ROW) {
		rc = db_fail(st, err, "set WAL mode");
		goto out;
	}
	mode = sqlite3_column_text(s, 0);
	if (!mode || strcmp((const char *)mode, "wal") != 0) {
		rc = errorf(err, ERR_IO, "set WAL mode: the database stayed in '%s' mode",
			    mode ? (const char *)mode : "?");
		goto out;
	}
	/*
	 * FULL rather than NORMAL: in WAL mode NORMAL does not fsync the WAL at
	 * each commit, so a power cut or an OS crash can lose the last commits
	 * (a process crash, kill -9 included, cannot). We answer 202 to a
	 * remote server only after the commit and it never resends, so a
	 * committed signature or follower must survive those too. The cost is
	 * one fsync per transaction.
	 */
	rc = db_exec(st,
		     "PRAGMA synchronous=FULL;"
		     "PRAGMA foreign_keys=ON;"
		     "PRAGMA trusted_schema=OFF;",
		     err);
out:
	db_finish(st, s);
	return rc;
}

int store_open(const char *path, struct store **out, struct err *err)
{
	struct store *st = xcalloc(1, sizeof(*st));
	bool is_new = false;
	int rc = 0;

	*out = NULL;
	if (!path || !*path) {
		rc = errorf(err, ERR_INVALID, "no database path given");
		goto out;
	}
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		if (st->db)
			rc = errorf(err, ERR_IO, "open %s: %s", path, sqlite3_errmsg(st->db));
		else
			rc = errorf(err, ERR_IO, "open %s: out of memory", path);
		goto out;
	}
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_handler(st->db, db_busy_wait, st);
	/* Only reads until we know the file is ours (or new): a foreign file stays untouched. */
	if ((rc = db_check_ours(st, path, &is_new, err)))
		goto out;
	if ((rc = db_configure(st, err)))
		goto out;
	if ((rc = db_migrate(st, err)))
		goto out;
	*out = st;
	st = NULL;
out:
	store_close(st);
	return rc;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_cached; i++)
		sqlite3_finalize(st->cache[i].stmt);
	/* Every other statement is finalized where it was prepared, so close cannot be busy. */
	sqlite3_close(st->db);
	free(st);
}
