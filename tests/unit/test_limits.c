/* Unit tests of the abuse limits: token buckets, the fetch gate, client keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "server/conns.h"
#include "util/err.h"
#include "util/gate.h"
#include "util/limits.h"
#include "util/net.h"
#include "util/ratelimit.h"

/* A bucket spends its burst at once, then refills at its rate. */
static void bucket_burst_then_rate(void **state)
{
	struct ratelimit *rl = ratelimit_new(2, 5, 64);
	int wait_s = 0, taken = 0;

	(void)state;
	for (int i = 0; i < 10; i++)
		taken += ratelimit_take(rl, "a", 1000, &wait_s);
	assert_int_equal(taken, 5);
	/* Empty: one token comes back in 0.5 s, said as a whole second. */
	assert_false(ratelimit_take(rl, "a", 1000, &wait_s));
	assert_int_equal(wait_s, 1);
	assert_false(ratelimit_take(rl, "a", 1400, NULL));
	assert_true(ratelimit_take(rl, "a", 1500, NULL));
	assert_false(ratelimit_take(rl, "a", 1500, NULL));
	/* A long pause refills to the burst, never past it. */
	taken = 0;
	for (int i = 0; i < 10; i++)
		taken += ratelimit_take(rl, "a", 100000, NULL);
	assert_int_equal(taken, 5);
	ratelimit_free(rl);
}

/* Keys are independent; a slow rate says how long to wait. */
static void bucket_keys_and_wait(void **state)
{
	struct ratelimit *rl = ratelimit_new(0.1, 1, 64);
	int wait_s = 0;

	(void)state;
	assert_true(ratelimit_take(rl, "a", 0, NULL));
	assert_false(ratelimit_take(rl, "a", 0, &wait_s));
	assert_int_equal(wait_s, 11); /* 10 s, rounded up past the fraction */
	assert_true(ratelimit_take(rl, "b", 0, NULL));
	assert_true(ratelimit_take(rl, "a", 10000, NULL));
	ratelimit_free(rl);
}

/* Rate 0 and a NULL limit never refuse. */
static void bucket_off(void **state)
{
	struct ratelimit *rl = ratelimit_new(0, 1, 8);

	(void)state;
	for (int i = 0; i < 1000; i++) {
		assert_true(ratelimit_take(rl, "a", 0, NULL));
		assert_true(ratelimit_take(NULL, "a", 0, NULL));
	}
	ratelimit_free(rl);
}

/*
 * More keys than slots: the table stays its size, and a busy key keeps its
 * empty bucket while idle (full) ones are the ones forgotten.
 */
static void bucket_table_full(void **state)
{
	struct ratelimit *rl = ratelimit_new(1, 2, 16);
	char key[32];

	(void)state;
	assert_true(ratelimit_take(rl, "busy", 0, NULL));
	assert_true(ratelimit_take(rl, "busy", 0, NULL));
	assert_false(ratelimit_take(rl, "busy", 0, NULL));
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_true(ratelimit_take(rl, key, 0, NULL)); /* a new key starts full */
		/* "busy" stays spent: the churn around it must not reset it. */
		assert_false(ratelimit_take(rl, "busy", 0, NULL));
	}
	ratelimit_free(rl);
}

/* One fetch per host at once, a cap over all hosts, and a rate per host. */
static void gate_limits(void **state)
{
	struct gate *g = gate_new(0, 2, 0);
	struct err err;

	(void)state;
	assert_int_equal(gate_enter(g, "a.example", &err), 0);
	assert_int_equal(gate_enter(g, "a.example", &err), -ERR_RETRY);
	assert_non_null(strstr(err.msg, "a.example"));
	assert_int_equal(gate_enter(g, "b.example", &err), 0);
	assert_int_equal(gate_enter(g, "c.example", &err), -ERR_RETRY);
	gate_leave(g, "a.example");
	assert_int_equal(gate_enter(g, "c.example", &err), 0);
	assert_int_equal(gate_enter(g, "a.example", &err), -ERR_RETRY);
	gate_leave(g, "b.example");
	gate_leave(g, "c.example");
	assert_int_equal(gate_enter(g, "a.example", &err), 0);
	gate_leave(g, "a.example");
	gate_free(g);

	/* rate 0.1/s: a burst of LIMIT_RATE_BURST_S * 0.1 = 1 fetch, then refused. */
	g = gate_new(0.1, 4, 0);
	assert_int_equal(gate_enter(g, "a.example", &err), 0);
	gate_leave(g, "a.example");
	assert_int_equal(gate_enter(g, "a.example", &err), -ERR_RETRY);
	assert_non_null(strstr(err.msg, "rate"));
	assert_int_equal(gate_enter(g, "b.example", &err), 0);
	gate_leave(g, "b.example");
	gate_free(g);
	assert_int_equal(gate_enter(NULL, "a.example", &err), 0);
	gate_leave(NULL, "a.example");
}

struct holder {
	struct gate *g;
	int hold_ms;
};

/* Holds a.example's slot for a while, then gives it back. */
static void *hold_then_leave(void *arg)
{
	struct holder *h = arg;
	struct timespec ts = { h->hold_ms / 1000, (long)(h->hold_ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
	gate_leave(h->g, "a.example");
	return NULL;
}

/* A fetch waits for its host's turn up to wait_ms: served if the turn comes, else refused. */
static void gate_waits(void **state)
{
	struct gate *g = gate_new(0, 2, 2000);
	struct holder h = { g, 100 };
	struct err err;
	pthread_t t;
	int64_t t0;

	(void)state;
	assert_int_equal(gate_enter(g, "a.example", &err), 0);
	pthread_create(&t, NULL, hold_then_leave, &h);
	t0 = ratelimit_now_ms();
	assert_int_equal(gate_enter(g, "a.example", &err), 0);
	assert_true(ratelimit_now_ms() - t0 >= 90);
	pthread_join(t, NULL);
	gate_leave(g, "a.example");
	gate_free(g);

	g = gate_new(0, 2, 200);
	assert_int_equal(gate_enter(g, "a.example", &err), 0);
	t0 = ratelimit_now_ms();
	assert_int_equal(gate_enter(g, "a.example", &err), -ERR_RETRY);
	assert_true(ratelimit_now_ms() - t0 >= 190);
	assert_non_null(strstr(err.msg, "already under way"));
	gate_leave(g, "a.example");
	gate_free(g);
}

/* Whose address a request is counted under. */
/* Whether the other end of a socket pair sees the end of the stream (shut down), without waiting. */
static bool peer_sees_end(int fd)
{
	char byte;

	return recv(fd, &byte, 1, MSG_DONTWAIT) == 0;
}

/* Counts by client address, and the cut of connections whose headers trickle. */
static void open_connections(void **state)
{
	struct conns *t = conns_new();
	struct conn *c[4];
	int sp[3][2];

	(void)state;
	for (int i = 0; i < 3; i++)
		assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sp[i]), 0);
	/* Two from one address, one from a trusted proxy (not counted). */
	c[0] = conns_add(t, sp[0][0], "192.0.2.1");
	assert_false(conns_full(t, "192.0.2.1", 2));
	c[1] = conns_add(t, sp[1][0], "192.0.2.1");
	assert_true(conns_full(t, "192.0.2.1", 2));
	assert_false(conns_full(t, "192.0.2.2", 1));
	c[2] = conns_add(t, sp[2][0], NULL);
	c[3] = conns_add(t, -1, "192.0.2.2");
	assert_true(conns_full(t, "192.0.2.2", 1));
	conns_remove(t, c[3]);
	assert_false(conns_full(t, "192.0.2.2", 1));

	/* c[0] began its headers at 1000 and never finished; c[1] finished; c[2] began later. */
	conns_head_begin(t, c[0], 1000);
	conns_head_begin(t, c[1], 1000);
	conns_head_end(t, c[1]);
	conns_head_begin(t, c[2], 2500);
	/* At the limit exactly: nothing cut. */
	assert_int_equal(conns_sweep(t, 4000, 3000), 0);
	assert_false(peer_sees_end(sp[0][1]));
	/* Past it: only c[0]. */
	assert_int_equal(conns_sweep(t, 4001, 3000), 1);
	assert_true(peer_sees_end(sp[0][1]));
	assert_false(peer_sees_end(sp[1][1]));
	assert_false(peer_sees_end(sp[2][1]));
	/* Once only; c[2]'s turn comes later. */
	assert_int_equal(conns_sweep(t, 5000, 3000), 0);
	assert_int_equal(conns_sweep(t, 5501, 3000), 1);
	assert_true(peer_sees_end(sp[2][1]));
	/* Keep-alive: a new request line starts a new count. */
	conns_head_begin(t, c[1], 9000);
	assert_int_equal(conns_sweep(t, 11000, 3000), 0);
	assert_false(peer_sees_end(sp[1][1]));

	/* Closed ones give their count back; NULL is fine. */
	conns_remove(t, c[0]);
	assert_false(conns_full(t, "192.0.2.1", 2));
	conns_remove(t, NULL);
	conns_head_begin(t, NULL, 1);
	conns_head_end(t, NULL);
	conns_free(t); /* frees c[1] and c[2] */
	conns_free(NULL);
	for (int i = 0; i < 3; i++) {
		close(sp[i][0]);
		close(sp[i][1]);
	}
}

static void client_keys(void **state)
{
	char out[NET_CLIENT_KEY_MAX];

	(void)state;
	net_client_key("198.51.100.7", NULL, NULL, out);
	assert_string_equal(out, "198.51.100.7");
	/* Not from a proxy: X-Forwarded-For is the client's word, ignored. */
	net_client_key("198.51.100.7", "203.0.113.9", NULL, out);
	assert_string_equal(out, "198.51.100.7");
	/* From a loopback proxy: the last address, the one the proxy added. */
	net_client_key("127.0.0.1", "10.9.9.9, 203.0.113.9", NULL, out);
	assert_string_equal(out, "203.0.113.9");
	net_client_key("::1", " 203.0.113.9 ", NULL, out);
	assert_string_equal(out, "203.0.113.9");
	net_client_key("127.0.0.1", "203.0.113.9, junk", NULL, out);
	assert_string_equal(out, "127.0.0.1");
	net_client_key("127.0.0.1", "203.0.113.9", "none", out);
	assert_string_equal(out, "127.0.0.1");
	net_client_key("192.0.2.1", "203.0.113.9", "192.0.2.1", out);
	assert_string_equal(out, "203.0.113.9");
	net_client_key("127.0.0.1", "203.0.113.9", "192.0.2.1", out);
	assert_string_equal(out, "127.0.0.1");
	/* IPv6 by its /64; IPv4-mapped as IPv4. */
	net_client_key("2001:db8:1:2:3:4:5:6", NULL, NULL, out);
	assert_string_equal(out, "2001:db8:1:2::/64");
	net_client_key("2001:db8:1:2:ffff::1", NULL, NULL, out);
	assert_string_equal(out, "2001:db8:1:2::/64");
	net_client_key("::ffff:198.51.100.7", NULL, NULL, out);
	assert_string_equal(out, "198.51.100.7");
	assert_true(net_is_trusted_proxy("::ffff:127.0.0.1", NULL));
	assert_false(net_is_trusted_proxy("192.0.2.1", NULL));
	assert_true(net_is_trusted_proxy("::ffff:192.0.2.1", "192.0.2.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bucket_burst_then_rate),
		cmocka_unit_test(bucket_keys_and_wait),
		cmocka_unit_test(bucket_off),
		cmocka_unit_test(bucket_table_full),
		cmocka_unit_test(gate_limits),
		cmocka_unit_test(gate_waits),
		cmocka_unit_test(client_keys),
		cmocka_unit_test(open_connections),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
