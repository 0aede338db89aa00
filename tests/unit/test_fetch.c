/*
 * Unit tests of activitypub/fetch.c: the pure parsers on documents shaped
 * like Mastodon's and Fedify's (and lying and malformed ones), then real
 * fetches from a test server on 127.0.0.1 into a real store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <jansson.h>

#include "activitypub/ctx.h"
#include "activitypub/fetch.h"
#include "activitypub/httpc.h"
#include "activitypub/keyring.h"
#include "crypto/httpsig.h"
#include "crypto/keys.h"
#include "store/store.h"
#include "tests/unit/fixture.h"
#include "tests/unit/testsrv.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/str.h"

static char *pub_pem, *pem_json; /* a real public key, and the same as a JSON string literal */

static int group_setup(void **state)
{
	struct err err;
	char *priv = NULL;
	json_t *s;

	(void)state;
	if (httpc_global_init(&err) || fixture_dir_make())
		return -1;
	if (key_generate_rsa(2048, &priv, &pub_pem, &err))
		return -1;
	key_pem_free(priv);
	s = json_string(pub_pem);
	pem_json = json_dumps(s, JSON_ENCODE_ANY);
	json_decref(s);
	return 0;
}

static int group_teardown(void **state)
{
	int rc = fixture_dir_remove();

	(void)state;
	free(pub_pem);
	free(pem_json);
	httpc_global_cleanup();
	return rc;
}

/* ---- documents ---- */

/* A Mastodon 4.x actor, trimmed of nothing that matters. @PEM@: the PEM. */
static const char mastodon_fmt[] =
	"{\"@context\":[\"https://www.w3.org/ns/activitystreams\",\"https://w3id.org/security/v1\","
	"{\"manuallyApprovesFollowers\":\"as:manuallyApprovesFollowers\",\"toot\":\"http://joinmastodon.org/ns#\","
	"\"featured\":{\"@id\":\"toot:featured\",\"@type\":\"@id\"},\"discoverable\":\"toot:discoverable\","
	"\"PropertyValue\":\"schema:PropertyValue\",\"schema\":\"http://schema.org#\",\"value\":\"schema:value\"}],"
	"\"id\":\"https://mastodon.example/users/alice\",\"type\":\"Person\","
	"\"following\":\"https://mastodon.example/users/alice/following\","
	"\"followers\":\"https://mastodon.example/users/alice/followers\","
	"\"inbox\":\"https://mastodon.example/users/alice/inbox\","
	"\"outbox\":\"https://mastodon.example/users/alice/outbox\","
	"\"featured\":\"https://mastodon.example/users/alice/collections/featured\","
	"\"preferredUsername\":\"alice\",\"name\":\"Alice \\u00c9tienne\",\"summary\":\"<p>Hi</p>\","
	"\"url\":\"https://mastodon.example/@alice\",\"manuallyApprovesFollowers\":false,"
	"\"discoverable\":true,\"indexable\":false,\"published\":\"2023-04-01T00:00:00Z\","
	"\"memorial\":false,\"devices\":\"https://mastodon.example/users/alice/collections/devices\","
	"\"publicKey\":{\"id\":\"https://mastodon.example/users/alice#main-key\","
	"\"owner\":\"https://mastodon.example/users/alice\",\"publicKeyPem\":@PEM@},"
	"\"tag\":[],\"attachment\":[{\"type\":\"PropertyValue\",\"name\":\"Web\",\"value\":\"x\"}],"
	"\"endpoints\":{\"sharedInbox\":\"https://mastodon.example/inbox\"},"
	"\"icon\":{\"type\":\"Image\",\"mediaType\":\"image/png\","
	"\"url\":\"https://mastodon.example/system/accounts/avatars/1.png\"}}";

/* A Fedify actor: publicKey plus assertionMethod (Multikey), url as a Link. */
static const char fedify_fmt[] =
	"{\"@context\":[\"https://www.w3.org/ns/activitystreams\",\"https://w3id.org/security/v1\","
	"\"https://w3id.org/security/data-integrity/v1\",\"https://www.w3.org/ns/did/v1\","
	"\"https://w3id.org/security/multikey/v1\"],"
	"\"id\":\"https://fedify.example/users/psm\",\"type\":\"Organization\","
	"\"preferredUsername\":\"psm\",\"name\":\"Parti Sosialis Malaysia\","
	"\"inbox\":\"https://fedify.example/users/psm/inbox\","
	"\"outbox\":\"https://fedify.example/users/psm/outbox\","
	"\"endpoints\":{\"type\":\"as:Endpoints\",\"sharedInbox\":\"https://fedify.example/inbox\"},"
	"\"publicKey\":[{\"id\":\"https://fedify.example/users/psm#main-key\",\"type\":\"CryptographicKey\","
	"\"owner\":\"https://fedify.example/users/psm\",\"publicKeyPem\":@PEM@}],"
	"\"assertionMethod\":[{\"id\":\"https://fedify.example/users/psm#multikey-1\",\"type\":\"Multikey\","
	"\"controller\":\"https://fedify.example/users/psm\","
	"\"publicKeyMultibase\":\"z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2\"}],"
	"\"url\":{\"type\":\"Link\",\"href\":\"https://fedify.example/@psm\",\"mediaType\":\"text/html\"},"
	"\"icon\":{\"type\":\"Image\",\"url\":\"https://fedify.example/avatars/psm.png\"}}";

/* A template with @PEM@ replaced by pem (a JSON value). */
static char *doc_pem(const char *tmpl, const char *pem)
{
	const char *at = strstr(tmpl, "@PEM@");

	assert_non_null(at);
	return xasprintf("%.*s%s%s", (int)(at - tmpl), tmpl, pem, at + 5);
}

static char *doc(const char *tmpl)
{
	return doc_pem(tmpl, pem_json);
}

/* A document with one substring replaced (the first occurrence). */
static char *doc_with(const char *fmt, const char *from, const char *to)
{
	char *d = doc(fmt), *at = strstr(d, from), *out;

	assert_non_null(at);
	out = xasprintf("%.*s%s%s", (int)(at - d), d, to, at + strlen(from));
	free(d);
	return out;
}

static void parse_mastodon(void **state)
{
	struct remote_actor *a = NULL;
	struct err err;
	char *d = doc(mastodon_fmt);

	(void)state;
	assert_int_equal(actor_parse(d, strlen(d), "https://mastodon.example/users/alice", NULL, &a,
				     &err),
			 0);
	assert_string_equal(a->id, "https://mastodon.example/users/alice");
	assert_string_equal(a->type, "Person");
	assert_string_equal(a->name, "Alice \xc3\x89tienne");
	assert_string_equal(a->preferred_username, "alice");
	assert_string_equal(a->inbox, "https://mastodon.example/users/alice/inbox");
	assert_string_equal(a->shared_inbox, "https://mastodon.example/inbox");
	assert_string_equal(a->url, "https://mastodon.example/@alice");
	assert_string_equal(a->icon, "https://mastodon.example/system/accounts/avatars/1.png");
	assert_string_equal(a->key_id, "https://mastodon.example/users/alice#main-key");
	assert_string_equal(a->public_pem, pub_pem);
	assert_string_equal(a->document, d);
	assert_null(a->handle);
	remote_actor_free(a);
	free(d);
}

static void parse_fedify(void **state)
{
	struct remote_actor *a = NULL;
	struct err err;
	char *d = doc(fedify_fmt), *two;

	(void)state;
	assert_int_equal(actor_parse(d, strlen(d), "https://fedify.example/users/psm",
				     "https://fedify.example/users/psm#main-key", &a, &err),
			 0);
	assert_string_equal(a->type, "Organization");
	assert_string_equal(a->key_id, "https://fedify.example/users/psm#main-key");
	assert_string_equal(a->url, "https://fedify.example/@psm");
	assert_string_equal(a->shared_inbox, "https://fedify.example/inbox");
	assert_string_equal(a->icon, "https://fedify.example/avatars/psm.png");
	remote_actor_free(a);
	a = NULL;

	/* Two keys: the one asked for wins; without a wish, the first. */
	two = doc_with(fedify_fmt, "}],\"assertionMethod\"",
		       "},{\"id\":\"https://fedify.example/users/psm#key-2\","
		       "\"owner\":\"https://fedify.example/users/psm\",\"publicKeyPem\":\"junk\"}],"
		       "\"assertionMethod\"");
	assert_int_equal(actor_parse(two, strlen(two), "https://fedify.example/users/psm", NULL, &a,
				     &err),
			 0);
	assert_string_equal(a->key_id, "https://fedify.example/users/psm#main-key");
	remote_actor_free(a);
	a = NULL;
	/* The second key's PEM is junk: asking for it fails to load. */
	assert_int_equal(actor_parse(two, strlen(two), "https://fedify.example/users/psm",
				     "https://fedify.example/users/psm#key-2", &a, &err),
			 -ERR_INVALID);
	assert_null(a);
	free(two);
	free(d);
}

/* Shapes Mastodon accepts too: type array, inbox as array/object, top-level sharedInbox. */
static void parse_variants(void **state)
{
	struct remote_actor *a = NULL;
	struct err err;
	char *d;

	(void)state;
	d = doc_with(mastodon_fmt, "\"type\":\"Person\"", "\"type\":[\"Object\",\"Service\"]");
	assert_int_equal(actor_parse(d, strlen(d), "https://mastodon.example/users/alice", NULL, &a,
				     &err),
			 0);
	assert_string_equal(a->type, "Service");
	remote_actor_free(a);
	free(d);

	d = doc_with(mastodon_fmt, "\"inbox\":\"https://mastodon.example/users/alice/inbox\"",
		     "\"inbox\":[{\"id\":\"https://other.example/box\"}]");
	assert_int_equal(actor_parse(d, strlen(d), "https://mastodon.example/users/alice", NULL, &a,
				     &err),
			 0);
	assert_string_equal(a->inbox, "https://other.example/box");
	remote_actor_free(a);
	free(d);

	/* A profile url on another host is not kept; a bad icon is ignored. */
	d = doc_with(mastodon_fmt, "\"url\":\"https://mastodon.example/@alice\"",
		     "\"url\":\"https://phish.example/@alice\"");
	assert_int_equal(actor_parse(d, strlen(d), "https://mastodon.example/users/alice", NULL, &a,
				     &err),
			 0);
	assert_null(a->url);
	remote_actor_free(a);
	free(d);

	d = doc_with(mastodon_fmt, "\"endpoints\":{\"sharedInbox\":\"https://mastodon.example/inbox\"}",
		     "\"sharedInbox\":\"https://mastodon.example/shared\"");
	assert_int_equal(actor_parse(d, strlen(d), "https://mastodon.example/users/alice", NULL, &a,
				     &err),
			 0);
	assert_string_equal(a->shared_inbox, "https://mastodon.example/shared");
	remote_actor_free(a);
	free(d);
}

static void expect_fail(const char *d, const char *fetched, int code, const char *words)
{
	struct remote_actor *a = NULL;
	struct err err;

	err_clear(&err);
	assert_int_equal(actor_parse(d, strlen(d), fetched, NULL, &a, &err), code);
	assert_null(a);
	if (words && !strstr(err.msg, words))
		fail_msg("'%s' not in '%s'", words, err.msg);
}

static void parse_lies(void **state)
{
	char *d;

	(void)state;
	/* The key says it belongs to someone else. */
	d = doc_with(mastodon_fmt, "\"owner\":\"https://mastodon.example/users/alice\"",
		     "\"owner\":\"https://mastodon.example/users/mallory\"");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_FORBIDDEN, "owned by");
	free(d);
	/* The key lives on another host. */
	d = doc_with(mastodon_fmt, "\"id\":\"https://mastodon.example/users/alice#main-key\"",
		     "\"id\":\"https://evil.example/keys/1\"");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_FORBIDDEN, "another host");
	free(d);
	/* A document served by one host claims to be an actor of another. */
	d = doc(mastodon_fmt);
	expect_fail(d, "https://evil.example/users/alice", -ERR_FORBIDDEN, "another host");
	/* Same host, other port or scheme: another origin. */
	expect_fail(d, "https://mastodon.example:8443/users/alice", -ERR_FORBIDDEN, NULL);
	expect_fail(d, "http://mastodon.example/users/alice", -ERR_FORBIDDEN, NULL);
	free(d);
	/* No owner at all. */
	d = doc_with(mastodon_fmt, "\"owner\":\"https://mastodon.example/users/alice\",", "");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_INVALID, "no owner");
	free(d);
}

static void parse_malformed(void **state)
{
	struct buf deep;
	char *d;

	(void)state;
	expect_fail("", "https://mastodon.example/users/alice", -ERR_INVALID, "not JSON");
	expect_fail("{\"id\":", "https://mastodon.example/users/alice", -ERR_INVALID, "not JSON");
	expect_fail("[1,2]", "https://mastodon.example/users/alice", -ERR_INVALID, "object");
	expect_fail("{\"id\":\"a\",\"id\":\"b\"}", "https://mastodon.example/users/alice",
		    -ERR_INVALID, "not JSON");
	expect_fail("{\"type\":\"Person\"}", "https://mastodon.example/users/alice", -ERR_INVALID,
		    "id");
	d = doc_with(mastodon_fmt, "\"type\":\"Person\"", "\"type\":\"Note\"");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_INVALID, "not an actor");
	free(d);
	d = doc_with(mastodon_fmt, "\"inbox\":\"https://mastodon.example/users/alice/inbox\",", "");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_INVALID, "inbox");
	free(d);
	d = doc_with(mastodon_fmt, "\"inbox\":\"https://mastodon.example/users/alice/inbox\"",
		     "\"inbox\":\"ftp://mastodon.example/inbox\"");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_INVALID, "inbox");
	free(d);
	d = doc_with(mastodon_fmt, "\"publicKey\"", "\"publicKeyX\"");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_INVALID, "publicKey");
	free(d);
	d = doc_pem(mastodon_fmt, "\"-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n\"");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_INVALID, "does not load");
	free(d);
	d = doc_pem(mastodon_fmt, "42");
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_INVALID, "publicKeyPem");
	free(d);
	/* Deeper than LIMIT_JSON_DEPTH, inside an otherwise good actor. */
	buf_init(&deep, 4096);
	for (int i = 0; i < LIMIT_JSON_DEPTH + 2; i++)
		buf_addch(&deep, '[');
	for (int i = 0; i < LIMIT_JSON_DEPTH + 2; i++)
		buf_addch(&deep, ']');
	{
		char *with = xasprintf("\"tag\":%s", buf_str(&deep));

		d = doc_with(mastodon_fmt, "\"tag\":[]", with);
		free(with);
	}
	expect_fail(d, "https://mastodon.example/users/alice", -ERR_TOOBIG, "deeper");
	free(d);
	buf_release(&deep);
}

static void parse_key_document(void **state)
{
	char *owner = NULL, *d;
	struct err err;

	(void)state;
	d = xasprintf("{\"@context\":\"https://w3id.org/security/v1\","
		      "\"id\":\"https://gts.example/users/c/main-key\",\"type\":\"CryptographicKey\","
		      "\"owner\":\"https://gts.example/users/c\",\"publicKeyPem\":%s}",
		      pem_json);
	assert_int_equal(key_document_parse(d, strlen(d), "https://gts.example/users/c/main-key",
					    &owner, &err),
			 0);
	assert_string_equal(owner, "https://gts.example/users/c");
	free(owner);
	/* Served from another host than its id. */
	assert_int_equal(key_document_parse(d, strlen(d), "https://evil.example/k", &owner, &err),
			 -ERR_FORBIDDEN);
	assert_null(owner);
	free(d);
	/* An owner on another host. */
	d = xasprintf("{\"id\":\"https://gts.example/k\",\"owner\":\"https://victim.example/users/v\","
		      "\"publicKeyPem\":%s}",
		      pem_json);
	assert_int_equal(key_document_parse(d, strlen(d), "https://gts.example/k", &owner, &err),
			 -ERR_FORBIDDEN);
	free(d);
	/* An actor is no key document. */
	d = doc(mastodon_fmt);
	assert_int_equal(key_document_parse(d, strlen(d), "https://mastodon.example/users/alice",
					    &owner, &err),
			 -ERR_NOTFOUND);
	free(d);
}

static void parse_webfinger(void **state)
{
	static const char jrd[] =
		"{\"subject\":\"acct:alice@mastodon.example\","
		"\"aliases\":[\"https://mastodon.example/@alice\"],"
		"\"links\":[{\"rel\":\"http://webfinger.net/rel/profile-page\",\"type\":\"text/html\","
		"\"href\":\"https://mastodon.example/@alice\"},"
		"{\"rel\":\"self\",\"type\":\"text/html\",\"href\":\"https://mastodon.example/nope\"},"
		"{\"rel\":\"self\",\"type\":\"application/activity+json\","
		"\"href\":\"https://mastodon.example/users/alice\"},"
		"{\"rel\":\"http://ostatus.org/schema/1.0/subscribe\","
		"\"template\":\"https://mastodon.example/authorize_interaction?uri={uri}\"}]}";
	static const char ld[] =
		"{\"links\":[{\"rel\":\"self\",\"type\":\"application/ld+json; "
		"profile=\\\"https://www.w3.org/ns/activitystreams\\\"\",\"href\":\"https://x.example/a\"}]}";
	char *href = NULL, *subject = NULL;
	struct err err;

	(void)state;
	assert_int_equal(webfinger_parse(jrd, strlen(jrd), &href, &subject, &err), 0);
	assert_string_equal(href, "https://mastodon.example/users/alice");
	assert_string_equal(subject, "alice@mastodon.example");
	free(href);
	free(subject);
	assert_int_equal(webfinger_parse(ld, strlen(ld), &href, &subject, &err), 0);
	assert_string_equal(href, "https://x.example/a");
	assert_null(subject);
	free(href);
	assert_int_equal(webfinger_parse("{\"links\":[]}", 12, &href, &subject, &err), -ERR_NOTFOUND);
	assert_int_equal(webfinger_parse("{\"links\":{}}", 12, &href, &subject, &err), -ERR_INVALID);
	assert_int_equal(webfinger_parse("nope", 4, &href, &subject, &err), -ERR_INVALID);
	assert_null(href);
}

/* ---- real fetches from a test server ---- */

struct peer {
	int actor_gets;
};

/* The actor document of NAME on this server, with options to lie. */
static char *peer_actor(struct tsrv *s, const char *name, const char *key_id, const char *owner)
{
	char *id = xasprintf("%s/users/%s", s->base, name);
	char *kid = key_id ? xstrdup(key_id) : xasprintf("%s#main-key", id);
	char *d = xasprintf("{\"@context\":\"https://www.w3.org/ns/activitystreams\",\"id\":\"%s\","
			    "\"type\":\"Organization\",\"preferredUsername\":\"%s\",\"name\":\"%s org\","
			    "\"inbox\":\"%s/inbox\",\"endpoints\":{\"sharedInbox\":\"%s/inbox\"},"
			    "\"publicKey\":{\"id\":\"%s\",\"owner\":\"%s\",\"publicKeyPem\":%s}}",
			    id, name, name, id, s->base, kid, owner ? owner : id, pem_json);

	free(id);
	free(kid);
	return d;
}

static void peer_handler(struct tsrv *s, const struct tsrv_req *req, size_t nth,
			 struct tsrv_resp *resp)
{
	struct peer *p = s->data;

	(void)nth;
	resp->status = 200;
	resp->content_type = "application/activity+json";
	if (str_eq(req->target, "/users/alice")) {
		p->actor_gets++;
		resp->body = peer_actor(s, "alice", NULL, NULL);
	} else if (str_eq(req->target, "/users/carol")) {
		char *kid = xasprintf("%s/keys/carol", s->base);

		resp->body = peer_actor(s, "carol", kid, NULL);
		free(kid);
	} else if (str_eq(req->target, "/keys/carol") || str_eq(req->target, "/keys/liar")) {
		resp->body = xasprintf("{\"id\":\"%s%s\",\"type\":\"CryptographicKey\","
				       "\"owner\":\"%s/users/%s\",\"publicKeyPem\":%s}",
				       s->base, req->target, s->base,
				       str_eq(req->target, "/keys/carol") ? "carol" : "alice",
				       pem_json);
	} else if (str_eq(req->target, "/users/moved")) {
		resp->status = 301;
		snprintf(resp->extra, sizeof(resp->extra), "Location: %s/users/alice\r\n", s->base);
	} else if (str_eq(req->target, "/users/plainjson")) {
		resp->content_type = "application/json";
		resp->body = peer_actor(s, "plainjson", NULL, NULL);
	} else if (str_eq(req->target, "/users/gone")) {
		resp->status = 410;
	} else if (str_eq(req->target, "/users/down")) {
		resp->status = 503;
	} else if (str_eq(req->target, "/users/mallory")) {
		resp->body = peer_actor(s, "mallory", NULL, NULL);
	} else if (str_starts(req->target, "/.well-known/webfinger?resource=")) {
		/* alice and mallory both claim to be alice. */
		const char *who = strstr(req->target, "alice") ? "alice"
				  : strstr(req->target, "mallory") ? "alice"
								   : NULL;

		resp->content_type = "application/jrd+json";
		if (!who) {
			resp->status = 404;
			return;
		}
		resp->body = xasprintf("{\"subject\":\"acct:%s@127.0.0.1:%d\",\"links\":[{\"rel\":"
				       "\"self\",\"type\":\"application/activity+json\","
				       "\"href\":\"%s/users/%s\"}]}",
				       who, s->port, s->base, who);
	} else {
		resp->status = 404;
		resp->content_type = NULL;
	}
}

struct fixture {
	struct config cfg;
	struct ctx ctx;
	struct store *st;
	struct tsrv srv;
	struct peer peer;
	struct key *instance_pub;
	char *path;
};

static int fixture_setup(void **state)
{
	struct fixture *f = xcalloc(1, sizeof(*f));
	struct err err;
	char *pub = NULL;

	f->path = fixture_path("f");
	if (store_open(f->path, &f->st, &err) || keyring_instance_ensure(f->st, &err) ||
	    store_setting_get(f->st, KEYRING_INSTANCE_PUBLIC, &pub, &err) ||
	    key_load_public(pub, &f->instance_pub, &err))
		return -1;
	free(pub);
	if (tsrv_start(&f->srv, peer_handler, &f->peer))
		return -1;
	f->cfg.base_url = "http://undersigned.test";
	f->cfg.authority = "undersigned.test";
	f->cfg.allow_private_network = true;
	f->ctx.cfg = &f->cfg;
	f->ctx.store = f->st;
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	tsrv_stop(&f->srv);
	store_close(f->st);
	key_free(f->instance_pub);
	free(f->path);
	free(f);
	return 0;
}

static void fetch_signed_and_stored(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = NULL, *cached = NULL;
	struct httpsig *sig = NULL;
	struct httpsig_request hr;
	struct err err;
	char *id = xasprintf("%s/users/alice", f->srv.base), *kid = xasprintf("%s#main-key", id);

	assert_int_equal(fetch_actor(&f->ctx, kid, &a, &err), 0);
	assert_string_equal(a->id, id);
	assert_string_equal(a->key_id, kid);
	assert_string_equal(a->type, "Organization");
	assert_true(a->fetched_at > 0);
	/* The GET was for the URL without the fragment, signed by the instance actor. */
	assert_int_equal(tsrv_count(&f->srv), 1);
	assert_string_equal(f->srv.reqs[0]->target, "/users/alice");
	assert_non_null(strstr(tsrv_header(f->srv.reqs[0], "Accept"), "application/activity+json"));
	hr = (struct httpsig_request){ .method = "GET",
				       .target = f->srv.reqs[0]->target,
				       .headers = f->srv.reqs[0]->view,
				       .n_headers = f->srv.reqs[0]->n_headers,
				       .scheme = "http" };
	assert_int_equal(httpsig_parse(&hr, &sig, &err), 0);
	assert_string_equal(httpsig_key_id(sig), "http://undersigned.test/actor#main-key");
	if (httpsig_verify(sig, &hr, f->instance_pub, (int64_t)time(NULL), &err))
		fail_msg("instance signature: %s", err.msg);
	httpsig_free(sig);
	/* Stored: found by key id. */
	assert_int_equal(store_actor_get_by_key(f->st, kid, &cached, &err), 0);
	assert_string_equal(cached->inbox, a->inbox);
	remote_actor_free(cached);
	remote_actor_free(a);
	free(id);
	free(kid);
}

static void fetch_cached_and_refresh(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = NULL;
	struct err err;
	char *kid = xasprintf("%s/users/alice#main-key", f->srv.base);

	assert_int_equal(fetch_actor_cached(&f->ctx, kid, false, &a, &err), 0);
	remote_actor_free(a);
	assert_int_equal(f->peer.actor_gets, 1);
	assert_int_equal(fetch_actor_cached(&f->ctx, kid, false, &a, &err), 0);
	assert_string_equal(a->key_id, kid);
	remote_actor_free(a);
	assert_int_equal(f->peer.actor_gets, 1);
	assert_int_equal(fetch_actor_cached(&f->ctx, kid, true, &a, &err), 0);
	remote_actor_free(a);
	assert_int_equal(f->peer.actor_gets, 2);
	free(kid);
}

static void fetch_key_document(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = NULL;
	struct err err;
	char *kid = xasprintf("%s/keys/carol", f->srv.base);
	char *liar = xasprintf("%s/keys/liar", f->srv.base);

	/* The key document leads to carol, who lists that key. */
	assert_int_equal(fetch_actor(&f->ctx, kid, &a, &err), 0);
	assert_non_null(strstr(a->id, "/users/carol"));
	assert_string_equal(a->key_id, kid);
	remote_actor_free(a);
	a = NULL;
	/* This key document names alice as owner; alice does not list it. */
	assert_int_equal(fetch_actor(&f->ctx, liar, &a, &err), -ERR_FORBIDDEN);
	assert_null(a);
	free(kid);
	free(liar);
}

static void fetch_failures(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = NULL;
	struct err err;
	char *u;

	u = xasprintf("%s/users/plainjson", f->srv.base);
	assert_int_equal(fetch_actor(&f->ctx, u, &a, &err), -ERR_INVALID);
	assert_non_null(strstr(err.msg, "Content-Type"));
	free(u);
	u = xasprintf("%s/users/gone", f->srv.base);
	assert_int_equal(fetch_actor(&f->ctx, u, &a, &err), -ERR_NOTFOUND);
	free(u);
	u = xasprintf("%s/users/down", f->srv.base);
	assert_int_equal(fetch_actor(&f->ctx, u, &a, &err), -ERR_RETRY);
	free(u);
	/* Nobody listens: may work later. */
	assert_int_equal(fetch_actor(&f->ctx, "http://127.0.0.1:1/users/x", &a, &err), -ERR_RETRY);
	/* A redirect to another actor: it is not the one asked for. */
	u = xasprintf("%s/users/moved#main-key", f->srv.base);
	assert_int_equal(fetch_actor(&f->ctx, u, &a, &err), -ERR_FORBIDDEN);
	free(u);
	/* Without the flag, a loopback actor is never fetched. */
	f->cfg.allow_private_network = false;
	u = xasprintf("https://127.0.0.1:%d/users/alice", f->srv.port);
	assert_int_equal(fetch_actor(&f->ctx, u, &a, &err), -ERR_FORBIDDEN);
	free(u);
	f->cfg.allow_private_network = true;
	assert_null(a);
}

static void webfinger_and_handle(void **state)
{
	struct fixture *f = *state;
	struct remote_actor *a = NULL;
	struct err err;
	char *acct = xasprintf("alice@127.0.0.1:%d", f->srv.port), *url = NULL, *handle = NULL;
	char *want;

	assert_int_equal(fetch_webfinger(&f->ctx, acct, &url, &err), 0);
	want = xasprintf("%s/users/alice", f->srv.base);
	assert_string_equal(url, want);
	assert_non_null(strstr(f->srv.reqs[0]->target,
			       "/.well-known/webfinger?resource=acct%3Aalice%40127.0.0.1%3A"));
	assert_string_equal(tsrv_header(f->srv.reqs[0], "Accept"),
			    "application/jrd+json, application/json");
	free(url);
	assert_int_equal(fetch_webfinger(&f->ctx, "nobody@127.0.0.1:1", &url, &err), -ERR_RETRY);
	assert_int_equal(fetch_webfinger(&f->ctx, "not an acct", &url, &err), -ERR_INVALID);

	assert_int_equal(fetch_actor(&f->ctx, want, &a, &err), 0);
	assert_int_equal(fetch_handle_confirm(&f->ctx, a, &handle, &err), 0);
	free(want);
	want = xasprintf("@%s", acct);
	assert_string_equal(handle, want);
	free(handle);
	remote_actor_free(a);
	free(want);

	/* mallory's domain says mallory is alice: no handle. */
	want = xasprintf("%s/users/mallory", f->srv.base);
	assert_int_equal(fetch_actor(&f->ctx, want, &a, &err), 0);
	assert_int_equal(fetch_handle_confirm(&f->ctx, a, &handle, &err), -ERR_FORBIDDEN);
	assert_null(handle);
	remote_actor_free(a);
	free(want);
	free(acct);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_mastodon),
		cmocka_unit_test(parse_fedify),
		cmocka_unit_test(parse_variants),
		cmocka_unit_test(parse_lies),
		cmocka_unit_test(parse_malformed),
		cmocka_unit_test(parse_key_document),
		cmocka_unit_test(parse_webfinger),
		cmocka_unit_test_setup_teardown(fetch_signed_and_stored, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(fetch_cached_and_refresh, fixture_setup,
						fixture_teardown),
		cmocka_unit_test_setup_teardown(fetch_key_document, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(fetch_failures, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(webfinger_and_handle, fixture_setup,
						fixture_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
