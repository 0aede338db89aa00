/*
 * For the fuzz targets that go through the router: a server context on a
 * temporary sqlite file (removed at exit) holding one statement, with
 * imported and verified signatories whose names are hostile, and the
 * instance actor's key. Base URL https://statements.example.org. Nothing
 * here opens a socket: GET routes only read the store.
 */
#ifndef FUZZ_FUZZ_SERVER_H
#define FUZZ_FUZZ_SERVER_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activitypub/ctx.h"
#include "activitypub/keyring.h"
#include "crypto/keys.h"
#include "store/store.h"

#define FUZZ_BASE      "https://statements.example.org"
#define FUZZ_AUTHORITY "statements.example.org"
#define FUZZ_SLUG      "hands-off-venezuela"

struct fuzz_server {
	char dir[64];
	char db[128];
	struct config cfg;
	struct ctx ctx;
};

/* The one server of this process (libFuzzer's callbacks take no argument). */
static struct fuzz_server fuzz_srv;

static inline void fuzz_server_remove(void)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[160];

	store_close(fuzz_srv.ctx.store);
	fuzz_srv.ctx.store = NULL;
	for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", fuzz_srv.db, suffix[i]);
		unlink(path);
	}
	rmdir(fuzz_srv.dir);
}

static inline void fuzz_server_fail(const char *what, const struct err *err)
{
	fprintf(stderr, "fuzz server setup: %s: %s\n", what, err->msg);
	abort();
}

/* Build the context once; aborts when the store cannot be made. */
static inline struct ctx *fuzz_server_open(void)
{
	struct statement s = { 0 };
	struct signatory sigs[3] = { 0 };
	struct signatory v = { 0 };
	char *priv = NULL, *pub = NULL;
	struct err err;

	snprintf(fuzz_srv.dir, sizeof(fuzz_srv.dir), "/tmp/undersigned-fuzz-XXXXXX");
	if (!mkdtemp(fuzz_srv.dir))
		abort();
	snprintf(fuzz_srv.db, sizeof(fuzz_srv.db), "%s/fuzz.db", fuzz_srv.dir);
	atexit(fuzz_server_remove);
	fuzz_srv.cfg = (struct config){
		.base_url = FUZZ_BASE,
		.authority = FUZZ_AUTHORITY,
		.listen = "127.0.0.1:0",
		.update_interval_s = 300,
		.sign_word = "sign",
	};
	if (store_open(fuzz_srv.db, &fuzz_srv.ctx.store, &err))
		fuzz_server_fail("store_open", &err);
	if (key_generate_rsa(2048, &priv, &pub, &err))
		fuzz_server_fail("key", &err);
	s.slug = FUZZ_SLUG;
	s.title = "Hands off Venezuela <script>alert(1)</script>";
	s.lang = "en";
	s.dateline = "Friday 25 January 2019 \"&'<>";
	s.summary = "We, the undersigned organisations, condemn <b>it</b>.";
	s.content_html = "<p>We, the undersigned organisations, <em>strongly</em> condemn.</p>";
	s.policy = "open";
	s.published = s.updated = (int64_t)time(NULL);
	s.public_pem = pub;
	s.private_pem = priv;
	sigs[0] = (struct signatory){ .name = "Socialist Party of Malaysia (PSM)",
				      .country = "Malaysia" };
	sigs[1] =
	    (struct signatory){ .name = "<img src=x onerror=alert(1)>", .country = "\"><script>" };
	sigs[2] = (struct signatory){ .name = "Zeitung f\xc3\xbcr Frieden", .country = "" };
	if (store_statement_import(fuzz_srv.ctx.store, &s, sigs, 3, &err))
		fuzz_server_fail("import", &err);
	v.name = "<script>alert('name')</script>";
	v.country = "";
	v.actor_id = "https://remote.example/users/org";
	v.handle = "@org@remote.example\"><script>";
	v.url = "javascript:alert(1)";
	v.how = "follow";
	v.state = "approved";
	v.signed_at = s.published;
	v.activity_id = "https://remote.example/follows/1";
	v.actor_type = "Organization";
	if (store_signatory_add_verified(fuzz_srv.ctx.store, s.id, &v, NULL, NULL, NULL, &err))
		fuzz_server_fail("signatory", &err);
	if (store_follower_add(fuzz_srv.ctx.store, s.id, v.actor_id, v.activity_id, &err))
		fuzz_server_fail("follower", &err);
	if (keyring_instance_ensure(fuzz_srv.ctx.store, &err))
		fuzz_server_fail("instance key", &err);
	key_pem_free(priv);
	free(pub);
	fuzz_srv.ctx.cfg = &fuzz_srv.cfg;
	return &fuzz_srv.ctx;
}

#endif
