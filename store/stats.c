/*
 * What operations look at: the delivery log (the last outcome per statement
 * and inbox, written by queue.c in the transaction of each outcome), a
 * statement's delivery report for `undersigned deliveries`, and the counts
 * behind /metrics.
 */
#include "store/db.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/mem.h"
#include "util/str.h"

int db_delivery_log(struct store *st, int64_t id, const char *inbox, const char *outcome,
		    int status, int64_t now, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	/*
	 * The row itself and, when inbox is given, the other queued rows to that
	 * inbox that no worker holds (store_delivery_dead drops those with it).
	 * Only the row itself had an attempt now.
	 */
	if ((rc = db_prepare(
		 st,
		 "INSERT INTO delivery_log (statement_id, inbox, outcome, status, attempts, at)"
		 " SELECT coalesce(b.statement_id, 0), d.inbox, ?3, ?4,"
		 "  d.attempts + (d.id = ?1), ?5"
		 " FROM deliveries d JOIN delivery_bodies b ON b.id = d.body_id"
		 " WHERE d.id = ?1 OR (?2 IS NOT NULL AND d.inbox = ?2"
		 "  AND (d.lease_until IS NULL OR d.lease_until <= ?5))"
		 " ON CONFLICT (statement_id, inbox) DO UPDATE SET outcome = excluded.outcome,"
		 "  status = excluded.status, attempts = excluded.attempts, at = excluded.at",
		 &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, id) || db_bind_text(q, 2, inbox) ||
	    db_bind_text(q, 3, outcome) || sqlite3_bind_int(q, 4, status) ||
	    sqlite3_bind_int64(q, 5, now))
		rc = db_fail(st, err, "log delivery");
	else
		rc = db_step_done(st, q, err, "log delivery");
	db_finish(st, q);
	return rc;
}

/* ---- a statement's delivery report ---- */

void delivery_report_release(struct delivery_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->items[i].inbox);
	free(r->items);
	memset(r, 0, sizeof(*r));
}

static struct delivery_status *report_add(struct delivery_report *r, size_t *cap)
{
	if (r->n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		r->items = xrealloc(r->items, *cap * sizeof(*r->items));
	}
	memset(&r->items[r->n], 0, sizeof(r->items[0]));
	return &r->items[r->n++];
}

static int status_cmp(const void *a, const void *b)
{
	const struct delivery_status *x = a, *y = b;

	return strcmp(x->inbox, y->inbox);
}

/* The queued rows of the statement, one item per inbox; the oldest queued time in *since. */
static int report_queued(struct store *st, int64_t statement_id, struct delivery_report *r,
			 size_t *cap, int64_t *since, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	*since = 0;
	if ((rc = db_prepare(st,
			     "SELECT d.inbox, max(d.attempts), min(d.next_attempt_at),"
			     " max(d.last_status), count(*), min(d.created),"
			     " max(coalesce(d.lease_until, 0) > ?2)"
			     " FROM deliveries d JOIN delivery_bodies b ON b.id = d.body_id"
			     " WHERE coalesce(b.statement_id, 0) = ?1 GROUP BY d.inbox",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id) ||
	    sqlite3_bind_int64(q, 2, (int64_t)time(NULL))) {
		rc = db_fail(st, err, "delivery report");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct delivery_status *d = report_add(r, cap);
		int64_t created = sqlite3_column_int64(q, 5);

		d->inbox = db_column_dup(q, 0);
		d->attempts = sqlite3_column_int(q, 1);
		d->next_at = sqlite3_column_int64(q, 2);
		d->status = sqlite3_column_int(q, 3);
		/* Leased: a worker is sending it now (next attempt: when the lease ends). */
		d->state = sqlite3_column_int(q, 6) ? "sending"
			   : d->attempts > 0	    ? "retrying"
						    : "queued";
		r->pending += sqlite3_column_int64(q, 4);
		if (!*since || created < *since)
			*since = created;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(st, err, "delivery report");
out:
	db_finish(st, q);
	return rc;
}

/* The log's rows of the statement, for inboxes with nothing queued; counts the fan-out's. */
static int report_logged(struct store *st, int64_t statement_id, int64_t since,
			 struct delivery_report *r, size_t *cap, size_t n_queued, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc, step;

	if ((rc = db_prepare(st,
			     "SELECT inbox, outcome, status, attempts, at FROM delivery_log"
			     " WHERE statement_id = ?1 ORDER BY inbox",
			     &q, err)))
		return rc;
	if (sqlite3_bind_int64(q, 1, statement_id)) {
		rc = db_fail(st, err, "delivery report");
		goto out;
	}
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		const char *inbox = (const char *)sqlite3_column_text(q, 0);
		const char *outcome = (const char *)sqlite3_column_text(q, 1);
		int64_t at = sqlite3_column_int64(q, 4);
		struct delivery_status key = { .inbox = (char *)inbox }, *queued, *d;

		if (!inbox || !outcome)
			continue;
		queued = n_queued ? bsearch(&key, r->items, n_queued, sizeof(*r->items), status_cmp)
				  : NULL;
		if (queued) {
			/* Queued for a later activity: that is its state; keep its last attempt. */
			queued->at = at;
			continue;
		}
		d = report_add(r, cap);
		d->inbox = xstrdup(inbox);
		d->status = sqlite3_column_int(q, 2);
		d->attempts = sqlite3_column_int(q, 3);
		d->at = at;
		d->state = str_eq(outcome, "delivered") ? "delivered"
			   : str_eq(outcome, "dead")	? "dead"
			   : str_eq(outcome, "dropped") ? "dropped"
							: "retrying";
		if (since && at >= since && !str_eq(d->state, "retrying"))
			r->fanout_done++;
	}
	if (step != SQLITE_DONE)
		rc = db_fail(st, err, "delivery report");
out:
	db_finish(st, q);
	return rc;
}

int store_delivery_report(struct store *st, int64_t statement_id, struct delivery_report *out,
			  struct err *err)
{
	size_t cap = 0, n_queued;
	int64_t since = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_begin(st, DB_READ, err)))
		return rc;
	if ((rc = report_queued(st, statement_id, out, &cap, &since, err)))
		goto out;
	n_queued = out->n;
	/* bsearch in report_logged needs the queued items in inbox order. */
	if (n_queued)
		qsort(out->items, n_queued, sizeof(*out->items), status_cmp);
	if ((rc = report_logged(st, statement_id, since, out, &cap, n_queued, err)))
		goto out;
	rc = db_commit(st, err);
out:
	if (rc) {
		db_rollback(st);
		delivery_report_release(out);
		return rc;
	}
	out->fanout_total = out->fanout_done + (int64_t)n_queued;
	if (out->n)
		qsort(out->items, out->n, sizeof(*out->items), status_cmp);
	for (size_t i = 0; i < out->n; i++) {
		const char *s = out->items[i].state;

		if (str_eq(s, "delivered"))
			out->delivered++;
		else if (str_eq(s, "dead"))
			out->dead++;
		else if (str_eq(s, "retrying"))
			out->retrying++;
		else if (str_eq(s, "queued") || str_eq(s, "sending"))
			out->queued++;
	}
	return 0;
}

/* ---- counts for /metrics ---- */

void store_stats_release(struct store_stats *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->rows[i].slug);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

static int count_one(struct store *st, const char *sql, int64_t *out, struct err *err)
{
	sqlite3_stmt *q = NULL;
	int rc;

	if ((rc = db_prepare(st, sql, &q, err)))
		return rc;
	rc = db_step_int64(st, q, out, NULL, err, "count");
	db_finish(st, q);
	return rc;
}

/*
 * One row per statement: its signatures by state and its followers. The
 * states are columns, so a statement with none still has a row of zeros.
 */
static int count_statements(struct store *st, struct store_stats *s, struct err *err)
{
	sqlite3_stmt *q = NULL;
	size_t cap = 0;
	int rc, step;

	if ((rc = db_prepare(st,
			     "SELECT s.slug,"
			     " (SELECT count(*) FROM signatories g WHERE g.statement_id = s.id"
			     "   AND g.state = 'pending'),"
			     " (SELECT count(*) FROM signatories g WHERE g.statement_id = s.id"
			     "   AND g.state = 'approved'),"
			     " (SELECT count(*) FROM signatories g WHERE g.statement_id = s.id"
			     "   AND g.state = 'rejected'),"
			     " (SELECT count(*) FROM signatories g WHERE g.statement_id = s.id"
			     "   AND g.state = 'withdrawn'),"
			     " (SELECT count(*) FROM followers f WHERE f.statement_id = s.id)"
			     " FROM statements s ORDER BY s.slug",
			     &q, err)))
		return rc;
	while ((step = sqlite3_step(q)) == SQLITE_ROW) {
		struct store_stat_row *r;

		if (s->n == cap) {
			cap = cap ? cap * 2 : 8;
			s->rows = xrealloc(s->rows, cap * sizeof(*s->rows));
		}
		r = &s->rows[s->n++];
		r->slug = db_column_dup(q, 0);
		if (!r->slug)
			r->slug = xstrdup("");
		for (int k = 0; k < STORE_SIG_STATES; k++)
			r->signatures[k] = sqlite3_column_int64(q, 1 + k);
		r->followers = sqlite3_column_int64(q, 1 + STORE_SIG_STATES);
	}
	if (step != SQLITE_DONE)
		rc = db_fail(st, err, "count signatures");
	db_finish(st, q);
	return rc;
}

const char *const store_sig_states[STORE_SIG_STATES] = { "pending", "approved", "rejected",
							 "withdrawn" };

int store_stats_get(struct store *st, struct store_stats *out, struct err *err)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = db_begin(st, DB_READ, err)))
		return rc;
	if ((rc = count_one(st, "SELECT count(*) FROM deliveries", &out->queue_depth, err)) ||
	    (rc = count_one(st, "SELECT count(*) FROM deliveries WHERE attempts > 0",
			    &out->queue_retrying, err)) ||
	    (rc = count_one(st, "SELECT count(*) FROM dead_inboxes", &out->dead_inboxes, err)) ||
	    (rc = count_one(st, "SELECT count(*) FROM domain_checks", &out->domain_checks, err)) ||
	    (rc = count_statements(st, out, err)))
		goto out;
	rc = db_commit(st, err);
	{
		sqlite3_int64 now = 0, peak = 0;

		/* Process-wide: sqlite counts its allocations unless built without memstatus. */
		if (sqlite3_status64(SQLITE_STATUS_MEMORY_USED, &now, &peak, 0) == SQLITE_OK)
			out->sqlite_bytes = now;
	}
out:
	if (rc) {
		db_rollback(st);
		store_stats_release(out);
	}
	return rc;
}
