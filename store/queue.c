/*
 * The delivery queue, as rows. A worker claims due rows (a lease), POSTs,
 * then acknowledges each: done (row deleted), retry (attempts + 1, a later
 * next_attempt_at) or dead (row deleted, inbox marked dead). A crash
 * between claim and acknowledgement leaves the row to come due again when
 * its lease runs out: delivery is at least once.
 */
#include "store/db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/url.h"

void deliveries_free(struct delivery *list, size_t n)
{
	if (!list)
		return;
	for (size_t i = 0; i < n; i++) {
		free(list[i].inbox);
		free(list[i].body);
	}
	free(list);
}

/* Queue body for inboxes, signed by statement_id's key, or org_id's when that is not 0. */
static int delivery_queue(struct store *st, int64_t statement_id, int64_t org_id,
			  const char *body, char *const *inboxes, size_t n_inboxes, int64_t now,
			  struct err *err)
{
	sqlite3_stmt *b = NULL, *q = NULL;
	int64_t body_id, queued = 0;
	int rc;

	if (!body)
		return errorf(err, ERR_INVALID, "a delivery needs a body");
	if (n_inboxes == 0)
		return 0;
	/* The body once, however many inboxes it goes to. */
	if ((rc = db_prepare(st,
			     "INSERT INTO delivery_bodies (statement_id, body, created, org_id)"
			     " VALUES (?1, ?2, ?3, ?4)",
			     &b, err)))
		goto out;
	if (db_bind_id_or_null(b, 1, statement_id) || db_bind_text(b, 2, body) ||
	    sqlite3_bind_int64(b, 3, now) || db_bind_id_or_null(b, 4, org_id)) {
		rc = db_fail(st, err, "queue delivery");
		goto out;
	}
	if ((rc = db_step_done(st, b, err, "queue delivery")))
		goto out;
	body_id = sqlite3_last_insert_rowid(st->db);

	if ((rc = db_prepare(st,
			     "INSERT INTO deliveries (body_id, inbox, next_attempt_at, created)"
			     " SELECT ?1, ?2, ?3, ?3"
			     " WHERE NOT EXISTS (SELECT 1 FROM dead_inboxes WHERE inbox = ?2)",
			     &q, err)))
		goto out;
	for (size_t i = 0; i < n_inboxes; i++) {
		if (!inboxes[i] || !*inboxes[i])
			continue;
		sqlite3_reset(q);
		if (sqlite3_bind_int64(q, 1, body_id) || db_bind_text(q, 2, inboxes[i]) ||
		    sqlite3_bind_int64(q, 3, now)) {
			rc = db_fail(st, err, "queue delivery");
			goto out;
		}
		if ((rc = db_step_done(st, q, err, "queue delivery")))
			goto out;
		queued += sqlite3_changes(st->db);
	}
	if (queued == 0) {
		/* Every inbox was dead: no body without deliveries. */
		db_finish(st, b);
		if ((rc = db_prepare(st, "DELETE FROM delivery_bodies WHERE id = ?1", &b, err)))
			goto out;
		if (sqlite3_bind_int64(b, 1, body_id)) {
			rc = db_fail(st, err, "queue delivery");
			goto out;
		}
		rc = db_step_done(st, b, err, "queue delivery");
	}
out:
	db_finish(st, b);
	db_finish(st, q);
	return rc;
}

int db_delivery_queue(struct store *st, int64_t statement_id, const char *body,
		      char *const *inboxes, size_t n_inboxes, int64_t now, struct err *err)
{
	return delivery_queue(st, statement_id, 0, body, inboxes, n_inboxes, now, err);
}

int db_delivery_queue_org(struct store *st, int64_t org_id, const char *body,
			  char *const *inboxes, size_t n_inboxes, int64_t now, struct err *err)
{
	if (org_id <= 0)
		return errorf(err, ERR_INVALID, "no organisation to sign the delivery");
	return delivery_queue(st, 0, org_id, body, inboxes, n_inboxes, now, err);
}

int store_delivery_add(struct store *st, int64_t statement_id, const char *body,
		       char *const *inboxes, size_t n_inboxes, struct err *err)
{
	int rc;

	if (!body)
		return errorf(err, ERR_INVALID, "a delivery needs a body");
	if (n_inboxes == 0)
		return 0;
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	rc = db_delivery_queue(st, statement_id, body, inboxes, n_inboxes, (int64_t)time(NULL),
			       err);
	if (!rc)
		rc = db_commit(st, err);
	if (rc)
		db_rollback(st);
	return rc;
}

int store_delivery_claim(struct store *st, int64_t now, int lease_s, size_t max,
			 struct delivery **out, size_t *n, struct err *err)
{
	sqlite3_stmt *q = NULL, *u = NULL;
	struct delivery *list = NULL;
	size_t len = 0, cap = 0;
	int rc, step;

	*out = NULL;
	*n = 0;
	if (max == 0)
		return 0;
	if (lease_s <= 0)
		return errorf(err, ERR_INVALID, "a lease must last at least a second");
	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = db_prepare(st,
			     "SELECT d.id, b.statement_id, d.inbox, b.body, d.attempts,"
			     " d.next_attempt_at, d.last_status, b.org_id"
			     " FROM deliveries d JOIN delivery_bodies b ON b.id = d.body_id"
			     " WHERE d.next_attempt_at <= ?1"
			     " AND (d.lease_until IS NULL OR d.lease_until <= ?1)"
			     " ORDER BY d.next_attempt_at, d.id LIMIT ?2",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, now) ||
	    sqlite3_bind_int64(q, 2, max > INT64_MAX ? INT64_MAX : (int64_t)max)) {
		rc = db_fail(st, err, "claim deliveries");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct delivery *d;

		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			list = xrealloc(list, cap * sizeof(*list));
		}
		d = &list[len++];
		d->id = sqlite3_column_int64(q, 0);
		d->statement_id = sqlite3_column_int64(q, 1); /* NULL reads as 0: the instance actor */
		d->inbox = db_column_dup(q, 2);
		d->body = db_column_dup(q, 3);
		d->attempts = sqlite3_column_int(q, 4);
		d->next_attempt_at = sqlite3_column_int64(q, 5);
		d->last_status = sqlite3_column_int(q, 6);
		d->org_id = sqlite3_column_int64(q, 7); /* NULL reads as 0: not an organisation */
	}
	if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "claim deliveries");
		goto out;
	}
	/*
	 * next_attempt_at moves with the lease, so leased rows leave the due
	 * range of the index and a claim never has to step over them.
	 */
	if ((rc = db_prepare(st,
			     "UPDATE deliveries SET lease_until = ?2, next_attempt_at = ?2"
			     " WHERE id = ?1",
			     &u, err)))
		goto out;
	for (size_t i = 0; i < len; i++) {
		sqlite3_reset(u);
		if (sqlite3_bind_int64(u, 1, list[i].id) ||
		    sqlite3_bind_int64(u, 2, now + lease_s)) {
			rc = db_fail(st, err, "claim deliveries");
			goto out;
		}
		if ((rc = db_step_done(st, u, err, "claim deliveries")))
			goto out;
	}
	if ((rc = db_commit(st, err)))
		goto out;
	*out = list;
	*n = len;
	list = NULL;
out:
	if (rc)
		db_rollback(st);
	deliveries_free(list, len);
	db_finish(st, q);
	db_finish(st, u);
	return rc;
}

/* Run one statement binding ?1 = id and, when given, ?2. */
static int run_id(struct store *st, const char *sql, int64_t id, const char *text,
		  struct err *err, const char *what)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, sql, &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id) || (text && db_bind_text(q, 2, text)))
		rc = db_fail(st, err, what);
	else
		rc = db_step_done(st, q, err, what);
	db_finish(st, q);
	return rc;
}

/*
 * Read a delivery's inbox and body id inside the current transaction.
 * *found false when the row is gone.
 */
static int delivery_lookup(struct store *st, int64_t id, char **inbox, int64_t *body_id,
			   bool *found, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc = 0, step;

	*found = false;
	*inbox = NULL;
	if ((rc = db_prepare(st, "SELECT inbox, body_id FROM deliveries WHERE id = ?1", &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id)) {
		rc = db_fail(st, err, "find delivery");
		goto out;
	}
	step = sqlite3_step(q);
	if (step == SQLITE_ROW) {
		*inbox = db_column_dup(q, 0);
		*body_id = sqlite3_column_int64(q, 1);
		*found = true;
	} else if (step != SQLITE_DONE) {
		rc = db_fail(st, err, "find delivery");
	}
out:
	db_finish(st, q);
	return rc;
}

int store_delivery_done(struct store *st, int64_t id, int status, struct err *err)
{
	char *inbox = NULL;
	int64_t body_id = 0;
	bool found;
	int rc;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = delivery_lookup(st, id, &inbox, &body_id, &found, err)))
		goto out;
	if (found &&
	    ((rc = db_delivery_log(st, id, NULL, status ? "delivered" : "dropped", status,
				   (int64_t)time(NULL), err)) ||
	     (rc = run_id(st, "DELETE FROM deliveries WHERE id = ?1", id, NULL, err,
			  "finish delivery")) ||
	     (rc = run_id(st,
			  "DELETE FROM delivery_bodies WHERE id = ?1"
			  " AND NOT EXISTS (SELECT 1 FROM deliveries WHERE body_id = ?1)",
			  body_id, NULL, err, "finish delivery"))))
		goto out;
	rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	free(inbox);
	return rc;
}

int store_delivery_retry(struct store *st, int64_t id, int status, int64_t next_attempt_at,
			 struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = db_delivery_log(st, id, NULL, "retry", status, (int64_t)time(NULL), err)) ||
	    (rc = db_prepare(st,
			     "UPDATE deliveries SET attempts = attempts + 1, last_status = ?2,"
			     " next_attempt_at = ?3, lease_until = NULL WHERE id = ?1",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, id) || sqlite3_bind_int(q, 2, status) ||
	    sqlite3_bind_int64(q, 3, next_attempt_at))
		rc = db_fail(st, err, "reschedule delivery");
	else
		rc = db_step_done(st, q, err, "reschedule delivery");
	if (!rc)
		rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	return rc;
}

int store_delivery_dead(struct store *st, int64_t id, int status, struct err *err)
{
	sqlite3_stmt *q = NULL;
	char *inbox = NULL, *host = NULL;
	int64_t body_id = 0, now = (int64_t)time(NULL);
	bool found;
	int rc;

	if ((rc = db_begin(st, DB_WRITE, err)))
		return rc;
	if ((rc = delivery_lookup(st, id, &inbox, &body_id, &found, err)) || !found)
		goto commit;
	host = db_host_of(inbox);
	if ((rc = db_prepare(st,
			     "INSERT INTO dead_inboxes (inbox, host, since, last_status)"
			     " VALUES (?1, ?2, ?3, ?4)"
			     " ON CONFLICT (inbox) DO UPDATE SET last_status = excluded.last_status",
			     &q, err)))
		goto out;
	if (db_bind_text(q, 1, inbox) || db_bind_text(q, 2, host ? host : "") ||
	    sqlite3_bind_int64(q, 3, now) || sqlite3_bind_int(q, 4, status)) {
		rc = db_fail(st, err, "mark inbox dead");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "mark inbox dead")))
		goto out;
	db_finish(st, q);
	q = NULL;
	/*
	 * This row, and the other queued deliveries to the same inbox that no
	 * worker holds right now: they would only fail the same way.
	 */
	if ((rc = db_delivery_log(st, id, inbox, "dead", status, now, err)))
		goto out;
	if ((rc = db_prepare(st,
			     "DELETE FROM deliveries WHERE id = ?1 OR (inbox = ?2"
			     " AND (lease_until IS NULL OR lease_until <= ?3))",
			     &q, err)))
		goto out;
	if (sqlite3_bind_int64(q, 1, id) || db_bind_text(q, 2, inbox) ||
	    sqlite3_bind_int64(q, 3, now)) {
		rc = db_fail(st, err, "drop delivery");
		goto out;
	}
	if ((rc = db_step_done(st, q, err, "drop delivery")))
		goto out;
	if ((rc = db_exec(st,
			  "DELETE FROM delivery_bodies WHERE NOT EXISTS"
			  " (SELECT 1 FROM deliveries d WHERE d.body_id = delivery_bodies.id)",
			  err)))
		goto out;
commit:
	if (!rc)
		rc = db_commit(st, err);
out:
	if (rc)
		db_rollback(st);
	db_finish(st, q);
	free(inbox);
	free(host);
	return rc;
}

int store_delivery_pending(struct store *st, int64_t *count, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*count = 0;
	if ((rc = db_prepare(st, "SELECT count(*) FROM deliveries", &q, err)))
		return rc;
	rc = db_step_int64(st, q, count, NULL, err, "count deliveries");
	db_finish(st, q);
	return rc;
}

int store_delivery_next_due(struct store *st, int64_t *when, bool *any, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	*when = 0;
	*any = false;
	if ((rc = db_prepare(st, "SELECT min(next_attempt_at) FROM deliveries", &q, err)))
		return rc;
	switch (sqlite3_step(q)) {
	case SQLITE_ROW:
		*any = sqlite3_column_type(q, 0) != SQLITE_NULL;
		*when = sqlite3_column_int64(q, 0);
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = db_fail(st, err, "next delivery");
		break;
	}
	db_finish(st, q);
	return rc;
}

bool store_inbox_is_dead(struct store *st, const char *inbox)
{
	sqlite3_stmt *q = NULL;
	struct err err = { 0 };
	bool dead = false;
	int step;

	if (!inbox)
		return false;
	if (db_prepare(st, "SELECT 1 FROM dead_inboxes WHERE inbox = ?1", &q, &err))
		goto fail;
	if (db_bind_text(q, 1, inbox))
		goto fail;
	step = sqlite3_step(q);
	if (step == SQLITE_ROW)
		dead = true;
	else if (step != SQLITE_DONE)
		goto fail;
	db_finish(st, q);
	return dead;
fail:
	/* A predicate cannot report: log, and say alive (a wasted POST at worst). */
	log_error("event=dead_inbox_check_failed inbox=%s msg=%s", inbox, sqlite3_errmsg(st->db));
	db_finish(st, q);
	return false;
}

/*
 * The authority ("host" or "host:port", lowercase, no default port) of a URL,
 * or of a bare authority read as https's. NULL when s holds none. Caller frees.
 */
static char *revive_authority(const char *s)
{
	char *url = NULL, *auth = NULL;
	struct url u;

	if (!s || !*s)
		return NULL;
	if (!strstr(s, "://"))
		s = url = xasprintf("https://%s", s);
	if (!url_parse(s, &u, NULL)) {
		auth = xstrdup(u.authority);
		url_release(&u);
	}
	free(url);
	return auth;
}

int store_inbox_revive_host(struct store *st, const char *url_or_authority, struct err *err)
{
	sqlite3_stmt *q = NULL;
	char *want = revive_authority(url_or_authority), *host = NULL;
	char **boxes = NULL;
	size_t n = 0, kept = 0;
	bool in_tx = false;
	int rc;

	if (!want)
		return errorf(err, ERR_INVALID, "no host given");
	/*
	 * Every inbox POST calls this: look first, so that the usual case (no
	 * dead inbox on that host) takes no write lock and writes nothing. The
	 * host column narrows the search; the port is compared here.
	 */
	host = db_host_of(want);
	if ((rc = db_prepare(st, "SELECT inbox FROM dead_inboxes WHERE host = ?1", &q, err)))
		goto out;
	if (db_bind_text(q, 1, host))
		rc = db_fail(st, err, "revive host");
	else
		rc = db_collect_strings(st, q, &boxes, &n, err, "revive host");
	db_finish(st, q);
	q = NULL;
	if (rc)
		goto out;
	for (size_t i = 0; i < n; i++) {
		char *auth = revive_authority(boxes[i]);

		if (auth && str_eq(auth, want))
			boxes[kept++] = boxes[i];
		else
			free(boxes[i]);
		free(auth);
	}
	if (!kept)
		goto out;
	if ((rc = db_begin(st, DB_WRITE, err)))
		goto out;
	in_tx = true;
	if ((rc = db_prepare(st, "DELETE FROM dead_inboxes WHERE inbox = ?1", &q, err)))
		goto out;
	for (size_t i = 0; i < kept && !rc; i++) {
		sqlite3_reset(q);
		if (db_bind_text(q, 1, boxes[i]))
			rc = db_fail(st, err, "revive host");
		else
			rc = db_step_done(st, q, err, "revive host");
	}
	if (!rc)
		rc = db_commit(st, err);
out:
	if (rc && in_tx)
		db_rollback(st);
	db_finish(st, q);
	strings_free(boxes, kept);
	free(want);
	free(host);
	return rc;
}
