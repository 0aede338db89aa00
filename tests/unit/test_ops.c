/*
 * Unit tests of the operations code on real temporary stores: structured
 * log lines (quoting, escaping), backup and restore (what is refused leaves
 * the target byte for byte as it was), the delivery log and report, the
 * metrics text, the shared approve/reject, and the admin page's gate, forms
 * and escaping.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "activitypub/ctx.h"
#include "activitypub/metrics.h"
#include "activitypub/reply.h"
#include "activitypub/request.h"
#include "server/admin.h"
#include "server/moderate.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/str.h"

#include "tests/unit/fixture.h"

/* A whole file's bytes (NULL when missing); *len its size. Caller frees. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[4096];
	size_t n;

	*len = 0;
	if (!f)
		return NULL;
	buf_init(&b, 64 * 1024 * 1024);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		assert_int_equal(buf_add(&b, chunk, n), 0);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* A statement "s" with n pending signatures of actors https://org<i>.example/actor. */
static int64_t add_statement(struct store *st, const char *slug, int pending)
{
	struct statement s = { 0 };
	struct err err;

	s.slug = (char *)slug;
	s.title = (char *)"A <b>statement</b>";
	s.lang = (char *)"en";
	s.dateline = (char *)"";
	s.summary = (char *)"";
	s.content_html = (char *)"<p>text</p>";
	s.policy = (char *)"review";
	s.published = s.updated = 1700000000;
	s.public_pem = (char *)"PUBLIC";
	s.private_pem = (char *)"PRIVATE";
	assert_int_equal(store_statement_add(st, &s, &err), 0);
	for (int i = 0; i < pending; i++) {
		struct signatory g = { 0 };
		char *actor = xasprintf("https://org%d.example/actor", i);
		char *act = xasprintf("https://org%d.example/follow/1", i);
		bool created;

		g.name = (char *)(i == 0 ? "<script>alert(1)</script> Org" : "Org");
		g.actor_id = actor;
		g.handle = (char *)"@org@org.example";
		g.url = (char *)"https://org.example/@org";
		g.how = (char *)"follow";
		g.state = (char *)"pending";
		g.signed_at = 1700000100 + i;
		g.activity_id = act;
		g.actor_type = (char *)"Organization";
		assert_int_equal(store_signatory_add_verified(st, s.id, &g, "{\"proof\":true}",
							      NULL, &created, &err),
				 0);
		free(actor);
		free(act);
	}
	return s.id;
}

/* ---- log lines ---- */

static void log_lines_quote_values(void **state)
{
	char line[LOG_LINE_MAX];

	(void)state;
	log_format(line, sizeof(line), "event=x a=%s b=%d c=%s d=%.3s e=%lld f=%.1f", "plain", 42,
		   "two words", "abcdef", (long long)-7, 1.25);
	assert_string_equal(line, "event=x a=plain b=42 c=\"two words\" d=abc e=-7 f=1.2");
	/* Quotes, backslashes, '=' and control characters inside a value. */
	log_format(line, sizeof(line), "event=y msg=%s", "say \"hi\"\\ a=b\nnext\tline\x01");
	assert_string_equal(line, "event=y msg=\"say \\\"hi\\\"\\\\ a=b\\nnext\\tline\\x01\"");
	/* An empty value is ""; text outside values keeps its spaces. */
	log_format(line, sizeof(line), "event=z empty=%s (%s here)", "", "not a value");
	assert_string_equal(line, "event=z empty=\"\" (not a value here)");
	/* A newline anywhere cannot start a line of its own. */
	log_format(line, sizeof(line), "event=w %s", "x\ny");
	assert_null(strchr(line, '\n'));
	/* %zu, %%, width and precision from arguments. */
	log_format(line, sizeof(line), "n=%zu pct=%d%% w=[%*d] p=%.*s", (size_t)3, 50, 4, 7, 2,
		   "xyz");
	assert_string_equal(line, "n=3 pct=50% w=[   7] p=xy");
	/* A long line is cut, still NUL-terminated. */
	{
		char small[16];

		log_format(small, sizeof(small), "event=%s", "a-very-long-value-indeed");
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

/* ---- backup and restore ---- */

static void backup_copies_and_refuses_existing(void **state)
{
	char *db = fixture_path("live"), *to = fixture_path("backup");
	struct store *st = NULL, *bk = NULL;
	struct statement *s = NULL;
	struct err err;
	int64_t n = 0;

	(void)state;
	assert_int_equal(store_open(db, &st, &err), 0);
	add_statement(st, "s", 2);
	assert_int_equal(store_backup(st, to, &err), 0);
	/* A self-contained file: no -wal beside it. */
	{
		char *wal = xasprintf("%s-wal", to);

		assert_int_equal(access(wal, F_OK), -1);
		free(wal);
	}
	assert_int_equal(store_backup(st, to, &err), -ERR_EXISTS);
	assert_non_null(strstr(err.msg, "exists already"));
	store_close(st);
	assert_int_equal(store_open(to, &bk, &err), 0);
	assert_int_equal(store_statement_get(bk, "s", &s, &err), 0);
	assert_int_equal(store_signatory_count(bk, s->id, "pending", &n, &err), 0);
	assert_int_equal(n, 2);
	statement_free(s);
	store_close(bk);
	free(db);
	free(to);
}

/* Restore from `from` onto db must fail with code, leaving db's bytes as they were. */
static void assert_restore_refused(const char *from, const char *db, int code, const char *words)
{
	size_t before_len, after_len;
	char *before = slurp(db, &before_len), *after;
	struct err err;

	assert_int_equal(store_restore(from, db, &err), code);
	assert_non_null(strstr(err.msg, words));
	after = slurp(db, &after_len);
	assert_int_equal(before_len, after_len);
	if (before_len)
		assert_memory_equal(before, after, before_len);
	free(before);
	free(after);
}

static void restore_refuses_what_is_not_ours(void **state)
{
	char *db = fixture_path("target"), *text = fixture_path("text"), *empty = fixture_path("empty");
	char *missing = fixture_path("missing");
	struct store *st = NULL;
	struct err err;

	(void)state;
	assert_int_equal(store_open(db, &st, &err), 0);
	add_statement(st, "kept", 1);
	store_close(st);
	write_file(text, "this is not a database, just text\n");
	/* An empty file is an empty sqlite database: ours to create, but no backup. */
	write_file(empty, "");
	assert_restore_refused(text, db, -ERR_INVALID, "not a sqlite database");
	assert_restore_refused(empty, db, -ERR_INVALID, "not a backup");
	assert_restore_refused(missing, db, -ERR_NOTFOUND, "No such file");
	assert_restore_refused(fixture_dir, db, -ERR_INVALID, "not a regular file");
	/* Nothing was created for a target that did not exist either. */
	{
		char *absent = fixture_path("absent");

		assert_int_equal(store_restore(text, absent, &err), -ERR_INVALID);
		assert_int_equal(access(absent, F_OK), -1);
		free(absent);
	}
	free(db);
	free(text);
	free(empty);
	free(missing);
}

static void restore_refuses_a_db_in_use_and_replaces_otherwise(void **state)
{
	char *db = fixture_path("served"), *bk = fixture_path("bk");
	struct store *st = NULL;
	struct statement *s = NULL;
	struct err err;
	int lock = -1;

	(void)state;
	assert_int_equal(store_open(db, &st, &err), 0);
	add_statement(st, "old", 0);
	assert_int_equal(store_backup(st, bk, &err), 0);
	/* After the backup: a statement the restore will take away. */
	add_statement(st, "newer", 0);
	store_close(st);

	assert_int_equal(store_server_lock(db, &lock, &err), 0);
	assert_restore_refused(bk, db, -ERR_RETRY, "in use by a running server");
	store_server_unlock(lock);

	assert_int_equal(store_restore(bk, db, &err), 0);
	assert_int_equal(store_open(db, &st, &err), 0);
	assert_int_equal(store_statement_get(st, "old", &s, &err), 0);
	statement_free(s);
	s = NULL;
	assert_int_equal(store_statement_get(st, "newer", &s, &err), -ERR_NOTFOUND);
	store_close(st);
	/* A backup of ours never replaces a file that is not a database of ours. */
	{
		char *other = fixture_path("other");

		write_file(other, "notes of another program\n");
		assert_restore_refused(bk, other, -ERR_INVALID, "not a sqlite database");
		free(other);
	}
	free(db);
	free(bk);
}

/* ---- delivery log, report, metrics ---- */

/*
 * Claim every due row, as a worker would, each call a day later than the
 * last (every earlier lease has run out by then); ids[i] is the row of
 * inboxes[i] (0 when none was due).
 */
static void claim_all(struct store *st, char **inboxes, size_t n_inboxes, int64_t *ids)
{
	static int64_t later;
	struct delivery *list = NULL;
	struct err err;
	size_t n = 0;

	later += 86400;
	assert_int_equal(
	    store_delivery_claim(st, (int64_t)time(NULL) + later, 60, 100, &list, &n, &err), 0);
	for (size_t k = 0; k < n_inboxes; k++) {
		ids[k] = 0;
		for (size_t i = 0; i < n; i++)
			if (str_eq(list[i].inbox, inboxes[k]))
				ids[k] = list[i].id;
	}
	deliveries_free(list, n);
}

static void delivery_report_states(void **state)
{
	char *db = fixture_path("deliveries");
	char *inboxes[] = { "https://a.example/inbox", "https://b.example/inbox",
			    "https://c.example/inbox", "https://d.example/inbox" };
	struct delivery_report r;
	struct store *st = NULL;
	struct err err;
	int64_t sid, ids[4];

	(void)state;
	assert_int_equal(store_open(db, &st, &err), 0);
	sid = add_statement(st, "s", 0);
	/* Nothing sent yet: an empty report. */
	assert_int_equal(store_delivery_report(st, sid, &r, &err), 0);
	assert_int_equal(r.n, 0);
	assert_int_equal(r.fanout_total, 0);
	delivery_report_release(&r);
	assert_int_equal(store_delivery_add(st, sid, "{\"type\":\"Update\"}", inboxes, 4, &err), 0);

	/* Everything queued: a fan-out of 4 with nothing done yet. */
	assert_int_equal(store_delivery_report(st, sid, &r, &err), 0);
	assert_int_equal(r.n, 4);
	assert_int_equal(r.queued, 4);
	assert_int_equal(r.fanout_total, 4);
	assert_int_equal(r.fanout_done, 0);
	delivery_report_release(&r);

	claim_all(st, inboxes, 4, ids);
	assert_int_equal(store_delivery_done(st, ids[0], 202, &err), 0);
	assert_int_equal(store_delivery_retry(st, ids[1], 503, (int64_t)time(NULL) + 600, &err), 0);
	assert_int_equal(store_delivery_dead(st, ids[2], 410, &err), 0);
	/* ids[3] stays claimed: a worker is sending it. */

	assert_int_equal(store_delivery_report(st, sid, &r, &err), 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.items[0].inbox, inboxes[0]);
	assert_string_equal(r.items[0].state, "delivered");
	assert_int_equal(r.items[0].status, 202);
	assert_string_equal(r.items[1].state, "retrying");
	assert_int_equal(r.items[1].status, 503);
	assert_int_equal(r.items[1].attempts, 1);
	assert_true(r.items[1].next_at > (int64_t)time(NULL));
	assert_string_equal(r.items[2].state, "dead");
	assert_int_equal(r.items[2].status, 410);
	assert_string_equal(r.items[3].state, "sending");
	assert_int_equal(r.delivered, 1);
	assert_int_equal(r.retrying, 1);
	assert_int_equal(r.dead, 1);
	assert_int_equal(r.queued, 1);
	/* Two inboxes done (delivered, dead) of four. */
	assert_int_equal(r.fanout_done, 2);
	assert_int_equal(r.fanout_total, 4);
	delivery_report_release(&r);

	/* The rest delivered: the queue is empty, the log keeps the outcomes. */
	claim_all(st, inboxes, 4, ids);
	assert_int_equal(store_delivery_done(st, ids[1], 200, &err), 0);
	assert_int_equal(store_delivery_done(st, ids[3], 202, &err), 0);
	assert_int_equal(store_delivery_report(st, sid, &r, &err), 0);
	assert_int_equal(r.delivered, 3);
	assert_int_equal(r.dead, 1);
	assert_int_equal(r.pending, 0);
	assert_int_equal(r.fanout_total, 0);
	assert_string_equal(r.items[1].state, "delivered");
	assert_int_equal(r.items[1].attempts, 2);
	delivery_report_release(&r);
	store_close(st);
	free(db);
}

static void metrics_text(void **state)
{
	char *db = fixture_path("metrics");
	char *inboxes[] = { "https://a.example/inbox", "https://b.example/inbox" };
	struct metrics *m = metrics_new();
	struct store *st = NULL;
	struct err err;
	struct buf b;
	int64_t sid;

	(void)state;
	assert_int_equal(store_open(db, &st, &err), 0);
	sid = add_statement(st, "hov", 3);
	assert_int_equal(store_delivery_add(st, sid, "{}", inboxes, 2, &err), 0);
	{
		int64_t ids[2];

		claim_all(st, inboxes, 2, ids);
		assert_int_equal(store_delivery_dead(st, ids[0], 410, &err), 0);
	}
	metrics_inbox(m, INBOX_HANDLED);
	metrics_inbox(m, INBOX_HANDLED);
	metrics_inbox(m, INBOX_SIGNATURE);
	metrics_delivery(m, DELIVER_DONE);
	metrics_delivery(m, DELIVER_DEAD);
	metrics_inbox(NULL, INBOX_HANDLED); /* counts nothing, and does not crash */

	buf_init(&b, 1024 * 1024);
	assert_int_equal(metrics_render(m, st, &b, &err), 0);
	assert_non_null(strstr(buf_str(&b), "# TYPE undersigned_inbox_accepted_total counter\n"));
	assert_non_null(
	    strstr(buf_str(&b), "undersigned_inbox_accepted_total{result=\"handled\"} 2\n"));
	assert_non_null(
	    strstr(buf_str(&b), "undersigned_inbox_rejected_total{reason=\"signature\"} 1\n"));
	assert_non_null(
	    strstr(buf_str(&b), "undersigned_inbox_rejected_total{reason=\"blocked\"} 0\n"));
	assert_non_null(
	    strstr(buf_str(&b), "undersigned_deliveries_total{outcome=\"delivered\"} 1\n"));
	assert_non_null(strstr(buf_str(&b), "undersigned_deliveries_total{outcome=\"dead\"} 1\n"));
	assert_non_null(strstr(buf_str(&b), "undersigned_delivery_queue_depth 1\n"));
	assert_non_null(strstr(buf_str(&b), "undersigned_dead_inboxes 1\n"));
	/* The three signers' domain checks, asked for with their signatures. */
	assert_non_null(strstr(buf_str(&b), "undersigned_domain_checks_pending 3\n"));
	{
		/* The connection open here holds memory: its schema and pages at least. */
		const char *line = strstr(buf_str(&b), "\nundersigned_sqlite_memory_bytes ");
		long long bytes = 0;

		assert_non_null(line);
		assert_int_equal(sscanf(line, "\nundersigned_sqlite_memory_bytes %lld", &bytes), 1);
		assert_true(bytes > 10000);
	}
	assert_non_null(
	    strstr(buf_str(&b), "undersigned_signatures{statement=\"hov\",state=\"pending\"} 3\n"));
	assert_non_null(strstr(buf_str(&b),
			       "undersigned_signatures{statement=\"hov\",state=\"approved\"} 0\n"));
	assert_non_null(strstr(buf_str(&b), "undersigned_followers{statement=\"hov\"} 0\n"));
	/* Every line is a comment or "name{labels} value". */
	for (const char *p = buf_str(&b); *p;) {
		const char *nl = strchr(p, '\n');

		assert_non_null(nl);
		assert_true(*p == '#' || (*p >= 'a' && *p <= 'z'));
		p = nl + 1;
	}
	buf_release(&b);
	metrics_free(m);
	store_close(st);
	free(db);
}

/* ---- approve / reject ---- */

static void moderate_like_the_cli(void **state)
{
	char *db = fixture_path("moderate");
	struct signatory *list = NULL;
	struct statement *s = NULL;
	struct store *st = NULL;
	struct err err;
	size_t n = 0;
	bool changed, approved_changed = false;
	int64_t due = 0, gen0 = 0, gen1 = 0;

	(void)state;
	assert_int_equal(store_open(db, &st, &err), 0);
	add_statement(st, "s", 2);
	assert_int_equal(store_statement_get(st, "s", &s, &err), 0);
	assert_int_equal(store_signatory_list(st, s->id, NULL, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 2);

	assert_int_equal(moderate_check(&list[0], "deleted", &err), -ERR_INVALID);
	assert_int_equal(moderate_set(st, &list[0], "approved", &changed, &approved_changed, &err),
			 0);
	assert_true(changed);
	assert_true(approved_changed);
	assert_string_equal(list[0].state, "approved");
	/* Again: nothing to do. */
	approved_changed = false;
	assert_int_equal(moderate_set(st, &list[0], "approved", &changed, &approved_changed, &err),
			 0);
	assert_false(changed);
	assert_false(approved_changed);
	/* Pending to rejected does not change the approved list. */
	assert_int_equal(moderate_set(st, &list[1], "rejected", &changed, &approved_changed, &err),
			 0);
	assert_true(changed);
	assert_false(approved_changed);
	/* The edit of the post is scheduled after the batch window serve recorded. */
	assert_int_equal(store_setting_set(st, "update_interval", "120", &err), 0);
	assert_int_equal(store_statement_update_gen(st, s->id, &gen0, &err), 0);
	assert_int_equal(moderate_schedule_edit(st, s, &due, &err), 0);
	assert_int_equal(store_statement_update_gen(st, s->id, &gen1, &err), 0);
	assert_int_equal(gen1, gen0 + 1);
	assert_true(due >= (int64_t)time(NULL) + 119 && due <= (int64_t)time(NULL) + 121);
	/* A withdrawn signature cannot be approved again. */
	assert_int_equal(store_signatory_set_state(st, list[1].id, "withdrawn", &err), 0);
	free(list[1].state);
	list[1].state = xstrdup("withdrawn");
	assert_int_equal(moderate_set(st, &list[1], "approved", &changed, NULL, &err),
			 -ERR_FORBIDDEN);
	assert_non_null(strstr(err.msg, "withdrawn"));
	signatories_free(list, n);
	statement_free(s);
	store_close(st);
	free(db);
}

/* ---- the admin page ---- */

struct admin_fixture {
	struct config cfg;
	struct ctx ctx;
	char *db;
	int64_t sid;
	int64_t first_id;
};

static void admin_setup(struct admin_fixture *f, const char *token)
{
	struct signatory *list = NULL;
	struct err err;
	size_t n = 0;

	memset(f, 0, sizeof(*f));
	f->cfg.base_url = "https://statements.example.org";
	f->cfg.authority = "statements.example.org";
	f->cfg.admin_token = token;
	f->cfg.admin_csrf = "c5rf-t0ken-of-this-process";
	f->ctx.cfg = &f->cfg;
	f->db = fixture_path("admin");
	assert_int_equal(store_open(f->db, &f->ctx.store, &err), 0);
	f->sid = add_statement(f->ctx.store, "hov", 2);
	assert_int_equal(store_signatory_list(f->ctx.store, f->sid, NULL, 0, 0, &list, &n, &err),
			 0);
	f->first_id = list[0].id;
	signatories_free(list, n);
}

static void admin_teardown(struct admin_fixture *f)
{
	store_close(f->ctx.store);
	free(f->db);
}

static void ask(struct admin_fixture *f, const char *method, const char *path, const char *ip,
		const struct http_header *headers, size_t n_headers, const char *body,
		struct reply *out)
{
	struct request req = {
		.method = method,
		.target = path,
		.path = path,
		.query = "",
		.headers = headers,
		.n_headers = n_headers,
		.body = body,
		.body_len = body ? strlen(body) : 0,
		.remote_ip = ip,
	};
	const char *q = strchr(path, '?');
	char *p = q ? xstrndup(path, (size_t)(q - path)) : NULL;

	if (q) {
		req.path = p;
		req.query = q + 1;
	}
	reply_init(out);
	if (str_eq(req.path, "/metrics"))
		admin_metrics(&f->ctx, &req, out);
	else
		admin_handle(&f->ctx, &req, out);
	free(p);
}

static const char *state_of(struct admin_fixture *f, int64_t id)
{
	static char state[16];
	struct signatory *list = NULL;
	struct err err;
	size_t n = 0;

	state[0] = '\0';
	assert_int_equal(store_signatory_list(f->ctx.store, f->sid, NULL, 0, 0, &list, &n, &err),
			 0);
	for (size_t i = 0; i < n; i++)
		if (list[i].id == id)
			snprintf(state, sizeof(state), "%s", list[i].state);
	signatories_free(list, n);
	return state;
}

static void admin_local_only_without_token(void **state)
{
	static const struct http_header local[] = { { "Host", "127.0.0.1:8080" } };
	static const struct http_header proxied[] = { { "Host", "statements.example.org" },
						      { "X-Forwarded-For", "203.0.113.9" } };
	static const struct http_header rebound[] = { { "Host", "evil.example:8080" } };
	struct admin_fixture f;
	struct reply r;

	(void)state;
	admin_setup(&f, NULL);
	ask(&f, "GET", "/admin", "127.0.0.1", local, 1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_true(r.private_page);
	/* Escaped: the stranger's name never becomes markup. */
	assert_null(strstr(r.body, "<script>"));
	assert_non_null(strstr(r.body, "&lt;script&gt;alert(1)&lt;/script&gt; Org"));
	assert_non_null(strstr(r.body, "A &lt;b&gt;statement&lt;/b&gt;"));
	assert_non_null(strstr(r.body, "name=\"csrf\" value=\"c5rf-t0ken-of-this-process\""));
	assert_non_null(strstr(r.body, "value=\"approve\""));
	assert_non_null(strstr(r.body, "href=\"/admin/proof/"));
	assert_non_null(strstr(r.body, "Organization"));
	assert_non_null(strstr(r.body, "2 pending in all"));
	reply_release(&r);

	ask(&f, "GET", "/admin", "::1", local, 1, NULL, &r);
	assert_int_equal(r.status, 200);
	reply_release(&r);
	/* Another address, even on loopback, is not local; nor is a proxied request. */
	ask(&f, "GET", "/admin", "127.0.0.2", local, 1, NULL, &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "loopback"));
	reply_release(&r);
	ask(&f, "GET", "/metrics", "127.0.0.1", proxied, 2, NULL, &r);
	assert_int_equal(r.status, 403);
	reply_release(&r);
	ask(&f, "GET", "/metrics", "198.51.100.7", local, 1, NULL, &r);
	assert_int_equal(r.status, 403);
	reply_release(&r);
	/* A DNS-rebinding page: loopback peer, a Host that is not ours. */
	ask(&f, "GET", "/admin", "127.0.0.1", rebound, 1, NULL, &r);
	assert_int_equal(r.status, 403);
	reply_release(&r);
	ask(&f, "GET", "/metrics", "127.0.0.1", local, 1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(
	    strstr(r.body, "undersigned_signatures{statement=\"hov\",state=\"pending\"} 2"));
	reply_release(&r);
	admin_teardown(&f);
}

static void admin_token(void **state)
{
	static const struct http_header none[] = { { "Host", "statements.example.org" } };
	static const struct http_header bearer[] = { { "Host", "statements.example.org" },
						     { "Authorization",
						       "Bearer 0123456789abcdef0123" } };
	static const struct http_header wrong[] = { { "Host", "statements.example.org" },
						    { "Authorization",
						      "Bearer 0123456789abcdef0124" } };
	/* "coordinator:0123456789abcdef0123" */
	static const struct http_header basic[] = {
		{ "Host", "statements.example.org" },
		{ "Authorization", "Basic Y29vcmRpbmF0b3I6MDEyMzQ1Njc4OWFiY2RlZjAxMjM=" }
	};
	struct admin_fixture f;
	struct reply r;

	(void)state;
	admin_setup(&f, "0123456789abcdef0123");
	ask(&f, "GET", "/admin", "203.0.113.9", none, 1, NULL, &r);
	assert_int_equal(r.status, 401);
	assert_non_null(r.www_authenticate);
	reply_release(&r);
	ask(&f, "GET", "/admin", "203.0.113.9", wrong, 2, NULL, &r);
	assert_int_equal(r.status, 403);
	reply_release(&r);
	ask(&f, "GET", "/admin", "203.0.113.9", bearer, 2, NULL, &r);
	assert_int_equal(r.status, 200);
	reply_release(&r);
	ask(&f, "GET", "/metrics", "203.0.113.9", basic, 2, NULL, &r);
	assert_int_equal(r.status, 200);
	reply_release(&r);
	admin_teardown(&f);
}

static void admin_decisions(void **state)
{
	static const struct http_header form[] = {
		{ "Host", "127.0.0.1:8080" },
		{ "Content-Type", "application/x-www-form-urlencoded" },
	};
	static const struct http_header cross[] = {
		{ "Host", "127.0.0.1:8080" },
		{ "Content-Type", "application/x-www-form-urlencoded" },
		{ "Sec-Fetch-Site", "cross-site" },
	};
	struct admin_fixture f;
	struct reply r;
	char *path, *good, *stale, *proof;

	(void)state;
	admin_setup(&f, NULL);
	path = xasprintf("/admin/signatures/%lld", (long long)f.first_id);
	good = xasprintf("csrf=c5rf-t0ken-of-this-process&statement=hov&action=approve");
	stale = xasprintf("csrf=another&statement=hov&action=approve");

	/* Refused, nothing changed: no CSRF token, a stale one, another site, outside loopback. */
	ask(&f, "POST", path, "127.0.0.1", form, 2, "statement=hov&action=approve", &r);
	assert_int_equal(r.status, 403);
	reply_release(&r);
	ask(&f, "POST", path, "127.0.0.1", form, 2, stale, &r);
	assert_int_equal(r.status, 403);
	assert_non_null(strstr(r.body, "CSRF"));
	reply_release(&r);
	ask(&f, "POST", path, "127.0.0.1", cross, 3, good, &r);
	assert_int_equal(r.status, 403);
	reply_release(&r);
	ask(&f, "POST", path, "127.0.0.2", form, 2, good, &r);
	assert_int_equal(r.status, 403);
	reply_release(&r);
	assert_string_equal(state_of(&f, f.first_id), "pending");

	/* The form as the page makes it: approved, the edit scheduled, 303 back to the page. */
	ask(&f, "POST", path, "127.0.0.1", form, 2, good, &r);
	assert_int_equal(r.status, 303);
	assert_non_null(r.location);
	assert_true(str_starts(r.location, "/admin?done="));
	reply_release(&r);
	assert_string_equal(state_of(&f, f.first_id), "approved");
	{
		int64_t *ids = NULL;
		size_t n = 0;
		struct err err;

		assert_int_equal(store_statement_updates_due(
				     f.ctx.store, (int64_t)time(NULL) + 100000, &ids, &n, &err),
				 0);
		assert_int_equal(n, 1);
		free(ids);
	}
	ask(&f, "GET", "/admin?done=1&to=approved", "127.0.0.1", form, 1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "Signature #1 is now approved."));
	assert_non_null(strstr(r.body, "1 pending in all"));
	reply_release(&r);

	/* The proof as stored; an unknown id is 404. */
	proof = xasprintf("/admin/proof/%lld", (long long)f.first_id);
	ask(&f, "GET", proof, "127.0.0.1", form, 1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body, "{\"proof\":true}");
	reply_release(&r);
	ask(&f, "GET", "/admin/proof/999999", "127.0.0.1", form, 1, NULL, &r);
	assert_int_equal(r.status, 404);
	reply_release(&r);
	/* GET on a decision, POST on the page: 405. */
	ask(&f, "GET", path, "127.0.0.1", form, 1, NULL, &r);
	assert_int_equal(r.status, 405);
	reply_release(&r);
	free(proof);
	free(path);
	free(good);
	free(stale);
	admin_teardown(&f);
}

/* How many times needle is in haystack. */
static int count_in(const char *haystack, const char *needle)
{
	int n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* A domain check under way shows as pending, not as failed; once done, as its result. */
static void admin_domain_check(void **state)
{
	static const struct http_header local[] = { { "Host", "127.0.0.1:8080" } };
	struct admin_fixture f;
	struct domaincheck_due d = { 0 };
	struct reply r;
	struct err err;

	(void)state;
	admin_setup(&f, NULL);
	/* Both new signatures have their check asked. */
	ask(&f, "GET", "/admin", "127.0.0.1", local, 1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_in(r.body, ">check pending</span>"), 2);
	assert_int_equal(count_in(r.body, ">not verified</span>"), 0);
	reply_release(&r);
	/* Both checks done: the first org's site links back, the second's does not. */
	for (int i = 0; i < 2; i++) {
		assert_int_equal(store_domaincheck_next(f.ctx.store, (int64_t)time(NULL) + 1, &d, &err),
				 0);
		assert_non_null(d.actor_id);
		if (str_eq(d.actor_id, "https://org0.example/actor"))
			assert_int_equal(store_signatory_set_domain_verified(f.ctx.store, d.actor_id,
									      true, &err),
					 0);
		assert_int_equal(store_domaincheck_finish(f.ctx.store, &d, 0, &err), 0);
		domaincheck_due_release(&d);
	}
	ask(&f, "GET", "/admin", "127.0.0.1", local, 1, NULL, &r);
	assert_int_equal(r.status, 200);
	assert_int_equal(count_in(r.body, ">check pending</span>"), 0);
	assert_int_equal(count_in(r.body, ">domain verified</span>"), 1);
	assert_int_equal(count_in(r.body, ">not verified</span>"), 1);
	reply_release(&r);
	admin_teardown(&f);
}

static void admin_token_file(void **state)
{
	char *path = fixture_path("token");
	char *token = NULL;
	struct err err;

	(void)state;
	write_file(path, "  0123456789abcdef0123456789abcdef\n");
	assert_int_equal(admin_token_load(path, &token, &err), 0);
	assert_string_equal(token, "0123456789abcdef0123456789abcdef");
	free(token);
	write_file(path, "short\n");
	assert_int_equal(admin_token_load(path, &token, &err), -ERR_INVALID);
	write_file(path, "0123456789abcdef\nsecond line\n");
	assert_int_equal(admin_token_load(path, &token, &err), -ERR_INVALID);
	unlink(path);
	assert_int_equal(admin_token_load(path, &token, &err), -ERR_IO);
	assert_int_equal(admin_csrf_new(&token, &err), 0);
	assert_int_equal(strlen(token), 48);
	free(token);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(log_lines_quote_values),
		cmocka_unit_test(backup_copies_and_refuses_existing),
		cmocka_unit_test(restore_refuses_what_is_not_ours),
		cmocka_unit_test(restore_refuses_a_db_in_use_and_replaces_otherwise),
		cmocka_unit_test(delivery_report_states),
		cmocka_unit_test(metrics_text),
		cmocka_unit_test(moderate_like_the_cli),
		cmocka_unit_test(admin_local_only_without_token),
		cmocka_unit_test(admin_token),
		cmocka_unit_test(admin_decisions),
		cmocka_unit_test(admin_domain_check),
		cmocka_unit_test(admin_token_file),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
