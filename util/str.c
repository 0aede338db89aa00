#include "util/str.h"

#include <ctype.h>
#include <stdio.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/mem.h"

bool str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

bool str_ieq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

bool str_starts(const char *s, const char *prefix)
{
	return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_istarts(const char *s, const char *prefix)
{
	return s && prefix && strncasecmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix)
{
	size_t n, m;

	if (!s || !suffix)
		return false;
	n = strlen(s);
	m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool str_to_i64(const char *s, int64_t *out)
{
	char *end;
	long long v;

	if (!s || !*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = (int64_t)v;
	return true;
}

char *str_trim_dup(const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	return xstrndup(s, len);
}

void time_to_iso(time_t t, char out[TIME_STR_MAX])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, TIME_STR_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *const wdays[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
				       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* strftime's %a and %b follow the locale; HTTP needs the English names. */
void time_to_http(time_t t, char out[TIME_STR_MAX])
{
	struct tm tm;
	char rest[24];

	gmtime_r(&t, &tm);
	strftime(rest, sizeof(rest), "%Y %H:%M:%S", &tm);
	snprintf(out, TIME_STR_MAX, "%s, %02d %s %s GMT", wdays[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], rest);
}

void time_to_date(time_t t, char out[TIME_STR_MAX])
{
	static const char *const full[] = { "January", "February", "March",     "April",
					    "May",     "June",     "July",      "August",
					    "September", "October", "November", "December" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, TIME_STR_MAX, "%d %s %d", tm.tm_mday, full[tm.tm_mon], tm.tm_year + 1900);
}

static bool digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

static bool tm_valid(const struct tm *tm)
{
	return tm->tm_mon >= 0 && tm->tm_mon < 12 && tm->tm_mday >= 1 && tm->tm_mday <= 31 &&
	       tm->tm_hour <= 23 && tm->tm_min <= 59 && tm->tm_sec <= 60 && tm->tm_year >= 70;
}

bool time_from_http(const char *s, time_t *out)
{
	/* "Sat, 28 Nov 2026 06:56:15 GMT": fixed width, 29 characters. */
	struct tm tm = { 0 };
	int year, mon = -1;

	if (!s || strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return false;
	for (int i = 0; i < 12; i++)
		if (strncmp(s + 8, months[i], 3) == 0)
			mon = i;
	if (mon < 0 || !digits(s + 5, 2, &tm.tm_mday) || !digits(s + 12, 4, &year) ||
	    !digits(s + 17, 2, &tm.tm_hour) || !digits(s + 20, 2, &tm.tm_min) ||
	    !digits(s + 23, 2, &tm.tm_sec))
		return false;
	tm.tm_mon = mon;
	tm.tm_year = year - 1900;
	if (!tm_valid(&tm))
		return false;
	*out = timegm(&tm);
	return true;
}

bool time_from_iso(const char *s, time_t *out)
{
	struct tm tm = { 0 };
	int year, mon;
	const char *p;

	if (!s || strlen(s) < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
	    s[13] != ':' || s[16] != ':')
		return false;
	if (!digits(s, 4, &year) || !digits(s + 5, 2, &mon) || !digits(s + 8, 2, &tm.tm_mday) ||
	    !digits(s + 11, 2, &tm.tm_hour) || !digits(s + 14, 2, &tm.tm_min) ||
	    !digits(s + 17, 2, &tm.tm_sec))
		return false;
	p = s + 19;
	if (*p == '.') {
		p++;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (!(strcmp(p, "Z") == 0 || strcmp(p, "z") == 0 || strcmp(p, "+00:00") == 0))
		return false;
	tm.tm_mon = mon - 1;
	tm.tm_year = year - 1900;
	if (!tm_valid(&tm))
		return false;
	*out = timegm(&tm);
	return true;
}
