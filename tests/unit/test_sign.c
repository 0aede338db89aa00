/*
 * Unit tests of the signing rules that need no network: policy, the sign
 * word, and in the store, a signature that stands while one of its signing
 * activities does (each kept with its proof).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "activitypub/sign.h"
#include "store/store.h"
#include "tests/unit/fixture.h"
#include "util/str.h"

static void policy(void **state)
{
	(void)state;
	assert_string_equal(sign_initial_state("open", "Organization"), "approved");
	assert_string_equal(sign_initial_state("open", "Person"), "pending");
	assert_string_equal(sign_initial_state("open", "Service"), "pending");
	assert_string_equal(sign_initial_state("open", NULL), "pending");
	assert_string_equal(sign_initial_state("review", "Organization"), "pending");
	assert_null(sign_initial_state("closed", "Organization"));
	assert_null(sign_initial_state("closed", "Person"));
}

static void sign_word(void **state)
{
	(void)state;
	/* How Mastodon renders a mention followed by a word. */
	assert_true(sign_word_present(
		"<p><span class=\"h-card\"><a href=\"https://s.example/s/x\" class=\"u-url mention\">"
		"@<span>x</span></a></span> sign</p>",
		"sign"));
	assert_true(sign_word_present("<p>We SIGN.</p>", "sign"));
	assert_true(sign_word_present("<p>sign, please</p><p>thanks</p>", "sign"));
	assert_false(sign_word_present("<p>signature soon</p>", "sign"));
	assert_false(sign_word_present("<p>design</p>", "sign"));
	assert_false(sign_word_present("<p>@sign@example.org hello</p>", "sign"));
	assert_false(sign_word_present("<p>#sign</p>", "sign"));
	assert_false(sign_word_present("<p>https://example.org/sign</p>", "sign"));
	assert_false(sign_word_present("<a href=\"sign\">x</a>", "sign"));
	assert_false(sign_word_present("", "sign"));
	assert_false(sign_word_present(NULL, "sign"));
	assert_false(sign_word_present("<p>sign</p>", ""));
	assert_true(sign_word_present("<p>firmar</p>", "firmar"));
	assert_false(sign_word_present("<p unclosed", "sign"));
}

/* ---- a signature and its signing activities, in the store ---- */

#define ORG "https://org.example/users/o"
#define FOLLOW "https://org.example/follows/1"
#define ENDORSE "https://org.example/endorses/1"

static int64_t statement(struct store *st)
{
	struct statement s = { 0 };
	struct err err;

	s.slug = (char *)"st";
	s.title = (char *)"A statement";
	s.public_pem = (char *)"-";
	s.private_pem = (char *)"-";
	assert_int_equal(store_statement_add(st, &s, &err), 0);
	return s.id;
}

/* ORG signs statement sid by activity (how, at time t, its proof "{\"p\":\"<activity>\"}"). */
static bool sign_by(struct store *st, int64_t sid, const char *activity, const char *how,
		    int64_t t, int64_t *id)
{
	struct signatory g = { 0 };
	char *proof = xasprintf("{\"p\":\"%s\"}", activity);
	struct err err;
	bool created = false;

	g.name = (char *)"Org";
	g.actor_id = (char *)ORG;
	g.how = (char *)how;
	g.state = (char *)"approved";
	g.actor_type = (char *)"Organization";
	g.signed_at = t;
	g.activity_id = (char *)activity;
	assert_int_equal(store_signatory_add_verified(st, sid, &g, proof, id, &created, &err), 0);
	free(proof);
	return created;
}

/* The signature as shown: state, how, activity, time, and that its proof is the activity's. */
static void shows(struct store *st, int64_t sid, const char *state, const char *how,
		  const char *activity, int64_t t)
{
	struct signatory *g = NULL;
	char *proof = NULL, *want;
	struct err err;

	assert_int_equal(store_signatory_get(st, sid, ORG, &g, &err), 0);
	assert_string_equal(g->state, state);
	assert_string_equal(g->how, how);
	assert_string_equal(g->activity_id, activity);
	assert_int_equal(g->signed_at, t);
	assert_int_equal(store_signatory_proof(st, g->id, &proof, &err), 0);
	want = xasprintf("{\"p\":\"%s\"}", activity);
	assert_string_equal(proof, want);
	free(want);
	free(proof);
	signatories_free(g, 1);
}

static size_t standing(struct store *st, int64_t id)
{
	char **list = NULL;
	size_t n = 0;
	struct err err;

	assert_int_equal(store_signing_activities(st, id, &list, &n, &err), 0);
	strings_free(list, n);
	return n;
}

static struct signing_undo undo(struct store *st, const char *actor, const char *activity)
{
	struct signing_undo u;
	struct err err;

	assert_int_equal(store_signatory_withdraw_activity(st, actor, activity, &u, &err), 0);
	return u;
}

/* Follow, then Endorse; Undo of the Follow: still signed (by the Endorse); then of the Endorse: withdrawn. */
static void follow_endorse_undo_follow(void **state)
{
	struct store *st = fixture_store(NULL);
	int64_t sid = statement(st), id = 0, id2 = 0;
	struct signing_undo u;

	(void)state;
	assert_true(sign_by(st, sid, FOLLOW, "follow", 10, &id));
	assert_false(sign_by(st, sid, ENDORSE, "endorse", 20, &id2)); /* one signature */
	assert_int_equal(id2, id);
	assert_false(sign_by(st, sid, ENDORSE, "endorse", 30, NULL)); /* a redelivery: nothing new */
	assert_int_equal(standing(st, id), 2);
	shows(st, sid, "approved", "follow", FOLLOW, 10);

	u = undo(st, ORG, FOLLOW);
	assert_int_equal(u.statement_id, sid);
	assert_true(u.approved);
	assert_false(u.withdrawn);
	assert_true(u.shown_changed);
	shows(st, sid, "approved", "endorse", ENDORSE, 20); /* the Endorse, with its own proof */
	assert_int_equal(standing(st, id), 1);
	assert_int_equal(undo(st, ORG, FOLLOW).statement_id, 0); /* undone already */

	u = undo(st, ORG, ENDORSE);
	assert_int_equal(u.statement_id, sid);
	assert_true(u.withdrawn);
	shows(st, sid, "withdrawn", "endorse", ENDORSE, 20);
	assert_int_equal(standing(st, id), 0);
	store_close(st);
}

/* The reverse order, and the Undo of the one not shown: nothing shown changes. */
static void endorse_follow_undo_either(void **state)
{
	struct store *st = fixture_store(NULL);
	int64_t sid = statement(st), id = 0;
	struct signing_undo u;

	(void)state;
	assert_true(sign_by(st, sid, ENDORSE, "endorse", 10, &id));
	assert_false(sign_by(st, sid, FOLLOW, "follow", 20, NULL));
	u = undo(st, ORG, FOLLOW);
	assert_int_equal(u.statement_id, sid);
	assert_false(u.withdrawn);
	assert_false(u.shown_changed);
	shows(st, sid, "approved", "endorse", ENDORSE, 10);
	/* Another actor cannot undo it. */
	assert_int_equal(undo(st, "https://evil.example/users/e", ENDORSE).statement_id, 0);
	assert_true(undo(st, ORG, ENDORSE).withdrawn);
	shows(st, sid, "withdrawn", "endorse", ENDORSE, 10);

	/* Signing again after the withdrawal: the same row, only the new activity stands. */
	assert_true(sign_by(st, sid, FOLLOW "/2", "follow", 40, NULL));
	assert_int_equal(standing(st, id), 1);
	shows(st, sid, "approved", "follow", FOLLOW "/2", 40);
	assert_int_equal(undo(st, ORG, ENDORSE).statement_id, 0);
	store_close(st);
}

/* Block, Delete of the actor, a coordinator: withdrawn at once, whatever still stands. */
static void withdrawn_at_once(void **state)
{
	struct store *st = fixture_store(NULL);
	int64_t sid = statement(st), id = 0;
	struct signatory *g = NULL;
	struct err err;
	bool changed = false;

	(void)state;
	assert_true(sign_by(st, sid, FOLLOW, "follow", 10, &id));
	assert_false(sign_by(st, sid, ENDORSE, "endorse", 20, NULL));
	assert_int_equal(store_signatory_withdraw(st, sid, ORG, &changed, &err), 0);
	assert_true(changed);
	assert_int_equal(standing(st, id), 0);
	assert_int_equal(undo(st, ORG, ENDORSE).statement_id, 0); /* nothing left to undo */
	assert_int_equal(store_signatory_get(st, sid, ORG, &g, &err), 0);
	assert_string_equal(g->state, "withdrawn");
	signatories_free(g, 1);

	/* A rejection holds, and the activities are kept; an Undo does not withdraw it. */
	assert_true(sign_by(st, sid, FOLLOW, "follow", 30, NULL));
	assert_int_equal(store_signatory_set_state(st, id, "rejected", &err), 0);
	assert_false(sign_by(st, sid, ENDORSE, "endorse", 40, NULL));
	assert_int_equal(standing(st, id), 2);
	assert_int_equal(undo(st, ORG, FOLLOW).statement_id, 0);
	assert_int_equal(store_signatory_set_state(st, id, "withdrawn", &err), 0);
	assert_int_equal(standing(st, id), 0);
	store_close(st);
}

/* A database from before migration 9: each standing signature's activity becomes its signing. */
static void migrated_rows(void **state)
{
	char *path = NULL;
	struct store *st = fixture_store(&path);
	int64_t sid = statement(st), id = 0;
	struct signing_undo u;
	struct err err;
	sqlite3 *db = NULL;

	(void)state;
	assert_true(sign_by(st, sid, FOLLOW, "follow", 10, &id));
	store_close(st);
	/* Back to version 8 as it was: no signings table. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "DROP TRIGGER signings_withdrawn; DROP TABLE signings;"
				      " PRAGMA user_version = 8;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(path, &st, &err), 0);
	assert_true(fixture_sql_int(path, "PRAGMA user_version") >= 9);
	assert_int_equal(standing(st, id), 1);
	assert_false(sign_by(st, sid, ENDORSE, "endorse", 20, NULL));
	u = undo(st, ORG, FOLLOW);
	assert_false(u.withdrawn);
	shows(st, sid, "approved", "endorse", ENDORSE, 20);
	store_close(st);
	free(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy),
		cmocka_unit_test(sign_word),
		cmocka_unit_test(follow_endorse_undo_follow),
		cmocka_unit_test(endorse_follow_undo_either),
		cmocka_unit_test(withdrawn_at_once),
		cmocka_unit_test(migrated_rows),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
