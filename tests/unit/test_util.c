/* Unit tests of util/: the buffer's limit, escaping, number and time parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/str.h"
#include "util/url.h"

static void buf_limit_releases(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_addstr(&b, "12345678"), 0);
	assert_string_equal(buf_str(&b), "12345678");
	assert_int_equal(buf_addch(&b, 'x'), -1);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	assert_string_equal(buf_str(&b), "");
	buf_release(&b);
}

static void buf_printf_and_escape(void **state)
{
	struct buf b;
	char *s;

	(void)state;
	buf_init(&b, 1024);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_int_equal(buf_add_html(&b, "<a href=\"x\">'&'</a>"), 0);
	assert_int_equal(buf_add_urlenc(&b, "a b/é"), 0);
	s = buf_detach(&b);
	assert_string_equal(s, "42-x&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;a%20b%2F%C3%A9");
	free(s);
	assert_null(b.data);
}

static void numbers(void **state)
{
	int64_t v;

	(void)state;
	assert_true(str_to_i64("123", &v));
	assert_int_equal(v, 123);
	assert_false(str_to_i64("12x", &v));
	assert_false(str_to_i64("", &v));
	assert_false(str_to_i64(" 1", &v));
	assert_false(str_to_i64("99999999999999999999", &v));
}

static void times(void **state)
{
	char s[TIME_STR_MAX];
	time_t t;

	(void)state;
	time_to_http(1548374400, s); /* 2019-01-25 00:00:00 UTC, a Friday */
	assert_string_equal(s, "Fri, 25 Jan 2019 00:00:00 GMT");
	assert_true(time_from_http(s, &t));
	assert_int_equal(t, 1548374400);
	time_to_iso(1548374400, s);
	assert_string_equal(s, "2019-01-25T00:00:00Z");
	time_to_date(1548374400, s);
	assert_string_equal(s, "25 January 2019");
	time_to_date(1767225599, s); /* the last second of 2025 */
	assert_string_equal(s, "31 December 2025");
	assert_true(time_from_iso("2019-01-25T00:00:00.123Z", &t));
	assert_int_equal(t, 1548374400);
	assert_false(time_from_http("Fri, 25 Jan 2019 00:00:00 UTC", &t));
	assert_false(time_from_http("Fri, 25 Foo 2019 00:00:00 GMT", &t));
	assert_false(time_from_iso("2019-13-25T00:00:00Z", &t));
	assert_false(time_from_iso("2019-01-25T00:00:00+02:00", &t));
}

static void errors(void **state)
{
	struct err e;

	(void)state;
	assert_int_equal(errorf(&e, ERR_NOTFOUND, "no %s", "slug"), -ERR_NOTFOUND);
	assert_int_equal(e.code, ERR_NOTFOUND);
	assert_string_equal(e.msg, "no slug");
	assert_int_equal(errorf(NULL, ERR_IO, "ignored"), -ERR_IO);
}

static void urls(void **state)
{
	struct url u;
	char *v;

	(void)state;
	assert_int_equal(url_parse("https://Statements.Example.org", &u, NULL), 0);
	assert_string_equal(u.scheme, "https");
	assert_string_equal(u.host, "statements.example.org");
	assert_string_equal(u.authority, "statements.example.org");
	assert_string_equal(u.path, "/");
	assert_null(u.query);
	url_release(&u);
	assert_int_equal(url_parse("http://127.0.0.1:8080/s/x?page=2#f", &u, NULL), 0);
	assert_string_equal(u.authority, "127.0.0.1:8080");
	assert_int_equal(url_port(&u), 8080);
	assert_string_equal(u.path, "/s/x");
	assert_string_equal(u.query, "page=2");
	url_release(&u);
	assert_int_equal(url_parse("https://host:443/", &u, NULL), 0);
	assert_string_equal(u.authority, "host"); /* the default port is not written */
	url_release(&u);
	assert_int_equal(url_parse("http://[::1]:9/", &u, NULL), 0);
	assert_string_equal(u.authority, "[::1]:9");
	url_release(&u);
	assert_int_equal(url_parse("ftp://x", &u, NULL), -ERR_INVALID);
	assert_int_equal(url_parse("notaurl", &u, NULL), -ERR_INVALID);
	assert_int_equal(url_parse("http://user@host/", &u, NULL), -ERR_INVALID);
	assert_int_equal(url_parse("http://host:99999/", &u, NULL), -ERR_INVALID);
	assert_int_equal(url_parse("http://host:/", &u, NULL), -ERR_INVALID);
	assert_int_equal(url_parse("http:///path", &u, NULL), -ERR_INVALID);
	assert_int_equal(url_parse("http://ho st/", &u, NULL), -ERR_INVALID);
	assert_int_equal(url_parse("http://[::1/", &u, NULL), -ERR_INVALID);

	assert_int_equal(url_query_get("a=1&resource=acct%3Ax%40h+y", "resource", &v, NULL), 0);
	assert_string_equal(v, "acct:x@h y");
	free(v);
	assert_int_equal(url_query_get("a=1", "resource", &v, NULL), -ERR_NOTFOUND);
	assert_int_equal(url_query_get("resource=%zz", "resource", &v, NULL), -ERR_INVALID);
	assert_int_equal(url_query_get("resource=%4", "resource", &v, NULL), -ERR_INVALID);
	assert_int_equal(url_query_get("resource=a%00b", "resource", &v, NULL), -ERR_INVALID);
	assert_int_equal(url_query_get("resourcex=1&resource=", "resource", &v, NULL), 0);
	assert_string_equal(v, "");
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(buf_limit_releases),
		cmocka_unit_test(buf_printf_and_escape),
		cmocka_unit_test(numbers),
		cmocka_unit_test(times),
		cmocka_unit_test(errors),
		cmocka_unit_test(urls),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
