/*
 * Language tags (BCP 47, the common shape) and choosing a language for a
 * reader from Accept-Language. Pure functions over strings.
 */
#ifndef UTIL_LANG_H
#define UTIL_LANG_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

/* Room for any tag lang_normalize accepts, with its NUL ("zh-Hant-TW" is 10 bytes). */
#define LANG_TAG_MAX 16

/*
 * Check and normalise the tag s[0..n): a language of 2 letters (ISO 639-1)
 * or 3 letters (ISO 639-2/3, for languages without a 2-letter code), then
 * optionally a 4-letter script and a region (2 letters or 3 digits),
 * separated by '-' or '_'. The case is normalised ("pt_br" -> "pt-BR",
 * "ZH-hant-tw" -> "zh-Hant-TW") into out (at least LANG_TAG_MAX bytes).
 * Returns 0; -ERR_INVALID with a one-line message when the shape is wrong
 * ("... is not a language tag"), -ERR_NOTFOUND when the shape is right but
 * the language is not one we know ("unknown language ..."): a typo must not
 * reach readers as a language. out is "" after a failure.
 */
int lang_normalize(const char *s, size_t n, char out[LANG_TAG_MAX], struct err *err);

/* Whether the primary subtag (lowercase, 2-3 letters) is a language we know. */
bool lang_known(const char *primary);

/*
 * The language's own name for itself, from the tag's primary subtag
 * ("Español" for "es", "Deutsch" for "de-AT"); NULL when we have none (show
 * the tag). Static.
 */
const char *lang_name(const char *tag);

/*
 * Choose from available[0..n) (normalised tags) the language a reader asks
 * for in an Accept-Language header (RFC 9110: "fr-CH, fr;q=0.9, en;q=0.8,
 * *;q=0.5"). Ranges are tried by falling q-value, in header order for equal
 * q; q=0 means "not this one". A range matches a tag equal to it, a tag it
 * is a prefix of ("pt" matches "pt-BR"), and then a tag that is a prefix of
 * it ("en-GB" matches "en"); "*" matches fallback. Case does not matter.
 * Returns the index chosen, or fallback when header is NULL, malformed, or
 * names nothing available. At most LIMIT_ACCEPT_LANGUAGE_RANGES ranges
 * are read.
 */
size_t lang_negotiate(const char *header, const char *const *available, size_t n, size_t fallback);

#endif
