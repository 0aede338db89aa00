/*
 * Unit tests of the HTTP client (activitypub/httpc.c) and the address rule
 * (util/net.c): the classifier on its own, then real requests to a test
 * server on 127.0.0.1 (tests/unit/testsrv.h): signatures, the size cap, the
 * timeout, redirects, the SSRF guard, and the multi interface.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "activitypub/httpc.h"
#include "activitypub/version.h"
#include "crypto/digest.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "tests/unit/testsrv.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/net.h"
#include "util/str.h"

#define KEY_ID "http://undersigned.test/actor#main-key"

static char *priv_pem, *pub_pem;
static struct key *priv_key, *pub_key;

static int group_setup(void **state)
{
	struct err err;

	(void)state;
	if (httpc_global_init(&err))
		return -1;
	if (key_generate_rsa(2048, &priv_pem, &pub_pem, &err) ||
	    key_load_private(priv_pem, &priv_key, &err) || key_load_public(pub_pem, &pub_key, &err))
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	key_free(priv_key);
	key_free(pub_key);
	key_pem_free(priv_pem);
	free(pub_pem);
	httpc_global_cleanup();
	return 0;
}

/* ---- the address classifier ---- */

static bool classify(const char *text)
{
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, text, &a4.sin_addr) == 1)
		return net_addr_is_public((struct sockaddr *)&a4);
	if (inet_pton(AF_INET6, text, &a6.sin6_addr) == 1)
		return net_addr_is_public((struct sockaddr *)&a6);
	fail_msg("bad literal %s", text);
	return false;
}

static void addr_classifier(void **state)
{
	static const char *const refused[] = {
		"127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1",
		"172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
		"100.127.255.255", "0.0.0.0", "0.1.2.3", "224.0.0.1", "239.255.255.250",
		"255.255.255.255", "240.0.0.1", "192.0.2.1", "198.51.100.7", "203.0.113.9",
		"198.18.0.1", "192.0.0.8",
		"::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1",
		"::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:192.168.0.1", "::ffff:169.254.169.254",
		"::127.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::127.0.0.1", "2002:7f00:1::1",
		"2002:c0a8:101::1", "2001:db8::1", "100::1",
	};
	static const char *const allowed[] = {
		"1.1.1.1", "8.8.8.8", "93.184.216.34", "172.15.255.255", "172.32.0.1",
		"100.63.255.255", "100.128.0.1", "11.0.0.1", "192.169.0.1", "169.253.0.1",
		"223.255.255.255",
		"2606:4700:4700::1111", "2a00:1450:4001:80b::200e", "::ffff:8.8.8.8",
		"64:ff9b::8.8.8.8", "2002:0808:0808::1", "fb00::1", "fe00::1",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (classify(refused[i]))
			fail_msg("%s was judged public", refused[i]);
	for (size_t i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
		if (!classify(allowed[i]))
			fail_msg("%s was judged not public", allowed[i]);
	assert_false(net_addr_is_public(NULL));
	{
		struct sockaddr sa = { .sa_family = AF_UNIX };

		assert_false(net_addr_is_public(&sa));
	}
}

static void host_loopback(void **state)
{
	(void)state;
	assert_true(net_host_is_loopback("localhost"));
	assert_true(net_host_is_loopback("LocalHost"));
	assert_true(net_host_is_loopback("127.0.0.1"));
	assert_true(net_host_is_loopback("127.1.2.3"));
	assert_true(net_host_is_loopback("[::1]"));
	assert_true(net_host_is_loopback("::1"));
	assert_false(net_host_is_loopback("10.0.0.1"));
	assert_false(net_host_is_loopback("example.org"));
	assert_false(net_host_is_loopback("localhost.example.org"));
	assert_false(net_host_is_loopback("[::2]"));
	assert_false(net_host_is_loopback(NULL));
}

/* ---- a server for the requests ---- */

static void handler(struct tsrv *s, const struct tsrv_req *req, size_t nth,
		    struct tsrv_resp *resp)
{
	(void)nth;
	if (str_starts(req->target, "/doc")) {
		resp->status = 200;
		resp->content_type = "application/activity+json";
		resp->body = xstrdup("{\"id\":\"x\"}");
	} else if (str_eq(req->target, "/cap-exact")) {
		resp->status = 200;
		resp->stream_bytes = 1000;
	} else if (str_eq(req->target, "/cap-over")) {
		resp->status = 200;
		resp->stream_bytes = 1001;
	} else if (str_eq(req->target, "/huge")) {
		resp->status = 200;
		resp->stream_bytes = LIMIT_FETCH_BYTES + 1;
	} else if (str_eq(req->target, "/huge-nolength")) {
		resp->status = 200;
		resp->no_length = true;
		resp->stream_bytes = LIMIT_FETCH_BYTES + 4096;
	} else if (str_eq(req->target, "/hang")) {
		resp->hang = true;
	} else if (str_eq(req->target, "/loop")) {
		resp->status = 302;
		snprintf(resp->extra, sizeof(resp->extra), "Location: %s/loop\r\n", s->base);
	} else if (str_starts(req->target, "/hop")) {
		int n = req->target[4] - '0';

		resp->status = n == 1 ? 301 : 307;
		/* A relative Location, then an absolute one. */
		if (n == 1)
			snprintf(resp->extra, sizeof(resp->extra), "Location: /hop2?q=1\r\n");
		else
			snprintf(resp->extra, sizeof(resp->extra), "Location: %s/doc/final\r\n",
				 s->base);
	} else if (str_eq(req->target, "/to-file")) {
		resp->status = 302;
		snprintf(resp->extra, sizeof(resp->extra), "Location: file:///etc/passwd\r\n");
	} else if (str_eq(req->target, "/inbox")) {
		resp->status = 202;
	} else if (str_eq(req->target, "/slow-down")) {
		resp->status = 429;
		snprintf(resp->extra, sizeof(resp->extra), "Retry-After: 120\r\n");
	}
}

static struct httpc_opts private_opts(void)
{
	struct httpc_opts o = { 0 };

	o.base_url = "http://undersigned.test";
	o.allow_private_network = true;
	return o;
}

/* Assert r carries a valid signature by KEY_ID covering these components. */
static void assert_signed(const struct tsrv_req *r, bool post)
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
	struct httpsig *sig = NULL;
	struct err err;
	int rc;

	rc = httpsig_parse(&hr, &sig, &err);
	if (rc)
		fail_msg("parse: %s", err.msg);
	assert_string_equal(httpsig_key_id(sig), KEY_ID);
	assert_int_equal(httpsig_scheme(sig), HTTPSIG_CAVAGE);
	assert_string_equal(httpsig_algorithm(sig), "rsa-sha256");
	assert_true(httpsig_covers(sig, "(request-target)"));
	assert_true(httpsig_covers(sig, "host"));
	assert_true(httpsig_covers(sig, "date"));
	assert_int_equal(httpsig_covers(sig, "digest"), post);
	rc = httpsig_verify(sig, &hr, pub_key, (int64_t)time(NULL), &err);
	if (rc)
		fail_msg("verify: %s", err.msg);
	httpsig_free(sig);
}

static void get_signed(void **state)
{
	struct httpc_opts o = private_opts();
	struct httpc_signer signer = { KEY_ID, priv_key };
	struct httpc_response resp;
	struct tsrv s;
	struct err err;
	char *url, *ua, *host;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	url = xasprintf("%s/doc?page=2", s.base);
	assert_int_equal(httpc_get(&o, url, "application/activity+json", &signer, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.content_type, "application/activity+json");
	assert_string_equal(resp.body, "{\"id\":\"x\"}");
	assert_int_equal(resp.body_len, 10);
	assert_string_equal(resp.final_url, url);
	assert_int_equal(tsrv_count(&s), 1);
	assert_string_equal(s.reqs[0]->method, "GET");
	assert_string_equal(s.reqs[0]->target, "/doc?page=2");
	assert_string_equal(tsrv_header(s.reqs[0], "Accept"), "application/activity+json");
	ua = xasprintf("Undersigned/%s (+http://undersigned.test/)", UNDERSIGNED_VERSION);
	assert_string_equal(tsrv_header(s.reqs[0], "User-Agent"), ua);
	host = xasprintf("127.0.0.1:%d", s.port);
	assert_string_equal(tsrv_header(s.reqs[0], "Host"), host);
	assert_null(tsrv_header(s.reqs[0], "Digest"));
	assert_signed(s.reqs[0], false);
	httpc_response_release(&resp);

	/* Unsigned: no Signature header at all. */
	assert_int_equal(httpc_get(&o, url, "application/jrd+json", NULL, &resp, &err), 0);
	assert_int_equal(tsrv_count(&s), 2);
	assert_null(tsrv_header(s.reqs[1], "Signature"));
	httpc_response_release(&resp);
	tsrv_stop(&s);
	free(url);
	free(ua);
	free(host);
}

static void get_size_cap(void **state)
{
	struct httpc_opts o = private_opts();
	struct httpc_response resp;
	struct tsrv s;
	struct err err;
	char *url;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	o.max_bytes = 1000;
	url = xasprintf("%s/cap-exact", s.base);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), 0);
	assert_int_equal(resp.body_len, 1000);
	httpc_response_release(&resp);
	free(url);
	url = xasprintf("%s/cap-over", s.base);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_TOOBIG);
	assert_null(resp.body);
	free(url);

	/* The production cap, announced by Content-Length and not. */
	o.max_bytes = 0;
	url = xasprintf("%s/huge", s.base);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_TOOBIG);
	free(url);
	url = xasprintf("%s/huge-nolength", s.base);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "larger than"));
	free(url);
	tsrv_stop(&s);
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void get_timeout(void **state)
{
	struct httpc_opts o = private_opts();
	struct httpc_response resp;
	struct tsrv s;
	struct err err;
	long t0, took;
	char *url;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	o.timeout_ms = 300;
	url = xasprintf("%s/hang", s.base);
	t0 = now_ms();
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_IO);
	took = now_ms() - t0;
	assert_true(took >= 250);
	assert_true(took < 3000);
	assert_non_null(strstr(err.msg, "timed out"));
	assert_int_equal(tsrv_count(&s), 1);
	tsrv_stop(&s);
	free(url);
}

static void get_redirects(void **state)
{
	struct httpc_opts o = private_opts();
	struct httpc_signer signer = { KEY_ID, priv_key };
	struct httpc_response resp;
	struct tsrv s;
	struct err err;
	char *url, *final;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	/* Two hops, each signed for its own target. */
	url = xasprintf("%s/hop1", s.base);
	final = xasprintf("%s/doc/final", s.base);
	assert_int_equal(httpc_get(&o, url, "*/*", &signer, &resp, &err), 0);
	assert_int_equal(resp.status, 200);
	assert_string_equal(resp.final_url, final);
	assert_int_equal(tsrv_count(&s), 3);
	assert_string_equal(s.reqs[1]->target, "/hop2?q=1");
	assert_string_equal(s.reqs[2]->target, "/doc/final");
	for (size_t i = 0; i < 3; i++)
		assert_signed(s.reqs[i], false);
	httpc_response_release(&resp);
	free(url);
	free(final);

	/* A loop stops after LIMIT_REDIRECTS redirects. */
	url = xasprintf("%s/loop", s.base);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_TOOBIG);
	assert_non_null(strstr(err.msg, "redirects"));
	assert_int_equal(tsrv_count(&s), 3 + LIMIT_REDIRECTS + 1);
	free(url);
	tsrv_stop(&s);
}

static void get_ssrf_refused(void **state)
{
	struct httpc_opts o = { 0 };
	struct httpc_response resp;
	struct tsrv s;
	struct err err;
	char *url;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	/* Plain http: refused before anything. */
	assert_int_equal(httpc_get(&o, s.base, "*/*", NULL, &resp, &err), -ERR_FORBIDDEN);
	assert_non_null(strstr(err.msg, "plain http"));
	/* https to a loopback address, by number and by name: refused before connecting. */
	url = xasprintf("https://127.0.0.1:%d/doc", s.port);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_FORBIDDEN);
	assert_non_null(strstr(err.msg, "127.0.0.1"));
	free(url);
	url = xasprintf("https://localhost:%d/doc", s.port);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_FORBIDDEN);
	assert_non_null(strstr(err.msg, "non-public address"));
	free(url);
	url = xasprintf("https://[::ffff:127.0.0.1]:%d/doc", s.port);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_FORBIDDEN);
	free(url);
	/* Other schemes and junk never reach curl. */
	assert_int_equal(httpc_get(&o, "file:///etc/passwd", "*/*", NULL, &resp, &err),
			 -ERR_INVALID);
	assert_int_equal(httpc_get(&o, "gopher://127.0.0.1/", "*/*", NULL, &resp, &err),
			 -ERR_INVALID);
	assert_int_equal(httpc_get(&o, "https://user@127.0.0.1/", "*/*", NULL, &resp, &err),
			 -ERR_INVALID);
	tsrv_sleep_ms(50);
	assert_int_equal(tsrv_connections(&s), 0);
	tsrv_stop(&s);
}

/* Every redirect target is checked again: a Location to another scheme is refused. */
static void get_redirect_rechecked(void **state)
{
	struct httpc_opts o = private_opts();
	struct httpc_response resp;
	struct tsrv s;
	struct err err;
	char *url;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	url = xasprintf("%s/to-file", s.base);
	assert_int_equal(httpc_get(&o, url, "*/*", NULL, &resp, &err), -ERR_INVALID);
	assert_non_null(strstr(err.msg, "file:"));
	assert_int_equal(tsrv_count(&s), 1);
	free(url);
	tsrv_stop(&s);
}

static void multi_posts(void **state)
{
	struct httpc_opts o = private_opts();
	struct httpc_signer signer = { KEY_ID, priv_key };
	struct httpc_multi *m = NULL;
	struct httpc_done done;
	static const char body[] = "{\"type\":\"Accept\"}";
	int seen[3] = { 0 };
	struct tsrv s;
	struct err err;
	char *url;
	long t0;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	assert_int_equal(httpc_multi_new(&o, &m, &err), 0);
	url = xasprintf("%s/inbox", s.base);
	assert_int_equal(httpc_multi_post(m, url, "application/activity+json", body,
					  strlen(body), &signer, &seen[0], &err),
			 0);
	free(url);
	url = xasprintf("%s/slow-down", s.base);
	assert_int_equal(httpc_multi_post(m, url, "application/activity+json", body,
					  strlen(body), &signer, &seen[1], &err),
			 0);
	free(url);
	/* Nobody listens on port 1 of loopback: a connection error, no status. */
	assert_int_equal(httpc_multi_post(m, "http://127.0.0.1:1/inbox", "application/activity+json",
					  body, strlen(body), &signer, &seen[2], &err),
			 0);
	/* Refused at once: plain http is fine here, but ftp never. */
	assert_int_equal(httpc_multi_post(m, "ftp://127.0.0.1/x", "application/activity+json", body,
					  strlen(body), &signer, NULL, &err),
			 -ERR_INVALID);
	assert_int_equal(httpc_multi_count(m), 3);
	t0 = now_ms();
	while (httpc_multi_count(m) && now_ms() - t0 < 10000) {
		assert_int_equal(httpc_multi_poll(m, 200, &err), 0);
		while (httpc_multi_done(m, &done)) {
			int *which = done.user;

			*which = 1;
			if (which == &seen[0]) {
				assert_int_equal(done.rc, 0);
				assert_int_equal(done.status, 202);
			} else if (which == &seen[1]) {
				assert_int_equal(done.rc, 0);
				assert_int_equal(done.status, 429);
				assert_int_equal(done.retry_after, 120);
			} else {
				assert_int_equal(done.rc, -ERR_IO);
				assert_int_equal(done.status, 0);
				assert_true(strlen(done.err.msg) > 0);
			}
		}
	}
	assert_int_equal(seen[0] + seen[1] + seen[2], 3);
	assert_int_equal(tsrv_count(&s), 2);
	for (size_t i = 0; i < 2; i++) {
		char digest[DIGEST_VALUE_MAX];

		assert_string_equal(s.reqs[i]->method, "POST");
		assert_string_equal(s.reqs[i]->body, body);
		assert_string_equal(tsrv_header(s.reqs[i], "Content-Type"),
				    "application/activity+json");
		digest_header_make(body, strlen(body), digest);
		assert_string_equal(tsrv_header(s.reqs[i], "Digest"), digest);
		assert_null(tsrv_header(s.reqs[i], "Expect"));
		assert_signed(s.reqs[i], true);
	}
	httpc_multi_free(m);
	tsrv_stop(&s);
}

/* Freeing a multi with transfers in flight abandons them cleanly, and wakeup is safe. */
static void multi_abandon(void **state)
{
	struct httpc_opts o = private_opts();
	struct httpc_signer signer = { KEY_ID, priv_key };
	struct httpc_multi *m = NULL;
	struct tsrv s;
	struct err err;
	char *url;
	long t0;

	(void)state;
	assert_int_equal(tsrv_start(&s, handler, NULL), 0);
	assert_int_equal(httpc_multi_new(&o, &m, &err), 0);
	url = xasprintf("%s/hang", s.base);
	assert_int_equal(httpc_multi_post(m, url, "application/activity+json", "{}", 2, &signer,
					  NULL, &err),
			 0);
	assert_int_equal(httpc_multi_poll(m, 100, &err), 0);
	httpc_multi_wakeup(m);
	t0 = now_ms();
	assert_int_equal(httpc_multi_poll(m, 5000, &err), 0);
	assert_true(now_ms() - t0 < 2000);
	assert_int_equal(httpc_multi_count(m), 1);
	httpc_multi_free(m);
	free(url);
	tsrv_stop(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(addr_classifier),
		cmocka_unit_test(host_loopback),
		cmocka_unit_test(get_signed),
		cmocka_unit_test(get_size_cap),
		cmocka_unit_test(get_timeout),
		cmocka_unit_test(get_redirects),
		cmocka_unit_test(get_ssrf_refused),
		cmocka_unit_test(get_redirect_rechecked),
		cmocka_unit_test(multi_posts),
		cmocka_unit_test(multi_abandon),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
