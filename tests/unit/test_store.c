/*
 * Unit tests of store/: real sqlite files in a temporary directory. The test
 * includes store/db.h (and so sqlite3.h) to look at the file from outside
 * and to make foreign databases.
 */
#include <dirent.h>
#include <pthread.h>
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

#include "store/db.h"
#include "store/store.h"
#include "util/err.h"
#include "util/mem.h"

#include "tests/unit/fixture.h"

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *data;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0);
	rewind(f);
	data = xmalloc((size_t)n + 1);
	assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return data;
}

static int64_t add_statement(struct store *st, const char *slug)
{
	struct statement s = { 0 };
	struct err err = { 0 };

	s.slug = (char *)slug;
	s.title = (char *)"Hands off";
	s.content_html = (char *)"<p>Text</p>";
	s.published = s.updated = 1000;
	s.public_pem = (char *)"PUBLIC";
	s.private_pem = (char *)"PRIVATE";
	assert_int_equal(store_statement_add(st, &s, &err), 0);
	assert_true(s.id > 0);
	return s.id;
}

static void put_actor(struct store *st, const char *id, const char *inbox, const char *shared)
{
	struct remote_actor a = { 0 };
	struct err err = { 0 };

	a.id = (char *)id;
	a.type = (char *)"Person";
	a.inbox = (char *)inbox;
	a.shared_inbox = (char *)shared;
	a.document = (char *)"{}";
	a.fetched_at = 5;
	assert_int_equal(store_actor_put(st, &a, &err), 0);
}

/* ---- open ---- */

static void open_creates_schema(void **state)
{
	static const char *const tables[] = {
		"settings",  "statements",      "signatories", "remote_actors",
		"followers", "reactions",       "activities_seen", "mentions",
		"domain_blocks", "delivery_bodies", "deliveries", "dead_inboxes",
	};
	struct store *st = NULL;
	struct err err = { 0 };
	char *path = fixture_path("t");
	char *sql;

	(void)state;
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(store_open(path, &st, &err), 0);
	store_close(st);
	assert_int_equal(fixture_sql_int(path, "PRAGMA application_id"), DB_APPLICATION_ID);
	/* At least every migration this test knows of (later ones may follow). */
	assert_true(fixture_sql_int(path, "PRAGMA user_version") >= 4);
	assert_int_equal(fixture_sql_int(path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		sql = xasprintf("SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
				" AND name = '%s'", tables[i]);
		assert_int_equal(fixture_sql_int(path, sql), 1);
		free(sql);
	}
	/* A second open of a current file migrates nothing and succeeds. */
	assert_int_equal(store_open(path, &st, &err), 0);
	store_close(st);
	free(path);

	/* A directory that does not exist: an I/O error, not a crash. */
	path = xasprintf("%s/no/such/dir.db", fixture_dir);
	assert_int_equal(store_open(path, &st, &err), -ERR_IO);
	assert_null(st);
	free(path);
}

static void reopen_keeps_data(void **state)
{
	struct store *st = NULL;
	struct err err = { 0 };
	char *path, *v = NULL;

	(void)state;
	st = fixture_store(&path);
	assert_int_equal(store_setting_get(st, "base_url", &v, &err), 0);
	assert_null(v);
	assert_int_equal(store_setting_set(st, "base_url", "https://a.example", &err), 0);
	assert_int_equal(store_setting_set(st, "base_url", "https://b.example", &err), 0);
	add_statement(st, "kept");
	store_close(st);

	assert_int_equal(store_open(path, &st, &err), 0);
	assert_int_equal(store_setting_get(st, "base_url", &v, &err), 0);
	assert_string_equal(v, "https://b.example");
	free(v);
	{
		struct statement *s = NULL;

		assert_int_equal(store_statement_get(st, "kept", &s, &err), 0);
		assert_string_equal(s->title, "Hands off");
		statement_free(s);
	}
	store_close(st);
	free(path);
}

static void refuse_and_compare(const char *path, const char *expect_words)
{
	struct store *st = NULL;
	struct err err = { 0 };
	size_t before_len, after_len;
	char *before = read_all(path, &before_len);
	char *after;

	assert_int_equal(store_open(path, &st, &err), -ERR_INVALID);
	assert_null(st);
	assert_int_equal(err.code, ERR_INVALID);
	assert_non_null(strstr(err.msg, expect_words));
	after = read_all(path, &after_len);
	assert_int_equal(before_len, after_len);
	assert_memory_equal(before, after, before_len);
	free(before);
	free(after);
}

static void refuses_foreign_files(void **state)
{
	char *text = fixture_path("t"), *other = fixture_path("t"), *appid = fixture_path("t"), *newer = fixture_path("t");
	sqlite3 *db = NULL;
	FILE *f;

	(void)state;
	/* A text file. */
	f = fopen(text, "w");
	assert_non_null(f);
	for (int i = 0; i < 100; i++)
		fputs("This is not a database, but a statement someone keeps here.\n", f);
	fclose(f);
	refuse_and_compare(text, "not a sqlite database");

	/* A sqlite database of someone else: tables, application_id 0. */
	assert_int_equal(sqlite3_open(other, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE invoices (n INTEGER);"
					  "INSERT INTO invoices VALUES (42);",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	refuse_and_compare(other, "not ours");

	/* Another program's application_id, even without tables. */
	assert_int_equal(sqlite3_open(appid, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id = 1234;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	refuse_and_compare(appid, "another program");

	/* Ours, from a newer version of the program. */
	{
		struct store *st = NULL;
		struct err err = { 0 };

		assert_int_equal(store_open(newer, &st, &err), 0);
		store_close(st);
	}
	assert_int_equal(sqlite3_open(newer, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99;", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	refuse_and_compare(newer, "newer");

	free(text);
	free(other);
	free(appid);
	free(newer);
}

/* ---- statements ---- */

static void statements(void **state)
{
	struct store *st = fixture_store(NULL);
	struct statement s = { 0 }, *got = NULL, **list = NULL;
	struct err err = { 0 };
	size_t n = 0;
	int64_t a, b;

	(void)state;
	a = add_statement(st, "first");
	b = add_statement(st, "second");
	assert_true(b > a);

	s.slug = (char *)"first";
	s.title = (char *)"Again";
	s.published = s.updated = 1;
	s.public_pem = s.private_pem = (char *)"K";
	assert_int_equal(store_statement_add(st, &s, &err), -ERR_EXISTS);
	assert_non_null(strstr(err.msg, "first"));

	assert_int_equal(store_statement_get(st, "first", &got, &err), 0);
	assert_int_equal(got->id, a);
	assert_string_equal(got->policy, "open");
	assert_string_equal(got->lang, "en");
	assert_string_equal(got->dateline, "");
	assert_string_equal(got->content_html, "<p>Text</p>");
	assert_string_equal(got->private_pem, "PRIVATE");
	assert_int_equal(got->published, 1000);
	statement_free(got);

	assert_int_equal(store_statement_get(st, "nope", &got, &err), -ERR_NOTFOUND);
	assert_null(got);
	assert_int_equal(store_statement_get_by_id(st, b, &got, &err), 0);
	assert_string_equal(got->slug, "second");
	statement_free(got);
	assert_int_equal(store_statement_get_by_id(st, 999, &got, &err), -ERR_NOTFOUND);

	assert_int_equal(store_statement_touch(st, a, 2000, &err), 0);
	assert_int_equal(store_statement_touch(st, 999, 2000, &err), -ERR_NOTFOUND);
	assert_int_equal(store_statement_set_policy(st, a, "closed", &err), 0);
	assert_int_equal(store_statement_set_policy(st, a, "maybe", &err), -ERR_INVALID);

	assert_int_equal(store_statement_list(st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->slug, "first");
	assert_int_equal(list[0]->updated, 2000);
	assert_string_equal(list[0]->policy, "closed");
	assert_string_equal(list[1]->slug, "second");
	statements_free(list, n);
	statement_free(NULL);
	statements_free(NULL, 0);
	store_close(st);
}

static void statement_import_is_atomic(void **state)
{
	struct store *st = fixture_store(NULL);
	struct statement s = { 0 }, *got = NULL;
	struct signatory sigs[3] = { { 0 } };
	struct signatory *list = NULL;
	struct err err = { 0 };
	size_t n = 0;

	(void)state;
	s.slug = (char *)"imp";
	s.title = (char *)"T";
	s.published = s.updated = 1;
	s.public_pem = s.private_pem = (char *)"K";
	sigs[0].name = (char *)"Party A";
	sigs[0].country = (char *)"Malaysia";
	sigs[1].name = (char *)"Union B";
	sigs[2].name = NULL; /* a bad one: nothing at all is stored */
	assert_int_equal(store_statement_import(st, &s, sigs, 3, &err), -ERR_INVALID);
	assert_int_equal(s.id, 0);
	assert_int_equal(store_statement_get(st, "imp", &got, &err), -ERR_NOTFOUND);

	sigs[2].name = (char *)"Group C";
	assert_int_equal(store_statement_import(st, &s, sigs, 3, &err), 0);
	assert_true(s.id > 0);
	assert_int_equal(store_signatory_list(st, s.id, NULL, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0].name, "Party A");
	assert_string_equal(list[0].country, "Malaysia");
	assert_string_equal(list[1].country, "");
	assert_string_equal(list[2].name, "Group C");
	assert_string_equal(list[2].how, "import");
	assert_string_equal(list[2].state, "approved");
	assert_null(list[2].actor_id);
	signatories_free(list, n);
	assert_int_equal(store_statement_import(st, &s, sigs, 1, &err), -ERR_EXISTS);
	store_close(st);
}

/* ---- signatories ---- */

static void verified(struct store *st, int64_t sid, const char *actor, const char *how,
		     const char *state_, int64_t at, bool expect_created)
{
	struct signatory g = { 0 };
	struct err err = { 0 };
	bool created = !expect_created;
	int64_t id = 0;

	g.name = (char *)actor;
	g.actor_id = (char *)actor;
	g.handle = (char *)"@x@example.org";
	g.how = (char *)how;
	g.state = (char *)state_;
	g.signed_at = at;
	g.activity_id = (char *)"https://example.org/act";
	assert_int_equal(store_signatory_add_verified(st, sid, &g, "{\"proof\":1}", &id, &created,
						      &err),
			 0);
	assert_true(id > 0);
	assert_int_equal(created, expect_created);
}

static void signatories(void **state)
{
	struct store *st = fixture_store(NULL);
	struct signatory *list = NULL, *one = NULL, g = { 0 };
	struct err err = { 0 };
	int64_t sid = add_statement(st, "s"), other = add_statement(st, "o"), count, moved;
	bool changed;
	char *proof = NULL;
	size_t n = 0;

	(void)state;
	/* Imported in a shuffled order of positions; verified at times 200 and 100. */
	assert_int_equal(store_signatory_add_imported(st, sid, "Imp two", "X", 2, &err), 0);
	assert_int_equal(store_signatory_add_imported(st, sid, "Imp zero", NULL, 0, &err), 0);
	assert_int_equal(store_signatory_add_imported(st, sid, "Imp one", "", 1, &err), 0);
	assert_int_equal(store_signatory_add_imported(st, sid, "", "", 3, &err), -ERR_INVALID);
	verified(st, sid, "https://b.example/late", "endorse", "approved", 200, true);
	verified(st, sid, "https://a.example/early", "follow", "approved", 100, true);
	verified(st, other, "https://c.example/else", "follow", "approved", 50, true);

	assert_int_equal(store_signatory_list(st, sid, NULL, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_string_equal(list[0].actor_id, "https://a.example/early");
	assert_string_equal(list[0].activity_id, "https://example.org/act");
	assert_string_equal(list[1].actor_id, "https://b.example/late");
	assert_string_equal(list[2].name, "Imp zero");
	assert_string_equal(list[3].name, "Imp one");
	assert_string_equal(list[4].name, "Imp two");
	assert_int_equal(list[4].position, 2);
	signatories_free(list, n);

	/* Paging. */
	assert_int_equal(store_signatory_list(st, sid, NULL, 1, 2, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].actor_id, "https://b.example/late");
	assert_string_equal(list[1].name, "Imp zero");
	signatories_free(list, n);
	assert_int_equal(store_signatory_list(st, sid, NULL, 10, 2, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(list);

	/* The same actor again: no second row, and its state stays. */
	verified(st, sid, "https://a.example/early", "endorse", "pending", 300, false);
	assert_int_equal(store_signatory_count(st, sid, NULL, &count, &err), 0);
	assert_int_equal(count, 5);

	/* State filter. */
	assert_int_equal(store_signatory_get(st, sid, "https://b.example/late", &one, &err), 0);
	assert_int_equal(store_signatory_set_state(st, one->id, "pending", &err), 0);
	assert_int_equal(store_signatory_set_state(st, one->id, "bogus", &err), -ERR_INVALID);
	assert_int_equal(store_signatory_set_state(st, 9999, "approved", &err), -ERR_NOTFOUND);
	assert_int_equal(store_signatory_proof(st, one->id, &proof, &err), 0);
	assert_string_equal(proof, "{\"proof\":1}");
	free(proof);
	signatories_free(one, 1);
	assert_int_equal(store_signatory_count(st, sid, "approved", &count, &err), 0);
	assert_int_equal(count, 4);
	assert_int_equal(store_signatory_count(st, sid, "pending", &count, &err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_signatory_list(st, sid, "pending", 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].actor_id, "https://b.example/late");
	signatories_free(list, n);
	assert_int_equal(store_signatory_get(st, sid, "https://nobody.example/x", &one, &err),
			 -ERR_NOTFOUND);

	/* Withdraw, then sign again: the same row comes back as a new signing. */
	assert_int_equal(store_signatory_withdraw(st, sid, "https://a.example/early", &changed,
						  &err),
			 0);
	assert_true(changed);
	assert_int_equal(store_signatory_withdraw(st, sid, "https://a.example/early", &changed,
						  &err),
			 0);
	assert_false(changed);
	verified(st, sid, "https://a.example/early", "mention", "pending", 400, true);
	assert_int_equal(store_signatory_get(st, sid, "https://a.example/early", &one, &err), 0);
	assert_string_equal(one->how, "mention");
	assert_string_equal(one->state, "pending");
	assert_int_equal(one->signed_at, 400);
	/* A rejection holds against a new attempt. */
	assert_int_equal(store_signatory_set_state(st, one->id, "rejected", &err), 0);
	signatories_free(one, 1);
	verified(st, sid, "https://a.example/early", "endorse", "approved", 500, false);
	assert_int_equal(store_signatory_count(st, sid, "rejected", &count, &err), 0);
	assert_int_equal(count, 1);

	/* Bad input. */
	g.name = (char *)"N";
	g.actor_id = (char *)"https://z.example/z";
	g.how = (char *)"import";
	g.state = (char *)"approved";
	assert_int_equal(store_signatory_add_verified(st, sid, &g, NULL, NULL, NULL, &err),
			 -ERR_INVALID);
	g.how = (char *)"follow";
	assert_int_equal(store_signatory_add_verified(st, 9999, &g, NULL, NULL, NULL, &err),
			 -ERR_NOTFOUND);

	/* Move: carried over where the new account has not signed; else withdrawn. */
	verified(st, other, "https://b.example/late", "follow", "approved", 60, true);
	assert_int_equal(store_signatory_move(st, "https://b.example/late", "https://c.example/else",
					      "@new@c.example", NULL, &moved, &err),
			 0);
	assert_int_equal(moved, 1); /* on sid; on other c.example had signed already */
	assert_int_equal(store_signatory_get(st, sid, "https://c.example/else", &one, &err), 0);
	assert_string_equal(one->handle, "@new@c.example");
	signatories_free(one, 1);
	assert_int_equal(store_signatory_get(st, other, "https://b.example/late", &one, &err), 0);
	assert_string_equal(one->state, "withdrawn");
	signatories_free(one, 1);

	/* Update of the actor refreshes the name, NULL keeps the rest. */
	assert_int_equal(store_signatory_refresh(st, "https://c.example/else", "Renamed", NULL,
						 NULL, &err),
			 0);
	assert_int_equal(store_signatory_get(st, sid, "https://c.example/else", &one, &err), 0);
	assert_string_equal(one->name, "Renamed");
	assert_string_equal(one->handle, "@new@c.example");
	signatories_free(one, 1);
	signatories_free(NULL, 0);
	store_close(st);
}

/* ---- followers, reactions, inboxes ---- */

/*
 * Publishing an edit queues its activities and clears the schedule in one
 * transaction; a change requested while the edit was built keeps one due.
 */
static void update_publish(void **state)
{
	struct store *st = fixture_store(NULL);
	struct statement *got = NULL;
	struct err err = { 0 };
	int64_t sid = add_statement(st, "publish"), gen = -1, gen2 = -1, pending = -1, *ids = NULL;
	char *audience[] = { (char *)"https://a.example/inbox", (char *)"https://b.example/inbox" };
	char *followers[] = { (char *)"https://a.example/inbox" };
	struct store_outgoing out[] = {
		{ "{\"type\":\"Update\",\"object\":{\"type\":\"Note\"}}", audience, 2 },
		{ "{\"type\":\"Update\",\"object\":{\"type\":\"Service\"}}", followers, 1 },
	};
	size_t n = 0;

	(void)state;
	assert_int_equal(store_statement_update_gen(st, sid, &gen, &err), 0);
	assert_int_equal(gen, 0);
	assert_int_equal(store_statement_schedule_update(st, sid, 2000, &err), 0);
	assert_int_equal(store_statement_schedule_update(st, sid, 2500, &err), 0);
	assert_int_equal(store_statement_update_gen(st, sid, &gen, &err), 0);
	assert_int_equal(gen, 2);

	/* Nothing changed meanwhile: queued, updated set, schedule cleared. */
	assert_int_equal(store_statement_update_publish(st, sid, gen, 3000, 9000, out, 2, &err), 0);
	assert_int_equal(store_delivery_pending(st, &pending, &err), 0);
	assert_int_equal(pending, 3);
	assert_int_equal(store_statement_get_by_id(st, sid, &got, &err), 0);
	assert_int_equal(got->updated, 3000);
	statement_free(got);
	assert_int_equal(store_statement_updates_due(st, INT64_MAX, &ids, &n, &err), 0);
	assert_int_equal(n, 0);

	/* A change requested after gen was read: due again at next_due. */
	assert_int_equal(store_statement_schedule_update(st, sid, 3100, &err), 0);
	assert_int_equal(store_statement_update_gen(st, sid, &gen, &err), 0);
	assert_int_equal(store_statement_schedule_update(st, sid, 3200, &err), 0);
	assert_int_equal(store_statement_update_gen(st, sid, &gen2, &err), 0);
	assert_true(gen2 > gen);
	assert_int_equal(store_statement_update_publish(st, sid, gen, 2000, 9000, out, 1, &err), 0);
	assert_int_equal(store_statement_get_by_id(st, sid, &got, &err), 0);
	assert_int_equal(got->updated, 3000); /* never backwards */
	statement_free(got);
	assert_int_equal(store_statement_updates_due(st, 8999, &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_statement_updates_due(st, 9000, &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	free(ids);
	assert_int_equal(store_delivery_pending(st, &pending, &err), 0);
	assert_int_equal(pending, 5);

	/* All or nothing: an unknown statement queues nothing. */
	assert_int_equal(store_statement_update_publish(st, 424242, 0, 1, 1, out, 2, &err),
			 -ERR_NOTFOUND);
	assert_int_equal(store_statement_update_gen(st, 424242, &gen, &err), -ERR_NOTFOUND);
	assert_int_equal(store_delivery_pending(st, &pending, &err), 0);
	assert_int_equal(pending, 5);
	store_close(st);
}

/* A burst of changes is one edit: the first schedule holds until it is done. */
static void batched_updates(void **state)
{
	struct store *st = fixture_store(NULL);
	struct statement *got = NULL;
	struct signatory g = { 0 }, *one = NULL;
	struct err err = { 0 };
	int64_t sid = add_statement(st, "batch"), *ids = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(store_statement_updates_due(st, 5000, &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_statement_schedule_update(st, sid, 2000, &err), 0);
	assert_int_equal(store_statement_schedule_update(st, sid, 3000, &err), 0);
	assert_int_equal(store_statement_updates_due(st, 1999, &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_statement_updates_due(st, 2000, &ids, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ids[0], sid);
	free(ids);
	/* updated only grows, even when the clock says otherwise. */
	assert_int_equal(store_statement_update_done(st, sid, 500, &err), 0);
	assert_int_equal(store_statement_get_by_id(st, sid, &got, &err), 0);
	assert_int_equal(got->updated, 1001);
	statement_free(got);
	assert_int_equal(store_statement_updates_due(st, 9999, &ids, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(store_statement_schedule_update(st, 424242, 1, &err), -ERR_NOTFOUND);

	/* The signer's type and domain check are kept and read back. */
	g.name = g.actor_id = (char *)"https://org.example/users/o";
	g.how = (char *)"follow";
	g.state = (char *)"approved";
	g.actor_type = (char *)"Organization";
	g.signed_at = 10;
	assert_int_equal(store_signatory_add_verified(st, sid, &g, NULL, NULL, NULL, &err), 0);
	assert_int_equal(store_signatory_set_domain_verified(st, g.actor_id, true, &err), 0);
	assert_int_equal(store_signatory_get(st, sid, g.actor_id, &one, &err), 0);
	assert_string_equal(one->actor_type, "Organization");
	assert_true(one->domain_verified);
	signatories_free(one, 1);

	/* Undo of the signing activity withdraws exactly that signature. */
	{
		struct signing_undo u;

		assert_int_equal(store_signatory_withdraw_activity(st, g.actor_id, "https://org.example/no",
								   &u, &err),
				 0);
		assert_int_equal(u.statement_id, 0);
		assert_false(u.approved);
		g.actor_id = (char *)"https://org.example/users/p";
		g.activity_id = (char *)"https://org.example/endorse/1";
		assert_int_equal(store_signatory_add_verified(st, sid, &g, NULL, NULL, NULL, &err), 0);
		assert_int_equal(store_signatory_withdraw_activity(st, "https://evil.example/u",
								   g.activity_id, &u, &err),
				 0);
		assert_int_equal(u.statement_id, 0); /* another actor cannot withdraw it */
		assert_int_equal(store_signatory_withdraw_activity(st, g.actor_id, g.activity_id, &u,
								   &err),
				 0);
		assert_int_equal(u.statement_id, sid);
		assert_true(u.approved);
		assert_true(u.withdrawn);
		assert_int_equal(store_signatory_get(st, sid, g.actor_id, &one, &err), 0);
		assert_string_equal(one->state, "withdrawn");
		signatories_free(one, 1);
	}
	store_close(st);
}

static void followers(void **state)
{
	struct store *st = fixture_store(NULL);
	struct err err = { 0 };
	int64_t sid = add_statement(st, "f"), count;
	char **list = NULL;
	size_t n = 0;
	bool removed;

	(void)state;
	assert_int_equal(store_follower_add(st, sid, "https://a.example/u/a", "f1", &err), 0);
	assert_int_equal(store_follower_add(st, sid, "https://a.example/u/a", "f2", &err), 0);
	assert_int_equal(store_follower_add(st, sid, "https://b.example/u/b", "f3", &err), 0);
	assert_int_equal(store_follower_add(st, sid, "https://c.example/c", "f4", &err), 0);
	assert_int_equal(store_follower_add(st, sid, "https://d.example/d", "f5", &err), 0);
	assert_int_equal(store_follower_add(st, sid, "https://e.example/uncached", "f6", &err), 0);
	assert_int_equal(store_follower_add(st, 9999, "https://a.example/u/a", "f", &err),
			 -ERR_NOTFOUND);
	assert_int_equal(store_follower_count(st, sid, &count, &err), 0);
	assert_int_equal(count, 5);

	assert_int_equal(store_follower_list(st, sid, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_string_equal(list[0], "https://a.example/u/a");
	assert_string_equal(list[4], "https://e.example/uncached");
	strings_free(list, n);
	assert_int_equal(store_follower_list(st, sid, 1, 2, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "https://b.example/u/b");
	assert_string_equal(list[1], "https://c.example/c");
	strings_free(list, n);

	/* a and b share one shared inbox; c has none; d's is "" (counts as none). */
	put_actor(st, "https://a.example/u/a", "https://a.example/u/a/inbox",
		  "https://a.example/inbox");
	put_actor(st, "https://b.example/u/b", "https://b.example/u/b/inbox",
		  "https://a.example/inbox");
	put_actor(st, "https://c.example/c", "https://c.example/c/inbox", NULL);
	put_actor(st, "https://d.example/d", "https://d.example/d/inbox", "");
	assert_int_equal(store_follower_inboxes(st, sid, &list, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0], "https://a.example/inbox");
	assert_string_equal(list[1], "https://c.example/c/inbox");
	assert_string_equal(list[2], "https://d.example/d/inbox");
	strings_free(list, n);

	/* A dead inbox is left out. */
	{
		char *box[] = { (char *)"https://c.example/c/inbox" };
		struct delivery *d = NULL;

		assert_int_equal(store_delivery_add(st, sid, "{}", box, 1, &err), 0);
		assert_int_equal(store_delivery_claim(st, time(NULL) + 1, 60, 10, &d, &n, &err), 0);
		assert_int_equal(n, 1);
		assert_int_equal(store_delivery_dead(st, d[0].id, 410, &err), 0);
		deliveries_free(d, n);
	}
	assert_int_equal(store_follower_inboxes(st, sid, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "https://a.example/inbox");
	assert_string_equal(list[1], "https://d.example/d/inbox");
	strings_free(list, n);

	/* Undo of a Follow: by the newest Follow id, and only by its actor. */
	assert_int_equal(store_follower_remove_by_follow(st, "f1", "https://a.example/u/a", &removed,
							 &err),
			 0);
	assert_false(removed);
	assert_int_equal(store_follower_remove_by_follow(st, "f2", "https://b.example/u/b", &removed,
							 &err),
			 0);
	assert_false(removed);
	assert_int_equal(store_follower_remove_by_follow(st, "f2", "https://a.example/u/a", &removed,
							 &err),
			 0);
	assert_true(removed);
	assert_int_equal(store_follower_add(st, sid, "https://a.example/u/a", "f7", &err), 0);
	assert_int_equal(store_follower_remove(st, sid, "https://a.example/u/a", &removed, &err),
			 0);
	assert_true(removed);
	assert_int_equal(store_follower_remove(st, sid, "https://a.example/u/a", &removed, &err),
			 0);
	assert_false(removed);
	assert_int_equal(store_follower_count(st, sid, &count, &err), 0);
	assert_int_equal(count, 4);
	/* b still reaches the shared inbox. */
	assert_int_equal(store_follower_inboxes(st, sid, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "https://a.example/inbox");
	strings_free(list, n);
	store_close(st);
}

static void reactions(void **state)
{
	struct store *st = fixture_store(NULL);
	struct err err = { 0 };
	int64_t sid = add_statement(st, "r"), count;
	char **list = NULL;
	size_t n = 0;
	bool removed;

	(void)state;
	assert_int_equal(store_reaction_add(st, sid, "like", "https://x.example/x", "like1", &err),
			 0);
	assert_int_equal(store_reaction_add(st, sid, "like", "https://x.example/x", "like1", &err),
			 0);
	assert_int_equal(store_reaction_count(st, sid, "like", &count, &err), 0);
	assert_int_equal(count, 1);
	/* The same actor likes again with a new id: still one, the new id counts. */
	assert_int_equal(store_reaction_add(st, sid, "like", "https://x.example/x", "like2", &err),
			 0);
	assert_int_equal(store_reaction_count(st, sid, "like", &count, &err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_reaction_add(st, sid, "announce", "https://x.example/x", "ann1",
					    &err),
			 0);
	assert_int_equal(store_reaction_add(st, sid, "boost", "https://x.example/x", "b", &err),
			 -ERR_INVALID);
	assert_int_equal(store_reaction_count(st, sid, "announce", &count, &err), 0);
	assert_int_equal(count, 1);

	/* Audience: followers and reactors, one row per inbox. */
	put_actor(st, "https://x.example/x", "https://x.example/x/inbox", "https://x.example/inbox");
	put_actor(st, "https://y.example/y", "https://y.example/y/inbox", NULL);
	assert_int_equal(store_follower_add(st, sid, "https://y.example/y", "fy", &err), 0);
	assert_int_equal(store_audience_inboxes(st, sid, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "https://x.example/inbox");
	assert_string_equal(list[1], "https://y.example/y/inbox");
	strings_free(list, n);
	assert_int_equal(store_follower_inboxes(st, sid, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	strings_free(list, n);

	assert_int_equal(store_reaction_remove(st, "like1", &removed, &err), 0);
	assert_false(removed);
	/* Undo names the activity; only its own actor may undo it. */
	assert_int_equal(store_reaction_undo(st, "ann1", "https://evil.example/e", &removed, &err),
			 0);
	assert_false(removed);
	assert_int_equal(store_reaction_undo(st, "ann1", "https://x.example/x", &removed, &err), 0);
	assert_true(removed);
	assert_int_equal(store_reaction_remove(st, "like2", &removed, &err), 0);
	assert_true(removed);
	assert_int_equal(store_reaction_count(st, sid, "like", &count, &err), 0);
	assert_int_equal(count, 0);
	store_close(st);
}

/*
 * The inboxes as the join of followers (and reactions) with the actor cache
 * finds them, read from the file: what statement_inboxes must always agree
 * with. "|"-joined, sorted; caller frees.
 */
static char *joined_inboxes(const char *path, int64_t sid, bool audience)
{
	static const char *const sql[] = {
		"SELECT DISTINCT coalesce(nullif(a.shared_inbox, ''), a.inbox) AS box"
		" FROM followers f JOIN remote_actors a ON a.id = f.actor_id"
		" WHERE f.statement_id = ?1"
		" AND nullif(coalesce(nullif(a.shared_inbox, ''), a.inbox), '') IS NOT NULL"
		" AND coalesce(nullif(a.shared_inbox, ''), a.inbox)"
		" NOT IN (SELECT inbox FROM dead_inboxes) ORDER BY box",
		"SELECT box FROM ("
		" SELECT coalesce(nullif(a.shared_inbox, ''), a.inbox) AS box"
		"  FROM followers f JOIN remote_actors a ON a.id = f.actor_id"
		"  WHERE f.statement_id = ?1"
		" UNION SELECT coalesce(nullif(a.shared_inbox, ''), a.inbox) AS box"
		"  FROM reactions r JOIN remote_actors a ON a.id = r.actor_id"
		"  WHERE r.statement_id = ?1)"
		" WHERE nullif(box, '') IS NOT NULL"
		" AND box NOT IN (SELECT inbox FROM dead_inboxes) ORDER BY box",
	};
	sqlite3 *db = NULL;
	sqlite3_stmt *q = NULL;
	char *out = xstrdup(""), *next;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql[audience], -1, &q, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_bind_int64(q, 1, sid), SQLITE_OK);
	while (sqlite3_step(q) == SQLITE_ROW) {
		next = xasprintf("%s%s%s", out, *out ? "|" : "", sqlite3_column_text(q, 0));
		free(out);
		out = next;
	}
	sqlite3_finalize(q);
	sqlite3_close(db);
	return out;
}

/* store_follower_inboxes (or store_audience_inboxes) "|"-joined; caller frees. */
static char *store_inboxes(struct store *st, int64_t sid, bool audience)
{
	struct err err = { 0 };
	char **list = NULL, *out = xstrdup(""), *next;
	size_t n = 0;

	assert_int_equal(audience ? store_audience_inboxes(st, sid, &list, &n, &err)
				  : store_follower_inboxes(st, sid, &list, &n, &err),
			 0);
	for (size_t i = 0; i < n; i++) {
		next = xasprintf("%s%s%s", out, i ? "|" : "", list[i]);
		free(out);
		out = next;
	}
	strings_free(list, n);
	return out;
}

/* Both lists of sid are `followers` and `audience`, and the join finds the same. */
static void inboxes_are(struct store *st, const char *path, int64_t sid, const char *followers,
			const char *audience)
{
	for (int aud = 0; aud < 2; aud++) {
		char *got = store_inboxes(st, sid, aud), *join = joined_inboxes(path, sid, aud);

		assert_string_equal(got, join);
		if (aud ? audience : followers)
			assert_string_equal(got, aud ? audience : followers);
		free(got);
		free(join);
	}
}

/* Mark inbox dead through the queue, as the delivery worker does. */
static void kill_inbox(struct store *st, const char *inbox)
{
	struct delivery *d = NULL;
	struct err err = { 0 };
	char *box[] = { (char *)inbox };
	size_t n = 0;

	assert_int_equal(store_delivery_add(st, 0, "{}", box, 1, &err), 0);
	assert_int_equal(store_delivery_claim(st, (int64_t)time(NULL) + 5, 60, 1, &d, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_delivery_dead(st, d[0].id, 410, &err), 0);
	deliveries_free(d, n);
	assert_true(store_inbox_is_dead(st, inbox));
}

#define S_BOX  "https://s.example/inbox"
#define T_BOX  "https://t.example/inbox"
#define C_BOX  "https://c.example/c/inbox"
#define D_BOX  "https://d.example/d/inbox"
#define R_BOX  "https://r.example/r/inbox"
#define R2_BOX "https://r2.example/inbox"
#define U_BOX  "https://u.example/u/inbox"

/*
 * The audience's inboxes, kept per statement as follows, reactions and the
 * actor cache change: shared inbox preferred, one row per inbox, sorted;
 * uncached actors, empty inboxes and dead inboxes left out; another
 * statement's followers never in; an actor's new inbox replaces its old one.
 */
static void audience_inboxes(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	struct err err = { 0 };
	int64_t a = add_statement(st, "a"), b = add_statement(st, "b");
	bool removed;

	(void)state;
	put_actor(st, "https://s.example/u/a1", "https://s.example/u/a1/inbox", S_BOX);
	put_actor(st, "https://s.example/u/a2", "https://s.example/u/a2/inbox", S_BOX);
	put_actor(st, "https://c.example/c", C_BOX, NULL);
	put_actor(st, "https://d.example/d", D_BOX, "");
	put_actor(st, "https://e.example/e", "", NULL);
	put_actor(st, "https://o.example/o", "https://o.example/o/inbox", NULL);
	put_actor(st, "https://r.example/r", R_BOX, NULL);
	put_actor(st, "https://r2.example/u/r2", "https://r2.example/u/r2/inbox", R2_BOX);
	inboxes_are(st, path, a, "", "");
	assert_int_equal(store_follower_add(st, a, "https://s.example/u/a1", "f1", &err), 0);
	assert_int_equal(store_follower_add(st, a, "https://s.example/u/a2", "f2", &err), 0);
	assert_int_equal(store_follower_add(st, a, "https://c.example/c", "f3", &err), 0);
	assert_int_equal(store_follower_add(st, a, "https://d.example/d", "f4", &err), 0);
	assert_int_equal(store_follower_add(st, a, "https://e.example/e", "f5", &err), 0);
	assert_int_equal(store_follower_add(st, a, "https://u.example/u", "f6", &err), 0);
	assert_int_equal(store_follower_add(st, b, "https://o.example/o", "f7", &err), 0);
	assert_int_equal(store_follower_add(st, b, "https://s.example/u/a1", "f8", &err), 0);
	assert_int_equal(store_reaction_add(st, a, "like", "https://r.example/r", "l1", &err), 0);
	assert_int_equal(store_reaction_add(st, a, "like", "https://r2.example/u/r2", "l2", &err),
			 0);
	assert_int_equal(
	    store_reaction_add(st, a, "announce", "https://r2.example/u/r2", "n2", &err), 0);
	assert_int_equal(store_reaction_add(st, a, "like", "https://s.example/u/a1", "l3", &err),
			 0);
	inboxes_are(st, path, a, C_BOX "|" D_BOX "|" S_BOX,
		    C_BOX "|" D_BOX "|" R_BOX "|" R2_BOX "|" S_BOX);
	inboxes_are(st, path, b, "https://o.example/o/inbox|" S_BOX,
		    "https://o.example/o/inbox|" S_BOX);

	/* Cached after it followed: now it has an inbox. A dead inbox is left out. */
	put_actor(st, "https://u.example/u", U_BOX, NULL);
	kill_inbox(st, C_BOX);
	inboxes_are(st, path, a, D_BOX "|" S_BOX "|" U_BOX,
		    D_BOX "|" R_BOX "|" R2_BOX "|" S_BOX "|" U_BOX);

	/* An Update moves one follower to another shared inbox; the other keeps s. */
	put_actor(st, "https://s.example/u/a2", "https://s.example/u/a2/inbox", T_BOX);
	inboxes_are(st, path, a, D_BOX "|" S_BOX "|" T_BOX "|" U_BOX,
		    D_BOX "|" R_BOX "|" R2_BOX "|" S_BOX "|" T_BOX "|" U_BOX);
	/* The same again changes nothing; then the last one at s moves, for a and b. */
	put_actor(st, "https://s.example/u/a2", "https://s.example/u/a2/inbox", T_BOX);
	put_actor(st, "https://s.example/u/a1", "https://s.example/u/a1/inbox", T_BOX);
	inboxes_are(st, path, a, D_BOX "|" T_BOX "|" U_BOX,
		    D_BOX "|" R_BOX "|" R2_BOX "|" T_BOX "|" U_BOX);
	inboxes_are(st, path, b, "https://o.example/o/inbox|" T_BOX,
		    "https://o.example/o/inbox|" T_BOX);
	/* No shared inbox any more: its own. */
	put_actor(st, "https://r2.example/u/r2", "https://r2.example/u/r2/inbox", "");
	inboxes_are(st, path, a, NULL, NULL);

	/* A like again with a new id replaces the old; both reactions must go. */
	assert_int_equal(store_reaction_add(st, a, "like", "https://r2.example/u/r2", "l2b", &err),
			 0);
	assert_int_equal(store_reaction_undo(st, "l2b", "https://r2.example/u/r2", &removed, &err),
			 0);
	assert_true(removed);
	inboxes_are(st, path, a, NULL,
		    D_BOX "|" R_BOX "|https://r2.example/u/r2/inbox|" T_BOX "|" U_BOX);
	assert_int_equal(store_reaction_remove(st, "n2", &removed, &err), 0);
	assert_true(removed);
	inboxes_are(st, path, a, D_BOX "|" T_BOX "|" U_BOX, D_BOX "|" R_BOX "|" T_BOX "|" U_BOX);

	/* Unfollows: t stays while a1 follows; a forgotten actor leaves a and b. */
	assert_int_equal(store_follower_remove(st, a, "https://s.example/u/a2", &removed, &err), 0);
	inboxes_are(st, path, a, D_BOX "|" T_BOX "|" U_BOX, NULL);
	assert_int_equal(store_actor_delete(st, "https://s.example/u/a1", &err), 0);
	inboxes_are(st, path, a, D_BOX "|" U_BOX, D_BOX "|" R_BOX "|" U_BOX);
	inboxes_are(st, path, b, "https://o.example/o/inbox", "https://o.example/o/inbox");
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM statement_inboxes"
					       " WHERE followers <= 0 AND reactions <= 0"),
			 0);
	store_close(st);
	free(path);
}

/* Follows, reactions and actor changes in a pseudo-random order: the table agrees with the join. */
static void audience_inboxes_agree(void **state)
{
	static const char *const boxes[] = { "", "https://p.example/inbox",
					     "https://q.example/inbox", NULL };
	static const char *const kinds[] = { "like", "announce" };
	char *path = NULL;
	struct store *st = fixture_store(&path);
	struct err err = { 0 };
	int64_t sids[] = { add_statement(st, "x"), add_statement(st, "y") };
	uint32_t r = 12345;
	bool removed;

	(void)state;
	for (int step = 0; step < 400; step++) {
		char actor[64], own[80], act[32];
		int64_t sid;
		int op;

		r = r * 1103515245u + 12345u;
		op = (int)((r >> 8) % 7);
		sid = sids[(r >> 12) % 2];
		snprintf(actor, sizeof(actor), "https://h%u.example/u", (r >> 14) % 6);
		snprintf(own, sizeof(own), "%s/inbox", actor);
		snprintf(act, sizeof(act), "act%u", (r >> 18) % 8);
		switch (op) {
		case 0: assert_int_equal(store_follower_add(st, sid, actor, act, &err), 0); break;
		case 1:
			assert_int_equal(store_follower_remove(st, sid, actor, &removed, &err), 0);
			break;
		case 2:
			/* An activity id may be another actor's: the add replaces that reaction. */
			assert_int_equal(
			    store_reaction_add(st, sid, kinds[(r >> 22) % 2], actor, act, &err), 0);
			break;
		case 3: assert_int_equal(store_reaction_remove(st, act, &removed, &err), 0); break;
		case 4:
		case 5: put_actor(st, actor, (r >> 24) % 5 ? own : "", boxes[(r >> 26) % 4]); break;
		default: assert_int_equal(store_actor_delete(st, actor, &err), 0);
		}
		inboxes_are(st, path, sids[0], NULL, NULL);
		inboxes_are(st, path, sids[1], NULL, NULL);
	}
	store_close(st);
	free(path);
}

/* A database from before migration 10 gets statement_inboxes filled from its rows. */
static void audience_inboxes_migrated(void **state)
{
	static const char *const drop =
	    "DROP TRIGGER inboxes_follower_add; DROP TRIGGER inboxes_follower_gone;"
	    " DROP TRIGGER inboxes_follower_moved; DROP TRIGGER inboxes_reaction_add;"
	    " DROP TRIGGER inboxes_reaction_gone; DROP TRIGGER inboxes_reaction_moved;"
	    " DROP TRIGGER inboxes_actor_add; DROP TRIGGER inboxes_actor_moved;"
	    " DROP TRIGGER inboxes_actor_gone; DROP TABLE statement_inboxes;"
	    " PRAGMA user_version = 9;";
	char *path = NULL;
	struct store *st = fixture_store(&path);
	struct err err = { 0 };
	int64_t a = add_statement(st, "a"), b = add_statement(st, "b");
	sqlite3 *db = NULL;

	(void)state;
	put_actor(st, "https://s.example/u/1", "https://s.example/u/1/inbox", S_BOX);
	put_actor(st, "https://s.example/u/2", "https://s.example/u/2/inbox", S_BOX);
	put_actor(st, "https://c.example/c", C_BOX, "");
	put_actor(st, "https://e.example/e", "", NULL);
	assert_int_equal(store_follower_add(st, a, "https://s.example/u/1", "f1", &err), 0);
	assert_int_equal(store_follower_add(st, a, "https://e.example/e", "f2", &err), 0);
	assert_int_equal(store_follower_add(st, a, "https://u.example/u", "f3", &err), 0);
	assert_int_equal(store_follower_add(st, b, "https://c.example/c", "f4", &err), 0);
	assert_int_equal(store_reaction_add(st, a, "like", "https://s.example/u/2", "l1", &err), 0);
	assert_int_equal(store_reaction_add(st, a, "like", "https://c.example/c", "l2", &err), 0);
	store_close(st);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, drop, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(store_open(path, &st, &err), 0);
	assert_true(fixture_sql_int(path, "PRAGMA user_version") >= 10);
	assert_int_equal(fixture_sql_int(path,
					 "SELECT followers || reactions FROM statement_inboxes"
					 " WHERE statement_id = 1 AND inbox = '" S_BOX "'"),
			 11);
	inboxes_are(st, path, a, S_BOX, C_BOX "|" S_BOX);
	inboxes_are(st, path, b, C_BOX, C_BOX);
	/* And kept from then on. */
	put_actor(st, "https://u.example/u", U_BOX, NULL);
	inboxes_are(st, path, a, S_BOX "|" U_BOX, C_BOX "|" S_BOX "|" U_BOX);
	store_close(st);
	free(path);
}

static void activities_and_mentions(void **state)
{
	{
		struct store *s2 = fixture_store(NULL);
		struct err e2 = { 0 };
		int64_t sid2 = add_statement(s2, "m"), count = -1;

		assert_int_equal(store_mention_add(s2, sid2, "https://a.example/c/1",
						   "https://a.example/u/x", "https://a.example/n/1",
						   "{}", &e2),
				 0);
		assert_int_equal(store_mention_add(s2, sid2, "https://a.example/c/2",
						   "https://a.example/u/y", "https://a.example/n/2",
						   "{}", &e2),
				 0);
		assert_int_equal(store_mention_add(s2, sid2, "https://b.example/c/1",
						   "https://b.example/u/x", NULL, "{}", &e2),
				 0);
		assert_int_equal(store_mention_count_since(s2, "https://a.example/", 0, &count, &e2), 0);
		assert_int_equal(count, 2);
		assert_int_equal(store_mention_count_since(s2, "https://a.example/", INT64_MAX, &count,
							   &e2),
				 0);
		assert_int_equal(count, 0);
		assert_int_equal(store_mention_count_since(s2, "https://%/", 0, &count, &e2), 0);
		assert_int_equal(count, 0);
		store_close(s2);
	}
	struct store *st = NULL;
	struct err err = { 0 };
	char *path;
	int64_t sid, removed;
	bool first;

	(void)state;
	st = fixture_store(&path);
	sid = add_statement(st, "m");
	/* A read: the inbox asks it first and records the id once handled. */
	assert_false(store_activity_is_seen(st, "https://x.example/a/1"));
	assert_false(store_activity_is_seen(st, NULL));
	assert_int_equal(store_activity_seen(st, "https://x.example/a/1", &first, &err), 0);
	assert_true(first);
	assert_true(store_activity_is_seen(st, "https://x.example/a/1"));
	assert_false(store_activity_is_seen(st, "https://x.example/a/10"));
	assert_int_equal(store_activity_seen(st, "https://x.example/a/1", &first, &err), 0);
	assert_false(first);
	assert_int_equal(store_activity_seen(st, "https://x.example/a/2", &first, &err), 0);
	assert_true(first);
	assert_int_equal(store_activity_forget(st, "https://x.example/a/2", &err), 0);
	assert_int_equal(store_activity_forget(st, "https://x.example/never", &err), 0);
	assert_false(store_activity_is_seen(st, "https://x.example/a/2"));
	assert_int_equal(store_activity_seen(st, "https://x.example/a/2", &first, &err), 0);
	assert_true(first);
	assert_int_equal(store_activity_seen_prune(st, 0, &removed, &err), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(store_activity_seen_prune(st, time(NULL) + 10, &removed, &err), 0);
	assert_int_equal(removed, 2);
	assert_int_equal(store_activity_seen(st, "https://x.example/a/1", &first, &err), 0);
	assert_true(first);

	assert_int_equal(store_mention_add(st, sid, "https://x.example/c/1", "https://x.example/x",
					   "https://x.example/n/1", "{\"type\":\"Create\"}", &err),
			 0);
	assert_int_equal(store_mention_add(st, sid, "https://x.example/c/1", "https://x.example/x",
					   "https://x.example/n/1", "{\"type\":\"Create\"}", &err),
			 0);
	store_close(st);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM mentions"), 1);
	free(path);
}

/* ---- actors ---- */

static void actors(void **state)
{
	struct store *st = fixture_store(NULL);
	struct remote_actor a = { 0 }, *got = NULL;
	struct signatory *one = NULL;
	struct err err = { 0 };
	int64_t sid = add_statement(st, "a"), count;

	(void)state;
	a.id = (char *)"https://m.example/users/org";
	a.type = (char *)"Organization";
	a.name = (char *)"Org";
	a.preferred_username = (char *)"org";
	a.handle = (char *)"@org@m.example";
	a.inbox = (char *)"https://m.example/users/org/inbox";
	a.shared_inbox = (char *)"https://m.example/inbox";
	a.key_id = (char *)"https://m.example/users/org#main-key";
	a.public_pem = (char *)"PEM";
	a.document = (char *)"{\"id\":1}";
	a.fetched_at = 77;
	assert_int_equal(store_actor_put(st, &a, &err), 0);
	a.name = (char *)"Org renamed";
	a.fetched_at = 78;
	assert_int_equal(store_actor_put(st, &a, &err), 0);

	assert_int_equal(store_actor_get(st, a.id, &got, &err), 0);
	assert_string_equal(got->name, "Org renamed");
	assert_string_equal(got->type, "Organization");
	assert_string_equal(got->handle, "@org@m.example");
	assert_string_equal(got->shared_inbox, "https://m.example/inbox");
	assert_null(got->url);
	assert_null(got->icon);
	assert_int_equal(got->fetched_at, 78);
	remote_actor_free(got);
	assert_int_equal(store_actor_get_by_key(st, "https://m.example/users/org#main-key", &got,
						&err),
			 0);
	assert_string_equal(got->id, a.id);
	assert_string_equal(got->public_pem, "PEM");
	remote_actor_free(got);
	assert_int_equal(store_actor_get_by_key(st, "https://m.example/other#k", &got, &err),
			 -ERR_NOTFOUND);
	assert_null(got);
	assert_int_equal(store_actor_get(st, "https://nope.example/", &got, &err), -ERR_NOTFOUND);
	a.type = NULL;
	assert_int_equal(store_actor_put(st, &a, &err), -ERR_INVALID);

	/* Delete: follows and reactions go; the signature stays for withdraw to decide. */
	assert_int_equal(store_follower_add(st, sid, "https://m.example/users/org", "f", &err), 0);
	assert_int_equal(store_follower_add(st, sid, "https://other.example/u", "g", &err), 0);
	assert_int_equal(store_reaction_add(st, sid, "like", "https://m.example/users/org", "l",
					    &err),
			 0);
	verified(st, sid, "https://m.example/users/org", "follow", "approved", 1, true);
	assert_int_equal(store_actor_delete(st, "https://m.example/users/org", &err), 0);
	assert_int_equal(store_actor_get(st, "https://m.example/users/org", &got, &err),
			 -ERR_NOTFOUND);
	assert_int_equal(store_follower_count(st, sid, &count, &err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_reaction_count(st, sid, "like", &count, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_signatory_get(st, sid, "https://m.example/users/org", &one, &err),
			 0);
	signatories_free(one, 1);
	remote_actor_free(NULL);
	store_close(st);
}

/* ---- blocks ---- */

static void blocks(void **state)
{
	struct store *st = fixture_store(NULL);
	struct err err = { 0 };
	char **list = NULL;
	size_t n = 0;
	bool removed;

	(void)state;
	assert_false(store_block_has(st, "example.com"));
	assert_int_equal(store_block_add(st, "Example.COM.", &err), 0);
	assert_int_equal(store_block_add(st, "example.com", &err), 0);
	assert_int_equal(store_block_add(st, "bad.net", &err), 0);
	assert_int_equal(store_block_add(st, "", &err), -ERR_INVALID);
	assert_int_equal(store_block_list(st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "bad.net");
	assert_string_equal(list[1], "example.com");
	strings_free(list, n);

	assert_true(store_block_has(st, "example.com"));
	assert_true(store_block_has(st, "EXAMPLE.com"));
	assert_true(store_block_has(st, "a.b.example.com"));
	assert_false(store_block_has(st, "notexample.com"));
	assert_false(store_block_has(st, "example.org"));
	assert_false(store_block_has(st, "com"));
	assert_false(store_block_has(st, NULL));

	assert_int_equal(store_block_remove(st, "EXAMPLE.COM", &removed, &err), 0);
	assert_true(removed);
	assert_int_equal(store_block_remove(st, "example.com", &removed, &err), 0);
	assert_false(removed);
	assert_false(store_block_has(st, "a.example.com"));
	store_close(st);
}

/* ---- delivery queue ---- */

static void queue(void **state)
{
	struct store *st = NULL;
	struct delivery *d = NULL, *e = NULL;
	struct err err = { 0 };
	char *path;
	char *boxes[] = { (char *)"https://a.example/inbox", (char *)"https://B.example:8443/inbox",
			  (char *)"https://c.example/inbox" };
	int64_t sid, now = (int64_t)time(NULL) + 5, count, when;
	size_t n = 0, m = 0;
	bool any;

	(void)state;
	st = fixture_store(&path);
	sid = add_statement(st, "q");
	assert_int_equal(store_delivery_pending(st, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_delivery_next_due(st, &when, &any, &err), 0);
	assert_false(any);

	assert_int_equal(store_delivery_add(st, sid, "{\"type\":\"Create\"}", boxes, 3, &err), 0);
	assert_int_equal(store_delivery_pending(st, &count, &err), 0);
	assert_int_equal(count, 3);
	assert_int_equal(store_delivery_next_due(st, &when, &any, &err), 0);
	assert_true(any);
	assert_true(when <= now);

	/* Claim two: leased, so a second claim at the same time gets only the third. */
	assert_int_equal(store_delivery_claim(st, now, 60, 2, &d, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(d[0].inbox, "https://a.example/inbox");
	assert_string_equal(d[0].body, "{\"type\":\"Create\"}");
	assert_int_equal(d[0].statement_id, sid);
	assert_int_equal(d[0].attempts, 0);
	assert_int_equal(store_delivery_claim(st, now, 60, 10, &e, &m, &err), 0);
	assert_int_equal(m, 1);
	assert_string_equal(e[0].inbox, "https://c.example/inbox");
	deliveries_free(e, m);
	assert_int_equal(store_delivery_claim(st, now + 59, 60, 10, &e, &m, &err), 0);
	assert_int_equal(m, 0);
	assert_null(e);

	/* As if the worker crashed: when the lease runs out, all three are due again. */
	assert_int_equal(store_delivery_claim(st, now + 60, 60, 10, &e, &m, &err), 0);
	assert_int_equal(m, 3);
	deliveries_free(e, m);

	/* done, retry, dead. */
	assert_int_equal(store_delivery_done(st, d[0].id, 202, &err), 0);
	assert_int_equal(store_delivery_done(st, d[0].id, 202, &err), 0); /* gone: a no-op */
	assert_int_equal(store_delivery_retry(st, d[1].id, 503, now + 500, &err), 0);
	assert_int_equal(store_delivery_pending(st, &count, &err), 0);
	assert_int_equal(count, 2);
	/* Before its time only the third is due again (its lease ran out), not the retried one. */
	assert_int_equal(store_delivery_claim(st, now + 499, 60, 10, &e, &m, &err), 0);
	assert_int_equal(m, 1);
	assert_string_equal(e[0].inbox, "https://c.example/inbox");
	assert_int_equal(store_delivery_done(st, e[0].id, 200, &err), 0);
	deliveries_free(e, m);
	assert_int_equal(store_delivery_claim(st, now + 500, 60, 10, &e, &m, &err), 0);
	assert_int_equal(m, 1);
	assert_string_equal(e[0].inbox, "https://B.example:8443/inbox");
	assert_int_equal(e[0].attempts, 1);
	assert_int_equal(e[0].last_status, 503);
	assert_int_equal(store_delivery_dead(st, e[0].id, 410, &err), 0);
	assert_true(store_inbox_is_dead(st, "https://B.example:8443/inbox"));
	assert_false(store_inbox_is_dead(st, "https://a.example/inbox"));
	deliveries_free(e, m);
	deliveries_free(d, n);
	assert_int_equal(store_delivery_pending(st, &count, &err), 0);
	assert_int_equal(count, 0);

	/* A dead inbox gets nothing new; the instance actor (0) can queue too. */
	assert_int_equal(store_delivery_add(st, 0, "{\"type\":\"Delete\"}", boxes + 1, 1, &err),
			 0);
	assert_int_equal(store_delivery_pending(st, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_inbox_revive_host(st, "a.example", &err), 0); /* another host */
	assert_true(store_inbox_is_dead(st, "https://B.example:8443/inbox"));
	assert_int_equal(store_inbox_revive_host(st, "", &err), -ERR_INVALID);
	assert_int_equal(store_inbox_revive_host(st, "B.EXAMPLE:8443", &err), 0);
	assert_false(store_inbox_is_dead(st, "https://B.example:8443/inbox"));
	assert_int_equal(store_delivery_add(st, 0, "{\"type\":\"Delete\"}", boxes + 1, 1, &err),
			 0);
	assert_int_equal(store_delivery_claim(st, now, 60, 10, &e, &m, &err), 0);
	assert_int_equal(m, 1);
	assert_int_equal(e[0].statement_id, 0);
	assert_int_equal(store_delivery_done(st, e[0].id, 202, &err), 0);
	deliveries_free(e, m);
	assert_int_equal(store_delivery_claim(st, now, 0, 10, &e, &m, &err), -ERR_INVALID);
	store_close(st);
	/* Bodies go with their last delivery. */
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM delivery_bodies"), 0);
	free(path);
}

static void dead_drops_queued_siblings(void **state)
{
	struct store *st = fixture_store(NULL);
	struct delivery *d = NULL;
	struct err err = { 0 };
	char *box[] = { (char *)"https://gone.example/inbox" };
	int64_t now = (int64_t)time(NULL) + 5, count;
	size_t n = 0;

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(store_delivery_add(st, 0, "{}", box, 1, &err), 0);
	assert_int_equal(store_delivery_claim(st, now, 60, 1, &d, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_delivery_dead(st, d[0].id, 410, &err), 0);
	deliveries_free(d, n);
	assert_int_equal(store_delivery_pending(st, &count, &err), 0);
	assert_int_equal(count, 0);
	store_close(st);
}

static void revive_by_authority(void **state)
{
	struct store *st = fixture_store(NULL);
	struct err err = { 0 };
	const char *plain = "https://a.example/inbox", *alt = "https://a.example:8443/inbox",
		   *local = "http://127.0.0.1:4001/inbox", *v6 = "http://[::1]:4001/inbox";

	(void)state;
	kill_inbox(st, plain);
	kill_inbox(st, alt);
	kill_inbox(st, local);
	kill_inbox(st, v6);

	/* Another port on the same host revives nothing. */
	assert_int_equal(store_inbox_revive_host(st, "https://a.example:9000/users/x", &err), 0);
	assert_int_equal(store_inbox_revive_host(st, "http://127.0.0.1:4002/users/x", &err), 0);
	assert_int_equal(store_inbox_revive_host(st, "127.0.0.1", &err), 0);
	assert_int_equal(store_inbox_revive_host(st, "[::1]:4002", &err), 0);
	assert_true(store_inbox_is_dead(st, plain) && store_inbox_is_dead(st, alt));
	assert_true(store_inbox_is_dead(st, local) && store_inbox_is_dead(st, v6));

	/* The default port is the absent one, whatever the case: only plain comes back. */
	assert_int_equal(store_inbox_revive_host(st, "HTTPS://A.Example:443/users/x", &err), 0);
	assert_false(store_inbox_is_dead(st, plain));
	assert_true(store_inbox_is_dead(st, alt));
	kill_inbox(st, plain);
	assert_int_equal(store_inbox_revive_host(st, "http://a.example:80/users/x", &err), 0);
	assert_false(store_inbox_is_dead(st, plain));
	kill_inbox(st, plain);
	assert_int_equal(store_inbox_revive_host(st, "a.example:443", &err), 0);
	assert_false(store_inbox_is_dead(st, plain));
	assert_true(store_inbox_is_dead(st, alt));

	/* The same authority, as a URL or bare. */
	assert_int_equal(store_inbox_revive_host(st, "https://A.EXAMPLE:8443/users/x", &err), 0);
	assert_false(store_inbox_is_dead(st, alt));
	assert_int_equal(store_inbox_revive_host(st, "127.0.0.1:4001", &err), 0);
	assert_false(store_inbox_is_dead(st, local));
	assert_true(store_inbox_is_dead(st, v6));
	assert_int_equal(store_inbox_revive_host(st, "http://[::1]:4001/users/x", &err), 0);
	assert_false(store_inbox_is_dead(st, v6));

	/* Nothing to take an authority from. */
	assert_int_equal(store_inbox_revive_host(st, NULL, &err), -ERR_INVALID);
	assert_int_equal(store_inbox_revive_host(st, "https://", &err), -ERR_INVALID);
	assert_int_equal(store_inbox_revive_host(st, "a.example:99999", &err), -ERR_INVALID);
	store_close(st);
}

static void disk_full_is_said(void **state)
{
	struct store *st = fixture_store(NULL);
	struct err err = { 0 };
	char *big = xmalloc(64 * 1024);
	int rc = 0;

	(void)state;
	memset(big, 'x', 64 * 1024 - 1);
	big[64 * 1024 - 1] = '\0';
	/* Cap the file at its current size: the next page it needs is a full disk. */
	assert_int_equal(sqlite3_exec(st->db, "PRAGMA max_page_count = 1", NULL, NULL, NULL),
			 SQLITE_OK);
	for (int i = 0; i < 4 && rc == 0; i++)
		rc = store_setting_set(st, "big", big, &err);
	assert_int_equal(rc, -ERR_IO);
	assert_non_null(strstr(err.msg, "disk full"));
	free(big);
	store_close(st);
}

/* ---- two connections at once ---- */

struct writer {
	const char *path;
	int id;
	int failures;
};

#define WRITES 150

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct store *st = NULL;
	struct err err = { 0 };
	struct statement *s = NULL;

	if (store_open(w->path, &st, &err)) {
		w->failures = WRITES;
		return NULL;
	}
	if (store_statement_get(st, "c", &s, &err)) {
		w->failures = WRITES;
		store_close(st);
		return NULL;
	}
	for (int i = 0; i < WRITES; i++) {
		char actor[64], *box[1] = { actor };
		bool first;

		snprintf(actor, sizeof(actor), "https://w%d.example/%d", w->id, i);
		if (store_follower_add(st, s->id, actor, actor, &err) ||
		    store_delivery_add(st, s->id, "{}", box, 1, &err) ||
		    store_activity_seen(st, actor, &first, &err) || !first)
			w->failures++;
	}
	statement_free(s);
	store_close(st);
	return NULL;
}

static void two_connections_write_at_once(void **state)
{
	struct store *st = NULL;
	struct writer w[2] = { { 0 } };
	pthread_t t[2];
	struct err err = { 0 };
	char *path;
	int64_t sid, count;

	(void)state;
	st = fixture_store(&path);
	sid = add_statement(st, "c");
	store_close(st);
	for (int i = 0; i < 2; i++) {
		w[i].path = path;
		w[i].id = i;
		assert_int_equal(pthread_create(&t[i], NULL, writer_main, &w[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	assert_int_equal(w[0].failures, 0);
	assert_int_equal(w[1].failures, 0);
	assert_int_equal(store_open(path, &st, &err), 0);
	assert_int_equal(store_follower_count(st, sid, &count, &err), 0);
	assert_int_equal(count, 2 * WRITES);
	assert_int_equal(store_delivery_pending(st, &count, &err), 0);
	assert_int_equal(count, 2 * WRITES);
	store_close(st);
	free(path);
}

struct pool_waiter {
	struct store_pool *pool;
	struct store *got;
	int done; /* set, under lock, once get has returned */
	pthread_mutex_t lock;
};

static void *pool_waiter_main(void *arg)
{
	struct pool_waiter *w = arg;
	struct store *st = store_pool_get(w->pool);

	pthread_mutex_lock(&w->lock);
	w->got = st;
	w->done = 1;
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

static void pool(void **state)
{
	struct store_pool *p = NULL;
	struct store *a, *b;
	struct pool_waiter w = { 0 };
	struct err err = { 0 };
	pthread_t t;
	char *path = fixture_path("t");
	int done;

	(void)state;
	assert_int_equal(store_pool_open(path, 0, &p, &err), -ERR_INVALID);
	assert_int_equal(store_pool_open(path, 2, &p, &err), 0);
	a = store_pool_get(p);
	b = store_pool_get(p);
	assert_non_null(a);
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	/* Both connections work on the same file. */
	assert_int_equal(store_setting_set(a, "k", "v", &err), 0);
	{
		char *v = NULL;

		assert_int_equal(store_setting_get(b, "k", &v, &err), 0);
		assert_string_equal(v, "v");
		free(v);
	}
	/* A third borrower waits until one comes back. */
	w.pool = p;
	pthread_mutex_init(&w.lock, NULL);
	assert_int_equal(pthread_create(&t, NULL, pool_waiter_main, &w), 0);
	usleep(100 * 1000);
	pthread_mutex_lock(&w.lock);
	done = w.done;
	pthread_mutex_unlock(&w.lock);
	assert_int_equal(done, 0);
	store_pool_put(p, b);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_ptr_equal(w.got, b);
	store_pool_put(p, w.got);
	store_pool_put(p, a);
	pthread_mutex_destroy(&w.lock);
	store_pool_close(p);
	store_pool_close(NULL);
	free(path);

	/* A pool fails as store_open does. */
	path = xasprintf("%s/no/such/dir.db", fixture_dir);
	assert_int_equal(store_pool_open(path, 2, &p, &err), -ERR_IO);
	assert_null(p);
	free(path);
}

/* Open file descriptors of this process. */
static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

/* Connections are opened when first lent, not all at once. */
static void pool_lazy(void **state)
{
	struct store_pool *p = NULL;
	struct store *st[8];
	struct err err = { 0 };
	char *path = fixture_path("lazy");
	int before, opened, one, all;

	(void)state;
	before = open_fds();
	assert_int_equal(store_pool_open(path, 8, &p, &err), 0);
	opened = open_fds();
	/* Lending one and taking it back, again and again, opens nothing more. */
	for (int i = 0; i < 20; i++) {
		st[0] = store_pool_get(p);
		assert_int_equal(store_setting_set(st[0], "k", "v", &err), 0);
		store_pool_put(p, st[0]);
	}
	one = open_fds();
	assert_int_equal(one, opened);
	for (int i = 0; i < 8; i++)
		st[i] = store_pool_get(p);
	all = open_fds();
	/* Seven more connections, each with a file of its own at least. */
	assert_true(all - opened >= 7);
	assert_true(opened - before < all - before);
	for (int i = 0; i < 8; i++)
		store_pool_put(p, st[i]);
	/* Once open, a connection stays open and is lent again. */
	st[0] = store_pool_get(p);
	assert_int_equal(open_fds(), all);
	store_pool_put(p, st[0]);
	store_pool_close(p);
	assert_int_equal(open_fds(), before);
	free(path);
}

/* ---- batches and group commit ---- */

static void batch(void **state)
{
	struct store *st;
	struct err err = { 0 };
	struct statement dup = { 0 };
	char *path;
	int64_t sid;

	(void)state;
	st = fixture_store(&path);
	sid = add_statement(st, "batched");
	assert_int_equal(store_batch_begin(st, &err), 0);
	assert_int_equal(store_batch_begin(st, &err), -ERR_INVALID);
	assert_int_equal(store_follower_add(st, sid, "https://a.example/u/1", NULL, &err), 0);
	/* A call that fails inside the batch undoes only its own part. */
	dup.slug = (char *)"batched";
	dup.title = (char *)"Again";
	dup.content_html = (char *)"<p>x</p>";
	dup.public_pem = (char *)"P";
	dup.private_pem = (char *)"K";
	assert_int_equal(store_statement_import(st, &dup, NULL, 0, &err), -ERR_EXISTS);
	assert_int_equal(store_follower_add(st, sid, "https://a.example/u/2", NULL, &err), 0);
	/* Not visible to another connection before the commit. */
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 0);
	assert_int_equal(store_batch_commit(st, &err), 0);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 2);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM statements"), 1);
	/* Rolled back: nothing of it stays, and the connection works on. */
	assert_int_equal(store_batch_begin(st, &err), 0);
	assert_int_equal(store_follower_add(st, sid, "https://a.example/u/3", NULL, &err), 0);
	store_batch_rollback(st);
	store_batch_rollback(NULL);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 2);
	assert_int_equal(store_batch_commit(st, &err), -ERR_IO);
	assert_int_equal(store_follower_add(st, sid, "https://a.example/u/4", NULL, &err), 0);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 3);
	store_close(st);
	free(path);
}

struct durable_writer {
	struct store_pool *pool;
	int64_t sid;
	int n, id, failures;
};

static void *durable_writer_main(void *arg)
{
	struct durable_writer *w = arg;

	for (int i = 0; i < w->n; i++) {
		struct store *st = store_pool_get(w->pool);
		struct err err = { 0 };
		char actor[64];

		snprintf(actor, sizeof(actor), "https://w%d.example/u/%d", w->id, i);
		if (store_follower_add(st, w->sid, actor, NULL, &err) ||
		    store_pool_durable(w->pool, st, &err))
			w->failures++;
		store_pool_put(w->pool, st);
	}
	return NULL;
}

static void pool_group_commit(void **state)
{
	struct store_pool *p = NULL;
	struct durable_writer w[4];
	pthread_t t[4];
	struct store *st;
	struct err err = { 0 };
	char *path;
	int64_t sid;

	(void)state;
	st = fixture_store(&path);
	sid = add_statement(st, "durable");
	store_close(st);
	assert_int_equal(store_pool_open(path, 3, &p, &err), 0);
	/* Nothing changed: nothing to sync. */
	st = store_pool_get(p);
	assert_int_equal(store_pool_durable(p, st, &err), 0);
	store_pool_put(p, st);
	for (int i = 0; i < 4; i++) {
		w[i] = (struct durable_writer){ .pool = p, .sid = sid, .n = 50, .id = i };
		assert_int_equal(pthread_create(&t[i], NULL, durable_writer_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 200);
	store_pool_close(p);
	free(path);
}

struct batch_writer {
	struct store_pool *pool;
	int64_t sid;
	int n, id, failures;
	bool keep;
};

static void *batch_writer_main(void *arg)
{
	struct batch_writer *w = arg;

	for (int i = 0; i < w->n; i++) {
		struct store *own = store_pool_get(w->pool), *wr = NULL;
		struct err err = { 0 };
		char actor[64];

		snprintf(actor, sizeof(actor), "https://b%d.example/u/%d", w->id, i);
		if (store_pool_writer_enter(w->pool, &wr, &err) ||
		    store_follower_add(wr, w->sid, actor, NULL, &err) ||
		    store_pool_writer_leave(w->pool, wr, w->keep, own, &err))
			w->failures++;
		store_pool_put(w->pool, own);
	}
	return NULL;
}

static void pool_write_batches(void **state)
{
	struct store_pool *p = NULL;
	struct batch_writer w[4];
	pthread_t t[4];
	struct store *st, *own, *idle, *wr = NULL;
	struct err err = { 0 };
	char *path;
	int64_t sid;

	(void)state;
	st = fixture_store(&path);
	sid = add_statement(st, "batches");
	store_close(st);
	assert_int_equal(store_pool_open(path, 5, &p, &err), 0);
	/* Alone: the batch commits at leave, and another connection sees it. */
	own = store_pool_get(p);
	assert_int_equal(store_pool_writer_enter(p, &wr, &err), 0);
	assert_non_null(wr);
	assert_ptr_not_equal(wr, own);
	assert_int_equal(store_follower_add(wr, sid, "https://a.example/u/1", NULL, &err), 0);
	assert_int_equal(store_pool_writer_leave(p, wr, true, own, &err), 0);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 1);
	/* Another thread holds a connection and may still join: the batch waits for its window. */
	idle = store_pool_get(p);
	assert_int_equal(store_pool_writer_enter(p, &wr, &err), 0);
	assert_int_equal(store_follower_add(wr, sid, "https://a.example/u/2", NULL, &err), 0);
	assert_int_equal(store_pool_writer_leave(p, wr, true, own, &err), 0);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 2);
	/* A run not kept leaves nothing. */
	assert_int_equal(store_pool_writer_enter(p, &wr, &err), 0);
	assert_int_equal(store_follower_add(wr, sid, "https://a.example/u/3", NULL, &err), 0);
	assert_int_equal(store_pool_writer_leave(p, wr, false, own, &err), 0);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 2);
	store_pool_put(p, idle);
	store_pool_put(p, own);
	/* Threads at once, one of them undoing its runs: the others' runs all stay. */
	for (int i = 0; i < 4; i++) {
		w[i] = (struct batch_writer){ .pool = p, .sid = sid, .n = 40, .id = i, .keep = i != 2 };
		assert_int_equal(pthread_create(&t[i], NULL, batch_writer_main, &w[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], NULL), 0);
		assert_int_equal(w[i].failures, 0);
	}
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers"), 2 + 3 * 40);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM followers WHERE actor_id LIKE "
				       "'https://b2.%'"),
			 0);
	store_pool_close(p);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(open_creates_schema),
		cmocka_unit_test(reopen_keeps_data),
		cmocka_unit_test(refuses_foreign_files),
		cmocka_unit_test(statements),
		cmocka_unit_test(statement_import_is_atomic),
		cmocka_unit_test(signatories),
		cmocka_unit_test(batched_updates),
		cmocka_unit_test(update_publish),
		cmocka_unit_test(followers),
		cmocka_unit_test(reactions),
		cmocka_unit_test(audience_inboxes),
		cmocka_unit_test(audience_inboxes_agree),
		cmocka_unit_test(audience_inboxes_migrated),
		cmocka_unit_test(activities_and_mentions),
		cmocka_unit_test(actors),
		cmocka_unit_test(blocks),
		cmocka_unit_test(queue),
		cmocka_unit_test(dead_drops_queued_siblings),
		cmocka_unit_test(revive_by_authority),
		cmocka_unit_test(disk_full_is_said),
		cmocka_unit_test(two_connections_write_at_once),
		cmocka_unit_test(pool),
		cmocka_unit_test(pool_lazy),
		cmocka_unit_test(batch),
		cmocka_unit_test(pool_group_commit),
		cmocka_unit_test(pool_write_batches),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
