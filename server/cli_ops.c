/*
 * The operator's commands: backup and restore of the database, and
 * `deliveries`, which shows where each statement's post went (delivered,
 * retrying, dead), with a progress bar while a fan-out runs.
 */
#include "server/cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/cli_common.h"
#include "store/store.h"
#include "util/mem.h"
#include "util/str.h"
#include "util/utf8.h"

/* Width of the progress bar, in cells. */
#define BAR_CELLS 40
/* Inboxes shown under the bar in --watch on a terminal (the full list is without --watch). */
#define WATCH_ROWS 12
/* An inbox URL in a table is cut to this many characters. */
#define INBOX_CHARS 100
/* --watch redraws this often. */
#define WATCH_INTERVAL_MS 1000

/* ---- backup, restore ---- */

int cli_backup(int argc, char **argv)
{
	struct store *st = NULL;
	struct cli_opts o;
	struct err err;
	int rc = 1;

	if (cli_parse_opts(argc, argv, &o))
		return 1;
	if (!o.to)
		return cli_fail("backup needs --to BACKUPFILE (a new file)");
	if (o.first_arg < argc)
		return cli_fail("backup: unexpected argument '%s'", argv[o.first_arg]);
	if (cli_open_store(o.db, &st))
		return 1;
	if (store_backup(st, o.to, &err)) {
		cli_fail("backup: %s", err.msg);
		goto out;
	}
	printf("backed up %s to %s\n", o.db, o.to);
	rc = 0;
out:
	store_close(st);
	return rc;
}

int cli_restore(int argc, char **argv)
{
	struct cli_opts o;
	struct err err;

	if (cli_parse_opts(argc, argv, &o))
		return 1;
	if (!o.from)
		return cli_fail("restore needs --from BACKUPFILE");
	if (o.first_arg < argc)
		return cli_fail("restore: unexpected argument '%s'", argv[o.first_arg]);
	if (store_restore(o.from, o.db, &err))
		return cli_fail("restore refused, nothing changed: %s", err.msg);
	printf("restored %s from %s\n", o.db, o.from);
	return 0;
}

/* ---- deliveries ---- */

/* "[#####.....]  40/120 inboxes (33%)" */
static void print_bar(const struct delivery_report *r)
{
	int64_t total = r->fanout_total, done = r->fanout_done;
	int filled = total ? (int)(done * BAR_CELLS / total) : BAR_CELLS;

	putchar('[');
	for (int i = 0; i < BAR_CELLS; i++)
		putchar(i < filled ? '#' : '.');
	printf("] %lld/%lld inboxes (%lld%%)\n", (long long)done, (long long)total,
	       (long long)(total ? done * 100 / total : 100));
}

static void print_counts(const char *who, const struct delivery_report *r)
{
	printf("%-24s %6lld delivered %6lld retrying %6lld queued %6lld dead\n", who,
	       (long long)r->delivered, (long long)r->retrying, (long long)r->queued,
	       (long long)r->dead);
}

static void print_when(int64_t t)
{
	char when[TIME_STR_MAX];

	if (t <= 0) {
		printf(" %-20s", "-");
		return;
	}
	time_to_iso((time_t)t, when);
	printf(" %-20s", when);
}

/* The per-inbox table; at most max rows (0: all), the ones not delivered first. */
static void print_table(const struct delivery_report *r, size_t max)
{
	static const char *const order[] = { "dead",   "retrying", "sending",
					     "queued", "dropped",  "delivered" };
	size_t shown = 0;

	printf("%-9s %4s %4s %-20s %-20s %s\n", "STATE", "HTTP", "TRY", "LAST ATTEMPT",
	       "NEXT ATTEMPT", "INBOX");
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		for (size_t i = 0; i < r->n; i++) {
			const struct delivery_status *d = &r->items[i];
			char *inbox;

			if (!str_eq(d->state, order[k]))
				continue;
			if (max && shown == max) {
				printf("... and %zu more (without --watch: all of them)\n",
				       r->n - shown);
				return;
			}
			/* A stranger's URL: no terminal escapes. */
			inbox = utf8_clean_dup(d->inbox, INBOX_CHARS);
			printf("%-9s %4d %4d", d->state, d->status, d->attempts);
			print_when(d->at);
			print_when(d->next_at);
			printf(" %s\n", inbox);
			free(inbox);
			shown++;
		}
	}
}

/* One statement (slug NULL: the instance actor and organisations, id 0). */
static int report_one(struct store *st, int64_t id, const char *who, bool table, size_t max,
		      bool *running)
{
	struct delivery_report r;
	struct err err;

	if (store_delivery_report(st, id, &r, &err))
		return cli_fail("%s", err.msg);
	if (running && r.pending)
		*running = true;
	print_counts(who, &r);
	if (r.fanout_total)
		print_bar(&r);
	if (table && r.n)
		print_table(&r, max);
	delivery_report_release(&r);
	return 0;
}

/* Everything once. *running: something is still queued. */
static int report(struct store *st, const struct statement *only, bool table, size_t max,
		  bool *running)
{
	struct statement **list = NULL;
	struct err err;
	size_t n = 0;
	int rc = 0;

	*running = false;
	if (only)
		return report_one(st, only->id, only->slug, table, max, running);
	if (store_statement_list(st, &list, &n, &err))
		return cli_fail("%s", err.msg);
	for (size_t i = 0; i < n && !rc; i++)
		rc = report_one(st, list[i]->id, list[i]->slug, false, 0, running);
	if (!rc)
		rc = report_one(st, 0, "(instance, organisations)", false, 0, running);
	statements_free(list, n);
	return rc;
}

int cli_deliveries(int argc, char **argv)
{
	struct statement *s = NULL;
	struct store *st = NULL;
	struct cli_opts o;
	struct err err;
	bool tty = isatty(STDOUT_FILENO) == 1, running = false;
	int rc = 1;

	if (cli_parse_opts(argc, argv, &o))
		return 1;
	if (o.first_arg < argc)
		return cli_fail("deliveries: unexpected argument '%s'", argv[o.first_arg]);
	if (cli_open_store(o.db, &st))
		return 1;
	if (o.slug) {
		int got = store_statement_get(st, o.slug, &s, &err);

		if (got == -ERR_NOTFOUND) {
			cli_fail("no statement '%s' (see: undersigned statement list)", o.slug);
			goto out;
		}
		if (got) {
			cli_fail("%s", err.msg);
			goto out;
		}
	}
	if (!o.watch) {
		rc = report(st, s, true, 0, &running);
		goto out;
	}
	/* Until the queue is empty (or Ctrl-C): redrawn on a terminal, plain lines otherwise. */
	for (;;) {
		struct timespec pause = { WATCH_INTERVAL_MS / 1000,
					  (WATCH_INTERVAL_MS % 1000) * 1000000L };
		char now[TIME_STR_MAX];

		time_to_iso(time(NULL), now);
		if (tty)
			printf("\033[H\033[J%s  (Ctrl-C to stop watching; deliveries go on)\n",
			       now);
		else
			printf("%s\n", now);
		if ((rc = report(st, s, tty, WATCH_ROWS, &running)))
			goto out;
		fflush(stdout);
		if (!running)
			break;
		nanosleep(&pause, NULL);
	}
	printf("the queue is empty\n");
	rc = 0;
out:
	statement_free(s);
	store_close(st);
	return rc;
}
