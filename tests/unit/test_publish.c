/*
 * Unit tests of activitypub/publish.c on a real temporary store: a due edit
 * becomes one Update of the Note per distinct inbox of the audience
 * (followers' shared inboxes, favourites, boosts) with a newer `updated`,
 * plus an Update of the actor to the followers; nothing twice; the batch
 * window; and the delivery worker publishing by itself within a second.
 */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/httpc.h"
#include "activitypub/keyring.h"
#include "activitypub/publish.h"
#include "crypto/keys.h"
#include "store/store.h"
#include "tests/unit/fixture.h"
#include "tests/unit/testsrv.h"
#include "util/err.h"
#include "util/mem.h"
#include "util/str.h"

#define BASE "http://undersigned.test"
#define T0 1700000000 /* the post's published time */

static char *st_priv, *st_pub;

static int group_setup(void **state)
{
	struct err err;

	(void)state;
	if (httpc_global_init(&err) || fixture_dir_make())
		return -1;
	return key_generate_rsa(2048, &st_priv, &st_pub, &err) ? -1 : 0;
}

static int group_teardown(void **state)
{
	int rc = fixture_dir_remove();

	(void)state;
	key_pem_free(st_priv);
	free(st_pub);
	httpc_global_cleanup();
	return rc;
}

struct fixture {
	struct config cfg;
	struct ctx ctx;
	struct store *st;
	int64_t sid;
	char *path;
};

static void actor(struct store *st, const char *id, const char *inbox, const char *shared)
{
	struct remote_actor a = { 0 };
	struct err err;

	a.id = (char *)id;
	a.type = (char *)"Person";
	a.inbox = (char *)inbox;
	a.shared_inbox = (char *)shared;
	if (store_actor_put(st, &a, &err))
		fail_msg("actor: %s", err.msg);
}

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct statement s = { 0 };
	struct signatory g = { 0 };
	struct err err;

	f->path = fixture_path("p");
	if (store_open(f->path, &f->st, &err) || keyring_instance_ensure(f->st, &err))
		return -1;
	s.slug = "hands-off";
	s.title = "Hands off";
	s.content_html = "<p>The text.</p>";
	s.public_pem = st_pub;
	s.private_pem = st_priv;
	s.published = T0;
	s.updated = T0;
	if (store_statement_add(f->st, &s, &err))
		return -1;
	f->sid = s.id;
	g.name = "Workers United";
	g.actor_id = "https://org.example/users/wu";
	g.handle = "@wu@org.example";
	g.how = "follow";
	g.state = "approved";
	g.actor_type = "Organization";
	g.signed_at = T0 + 5;
	if (store_signatory_add_verified(f->st, f->sid, &g, NULL, NULL, NULL, &err))
		return -1;
	f->cfg.base_url = BASE;
	f->cfg.authority = "undersigned.test";
	f->cfg.allow_private_network = true;
	f->cfg.update_interval_s = 60;
	f->ctx.cfg = &f->cfg;
	f->ctx.store = f->st;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	store_close(f->st);
	free(f->path);
	free(f);
	return 0;
}

/*
 * The audience: two followers on one server (one shared inbox), a follower
 * without a shared inbox, a favourite from a server that does not follow,
 * and a boost from a follower's server (its shared inbox again).
 */
static void audience(struct fixture *f)
{
	struct err err;

	actor(f->st, "https://a.example/users/1", "https://a.example/users/1/inbox",
	      "https://a.example/inbox");
	actor(f->st, "https://a.example/users/2", "https://a.example/users/2/inbox",
	      "https://a.example/inbox");
	actor(f->st, "https://b.example/u/3", "https://b.example/u/3/inbox", NULL);
	actor(f->st, "https://c.example/users/4", "https://c.example/users/4/inbox",
	      "https://c.example/inbox");
	actor(f->st, "https://a.example/users/5", "https://a.example/users/5/inbox",
	      "https://a.example/inbox");
	assert_int_equal(store_follower_add(f->st, f->sid, "https://a.example/users/1",
					    "https://a.example/f/1", &err), 0);
	assert_int_equal(store_follower_add(f->st, f->sid, "https://a.example/users/2",
					    "https://a.example/f/2", &err), 0);
	assert_int_equal(store_follower_add(f->st, f->sid, "https://b.example/u/3",
					    "https://b.example/f/3", &err), 0);
	assert_int_equal(store_reaction_add(f->st, f->sid, "like", "https://c.example/users/4",
					    "https://c.example/l/4", &err), 0);
	assert_int_equal(store_reaction_add(f->st, f->sid, "announce", "https://a.example/users/5",
					    "https://a.example/b/5", &err), 0);
}

/* Everything queued, as if delivered (so it is gone from the queue for the next look). */
static struct delivery *take_all(struct fixture *f, size_t *n)
{
	struct delivery *list = NULL;
	struct err err;

	assert_int_equal(store_delivery_claim(f->st, INT64_MAX / 2, 60, 1000, &list, n, &err), 0);
	for (size_t i = 0; i < *n; i++)
		assert_int_equal(store_delivery_done(f->st, list[i].id, 202, &err), 0);
	return list;
}

static int64_t pending(struct fixture *f)
{
	int64_t count = -1;
	struct err err;

	assert_int_equal(store_delivery_pending(f->st, &count, &err), 0);
	return count;
}

static time_t iso_time(const char *s)
{
	time_t t = 0;

	assert_non_null(s);
	assert_true(time_from_iso(s, &t));
	return t;
}

/* One edit: the Note to each distinct inbox of the audience, the actor to followers. */
static void publishes_one_update_per_inbox(void **state)
{
	struct fixture *f = *state;
	struct statement *s = NULL;
	struct delivery *list;
	struct err err;
	int64_t now = T0 + 1000;
	size_t n = 0, notes = 0, actors = 0;
	const char *note_inboxes[] = { "https://a.example/inbox", "https://b.example/u/3/inbox",
				       "https://c.example/inbox" };
	const char *actor_inboxes[] = { "https://a.example/inbox", "https://b.example/u/3/inbox" };

	audience(f);
	/* Nothing scheduled: nothing sent. */
	assert_int_equal(publish_due(&f->ctx, now, &err), 0);
	assert_int_equal(pending(f), 0);

	assert_int_equal(store_statement_schedule_update(f->st, f->sid, now - 1, &err), 0);
	assert_int_equal(publish_due(&f->ctx, now, &err), 0);
	assert_int_equal(store_statement_get_by_id(f->st, f->sid, &s, &err), 0);
	assert_int_equal(s->updated, now);

	list = take_all(f, &n);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		json_t *doc = json_loads(list[i].body, 0, NULL);
		json_t *obj = json_object_get(doc, "object");
		const char *type = json_string_value(json_object_get(obj, "type"));

		assert_non_null(doc);
		assert_int_equal(list[i].statement_id, f->sid);
		assert_string_equal(json_string_value(json_object_get(doc, "type")), "Update");
		assert_string_equal(json_string_value(json_object_get(doc, "actor")),
				    BASE "/s/hands-off");
		if (str_eq(type, "Note")) {
			assert_string_equal(note_inboxes[notes], list[i].inbox);
			notes++;
			assert_string_equal(json_string_value(json_object_get(obj, "id")),
					    BASE "/s/hands-off/post");
			/* newer than the post as first published: Mastodon applies it */
			assert_int_equal(iso_time(json_string_value(json_object_get(obj, "updated"))),
					 now);
			assert_true(now > T0);
			assert_string_equal(json_string_value(json_object_get(doc, "id")),
					    BASE "/s/hands-off/post#updates/1700001000");
			assert_non_null(strstr(json_string_value(json_object_get(obj, "content")),
					       "Workers United"));
		} else {
			assert_string_equal(type, "Service");
			assert_string_equal(actor_inboxes[actors], list[i].inbox);
			actors++;
			assert_string_equal(json_string_value(json_object_get(doc, "id")),
					    BASE "/s/hands-off#updates/1700001000");
		}
		json_decref(doc);
	}
	/* one row per distinct inbox, sorted: the store gives them in order */
	assert_int_equal(notes, 3);
	assert_int_equal(actors, 2);
	deliveries_free(list, n);
	statement_free(s);

	/* Done: a second look sends nothing. */
	assert_int_equal(publish_due(&f->ctx, now + 1, &err), 0);
	assert_int_equal(publish_due(&f->ctx, now + 100000, &err), 0);
	assert_int_equal(pending(f), 0);
}

/* The batch window: many changes, one edit at the first change + interval; each edit newer. */
static void batches_and_grows(void **state)
{
	struct fixture *f = *state;
	struct statement *s = NULL;
	struct delivery *list;
	struct err err;
	int64_t t = T0 + 2000, first_updated;
	size_t n = 0;
	char *first_id;

	audience(f);
	/* A burst: signatures at t, t+10, t+50, each scheduling with a 60 s window. */
	assert_int_equal(store_statement_schedule_update(f->st, f->sid, t + 60, &err), 0);
	assert_int_equal(store_statement_schedule_update(f->st, f->sid, t + 70, &err), 0);
	assert_int_equal(store_statement_schedule_update(f->st, f->sid, t + 110, &err), 0);
	assert_int_equal(publish_due(&f->ctx, t + 59, &err), 0);
	assert_int_equal(pending(f), 0);
	assert_int_equal(publish_due(&f->ctx, t + 60, &err), 0);
	list = take_all(f, &n);
	assert_int_equal(n, 5);
	first_id = xstrdup(strstr(list[0].body, "\"id\":\""));
	deliveries_free(list, n);
	assert_int_equal(publish_due(&f->ctx, t + 110, &err), 0);
	assert_int_equal(pending(f), 0);
	assert_int_equal(store_statement_get_by_id(f->st, f->sid, &s, &err), 0);
	first_updated = s->updated;
	assert_int_equal(first_updated, t + 60);
	statement_free(s);

	/* A clock that went backwards still gives a newer `updated` and a new id. */
	assert_int_equal(store_statement_schedule_update(f->st, f->sid, t, &err), 0);
	assert_int_equal(publish_due(&f->ctx, t, &err), 0);
	assert_int_equal(store_statement_get_by_id(f->st, f->sid, &s, &err), 0);
	assert_int_equal(s->updated, first_updated + 1);
	statement_free(s);
	list = take_all(f, &n);
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++)
		assert_string_not_equal(strstr(list[i].body, "\"id\":\""), first_id);
	deliveries_free(list, n);
	free(first_id);

}

/* No audience yet: the edit is still marked done (the page and the GETs show it). */
static void no_audience(void **state)
{
	struct fixture *f = *state;
	struct statement *s = NULL;
	struct err err;
	int64_t t = T0 + 3000, *ids = NULL;
	size_t n = 9;

	assert_int_equal(store_statement_schedule_update(f->st, f->sid, t, &err), 0);
	assert_int_equal(publish_due(&f->ctx, t, &err), 0);
	assert_int_equal(pending(f), 0);
	assert_int_equal(store_statement_get_by_id(f->st, f->sid, &s, &err), 0);
	assert_int_equal(s->updated, t);
	statement_free(s);
	assert_int_equal(store_statement_updates_due(f->st, INT64_MAX, &ids, &n, &err), 0);
	assert_int_equal(n, 0);
}

/* ---- the worker publishes by itself ---- */

struct got {
	int updates;
};

static void inbox_handler(struct tsrv *s, const struct tsrv_req *req, size_t nth,
			  struct tsrv_resp *resp)
{
	struct got *g = s->data;

	(void)nth;
	pthread_mutex_lock(&s->lock);
	if (req->body && strstr(req->body, "\"type\":\"Update\""))
		g->updates++;
	pthread_mutex_unlock(&s->lock);
	resp->status = 202;
}

/* --update-interval 0: an edit scheduled now reaches the follower within about a second. */
static void worker_publishes(void **state)
{
	struct fixture *f = *state;
	struct deliver *d = NULL;
	struct tsrv srv;
	struct got got = { 0 };
	struct err err;
	char *inbox;
	int i;

	assert_int_equal(tsrv_start(&srv, inbox_handler, &got), 0);
	inbox = xasprintf("%s/inbox", srv.base);
	actor(f->st, "http://127.0.0.1/users/x", inbox, NULL);
	assert_int_equal(store_follower_add(f->st, f->sid, "http://127.0.0.1/users/x",
					    "http://127.0.0.1/f/x", &err), 0);
	f->cfg.update_interval_s = 0;
	assert_int_equal(deliver_start(&f->cfg, NULL, f->path, &d, &err), 0);
	tsrv_sleep_ms(100);
	assert_int_equal(store_statement_schedule_update(f->st, f->sid, (int64_t)time(NULL), &err),
			 0);
	/* The Note and the actor: two Updates, within the poll (1 s) and delivery. */
	for (i = 0; i < 60 && tsrv_count(&srv) < 2; i++)
		tsrv_sleep_ms(50);
	deliver_stop(d);
	assert_int_equal(tsrv_count(&srv), 2);
	assert_int_equal(got.updates, 2);
	assert_true(i < 60);
	tsrv_stop(&srv);
	free(inbox);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(publishes_one_update_per_inbox, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(batches_and_grows, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(no_audience, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(worker_publishes, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
