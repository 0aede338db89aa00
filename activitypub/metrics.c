/*
 * The counters of /metrics (C11 atomics: the HTTP threads and the delivery
 * worker count at once) and their Prometheus text, with the store's gauges.
 */
#include "activitypub/metrics.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "store/store.h"
#include "util/mem.h"

#define DELIVER_OUTCOMES 4

struct metrics {
	atomic_uint_fast64_t inbox[INBOX_RESULTS_N];
	atomic_uint_fast64_t delivery[DELIVER_OUTCOMES];
};

static const char *const inbox_labels[INBOX_RESULTS_N] = {
	[INBOX_HANDLED] = "handled",
	[INBOX_IGNORED] = "ignored",
	[INBOX_DUPLICATE] = "duplicate",
	[INBOX_UNKNOWN_DELETE] = "unknown_actor_delete",
	[INBOX_CONTENT_TYPE] = "content_type",
	[INBOX_NO_STATEMENT] = "no_statement",
	[INBOX_BAD_ACTIVITY] = "bad_activity",
	[INBOX_BAD_ACTOR] = "bad_actor",
	[INBOX_BLOCKED] = "blocked",
	[INBOX_SIGNATURE] = "signature",
	[INBOX_KEY_UNAVAILABLE] = "key_unavailable",
	[INBOX_NOT_ACTOR] = "signer_not_actor",
	[INBOX_FORBIDDEN] = "refused_by_handler",
	[INBOX_RETRY] = "retry_later",
	[INBOX_STORAGE] = "storage",
	[INBOX_RATE_LIMITED] = "rate_limited",
};

/* Indexed by enum deliver_outcome. */
static const char *const delivery_labels[DELIVER_OUTCOMES] = {
	[DELIVER_DONE] = "delivered",
	[DELIVER_RETRY] = "retry",
	[DELIVER_DEAD] = "dead",
	[DELIVER_DROP] = "dropped",
};

struct metrics *metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	for (int i = 0; i < INBOX_RESULTS_N; i++)
		atomic_init(&m->inbox[i], 0);
	for (int i = 0; i < DELIVER_OUTCOMES; i++)
		atomic_init(&m->delivery[i], 0);
	return m;
}

void metrics_free(struct metrics *m)
{
	free(m);
}

void metrics_inbox(struct metrics *m, enum inbox_result r)
{
	if (m && r >= 0 && r < INBOX_RESULTS_N)
		atomic_fetch_add_explicit(&m->inbox[r], 1, memory_order_relaxed);
}

void metrics_delivery(struct metrics *m, enum deliver_outcome o)
{
	if (m && (int)o >= 0 && (int)o < DELIVER_OUTCOMES)
		atomic_fetch_add_explicit(&m->delivery[o], 1, memory_order_relaxed);
}

const char *metrics_inbox_label(enum inbox_result r)
{
	return r >= 0 && r < INBOX_RESULTS_N && inbox_labels[r] ? inbox_labels[r] : "other";
}

static uint64_t read_counter(const atomic_uint_fast64_t *c)
{
	return (uint64_t)atomic_load_explicit(c, memory_order_relaxed);
}

/* A label value: backslash, double quote and newline escaped (the exposition format's rule). */
static int add_label_value(struct buf *b, const char *v)
{
	int bad = 0;

	for (const char *p = v; *p; p++) {
		if (*p == '\\')
			bad |= buf_addstr(b, "\\\\");
		else if (*p == '"')
			bad |= buf_addstr(b, "\\\"");
		else if (*p == '\n')
			bad |= buf_addstr(b, "\\n");
		else
			bad |= buf_addch(b, *p);
	}
	return bad;
}

static int add_family(struct buf *b, const char *name, const char *type, const char *help)
{
	return buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int render_counters(const struct metrics *m, struct buf *b)
{
	int bad = 0;

	bad |= add_family(b, "undersigned_inbox_accepted_total", "counter",
			  "Inbox POSTs answered 202 since the start, by what was done.");
	for (int i = 0; i < INBOX_ACCEPTED_N; i++)
		bad |= buf_printf(b, "undersigned_inbox_accepted_total{result=\"%s\"} %llu\n",
				  inbox_labels[i],
				  (unsigned long long)(m ? read_counter(&m->inbox[i]) : 0));
	bad |= add_family(b, "undersigned_inbox_rejected_total", "counter",
			  "Inbox POSTs refused since the start, by reason.");
	for (int i = INBOX_ACCEPTED_N; i < INBOX_RESULTS_N; i++)
		bad |= buf_printf(b, "undersigned_inbox_rejected_total{reason=\"%s\"} %llu\n",
				  inbox_labels[i],
				  (unsigned long long)(m ? read_counter(&m->inbox[i]) : 0));
	bad |= add_family(b, "undersigned_deliveries_total", "counter",
			  "Delivery attempts finished since the start, by outcome.");
	for (int i = 0; i < DELIVER_OUTCOMES; i++)
		bad |= buf_printf(b, "undersigned_deliveries_total{outcome=\"%s\"} %llu\n",
				  delivery_labels[i],
				  (unsigned long long)(m ? read_counter(&m->delivery[i]) : 0));
	return bad;
}

static int render_gauges(const struct store_stats *s, struct buf *b)
{
	int bad = 0;

	bad |= add_family(b, "undersigned_delivery_queue_depth", "gauge",
			  "Deliveries in the queue (due or waiting for a retry).");
	bad |= buf_printf(b, "undersigned_delivery_queue_depth %lld\n", (long long)s->queue_depth);
	bad |= add_family(b, "undersigned_delivery_queue_retrying", "gauge",
			  "Deliveries in the queue that failed at least once.");
	bad |= buf_printf(b, "undersigned_delivery_queue_retrying %lld\n",
			  (long long)s->queue_retrying);
	bad |= add_family(b, "undersigned_dead_inboxes", "gauge",
			  "Inboxes given up on (410 Gone or too many failures).");
	bad |= buf_printf(b, "undersigned_dead_inboxes %lld\n", (long long)s->dead_inboxes);
	bad |= add_family(b, "undersigned_domain_checks_pending", "gauge",
			  "Signers' domain checks asked for and not yet done (or retried later).");
	bad |= buf_printf(b, "undersigned_domain_checks_pending %lld\n",
			  (long long)s->domain_checks);
	bad |= add_family(b, "undersigned_sqlite_memory_bytes", "gauge",
			  "Memory sqlite holds, all connections (page caches up to 2 MiB each, "
			  "schemas).");
	bad |= buf_printf(b, "undersigned_sqlite_memory_bytes %lld\n", (long long)s->sqlite_bytes);
	bad |= add_family(b, "undersigned_signatures", "gauge",
			  "Signatures of each statement, by state.");
	for (size_t i = 0; i < s->n; i++) {
		for (int k = 0; k < STORE_SIG_STATES; k++) {
			bad |= buf_addstr(b, "undersigned_signatures{statement=\"");
			bad |= add_label_value(b, s->rows[i].slug);
			bad |= buf_printf(b, "\",state=\"%s\"} %lld\n", store_sig_states[k],
					  (long long)s->rows[i].signatures[k]);
		}
	}
	bad |= add_family(b, "undersigned_followers", "gauge", "Followers of each statement.");
	for (size_t i = 0; i < s->n; i++) {
		bad |= buf_addstr(b, "undersigned_followers{statement=\"");
		bad |= add_label_value(b, s->rows[i].slug);
		bad |= buf_printf(b, "\"} %lld\n", (long long)s->rows[i].followers);
	}
	return bad;
}

int metrics_render(const struct metrics *m, struct store *st, struct buf *out, struct err *err)
{
	struct store_stats s;
	int rc, bad = 0;

	if ((rc = store_stats_get(st, &s, err)))
		return rc;
	bad |= render_counters(m, out);
	bad |= render_gauges(&s, out);
	store_stats_release(&s);
	if (bad)
		return errorf(err, ERR_TOOBIG, "the metrics pass their size limit");
	return 0;
}
