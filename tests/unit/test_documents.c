/*
 * Unit tests of activitypub/documents.c: the fields Mastodon reads, ids that
 * follow the URL layout exactly, paging at its edges, and escaping of
 * strangers' names in the post.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "activitypub/documents.h"
#include "activitypub/version.h"
#include "store/store.h"
#include "util/limits.h"
#include "util/mem.h"
#include "util/utf8.h"

#define B "https://st.example"

static const struct config cfg = {
	.base_url = B,
	.authority = "st.example",
	.listen = "127.0.0.1:8080",
	.sign_word = "sign",
};

static struct statement stmt = {
	.id = 1,
	.slug = "hov",
	.title = "Hands off Venezuela NOW! - Joint statement of Asia-Pacific Left Organisations",
	.lang = "en",
	.dateline = "Friday 25 January 2019",
	.summary = "We, the undersigned organisations, strongly condemn the coup attempt.",
	.content_html = "<p>We, the undersigned organisations, strongly condemn.</p>",
	.policy = "open",
	.published = 1548374400, /* 2019-01-25T00:00:00Z */
	.updated = 1548460800,   /* 2019-01-26T00:00:00Z */
	.public_pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
	.private_pem = "never served",
};

static struct signatory sigs[] = {
	{ .id = 1, .name = "Info PSM", .country = "", .actor_id = "https://psm.example/users/info",
	  .handle = "@info@psm.example", .url = "https://psm.example/@info", .how = "mention",
	  .state = "approved", .signed_at = 1548400000, .actor_type = "Person",
	  .domain_verified = true },
	{ .id = 2, .name = "<script>alert(1)</script>", .country = "Malaysia", .how = "import",
	  .state = "approved", .signed_at = 1548374400, .position = 1 },
	{ .id = 3, .name = "Socialist Alliance", .country = "Australia", .how = "import",
	  .state = "approved", .signed_at = 1548374400, .position = 2 },
};

static struct statement_view view(void)
{
	struct statement_view v = {
		.s = &stmt,
		.signatories = sigs,
		.n_signatories = 3,
		.followers = 5,
		.likes = 7,
		.shares = 2,
		.signatures_approved = 3,
	};

	return v;
}

static const char *str_at(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_string(v));
	return json_string_value(v);
}

static json_int_t int_at(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	assert_non_null(v);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static bool context_has(const json_t *doc, const char *iri)
{
	json_t *ctx = json_object_get(doc, "@context");
	size_t i;
	json_t *e;

	json_array_foreach(ctx, i, e) {
		if (json_is_string(e) && strcmp(json_string_value(e), iri) == 0)
			return true;
	}
	return false;
}

static void actor_fields(void **state)
{
	struct statement_view v = view();
	json_t *a = doc_actor(&cfg, &v);
	json_t *key, *ep, *icon, *att, *f;
	const char *name, *summary;
	bool found = false;
	size_t i;

	(void)state;
	assert_non_null(a);
	assert_true(context_has(a, "https://www.w3.org/ns/activitystreams"));
	assert_true(context_has(a, "https://w3id.org/security/v1"));
	assert_string_equal(str_at(a, "id"), B "/s/hov");
	assert_string_equal(str_at(a, "type"), "Service");
	assert_string_equal(str_at(a, "preferredUsername"), "hov");
	assert_string_equal(str_at(a, "url"), B "/s/hov");
	assert_string_equal(str_at(a, "inbox"), B "/s/hov/inbox");
	assert_string_equal(str_at(a, "outbox"), B "/s/hov/outbox");
	assert_string_equal(str_at(a, "followers"), B "/s/hov/followers");
	assert_string_equal(str_at(a, "following"), B "/s/hov/following");
	assert_string_equal(str_at(a, "featured"), B "/s/hov/featured");
	assert_string_equal(str_at(a, "signatures"), B "/s/hov/signatures");
	assert_string_equal(str_at(a, "published"), "2019-01-25T00:00:00Z");
	ep = json_object_get(a, "endpoints");
	assert_string_equal(str_at(ep, "sharedInbox"), B "/inbox");
	key = json_object_get(a, "publicKey");
	assert_string_equal(str_at(key, "id"), B "/s/hov#main-key");
	assert_string_equal(str_at(key, "owner"), B "/s/hov");
	assert_string_equal(str_at(key, "publicKeyPem"), stmt.public_pem);
	icon = json_object_get(a, "icon");
	assert_string_equal(str_at(icon, "type"), "Image");
	assert_string_equal(str_at(icon, "mediaType"), "image/png");
	assert_string_equal(str_at(icon, "url"), B "/s/hov/icon.png");
	assert_true(json_is_true(json_object_get(a, "discoverable")));
	assert_true(json_is_true(json_object_get(a, "indexable")));
	assert_true(json_is_false(json_object_get(a, "manuallyApprovesFollowers")));
	assert_true(json_is_false(json_object_get(a, "memorial")));
	/* the long title is cut at its separator */
	name = str_at(a, "name");
	assert_string_equal(name, "Hands off Venezuela NOW!");
	summary = str_at(a, "summary");
	assert_non_null(strstr(summary, "@<span>hov@st.example</span>"));
	assert_non_null(strstr(summary, "\xe2\x80\x9csign\xe2\x80\x9d"));
	assert_non_null(strstr(summary, "strongly condemn"));
	att = json_object_get(a, "attachment");
	json_array_foreach(att, i, f) {
		assert_string_equal(str_at(f, "type"), "PropertyValue");
		if (strcmp(str_at(f, "name"), "Signatures") == 0) {
			assert_string_equal(str_at(f, "value"), "3");
			found = true;
		}
	}
	assert_true(found);
	json_decref(a);
}

static void actor_never_leaks_private_key(void **state)
{
	struct statement_view v = view();
	json_t *a = doc_actor(&cfg, &v);
	char *s = doc_dump(a);

	(void)state;
	assert_non_null(s);
	assert_null(strstr(s, "never served"));
	free(s);
	json_decref(a);
}

static void actor_name_cut_without_separator(void **state)
{
	struct statement st = stmt;
	struct statement_view v = view();
	json_t *a;
	const char *name;

	(void)state;
	st.title = "A very long statement title without any separator that goes on and on "
		   "about many things";
	v.s = &st;
	a = doc_actor(&cfg, &v);
	name = str_at(a, "name");
	assert_true(strlen(name) <= LIMIT_ACTOR_NAME_CHARS * 4);
	assert_non_null(strstr(name, "\xe2\x80\xa6"));
	assert_true(strncmp(name, "A very long statement", 21) == 0);
	json_decref(a);
}

static void note_fields(void **state)
{
	struct statement_view v = view();
	json_t *n = doc_note(&cfg, &v);
	json_t *to, *cc, *likes, *shares, *map;
	const char *content;

	(void)state;
	assert_non_null(n);
	assert_true(context_has(n, "https://www.w3.org/ns/activitystreams"));
	assert_string_equal(str_at(n, "id"), B "/s/hov/post");
	assert_string_equal(str_at(n, "type"), "Note");
	assert_string_equal(str_at(n, "attributedTo"), B "/s/hov");
	assert_string_equal(str_at(n, "url"), B "/s/hov");
	to = json_object_get(n, "to");
	assert_int_equal(json_array_size(to), 1);
	assert_string_equal(json_string_value(json_array_get(to, 0)), AS_PUBLIC);
	cc = json_object_get(n, "cc");
	assert_int_equal(json_array_size(cc), 1);
	assert_string_equal(json_string_value(json_array_get(cc, 0)), B "/s/hov/followers");
	assert_string_equal(str_at(n, "published"), "2019-01-25T00:00:00Z");
	assert_string_equal(str_at(n, "updated"), "2019-01-26T00:00:00Z");
	assert_true(json_is_false(json_object_get(n, "sensitive")));
	/* no summary: Mastodon would show it as a content warning */
	assert_null(json_object_get(n, "summary"));
	content = str_at(n, "content");
	map = json_object_get(n, "contentMap");
	assert_int_equal(json_object_size(map), 1);
	assert_string_equal(str_at(map, "en"), content);
	likes = json_object_get(n, "likes");
	assert_string_equal(str_at(likes, "id"), B "/s/hov/post/likes");
	assert_string_equal(str_at(likes, "type"), "Collection");
	assert_int_equal(int_at(likes, "totalItems"), 7);
	shares = json_object_get(n, "shares");
	assert_string_equal(str_at(shares, "id"), B "/s/hov/post/shares");
	assert_int_equal(int_at(shares, "totalItems"), 2);
	assert_true(json_is_array(json_object_get(n, "tag")));

	assert_true(strncmp(content, "<p><strong>Hands off Venezuela NOW!", 35) == 0);
	assert_non_null(strstr(content, "<p>Friday 25 January 2019</p>"));
	assert_non_null(strstr(content, stmt.content_html));
	assert_non_null(strstr(content, "<ol><li>Info PSM ("));
	assert_non_null(strstr(content, "@info@psm.example</a>)</li>"));
	assert_non_null(strstr(content, "<li>Socialist Alliance, Australia</li>"));
	assert_non_null(strstr(content, "How to sign"));
	assert_non_null(strstr(content, "@<span>hov@st.example</span>"));
	json_decref(n);
}

static void note_escapes_names(void **state)
{
	struct statement_view v = view();
	json_t *n = doc_note(&cfg, &v);
	const char *content = str_at(n, "content");

	(void)state;
	assert_non_null(strstr(content, "&lt;script&gt;alert(1)&lt;/script&gt;, Malaysia"));
	assert_null(strstr(content, "<script"));
	json_decref(n);
}

static void note_updated_never_before_published(void **state)
{
	struct statement st = stmt;
	struct statement_view v = view();
	json_t *n;

	(void)state;
	st.updated = 0;
	v.s = &st;
	n = doc_note(&cfg, &v);
	assert_string_equal(str_at(n, "updated"), "2019-01-25T00:00:00Z");
	json_decref(n);
}

static void note_closed_and_no_lang(void **state)
{
	struct statement st = stmt;
	struct statement_view v = view();
	json_t *n;
	const char *content;

	(void)state;
	st.policy = "closed";
	st.lang = "";
	v.s = &st;
	v.n_signatories = 0;
	v.signatures_approved = 0;
	n = doc_note(&cfg, &v);
	content = str_at(n, "content");
	assert_non_null(strstr(content, "closed for signatures"));
	assert_null(strstr(content, "How to sign"));
	assert_null(strstr(content, "Signed by"));
	assert_null(json_object_get(n, "contentMap"));
	json_decref(n);
}

static void note_long_list_is_cut(void **state)
{
	enum { N = 4000 };
	struct signatory *many = xcalloc(N, sizeof(*many));
	struct statement_view v = view();
	char name[200];
	json_t *n;
	const char *content;
	size_t i;

	(void)state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	for (i = 0; i < N; i++) {
		many[i].name = name;
		many[i].country = "Somewhere";
	}
	v.signatories = many;
	v.n_signatories = N;
	v.signatures_approved = N;
	n = doc_note(&cfg, &v);
	assert_non_null(n);
	content = str_at(n, "content");
	assert_true(strlen(content) <= LIMIT_POST_HTML_BYTES);
	assert_non_null(strstr(content, " more: "));
	assert_non_null(strstr(content, "How to sign"));
	json_decref(n);
	free(many);
}

static void invalid_utf8_is_repaired(void **state)
{
	struct statement st = stmt;
	struct statement_view v = view();
	json_t *a, *n;

	(void)state;
	st.title = "Bad \xff title";
	v.s = &st;
	a = doc_actor(&cfg, &v);
	assert_string_equal(str_at(a, "name"), "Bad \xef\xbf\xbd title");
	n = doc_note(&cfg, &v);
	assert_non_null(strstr(str_at(n, "content"), "Bad \xef\xbf\xbd title"));
	json_decref(a);
	json_decref(n);
}

static void create_and_update(void **state)
{
	struct statement_view v = view();
	json_t *c = doc_create(&cfg, &v);
	json_t *u = doc_update_note(&cfg, &v);
	json_t *ua = doc_update_actor(&cfg, &v);
	json_t *obj;

	(void)state;
	assert_string_equal(str_at(c, "id"), B "/s/hov/post/activity");
	assert_string_equal(str_at(c, "type"), "Create");
	assert_string_equal(str_at(c, "actor"), B "/s/hov");
	assert_string_equal(str_at(c, "published"), "2019-01-25T00:00:00Z");
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "to"), 0)),
			    AS_PUBLIC);
	assert_string_equal(json_string_value(json_array_get(json_object_get(c, "cc"), 0)),
			    B "/s/hov/followers");
	obj = json_object_get(c, "object");
	assert_string_equal(str_at(obj, "id"), B "/s/hov/post");
	assert_string_equal(str_at(obj, "type"), "Note");
	assert_null(json_object_get(obj, "@context"));

	assert_string_equal(str_at(u, "id"), B "/s/hov/post#updates/1548460800");
	assert_string_equal(str_at(u, "type"), "Update");
	assert_string_equal(str_at(json_object_get(u, "object"), "updated"),
			    "2019-01-26T00:00:00Z");
	assert_string_equal(str_at(ua, "id"), B "/s/hov#updates/1548460800");
	assert_string_equal(str_at(json_object_get(ua, "object"), "type"), "Service");
	json_decref(c);
	json_decref(u);
	json_decref(ua);
}

static void collection_root(void **state)
{
	json_t *c = doc_collection(B "/s/hov/followers", 120);

	(void)state;
	assert_true(context_has(c, "https://www.w3.org/ns/activitystreams"));
	assert_string_equal(str_at(c, "id"), B "/s/hov/followers");
	assert_string_equal(str_at(c, "type"), "OrderedCollection");
	assert_int_equal(int_at(c, "totalItems"), 120);
	assert_string_equal(str_at(c, "first"), B "/s/hov/followers?page=1");
	assert_null(json_object_get(c, "orderedItems"));
	json_decref(c);
}

static void collection_paging_edges(void **state)
{
	const char *id = B "/s/hov/followers";
	json_t *p1, *p2, *p3, *empty;

	(void)state;
	/* 120 items at 50 a page: pages 1, 2, 3 */
	assert_int_equal(doc_page_count(120), 3);
	assert_int_equal(doc_page_count(0), 1);
	assert_int_equal(doc_page_count(50), 1);
	assert_int_equal(doc_page_count(51), 2);
	assert_true(doc_page_valid(1, 0));
	assert_true(doc_page_valid(3, 120));
	assert_false(doc_page_valid(4, 120));
	assert_false(doc_page_valid(0, 120));
	assert_int_equal(doc_page_offset(1), 0);
	assert_int_equal(doc_page_offset(3), 2 * LIMIT_PAGE_ITEMS);

	p1 = doc_collection_page(id, 1, 120, json_array());
	assert_string_equal(str_at(p1, "id"), B "/s/hov/followers?page=1");
	assert_string_equal(str_at(p1, "type"), "OrderedCollectionPage");
	assert_string_equal(str_at(p1, "partOf"), id);
	assert_string_equal(str_at(p1, "next"), B "/s/hov/followers?page=2");
	assert_null(json_object_get(p1, "prev"));
	assert_true(json_is_array(json_object_get(p1, "orderedItems")));

	p2 = doc_collection_page(id, 2, 120, json_array());
	assert_string_equal(str_at(p2, "next"), B "/s/hov/followers?page=3");
	assert_string_equal(str_at(p2, "prev"), B "/s/hov/followers?page=1");

	p3 = doc_collection_page(id, 3, 120, json_array());
	assert_null(json_object_get(p3, "next"));
	assert_string_equal(str_at(p3, "prev"), B "/s/hov/followers?page=2");

	empty = doc_collection_page(id, 1, 0, json_array());
	assert_null(json_object_get(empty, "next"));
	assert_null(json_object_get(empty, "prev"));
	assert_int_equal(json_array_size(json_object_get(empty, "orderedItems")), 0);

	/* exactly one full page: no next */
	json_decref(p1);
	p1 = doc_collection_page(id, 1, 50, json_array());
	assert_null(json_object_get(p1, "next"));
	json_decref(p1);
	json_decref(p2);
	json_decref(p3);
	json_decref(empty);
}

static void outbox_featured_followers(void **state)
{
	struct statement_view v = view();
	char *ids[] = { "https://a.example/users/1", "https://b.example/users/2" };
	json_t *o1 = doc_outbox_page(&cfg, &v, 1);
	json_t *f = doc_featured(&cfg, &v);
	json_t *fp = doc_followers_page(&cfg, "hov", 1, 2, ids, 2);
	json_t *item, *items;

	(void)state;
	assert_string_equal(str_at(o1, "partOf"), B "/s/hov/outbox");
	items = json_object_get(o1, "orderedItems");
	assert_int_equal(json_array_size(items), 1);
	item = json_array_get(items, 0);
	assert_string_equal(str_at(item, "id"), B "/s/hov/post/activity");

	assert_string_equal(str_at(f, "id"), B "/s/hov/featured");
	assert_string_equal(str_at(f, "type"), "OrderedCollection");
	assert_int_equal(int_at(f, "totalItems"), 1);
	item = json_array_get(json_object_get(f, "orderedItems"), 0);
	assert_string_equal(str_at(item, "id"), B "/s/hov/post");
	assert_string_equal(str_at(item, "type"), "Note");

	assert_string_equal(str_at(fp, "id"), B "/s/hov/followers?page=1");
	items = json_object_get(fp, "orderedItems");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(json_string_value(json_array_get(items, 1)),
			    "https://b.example/users/2");
	json_decref(o1);
	json_decref(f);
	json_decref(fp);
}

static void signatures_page(void **state)
{
	json_t *p = doc_signatures_page(&cfg, "hov", 1, 3, sigs, 3);
	json_t *items = json_object_get(p, "orderedItems");
	json_t *verified, *imported;

	(void)state;
	assert_string_equal(str_at(p, "partOf"), B "/s/hov/signatures");
	assert_int_equal(json_array_size(items), 3);
	verified = json_array_get(items, 0);
	/* the signer's own actor type */
	assert_string_equal(str_at(verified, "type"), "Person");
	assert_string_equal(str_at(verified, "id"), "https://psm.example/users/info");
	assert_string_equal(str_at(verified, "name"), "Info PSM");
	assert_string_equal(str_at(verified, "url"), "https://psm.example/@info");
	assert_string_equal(str_at(verified, "undersigned:handle"), "@info@psm.example");
	assert_string_equal(str_at(verified, "undersigned:how"), "mention");
	assert_string_equal(str_at(verified, "published"), "2019-01-25T07:06:40Z");
	assert_true(json_is_true(json_object_get(verified, "undersigned:domainVerified")));
	assert_null(json_object_get(verified, "undersigned:imported"));
	imported = json_array_get(items, 1);
	assert_string_equal(str_at(imported, "type"), "Organization");
	assert_null(json_object_get(imported, "undersigned:domainVerified"));
	assert_null(json_object_get(imported, "undersigned:handle"));
	assert_null(json_object_get(imported, "id"));
	assert_string_equal(str_at(imported, "name"), "<script>alert(1)</script>");
	assert_true(json_is_true(json_object_get(imported, "undersigned:imported")));
	assert_string_equal(str_at(json_object_get(imported, "location"), "name"), "Malaysia");
	json_decref(p);
}

/* The signer's type is one ActivityStreams knows; otherwise, or unknown, an Organization. */
static void signatory_types(void **state)
{
	struct signatory sig = sigs[0];
	json_t *o;

	(void)state;
	sig.actor_type = "Organization";
	sig.domain_verified = false;
	o = doc_signatory(&sig);
	assert_string_equal(str_at(o, "type"), "Organization");
	assert_true(json_is_false(json_object_get(o, "undersigned:domainVerified")));
	json_decref(o);
	sig.actor_type = "<b>Evil</b>";
	o = doc_signatory(&sig);
	assert_string_equal(str_at(o, "type"), "Organization");
	json_decref(o);
	sig.actor_type = NULL;
	o = doc_signatory(&sig);
	assert_string_equal(str_at(o, "type"), "Organization");
	json_decref(o);
	sig.actor_type = "Service";
	o = doc_signatory(&sig);
	assert_string_equal(str_at(o, "type"), "Service");
	json_decref(o);
	/* an imported one with a type set stays an Organization */
	sig = sigs[2];
	sig.actor_type = "Person";
	o = doc_signatory(&sig);
	assert_string_equal(str_at(o, "type"), "Organization");
	json_decref(o);
}

static void reactions_collection(void **state)
{
	json_t *l = doc_reactions(&cfg, "hov", "likes", 9);

	(void)state;
	assert_string_equal(str_at(l, "id"), B "/s/hov/post/likes");
	assert_string_equal(str_at(l, "type"), "Collection");
	assert_int_equal(int_at(l, "totalItems"), 9);
	json_decref(l);
}

static void webfinger(void **state)
{
	json_t *w = doc_webfinger(&cfg, "hov");
	json_t *links = json_object_get(w, "links");
	json_t *self, *profile;

	(void)state;
	assert_string_equal(str_at(w, "subject"), "acct:hov@st.example");
	assert_string_equal(json_string_value(json_array_get(json_object_get(w, "aliases"), 0)),
			    B "/s/hov");
	self = json_array_get(links, 0);
	assert_string_equal(str_at(self, "rel"), "self");
	assert_string_equal(str_at(self, "type"), "application/activity+json");
	assert_string_equal(str_at(self, "href"), B "/s/hov");
	profile = json_array_get(links, 1);
	assert_string_equal(str_at(profile, "rel"), "http://webfinger.net/rel/profile-page");
	assert_string_equal(str_at(profile, "type"), "text/html");
	json_decref(w);
}

static void instance_actor_and_webfinger(void **state)
{
	const struct config c = { .base_url = "http://127.0.0.1:8443",
				  .authority = "127.0.0.1:8443" };
	json_t *a = doc_instance_actor(&c, "PEM");
	json_t *w = doc_webfinger_instance(&c);

	(void)state;
	assert_string_equal(str_at(a, "id"), "http://127.0.0.1:8443/actor");
	assert_string_equal(str_at(a, "type"), "Application");
	assert_string_equal(str_at(a, "preferredUsername"), "127.0.0.1");
	assert_string_equal(str_at(a, "inbox"), "http://127.0.0.1:8443/actor/inbox");
	assert_string_equal(str_at(a, "outbox"), "http://127.0.0.1:8443/actor/outbox");
	assert_string_equal(str_at(a, "url"), "http://127.0.0.1:8443/");
	/* the index: anyone may follow it to hear of new statements */
	assert_true(json_is_false(json_object_get(a, "manuallyApprovesFollowers")));
	assert_string_equal(str_at(a, "followers"), "http://127.0.0.1:8443/actor/followers");
	assert_string_equal(str_at(a, "name"), "Statements on 127.0.0.1:8443");
	assert_string_equal(str_at(json_object_get(a, "publicKey"), "id"),
			    "http://127.0.0.1:8443/actor#main-key");
	assert_string_equal(str_at(json_object_get(a, "publicKey"), "publicKeyPem"), "PEM");
	assert_string_equal(str_at(w, "subject"), "acct:127.0.0.1@127.0.0.1:8443");
	assert_string_equal(str_at(json_array_get(json_object_get(w, "links"), 0), "href"),
			    "http://127.0.0.1:8443/actor");
	json_decref(a);
	json_decref(w);
}

static void nodeinfo(void **state)
{
	static const char *const top[] = { "version", "software", "protocols", "services",
					   "openRegistrations", "usage", "metadata" };
	struct statement old = stmt, fresh = stmt;
	struct statement *list[] = { &old, &fresh };
	int64_t now = 1548460800 + 10 * 86400;
	json_t *links = doc_nodeinfo_links(&cfg);
	json_t *n, *users, *sw, *link;
	const char *key;
	json_t *val;
	size_t i;

	(void)state;
	old.published = old.updated = now - 100 * 86400; /* active in the half year only */
	fresh.updated = now - 86400;
	link = json_array_get(json_object_get(links, "links"), 0);
	assert_string_equal(str_at(link, "rel"), "http://nodeinfo.diaspora.software/ns/schema/2.1");
	assert_string_equal(str_at(link, "href"), B "/nodeinfo/2.1");

	n = doc_nodeinfo(&cfg, list, 2, now);
	json_object_foreach(n, key, val) {
		bool known = false;

		for (i = 0; i < sizeof(top) / sizeof(top[0]); i++)
			known |= strcmp(key, top[i]) == 0;
		assert_true(known); /* the schema forbids other members */
	}
	assert_string_equal(str_at(n, "version"), "2.1");
	sw = json_object_get(n, "software");
	assert_string_equal(str_at(sw, "name"), "undersigned");
	assert_string_equal(str_at(sw, "version"), UNDERSIGNED_VERSION);
	assert_string_equal(json_string_value(json_array_get(json_object_get(n, "protocols"), 0)),
			    "activitypub");
	assert_true(json_is_array(json_object_get(json_object_get(n, "services"), "inbound")));
	assert_true(json_is_array(json_object_get(json_object_get(n, "services"), "outbound")));
	assert_true(json_is_false(json_object_get(n, "openRegistrations")));
	users = json_object_get(json_object_get(n, "usage"), "users");
	assert_int_equal(int_at(users, "total"), 2);
	assert_int_equal(int_at(users, "activeMonth"), 1);
	assert_int_equal(int_at(users, "activeHalfyear"), 2);
	assert_int_equal(int_at(json_object_get(n, "usage"), "localPosts"), 2);
	assert_string_equal(str_at(json_object_get(n, "metadata"), "nodeName"), "st.example");
	json_decref(links);
	json_decref(n);
}

static void host_meta_and_error(void **state)
{
	char *x = doc_host_meta(&cfg);
	json_t *e = doc_error("bad \"signature\"");
	char *s = doc_dump(e);

	(void)state;
	assert_non_null(strstr(x, "<XRD xmlns=\"http://docs.oasis-open.org/ns/xri/xrd-1.0\">"));
	assert_non_null(strstr(x, "rel=\"lrdd\""));
	assert_non_null(strstr(x, "template=\"" B "/.well-known/webfinger?resource={uri}\""));
	assert_string_equal(s, "{\"error\":\"bad \\\"signature\\\"\"}");
	free(x);
	free(s);
	json_decref(e);
}

static void utf8_helpers(void **state)
{
	char *c;

	(void)state;
	assert_true(utf8_valid("caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80"));
	assert_false(utf8_valid("\xc0\xaf"));         /* overlong '/' */
	assert_false(utf8_valid("\xed\xa0\x80"));     /* surrogate */
	assert_false(utf8_valid("\xf4\x90\x80\x80")); /* past U+10FFFF */
	assert_false(utf8_valid("\xe2\x80"));         /* cut short */
	assert_int_equal(utf8_chars("caf\xc3\xa9"), 4);
	/* never splits a sequence */
	assert_int_equal(utf8_prefix_bytes("\xc3\xa9\xc3\xa9\xc3\xa9", 2), 4);
	c = utf8_cut_dup("\xc3\xa9t\xc3\xa9 d\xc3\xa9j\xc3\xa0 vu", 8);
	assert_string_equal(c, "\xc3\xa9t\xc3\xa9 d\xc3\xa9j\xe2\x80\xa6");
	free(c);
	c = utf8_cut_dup("one two three four", 12); /* cut at a word */
	assert_string_equal(c, "one two\xe2\x80\xa6");
	free(c);
	c = utf8_cut_dup("short", 8);
	assert_string_equal(c, "short");
	free(c);
	c = utf8_repair_dup("a\xff" "b\xe2\x80");
	assert_string_equal(c, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
	assert_true(utf8_valid(c));
	free(c);
}

static void context_document(void **state)
{
	json_t *doc = doc_context_document();
	json_t *ctx = json_object_get(doc, "@context");

	(void)state;
	assert_non_null(doc);
	assert_string_equal(json_string_value(json_object_get(ctx, "undersigned")), UNDERSIGNED_NS);
	assert_string_equal(json_string_value(json_object_get(ctx, "Endorse")), "undersigned:Endorse");
	assert_string_equal(json_string_value(json_object_get(json_object_get(ctx, "signatures"), "@type")),
			    "@id");
	json_decref(doc);
}

/* Translations: contentMap holds the whole post in every language, the statement's own first. */
static void note_content_map_has_every_language(void **state)
{
	struct statement_text texts[] = {
		{ .lang = "en", .title = stmt.title, .dateline = stmt.dateline,
		  .content_html = stmt.content_html },
		{ .lang = "es", .title = "Manos fuera de Venezuela", .dateline = "",
		  .content_html = "<p>Condenamos el golpe.</p>" },
		{ .lang = "pt-BR", .title = "Tirem as m\xc3\xa3os", .dateline = "Sexta",
		  .content_html = "<p>Condenamos.</p>" },
	};
	struct statement_view v = view();
	json_t *n, *map;
	const char *key, *es, *pt;
	json_t *val;
	size_t i = 0;

	(void)state;
	v.texts = texts;
	v.n_texts = 3;
	n = doc_note(&cfg, &v);
	map = json_object_get(n, "contentMap");
	assert_int_equal(json_object_size(map), 3);
	/* Mastodon takes the first key as the post's language: the statement's own */
	json_object_foreach(map, key, val) {
		static const char *const order[] = { "en", "es", "pt-BR" };

		assert_string_equal(key, order[i++]);
	}
	assert_string_equal(str_at(map, "en"), str_at(n, "content"));
	es = str_at(map, "es");
	pt = str_at(map, "pt-BR");
	assert_true(strncmp(es, "<p><strong>Manos fuera de Venezuela</strong></p>", 47) == 0);
	assert_non_null(strstr(es, "<p>Condenamos el golpe.</p>"));
	assert_null(strstr(es, "strongly condemn"));
	assert_non_null(strstr(pt, "<p>Sexta</p>"));
	/* the signatory list is the same in all */
	assert_non_null(strstr(es, "<li>Socialist Alliance, Australia</li>"));
	assert_non_null(strstr(pt, "<li>Socialist Alliance, Australia</li>"));
	json_decref(n);
}

/* The Note stays within twice LIMIT_POST_HTML_BYTES whatever the languages; the last ones go first. */
static void note_languages_share_the_budget(void **state)
{
	enum { N = LIMIT_TRANSLATIONS };
	struct statement_text texts[N];
	struct statement_view v = view();
	char *big = xmalloc(200 * 1024);
	char lang[N][4];
	json_t *n, *map;
	char *dump;

	(void)state;
	memcpy(big, "<p>", 3);
	memset(big + 3, 'x', 200 * 1024 - 8);
	memcpy(big + 200 * 1024 - 5, "</p>", 5);
	for (size_t i = 0; i < N; i++) {
		if (i == 0)
			snprintf(lang[i], sizeof(lang[i]), "en");
		else
			snprintf(lang[i], sizeof(lang[i]), "%c%c", 'a' + (int)(i / 26),
				 'a' + (int)(i % 26));
		texts[i] = (struct statement_text){ .lang = lang[i], .title = "T", .dateline = "",
						    .content_html = i == 0 ? stmt.content_html : big };
	}
	v.texts = texts;
	v.n_texts = N;
	n = doc_note(&cfg, &v);
	assert_non_null(n);
	map = json_object_get(n, "contentMap");
	/* 200 KiB a language: the own text and only as many translations as fit */
	assert_true(json_object_size(map) >= 2);
	assert_true(json_object_size(map) < N);
	assert_non_null(json_object_get(map, "en"));
	assert_non_null(json_object_get(map, lang[1]));
	assert_null(json_object_get(map, lang[N - 1]));
	dump = doc_dump(n);
	assert_true(strlen(dump) < 2 * (size_t)LIMIT_POST_HTML_BYTES + 16384);
	free(dump);
	json_decref(n);
	free(big);
}

static void note_says_revised_and_closed(void **state)
{
	struct statement st = stmt;
	struct statement_view v = view();
	json_t *n;
	const char *content;

	(void)state;
	st.policy = "closed";
	v.s = &st;
	v.revised = 1767225599;
	n = doc_note(&cfg, &v);
	content = str_at(n, "content");
	assert_non_null(strstr(content, "<p><em>Revised on 31 December 2025.</em></p>"));
	/* closed said at the top, not only in the closing paragraph */
	assert_true(strstr(content, "<p><strong>Closed for signatures.</strong></p>") <
		    strstr(content, stmt.content_html));
	json_decref(n);
}

static void deleted_statement_documents(void **state)
{
	json_t *t = doc_tombstone(&cfg, "hov", "/post", "Note", 1767225599);
	json_t *d = doc_delete_note(&cfg, "hov", 1767225599);
	json_t *da = doc_delete_actor(&cfg, "hov", 1767225599);
	json_t *obj;

	(void)state;
	assert_string_equal(str_at(t, "id"), B "/s/hov/post");
	assert_string_equal(str_at(t, "type"), "Tombstone");
	assert_string_equal(str_at(t, "formerType"), "Note");
	assert_string_equal(str_at(t, "deleted"), "2025-12-31T23:59:59Z");
	assert_string_equal(str_at(d, "type"), "Delete");
	assert_string_equal(str_at(d, "id"), B "/s/hov/post#delete");
	assert_string_equal(str_at(d, "actor"), B "/s/hov");
	assert_string_equal(json_string_value(json_array_get(json_object_get(d, "to"), 0)),
			    AS_PUBLIC);
	obj = json_object_get(d, "object");
	assert_string_equal(str_at(obj, "id"), B "/s/hov/post");
	assert_string_equal(str_at(obj, "type"), "Tombstone");
	assert_string_equal(str_at(da, "id"), B "/s/hov#delete");
	assert_string_equal(str_at(da, "actor"), B "/s/hov");
	assert_string_equal(str_at(da, "object"), B "/s/hov");
	assert_true(context_has(da, "https://www.w3.org/ns/activitystreams"));
	json_decref(t);
	json_decref(d);
	json_decref(da);
}

static void index_announces_new_statements(void **state)
{
	json_t *a = doc_announce_statement(&cfg, "hov", 1548374400);
	struct statement one = stmt, two = stmt;
	struct statement *list[] = { &one, &two };
	json_t *page, *items;
	json_t *cc;

	(void)state;
	two.slug = "second";
	assert_string_equal(str_at(a, "type"), "Announce");
	assert_string_equal(str_at(a, "id"), B "/actor#announces/hov");
	assert_string_equal(str_at(a, "actor"), B "/actor");
	assert_string_equal(str_at(a, "object"), B "/s/hov/post");
	assert_string_equal(str_at(a, "published"), "2019-01-25T00:00:00Z");
	cc = json_object_get(a, "cc");
	assert_string_equal(json_string_value(json_array_get(cc, 0)), B "/actor/followers");
	assert_string_equal(json_string_value(json_array_get(cc, 1)), B "/s/hov");
	page = doc_index_outbox_page(&cfg, list, 2, 1, 2);
	items = json_object_get(page, "orderedItems");
	assert_int_equal(json_array_size(items), 2);
	assert_string_equal(str_at(json_array_get(items, 0), "object"), B "/s/second/post");
	assert_string_equal(str_at(page, "partOf"), B "/actor/outbox");
	json_decref(page);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(actor_fields),
		cmocka_unit_test(actor_never_leaks_private_key),
		cmocka_unit_test(actor_name_cut_without_separator),
		cmocka_unit_test(note_fields),
		cmocka_unit_test(note_escapes_names),
		cmocka_unit_test(note_updated_never_before_published),
		cmocka_unit_test(note_closed_and_no_lang),
		cmocka_unit_test(note_content_map_has_every_language),
		cmocka_unit_test(note_languages_share_the_budget),
		cmocka_unit_test(note_says_revised_and_closed),
		cmocka_unit_test(deleted_statement_documents),
		cmocka_unit_test(index_announces_new_statements),
		cmocka_unit_test(note_long_list_is_cut),
		cmocka_unit_test(invalid_utf8_is_repaired),
		cmocka_unit_test(create_and_update),
		cmocka_unit_test(collection_root),
		cmocka_unit_test(collection_paging_edges),
		cmocka_unit_test(outbox_featured_followers),
		cmocka_unit_test(signatures_page),
		cmocka_unit_test(signatory_types),
		cmocka_unit_test(reactions_collection),
		cmocka_unit_test(webfinger),
		cmocka_unit_test(instance_actor_and_webfinger),
		cmocka_unit_test(nodeinfo),
		cmocka_unit_test(host_meta_and_error),
		cmocka_unit_test(utf8_helpers),
		cmocka_unit_test(context_document),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
