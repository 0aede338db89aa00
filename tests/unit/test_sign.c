/* Unit tests of the signing rules that need no network: policy and the sign word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "activitypub/sign.h"

static void policy(void **state)
{
	(void)state;
	assert_string_equal(sign_initial_state("open", "Organization"), "approved");
	assert_string_equal(sign_initial_state("open", "Person"), "pending");
	assert_string_equal(sign_initial_state("open", "Service"), "pending");
	assert_string_equal(sign_initial_state("open", NULL), "pending");
	assert_string_equal(sign_initial_state("review", "Organization"), "pending");
	assert_null(sign_initial_state("closed", "Organization"));
	assert_null(sign_initial_state("closed", "Person"));
}

static void sign_word(void **state)
{
	(void)state;
	/* How Mastodon renders a mention followed by a word. */
	assert_true(sign_word_present(
		"<p><span class=\"h-card\"><a href=\"https://s.example/s/x\" class=\"u-url mention\">"
		"@<span>x</span></a></span> sign</p>",
		"sign"));
	assert_true(sign_word_present("<p>We SIGN.</p>", "sign"));
	assert_true(sign_word_present("<p>sign, please</p><p>thanks</p>", "sign"));
	assert_false(sign_word_present("<p>signature soon</p>", "sign"));
	assert_false(sign_word_present("<p>design</p>", "sign"));
	assert_false(sign_word_present("<p>@sign@example.org hello</p>", "sign"));
	assert_false(sign_word_present("<p>#sign</p>", "sign"));
	assert_false(sign_word_present("<p>https://example.org/sign</p>", "sign"));
	assert_false(sign_word_present("<a href=\"sign\">x</a>", "sign"));
	assert_false(sign_word_present("", "sign"));
	assert_false(sign_word_present(NULL, "sign"));
	assert_false(sign_word_present("<p>sign</p>", ""));
	assert_true(sign_word_present("<p>firmar</p>", "firmar"));
	assert_false(sign_word_present("<p unclosed", "sign"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(policy),
		cmocka_unit_test(sign_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
