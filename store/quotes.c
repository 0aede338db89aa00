/*
 * Quotes of a statement post (FEP-044f) and the generation of what a
 * statement's page shows (kept by the triggers of migration 5).
 */
#include "store/db.h"

#include <stdlib.h>
#include <time.h>

#include "util/mem.h"
#include "util/str.h"

#define QUOTE_COLUMNS "id, statement_id, actor_id, post, request_id, created, deleted"

void quote_free(struct quote *q)
{
	if (!q)
		return;
	free(q->actor_id);
	free(q->post);
	free(q->request_id);
	free(q);
}

static struct quote *quote_from_row(sqlite3_stmt *q)
{
	struct quote *r = xcalloc(1, sizeof(*r));

	r->id = sqlite3_column_int64(q, 0);
	r->statement_id = sqlite3_column_int64(q, 1);
	r->actor_id = db_column_dup(q, 2);
	r->post = db_column_dup(q, 3);
	r->request_id = db_column_dup(q, 4);
	r->created = sqlite3_column_int64(q, 5);
	r->deleted = sqlite3_column_type(q, 6) == SQLITE_NULL ? 0 : sqlite3_column_int64(q, 6);
	return r;
}

/* The quote of post on a statement, or NULL (*out) when none. */
static int quote_find(struct store *st, int64_t statement_id, const char *post, struct quote **out,
		      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*out = NULL;
	if ((rc = db_prepare(st,
			     "SELECT " QUOTE_COLUMNS " FROM quotes"
			     " WHERE statement_id = ?1 AND post = ?2",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, post)) {
		rc = db_fail(st, err, "find quote");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*out = quote_from_row(q);
	else if (step != SQLITE_DONE)
		rc = db_fail(st, err, "find quote");
out:
	db_finish(st, q);
	return rc;
}

int store_quote_add(struct store *st, int64_t statement_id, const char *actor_id, const char *post,
		    const char *request_id, int64_t *id, bool *created, struct err *err)
{
	struct quote *old = NULL;
	sqlite3_stmt *q = NULL;
	int rc;

	*id = 0;
	*created = false;
	if (!actor_id || !*actor_id || !post || !*post || !request_id || !*request_id)
		return errorf(err, ERR_INVALID, "a quote needs an actor, a post and a request id");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = quote_find(st, statement_id, post, &old, err)))
		goto out;
	if (old) {
		/* The same post asked again: the same authorization, unless it is not theirs or gone. */
		if (!str_eq(old->actor_id, actor_id))
			rc = errorf(err, ERR_FORBIDDEN, "%s quotes this post as another actor's",
				    post);
		else if (old->deleted)
			rc = errorf(err, ERR_NOTFOUND, "%s was deleted", post);
		else
			*id = old->id;
		goto out;
	}
	if ((rc =
		 db_prepare(st,
			    "INSERT INTO quotes (statement_id, actor_id, post, request_id, created)"
			    " VALUES (?1, ?2, ?3, ?4, ?5)",
			    &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, actor_id) ||
	    db_bind_text(q, 3, post) || db_bind_text(q, 4, request_id) ||
	    sqlite3_bind_int64(q, 5, (int64_t)time(NULL)))
		rc = db_fail(st, err, "add quote");
	else
		rc = db_step_done(st, q, err, "add quote");
	if (!rc) {
		*id = sqlite3_last_insert_rowid(st->db);
		*created = true;
	}
out:
	db_finish(st, q);
	quote_free(old);
	if (!rc)
		rc = db_commit(st, err);
	if (rc) {
		db_rollback(st);
		*id = 0;
		*created = false;
	}
	return rc;
}

int store_quote_get(struct store *st, int64_t statement_id, int64_t id, struct quote **out,
		    struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*out = NULL;
	if ((rc = db_prepare(
		 st, "SELECT " QUOTE_COLUMNS " FROM quotes WHERE id = ?1 AND statement_id = ?2", &q,
		 err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id) || sqlite3_bind_int64(q, 2, statement_id)) {
		rc = db_fail(st, err, "get quote");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*out = quote_from_row(q);
	else if (step == SQLITE_DONE)
		rc = errorf(err, ERR_NOTFOUND, "no quote %lld", (long long)id);
	else
		rc = db_fail(st, err, "get quote");
out:
	db_finish(st, q);
	return rc;
}

/* Mark the live quotes of actor_id (of post when not NULL) deleted; *n how many. */
static int quote_mark_deleted(struct store *st, const char *actor_id, const char *post, int64_t *n,
			      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*n = 0;
	if ((rc = db_prepare(st,
			     post ? "UPDATE quotes SET deleted = ?3"
				    " WHERE post = ?2 AND actor_id = ?1 AND deleted IS NULL"
				  : "UPDATE quotes SET deleted = ?3"
				    " WHERE actor_id = ?1 AND deleted IS NULL",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || (post && db_bind_text(q, 2, post)) ||
	    sqlite3_bind_int64(q, 3, (int64_t)time(NULL)))
		rc = db_fail(st, err, "delete quote");
	else
		rc = db_step_done(st, q, err, "delete quote");
	if (!rc)
		*n = sqlite3_changes64(st->db);
	db_finish(st, q);
	return rc;
}

int store_quote_delete(struct store *st, const char *actor_id, const char *post, bool *removed,
		       struct err *err)
{
	int64_t n = 0;
	int rc;

	*removed = false;
	if (!actor_id || !post)
		return errorf(err, ERR_INVALID, "a deleted quote needs its actor and post");
	rc = quote_mark_deleted(st, actor_id, post, &n, err);
	*removed = !rc && n > 0;
	return rc;
}

int store_quote_delete_actor(struct store *st, const char *actor_id, int64_t *n, struct err *err)
{
	int64_t dummy;

	if (!actor_id)
		return errorf(err, ERR_INVALID, "no actor");
	return quote_mark_deleted(st, actor_id, NULL, n ? n : &dummy, err);
}

int store_quote_count(struct store *st, int64_t statement_id, int64_t *count, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(
		 st, "SELECT count(*) FROM quotes WHERE statement_id = ?1 AND deleted IS NULL", &q,
		 err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id))
		rc = db_fail(st, err, "count quotes");
	else
		rc = db_step_int64(st, q, count, NULL, err, "count quotes");
	db_finish(st, q);
	return rc;
}

int store_statement_gen(struct store *st, int64_t statement_id, int64_t *gen, int64_t *changed_at,
			struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*gen = 0;
	*changed_at = 0;
	if ((rc = db_prepare(
		 st, "SELECT gen, changed_at FROM statement_gen WHERE statement_id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id)) {
		rc = db_fail(st, err, "read the page generation");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		*gen = sqlite3_column_int64(q, 0);
		*changed_at = sqlite3_column_int64(q, 1);
	} else if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "read the page generation");
	}
out:
	db_finish(st, q);
	return rc;
}
