/* Small string helpers and strict number/time parsing. */
#ifndef UTIL_STR_H
#define UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

bool str_eq(const char *a, const char *b);          /* NULL-safe */
bool str_ieq(const char *a, const char *b);         /* ASCII case-insensitive, NULL-safe */
bool str_starts(const char *s, const char *prefix);
bool str_istarts(const char *s, const char *prefix);
bool str_ends(const char *s, const char *suffix);

/* Whole-string decimal parse; false on junk, sign where not allowed, or overflow. */
bool str_to_i64(const char *s, int64_t *out);

/* A copy of s with leading and trailing ASCII white space removed; caller frees. */
char *str_trim_dup(const char *s, size_t len);

/* Times: "2026-11-28T06:56:15Z" and the HTTP IMF-fixdate "Sat, 28 Nov 2026 06:56:15 GMT". */
#define TIME_STR_MAX 40
void time_to_iso(time_t t, char out[TIME_STR_MAX]);
void time_to_http(time_t t, char out[TIME_STR_MAX]);
/* A day for readers, in English, UTC: "5 March 2026". */
void time_to_date(time_t t, char out[TIME_STR_MAX]);
/* Parse an IMF-fixdate (the only HTTP date form we accept); false if malformed. */
bool time_from_http(const char *s, time_t *out);
/* Parse "YYYY-MM-DDTHH:MM:SSZ" (fractions and +00:00 accepted); false if malformed. */
bool time_from_iso(const char *s, time_t *out);

#endif
