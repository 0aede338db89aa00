/*
 * Organisations hosted here: their profiles, what they signed on other
 * servers (endorsements, with the answers that came back), their followers,
 * and deliveries signed with their keys.
 */
#include "store/db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"
#include "util/str.h"

#define ORG_COLUMNS "id, slug, name, url, summary, published, updated, public_pem, private_pem"

#define ENDORSEMENT_COLUMNS                                                          \
	"id, org_id, statement_actor, inbox, post_id, handle, title, endorse_id,"     \
	" follow_id, state, follow_accepted, listed, signed_at, answered_at,"        \
	" post_updated_at, reply, withdrawn_at"

/* The inbox one actor is reached at: its shared inbox when it has one. */
#define PREFERRED_INBOX "coalesce(nullif(a.shared_inbox, ''), a.inbox)"

void organisation_free(struct organisation *o)
{
	if (!o)
		return;
	free(o->slug);
	free(o->name);
	free(o->url);
	free(o->summary);
	free(o->public_pem);
	db_wipe_free(o->private_pem);
	free(o);
}

void organisations_free(struct organisation **list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		organisation_free(list[i]);
	free(list);
}

static struct organisation *org_from_row(sqlite3_stmt *s)
{
	struct organisation *o = xcalloc(1, sizeof(*o));

	o->id = sqlite3_column_int64(s, 0);
	o->slug = db_column_dup(s, 1);
	o->name = db_column_dup(s, 2);
	o->url = db_column_dup(s, 3);
	o->summary = db_column_dup(s, 4);
	o->published = sqlite3_column_int64(s, 5);
	o->updated = sqlite3_column_int64(s, 6);
	o->public_pem = db_column_dup(s, 7);
	o->private_pem = db_column_dup(s, 8);
	return o;
}

int store_org_add(struct store *st, struct organisation *o, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!o->slug || !*o->slug || !o->name || !*o->name || !o->public_pem || !o->private_pem)
		return errorf(err, ERR_INVALID, "an organisation needs a slug, a name and a key");
	/* The local_slugs trigger refuses a slug a statement has: UNIQUE, so ERR_EXISTS. */
	if ((rc = db_prepare(
		 st,
		 "INSERT INTO organisations (slug, name, url, summary, published, updated,"
		 " public_pem, private_pem)"
		 " VALUES (?1, ?2, coalesce(?3, ''), coalesce(?4, ''), ?5, ?6, ?7, ?8)",
		 &q, err)))
		return rc;
	if (db_bind_text(q, 1, o->slug) || db_bind_text(q, 2, o->name) ||
	    db_bind_text(q, 3, o->url) || db_bind_text(q, 4, o->summary) ||
	    sqlite3_bind_int64(q, 5, o->published) || sqlite3_bind_int64(q, 6, o->updated) ||
	    db_bind_text(q, 7, o->public_pem) || db_bind_text(q, 8, o->private_pem)) {
		rc = db_fail(st, err, "add organisation");
		goto out;
	}
	rc = db_step_done(st, q, err, "add organisation");
	if (rc == -ERR_EXISTS)
		rc = errorf(err, ERR_EXISTS,
			    "the slug '%s' is taken (by a statement or an organisation)", o->slug);
	if (!rc)
		o->id = sqlite3_last_insert_rowid(st->db);
out:
	db_finish(st, q);
	return rc;
}

static int org_get(struct store *st, const char *slug, int64_t id, struct organisation **out,
		   struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(st,
			     slug ? "SELECT " ORG_COLUMNS " FROM organisations WHERE slug = ?1"
				  : "SELECT " ORG_COLUMNS " FROM organisations WHERE id = ?1",
			     &q, err)))
		return rc;
	if ((slug ? db_bind_text(q, 1, slug) : sqlite3_bind_int64(q, 1, id)) != SQLITE_OK) {
		rc = db_fail(st, err, "get organisation");
		goto out;
	}
	switch (sqlite3_step(q)) {
	case SQLITE_ROW:
		*out = org_from_row(q);
		break;
	case SQLITE_DONE:
		if (slug)
			rc = errorf(err, ERR_NOTFOUND, "no organisation with the slug '%s'", slug);
		else
			rc = errorf(err, ERR_NOTFOUND, "no organisation with id %lld",
				    (long long)id);
		break;
	default:
		rc = db_fail(st, err, "get organisation");
		break;
	}
out:
	db_finish(st, q);
	return rc;
}

int store_org_get(struct store *st, const char *slug, struct organisation **out,
		  struct err *err)
{
	if (!slug) {
		*out = NULL;
		return errorf(err, ERR_INVALID, "no slug given");
	}
	return org_get(st, slug, 0, out, err);
}

int store_org_get_by_id(struct store *st, int64_t id, struct organisation **out,
			struct err *err)
{
	return org_get(st, NULL, id, out, err);
}

int store_org_list(struct store *st, struct organisation ***out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	struct organisation **list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st, "SELECT " ORG_COLUMNS " FROM organisations ORDER BY id", &q, err)))
		return rc;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			list = xrealloc(list, cap * sizeof(*list));
		}
		list[len++] = org_from_row(q);
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "list organisations");
		organisations_free(list, len);
		goto out;
	}
	*out = list;
	*n = len;
out:
	db_finish(st, q);
	return rc;
}

int store_slug_taken(struct store *st, const char *slug, bool *taken, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t one = 0;
	int rc;

	*taken = false;
	if ((rc = db_prepare(st, "SELECT 1 FROM local_slugs WHERE slug = ?1", &q, err)))
		return rc;
	if (db_bind_text(q, 1, slug))
		rc = db_fail(st, err, "look up slug");
	else
		rc = db_step_int64(st, q, &one, taken, err, "look up slug");
	db_finish(st, q);
	return rc;
}

int store_org_edit(struct store *st, int64_t org_id, const char *name, const char *url,
		   const char *summary, int64_t t, const struct store_outgoing *out,
		   size_t n_out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t now = (int64_t)time(NULL);
	int rc;

	if (name && !*name)
		return errorf(err, ERR_INVALID, "an organisation needs a name");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = db_prepare(st,
			     "UPDATE organisations SET name = coalesce(?2, name),"
			     " url = coalesce(?3, url), summary = coalesce(?4, summary),"
			     " updated = max(updated, ?5) WHERE id = ?1",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, org_id) || db_bind_text(q, 2, name) ||
	    db_bind_text(q, 3, url) || db_bind_text(q, 4, summary) ||
	    sqlite3_bind_int64(q, 5, t)) {
		rc = db_fail(st, err, "edit organisation");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "edit organisation")))
		goto out;
	if (sqlite3_changes(st->db) == 0) {
		rc = errorf(err, ERR_NOTFOUND, "no organisation with id %lld", (long long)org_id);
		goto out;
	}
	for (size_t i = 0; i < n_out; i++)
		if ((rc = db_delivery_queue_org(st, org_id, out[i].body, out[i].inboxes,
						out[i].n_inboxes, now, err)))
			goto out;
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	return rc;
}

int store_org_delivery_add(struct store *st, int64_t org_id, const char *body,
			   char *const *inboxes, size_t n_inboxes, struct err *err)
{
	int rc;

	if (!body)
		return errorf(err, ERR_INVALID, "a delivery needs a body");
	if (n_inboxes == 0)
		return 0;
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	rc = db_delivery_queue_org(st, org_id, body, inboxes, n_inboxes, (int64_t)time(NULL),
				   err);
	if (!rc)
		rc = db_commit(st, err);
	if (rc)
		db_rollback(st);
	return rc;
}

/* ---- endorsements ---- */

static void endorsement_release(struct endorsement *e)
{
	free(e->statement_actor);
	free(e->inbox);
	free(e->post_id);
	free(e->handle);
	free(e->title);
	free(e->endorse_id);
	free(e->follow_id);
	free(e->state);
	free(e->reply);
}

void endorsements_free(struct endorsement *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++)
		endorsement_release(&list[i]);
	free(list);
}

static void endorsement_from_row(sqlite3_stmt *s, struct endorsement *e)
{
	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(s, 0);
	e->org_id = sqlite3_column_int64(s, 1);
	e->statement_actor = db_column_dup(s, 2);
	e->inbox = db_column_dup(s, 3);
	e->post_id = db_column_dup(s, 4);
	e->handle = db_column_dup(s, 5);
	e->title = db_column_dup(s, 6);
	e->endorse_id = db_column_dup(s, 7);
	e->follow_id = db_column_dup(s, 8);
	e->state = db_column_dup(s, 9);
	e->follow_accepted = sqlite3_column_int(s, 10) != 0;
	e->listed = sqlite3_column_int(s, 11) != 0;
	e->signed_at = sqlite3_column_int64(s, 12);
	e->answered_at = sqlite3_column_int64(s, 13);
	e->post_updated_at = sqlite3_column_int64(s, 14);
	e->reply = db_column_dup(s, 15);
	e->withdrawn_at = sqlite3_column_int64(s, 16);
}

/* Step q to the end, collecting its rows (ENDORSEMENT_COLUMNS). */
static int endorsements_collect(struct store *st, sqlite3_stmt *q, struct endorsement **out,
				size_t *n, struct err *err, const char *what)
{
	struct endorsement *list = NULL;
	size_t len = 0, cap = 0;
	int step;

	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 8;
			list = xrealloc(list, cap * sizeof(*list));
		}
		endorsement_from_row(q, &list[len++]);
	}
	if (step != SQLITE_DONE) {
		endorsements_free(list, len);
		return db_fail(st, err, what);
	}
	*out = list;
	*n = len;
	return 0;
}

/* The state of the organisation's row for statement_actor, inside the caller's transaction. */
static int endorsement_state(struct store *st, int64_t org_id, const char *statement_actor,
			     char **state, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = 0, step;

	*state = NULL;
	if ((rc = db_prepare(
		 st, "SELECT state FROM endorsements WHERE org_id = ?1 AND statement_actor = ?2",
		 &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, org_id) || db_bind_text(q, 2, statement_actor)) {
		rc = db_fail(st, err, "find endorsement");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		*state = db_column_dup(q, 0);
	else if (step != SQLITE_DONE)
		rc = db_fail(st, err, "find endorsement");
out:
	db_finish(st, q);
	return rc;
}

int store_endorsement_add(struct store *st, struct endorsement *e, const char *endorse_body,
			  const char *follow_body, struct err *err)
{
	sqlite3_stmt *q = NULL;
	char *state = NULL;
	char *const inboxes[] = { e->inbox };
	int rc;

	if (!e->statement_actor || !e->inbox || !e->post_id || !e->endorse_id || !e->follow_id ||
	    !endorse_body || !follow_body)
		return errorf(
		    err, ERR_INVALID,
		    "an endorsement needs a statement, an inbox, a post and its activities");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = endorsement_state(st, e->org_id, e->statement_actor, &state, err)))
		goto out;
	if (state && !str_eq(state, "withdrawn")) {
		rc = errorf(err, ERR_EXISTS, "signed already (%s)", state);
		goto out;
	}
	/* A withdrawn signing is replaced by this one: new activities, answers cleared. */
	if ((rc = db_prepare(st,
			     "INSERT INTO endorsements (org_id, statement_actor, inbox, post_id,"
			     " handle, title, endorse_id, follow_id, state, signed_at)"
			     " VALUES (?1, ?2, ?3, ?4, ?5, coalesce(?6, ''), ?7, ?8, 'pending', ?9)"
			     " ON CONFLICT (org_id, statement_actor) DO UPDATE SET"
			     " inbox = excluded.inbox, post_id = excluded.post_id,"
			     " handle = excluded.handle, title = excluded.title,"
			     " endorse_id = excluded.endorse_id, follow_id = excluded.follow_id,"
			     " state = 'pending', follow_accepted = 0, listed = 0,"
			     " signed_at = excluded.signed_at, answered_at = NULL,"
			     " post_updated_at = NULL, reply = NULL, withdrawn_at = NULL"
			     " RETURNING id",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, e->org_id) || db_bind_text(q, 2, e->statement_actor) ||
	    db_bind_text(q, 3, e->inbox) || db_bind_text(q, 4, e->post_id) ||
	    db_bind_text(q, 5, e->handle) || db_bind_text(q, 6, e->title) ||
	    db_bind_text(q, 7, e->endorse_id) || db_bind_text(q, 8, e->follow_id) ||
	    sqlite3_bind_int64(q, 9, e->signed_at)) {
		rc = db_fail(st, err, "add endorsement");
		goto out;
	}
	if ((rc = db_step_int64(st, q, &e->id, NULL, err, "add endorsement")))
		goto out;
	db_finish(st, q);
	q = NULL;
	if ((rc = db_delivery_queue_org(st, e->org_id, endorse_body, inboxes, 1,
					(int64_t)time(NULL), err)) ||
	    (rc = db_delivery_queue_org(st, e->org_id, follow_body, inboxes, 1,
					(int64_t)time(NULL), err)))
		goto out;
	rc = db_commit(st, err);
out:
	if (rc) {
		db_rollback(st);
		e->id = 0;
	}
	db_finish(st, q);
	free(state);
	return rc;
}

int store_endorsement_get(struct store *st, int64_t org_id, const char *statement_actor,
			  struct endorsement **out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	size_t n = 0;
	int rc;

	*out = NULL;
	if ((rc = db_prepare(st,
			     "SELECT " ENDORSEMENT_COLUMNS " FROM endorsements"
			     " WHERE org_id = ?1 AND statement_actor = ?2",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, org_id) || db_bind_text(q, 2, statement_actor))
		rc = db_fail(st, err, "get endorsement");
	else
		rc = endorsements_collect(st, q, out, &n, err, "get endorsement");
	if (!rc && n == 0)
		rc = errorf(err, ERR_NOTFOUND, "no endorsement of %s", statement_actor);
	db_finish(st, q);
	return rc;
}

int store_endorsement_list(struct store *st, int64_t org_id, bool with_withdrawn,
			   size_t offset, size_t limit, struct endorsement **out, size_t *n,
			   struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT " ENDORSEMENT_COLUMNS " FROM endorsements"
			     " WHERE org_id = ?1 AND (?2 OR state != 'withdrawn')"
			     " ORDER BY signed_at, id LIMIT ?3 OFFSET ?4",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, org_id) || sqlite3_bind_int(q, 2, with_withdrawn) ||
	    sqlite3_bind_int64(q, 3, limit ? (int64_t)limit : -1) ||
	    sqlite3_bind_int64(q, 4, (int64_t)offset))
		rc = db_fail(st, err, "list endorsements");
	else
		rc = endorsements_collect(st, q, out, n, err, "list endorsements");
	db_finish(st, q);
	return rc;
}

int store_endorsement_count(struct store *st, int64_t org_id, bool with_withdrawn,
			    int64_t *count, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(st,
			     "SELECT count(*) FROM endorsements"
			     " WHERE org_id = ?1 AND (?2 OR state != 'withdrawn')",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, org_id) || sqlite3_bind_int(q, 2, with_withdrawn))
		rc = db_fail(st, err, "count endorsements");
	else
		rc = db_step_int64(st, q, count, NULL, err, "count endorsements");
	db_finish(st, q);
	return rc;
}

int store_endorsement_answer(struct store *st, const char *statement_actor,
			     const char *activity_id, bool accepted, int64_t t, bool *found,
			     struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*found = false;
	if (!statement_actor || !activity_id)
		return errorf(err, ERR_INVALID,
			      "an answer needs its actor and the activity it answers");
	if ((rc = db_prepare(
		 st,
		 "UPDATE endorsements SET"
		 " state = CASE WHEN endorse_id = ?2"
		 "  THEN CASE WHEN ?3 THEN 'accepted' ELSE 'rejected' END ELSE state END,"
		 " answered_at = CASE WHEN endorse_id = ?2 THEN ?4 ELSE answered_at END,"
		 " follow_accepted = CASE WHEN follow_id = ?2 THEN ?3 ELSE follow_accepted END"
		 " WHERE statement_actor = ?1 AND (endorse_id = ?2 OR follow_id = ?2)"
		 " AND state != 'withdrawn'",
		 &q, err)))
		return rc;
	if (db_bind_text(q, 1, statement_actor) || db_bind_text(q, 2, activity_id) ||
	    sqlite3_bind_int(q, 3, accepted) || sqlite3_bind_int64(q, 4, t))
		rc = db_fail(st, err, "record answer");
	else if (!(rc = db_step_done(st, q, err, "record answer")))
		*found = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_endorsement_by_post(struct store *st, const char *statement_actor,
			      const char *post_id, struct endorsement **out, size_t *n,
			      struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT " ENDORSEMENT_COLUMNS " FROM endorsements"
			     " WHERE statement_actor = ?1 AND post_id = ?2 AND state != 'withdrawn'"
			     " ORDER BY id",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, statement_actor) || db_bind_text(q, 2, post_id))
		rc = db_fail(st, err, "endorsements of a post");
	else
		rc = endorsements_collect(st, q, out, n, err, "endorsements of a post");
	db_finish(st, q);
	return rc;
}

/* A one-row UPDATE of endorsements binding ?1 = id; ERR_NOTFOUND when no row matched. */
static int endorsement_update(struct store *st, sqlite3_stmt *q, int64_t id, struct err *err,
			      const char *what)
{
	int rc = db_step_done(st, q, err, what);

	if (!rc && sqlite3_changes(st->db) == 0)
		rc = errorf(err, ERR_NOTFOUND, "%s: no endorsement with id %lld", what,
			    (long long)id);
	return rc;
}

int store_endorsement_post_updated(struct store *st, int64_t id, int64_t t, bool listed,
				   struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(
		 st, "UPDATE endorsements SET post_updated_at = ?2, listed = ?3 WHERE id = ?1", &q,
		 err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id) || sqlite3_bind_int64(q, 2, t) ||
	    sqlite3_bind_int(q, 3, listed))
		rc = db_fail(st, err, "post updated");
	else
		rc = endorsement_update(st, q, id, err, "post updated");
	db_finish(st, q);
	return rc;
}

int store_endorsement_set_listed(struct store *st, int64_t id, bool listed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, "UPDATE endorsements SET listed = ?2 WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id) || sqlite3_bind_int(q, 2, listed))
		rc = db_fail(st, err, "set listed");
	else
		rc = endorsement_update(st, q, id, err, "set listed");
	db_finish(st, q);
	return rc;
}

int store_endorsement_reply(struct store *st, int64_t id, const char *html, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, "UPDATE endorsements SET reply = ?2 WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id) || db_bind_text(q, 2, html ? html : ""))
		rc = db_fail(st, err, "record reply");
	else
		rc = endorsement_update(st, q, id, err, "record reply");
	db_finish(st, q);
	return rc;
}

int store_endorsement_withdraw(struct store *st, int64_t id, const char *undo_endorse,
			       const char *undo_follow, int64_t t, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int64_t org_id = 0;
	char *inbox = NULL, *state = NULL;
	int rc, step;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = db_prepare(st, "SELECT org_id, inbox, state FROM endorsements WHERE id = ?1", &q,
			     err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, id)) {
		rc = db_fail(st, err, "withdraw");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		org_id = sqlite3_column_int64(q, 0);
		inbox = db_column_dup(q, 1);
		state = db_column_dup(q, 2);
	} else if (step == SQLITE_DONE) {
		rc = errorf(err, ERR_NOTFOUND, "no endorsement with id %lld", (long long)id);
		goto out;
	} else {
		rc = db_fail(st, err, "withdraw");
		goto out;
	}
	db_finish(st, q);
	q = NULL;
	if (str_eq(state, "withdrawn")) {
		rc = errorf(err, ERR_INVALID, "withdrawn already");
		goto out;
	}
	if ((rc = db_prepare(st,
			     "UPDATE endorsements SET state = 'withdrawn', withdrawn_at = ?2,"
			     " follow_accepted = 0, listed = 0 WHERE id = ?1",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, id) || sqlite3_bind_int64(q, 2, t)) {
		rc = db_fail(st, err, "withdraw");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "withdraw")))
		goto out;
	{
		char *const inboxes[] = { inbox };

		if ((undo_endorse && (rc = db_delivery_queue_org(st, org_id, undo_endorse, inboxes,
								  1, (int64_t)time(NULL), err))) ||
		    (undo_follow && (rc = db_delivery_queue_org(st, org_id, undo_follow, inboxes,
								 1, (int64_t)time(NULL), err))))
			goto out;
	}
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	free(inbox);
	free(state);
	return rc;
}

/* Collect the strings a query binding ?1 = id returns. */
static int id_strings(struct store *st, const char *sql, int64_t id, char ***out, size_t *n,
		      struct err *err, const char *what)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st, sql, &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id))
		rc = db_fail(st, err, what);
	else
		rc = db_collect_strings(st, q, out, n, err, what);
	db_finish(st, q);
	return rc;
}

int store_endorsement_inboxes(struct store *st, int64_t org_id, char ***out, size_t *n,
			      struct err *err)
{
	return id_strings(st,
			  "SELECT DISTINCT inbox FROM endorsements"
			  " WHERE org_id = ?1 AND state != 'withdrawn'"
			  " AND inbox NOT IN (SELECT inbox FROM dead_inboxes) ORDER BY inbox",
			  org_id, out, n, err, "inboxes of endorsed statements");
}

/* ---- followers of organisations ---- */

int store_org_follower_add(struct store *st, int64_t org_id, const char *actor_id,
			   const char *follow_id, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (!actor_id)
		return errorf(err, ERR_INVALID, "a follower needs an actor id");
	if ((rc = db_prepare(st,
			     "INSERT INTO org_followers (org_id, actor_id, follow_id, created)"
			     " VALUES (?1, ?2, ?3, ?4)"
			     " ON CONFLICT (org_id, actor_id) DO UPDATE SET"
			     " follow_id = coalesce(excluded.follow_id, follow_id)",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, org_id) || db_bind_text(q, 2, actor_id) ||
	    db_bind_text(q, 3, follow_id) || sqlite3_bind_int64(q, 4, (int64_t)time(NULL)))
		rc = db_fail(st, err, "add follower");
	else
		rc = db_step_done(st, q, err, "add follower");
	db_finish(st, q);
	return rc;
}

int store_org_follower_remove_by_follow(struct store *st, const char *follow_id,
					const char *actor_id, bool *removed, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if (removed)
		*removed = false;
	if (!follow_id || !actor_id)
		return errorf(err, ERR_INVALID, "no Follow id or actor given");
	if ((rc = db_prepare(st, "DELETE FROM org_followers WHERE actor_id = ?1 AND follow_id = ?2",
			     &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id) || db_bind_text(q, 2, follow_id))
		rc = db_fail(st, err, "remove follower");
	else if (!(rc = db_step_done(st, q, err, "remove follower")) && removed)
		*removed = sqlite3_changes(st->db) > 0;
	db_finish(st, q);
	return rc;
}

int store_org_follower_remove_actor(struct store *st, const char *actor_id, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, "DELETE FROM org_followers WHERE actor_id = ?1", &q, err)))
		return rc;
	if (db_bind_text(q, 1, actor_id))
		rc = db_fail(st, err, "remove follower");
	else
		rc = db_step_done(st, q, err, "remove follower");
	db_finish(st, q);
	return rc;
}

int store_org_follower_count(struct store *st, int64_t org_id, int64_t *count,
			     struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(st, "SELECT count(*) FROM org_followers WHERE org_id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, org_id))
		rc = db_fail(st, err, "count followers");
	else
		rc = db_step_int64(st, q, count, NULL, err, "count followers");
	db_finish(st, q);
	return rc;
}

int store_org_follower_list(struct store *st, int64_t org_id, size_t offset, size_t limit,
			    char ***out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = db_prepare(st,
			     "SELECT actor_id FROM org_followers WHERE org_id = ?1"
			     " ORDER BY id LIMIT ?2 OFFSET ?3",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, org_id) ||
	    sqlite3_bind_int64(q, 2, limit ? (int64_t)limit : -1) ||
	    sqlite3_bind_int64(q, 3, (int64_t)offset))
		rc = db_fail(st, err, "list followers");
	else
		rc = db_collect_strings(st, q, out, n, err, "list followers");
	db_finish(st, q);
	return rc;
}

int store_org_follower_inboxes(struct store *st, int64_t org_id, char ***out, size_t *n,
			       struct err *err)
{
	return id_strings(st,
			  "SELECT DISTINCT " PREFERRED_INBOX " AS box"
			  " FROM org_followers f JOIN remote_actors a ON a.id = f.actor_id"
			  " WHERE f.org_id = ?1 AND nullif(" PREFERRED_INBOX ", '') IS NOT NULL"
			  " AND " PREFERRED_INBOX " NOT IN (SELECT inbox FROM dead_inboxes)"
			  " ORDER BY box",
			  org_id, out, n, err, "inboxes of followers");
}
