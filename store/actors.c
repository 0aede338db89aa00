/* The cache of remote actors we fetched: their inboxes and public keys. */
#include "store/db.h"

#include <stdlib.h>

#include "util/mem.h"

#define ACTOR_COLUMNS                                                                   \
	"id, type, name, preferred_username, handle, inbox, shared_inbox, url, icon, " \
	"key_id, public_pem, document, fetched_at"

void remote_actor_free(struct remote_actor *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->type);
	free(a->name);
	free(a->preferred_username);
	free(a->handle);
	free(a->inbox);
	free(a->shared_inbox);
	free(a->url);
	free(a->icon);
	free(a->key_id);
	free(a->public_pem);
	free(a->document);
	free(a);
}

int store_actor_put(struct store *st, const struct remote_actor *a, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!a->id || !a->type)
		return errorf(err, ERR_INVALID, "a cached actor needs an id and a type");
	/* An upsert rather than INSERT OR REPLACE, which deletes and re-inserts the row. */
	if ((rc = db_prepare(st,
			     "INSERT INTO remote_actors (" ACTOR_COLUMNS ")"
			     " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
			     " ON CONFLICT (id) DO UPDATE SET type = excluded.type,"
			     " name = excluded.name, preferred_username = excluded.preferred_username,"
			     " handle = excluded.handle, inbox = excluded.inbox,"
			     " shared_inbox = excluded.shared_inbox, url = excluded.url,"
			     " icon = excluded.icon, key_id = excluded.key_id,"
			     " public_pem = excluded.public_pem, document = excluded.document,"
			     " fetched_at = excluded.fetched_at",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, a->id) || db_bind_text(q, 2, a->type) ||
	    db_bind_text(q, 3, a->name) || db_bind_text(q, 4, a->preferred_username) ||
	    db_bind_text(q, 5, a->handle) || db_bind_text(q, 6, a->inbox) ||
	    db_bind_text(q, 7, a->shared_inbox) || db_bind_text(q, 8, a->url) ||
	    db_bind_text(q, 9, a->icon) || db_bind_text(q, 10, a->key_id) ||
	    db_bind_text(q, 11, a->public_pem) || db_bind_text(q, 12, a->document) ||
	    sqlite3_bind_int64(q, 13, a->fetched_at))
		rc = db_fail(st, err, "cache actor");
	else
		rc = db_step_done(st, q, err, "cache actor");
	db_finish(st, q);
	return rc;
}

static int actor_get(struct store *st, const char *sql, const char *key,
		     struct remote_actor **out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct remote_actor *a;
	int rc, step;

	*out = NULL;
	if (!key)
		return errorf(err, ERR_INVALID, "no actor id or key id given");
	if ((rc = db_prepare(st, sql, &q, err)))
		return rc;
	if (db_bind_text(q, 1, key)) {
		rc = db_fail(st, err, "get actor");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_DONE) {
		rc = errorf(err, ERR_NOTFOUND, "actor '%s' is not cached", key);
		goto out;
	}
	if (step != SQLITE_ROW) {
		rc = db_fail(st, err, "get actor");
		goto out;
	}
	a = xcalloc(1, sizeof(*a));
	a->id = db_column_dup(q, 0);
	a->type = db_column_dup(q, 1);
	a->name = db_column_dup(q, 2);
	a->preferred_username = db_column_dup(q, 3);
	a->handle = db_column_dup(q, 4);
	a->inbox = db_column_dup(q, 5);
	a->shared_inbox = db_column_dup(q, 6);
	a->url = db_column_dup(q, 7);
	a->icon = db_column_dup(q, 8);
	a->key_id = db_column_dup(q, 9);
	a->public_pem = db_column_dup(q, 10);
	a->document = db_column_dup(q, 11);
	a->fetched_at = sqlite3_column_int64(q, 12);
	*out = a;
out:
	db_finish(st, q);
	return rc;
}

int store_actor_get(struct store *st, const char *id, struct remote_actor **out, struct err *err)
{
	return actor_get(st, "SELECT " ACTOR_COLUMNS " FROM remote_actors WHERE id = ?1", id, out,
			 err);
}

int store_actor_get_by_key(struct store *st, const char *key_id, struct remote_actor **out,
			   struct err *err)
{
	/* The newest fetch wins should two cached actors ever claim one key id. */
	return actor_get(st,
			 "SELECT " ACTOR_COLUMNS " FROM remote_actors WHERE key_id = ?1"
			 " ORDER BY fetched_at DESC LIMIT 1",
			 key_id, out, err);
}

int store_actor_delete(struct store *st, const char *id, struct err *err)
{
	static const char *const sql[] = {
		"DELETE FROM followers WHERE actor_id = ?1",
		"DELETE FROM reactions WHERE actor_id = ?1",
		"DELETE FROM index_followers WHERE actor_id = ?1",
		"DELETE FROM remote_actors WHERE id = ?1",
	};
	sqlite3_stmt *q = NULL;
	int rc;

	if (!id)
		return errorf(err, ERR_INVALID, "no actor id given");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if ((rc = db_prepare(st, sql[i], &q, err)))
			goto out;
		if (db_bind_text(q, 1, id)) {
			rc = db_fail(st, err, "delete actor");
			goto out;
		}
		if ((rc = db_step_done(st, q, err, "delete actor")))
			goto out;
		db_finish(st, q);
		q = NULL;
	}
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	return rc;
}
