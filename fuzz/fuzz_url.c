/*
 * Fuzz target: URLs and routes. The input is
 *
 *   an absolute URL (url_parse: the parser behind every URL a stranger names)
 *   a query string (url_query_get with the names the server reads)
 *   a request target, path?query (routed as a GET through router_handle;
 *   not /authorize_interaction, which looks the reader's server up)
 *   an Accept header (content negotiation), also read as an X-Forwarded-For
 *   header (net_client_key: whom the rate limits count)
 *   the rest: url_decode and router_slug_valid
 *
 * Invariants: a parsed URL is http(s) with a lower-case host, a port in range,
 * a path starting with '/', and the authority its host (and port); decoded
 * values hold no NUL; a valid slug is 1-64 of [a-z0-9_-]; a routed GET never
 * answers 5xx, a web page carries no <script>, and a Location header no control
 * character; a client key is an IP address (IPv6 as its /64), from the header
 * only when the peer is a trusted proxy.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <string.h>

#include "activitypub/reply.h"
#include "activitypub/request.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_server.h"
#include "server/router.h"
#include "util/limits.h"
#include "util/log.h"
#include "util/net.h"
#include "util/str.h"
#include "util/url.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level(LOG_ERROR);
	ctx = fuzz_server_open();
	return 0;
}

static void check_url(const char *s)
{
	struct url u;

	if (url_parse(s, &u, NULL)) {
		FUZZ_CHECK(!u.scheme && !u.host && !u.path, "url fields left after a failure");
		return;
	}
	FUZZ_CHECK(str_eq(u.scheme, "http") || str_eq(u.scheme, "https"), "scheme %s", u.scheme);
	FUZZ_CHECK(u.host[0], "empty host in %s", s);
	for (const char *h = u.host; *h; h++)
		FUZZ_CHECK(!isupper((unsigned char)*h), "host %s not lower case", u.host);
	FUZZ_CHECK(u.port >= 0 && u.port <= 65535, "port %d", u.port);
	FUZZ_CHECK(url_port(&u) >= 1, "effective port %d", url_port(&u));
	FUZZ_CHECK(u.path[0] == '/', "path '%s' of %s", u.path, s);
	FUZZ_CHECK(str_starts(u.authority, u.host), "authority %s of host %s", u.authority, u.host);
	FUZZ_CHECK(!strpbrk(u.authority, "/?#@ "), "authority %s", u.authority);
	url_release(&u);
}

static void check_query(const char *q)
{
	static const char *const names[] = { "resource", "page", "acct", "uri" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char *v = NULL;
		struct err err;

		if (url_query_get(q, names[i], &v, &err) == 0) {
			FUZZ_CHECK(v != NULL, "no value on success");
			FUZZ_CHECK(strlen(v) <= LIMIT_QUERY_VALUE_BYTES, "value of %zu bytes",
				   strlen(v));
		} else {
			FUZZ_CHECK(v == NULL, "value set on failure");
		}
		free(v);
	}
}

static void check_client_key(const char *xff)
{
	char key[NET_CLIENT_KEY_MAX], addr[NET_CLIENT_KEY_MAX];
	unsigned char bin[16];
	size_t n;

	net_client_key("192.0.2.1", xff, NULL, key);
	FUZZ_CHECK(str_eq(key, "192.0.2.1"), "an untrusted peer's header was believed: %s", key);
	net_client_key("127.0.0.1", xff, NULL, key);
	n = strlen(key);
	FUZZ_CHECK(n > 0 && n < sizeof(key), "client key of %zu bytes", n);
	if (n > 3 && str_ends(key, "/64")) {
		memcpy(addr, key, n - 3);
		addr[n - 3] = '\0';
		FUZZ_CHECK(inet_pton(AF_INET6, addr, bin) == 1, "client key %s", key);
	} else {
		FUZZ_CHECK(inet_pton(AF_INET, key, bin) == 1, "client key %s", key);
	}
}

/* GET target through the router, the way server/http.c hands it over. */
static void route(const char *target, const char *accept)
{
	const char *qm = strchr(target, '?');
	char *path = xstrndup(target, qm ? (size_t)(qm - target) : strlen(target));
	struct http_header h[] = { { "Accept", accept }, { "Host", FUZZ_AUTHORITY } };
	struct request req = {
		.method = "GET",
		.target = target,
		.path = path,
		.query = qm ? qm + 1 : "",
		.headers = h,
		.n_headers = 2,
		.remote_ip = "127.0.0.1",
	};
	struct reply out;

	/* It asks the reader's server by WebFinger: the network, not a parser. */
	if (str_eq(path, "/authorize_interaction")) {
		free(path);
		return;
	}
	reply_init(&out);
	router_handle(ctx, &req, &out);
	FUZZ_CHECK(out.status >= 200 && out.status < 500, "GET %s answered %d", target, out.status);
	if (out.location)
		for (const char *p = out.location; *p; p++)
			FUZZ_CHECK((unsigned char)*p > ' ' && *p != 0x7f,
				   "control character in Location for %s", target);
	if (out.body && out.content_type && str_starts(out.content_type, "text/html"))
		FUZZ_CHECK(!strcasestr(out.body, "<script"), "a script on the page of %s", target);
	reply_release(&out);
	free(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char *url = fuzz_line(&in);
	char *query = fuzz_line(&in);
	char *target = fuzz_line(&in);
	char *accept = fuzz_line(&in);
	size_t len;
	char *rest = fuzz_rest(&in, &len);
	char *d;

	check_url(url);
	check_query(query);
	if (target[0] == '/')
		route(target, accept);
	(void)router_wants_html(accept);
	check_client_key(accept);
	for (int plus = 0; plus < 2; plus++) {
		d = url_decode(rest, len, plus);
		if (d) {
			FUZZ_CHECK(strlen(d) <= len, "decoded longer than encoded");
			FUZZ_CHECK(memchr(rest, '\0', len) == NULL, "raw NUL decoded");
		}
		free(d);
	}
	if (router_slug_valid(rest, len)) {
		FUZZ_CHECK(len >= 1 && len <= LIMIT_SLUG_BYTES, "slug of %zu bytes", len);
		for (size_t i = 0; i < len; i++)
			FUZZ_CHECK(islower((unsigned char)rest[i]) ||
				       isdigit((unsigned char)rest[i]) || rest[i] == '-' ||
				       rest[i] == '_',
				   "slug byte 0x%02x", (unsigned char)rest[i]);
	}
	free(url);
	free(query);
	free(target);
	free(accept);
	free(rest);
	return 0;
}
