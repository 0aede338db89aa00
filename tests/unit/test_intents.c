/*
 * Remote interaction (activitypub/intents.c), the pure parts: which template
 * a reader's server's WebFinger offers, how it is filled in, which URLs we
 * are willing to send a reader to, what counts as an address, and Mastodon's
 * pages when nothing fits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "activitypub/intents.h"
#include "util/err.h"
#include "util/limits.h"
#include "util/mem.h"

#define ACTOR "https://st.example/s/hov"

static const struct intent_values values = {
	.object = ACTOR,
	.content = "@hov@st.example sign",
	.in_reply_to = ACTOR "/post",
};

static char *choose(const char *jrd, enum intent kind)
{
	return intent_template(jrd, strlen(jrd), kind);
}

static void template_choice(void **state)
{
	const char *mastodon =
	    "{\"subject\":\"acct:a@m.example\",\"links\":["
	    "{\"rel\":\"self\",\"type\":\"application/activity+json\",\"href\":\"https://m.example/"
	    "users/a\"},"
	    "{\"rel\":\"http://ostatus.org/schema/1.0/subscribe\",\"template\":\"https://m.example/"
	    "authorize_interaction?uri={uri}\"}]}";
	const char *intents =
	    "{\"links\":["
	    "{\"rel\":\"http://ostatus.org/schema/1.0/subscribe\",\"template\":\"https://e.example/"
	    "old?uri={uri}\"},"
	    "{\"rel\":\"https://w3id.org/fep/3b86/follow\",\"template\":\"https://e.example/"
	    "intents/follow?id={object}\"},"
	    "{\"rel\":\"https://w3id.org/fep/3b86/Create\",\"template\":\"https://e.example/"
	    "intents/create?content={content}&inReplyTo={inReplyTo}\"}]}";
	char *t;

	(void)state;
	/* Mastodon 4.5: only the subscribe link, for following; nothing for signing */
	t = choose(mastodon, INTENT_FOLLOW);
	assert_string_equal(t, "https://m.example/authorize_interaction?uri={uri}");
	free(t);
	assert_null(choose(mastodon, INTENT_SIGN));
	/* FEP-3b86 intents win over the subscribe link (the rel's case does not matter) */
	t = choose(intents, INTENT_FOLLOW);
	assert_string_equal(t, "https://e.example/intents/follow?id={object}");
	free(t);
	t = choose(intents, INTENT_SIGN);
	assert_string_equal(
	    t, "https://e.example/intents/create?content={content}&inReplyTo={inReplyTo}");
	free(t);
	/* not a JRD, no links, links of the wrong shape */
	assert_null(choose("<html>", INTENT_FOLLOW));
	assert_null(choose("{}", INTENT_FOLLOW));
	assert_null(choose("{\"links\":{\"rel\":\"x\"}}", INTENT_FOLLOW));
	assert_null(choose(
	    "{\"links\":[{\"rel\":\"http://ostatus.org/schema/1.0/subscribe\",\"template\":7}]}",
	    INTENT_FOLLOW));
}

static void template_expansion(void **state)
{
	char *u;

	(void)state;
	u = intent_expand("https://m.example/authorize_interaction?uri={uri}", &values);
	assert_string_equal(
	    u, "https://m.example/authorize_interaction?uri=https%3A%2F%2Fst.example%2Fs%2Fhov");
	free(u);
	u = intent_expand("https://e.example/c?content={content}&r={inReplyTo}", &values);
	assert_string_equal(u, "https://e.example/c?content=%40hov%40st.example%20sign"
			       "&r=https%3A%2F%2Fst.example%2Fs%2Fhov%2Fpost");
	free(u);
	/* names we do not know, and operator expressions, become empty */
	u = intent_expand("https://e.example/f?id={object}&ok={on-success}&x={?y}", &values);
	assert_string_equal(u, "https://e.example/f?id=https%3A%2F%2Fst.example%2Fs%2Fhov&ok=&x=");
	free(u);
	/* malformed: an expression that never closes, or nests */
	assert_null(intent_expand("https://e.example/f?id={object", &values));
	assert_null(intent_expand("https://e.example/f?id={ob{ject}", &values));
	assert_null(intent_expand(NULL, &values));
}

static void expansion_is_bounded(void **state)
{
	char *big = xcalloc(LIMIT_URL_BYTES, 1);
	char *tmpl;

	(void)state;
	memset(big, 'a', LIMIT_URL_BYTES - 1);
	tmpl = xasprintf("https://e.example/%s{object}", big + 40);
	assert_null(intent_expand(tmpl, &values));
	free(tmpl);
	free(big);
}

static void redirect_rules(void **state)
{
	(void)state;
	assert_true(intent_url_allowed("https://m.example/authorize_interaction?uri=x", "m.example",
				       false));
	/* a subdomain of the reader's domain (WebFinger delegated to social.example.org) */
	assert_true(intent_url_allowed("https://social.example.org/i?x", "example.org", false));
	/* the case of the host does not matter */
	assert_true(intent_url_allowed("https://M.EXAMPLE/x", "m.example", false));
	/* elsewhere: another host, a look-alike, a parent, an IP literal's "subdomain" */
	assert_false(intent_url_allowed("https://evil.example/x", "m.example", false));
	assert_false(intent_url_allowed("https://m.example.evil.example/x", "m.example", false));
	assert_false(intent_url_allowed("https://evilm.example/x", "m.example", false));
	assert_false(intent_url_allowed("https://example/x", "m.example", false));
	assert_false(intent_url_allowed("https://1.127.0.0.1/x", "127.0.0.1", false));
	/* schemes: https only, http only when private networks are allowed (tests) */
	assert_false(intent_url_allowed("http://m.example/x", "m.example", false));
	assert_true(intent_url_allowed("http://m.example/x", "m.example", true));
	assert_false(intent_url_allowed("javascript:alert(1)", "m.example", true));
	assert_false(intent_url_allowed("//m.example/x", "m.example", true));
	assert_false(intent_url_allowed("https://user@m.example/x", "m.example", false));
	/* ports: the reader's server's own */
	assert_true(intent_url_allowed("http://127.0.0.1:5000/i", "127.0.0.1:5000", true));
	assert_false(intent_url_allowed("http://127.0.0.1:5001/i", "127.0.0.1:5000", true));
	assert_false(intent_url_allowed("https://m.example:8443/x", "m.example", false));
	assert_true(intent_url_allowed("https://m.example:443/x", "m.example", false));
	assert_false(intent_url_allowed(NULL, "m.example", false));
}

static void addresses(void **state)
{
	struct err err = { 0 };
	char *user, *domain;

	(void)state;
	assert_int_equal(intent_account("alice@M.Example", &user, &domain, &err), 0);
	assert_string_equal(user, "alice");
	assert_string_equal(domain, "m.example");
	free(user);
	free(domain);
	assert_int_equal(intent_account("  @alice@m.example:8443 ", &user, &domain, &err), 0);
	assert_string_equal(domain, "m.example:8443");
	free(user);
	free(domain);
	assert_int_equal(intent_account("acct:bob@m.example", &user, &domain, &err), 0);
	assert_string_equal(user, "bob");
	free(user);
	free(domain);
	/* just a server */
	assert_int_equal(intent_account("m.example", &user, &domain, &err), 0);
	assert_null(user);
	assert_string_equal(domain, "m.example");
	free(domain);
	/* not addresses */
	assert_int_equal(intent_account("", &user, &domain, &err), -ERR_INVALID);
	assert_int_equal(intent_account("alice@", &user, &domain, &err), -ERR_INVALID);
	assert_int_equal(intent_account("@@m.example", &user, &domain, &err), -ERR_INVALID);
	assert_int_equal(intent_account("al/ice@m.example", &user, &domain, &err), -ERR_INVALID);
	assert_int_equal(intent_account("alice@m.example/path", &user, &domain, &err),
			 -ERR_INVALID);
	assert_int_equal(intent_account("alice@m.example?x", &user, &domain, &err), -ERR_INVALID);
	assert_int_equal(intent_account("alice@evil.example#@m.example", &user, &domain, &err),
			 -ERR_INVALID);
	assert_int_equal(intent_account("alice@bad host", &user, &domain, &err), -ERR_INVALID);
	assert_int_equal(intent_account(NULL, &user, &domain, &err), -ERR_INVALID);
	assert_null(user);
	assert_null(domain);
}

static void mastodon_pages(void **state)
{
	char *u;

	(void)state;
	u = intent_fallback("m.example", INTENT_FOLLOW, &values);
	assert_string_equal(
	    u, "https://m.example/authorize_interaction?uri=https%3A%2F%2Fst.example%2Fs%2Fhov");
	free(u);
	u = intent_fallback("m.example:8443", INTENT_SIGN, &values);
	assert_string_equal(u, "https://m.example:8443/share?text=%40hov%40st.example%20sign");
	free(u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(template_choice),
		cmocka_unit_test(template_expansion),
		cmocka_unit_test(expansion_is_bounded),
		cmocka_unit_test(redirect_rules),
		cmocka_unit_test(addresses),
		cmocka_unit_test(mastodon_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
