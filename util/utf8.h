/*
 * UTF-8 helpers for text we show or serialise: count and cut by characters
 * (code points) without splitting a sequence, and repair invalid bytes.
 */
#ifndef UTIL_UTF8_H
#define UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* True when s is well-formed UTF-8 (no overlongs, surrogates or values past U+10FFFF). */
bool utf8_valid(const char *s);

/* A copy of s with each invalid byte replaced by U+FFFD; caller frees. NULL gives "". */
char *utf8_repair_dup(const char *s);

/* Number of code points in s (an invalid byte counts as one). */
size_t utf8_chars(const char *s);

/* Bytes of the longest prefix of s holding at most max_chars code points. */
size_t utf8_prefix_bytes(const char *s, size_t max_chars);

/*
 * A copy of s cut to at most max_chars code points (max_chars >= 2): when s is
 * longer it is cut at the last space of the kept part (when that space lies
 * in its second half) and "…" is appended, the ellipsis counting as one
 * character. Invalid bytes are repaired. Caller frees. NULL gives "".
 */
char *utf8_cut_dup(const char *s, size_t max_chars);

/*
 * s made safe to print on a terminal or put in a spreadsheet: invalid bytes
 * repaired, terminal escape sequences (ESC [ ..., ESC ] ... BEL) and control
 * characters (C0, DEL, C1) and bidirectional controls removed, tabs and line
 * breaks made spaces; then cut as utf8_cut_dup to max_chars (0: no cut).
 * Caller frees. NULL gives "".
 */
char *utf8_clean_dup(const char *s, size_t max_chars);

#endif
