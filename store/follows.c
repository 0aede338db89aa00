/*
 * What remote actors do to a statement: follow it, like and announce its
 * post, mention it; and the activity ids already seen (inbound dedup).
 */
#include "store/db.h"

#include <time.h>

#include "util/log.h"
#include "util/str.h"

/* ---- followers ---- */

int store_follower_add(struct store *st, int64_t statement_id, const char *actor_id,
		       const char *follow_id, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!actor_id)
		return errorf(err, ERR_INVALID, "a follower needs an actor id");
	/* The same actor again keeps its row; the newest Follow id is the one an Undo names. */
	if ((rc = db_prepare(st,
			     "INSERT INTO followers (statement_id, actor_id, follow_id, created)"
			     " VALUES (?1, ?2, ?3, ?4)"
			     " ON CONFLICT (statement_id, actor_id) DO UPDATE SET"
			     " follow_id = coalesce(excluded.follow_id, follow_id)",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, actor_id) ||
	    db_bind_text(q, 3, follow_id) || sqlite3_bind_int64(q, 4, (int64_t)time(NULL)))
		rc = db_fail(st, err, "add follower");
	else
		rc = db_step_done(st, q, err, "add follower");
	db_finish(st, q);
	return rc;
}

int store_follower_remove(struct store *st, int64_t statement_id, const char *actor_id,
			  bool *removed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (removed)
		*removed = false;
	if ((rc = db_prepare(st, "DELETE FROM followers WHERE statement_id = ?1 AND actor_id = ?2",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, actor_id))
		rc = db_fail(st, err, "remove follower");
	else if (!(rc = db_step_done(st, q, err, "remove follower")) && removed)
		*removed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_follower_remove_by_follow(struct store *st, const char *follow_id,
				    const char *actor_id, bool *removed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (removed)
		*removed = false;
	if (!follow_id || !actor_id)
		return errorf(err, ERR_INVALID, "no Follow id or actor given");
	if ((rc = db_prepare(st, "DELETE FROM followers WHERE actor_id = ?1 AND follow_id = ?2",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || db_bind_text(q, 2, follow_id))
		rc = db_fail(st, err, "remove follower");
	else if (!(rc = db_step_done(st, q, err, "remove follower")) && removed)
		*removed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_follower_count(struct store *st, int64_t statement_id, int64_t *count,
			 struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(st, "SELECT count(*) FROM followers WHERE statement_id = ?1", &q,
			     err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id))
		rc = db_fail(st, err, "count followers");
	else
		rc = db_step_int64(st, q, count, NULL, err, "count followers");
	db_finish(st, q);
	return rc;
}

int store_follower_list(struct store *st, int64_t statement_id, size_t offset, size_t limit,
			char ***out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT actor_id FROM followers WHERE statement_id = ?1"
			     " ORDER BY id LIMIT ?2 OFFSET ?3",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) ||
	    sqlite3_bind_int64(q, 2, limit ? (int64_t)limit : -1) ||
	    sqlite3_bind_int64(q, 3, (int64_t)offset))
		rc = db_fail(st, err, "list followers");
	else
		rc = db_collect_strings(st, q, out, n, err, "list followers");
	db_finish(st, q);
	return rc;
}

static int inboxes(struct store *st, const char *sql, int64_t statement_id, char ***out,
		   size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st, sql, &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id))
		rc = db_fail(st, err, "list inboxes");
	else
		rc = db_collect_strings(st, q, out, n, err, "list inboxes");
	db_finish(st, q);
	return rc;
}

/*
 * From statement_inboxes, which triggers keep (store/migrate.c, version 10):
 * one row per inbox of the statement, so the cost grows with the inboxes,
 * not with the followers. A row counts the followers and reactions whose
 * cached actor is reached at that inbox (its shared inbox when it has one):
 * uncached actors and empty inboxes have none.
 */
int store_follower_inboxes(struct store *st, int64_t statement_id, char ***out, size_t *n,
			   struct err *err)
{
	return inboxes(st,
		       "SELECT inbox FROM statement_inboxes"
		       " WHERE statement_id = ?1 AND followers > 0"
		       " AND inbox NOT IN (SELECT inbox FROM dead_inboxes)"
		       " ORDER BY inbox",
		       statement_id, out, n, err);
}

int store_audience_inboxes(struct store *st, int64_t statement_id, char ***out, size_t *n,
			   struct err *err)
{
	return inboxes(st,
		       "SELECT inbox FROM statement_inboxes"
		       " WHERE statement_id = ?1 AND (followers > 0 OR reactions > 0)"
		       " AND inbox NOT IN (SELECT inbox FROM dead_inboxes)"
		       " ORDER BY inbox",
		       statement_id, out, n, err);
}

/* ---- reactions ---- */

/*
 * One step of store_reaction_add: sql uses ?1 statement, ?2 kind, ?3 actor,
 * ?4 activity id and, when it has five parameters, ?5 the time. *changed:
 * whether a row changed.
 */
static int reaction_step(struct store *st, const char *sql, int64_t statement_id,
			 const char *kind, const char *actor_id, const char *activity_id,
			 bool *changed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, sql, &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, kind) ||
	    db_bind_text(q, 3, actor_id) || db_bind_text(q, 4, activity_id) ||
	    (sqlite3_bind_parameter_count(q) >= 5 &&
	     sqlite3_bind_int64(q, 5, (int64_t)time(NULL))))
		rc = db_fail(st, err, "add reaction");
	else if (!(rc = db_step_done(st, q, err, "add reaction")))
		*changed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_reaction_add(struct store *st, int64_t statement_id, const char *kind,
		       const char *actor_id, const char *activity_id, struct err *err)
{
	bool changed = false;
	int rc;

	if (!str_eq(kind, "like") && !str_eq(kind, "announce"))
		return errorf(err, ERR_INVALID, "a reaction is a like or an announce");
	if (!actor_id || !activity_id)
		return errorf(err, ERR_INVALID, "a reaction needs an actor id and an activity id");
	/*
	 * A second like by the same actor (or the same activity id again)
	 * replaces the row, so the newest activity id is the one an Undo will
	 * name, and there is still one reaction per actor and kind. Not INSERT
	 * OR REPLACE, whose deletes skip the triggers that keep
	 * statement_inboxes: another row holding the activity id goes, the
	 * actor's row takes the new id (its inbox stays: no trigger work, the
	 * common repeat), or a new row comes.
	 */
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = reaction_step(st,
				"DELETE FROM reactions WHERE activity_id = ?4"
				" AND NOT (statement_id = ?1 AND kind = ?2 AND actor_id = ?3)",
				statement_id, kind, actor_id, activity_id, &changed, err)) ||
	    (rc = reaction_step(st,
				"UPDATE reactions SET activity_id = ?4, created = ?5"
				" WHERE statement_id = ?1 AND kind = ?2 AND actor_id = ?3",
				statement_id, kind, actor_id, activity_id, &changed, err)))
		goto out;
	if (!changed &&
	    (rc = reaction_step(st,
				"INSERT INTO reactions"
				" (statement_id, kind, actor_id, activity_id, created)"
				" VALUES (?1, ?2, ?3, ?4, ?5)",
				statement_id, kind, actor_id, activity_id, &changed, err)))
		goto out;
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	return rc;
}

int store_reaction_remove(struct store *st, const char *activity_id, bool *removed,
			  struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (removed)
		*removed = false;
	if ((rc = db_prepare(st, "DELETE FROM reactions WHERE activity_id = ?1", &q, err)))
		return rc;
	if (db_bind_text(q, 1, activity_id))
		rc = db_fail(st, err, "remove reaction");
	else if (!(rc = db_step_done(st, q, err, "remove reaction")) && removed)
		*removed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_reaction_undo(struct store *st, const char *activity_id, const char *actor_id,
			bool *removed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (removed)
		*removed = false;
	if (!activity_id || !actor_id)
		return errorf(err, ERR_INVALID, "no activity id or actor given");
	if ((rc = db_prepare(st, "DELETE FROM reactions WHERE activity_id = ?1 AND actor_id = ?2",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, activity_id) || db_bind_text(q, 2, actor_id))
		rc = db_fail(st, err, "remove reaction");
	else if (!(rc = db_step_done(st, q, err, "remove reaction")) && removed)
		*removed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_reaction_count(struct store *st, int64_t statement_id, const char *kind,
			 int64_t *count, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(st,
			     "SELECT count(*) FROM reactions WHERE statement_id = ?1 AND kind = ?2",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, kind))
		rc = db_fail(st, err, "count reactions");
	else
		rc = db_step_int64(st, q, count, NULL, err, "count reactions");
	db_finish(st, q);
	return rc;
}

/* ---- inbound activities ---- */

int store_activity_seen(struct store *st, const char *activity_id, bool *first, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*first = false;
	if (!activity_id)
		return errorf(err, ERR_INVALID, "no activity id given");
	if ((rc = db_prepare(st,
			     "INSERT INTO activities_seen (id, seen_at) VALUES (?1, ?2)"
			     " ON CONFLICT (id) DO NOTHING",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, activity_id) || sqlite3_bind_int64(q, 2, (int64_t)time(NULL)))
		rc = db_fail(st, err, "record activity");
	else if (!(rc = db_step_done(st, q, err, "record activity")))
		*first = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

bool store_activity_is_seen(struct store *st, const char *activity_id)
{
	sqlite3_stmt *q = NULL;
	struct err err;
	int64_t one = 0;
	bool found = false;
	int rc;

	if (!activity_id)
		return false;
	if ((rc = db_prepare(st, "SELECT 1 FROM activities_seen WHERE id = ?1", &q, &err)) == 0) {
		rc = db_bind_text(q, 1, activity_id)
			     ? db_fail(st, &err, "look up activity")
			     : db_step_int64(st, q, &one, &found, &err, "look up activity");
		db_finish(st, q);
	}
	if (rc) {
		log_warn("store: %s", err.msg);
		return false;
	}
	return found;
}

int store_activity_forget(struct store *st, const char *activity_id, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!activity_id)
		return 0;
	if ((rc = db_prepare(st, "DELETE FROM activities_seen WHERE id = ?1", &q, err)))
		return rc;
	if (db_bind_text(q, 1, activity_id))
		rc = db_fail(st, err, "forget activity");
	else
		rc = db_step_done(st, q, err, "forget activity");
	db_finish(st, q);
	return rc;
}

int store_activity_seen_prune(struct store *st, int64_t before, int64_t *removed,
			      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (removed)
		*removed = 0;
	if ((rc = db_prepare(st, "DELETE FROM activities_seen WHERE seen_at < ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, before))
		rc = db_fail(st, err, "prune seen activities");
	else if (!(rc = db_step_done(st, q, err, "prune seen activities")) && removed)
		*removed = sqlite3_changes(st->db);
	db_finish(st, q);
	return rc;
}

int store_mention_add(struct store *st, int64_t statement_id, const char *activity_id,
		      const char *actor_id, const char *object_id, const char *json,
		      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!activity_id || !actor_id || !json)
		return errorf(err, ERR_INVALID, "a mention needs an activity id, an actor and JSON");
	if ((rc = db_prepare(st,
			     "INSERT INTO mentions (statement_id, activity_id, actor_id, object_id,"
			     " json, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
			     " ON CONFLICT (activity_id) DO NOTHING",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) || db_bind_text(q, 2, activity_id) ||
	    db_bind_text(q, 3, actor_id) || db_bind_text(q, 4, object_id) ||
	    db_bind_text(q, 5, json) || sqlite3_bind_int64(q, 6, (int64_t)time(NULL)))
		rc = db_fail(st, err, "keep mention");
	else
		rc = db_step_done(st, q, err, "keep mention");
	db_finish(st, q);
	return rc;
}

int store_mention_count_since(struct store *st, const char *origin, int64_t since,
			      int64_t *count, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	/* A prefix match with substr, not LIKE: an origin may hold % or _. */
	if ((rc = db_prepare(st,
			     "SELECT count(*) FROM mentions WHERE created >= ?2"
			     " AND substr(actor_id, 1, length(?1)) = ?1",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, origin) || sqlite3_bind_int64(q, 2, since)) {
		rc = db_fail(st, err, "count mentions");
	} else if (sqlite3_step(q) == SQLITE_ROW) {
		*count = sqlite3_column_int64(q, 0);
	} else {
		rc = db_fail(st, err, "count mentions");
	}
	db_finish(st, q);
	return rc;
}
