/*
 * Unit tests of activitypub/deliver.c: the pure policy (status → outcome,
 * backoff), then the real worker thread on a real store delivering to a test
 * server on 127.0.0.1: signatures and Digest, retries, dead inboxes, the
 * per-host limit, and a prompt stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "activitypub/ctx.h"
#include "activitypub/deliver.h"
#include "activitypub/httpc.h"
#include "activitypub/keyring.h"
#include "crypto/digest.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "store/store.h"
#include "tests/unit/fixture.h"
#include "tests/unit/testsrv.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

#define BASE "http://undersigned.test"

static char *st_priv, *st_pub; /* the statement's key pair, made once */

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

/* ---- the policy ---- */

static void classify(void **state)
{
	(void)state;
	assert_int_equal(deliver_classify(200), DELIVER_DONE);
	assert_int_equal(deliver_classify(202), DELIVER_DONE);
	assert_int_equal(deliver_classify(204), DELIVER_DONE);
	assert_int_equal(deliver_classify(410), DELIVER_DEAD);
	assert_int_equal(deliver_classify(400), DELIVER_DROP);
	assert_int_equal(deliver_classify(403), DELIVER_DROP);
	assert_int_equal(deliver_classify(404), DELIVER_DROP);
	assert_int_equal(deliver_classify(422), DELIVER_DROP);
	assert_int_equal(deliver_classify(501), DELIVER_DROP);
	assert_int_equal(deliver_classify(401), DELIVER_RETRY);
	assert_int_equal(deliver_classify(408), DELIVER_RETRY);
	assert_int_equal(deliver_classify(429), DELIVER_RETRY);
	assert_int_equal(deliver_classify(500), DELIVER_RETRY);
	assert_int_equal(deliver_classify(502), DELIVER_RETRY);
	assert_int_equal(deliver_classify(503), DELIVER_RETRY);
	assert_int_equal(deliver_classify(302), DELIVER_RETRY);
	assert_int_equal(deliver_classify(0), DELIVER_RETRY);
}

static void backoff(void **state)
{
	int64_t total = 0;

	(void)state;
	assert_int_equal(deliver_backoff(1), LIMIT_DELIVERY_BACKOFF_BASE_S);
	assert_int_equal(deliver_backoff(2), 2 * LIMIT_DELIVERY_BACKOFF_BASE_S);
	assert_int_equal(deliver_backoff(3), 4 * LIMIT_DELIVERY_BACKOFF_BASE_S);
	assert_int_equal(deliver_backoff(0), LIMIT_DELIVERY_BACKOFF_BASE_S);
	assert_int_equal(deliver_backoff(-5), LIMIT_DELIVERY_BACKOFF_BASE_S);
	assert_int_equal(deliver_backoff(1000), LIMIT_DELIVERY_BACKOFF_MAX_S);
	assert_int_equal(deliver_backoff(INT32_MAX), LIMIT_DELIVERY_BACKOFF_MAX_S);
	for (int a = 1; a < 100; a++) {
		assert_true(deliver_backoff(a + 1) >= deliver_backoff(a));
		assert_true(deliver_backoff(a) <= LIMIT_DELIVERY_BACKOFF_MAX_S);
	}
	/* The waits between LIMIT_DELIVERY_ATTEMPTS attempts span two to three days. */
	for (int a = 1; a < LIMIT_DELIVERY_ATTEMPTS; a++)
		total += deliver_backoff(a);
	assert_true(total >= 2 * 86400);
	assert_true(total <= 3 * 86400);
	/* Retry-After wins, within bounds. */
	assert_int_equal(deliver_delay(5, 0), deliver_backoff(5));
	assert_int_equal(deliver_delay(5, 7), 7);
	assert_int_equal(deliver_delay(1, 1), 1);
	assert_int_equal(deliver_delay(1, 999999999), LIMIT_DELIVERY_BACKOFF_MAX_S);
}

/* ---- the worker ---- */

struct inboxes {
	int flaky_calls;
};

static void inbox_handler(struct tsrv *s, const struct tsrv_req *req, size_t nth,
			  struct tsrv_resp *resp)
{
	struct inboxes *in = s->data;

	(void)nth;
	if (str_starts(req->target, "/slow/")) {
		resp->status = 202;
		resp->delay_ms = 150;
	} else if (str_eq(req->target, "/flaky")) {
		pthread_mutex_lock(&s->lock);
		in->flaky_calls++;
		resp->status = in->flaky_calls == 1 ? 500 : 202;
		pthread_mutex_unlock(&s->lock);
		if (resp->status == 500)
			snprintf(resp->extra, sizeof(resp->extra), "Retry-After: 1\r\n");
	} else if (str_eq(req->target, "/gone")) {
		resp->status = 410;
	} else if (str_eq(req->target, "/bad")) {
		resp->status = 400;
	} else if (str_eq(req->target, "/hang")) {
		resp->hang = true;
	} else if (str_starts(req->target, "/ok")) {
		resp->status = 202;
	}
}

struct fixture {
	struct config cfg;
	struct store *st;
	struct tsrv srv;
	struct inboxes in;
	int64_t statement_id;
	char *instance_pub;
	char *path;
};

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct statement s = { 0 };
	struct err err;

	f->path = fixture_path("d");
	if (store_open(f->path, &f->st, &err) || keyring_instance_ensure(f->st, &err) ||
	    store_setting_get(f->st, KEYRING_INSTANCE_PUBLIC, &f->instance_pub, &err))
		return -1;
	s.slug = "hands-off";
	s.title = "Hands off";
	s.public_pem = st_pub;
	s.private_pem = st_priv;
	if (store_statement_add(f->st, &s, &err))
		return -1;
	f->statement_id = s.id;
	if (tsrv_start(&f->srv, inbox_handler, &f->in))
		return -1;
	f->cfg.base_url = BASE;
	f->cfg.authority = "undersigned.test";
	f->cfg.allow_private_network = true;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	tsrv_stop(&f->srv);
	store_close(f->st);
	free(f->instance_pub);
	free(f->path);
	free(f);
	return 0;
}

static void queue(struct fixture *f, int64_t statement_id, const char *body, const char *path)
{
	char *inbox = xasprintf("%s%s", f->srv.base, path);
	struct err err;

	if (store_delivery_add(f->st, statement_id, body, &inbox, 1, &err))
		fail_msg("queue: %s", err.msg);
	free(inbox);
}

/* Wait until the queue is empty (true) or seconds pass (false). */
static bool drained(struct fixture *f, int seconds)
{
	for (int i = 0; i < seconds * 20; i++) {
		int64_t pending = -1;
		struct err err;

		if (store_delivery_pending(f->st, &pending, &err) == 0 && pending == 0)
			return true;
		tsrv_sleep_ms(50);
	}
	return false;
}

/* The request carries a valid signature by key_id and the Digest of its body. */
static void assert_delivery(const struct tsrv_req *r, const char *pub_pem, const char *key_id)
{
	struct httpsig_request hr = {
		.method = r->method,
		.target = r->target,
		.headers = r->view,
		.n_headers = r->n_headers,
		.body = r->body,
		.body_len = r->body_len,
		.scheme = "http",
	};
	char digest[DIGEST_VALUE_MAX];
	struct httpsig *sig = NULL;
	struct key *pub = NULL;
	struct err err;

	assert_string_equal(r->method, "POST");
	assert_string_equal(tsrv_header(r, "Content-Type"), "application/activity+json");
	digest_header_make(r->body, r->body_len, digest);
	assert_string_equal(tsrv_header(r, "Digest"), digest);
	assert_int_equal(key_load_public(pub_pem, &pub, &err), 0);
	assert_int_equal(httpsig_parse(&hr, &sig, &err), 0);
	assert_string_equal(httpsig_key_id(sig), key_id);
	assert_true(httpsig_covers(sig, "(request-target)"));
	assert_true(httpsig_covers(sig, "host"));
	assert_true(httpsig_covers(sig, "date"));
	assert_true(httpsig_covers(sig, "digest"));
	if (httpsig_verify(sig, &hr, pub, (int64_t)time(NULL), &err))
		fail_msg("delivery to %s: %s", r->target, err.msg);
	httpsig_free(sig);
	key_free(pub);
}

/* N deliveries to one host: all arrive signed, never more than the per-host limit at once. */
static void fan_out(void **state)
{
	enum { N = 16 };
	struct fixture *f = *state;
	struct deliver *d = NULL;
	struct err err;
	bool seen[N] = { false };

	for (int i = 0; i < N; i++) {
		char *body = xasprintf("{\"id\":\"%s/a/%d\",\"type\":\"Update\"}", BASE, i);
		char *path = xasprintf("/slow/%d", i);

		queue(f, f->statement_id, body, path);
		free(body);
		free(path);
	}
	assert_int_equal(deliver_start(&f->cfg, NULL, f->path, &d, &err), 0);
	assert_true(drained(f, 20));
	deliver_stop(d);

	assert_int_equal(tsrv_count(&f->srv), N);
	for (size_t i = 0; i < N; i++) {
		const struct tsrv_req *r = f->srv.reqs[i];
		int64_t k = -1;
		char *body;

		assert_true(str_to_i64(r->target + strlen("/slow/"), &k));
		assert_true(k >= 0 && k < N);
		body = xasprintf("{\"id\":\"%s/a/%d\",\"type\":\"Update\"}", BASE, (int)k);

		assert_delivery(r, st_pub, BASE "/s/hands-off#main-key");
		assert_string_equal(r->body, body);
		seen[k] = true;
		free(body);
	}
	for (int i = 0; i < N; i++)
		assert_true(seen[i]);
	/* In parallel, but within the limit for one host. */
	assert_true(f->srv.max_active <= LIMIT_DELIVERY_PER_HOST);
	assert_true(f->srv.max_active >= 2);
}

/*
 * A 500 is retried (here after its Retry-After: 1) and then delivered; a 410
 * makes the inbox dead; a 400 drops that one delivery, the inbox lives on.
 */
static void retry_and_dead(void **state)
{
	struct fixture *f = *state;
	struct deliver *d = NULL;
	struct err err;
	char *gone = xasprintf("%s/gone", f->srv.base), *bad = xasprintf("%s/bad", f->srv.base);
	size_t flaky = 0, gone_n = 0;

	queue(f, f->statement_id, "{\"type\":\"Accept\",\"n\":1}", "/flaky");
	queue(f, f->statement_id, "{\"type\":\"Accept\",\"n\":2}", "/gone");
	queue(f, f->statement_id, "{\"type\":\"Accept\",\"n\":3}", "/bad");
	/* Signed by the instance actor. */
	queue(f, 0, "{\"type\":\"Accept\",\"n\":4}", "/ok/instance");
	assert_int_equal(deliver_start(&f->cfg, NULL, f->path, &d, &err), 0);
	deliver_kick(d);
	assert_true(drained(f, 20));
	deliver_stop(d);

	assert_int_equal(f->in.flaky_calls, 2);
	for (size_t i = 0; i < tsrv_count(&f->srv); i++) {
		const struct tsrv_req *r = f->srv.reqs[i];

		if (str_eq(r->target, "/ok/instance")) {
			assert_delivery(r, f->instance_pub, BASE "/actor#main-key");
		} else {
			assert_delivery(r, st_pub, BASE "/s/hands-off#main-key");
			flaky += str_eq(r->target, "/flaky");
			gone_n += str_eq(r->target, "/gone");
		}
	}
	assert_int_equal(flaky, 2);
	assert_int_equal(gone_n, 1);
	assert_int_equal(tsrv_count(&f->srv), 5);
	assert_true(store_inbox_is_dead(f->st, gone));
	assert_false(store_inbox_is_dead(f->st, bad));
	/* A dead inbox gets nothing new. */
	queue(f, f->statement_id, "{}", "/gone");
	assert_true(drained(f, 1));
	free(gone);
	free(bad);
}

/* A worker stops at once even with a POST hanging, and the row stays queued. */
static void stop_promptly(void **state)
{
	struct fixture *f = *state;
	struct deliver *d = NULL;
	struct err err;
	struct timespec t0, t1;
	int64_t pending = 0;
	long ms;

	queue(f, f->statement_id, "{}", "/hang");
	assert_int_equal(deliver_start(&f->cfg, NULL, f->path, &d, &err), 0);
	for (int i = 0; i < 100 && tsrv_count(&f->srv) == 0; i++)
		tsrv_sleep_ms(20);
	assert_int_equal(tsrv_count(&f->srv), 1);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	deliver_stop(d);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	assert_true(ms < 1000);
	assert_int_equal(store_delivery_pending(f->st, &pending, &err), 0);
	assert_int_equal(pending, 1);
	deliver_kick(NULL);
	deliver_stop(NULL);
}

/* Rows queued while the worker sleeps (as by another process) go out within about a second. */
static void picks_up_new_rows(void **state)
{
	struct fixture *f = *state;
	struct deliver *d = NULL;
	struct err err;

	assert_int_equal(deliver_start(&f->cfg, NULL, f->path, &d, &err), 0);
	tsrv_sleep_ms(200);
	queue(f, f->statement_id, "{\"n\":1}", "/ok/1");
	assert_true(drained(f, 5));
	queue(f, f->statement_id, "{\"n\":2}", "/ok/2");
	deliver_kick(d);
	assert_true(drained(f, 5));
	deliver_stop(d);
	assert_int_equal(tsrv_count(&f->srv), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classify),
		cmocka_unit_test(backoff),
		cmocka_unit_test_setup_teardown(fan_out, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(retry_and_dead, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(stop_promptly, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(picks_up_new_rows, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
