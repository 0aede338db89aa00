/*
 * Unit tests of the statement's life in the store (store/life.c): versions of
 * the text, translations, deletion, the publisher's events and the index's
 * followers. Real sqlite files in a temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "store/db.h"
#include "store/store.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"

#include "tests/unit/fixture.h"

static struct statement base(const char *slug)
{
	struct statement s = { 0 };

	s.slug = (char *)slug;
	s.title = (char *)"Hands off";
	s.lang = (char *)"en";
	s.dateline = (char *)"Friday";
	s.summary = (char *)"We condemn.";
	s.content_html = (char *)"<p>We condemn.</p>";
	s.published = s.updated = 1000;
	s.public_pem = (char *)"PUBLIC";
	s.private_pem = (char *)"PRIVATE";
	return s;
}

static struct statement_text text(const char *lang, const char *title, const char *html)
{
	struct statement_text t = { 0 };

	t.lang = (char *)lang;
	t.title = (char *)title;
	t.dateline = (char *)"";
	t.summary = (char *)"";
	t.content_html = (char *)html;
	return t;
}

/* A statement in en with translations es and fr; its id. */
static int64_t add_translated(struct store *st, const char *slug)
{
	struct statement s = base(slug);
	struct statement_text tr[] = { text("fr", "Bas les pattes", "<p>Nous condamnons.</p>"),
				       text("es", "Manos fuera", "<p>Condenamos.</p>") };
	struct signatory sig = { .name = (char *)"Party A", .country = (char *)"Malaysia" };
	struct err err;

	if (store_statement_import_translated(st, &s, &sig, 1, tr, 2, &err))
		fail_msg("import: %s", err.msg);
	return s.id;
}

static void first_version_is_written_with_the_statement(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	struct statement s = base("plain");
	struct statement_text *t = NULL;
	struct statement_version *v = NULL;
	struct statement_event *ev = NULL;
	struct err err;
	size_t n = 0;
	int got = 0;

	(void)state;
	assert_int_equal(store_statement_add(st, &s, &err), 0);
	/* whatever adds a statement writes version 1 (a trigger) */
	assert_int_equal(store_statement_texts(st, s.id, 0, &t, &n, &got, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(got, 1);
	assert_string_equal(t[0].lang, "en");
	assert_string_equal(t[0].title, "Hands off");
	assert_string_equal(t[0].content_html, "<p>We condemn.</p>");
	statement_texts_free(t, n);
	assert_int_equal(store_statement_versions(st, s.id, &v, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(v[0].version, 1);
	assert_int_equal(v[0].created, 1000);
	free(v);
	/* and the announcement of a new statement for the index's followers */
	assert_int_equal(store_events_pending(st, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].kind, "announce");
	assert_int_equal(ev[0].statement_id, s.id);
	statement_events_free(ev, n);
	assert_int_equal(store_statement_texts(st, s.id, 2, &t, &n, NULL, &err), -ERR_NOTFOUND);
	assert_null(t);
	store_close(st);
	assert_int_equal(fixture_sql_int(path, "PRAGMA user_version") >= 7, 1);
	free(path);
}

static void import_with_translations(void **state)
{
	struct store *st = fixture_store(NULL);
	struct statement s = base("bad");
	struct statement_text own[] = { text("en", "T", "<p>x</p>") };
	struct statement_text twice[] = { text("es", "T", "<p>x</p>"),
					  text("es", "U", "<p>y</p>") };
	struct statement_text empty[] = { text("es", "T", "") };
	struct statement *got = NULL;
	struct statement_text *t = NULL;
	struct err err;
	size_t n = 0;
	int64_t id = add_translated(st, "tr");

	(void)state;
	assert_int_equal(store_statement_texts(st, id, 0, &t, &n, NULL, &err), 0);
	assert_int_equal(n, 3);
	/* the statement's own language first, then the others by tag */
	assert_string_equal(t[0].lang, "en");
	assert_string_equal(t[1].lang, "es");
	assert_string_equal(t[1].title, "Manos fuera");
	assert_string_equal(t[2].lang, "fr");
	statement_texts_free(t, n);
	/* refused translations leave nothing behind */
	assert_int_equal(store_statement_import_translated(st, &s, NULL, 0, own, 1, &err),
			 -ERR_INVALID);
	assert_int_equal(store_statement_import_translated(st, &s, NULL, 0, twice, 2, &err),
			 -ERR_INVALID);
	assert_int_equal(store_statement_import_translated(st, &s, NULL, 0, empty, 1, &err),
			 -ERR_INVALID);
	assert_int_equal(store_statement_get(st, "bad", &got, &err), -ERR_NOTFOUND);
	/* a slug taken: nothing of the second import stays, translations included */
	s.slug = (char *)"tr";
	assert_int_equal(store_statement_import_translated(st, &s, NULL, 0, empty + 0, 0, &err),
			 -ERR_EXISTS);
	assert_int_equal(s.id, 0);
	store_close(st);
}

static void edit_makes_a_version(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	int64_t id = add_translated(st, "ed");
	struct statement_text edit[] = { text("en", "Hands off!", "<p>We condemn it.</p>"),
					 text("es", "Manos fuera!", "<p>Lo condenamos.</p>"),
					 text("de", "Hände weg", "<p>Wir verurteilen.</p>") };
	struct statement_text *t = NULL;
	struct statement_version *v = NULL;
	struct statement *s = NULL;
	struct err err;
	size_t n = 0;
	int version = 0;
	int64_t *due = NULL;

	(void)state;
	assert_int_equal(store_statement_edit(st, id, edit, 3, 5000, 5000, &version, &err), 0);
	assert_int_equal(version, 2);
	/* the statement row holds the current text in its own language */
	assert_int_equal(store_statement_get_by_id(st, id, &s, &err), 0);
	assert_string_equal(s->title, "Hands off!");
	assert_string_equal(s->content_html, "<p>We condemn it.</p>");
	assert_string_equal(s->dateline, "");
	statement_free(s);
	/* version 2: en, es and de as given; fr carried over as it was */
	assert_int_equal(store_statement_texts(st, id, 0, &t, &n, &version, &err), 0);
	assert_int_equal(version, 2);
	assert_int_equal(n, 4);
	assert_string_equal(t[0].lang, "en");
	assert_string_equal(t[1].lang, "de");
	assert_string_equal(t[2].lang, "es");
	assert_string_equal(t[2].title, "Manos fuera!");
	assert_string_equal(t[3].lang, "fr");
	assert_string_equal(t[3].title, "Bas les pattes");
	statement_texts_free(t, n);
	/* version 1 stays readable */
	assert_int_equal(store_statement_texts(st, id, 1, &t, &n, NULL, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(t[0].title, "Hands off");
	statement_texts_free(t, n);
	assert_int_equal(store_statement_versions(st, id, &v, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(v[1].version, 2);
	assert_int_equal(v[1].created, 5000);
	assert_int_equal(v[1].n_langs, 4);
	free(v);
	/* the edit of the post is due */
	assert_int_equal(store_statement_updates_due(st, 5000, &due, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(due[0], id);
	free(due);
	store_close(st);
	free(path);
}

static void edit_refused_changes_nothing(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	int64_t id = add_translated(st, "ref");
	struct statement_text same[] = { text("en", "Hands off", "<p>We condemn.</p>") };
	struct statement_text empty[] = { text("en", "Hands off", "") };
	struct statement_text untitled[] = { text("en", "", "<p>x</p>") };
	struct statement_text other[] = { text("es", "Manos", "<p>x</p>") };
	struct statement_text twice[] = { text("en", "A", "<p>x</p>"), text("fr", "B", "<p>y</p>"),
					  text("fr", "C", "<p>z</p>") };
	struct err err;

	(void)state;
	same[0].dateline = (char *)"Friday";
	same[0].summary = (char *)"We condemn.";
	assert_int_equal(store_statement_edit(st, id, same, 1, 5000, 5000, NULL, &err),
			 -ERR_EXISTS);
	assert_non_null(strstr(err.msg, "nothing changed"));
	assert_int_equal(store_statement_edit(st, id, empty, 1, 5000, 5000, NULL, &err),
			 -ERR_INVALID);
	assert_non_null(strstr(err.msg, "empty"));
	assert_int_equal(store_statement_edit(st, id, untitled, 1, 5000, 5000, NULL, &err),
			 -ERR_INVALID);
	assert_int_equal(store_statement_edit(st, id, other, 1, 5000, 5000, NULL, &err),
			 -ERR_INVALID);
	assert_non_null(strstr(err.msg, "own language (en)"));
	assert_int_equal(store_statement_edit(st, id, twice, 3, 5000, 5000, NULL, &err),
			 -ERR_INVALID);
	assert_int_equal(store_statement_edit(st, id, same, 0, 5000, 5000, NULL, &err),
			 -ERR_INVALID);
	assert_int_equal(store_statement_edit(st, 999, empty, 1, 5000, 5000, NULL, &err),
			 -ERR_NOTFOUND);
	store_close(st);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM statement_texts"), 3);
	assert_int_equal(
	    fixture_sql_int(path, "SELECT count(*) FROM statements WHERE update_due_at IS NOT NULL"), 0);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM statements WHERE title = 'Hands off'"),
			 1);
	free(path);
}

static void translations_are_added_and_replaced(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	int64_t id = add_translated(st, "tp");
	struct statement_text de = text("de", "Hände weg", "<p>Wir verurteilen.</p>");
	struct statement_text de2 = text("de", "Hände weg!", "<p>Wir verurteilen das.</p>");
	struct statement_text own = text("en", "Other", "<p>x</p>");
	struct statement_text empty = text("it", "Giù le mani", "");
	struct statement_text *t = NULL;
	struct err err;
	bool replaced = true;
	size_t n = 0;
	int version = 0;

	(void)state;
	assert_int_equal(store_translation_put(st, id, &de, 3000, &replaced, &err), 0);
	assert_false(replaced);
	assert_int_equal(store_translation_put(st, id, &de2, 3000, &replaced, &err), 0);
	assert_true(replaced);
	assert_int_equal(store_translation_put(st, id, &de2, 3000, &replaced, &err), -ERR_EXISTS);
	assert_int_equal(store_translation_put(st, id, &own, 3000, NULL, &err), -ERR_INVALID);
	assert_non_null(strstr(err.msg, "statement edit"));
	assert_int_equal(store_translation_put(st, id, &empty, 3000, NULL, &err), -ERR_INVALID);
	assert_int_equal(store_translation_put(st, 999, &de, 3000, NULL, &err), -ERR_NOTFOUND);
	/* a translation is the same version of the statement, in one more language */
	assert_int_equal(store_statement_texts(st, id, 0, &t, &n, &version, &err), 0);
	assert_int_equal(version, 1);
	assert_int_equal(n, 4);
	assert_string_equal(t[1].lang, "de");
	assert_string_equal(t[1].title, "Hände weg!");
	statement_texts_free(t, n);
	store_close(st);
	assert_int_equal(fixture_sql_int(path, "SELECT update_due_at FROM statements"), 3000);
	free(path);
}

static void translations_are_bounded(void **state)
{
	struct store *st = fixture_store(NULL);
	int64_t id = add_translated(st, "many");
	static const char *const tags[] = { "de", "it", "pt", "nl", "sv", "da", "fi", "pl",
					    "cs", "sk", "sl", "hr", "sr", "bg", "ro", "hu",
					    "el", "tr", "ar", "he", "fa", "hi", "bn", "ta",
					    "te", "ml", "th", "vi", "id", "ms" };
	struct err err;
	size_t i;
	int rc = 0;

	(void)state;
	/* en, es, fr, then more up to the limit */
	for (i = 0; i < sizeof(tags) / sizeof(tags[0]); i++) {
		struct statement_text t = text(tags[i], "T", "<p>x</p>");

		rc = store_translation_put(st, id, &t, 3000, NULL, &err);
		if (rc)
			break;
	}
	assert_int_equal(rc, -ERR_TOOBIG);
	assert_int_equal(i + 3, LIMIT_TRANSLATIONS);
	store_close(st);
}

static void deleted_statements_are_gone_but_kept(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	int64_t id = add_translated(st, "del");
	struct statement_text edit[] = { text("en", "New", "<p>New.</p>") };
	struct statement_text de = text("de", "Hände weg", "<p>Wir.</p>");
	struct statement *s = NULL, **list = NULL;
	struct statement_event *ev = NULL;
	struct err err;
	int64_t when = -1, *due = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(store_statement_deleted(st, "del", &when, &err), 0);
	assert_int_equal(when, 0);
	assert_int_equal(store_statement_schedule_update(st, id, 10, &err), 0);
	assert_int_equal(store_statement_delete(st, id, 7000, &err), 0);
	assert_int_equal(store_statement_delete(st, id, 7001, &err), -ERR_NOTFOUND);
	/* gone for the slug lookups, the list and the publisher ... */
	assert_int_equal(store_statement_get(st, "del", &s, &err), -ERR_NOTFOUND);
	assert_int_equal(store_statement_list(st, &list, &n, &err), 0);
	assert_int_equal(n, 0);
	statements_free(list, n);
	assert_int_equal(store_statement_updates_due(st, 100000, &due, &n, &err), 0);
	assert_int_equal(n, 0);
	free(due);
	assert_int_equal(store_statement_edit(st, id, edit, 1, 8000, 8000, NULL, &err),
			 -ERR_NOTFOUND);
	assert_int_equal(store_translation_put(st, id, &de, 8000, NULL, &err), -ERR_NOTFOUND);
	/* ... but kept: its key signs the Delete, its slug is never reused */
	assert_int_equal(store_statement_get_by_id(st, id, &s, &err), 0);
	assert_string_equal(s->private_pem, "PRIVATE");
	statement_free(s);
	assert_int_equal(store_statement_deleted(st, "del", &when, &err), 0);
	assert_int_equal(when, 7000);
	assert_int_equal(store_statement_deleted(st, "never", &when, &err), -ERR_NOTFOUND);
	{
		struct statement again = base("del");

		assert_int_equal(store_statement_add(st, &again, &err), -ERR_EXISTS);
	}
	/* the announcement that was never sent is dropped; the Delete is to send */
	assert_int_equal(store_events_pending(st, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(ev[0].kind, "delete");
	assert_int_equal(ev[0].statement_id, id);
	assert_int_equal(ev[0].created, 7000);
	statement_events_free(ev, n);
	store_close(st);
	assert_int_equal(fixture_sql_int(path, "SELECT count(*) FROM statement_texts"), 3);
	free(path);
}

static void events_are_published_once(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	struct statement s = base("ev");
	struct statement_event *ev = NULL;
	char *inboxes[] = { (char *)"https://a.example/inbox", (char *)"https://b.example/inbox" };
	struct store_outgoing out[] = { { "{\"type\":\"Announce\"}", inboxes, 2 } };
	struct err err;
	size_t n = 0;
	int64_t pending = 0;

	(void)state;
	assert_int_equal(store_statement_add(st, &s, &err), 0);
	assert_int_equal(store_events_pending(st, &ev, &n, &err), 0);
	assert_int_equal(n, 1);
	/* queued as the instance actor's (signer 0), and the event is gone */
	assert_int_equal(store_event_publish(st, ev[0].id, 0, out, 1, &err), 0);
	assert_int_equal(store_delivery_pending(st, &pending, &err), 0);
	assert_int_equal(pending, 2);
	/* a second publisher finds it done and queues nothing */
	assert_int_equal(store_event_publish(st, ev[0].id, 0, out, 1, &err), 0);
	assert_int_equal(store_delivery_pending(st, &pending, &err), 0);
	assert_int_equal(pending, 2);
	statement_events_free(ev, n);
	assert_int_equal(store_events_pending(st, &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	store_close(st);
	assert_int_equal(
	    fixture_sql_int(path, "SELECT count(*) FROM delivery_bodies WHERE statement_id IS NULL"), 1);
	free(path);
}

static void put_actor(struct store *st, const char *id, const char *inbox, const char *shared)
{
	struct remote_actor a = { 0 };
	struct err err;

	a.id = (char *)id;
	a.type = (char *)"Person";
	a.inbox = (char *)inbox;
	a.shared_inbox = (char *)shared;
	a.fetched_at = 1;
	if (store_actor_put(st, &a, &err))
		fail_msg("actor: %s", err.msg);
}

static void index_followers(void **state)
{
	struct store *st = fixture_store(NULL);
	struct err err;
	char **list = NULL;
	size_t n = 0;
	int64_t count = 0;
	bool removed = true;

	(void)state;
	put_actor(st, "https://a.example/users/1", "https://a.example/users/1/inbox",
		  "https://a.example/inbox");
	put_actor(st, "https://a.example/users/2", "https://a.example/users/2/inbox",
		  "https://a.example/inbox");
	put_actor(st, "https://b.example/u", "https://b.example/u/inbox", NULL);
	assert_int_equal(store_index_follower_add(st, "https://a.example/users/1", "f1", &err), 0);
	assert_int_equal(store_index_follower_add(st, "https://a.example/users/1", "f1b", &err), 0);
	assert_int_equal(store_index_follower_add(st, "https://a.example/users/2", "f2", &err), 0);
	assert_int_equal(store_index_follower_add(st, "https://b.example/u", "f3", &err), 0);
	assert_int_equal(store_index_follower_add(st, "https://c.example/unknown", "f4", &err), 0);
	assert_int_equal(store_index_follower_add(st, "", "f5", &err), -ERR_INVALID);
	assert_int_equal(store_index_follower_count(st, &count, &err), 0);
	assert_int_equal(count, 4);
	assert_int_equal(store_index_follower_list(st, 1, 2, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	strings_free(list, n);
	/* one delivery per shared inbox; actors not in the cache have none */
	assert_int_equal(store_index_follower_inboxes(st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "https://a.example/inbox");
	assert_string_equal(list[1], "https://b.example/u/inbox");
	strings_free(list, n);
	/* an Undo names its Follow: the old one removes nothing */
	assert_int_equal(
	    store_index_follower_remove(st, "https://a.example/users/1", "f1", &removed, &err), 0);
	assert_false(removed);
	assert_int_equal(
	    store_index_follower_remove(st, "https://a.example/users/1", "f1b", &removed, &err), 0);
	assert_true(removed);
	assert_int_equal(
	    store_index_follower_remove(st, "https://b.example/u", NULL, &removed, &err), 0);
	assert_true(removed);
	assert_int_equal(store_index_follower_count(st, &count, &err), 0);
	assert_int_equal(count, 2);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_version_is_written_with_the_statement),
		cmocka_unit_test(import_with_translations),
		cmocka_unit_test(edit_makes_a_version),
		cmocka_unit_test(edit_refused_changes_nothing),
		cmocka_unit_test(translations_are_added_and_replaced),
		cmocka_unit_test(translations_are_bounded),
		cmocka_unit_test(deleted_statements_are_gone_but_kept),
		cmocka_unit_test(events_are_published_once),
		cmocka_unit_test(index_followers),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
