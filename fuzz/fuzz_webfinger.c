/*
 * Fuzz target: WebFinger both ways. The input is
 *
 *   a query string for GET /.well-known/webfinger (our server answering)
 *   a JRD document (another server answering us: webfinger_parse)
 *
 * Invariants: our server answers 200 only for one of its own accounts, and
 * what it answers, webfinger_parse reads back as that account's actor URL; an
 * accepted JRD gives an http(s) href.
 */
#include <string.h>

#include "activitypub/fetch.h"
#include "activitypub/reply.h"
#include "activitypub/request.h"
#include "fuzz/fuzz.h"
#include "fuzz/fuzz_server.h"
#include "server/router.h"
#include "util/log.h"
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

/* GET /.well-known/webfinger?query through the router, as a client asks. */
static void serve(const char *query)
{
	char *target = xasprintf("/.well-known/webfinger?%s", query);
	struct http_header h[] = { { "Accept", "application/jrd+json" },
				   { "Host", FUZZ_AUTHORITY } };
	struct request req = {
		.method = "GET",
		.target = target,
		.path = "/.well-known/webfinger",
		.query = query,
		.headers = h,
		.n_headers = 2,
		.remote_ip = "127.0.0.1",
	};
	struct reply out;

	reply_init(&out);
	router_handle(ctx, &req, &out);
	FUZZ_CHECK(out.status == 200 || out.status == 400 || out.status == 404,
		   "WebFinger status %d", out.status);
	if (out.status == 200) {
		char *href = NULL, *subject = NULL;
		struct err err;

		FUZZ_CHECK(out.body && str_eq(out.content_type, CT_JRD), "200 without a JRD");
		FUZZ_CHECK(webfinger_parse(out.body, strlen(out.body), &href, &subject, &err) == 0,
			   "our own JRD does not parse: %s", err.msg);
		FUZZ_CHECK(str_eq(href, FUZZ_BASE "/s/" FUZZ_SLUG) ||
			       str_eq(href, FUZZ_BASE "/actor"),
			   "query '%s' answered with %s", query, href);
		FUZZ_CHECK(subject && str_ends(subject, "@" FUZZ_AUTHORITY),
			   "subject %s is not on this server", subject ? subject : "(none)");
		free(href);
		free(subject);
	}
	reply_release(&out);
	free(target);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	char *query = fuzz_line(&in);
	size_t len;
	char *jrd = fuzz_rest(&in, &len);
	char *href = NULL, *subject = NULL;
	struct err err;

	serve(query);
	if (webfinger_parse(jrd, len, &href, &subject, &err) == 0) {
		struct url u;

		FUZZ_CHECK(href && url_parse(href, &u, NULL) == 0, "href '%s' is no URL",
			   href ? href : "(null)");
		url_release(&u);
		free(href);
		free(subject);
	} else {
		FUZZ_CHECK(!href && !subject, "outputs set on failure");
	}
	free(query);
	free(jrd);
	return 0;
}
