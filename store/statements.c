/* Statements (one per actor) and the server's settings. */
#include "store/db.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"
#include "util/str.h"

#define STATEMENT_COLUMNS                                                               \
	"id, slug, title, lang, dateline, summary, content_html, policy, published, " \
	"updated, public_pem, private_pem"

void statement_free(struct statement *s)
{
	if (!s)
		return;
	free(s->slug);
	free(s->title);
	free(s->lang);
	free(s->dateline);
	free(s->summary);
	free(s->content_html);
	free(s->policy);
	free(s->public_pem);
	db_wipe_free(s->private_pem);
	free(s);
}

void statements_free(struct statement **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		statement_free(list[i]);
	free(list);
}

static struct statement *statement_from_row(sqlite3_stmt *s)
{
	struct statement *t = xcalloc(1, sizeof(*t));

	t->id = sqlite3_column_int64(s, 0);
	t->slug = db_column_dup(s, 1);
	t->title = db_column_dup(s, 2);
	t->lang = db_column_dup(s, 3);
	t->dateline = db_column_dup(s, 4);
	t->summary = db_column_dup(s, 5);
	t->content_html = db_column_dup(s, 6);
	t->policy = db_column_dup(s, 7);
	t->published = sqlite3_column_int64(s, 8);
	t->updated = sqlite3_column_int64(s, 9);
	t->public_pem = db_column_dup(s, 10);
	t->private_pem = db_column_dup(s, 11);
	return t;
}

/* The INSERT of one statement, inside the caller's transaction (or autocommit). */
static int statement_insert(struct store *st, struct statement *s, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!s->slug || !*s->slug)
		return errorf(err, ERR_INVALID, "a statement needs a slug");
	if ((rc = db_prepare(st,
			     "INSERT INTO statements (slug, title, lang, dateline, summary,"
			     " content_html, policy, published, updated, public_pem, private_pem)"
			     " VALUES (?1, ?2, coalesce(?3, 'en'), coalesce(?4, ''), coalesce(?5, ''),"
			     " coalesce(?6, ''), coalesce(?7, 'open'), ?8, ?9, ?10, ?11)",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, s->slug) || db_bind_text(q, 2, s->title) ||
	    db_bind_text(q, 3, s->lang) || db_bind_text(q, 4, s->dateline) ||
	    db_bind_text(q, 5, s->summary) || db_bind_text(q, 6, s->content_html) ||
	    db_bind_text(q, 7, s->policy) || sqlite3_bind_int64(q, 8, s->published) ||
	    sqlite3_bind_int64(q, 9, s->updated) || db_bind_text(q, 10, s->public_pem) ||
	    db_bind_text(q, 11, s->private_pem)) {
		rc = db_fail(st, err, "add statement");
		goto out;
	}
	rc = db_step_done(st, q, err, "add statement");
	if (rc == -ERR_EXISTS) {
		rc = errorf(err, ERR_EXISTS, "a statement with the slug '%s' already exists",
			    s->slug);
		goto out;
	}
	if (rc)
		goto out;
	s->id = sqlite3_last_insert_rowid(st->db);
out:
	db_finish(st, q);
	return rc;
}

int store_statement_add(struct store *st, struct statement *s, struct err *err)
{
	/* One INSERT in autocommit mode is one transaction. */
	return statement_insert(st, s, err);
}

int store_statement_import(struct store *st, struct statement *s, const struct signatory *sigs,
			   size_t n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (n > INT_MAX)
		return errorf(err, ERR_TOOBIG, "too many signatories");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = statement_insert(st, s, err)))
		goto out;
	if ((rc = db_prepare(st,
			     "INSERT INTO signatories (statement_id, name, country, how, state,"
			     " signed_at, position)"
			     " VALUES (?1, ?2, coalesce(?3, ''), 'import', 'approved', ?4, ?5)",
			     &q, err)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!sigs[i].name || !*sigs[i].name) {
			rc = errorf(err, ERR_INVALID, "signatory %zu has no name", i + 1);
			goto out;
		}
		sqlite3_reset(q);
		if (sqlite3_bind_int64(q, 1, s->id) || db_bind_text(q, 2, sigs[i].name) ||
		    db_bind_text(q, 3, sigs[i].country) || sqlite3_bind_int64(q, 4, now) ||
		    sqlite3_bind_int(q, 5, (int)i)) {
			rc = db_fail(st, err, "import signatories");
			goto out;
		}
		if ((rc = db_step_done(st, q, err, "import signatories")))
			goto out;
	}
	rc = db_commit(st, err);
out:
	if (rc) {
		db_rollback(st);
		s->id = 0;
	}
	db_finish(st, q);
	return rc;
}

/* Read one statement by slug (slug != NULL) or id. */
static int statement_get(struct store *st, const char *slug, int64_t id,
			 struct statement **out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(st,
			     slug ? "SELECT " STATEMENT_COLUMNS " FROM statements WHERE slug = ?1"
				    " AND deleted_at IS NULL"
				  : "SELECT " STATEMENT_COLUMNS " FROM statements WHERE id = ?1",
			     &q, err)))
		return rc;
	if ((slug ? db_bind_text(q, 1, slug) : sqlite3_bind_int64(q, 1, id)) != SQLITE_OK) {
		rc = db_fail(st, err, "get statement");
		goto out;
	}
	switch (sqlite3_step(q)) {
	case SQLITE_ROW:
		*out = statement_from_row(q);
		break;
	case SQLITE_DONE:
		if (slug)
			rc = errorf(err, ERR_NOTFOUND, "no statement with the slug '%s'", slug);
		else
			rc = errorf(err, ERR_NOTFOUND, "no statement with id %lld", (long long)id);
		break;
	default:
		rc = db_fail(st, err, "get statement");
		break;
	}
out:
	db_finish(st, q);
	return rc;
}

int store_statement_get(struct store *st, const char *slug, struct statement **out,
			struct err *err)
{
	if (!slug) {
		*out = NULL;
		return errorf(err, ERR_INVALID, "no slug given");
	}
	return statement_get(st, slug, 0, out, err);
}

int store_statement_get_by_id(struct store *st, int64_t id, struct statement **out,
			      struct err *err)
{
	return statement_get(st, NULL, id, out, err);
}

int store_statement_list(struct store *st, struct statement ***out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct statement **list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT " STATEMENT_COLUMNS " FROM statements WHERE deleted_at IS NULL"
			     " ORDER BY id",
			     &q, err)))
		return rc;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[len++] = statement_from_row(q);
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "list statements");
		statements_free(list, len);
		goto out;
	}
	*out = list;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

/* Run a one-row UPDATE of statements; ERR_NOTFOUND when no row matched. */
static int statement_update(struct store *st, sqlite3_stmt *q, int64_t id, struct err *err,
			    const char *what)
{
	int rc = db_step_done(st, q, err, what);

	if (!rc && sqlite3_changes(st->db) == 0)
		rc = errorf(err, ERR_NOTFOUND, "%s: no statement with id %lld", what,
			    (long long)id);
	return rc;
}

int store_statement_touch(struct store *st, int64_t statement_id, int64_t t, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, "UPDATE statements SET updated = ?2 WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int64(q, 2, t))
		rc = db_fail(st, err, "touch statement");
	else
		rc = statement_update(st, q, statement_id, err, "touch statement");
	db_finish(st, q);
	return rc;
}

int store_statement_set_policy(struct store *st, int64_t statement_id, const char *policy,
			       struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!str_eq(policy, "open") && !str_eq(policy, "review") && !str_eq(policy, "closed"))
		return errorf(err, ERR_INVALID, "policy must be open, review or closed");
	if ((rc = db_prepare(st, "UPDATE statements SET policy = ?2 WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, policy))
		rc = db_fail(st, err, "set policy");
	else
		rc = statement_update(st, q, statement_id, err, "set policy");
	db_finish(st, q);
	return rc;
}

/* ---- settings ---- */

int store_setting_get(struct store *st, const char *key, char **out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*out = NULL;
	if ((rc = db_prepare(st, "SELECT value FROM settings WHERE key = ?1", &q, err)))
		return rc;
	if (db_bind_text(q, 1, key)) {
		rc = db_fail(st, err, "get setting");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*out = db_column_dup(q, 0);
	else if (step != SQLITE_DONE)
		rc = db_fail(st, err, "get setting");
out:
	db_finish(st, q);
	return rc;
}

int store_setting_set(struct store *st, const char *key, const char *value, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!key || !value)
		return errorf(err, ERR_INVALID, "a setting needs a key and a value");
	if ((rc = db_prepare(st,
			     "INSERT INTO settings (key, value) VALUES (?1, ?2)"
			     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, key) || db_bind_text(q, 2, value))
		rc = db_fail(st, err, "set setting");
	else
		rc = db_step_done(st, q, err, "set setting");
	db_finish(st, q);
	return rc;
}

int store_statement_schedule_update(struct store *st, int64_t statement_id, int64_t due,
				    struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	/* An edit already scheduled keeps its time: the batch window starts at the first change. */
	if ((rc = db_prepare(st,
			     "UPDATE statements SET update_due_at = coalesce(update_due_at, ?2),"
			     " update_gen = update_gen + 1 WHERE id = ?1",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int64(q, 2, due))
		rc = db_fail(st, err, "schedule update");
	else
		rc = statement_update(st, q, statement_id, err, "schedule update");
	db_finish(st, q);
	return rc;
}

int store_statement_updates_due(struct store *st, int64_t now, int64_t **out, size_t *n,
				struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t *ids = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT id FROM statements WHERE update_due_at IS NOT NULL"
			     " AND update_due_at <= ?1 AND deleted_at IS NULL ORDER BY update_due_at",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, now)) {
		rc = db_fail(st, err, "updates due");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			ids = xrealloc(ids, cap * sizeof(*ids));
		}
		ids[len++] = sqlite3_column_int64(q, 0);
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "updates due");
		free(ids);
		goto out;
	}
	*out = ids;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

int store_statement_update_done(struct store *st, int64_t statement_id, int64_t t,
				struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	/* updated only grows: Mastodon ignores an Update whose time is not newer. */
	if ((rc = db_prepare(st,
			     "UPDATE statements SET update_due_at = NULL,"
			     " updated = max(updated + 1, ?2) WHERE id = ?1",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int64(q, 2, t))
		rc = db_fail(st, err, "update done");
	else
		rc = statement_update(st, q, statement_id, err, "update done");
	db_finish(st, q);
	return rc;
}

int store_statement_update_gen(struct store *st, int64_t statement_id, int64_t *gen,
			       struct err *err)
{
	sqlite3_stmt *q = NULL;
	bool found = false;
	int rc;

	*gen = 0;
	if ((rc = db_prepare(st, "SELECT update_gen FROM statements WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id))
		rc = db_fail(st, err, "update generation");
	else
		rc = db_step_int64(st, q, gen, &found, err, "update generation");
	if (!rc && !found)
		rc = errorf(err, ERR_NOTFOUND, "no statement with id %lld", (long long)statement_id);
	db_finish(st, q);
	return rc;
}

int store_statement_update_publish(struct store *st, int64_t statement_id, int64_t gen,
				   int64_t t, int64_t next_due, const struct store_outgoing *out,
				   size_t n_out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	/*
	 * The edit is cleared only when no change was requested after the
	 * caller read gen; a change that came meanwhile may be missing from
	 * the bodies, so it gets an edit of its own at next_due.
	 */
	if ((rc = db_prepare(st,
			     "UPDATE statements SET updated = max(updated, ?2),"
			     " update_due_at = CASE WHEN update_gen = ?3 THEN NULL ELSE ?4 END"
			     " WHERE id = ?1",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, statement_id) || sqlite3_bind_int64(q, 2, t) ||
	    sqlite3_bind_int64(q, 3, gen) || sqlite3_bind_int64(q, 4, next_due)) {
		rc = db_fail(st, err, "publish update");
		goto out;
	}
	if ((rc = statement_update(st, q, statement_id, err, "publish update")))
		goto out;
	for (size_t i = 0; i < n_out; i++)
		if ((rc = db_delivery_queue(st, statement_id, out[i].body, out[i].inboxes,
					    out[i].n_inboxes, now, err)))
			goto out;
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	return rc;
}
