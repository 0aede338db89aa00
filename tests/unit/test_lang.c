/* Unit tests of util/lang: language tags, and choosing a reader's language from Accept-Language. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/err.h"
#include "util/lang.h"

static void norm_ok(const char *in, const char *want)
{
	char out[LANG_TAG_MAX];
	struct err err;

	err_clear(&err);
	if (lang_normalize(in, strlen(in), out, &err) != 0)
		fail_msg("'%s' refused: %s", in, err.msg);
	assert_string_equal(out, want);
}

static void norm_bad(const char *in, const char *msg_part)
{
	char out[LANG_TAG_MAX];
	struct err err;
	int want = strstr(msg_part, "not a language tag") ? -ERR_INVALID : -ERR_NOTFOUND;

	err_clear(&err);
	assert_int_equal(lang_normalize(in, strlen(in), out, &err), want);
	assert_string_equal(out, "");
	if (!strstr(err.msg, msg_part))
		fail_msg("'%s': message '%s' lacks '%s'", in, err.msg, msg_part);
}

static void tags_are_normalised(void **state)
{
	(void)state;
	norm_ok("en", "en");
	norm_ok("EN", "en");
	norm_ok("pt_br", "pt-BR");
	norm_ok("ZH-hant-tw", "zh-Hant-TW");
	norm_ok("es-419", "es-419");
	norm_ok("sr-Latn", "sr-Latn");
	norm_ok("fil", "fil");
	norm_ok("yue-HK", "yue-HK");
}

static void malformed_tags_are_refused(void **state)
{
	(void)state;
	norm_bad("English", "is not a language tag");
	norm_bad("e", "is not a language tag");
	norm_bad("en-", "is not a language tag");
	norm_bad("-en", "is not a language tag");
	norm_bad("en--US", "is not a language tag");
	norm_bad("en-US-GB", "is not a language tag");
	norm_bad("en-Latn-Latn", "is not a language tag");
	norm_bad("e1", "is not a language tag");
	norm_bad("en US", "is not a language tag");
	norm_bad("fr-CA-x-y", "is not a language tag");
	norm_bad("", "is not a language tag");
	norm_bad("en-\xc3\xa9", "is not a language tag");
}

static void unknown_languages_are_refused(void **state)
{
	(void)state;
	norm_bad("xx", "unknown language \"xx\"");
	norm_bad("zz-ZZ", "unknown language");
	norm_bad("qqq", "unknown language");
	/* BCP 47 wants the shortest code: say which. */
	norm_bad("eng", "\"en\" instead");
	norm_bad("spa-MX", "\"es\" instead");
	assert_true(lang_known("de"));
	assert_true(lang_known("ckb"));
	assert_false(lang_known("xx"));
	assert_false(lang_known(NULL));
	assert_false(lang_known("english"));
}

static void names_are_autonyms(void **state)
{
	(void)state;
	assert_string_equal(lang_name("es"), "Español");
	assert_string_equal(lang_name("de-AT"), "Deutsch");
	assert_string_equal(lang_name("zh-Hant"), "中文");
	assert_null(lang_name("aa"));
	assert_null(lang_name("english"));
	assert_null(lang_name(NULL));
}

static const char *const avail[] = { "en", "es", "pt-BR", "zh-Hant", "fr" };
#define N_AVAIL (sizeof(avail) / sizeof(avail[0]))

static size_t pick(const char *header)
{
	return lang_negotiate(header, avail, N_AVAIL, 0);
}

static void negotiation_follows_q_values(void **state)
{
	(void)state;
	assert_int_equal(pick("es"), 1);
	assert_int_equal(pick("ES"), 1);
	assert_int_equal(pick("fr-CH, fr;q=0.9, en;q=0.8, *;q=0.5"), 4);
	/* q decides, not the order */
	assert_int_equal(pick("en;q=0.2, es;q=0.9"), 1);
	assert_int_equal(pick("en;q=0.5,es;q=0.5"), 0); /* equal q: header order */
	assert_int_equal(pick("de, es;q=0.4"), 1);	/* unknown first, next one */
	assert_int_equal(pick("es;q=0, fr"), 4);	/* q=0: not this one */
	assert_int_equal(pick("es;q=0.000, fr;q=0.001"), 4);
	assert_int_equal(pick("fr ; q=1.0 , es"), 4);
}

static void negotiation_matches_prefixes(void **state)
{
	(void)state;
	assert_int_equal(pick("pt"), 2);	      /* pt matches pt-BR */
	assert_int_equal(pick("pt-PT, es;q=0.5"), 1); /* pt-PT is not pt-BR: next range */
	assert_int_equal(pick("es-MX"), 1);	      /* es-MX falls back to es */
	assert_int_equal(pick("zh-Hant-TW"), 3);
	assert_int_equal(pick("zh-hant"), 3);
	/* an exact match wins over a prefix match */
	{
		const char *const two[] = { "en-GB", "en" };

		assert_int_equal(lang_negotiate("en", two, 2, 0), 1);
		assert_int_equal(lang_negotiate("en-gb", two, 2, 1), 0);
	}
}

static void negotiation_falls_back(void **state)
{
	(void)state;
	assert_int_equal(lang_negotiate(NULL, avail, N_AVAIL, 2), 2);
	assert_int_equal(lang_negotiate("", avail, N_AVAIL, 2), 2);
	assert_int_equal(lang_negotiate("de, it", avail, N_AVAIL, 2), 2);
	assert_int_equal(lang_negotiate("*", avail, N_AVAIL, 2), 2);
	assert_int_equal(lang_negotiate("de, *;q=0.1", avail, N_AVAIL, 2), 2);
	/* malformed ranges and q-values are skipped, not guessed */
	assert_int_equal(lang_negotiate("es;q=2", avail, N_AVAIL, 2), 2);
	assert_int_equal(lang_negotiate("es;q=abc, fr;q=0.3", avail, N_AVAIL, 2), 4);
	assert_int_equal(lang_negotiate("<script>, es", avail, N_AVAIL, 2), 1);
	assert_int_equal(lang_negotiate(",,,;;;,", avail, N_AVAIL, 2), 2);
	assert_int_equal(lang_negotiate("es", avail, 0, 7), 7);
	assert_int_equal(lang_negotiate("es", NULL, 3, 7), 7);
}

static void negotiation_reads_a_bounded_header(void **state)
{
	char header[4096];
	size_t o = 0;

	(void)state;
	/* 40 ranges that match nothing, then es: only the first ranges are read */
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(header + o, sizeof(header) - o, "de-%02d,", i);
	snprintf(header + o, sizeof(header) - o, "es");
	assert_int_equal(lang_negotiate(header, avail, N_AVAIL, 0), 0);
	/* a long header of junk is no problem */
	memset(header, 'a', sizeof(header) - 1);
	header[sizeof(header) - 1] = '\0';
	assert_int_equal(lang_negotiate(header, avail, N_AVAIL, 4), 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tags_are_normalised),
		cmocka_unit_test(malformed_tags_are_refused),
		cmocka_unit_test(unknown_languages_are_refused),
		cmocka_unit_test(names_are_autonyms),
		cmocka_unit_test(negotiation_follows_q_values),
		cmocka_unit_test(negotiation_matches_prefixes),
		cmocka_unit_test(negotiation_falls_back),
		cmocka_unit_test(negotiation_reads_a_bounded_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
