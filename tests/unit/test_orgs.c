/*
 * Unit tests of organisation actors: the store's tables (organisations,
 * endorsements, their followers, deliveries they sign) on real sqlite files,
 * the documents they publish and send, and the pure reading of a statement
 * to sign (resolve.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "activitypub/activity.h"
#include "activitypub/ctx.h"
#include "activitypub/documents.h"
#include "activitypub/keyring.h"
#include "activitypub/org.h"
#include "activitypub/org_documents.h"
#include "activitypub/resolve.h"
#include "crypto/keys.h"
#include "server/pages.h"
#include "store/db.h"
#include "store/store.h"
#include "util/err.h"
#include "util/mem.h"

#include "tests/unit/fixture.h"

static int64_t add_org(struct store *st, const char *slug, const char *name)
{
	struct organisation o = { 0 };
	struct err err = { 0 };

	o.slug = (char *)slug;
	o.name = (char *)name;
	o.published = o.updated = 1000;
	o.public_pem = (char *)"PUBLIC";
	o.private_pem = (char *)"PRIVATE";
	assert_int_equal(store_org_add(st, &o, &err), 0);
	assert_true(o.id > 0);
	return o.id;
}

static int add_statement(struct store *st, const char *slug, struct err *err)
{
	struct statement s = { 0 };

	s.slug = (char *)slug;
	s.title = (char *)"A statement";
	s.published = s.updated = 1000;
	s.public_pem = (char *)"PUBLIC";
	s.private_pem = (char *)"PRIVATE";
	return store_statement_add(st, &s, err);
}

/* An endorsement of the statement at https://a.example/s/<slug>. */
static struct endorsement endorsement_of(int64_t org_id, const char *slug, const char *tag)
{
	struct endorsement e = { 0 };

	e.org_id = org_id;
	e.statement_actor = xasprintf("https://a.example/s/%s", slug);
	e.inbox = xasprintf("https://a.example/s/%s/inbox", slug);
	e.post_id = xasprintf("https://a.example/s/%s/post", slug);
	e.handle = xasprintf("@%s@a.example", slug);
	e.title = xstrdup("Hands off");
	e.endorse_id = xasprintf("https://b.example/o/x/endorse/%s-%s", slug, tag);
	e.follow_id = xasprintf("https://b.example/o/x/follow/%s-%s", slug, tag);
	e.signed_at = 2000;
	return e;
}

static void endorsement_clear(struct endorsement *e)
{
	free(e->statement_actor);
	free(e->inbox);
	free(e->post_id);
	free(e->handle);
	free(e->title);
	free(e->endorse_id);
	free(e->follow_id);
}

static int64_t pending(struct store *st)
{
	int64_t n = -1;
	struct err err = { 0 };

	assert_int_equal(store_delivery_pending(st, &n, &err), 0);
	return n;
}

/* ---- organisations ---- */

static void org_add_get_list(void **state)
{
	struct store *st = fixture_store(NULL);
	struct organisation *o = NULL, **list = NULL;
	struct err err = { 0 };
	size_t n = 0;
	int64_t id;

	(void)state;
	id = add_org(st, "psm", "Parti Sosialis Malaysia");
	add_org(st, "sa", "Socialist Alliance");
	assert_int_equal(store_org_get(st, "psm", &o, &err), 0);
	assert_int_equal(o->id, id);
	assert_string_equal(o->name, "Parti Sosialis Malaysia");
	assert_string_equal(o->url, "");
	assert_string_equal(o->summary, "");
	assert_string_equal(o->private_pem, "PRIVATE");
	organisation_free(o);
	assert_int_equal(store_org_get_by_id(st, id, &o, &err), 0);
	assert_string_equal(o->slug, "psm");
	organisation_free(o);
	assert_int_equal(store_org_get(st, "nobody", &o, &err), -ERR_NOTFOUND);
	assert_null(o);
	assert_int_equal(store_org_list(st, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0]->slug, "psm");
	assert_string_equal(list[1]->slug, "sa");
	organisations_free(list, n);
	store_close(st);
}

/* acct:SLUG@HOST names one actor: a slug is a statement's or an organisation's, never both. */
static void slug_unique_across_kinds(void **state)
{
	struct store *st = fixture_store(NULL);
	struct organisation o = { 0 };
	struct err err = { 0 };
	bool taken = false;
	int64_t count = -1;

	(void)state;
	assert_int_equal(add_statement(st, "hov", &err), 0);
	add_org(st, "psm", "PSM");
	o.slug = (char *)"hov";
	o.name = (char *)"Taken";
	o.public_pem = (char *)"P";
	o.private_pem = (char *)"Q";
	assert_int_equal(store_org_add(st, &o, &err), -ERR_EXISTS);
	assert_non_null(strstr(err.msg, "taken"));
	o.slug = (char *)"psm";
	assert_int_equal(store_org_add(st, &o, &err), -ERR_EXISTS);
	assert_int_equal(add_statement(st, "psm", &err), -ERR_EXISTS);
	assert_int_equal(store_slug_taken(st, "psm", &taken, &err), 0);
	assert_true(taken);
	assert_int_equal(store_slug_taken(st, "hov", &taken, &err), 0);
	assert_true(taken);
	assert_int_equal(store_slug_taken(st, "free", &taken, &err), 0);
	assert_false(taken);
	/* Nothing half-made: one organisation, one statement. */
	{
		struct statement **sl = NULL;
		size_t n = 0;

		assert_int_equal(store_statement_list(st, &sl, &n, &err), 0);
		count = (int64_t)n;
		statements_free(sl, n);
	}
	assert_int_equal(count, 1);
	store_close(st);
}

static void org_edit_queues_update(void **state)
{
	struct store *st = fixture_store(NULL);
	struct organisation *o = NULL;
	struct err err = { 0 };
	char *boxes[] = { (char *)"https://a.example/inbox", (char *)"https://c.example/inbox" };
	struct store_outgoing out = { "{\"type\":\"Update\"}", boxes, 2 };
	struct delivery *d = NULL;
	size_t n = 0;
	int64_t id;

	(void)state;
	id = add_org(st, "psm", "PSM");
	assert_int_equal(store_org_edit(st, id, "Parti Sosialis Malaysia", "https://psm.example",
					NULL, 5000, &out, 1, &err),
			 0);
	assert_int_equal(store_org_get(st, "psm", &o, &err), 0);
	assert_string_equal(o->name, "Parti Sosialis Malaysia");
	assert_string_equal(o->url, "https://psm.example");
	assert_string_equal(o->summary, "");
	assert_int_equal(o->updated, 5000);
	organisation_free(o);
	/* updated never goes back */
	assert_int_equal(store_org_edit(st, id, NULL, NULL, "Bio", 10, NULL, 0, &err), 0);
	assert_int_equal(store_org_get(st, "psm", &o, &err), 0);
	assert_int_equal(o->updated, 5000);
	assert_string_equal(o->summary, "Bio");
	organisation_free(o);
	assert_int_equal(store_org_edit(st, id, "", NULL, NULL, 10, NULL, 0, &err), -ERR_INVALID);
	assert_int_equal(store_org_edit(st, 999, "X", NULL, NULL, 10, &out, 1, &err),
			 -ERR_NOTFOUND);
	assert_int_equal(pending(st), 2);
	/* Claimed deliveries say which organisation signs them. */
	assert_int_equal(store_delivery_claim(st, 1LL << 40, 60, 10, &d, &n, &err), 0);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(d[i].org_id, id);
		assert_int_equal(d[i].statement_id, 0);
		assert_string_equal(d[i].body, "{\"type\":\"Update\"}");
	}
	deliveries_free(d, n);
	store_close(st);
}

static void statement_deliveries_have_no_org(void **state)
{
	struct store *st = fixture_store(NULL);
	struct err err = { 0 };
	char *boxes[] = { (char *)"https://a.example/inbox" };
	struct delivery *d = NULL;
	size_t n = 0;

	(void)state;
	assert_int_equal(store_delivery_add(st, 0, "{}", boxes, 1, &err), 0);
	assert_int_equal(store_org_delivery_add(st, 0, "{}", boxes, 1, &err), -ERR_INVALID);
	assert_int_equal(store_delivery_claim(st, 1LL << 40, 60, 10, &d, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(d[0].org_id, 0);
	deliveries_free(d, n);
	store_close(st);
}

/* ---- endorsements ---- */

static void endorsement_lifecycle(void **state)
{
	struct store *st = fixture_store(NULL);
	struct endorsement e, again, *got = NULL, *list = NULL;
	struct err err = { 0 };
	bool found = false;
	int64_t org, count = -1;
	size_t n = 0;

	(void)state;
	org = add_org(st, "psm", "PSM");
	e = endorsement_of(org, "hov", "1");
	assert_int_equal(store_endorsement_add(st, &e, "{\"type\":\"Endorse\"}",
					       "{\"type\":\"Follow\"}", &err),
			 0);
	assert_true(e.id > 0);
	assert_int_equal(pending(st), 2);

	/* Signing twice changes nothing and queues nothing. */
	again = endorsement_of(org, "hov", "2");
	assert_int_equal(store_endorsement_add(st, &again, "{}", "{}", &err), -ERR_EXISTS);
	assert_non_null(strstr(err.msg, "pending"));
	assert_int_equal(pending(st), 2);

	assert_int_equal(store_endorsement_get(st, org, e.statement_actor, &got, &err), 0);
	assert_string_equal(got->state, "pending");
	assert_string_equal(got->endorse_id, e.endorse_id);
	assert_string_equal(got->handle, "@hov@a.example");
	assert_false(got->follow_accepted);
	assert_int_equal(got->answered_at, 0);
	endorsements_free(got, 1);

	/* Answers: only the statement actor's, only to our activities. */
	assert_int_equal(store_endorsement_answer(st, "https://evil.example/u", e.endorse_id, true,
						  3000, &found, &err),
			 0);
	assert_false(found);
	assert_int_equal(store_endorsement_answer(st, e.statement_actor, "https://other/1", true,
						  3000, &found, &err),
			 0);
	assert_false(found);
	assert_int_equal(store_endorsement_answer(st, e.statement_actor, e.follow_id, true, 3000,
						  &found, &err),
			 0);
	assert_true(found);
	assert_int_equal(store_endorsement_get(st, org, e.statement_actor, &got, &err), 0);
	assert_string_equal(got->state, "pending");
	assert_true(got->follow_accepted);
	endorsements_free(got, 1);
	assert_int_equal(store_endorsement_answer(st, e.statement_actor, e.endorse_id, true, 3001,
						  &found, &err),
			 0);
	assert_true(found);
	assert_int_equal(store_endorsement_get(st, org, e.statement_actor, &got, &err), 0);
	assert_string_equal(got->state, "accepted");
	assert_int_equal(got->answered_at, 3001);
	endorsements_free(got, 1);

	/* The post's Update, a listing, a reply. */
	assert_int_equal(
	    store_endorsement_by_post(st, e.statement_actor, e.post_id, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(store_endorsement_post_updated(st, list[0].id, 4000, true, &err), 0);
	endorsements_free(list, n);
	assert_int_equal(
	    store_endorsement_by_post(st, "https://a.example/s/other", e.post_id, &list, &n, &err),
	    0);
	assert_int_equal(n, 0);
	endorsements_free(list, n);
	assert_int_equal(store_endorsement_reply(st, e.id, "<p>Thanks</p>", &err), 0);
	assert_int_equal(store_endorsement_get(st, org, e.statement_actor, &got, &err), 0);
	assert_int_equal(got->post_updated_at, 4000);
	assert_true(got->listed);
	assert_string_equal(got->reply, "<p>Thanks</p>");
	endorsements_free(got, 1);
	assert_int_equal(store_endorsement_set_listed(st, e.id, false, &err), 0);
	assert_int_equal(store_endorsement_set_listed(st, 999, false, &err), -ERR_NOTFOUND);

	/* Withdraw: Undos queued; a late Accept does not revive it. */
	assert_int_equal(store_endorsement_withdraw(st, e.id, "{\"type\":\"Undo\"}",
						    "{\"type\":\"Undo\",\"f\":1}", 5000, &err),
			 0);
	assert_int_equal(pending(st), 4);
	assert_int_equal(store_endorsement_withdraw(st, e.id, "{}", "{}", 5001, &err),
			 -ERR_INVALID);
	assert_int_equal(store_endorsement_withdraw(st, 999, "{}", "{}", 5001, &err),
			 -ERR_NOTFOUND);
	assert_int_equal(pending(st), 4);
	assert_int_equal(store_endorsement_answer(st, e.statement_actor, e.endorse_id, true, 6000,
						  &found, &err),
			 0);
	assert_false(found);
	assert_int_equal(store_endorsement_count(st, org, false, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_endorsement_count(st, org, true, &count, &err), 0);
	assert_int_equal(count, 1);

	/* Signing again after a withdrawal: the row becomes the new signing. */
	assert_int_equal(store_endorsement_add(st, &again, "{}", "{}", &err), 0);
	assert_int_equal(again.id, e.id);
	assert_int_equal(store_endorsement_get(st, org, e.statement_actor, &got, &err), 0);
	assert_string_equal(got->state, "pending");
	assert_string_equal(got->endorse_id, again.endorse_id);
	assert_int_equal(got->withdrawn_at, 0);
	assert_null(got->reply);
	endorsements_free(got, 1);
	endorsement_clear(&e);
	endorsement_clear(&again);
	store_close(st);
}

static void endorsement_reject_and_lists(void **state)
{
	struct store *st = fixture_store(NULL);
	struct endorsement a, b, c, *list = NULL, *got = NULL;
	struct err err = { 0 };
	int64_t org, other;
	char **boxes = NULL;
	bool found;
	size_t n = 0;

	(void)state;
	org = add_org(st, "psm", "PSM");
	other = add_org(st, "sa", "SA");
	a = endorsement_of(org, "one", "a");
	b = endorsement_of(org, "two", "b");
	c = endorsement_of(other, "one", "c");
	b.signed_at = 2500;
	assert_int_equal(store_endorsement_add(st, &a, "{}", "{}", &err), 0);
	assert_int_equal(store_endorsement_add(st, &b, "{}", "{}", &err), 0);
	assert_int_equal(store_endorsement_add(st, &c, "{}", "{}", &err), 0);
	/* Two organisations here signed statement "one": one post, two rows. */
	assert_int_equal(
	    store_endorsement_by_post(st, a.statement_actor, a.post_id, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	endorsements_free(list, n);
	assert_int_equal(store_endorsement_answer(st, b.statement_actor, b.endorse_id, false, 3000,
						  &found, &err),
			 0);
	assert_true(found);
	assert_int_equal(store_endorsement_get(st, org, b.statement_actor, &got, &err), 0);
	assert_string_equal(got->state, "rejected");
	endorsements_free(got, 1);
	assert_int_equal(store_endorsement_list(st, org, false, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0].statement_actor, a.statement_actor);
	assert_string_equal(list[1].statement_actor, b.statement_actor);
	endorsements_free(list, n);
	assert_int_equal(store_endorsement_list(st, org, false, 1, 1, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].statement_actor, b.statement_actor);
	endorsements_free(list, n);
	assert_int_equal(store_endorsement_inboxes(st, org, &boxes, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(boxes[0], "https://a.example/s/one/inbox");
	strings_free(boxes, n);
	assert_int_equal(store_endorsement_get(st, org, "https://a.example/s/none", &got, &err),
			 -ERR_NOTFOUND);
	endorsement_clear(&a);
	endorsement_clear(&b);
	endorsement_clear(&c);
	store_close(st);
}

static void endorsement_needs_fields(void **state)
{
	struct store *st = fixture_store(NULL);
	struct endorsement e = { 0 };
	struct err err = { 0 };

	(void)state;
	e.org_id = add_org(st, "psm", "PSM");
	e.statement_actor = (char *)"https://a.example/s/x";
	assert_int_equal(store_endorsement_add(st, &e, "{}", "{}", &err), -ERR_INVALID);
	assert_int_equal(pending(st), 0);
	store_close(st);
}

/* ---- followers ---- */

static void org_followers(void **state)
{
	struct store *st = fixture_store(NULL);
	struct remote_actor a = { 0 };
	struct err err = { 0 };
	char **list = NULL;
	int64_t org, count = -1;
	bool removed = false;
	size_t n = 0;

	(void)state;
	org = add_org(st, "psm", "PSM");
	a.id = (char *)"https://m.example/users/x";
	a.type = (char *)"Person";
	a.inbox = (char *)"https://m.example/users/x/inbox";
	a.shared_inbox = (char *)"https://m.example/inbox";
	assert_int_equal(store_actor_put(st, &a, &err), 0);
	assert_int_equal(store_org_follower_add(st, org, a.id, "https://m.example/f/1", &err), 0);
	assert_int_equal(store_org_follower_add(st, org, a.id, "https://m.example/f/2", &err), 0);
	assert_int_equal(store_org_follower_add(st, org, "https://n.example/u/y", NULL, &err), 0);
	assert_int_equal(store_org_follower_add(st, 999, a.id, NULL, &err), -ERR_NOTFOUND);
	assert_int_equal(store_org_follower_count(st, org, &count, &err), 0);
	assert_int_equal(count, 2);
	assert_int_equal(store_org_follower_list(st, org, 0, 0, &list, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], a.id);
	strings_free(list, n);
	/* Only cached actors have a known inbox. */
	assert_int_equal(store_org_follower_inboxes(st, org, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], "https://m.example/inbox");
	strings_free(list, n);
	/* The old Follow's Undo no longer matches; the newest one does, only by its actor. */
	assert_int_equal(store_org_follower_remove_by_follow(st, "https://m.example/f/1", a.id,
							     &removed, &err),
			 0);
	assert_false(removed);
	assert_int_equal(store_org_follower_remove_by_follow(
			     st, "https://m.example/f/2", "https://evil.example/u", &removed, &err),
			 0);
	assert_false(removed);
	assert_int_equal(store_org_follower_remove_by_follow(st, "https://m.example/f/2", a.id,
							     &removed, &err),
			 0);
	assert_true(removed);
	assert_int_equal(store_org_follower_remove_actor(st, "https://n.example/u/y", &err), 0);
	assert_int_equal(store_org_follower_count(st, org, &count, &err), 0);
	assert_int_equal(count, 0);
	store_close(st);
}

/* ---- documents ---- */

#define B "https://org.example"

static const struct config cfg = {
	.base_url = B,
	.authority = "org.example",
	.listen = "127.0.0.1:8080",
	.sign_word = "sign",
};

static struct organisation psm = {
	.id = 7,
	.slug = "psm",
	.name = "Parti <Sosialis> Malaysia",
	.url = "https://psm.example/",
	.summary = "First line\nsecond <b>line</b>\n\nNew paragraph",
	.published = 1548374400,
	.updated = 1548460800,
	.public_pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
	.private_pem = "never served",
};

static struct endorsement signed_one = {
	.id = 3,
	.org_id = 7,
	.statement_actor = "https://st.example/s/hov",
	.inbox = "https://st.example/s/hov/inbox",
	.post_id = "https://st.example/s/hov/post",
	.handle = "@hov@st.example",
	.title = "Hands off",
	.endorse_id = B "/o/psm/endorse/aa",
	.follow_id = B "/o/psm/follow/bb",
	.state = "accepted",
	.signed_at = 1548400000,
};

static const char *jget(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void org_actor_document(void **state)
{
	json_t *a = orgdoc_actor(&cfg, &psm);
	char *dump = doc_dump(a);
	const json_t *key, *field;

	(void)state;
	assert_string_equal(jget(a, "id"), B "/o/psm");
	assert_string_equal(jget(a, "type"), "Organization");
	assert_string_equal(jget(a, "preferredUsername"), "psm");
	assert_string_equal(jget(a, "name"), "Parti <Sosialis> Malaysia");
	assert_string_equal(jget(a, "inbox"), B "/o/psm/inbox");
	assert_string_equal(jget(a, "outbox"), B "/o/psm/outbox");
	assert_string_equal(jget(a, "followers"), B "/o/psm/followers");
	assert_string_equal(jget(a, "following"), B "/o/psm/following");
	assert_string_equal(jget(a, "endorsed"), B "/o/psm/endorsed");
	assert_string_equal(jget(json_object_get(a, "endpoints"), "sharedInbox"), B "/inbox");
	key = json_object_get(a, "publicKey");
	assert_string_equal(jget(key, "id"), B "/o/psm#main-key");
	assert_string_equal(jget(key, "owner"), B "/o/psm");
	/* the bio: escaped, a newline a <br>, a blank line a new paragraph */
	assert_string_equal(
	    jget(a, "summary"),
	    "<p>First line<br>second &lt;b&gt;line&lt;/b&gt;</p><p>New paragraph</p>");
	field = json_array_get(json_object_get(a, "attachment"), 0);
	assert_string_equal(jget(field, "name"), "Website");
	assert_non_null(strstr(jget(field, "value"), "rel=\"me"));
	assert_string_equal(jget(a, "published"), "2019-01-25T00:00:00Z");
	assert_string_equal(jget(a, "updated"), "2019-01-26T00:00:00Z");
	/* the context defines our collection term; the private key is nowhere */
	assert_non_null(strstr(dump, "\"endorsed\":{\"@id\":\"undersigned:endorsed\""));
	assert_null(strstr(dump, "never served"));
	free(dump);
	json_decref(a);
}

static void org_actor_without_website(void **state)
{
	struct organisation o = psm;
	json_t *a;

	(void)state;
	o.url = (char *)"";
	o.summary = (char *)"";
	a = orgdoc_actor(&cfg, &o);
	assert_int_equal(json_array_size(json_object_get(a, "attachment")), 0);
	assert_string_equal(jget(a, "summary"), "");
	json_decref(a);
}

static void org_activities(void **state)
{
	json_t *endorse = orgdoc_endorse(&cfg, &psm, &signed_one);
	json_t *follow = orgdoc_follow(&cfg, &psm, &signed_one);
	json_t *undo_e = orgdoc_undo(&cfg, &psm, &signed_one, true);
	json_t *undo_f = orgdoc_undo(&cfg, &psm, &signed_one, false);
	json_t *inner;

	(void)state;
	/* ActivityStreams context only: "Endorse" stays a plain name (Fedify refuses our IRI) */
	assert_string_equal(jget(endorse, "@context"), "https://www.w3.org/ns/activitystreams");
	assert_string_equal(jget(endorse, "type"), "Endorse");
	assert_string_equal(jget(endorse, "id"), signed_one.endorse_id);
	assert_string_equal(jget(endorse, "actor"), B "/o/psm");
	assert_string_equal(jget(endorse, "object"), signed_one.post_id);
	assert_string_equal(json_string_value(json_array_get(json_object_get(endorse, "to"), 0)),
			    signed_one.statement_actor);
	assert_string_equal(jget(follow, "type"), "Follow");
	assert_string_equal(jget(follow, "id"), signed_one.follow_id);
	assert_string_equal(jget(follow, "object"), signed_one.statement_actor);
	assert_string_equal(jget(undo_e, "type"), "Undo");
	assert_string_equal(jget(undo_e, "id"), B "/o/psm/endorse/aa/undo");
	inner = json_object_get(undo_e, "object");
	assert_string_equal(jget(inner, "type"), "Endorse");
	assert_string_equal(jget(inner, "id"), signed_one.endorse_id);
	assert_null(json_object_get(inner, "@context"));
	inner = json_object_get(undo_f, "object");
	assert_string_equal(jget(inner, "type"), "Follow");
	assert_string_equal(jget(inner, "actor"), B "/o/psm");
	json_decref(endorse);
	json_decref(follow);
	json_decref(undo_e);
	json_decref(undo_f);
}

static void org_update_accept_webfinger(void **state)
{
	json_t *u = orgdoc_update(&cfg, &psm);
	json_t *follow = json_pack("{s:s, s:s, s:s, s:s}", "id", "https://m.example/f/1", "type",
				   "Follow", "actor", "https://m.example/u", "object", B "/o/psm");
	json_t *a1 = orgdoc_accept(&cfg, &psm, follow), *a2 = orgdoc_accept(&cfg, &psm, follow);
	json_t *wf = orgdoc_webfinger(&cfg, "psm");

	(void)state;
	assert_string_equal(jget(u, "type"), "Update");
	assert_string_equal(jget(u, "id"), B "/o/psm#updates/1548460800");
	assert_string_equal(jget(json_object_get(u, "object"), "type"), "Organization");
	assert_string_equal(jget(a1, "type"), "Accept");
	assert_string_equal(jget(json_object_get(a1, "object"), "id"), "https://m.example/f/1");
	/* the same Follow is answered by the same Accept */
	assert_string_equal(jget(a1, "id"), jget(a2, "id"));
	assert_true(strncmp(jget(a1, "id"), B "/o/psm#accepts/", strlen(B "/o/psm#accepts/")) == 0);
	assert_string_equal(jget(wf, "subject"), "acct:psm@org.example");
	assert_string_equal(jget(json_array_get(json_object_get(wf, "links"), 0), "href"),
			    B "/o/psm");
	json_decref(u);
	json_decref(follow);
	json_decref(a1);
	json_decref(a2);
	json_decref(wf);
}

static void org_endorsed_collection(void **state)
{
	json_t *page = orgdoc_endorsed_page(&cfg, &psm, "endorsed", 1, 1, &signed_one, 1);
	const json_t *item = json_array_get(json_object_get(page, "orderedItems"), 0);

	(void)state;
	assert_string_equal(jget(page, "id"), B "/o/psm/endorsed?page=1");
	assert_string_equal(jget(page, "partOf"), B "/o/psm/endorsed");
	assert_string_equal(jget(item, "type"), "Endorse");
	assert_string_equal(jget(item, "object"), signed_one.post_id);
	assert_string_equal(jget(item, "name"), "Hands off");
	assert_string_equal(jget(item, "undersigned:handle"), "@hov@st.example");
	assert_string_equal(jget(item, "undersigned:state"), "accepted");
	assert_string_equal(jget(item, "published"), "2019-01-25T07:06:40Z");
	json_decref(page);
}

static void org_activity_ids_unique(void **state)
{
	char *a = org_activity_id(&cfg, "psm", "endorse");
	char *b = org_activity_id(&cfg, "psm", "endorse");

	(void)state;
	assert_true(strncmp(a, B "/o/psm/endorse/", strlen(B "/o/psm/endorse/")) == 0);
	assert_int_equal(strlen(a), strlen(B "/o/psm/endorse/") + 32);
	assert_string_not_equal(a, b);
	free(a);
	free(b);
}

static void org_post_listing(void **state)
{
	(void)state;
	assert_true(org_post_lists("<li><a href=\"" B "/o/psm\">PSM</a></li>", B "/o/psm"));
	/* another organisation whose id starts the same is not this one */
	assert_false(org_post_lists("<li><a href=\"" B "/o/psm2\">x</a></li>", B "/o/psm"));
	assert_false(org_post_lists("PSM " B "/o/psm in text", B "/o/psm"));
	assert_false(org_post_lists(NULL, B "/o/psm"));
	assert_true(
	    org_post_lists("<a href=\"https://o.example/o/a&amp;b\">", "https://o.example/o/a&b"));
}

static void org_page(void **state)
{
	struct endorsement list[2] = { signed_one, signed_one };
	char *html;

	(void)state;
	list[1].title = (char *)"<script>x</script>";
	list[1].state = (char *)"withdrawn";
	list[1].withdrawn_at = 1548500000;
	html = page_org(&cfg, &psm, list, 2, 4);
	assert_non_null(html);
	assert_non_null(strstr(html, "Parti &lt;Sosialis&gt; Malaysia"));
	assert_non_null(strstr(html, "@psm@org.example"));
	assert_non_null(strstr(html, "href=\"https://psm.example/\" rel=\"me\""));
	assert_non_null(strstr(html, "Hands off"));
	assert_non_null(strstr(html, "signed 2019-01-25"));
	assert_non_null(strstr(html, "accepted"));
	assert_non_null(strstr(html, "withdrawn 2019-01-26"));
	assert_non_null(strstr(html, "&lt;script&gt;"));
	assert_null(strstr(html, "<script>"));
	/* a withdrawn one is not counted as signed */
	assert_non_null(strstr(html, "<strong>1</strong> statement signed"));
	assert_non_null(strstr(html, "<strong>4</strong> followers"));
	free(html);
}

/* ---- reading a statement to sign ---- */

static json_t *parse(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (!j)
		fail_msg("bad test JSON: %s", e.text);
	return j;
}

static void resolve_kinds(void **state)
{
	(void)state;
	assert_int_equal(resolve_classify("@hov@st.example"), RESOLVE_HANDLE);
	assert_int_equal(resolve_classify("hov@st.example"), RESOLVE_HANDLE);
	assert_int_equal(resolve_classify("acct:hov@127.0.0.1:8080"), RESOLVE_HANDLE);
	assert_int_equal(resolve_classify("https://st.example/s/hov"), RESOLVE_URL);
	assert_int_equal(resolve_classify("http://127.0.0.1:8080/s/hov/post"), RESOLVE_URL);
	assert_int_equal(resolve_classify(""), RESOLVE_BAD);
	assert_int_equal(resolve_classify(NULL), RESOLVE_BAD);
	assert_int_equal(resolve_classify("hov"), RESOLVE_BAD);
	assert_int_equal(resolve_classify("@hov"), RESOLVE_BAD);
	assert_int_equal(resolve_classify("@hov@"), RESOLVE_BAD);
	assert_int_equal(resolve_classify("a@b@c"), RESOLVE_BAD);
	assert_int_equal(resolve_classify("h ov@st.example"), RESOLVE_BAD);
	assert_int_equal(resolve_classify("hov@st.example/path"), RESOLVE_BAD);
	assert_int_equal(resolve_classify("ftp://st.example/x"), RESOLVE_BAD);
	assert_int_equal(resolve_classify("https://"), RESOLVE_BAD);
}

static void resolve_closed(void **state)
{
	json_t *open = parse("{\"attachment\":[{\"type\":\"PropertyValue\",\"name\":\"Signing\","
			     "\"value\":\"open\"}]}");
	json_t *closed = parse("{\"attachment\":[{\"type\":\"PropertyValue\",\"name\":\"Web\","
			       "\"value\":\"x\"},{\"type\":\"PropertyValue\",\"name\":\"Signing\","
			       "\"value\":\"closed\"}]}");
	json_t *none = parse("{\"attachment\":\"Signing closed\"}");

	(void)state;
	assert_false(resolve_actor_closed(open));
	assert_true(resolve_actor_closed(closed));
	assert_false(resolve_actor_closed(none));
	json_decref(open);
	json_decref(closed);
	json_decref(none);
}

static void resolve_posts(void **state)
{
	const char *actor = "https://st.example/s/hov";
	/* Undersigned's featured: the Note embedded */
	json_t *featured = parse("{\"type\":\"OrderedCollection\",\"orderedItems\":[{\"id\":"
				 "\"https://st.example/s/hov/post\",\"type\":\"Note\","
				 "\"attributedTo\":\"https://st.example/s/hov\"}]}");
	/* an outbox page: a Create by someone else, a Like, then the Create of a Note */
	json_t *outbox =
	    parse("{\"type\":\"OrderedCollectionPage\",\"orderedItems\":["
		  "{\"type\":\"Create\",\"actor\":\"https://evil.example/u\",\"object\":"
		  "{\"id\":\"https://evil.example/n\",\"type\":\"Note\",\"attributedTo\":"
		  "\"https://st.example/s/hov\"}},"
		  "{\"type\":\"Like\",\"actor\":\"https://st.example/s/hov\",\"object\":\"x\"},"
		  "{\"type\":\"Create\",\"actor\":{\"id\":\"https://st.example/s/hov\"},"
		  "\"object\":{\"id\":\"https://st.example/n/1\",\"type\":[\"Article\"],"
		  "\"attributedTo\":[\"https://st.example/s/hov\"]}}]}");
	/* items by id only (Mastodon's featured can be so) */
	json_t *ids = parse("{\"items\":[\"https://st.example/n/2\"]}");
	json_t *other = parse("{\"orderedItems\":[{\"id\":\"https://st.example/n/3\","
			      "\"type\":\"Note\",\"attributedTo\":\"https://someone.example/u\"},"
			      "{\"id\":\"https://st.example/p\",\"type\":\"Person\"}]}");
	const json_t *post = NULL;

	(void)state;
	assert_string_equal(resolve_post_in(featured, actor, &post),
			    "https://st.example/s/hov/post");
	assert_non_null(post);
	assert_string_equal(resolve_post_in(outbox, actor, &post), "https://st.example/n/1");
	assert_non_null(post);
	assert_string_equal(resolve_post_in(ids, actor, &post), "https://st.example/n/2");
	assert_null(post);
	assert_null(resolve_post_in(other, actor, &post));
	assert_null(resolve_post_in(NULL, actor, NULL));
	assert_true(resolve_is_post(json_array_get(json_object_get(featured, "orderedItems"), 0)));
	assert_false(resolve_is_post(json_array_get(json_object_get(other, "orderedItems"), 1)));
	json_decref(featured);
	json_decref(outbox);
	json_decref(ids);
	json_decref(other);
}

static void resolve_listing(void **state)
{
	json_t *page = parse("{\"orderedItems\":[{\"type\":\"Organization\",\"name\":\"Imported\"},"
			     "{\"type\":\"Organization\",\"id\":\"https://org.example/o/psm\"}]}");

	(void)state;
	assert_true(resolve_lists(page, "https://org.example/o/psm"));
	assert_false(resolve_lists(page, "https://org.example/o/sa"));
	assert_false(resolve_lists(page, NULL));
	json_decref(page);
}

/* ---- the organisation's key signs its deliveries ---- */

static void keyring_signs_for_organisation(void **state)
{
	struct store *st = fixture_store(NULL);
	struct organisation o = { 0 };
	struct keyring *kr = keyring_new(B);
	struct err err = { 0 };
	const char *key_id = NULL, *again = NULL;
	struct key *key = NULL, *key2 = NULL;
	char *priv = NULL, *pub = NULL;

	(void)state;
	assert_int_equal(key_generate_rsa(2048, &priv, &pub, &err), 0);
	o.slug = (char *)"psm";
	o.name = (char *)"PSM";
	o.public_pem = pub;
	o.private_pem = priv;
	assert_int_equal(store_org_add(st, &o, &err), 0);
	assert_int_equal(keyring_org_signer(kr, st, o.id, &key_id, &key, &err), 0);
	assert_string_equal(key_id, B "/o/psm#main-key");
	assert_true(key_is_private(key));
	/* cached: the same key again; a statement with the same id is another signer */
	assert_int_equal(keyring_org_signer(kr, st, o.id, &again, &key2, &err), 0);
	assert_ptr_equal(key, key2);
	assert_int_equal(keyring_signer(kr, st, o.id, &again, &key2, &err), -ERR_NOTFOUND);
	assert_int_equal(keyring_org_signer(kr, st, 999, &again, &key2, &err), -ERR_NOTFOUND);
	assert_int_equal(keyring_org_signer(kr, st, 0, &again, &key2, &err), -ERR_NOTFOUND);
	keyring_free(kr);
	key_pem_free(priv);
	free(pub);
	store_close(st);
}

/* ---- what an organisation's inbox takes in ---- */

/* An activity parsed from text (kept alive in *body), signed (as the inbox says) by actor. */
static void parsed(struct activity *a, char **body, const char *text, struct remote_actor *signer)
{
	struct err err = { 0 };

	*body = xstrdup(text);
	assert_int_equal(activity_parse(*body, strlen(*body), a, &err), 0);
	a->signer = signer;
}

static void inbox_answers_and_updates(void **state)
{
	struct store *st = fixture_store(NULL);
	struct ctx ctx = { .cfg = &cfg, .store = st };
	struct remote_actor statement = { .id = (char *)"https://st.example/s/hov",
					  .type = (char *)"Service",
					  .inbox = (char *)"https://st.example/s/hov/inbox" };
	struct remote_actor stranger = { .id = (char *)"https://evil.example/u",
					 .type = (char *)"Person",
					 .inbox = (char *)"https://evil.example/inbox" };
	struct endorsement e = signed_one, *got = NULL;
	struct activity a;
	struct err err = { 0 };
	char *body, *text;

	(void)state;
	e.org_id = add_org(st, "psm", "PSM");
	assert_int_equal(store_endorsement_add(st, &e, "{}", "{}", &err), 0);

	/* An Accept of the Endorse from someone else: ignored, nothing changes. */
	text = xasprintf("{\"id\":\"https://evil.example/a\",\"type\":\"Accept\",\"actor\":"
			 "\"https://evil.example/u\",\"object\":\"%s\"}", e.endorse_id);
	parsed(&a, &body, text, &stranger);
	assert_int_equal(handle_accept(&ctx, &a, &err), HANDLED_IGNORED);
	activity_release(&a);
	free(body);
	free(text);
	/* From the statement, naming the Endorse by id: accepted. */
	text = xasprintf("{\"id\":\"https://st.example/s/hov#a1\",\"type\":\"Accept\",\"actor\":"
			 "\"https://st.example/s/hov\",\"object\":\"%s\"}", e.endorse_id);
	parsed(&a, &body, text, &statement);
	assert_int_equal(handle_accept(&ctx, &a, &err), HANDLED_DONE);
	activity_release(&a);
	free(body);
	free(text);
	/* The Follow's Accept embeds the Follow. */
	text = xasprintf("{\"id\":\"https://st.example/s/hov#a2\",\"type\":\"Accept\",\"actor\":"
			 "\"https://st.example/s/hov\",\"object\":"
			 "{\"id\":\"%s\",\"type\":\"Follow\"}}",
			 e.follow_id);
	parsed(&a, &body, text, &statement);
	assert_int_equal(handle_accept(&ctx, &a, &err), HANDLED_DONE);
	activity_release(&a);
	free(body);
	free(text);

	/* The batched Update of the post: listed when its content links the organisation. */
	parsed(&a, &body,
	       "{\"id\":\"https://st.example/s/hov/post#updates/9\",\"type\":\"Update\",\"actor\":"
	       "\"https://st.example/s/hov\",\"object\":{\"id\":\"https://st.example/s/hov/post\","
	       "\"type\":\"Note\",\"attributedTo\":\"https://st.example/s/hov\",\"content\":"
	       "\"<ol><li>PSM (<a href=\\\"" B "/o/psm\\\">@psm</a>)</li></ol>\"}}",
	       &statement);
	assert_int_equal(org_handle_post_update(&ctx, &a, &err), HANDLED_DONE);
	activity_release(&a);
	free(body);
	/* A post attributed to someone else is not the statement's edit. */
	parsed(&a, &body,
	       "{\"id\":\"https://st.example/x\",\"type\":\"Update\",\"actor\":"
	       "\"https://st.example/s/hov\",\"object\":{\"id\":\"https://st.example/s/hov/post\","
	       "\"type\":\"Note\",\"attributedTo\":\"https://st.example/other\",\"content\":\"\"}}",
	       &statement);
	assert_int_equal(org_handle_post_update(&ctx, &a, &err), HANDLED_IGNORED);
	activity_release(&a);
	free(body);

	/* A reply to the Endorse from the statement: kept; from a stranger: ignored. */
	text = xasprintf("{\"id\":\"https://st.example/r/1/activity\",\"type\":\"Create\","
			 "\"actor\":\"https://st.example/s/hov\",\"object\":{\"id\":"
			 "\"https://st.example/r/1\",\"type\":\"Note\",\"attributedTo\":"
			 "\"https://st.example/s/hov\",\"inReplyTo\":\"%s\",\"content\":"
			 "\"<p>Thank you</p>\"}}", e.endorse_id);
	parsed(&a, &body, text, &statement);
	assert_int_equal(org_handle_reply(&ctx, &a, &err), HANDLED_DONE);
	activity_release(&a);
	free(body);
	free(text);
	parsed(&a, &body,
	       "{\"id\":\"https://evil.example/r\",\"type\":\"Create\",\"actor\":"
	       "\"https://evil.example/u\",\"object\":{\"id\":\"https://evil.example/n\",\"type\":"
	       "\"Note\",\"attributedTo\":\"https://evil.example/u\",\"to\":[\"" B "/o/psm\"],"
	       "\"content\":\"spam\"}}",
	       &stranger);
	assert_int_equal(org_handle_reply(&ctx, &a, &err), HANDLED_IGNORED);
	activity_release(&a);
	free(body);

	assert_int_equal(store_endorsement_get(st, e.org_id, e.statement_actor, &got, &err), 0);
	assert_string_equal(got->state, "accepted");
	assert_true(got->follow_accepted);
	assert_true(got->listed);
	assert_true(got->post_updated_at > 0);
	assert_string_equal(got->reply, "<p>Thank you</p>");
	endorsements_free(got, 1);

	/* A Reject after all (say the coordinators changed their mind): rejected. */
	text = xasprintf("{\"id\":\"https://st.example/s/hov#r\",\"type\":\"Reject\",\"actor\":"
			 "\"https://st.example/s/hov\",\"object\":\"%s\"}", e.endorse_id);
	parsed(&a, &body, text, &statement);
	assert_int_equal(handle_reject(&ctx, &a, &err), HANDLED_DONE);
	activity_release(&a);
	free(body);
	free(text);
	assert_int_equal(store_endorsement_get(st, e.org_id, e.statement_actor, &got, &err), 0);
	assert_string_equal(got->state, "rejected");
	endorsements_free(got, 1);
	store_close(st);
}

static void inbox_follow_of_an_organisation(void **state)
{
	struct store *st = fixture_store(NULL);
	struct ctx ctx = { .cfg = &cfg, .store = st };
	struct remote_actor fan = { .id = (char *)"https://m.example/u/fan",
				    .type = (char *)"Person",
				    .inbox = (char *)"https://m.example/u/fan/inbox" };
	struct activity a;
	struct err err = { 0 };
	int64_t org, count = -1;
	bool removed = false;
	char *body;

	(void)state;
	org = add_org(st, "psm", "PSM");
	parsed(&a, &body,
	       "{\"id\":\"https://m.example/f/1\",\"type\":\"Follow\",\"actor\":"
	       "\"https://m.example/u/fan\",\"object\":\"" B "/o/psm\"}",
	       &fan);
	assert_int_equal(org_handle_follow(&ctx, &a, &err), HANDLED_DONE);
	activity_release(&a);
	free(body);
	assert_int_equal(store_org_follower_count(st, org, &count, &err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(pending(st), 1); /* the Accept, signed by the organisation */
	/* Following something under the organisation is not following it. */
	parsed(&a, &body,
	       "{\"id\":\"https://m.example/f/2\",\"type\":\"Follow\",\"actor\":"
	       "\"https://m.example/u/fan\",\"object\":\"" B "/o/psm/outbox\"}",
	       &fan);
	assert_int_equal(org_handle_follow(&ctx, &a, &err), HANDLED_IGNORED);
	activity_release(&a);
	free(body);
	parsed(&a, &body,
	       "{\"id\":\"https://m.example/u\",\"type\":\"Undo\",\"actor\":"
	       "\"https://m.example/u/fan\",\"object\":\"https://m.example/f/1\"}",
	       &fan);
	assert_int_equal(org_undo_follow(&ctx, &a, &removed, &err), 0);
	assert_true(removed);
	activity_release(&a);
	free(body);
	store_close(st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(org_add_get_list),
		cmocka_unit_test(slug_unique_across_kinds),
		cmocka_unit_test(org_edit_queues_update),
		cmocka_unit_test(statement_deliveries_have_no_org),
		cmocka_unit_test(endorsement_lifecycle),
		cmocka_unit_test(endorsement_reject_and_lists),
		cmocka_unit_test(endorsement_needs_fields),
		cmocka_unit_test(org_followers),
		cmocka_unit_test(org_actor_document),
		cmocka_unit_test(org_actor_without_website),
		cmocka_unit_test(org_activities),
		cmocka_unit_test(org_update_accept_webfinger),
		cmocka_unit_test(org_endorsed_collection),
		cmocka_unit_test(org_activity_ids_unique),
		cmocka_unit_test(org_post_listing),
		cmocka_unit_test(org_page),
		cmocka_unit_test(resolve_kinds),
		cmocka_unit_test(resolve_closed),
		cmocka_unit_test(resolve_posts),
		cmocka_unit_test(resolve_listing),
		cmocka_unit_test(keyring_signs_for_organisation),
		cmocka_unit_test(inbox_answers_and_updates),
		cmocka_unit_test(inbox_follow_of_an_organisation),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
