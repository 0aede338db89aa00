/*
 * Quotes (FEP-044f): the store's quotes table and page generation on a real
 * sqlite file, the documents Mastodon reads (the Note's interactionPolicy and
 * its @context terms, the QuoteAuthorization, the WebFinger subscribe
 * template), and the check that a quoting post really quotes ours.
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
#include "activitypub/handlers.h"
#include "store/store.h"
#include "util/err.h"
#include "util/mem.h"

#include "tests/unit/fixture.h"

#define B    "https://st.example"
#define POST B "/s/hov/post"
#define PEER "https://m.example/users/alice"

static const struct config cfg = {
	.base_url = B,
	.authority = "st.example",
	.listen = "127.0.0.1:8080",
	.sign_word = "sign",
};

static struct statement stmt = {
	.id = 1,
	.slug = "hov",
	.title = "Hands off Venezuela NOW!",
	.lang = "en",
	.dateline = "Friday 25 January 2019",
	.summary = "We condemn the coup attempt.",
	.content_html = "<p>We condemn.</p>",
	.policy = "open",
	.published = 1548374400,
	.updated = 1548460800,
	.public_pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----\n",
	.private_pem = "never served",
};

/* A new database holding one statement; *id its id. */
static struct store *open_with_statement(int64_t *id)
{
	struct statement s = stmt;
	struct store *st = fixture_store(NULL);
	struct err err = { 0 };

	s.slug = xstrdup("hov");
	s.title = xstrdup(stmt.title);
	s.lang = xstrdup("en");
	s.dateline = xstrdup("");
	s.summary = xstrdup("");
	s.content_html = xstrdup("<p>x</p>");
	s.policy = xstrdup("open");
	s.public_pem = xstrdup("pub");
	s.private_pem = xstrdup("priv");
	assert_int_equal(store_statement_add(st, &s, &err), 0);
	*id = s.id;
	free(s.slug);
	free(s.title);
	free(s.lang);
	free(s.dateline);
	free(s.summary);
	free(s.content_html);
	free(s.policy);
	free(s.public_pem);
	free(s.private_pem);
	return st;
}

/* ---- store ---- */

static void store_quote_lifecycle(void **state)
{
	struct err err = { 0 };
	struct quote *q = NULL;
	int64_t sid, id, id2, count;
	bool created, removed;
	struct store *st = open_with_statement(&sid);

	(void)state;
	assert_int_equal(store_quote_add(st, sid, PEER, "https://m.example/s/1",
					 "https://m.example/r/1", &id, &created, &err),
			 0);
	assert_true(created);
	assert_true(id > 0);
	/* the same post asked again: the same authorization */
	assert_int_equal(store_quote_add(st, sid, PEER, "https://m.example/s/1",
					 "https://m.example/r/2", &id2, &created, &err),
			 0);
	assert_false(created);
	assert_int_equal(id2, id);
	/* another actor claiming that post: refused */
	assert_int_equal(store_quote_add(st, sid, "https://m.example/users/bob",
					 "https://m.example/s/1", "https://m.example/r/3", &id2,
					 &created, &err),
			 -ERR_FORBIDDEN);
	assert_int_equal(store_quote_count(st, sid, &count, &err), 0);
	assert_int_equal(count, 1);

	assert_int_equal(store_quote_get(st, sid, id, &q, &err), 0);
	assert_string_equal(q->actor_id, PEER);
	assert_string_equal(q->post, "https://m.example/s/1");
	assert_string_equal(q->request_id, "https://m.example/r/1");
	assert_int_equal(q->deleted, 0);
	quote_free(q);
	/* an id of another statement is not found */
	assert_int_equal(store_quote_get(st, sid + 1, id, &q, &err), -ERR_NOTFOUND);
	assert_null(q);

	/* only its author's Delete counts */
	assert_int_equal(store_quote_delete(st, "https://m.example/users/bob",
					    "https://m.example/s/1", &removed, &err),
			 0);
	assert_false(removed);
	assert_int_equal(store_quote_delete(st, PEER, "https://m.example/s/1", &removed, &err), 0);
	assert_true(removed);
	assert_int_equal(store_quote_count(st, sid, &count, &err), 0);
	assert_int_equal(count, 0);
	assert_int_equal(store_quote_get(st, sid, id, &q, &err), 0);
	assert_true(q->deleted > 0);
	quote_free(q);
	/* a deleted post does not come back */
	assert_int_equal(store_quote_add(st, sid, PEER, "https://m.example/s/1",
					 "https://m.example/r/4", &id2, &created, &err),
			 -ERR_NOTFOUND);
	store_close(st);
}

static void store_quote_delete_actor_and_bad_input(void **state)
{
	struct err err = { 0 };
	int64_t sid, id, n, count;
	bool created;
	struct store *st = open_with_statement(&sid);

	(void)state;
	assert_int_equal(
	    store_quote_add(st, sid, PEER, "https://m.example/s/1", "r1", &id, &created, &err), 0);
	assert_int_equal(
	    store_quote_add(st, sid, PEER, "https://m.example/s/2", "r2", &id, &created, &err), 0);
	assert_int_equal(store_quote_add(st, sid, "https://o.example/u", "https://o.example/s/1",
					 "r3", &id, &created, &err),
			 0);
	assert_int_equal(store_quote_delete_actor(st, PEER, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(store_quote_count(st, sid, &count, &err), 0);
	assert_int_equal(count, 1);
	assert_int_equal(store_quote_add(st, sid, PEER, NULL, "r", &id, &created, &err),
			 -ERR_INVALID);
	assert_int_equal(store_quote_add(st, sid, "", "p", "r", &id, &created, &err), -ERR_INVALID);
	store_close(st);
}

static void store_gen_moves_with_every_change(void **state)
{
	struct err err = { 0 };
	int64_t sid, gen0, gen1, gen2, gen3, at, id;
	bool created;
	struct store *st = open_with_statement(&sid);

	(void)state;
	assert_int_equal(store_statement_gen(st, sid, &gen0, &at, &err), 0);
	assert_int_equal(store_reaction_add(st, sid, "like", PEER, "https://m.example/l/1", &err),
			 0);
	assert_int_equal(store_statement_gen(st, sid, &gen1, &at, &err), 0);
	assert_true(gen1 > gen0);
	assert_true(at > 0);
	assert_int_equal(
	    store_quote_add(st, sid, PEER, "https://m.example/s/1", "r1", &id, &created, &err), 0);
	assert_int_equal(store_statement_gen(st, sid, &gen2, &at, &err), 0);
	assert_true(gen2 > gen1);
	assert_int_equal(store_statement_set_policy(st, sid, "closed", &err), 0);
	assert_int_equal(store_statement_gen(st, sid, &gen3, &at, &err), 0);
	assert_true(gen3 > gen2);
	/* reading changes nothing */
	assert_int_equal(store_statement_gen(st, sid, &gen2, &at, &err), 0);
	assert_int_equal(gen2, gen3);
	/* a statement with no change yet */
	assert_int_equal(store_statement_gen(st, sid + 100, &gen0, &at, &err), 0);
	assert_int_equal(gen0, 0);
	store_close(st);
}

static void store_recent_signatories_newest_first(void **state)
{
	struct err err = { 0 };
	struct signatory *list = NULL;
	int64_t sid;
	size_t n = 0;
	bool created;
	struct store *st = open_with_statement(&sid);
	struct signatory a = { .name = "Old Org",
			       .actor_id = "https://a.example/u",
			       .how = "follow",
			       .state = "approved",
			       .signed_at = 1000,
			       .activity_id = "https://a.example/f" };
	struct signatory b = { .name = "New Org",
			       .actor_id = "https://b.example/u",
			       .how = "endorse",
			       .state = "approved",
			       .signed_at = 2000,
			       .activity_id = "https://b.example/e" };
	struct signatory c = { .name = "Waiting Org",
			       .actor_id = "https://c.example/u",
			       .how = "mention",
			       .state = "pending",
			       .signed_at = 3000,
			       .activity_id = "https://c.example/n" };

	(void)state;
	assert_int_equal(store_signatory_add_imported(st, sid, "Imported Org", "Malaysia", 0, &err),
			 0);
	assert_int_equal(store_signatory_add_verified(st, sid, &a, NULL, NULL, &created, &err), 0);
	assert_int_equal(store_signatory_add_verified(st, sid, &b, NULL, NULL, &created, &err), 0);
	assert_int_equal(store_signatory_add_verified(st, sid, &c, NULL, NULL, &created, &err), 0);
	assert_int_equal(store_signatory_recent(st, sid, 10, &list, &n, &err), 0);
	assert_int_equal(n, 2); /* imported and pending ones are not news */
	assert_string_equal(list[0].name, "New Org");
	assert_string_equal(list[1].name, "Old Org");
	signatories_free(list, n);
	assert_int_equal(store_signatory_recent(st, sid, 1, &list, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0].name, "New Org");
	signatories_free(list, n);
	store_close(st);
}

/* ---- documents ---- */

static void note_allows_quotes_with_context(void **state)
{
	struct statement_view v = { .s = &stmt };
	json_t *note = doc_note(&cfg, &v);
	json_t *ctx, *terms, *auto_ok;

	(void)state;
	assert_non_null(note);
	auto_ok =
	    json_object_get(json_object_get(json_object_get(note, "interactionPolicy"), "canQuote"),
			    "automaticApproval");
	assert_true(json_is_array(auto_ok));
	assert_int_equal(json_array_size(auto_ok), 1);
	assert_string_equal(json_string_value(json_array_get(auto_ok, 0)), AS_PUBLIC);
	/* the terms as Mastodon's context_helper.rb names them, IRIs typed @id */
	ctx = json_object_get(note, "@context");
	terms = json_array_get(ctx, json_array_size(ctx) - 1);
	assert_string_equal(json_string_value(json_object_get(terms, "gts")),
			    "https://gotosocial.org/ns#");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(terms, "interactionPolicy"), "@id")),
	    "gts:interactionPolicy");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(terms, "canQuote"), "@id")),
	    "gts:canQuote");
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(terms, "automaticApproval"), "@type")),
			    "@id");
	assert_string_equal(json_string_value(json_object_get(terms, "QuoteAuthorization")),
			    "https://w3id.org/fep/044f#QuoteAuthorization");
	json_decref(note);
}

static void quote_authorization_document(void **state)
{
	json_t *q = doc_quote_authorization(&cfg, "hov", 7, "https://m.example/s/1");

	(void)state;
	assert_string_equal(json_string_value(json_object_get(q, "id")), B "/s/hov/quotes/7");
	assert_string_equal(json_string_value(json_object_get(q, "type")), "QuoteAuthorization");
	assert_string_equal(json_string_value(json_object_get(q, "attributedTo")), B "/s/hov");
	assert_string_equal(json_string_value(json_object_get(q, "interactingObject")),
			    "https://m.example/s/1");
	assert_string_equal(json_string_value(json_object_get(q, "interactionTarget")), POST);
	assert_string_equal(json_string_value(json_array_get(json_object_get(q, "@context"), 0)),
			    "https://www.w3.org/ns/activitystreams");
	json_decref(q);
}

static void webfinger_offers_subscribe_template(void **state)
{
	json_t *j = doc_webfinger(&cfg, "hov");
	json_t *link;
	size_t i;
	bool found = false;

	(void)state;
	json_array_foreach (json_object_get(j, "links"), i, link) {
		if (strcmp(json_string_value(json_object_get(link, "rel")),
			   "http://ostatus.org/schema/1.0/subscribe") == 0) {
			assert_string_equal(json_string_value(json_object_get(link, "template")),
					    B "/authorize_interaction?uri={uri}");
			found = true;
		}
	}
	assert_true(found);
	json_decref(j);
}

static void actor_lists_its_attribution_domain(void **state)
{
	struct statement_view v = { .s = &stmt };
	struct config c = cfg;
	json_t *a;

	(void)state;
	c.authority = "st.example:8443"; /* the port is not part of a domain */
	a = doc_actor(&c, &v);
	assert_string_equal(
	    json_string_value(json_array_get(json_object_get(a, "attributionDomains"), 0)),
	    "st.example");
	json_decref(a);
}

/* ---- the quoting post ---- */

static json_t *post_json(const char *text)
{
	json_t *j = json_loads(text, 0, NULL);

	assert_non_null(j);
	return j;
}

static void quoting_post_checks(void **state)
{
	json_t *mastodon =
	    post_json("{\"id\":\"https://m.example/s/1\",\"attributedTo\":\"" PEER "\","
		      "\"quote\":\"" POST "\",\"_misskey_quote\":\"" POST "\"}");
	json_t *misskey = post_json("{\"id\":\"https://m.example/s/2\",\"attributedTo\":[\"" PEER
				    "\"],\"_misskey_quote\":\"" POST "\"}");
	json_t *fedify =
	    post_json("{\"id\":\"https://m.example/s/3\",\"attributedTo\":{\"id\":\"" PEER
		      "\"},\"quoteUrl\":\"" POST "\"}");
	json_t *other = post_json("{\"id\":\"https://m.example/s/4\",\"attributedTo\":\"" PEER "\","
				  "\"quote\":\"" B "/s/other/post\"}");
	json_t *none =
	    post_json("{\"id\":\"https://m.example/s/5\",\"attributedTo\":\"" PEER "\"}");

	(void)state;
	assert_true(quote_post_quotes(mastodon, PEER, POST));
	assert_true(quote_post_quotes(misskey, PEER, POST));
	assert_true(quote_post_quotes(fedify, PEER, POST));
	/* someone else's post, another target, no quote at all */
	assert_false(quote_post_quotes(mastodon, "https://m.example/users/bob", POST));
	assert_false(quote_post_quotes(other, PEER, POST));
	assert_false(quote_post_quotes(none, PEER, POST));
	assert_false(quote_post_quotes(NULL, PEER, POST));
	json_decref(mastodon);
	json_decref(misskey);
	json_decref(fedify);
	json_decref(other);
	json_decref(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(store_quote_lifecycle),
		cmocka_unit_test(store_quote_delete_actor_and_bad_input),
		cmocka_unit_test(store_gen_moves_with_every_change),
		cmocka_unit_test(store_recent_signatories_newest_first),
		cmocka_unit_test(note_allows_quotes_with_context),
		cmocka_unit_test(quote_authorization_document),
		cmocka_unit_test(webfinger_offers_subscribe_template),
		cmocka_unit_test(actor_lists_its_attribution_domain),
		cmocka_unit_test(quoting_post_checks),
	};

	return cmocka_run_group_tests(tests, fixture_group_setup, fixture_group_teardown);
}
