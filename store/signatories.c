/*
 * Signatories: imported names, and verified signatures with their proof.
 * The signing order: verified ones by time, then imported ones by position.
 */
#include "store/db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"
#include "util/str.h"

#define SIGNATORY_COLUMNS                                                                         \
	"id, name, country, actor_id, handle, url, how, state, signed_at, position, activity_id," \
	" actor_type, domain_verified,"                                                           \
	" EXISTS (SELECT 1 FROM domain_checks c WHERE c.actor_id = signatories.actor_id)"
#define SIGNATORY_ORDER                                                                   \
	" ORDER BY statement_id, actor_id IS NULL,"                                         \
	" CASE WHEN actor_id IS NULL THEN position ELSE signed_at END, id"

static bool state_ok(const char *state)
{
	return str_eq(state, "pending") || str_eq(state, "approved") ||
	       str_eq(state, "rejected") || str_eq(state, "withdrawn");
}

static void signatory_release(struct signatory *g)
{
	free(g->name);
	free(g->country);
	free(g->actor_id);
	free(g->handle);
	free(g->url);
	free(g->how);
	free(g->state);
	free(g->activity_id);
	free(g->actor_type);
}

void signatories_free(struct signatory *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		signatory_release(&list[i]);
	free(list);
}

static void signatory_from_row(sqlite3_stmt *q, struct signatory *g)
{
	g->id = sqlite3_column_int64(q, 0);
	g->name = db_column_dup(q, 1);
	g->country = db_column_dup(q, 2);
	g->actor_id = db_column_dup(q, 3);
	g->handle = db_column_dup(q, 4);
	g->url = db_column_dup(q, 5);
	g->how = db_column_dup(q, 6);
	g->state = db_column_dup(q, 7);
	g->signed_at = sqlite3_column_int64(q, 8);
	g->position = sqlite3_column_int(q, 9);
	g->activity_id = db_column_dup(q, 10);
	g->actor_type = db_column_dup(q, 11);
	g->domain_verified = sqlite3_column_int(q, 12) != 0;
	g->domain_check_pending = sqlite3_column_int(q, 13) != 0;
}

int store_signatory_add_imported(struct store *st, int64_t statement_id, const char *name,
				 const char *country, int position, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!name || !*name)
		return errorf(err, ERR_INVALID, "an imported signatory needs a name");
	if ((rc = db_prepare(st,
			     "INSERT INTO signatories (statement_id, name, country, how, state,"
			     " signed_at, position)"
			     " VALUES (?1, ?2, coalesce(?3, ''), 'import', 'approved', ?4, ?5)",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, name) ||
	    db_bind_text(q, 3, country) || sqlite3_bind_int64(q, 4, (int64_t)time(NULL)) ||
	    sqlite3_bind_int(q, 5, position))
		rc = db_fail(st, err, "add imported signatory");
	else
		rc = db_step_done(st, q, err, "add imported signatory");
	db_finish(st, q);
	return rc;
}

int store_signatory_list(struct store *st, int64_t statement_id, const char *state,
			 size_t offset, size_t limit, struct signatory **out, size_t *n,
			 struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct signatory *list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	/* Two texts rather than "?2 IS NULL OR state = ?2", so each uses its index. */
	if ((rc = db_prepare(st,
			     state ? "SELECT " SIGNATORY_COLUMNS " FROM signatories"
				     " WHERE statement_id = ?1 AND state = ?2" SIGNATORY_ORDER
				     " LIMIT ?3 OFFSET ?4"
				   : "SELECT " SIGNATORY_COLUMNS " FROM signatories"
				     " WHERE statement_id = ?1" SIGNATORY_ORDER
				     " LIMIT ?3 OFFSET ?4",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || (state && db_bind_text(q, 2, state)) ||
	    sqlite3_bind_int64(q, 3, limit ? (int64_t)limit : -1) ||
	    sqlite3_bind_int64(q, 4, (int64_t)offset)) {
		rc = db_fail(st, err, "list signatories");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			list = xrealloc(list, cap * sizeof(*list));
		}
		signatory_from_row(q, &list[len++]);
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "list signatories");
		signatories_free(list, len);
		goto out;
	}
	*out = list;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

int store_signatory_recent(struct store *st, int64_t statement_id, size_t limit,
			   struct signatory **out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct signatory *list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT " SIGNATORY_COLUMNS " FROM signatories"
			     " WHERE statement_id = ?1 AND state = 'approved' AND actor_id IS NOT NULL"
			     " ORDER BY signed_at DESC, id DESC LIMIT ?2",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) ||
	    sqlite3_bind_int64(q, 2, limit ? (int64_t)limit : -1)) {
		rc = db_fail(st, err, "list recent signatories");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			list = xrealloc(list, cap * sizeof(*list));
		}
		signatory_from_row(q, &list[len++]);
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "list recent signatories");
		signatories_free(list, len);
		goto out;
	}
	*out = list;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

int store_signatory_count(struct store *st, int64_t statement_id, const char *state,
			  int64_t *count, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(st,
			     state ? "SELECT count(*) FROM signatories"
				     " WHERE statement_id = ?1 AND state = ?2"
				   : "SELECT count(*) FROM signatories WHERE statement_id = ?1",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || (state && db_bind_text(q, 2, state)))
		rc = db_fail(st, err, "count signatories");
	else
		rc = db_step_int64(st, q, count, NULL, err, "count signatories");
	db_finish(st, q);
	return rc;
}

/*
 * Ask for a domain check of actor_id, due now (a pending one is asked again:
 * gen moves on, attempts start over). only_signers: only when it has a
 * pending or approved signature. *asked (may be NULL): whether a row was written.
 */
static int check_request(struct store *st, const char *actor_id, bool only_signers, bool *asked,
			 struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (asked)
		*asked = false;
	/* "WHERE true" keeps sqlite from reading ON CONFLICT as a join's ON. */
	if ((rc = db_prepare(st,
			     "INSERT INTO domain_checks (actor_id, next_attempt_at, requested_at)"
			     " SELECT ?1, ?2, ?2 WHERE NOT ?3 OR EXISTS (SELECT 1 FROM signatories"
			     "  WHERE actor_id = ?1 AND state IN ('pending', 'approved'))"
			     " ON CONFLICT (actor_id) DO UPDATE SET gen = gen + 1, attempts = 0,"
			     " next_attempt_at = excluded.next_attempt_at,"
			     " requested_at = excluded.requested_at",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || sqlite3_bind_int64(q, 2, (int64_t)time(NULL)) ||
	    sqlite3_bind_int(q, 3, only_signers ? 1 : 0))
		rc = db_fail(st, err, "ask for a domain check");
	else if (!(rc = db_step_done(st, q, err, "ask for a domain check")) && asked)
		*asked = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

/* Record that activity sig->activity_id (none: nothing) stands for signature row. */
static int signing_add(struct store *st, int64_t row, const struct signatory *sig,
		       const char *proof, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!sig->activity_id)
		return 0;
	/* The same activity twice (a redelivery) keeps its first proof. */
	if ((rc = db_prepare(st,
			     "INSERT OR IGNORE INTO signings (signatory_id, activity_id, how,"
			     " signed_at, proof) VALUES (?1, ?2, ?3, ?4, ?5)",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, row) || db_bind_text(q, 2, sig->activity_id) ||
	    db_bind_text(q, 3, sig->how) || sqlite3_bind_int64(q, 4, sig->signed_at) ||
	    db_bind_text(q, 5, proof))
		rc = db_fail(st, err, "add signing");
	else
		rc = db_step_done(st, q, err, "add signing");
	db_finish(st, q);
	return rc;
}

int store_signatory_add_verified(struct store *st, int64_t statement_id,
				 const struct signatory *sig, const char *proof, int64_t *id,
				 bool *created, struct err *err)
{
	sqlite3_stmt *q = NULL;
	char *state = NULL;
	int64_t row = 0;
	int rc, step;

	if (id)
		*id = 0;
	if (created)
		*created = false;
	if (!sig->actor_id || !sig->name)
		return errorf(err, ERR_INVALID, "a verified signatory needs an actor id and a name");
	if (!str_eq(sig->how, "follow") && !str_eq(sig->how, "endorse") &&
	    !str_eq(sig->how, "mention"))
		return errorf(err, ERR_INVALID, "how must be follow, endorse or mention");
	if (!state_ok(sig->state))
		return errorf(err, ERR_INVALID, "unknown signature state '%s'",
			      sig->state ? sig->state : "(null)");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = db_prepare(st,
			     "SELECT id, state FROM signatories"
			     " WHERE statement_id = ?1 AND actor_id = ?2",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, sig->actor_id)) {
		rc = db_fail(st, err, "add signatory");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		row = sqlite3_column_int64(q, 0);
		state = db_column_dup(q, 1);
	} else if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "add signatory");
		goto out;
	}
	db_finish(st, q);
	q = NULL;

	if (state && !str_eq(state, "withdrawn")) {
		/*
		 * Signed already (or rejected by the coordinator, which holds): the
		 * signature shows as it was, and this activity stands for it too.
		 */
		if (!(rc = signing_add(st, row, sig, proof, err)))
			rc = db_commit(st, err);
		goto out;
	}
	if (state) {
		/* Signing again after a withdrawal: the same row, a new signing. */
		rc = db_prepare(st,
				"UPDATE signatories SET name = ?3, country = coalesce(?4, ''),"
				" handle = ?5, url = ?6, how = ?7, state = ?8, signed_at = ?9,"
				" activity_id = ?10, proof = ?11, actor_type = ?12,"
				" domain_verified = ?13"
				" WHERE statement_id = ?1 AND actor_id = ?2",
				&q, err);
	} else {
		rc = db_prepare(st,
				"INSERT INTO signatories (statement_id, actor_id, name, country,"
				" handle, url, how, state, signed_at, activity_id, proof, actor_type,"
				" domain_verified)"
				" VALUES (?1, ?2, ?3, coalesce(?4, ''), ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
				" ?12, ?13)",
				&q, err);
	}
	if (rc)
		goto out;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, sig->actor_id) ||
	    db_bind_text(q, 3, sig->name) || db_bind_text(q, 4, sig->country) ||
	    db_bind_text(q, 5, sig->handle) || db_bind_text(q, 6, sig->url) ||
	    db_bind_text(q, 7, sig->how) || db_bind_text(q, 8, sig->state) ||
	    sqlite3_bind_int64(q, 9, sig->signed_at) || db_bind_text(q, 10, sig->activity_id) ||
	    db_bind_text(q, 11, proof) || db_bind_text(q, 12, sig->actor_type) ||
	    sqlite3_bind_int(q, 13, sig->domain_verified ? 1 : 0)) {
		rc = db_fail(st, err, "add signatory");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "add signatory")))
		goto out;
	if (!state)
		row = sqlite3_last_insert_rowid(st->db);
	/* The new signature's domain check is pending from this same commit on. */
	if ((rc = signing_add(st, row, sig, proof, err)) ||
	    (rc = check_request(st, sig->actor_id, false, NULL, err)) || (rc = db_commit(st, err)))
		goto out;
	if (created)
		*created = true;
out:
	if (rc)
		db_rollback(st);
	else if (id)
		*id = row;
	db_finish(st, q);
	free(state);
	return rc;
}

int store_signatory_get(struct store *st, int64_t statement_id, const char *actor_id,
			struct signatory **out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*out = NULL;
	if ((rc = db_prepare(st,
			     "SELECT " SIGNATORY_COLUMNS " FROM signatories"
			     " WHERE statement_id = ?1 AND actor_id = ?2",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, actor_id)) {
		rc = db_fail(st, err, "get signatory");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		*out = xcalloc(1, sizeof(**out));
		signatory_from_row(q, *out);
	} else if (step == SQLITE_DONE) {
		rc = errorf(err, ERR_NOTFOUND, "%s has not signed statement %lld",
			    actor_id ? actor_id : "(null)", (long long)statement_id);
	} else {
		rc = db_fail(st, err, "get signatory");
	}
out:
	db_finish(st, q);
	return rc;
}

int store_signatory_set_state(struct store *st, int64_t id, const char *state,
			      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!state_ok(state))
		return errorf(err, ERR_INVALID, "unknown signature state '%s'",
			      state ? state : "(null)");
	if ((rc = db_prepare(st, "UPDATE signatories SET state = ?2 WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id) || db_bind_text(q, 2, state))
		rc = db_fail(st, err, "set signature state");
	else if (!(rc = db_step_done(st, q, err, "set signature state")) &&
		 sqlite3_changes(st->db) == 0)
		rc = errorf(err, ERR_NOTFOUND, "no signatory with id %lld", (long long)id);
	db_finish(st, q);
	return rc;
}

int store_signatory_withdraw(struct store *st, int64_t statement_id, const char *actor_id,
			     bool *changed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (changed)
		*changed = false;
	if ((rc = db_prepare(st,
			     "UPDATE signatories SET state = 'withdrawn'"
			     " WHERE statement_id = ?1 AND actor_id = ?2"
			     " AND state IN ('pending', 'approved')",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, actor_id))
		rc = db_fail(st, err, "withdraw signature");
	else if (!(rc = db_step_done(st, q, err, "withdraw signature")) && changed)
		*changed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_signatory_proof(struct store *st, int64_t id, char **out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*out = NULL;
	if ((rc = db_prepare(st, "SELECT proof FROM signatories WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id)) {
		rc = db_fail(st, err, "get proof");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*out = db_column_dup(q, 0);
	else if (step == SQLITE_DONE)
		rc = errorf(err, ERR_NOTFOUND, "no signatory with id %lld", (long long)id);
	else
		rc = db_fail(st, err, "get proof");
out:
	db_finish(st, q);
	return rc;
}

int store_signatory_move(struct store *st, const char *old_actor, const char *new_actor,
			 const char *handle, const char *url, int64_t *moved, struct err *err)
{
	sqlite3_stmt *q = NULL, *w = NULL;
	int rc;

	if (moved)
		*moved = 0;
	if (!old_actor || !new_actor)
		return errorf(err, ERR_INVALID, "a move needs the old and the new actor");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	/* Where the new account has not signed yet, the signature becomes its own. */
	if ((rc = db_prepare(st,
			     "UPDATE signatories SET actor_id = ?2, handle = ?3, url = ?4"
			     " WHERE actor_id = ?1 AND NOT EXISTS (SELECT 1 FROM signatories n"
			     "  WHERE n.statement_id = signatories.statement_id"
			     "  AND n.actor_id = ?2)",
			     &q, err)))
		goto out;
	if (db_bind_text(q, 1, old_actor) || db_bind_text(q, 2, new_actor) ||
	    db_bind_text(q, 3, handle) || db_bind_text(q, 4, url)) {
		rc = db_fail(st, err, "move signatures");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "move signatures")))
		goto out;
	if (moved)
		*moved = sqlite3_changes(st->db);
	/* Where it has, the old account's signature is a duplicate: withdrawn. */
	if ((rc = db_prepare(st,
			     "UPDATE signatories SET state = 'withdrawn'"
			     " WHERE actor_id = ?1 AND state IN ('pending', 'approved')",
			     &w, err)))
		goto out;
	if (db_bind_text(w, 1, old_actor)) {
		rc = db_fail(st, err, "move signatures");
		goto out;
	}
	if ((rc = db_step_done(st, w, err, "move signatures")))
		goto out;
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	db_finish(st, w);
	return rc;
}

int store_signatory_refresh(struct store *st, const char *actor_id, const char *name,
			    const char *handle, const char *url, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st,
			     "UPDATE signatories SET name = coalesce(?2, name),"
			     " handle = coalesce(?3, handle), url = coalesce(?4, url)"
			     " WHERE actor_id = ?1",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || db_bind_text(q, 2, name) ||
	    db_bind_text(q, 3, handle) || db_bind_text(q, 4, url))
		rc = db_fail(st, err, "refresh signatory");
	else
		rc = db_step_done(st, q, err, "refresh signatory");
	db_finish(st, q);
	return rc;
}

int store_signatory_set_domain_verified(struct store *st, const char *actor_id, bool verified,
					struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, "UPDATE signatories SET domain_verified = ?2 WHERE actor_id = ?1",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || sqlite3_bind_int(q, 2, verified ? 1 : 0))
		rc = db_fail(st, err, "set domain check");
	else
		rc = db_step_done(st, q, err, "set domain check");
	db_finish(st, q);
	return rc;
}

/* One statement's step of store_signatory_withdraw_activity (inside its transaction). */
static int sql_run(struct store *st, const char *sql, int64_t row, const char *text,
		   const char *what, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, sql, &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, row) || (text && db_bind_text(q, 2, text)))
		rc = db_fail(st, err, what);
	else
		rc = db_step_done(st, q, err, what);
	db_finish(st, q);
	return rc;
}

int store_signatory_withdraw_activity(struct store *st, const char *actor_id,
				      const char *activity_id, struct signing_undo *out,
				      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t row = 0, left = 0;
	bool primary = false;
	int rc, step;

	memset(out, 0, sizeof(*out));
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	/* The standing signature this activity is one of the signings of (only its own actor's). */
	if ((rc = db_prepare(st,
			     "SELECT s.id, s.statement_id, s.state = 'approved',"
			     " s.activity_id IS ?2 FROM signings g"
			     " JOIN signatories s ON s.id = g.signatory_id"
			     " WHERE g.activity_id = ?2 AND s.actor_id = ?1"
			     " AND s.state IN ('pending', 'approved')",
			     &q, err)))
		goto out;
	if (db_bind_text(q, 1, actor_id) || db_bind_text(q, 2, activity_id)) {
		rc = db_fail(st, err, "withdraw signing");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		row = sqlite3_column_int64(q, 0);
		out->statement_id = sqlite3_column_int64(q, 1);
		out->approved = sqlite3_column_int(q, 2) != 0;
		primary = sqlite3_column_int(q, 3) != 0;
	} else if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "withdraw signing");
		goto out;
	}
	db_finish(st, q);
	q = NULL;
	if (!row) {
		rc = db_commit(st, err);
		goto out;
	}
	if ((rc = sql_run(st, "DELETE FROM signings WHERE signatory_id = ?1 AND activity_id = ?2",
			  row, activity_id, "withdraw signing", err)))
		goto out;
	if ((rc = db_prepare(st, "SELECT count(*) FROM signings WHERE signatory_id = ?1", &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, row)) {
		rc = db_fail(st, err, "withdraw signing");
		goto out;
	}
	if ((rc = db_step_int64(st, q, &left, NULL, err, "withdraw signing")))
		goto out;
	db_finish(st, q);
	q = NULL;
	if (left == 0) {
		/* Its last signing: the signature is withdrawn. */
		out->withdrawn = true;
		rc = sql_run(st, "UPDATE signatories SET state = 'withdrawn' WHERE id = ?1", row,
			     NULL, "withdraw signing", err);
	} else if (primary) {
		/* The one shown is gone: the earliest still standing shows, with its proof. */
		out->shown_changed = true;
		rc = sql_run(st,
			     "UPDATE signatories SET (how, activity_id, signed_at, proof) ="
			     " (SELECT how, activity_id, signed_at, proof FROM signings"
			     "  WHERE signatory_id = ?1 ORDER BY signed_at, rowid LIMIT 1)"
			     " WHERE id = ?1",
			     row, NULL, "withdraw signing", err);
	}
	if (!rc)
		rc = db_commit(st, err);
out:
	if (rc) {
		db_rollback(st);
		memset(out, 0, sizeof(*out));
	}
	db_finish(st, q);
	return rc;
}

int store_signing_activities(struct store *st, int64_t signatory_id, char ***out, size_t *n,
			     struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT activity_id FROM signings WHERE signatory_id = ?1"
			     " ORDER BY signed_at, rowid",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, signatory_id))
		rc = db_fail(st, err, "list signings");
	else
		rc = db_collect_strings(st, q, out, n, err, "list signings");
	db_finish(st, q);
	return rc;
}

void signings_free(struct signing *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++) {
		free(list[i].activity_id);
		free(list[i].how);
		free(list[i].proof);
	}
	free(list);
}

int store_signing_list(struct store *st, int64_t signatory_id, struct signing **out, size_t *n,
		       struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct signing *list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT activity_id, how, signed_at, proof FROM signings"
			     " WHERE signatory_id = ?1 ORDER BY signed_at, rowid",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, signatory_id)) {
		rc = db_fail(st, err, "list signings");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[len].activity_id = db_column_dup(q, 0);
		list[len].how = db_column_dup(q, 1);
		list[len].signed_at = sqlite3_column_int64(q, 2);
		list[len].proof = db_column_dup(q, 3);
		len++;
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "list signings");
		signings_free(list, len);
		goto out;
	}
	*out = list;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

/* ---- domain checks to do ---- */

int store_domaincheck_request(struct store *st, const char *actor_id, bool *asked, struct err *err)
{
	if (!actor_id)
		return errorf(err, ERR_INVALID, "a domain check needs an actor");
	return check_request(st, actor_id, true, asked, err);
}

int store_domaincheck_next(struct store *st, int64_t now, struct domaincheck_due *out,
			   struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	memset(out, 0, sizeof(*out));
	if ((rc = db_prepare(
		 st,
		 "SELECT actor_id, gen, attempts FROM domain_checks"
		 " WHERE next_attempt_at <= ?1 ORDER BY next_attempt_at, actor_id LIMIT 1",
		 &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, now)) {
		rc = db_fail(st, err, "next domain check");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		out->actor_id = db_column_dup(q, 0);
		out->gen = sqlite3_column_int64(q, 1);
		out->attempts = sqlite3_column_int(q, 2);
	} else if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "next domain check");
	}
out:
	db_finish(st, q);
	return rc;
}

int store_domaincheck_finish(struct store *st, const struct domaincheck_due *d, int64_t retry_at,
			     struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	/* Only the ask that was checked: a newer one (gen moved on) stays due. */
	if ((rc =
		 db_prepare(st,
			    retry_at ? "UPDATE domain_checks SET attempts = attempts + 1,"
				       " next_attempt_at = ?3 WHERE actor_id = ?1 AND gen = ?2"
				     : "DELETE FROM domain_checks WHERE actor_id = ?1 AND gen = ?2",
			    &q, err)))
		return rc;
	if (db_bind_text(q, 1, d->actor_id) || sqlite3_bind_int64(q, 2, d->gen) ||
	    (retry_at && sqlite3_bind_int64(q, 3, retry_at)))
		rc = db_fail(st, err, "finish a domain check");
	else
		rc = db_step_done(st, q, err, "finish a domain check");
	db_finish(st, q);
	return rc;
}

void domaincheck_due_release(struct domaincheck_due *d)
{
	free(d->actor_id);
	memset(d, 0, sizeof(*d));
}

int store_domaincheck_pending(struct store *st, const char *actor_id, bool *pending,
			      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t one = 0;
	int rc;

	*pending = false;
	if ((rc =
		 db_prepare(st, "SELECT count(*) FROM domain_checks WHERE actor_id = ?1", &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id))
		rc = db_fail(st, err, "read a domain check");
	else
		rc = db_step_int64(st, q, &one, NULL, err, "read a domain check");
	db_finish(st, q);
	*pending = one > 0;
	return rc;
}
