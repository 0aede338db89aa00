/*
 * What the fuzz targets share: a cursor that cuts libFuzzer's bytes into
 * lines and a rest, exact-size copies (so AddressSanitizer sees a read one
 * byte past the end), and an abort that names the broken invariant.
 * Header-only (static inline): each target is one translation unit.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/mem.h"

/* The input, read front to back. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

/*
 * The next line (up to '\n', which is consumed) as a new NUL-terminated
 * string: an embedded NUL ends it early, as C would read a header. Never
 * NULL (an exhausted input gives ""). Caller frees.
 */
static inline char *fuzz_line(struct fuzz_in *in)
{
	const uint8_t *nl = memchr(in->p, '\n', in->n);
	size_t len = nl ? (size_t)(nl - in->p) : in->n;
	char *s = xstrndup((const char *)in->p, len);

	in->p += nl ? len + 1 : len;
	in->n -= nl ? len + 1 : len;
	return s;
}

/* True when the input is exhausted. */
static inline bool fuzz_empty(const struct fuzz_in *in)
{
	return in->n == 0;
}

/*
 * The rest of the input as a new buffer of exactly *len bytes, not
 * terminated: for functions that take (pointer, length). Never NULL.
 */
static inline char *fuzz_rest(struct fuzz_in *in, size_t *len)
{
	char *b = xmalloc(in->n ? in->n : 1);

	memcpy(b, in->p, in->n);
	*len = in->n;
	in->p += in->n;
	in->n = 0;
	return b;
}

/* An exact-size copy of data[0..n) (not terminated). Never NULL. */
static inline char *fuzz_dup(const uint8_t *data, size_t n)
{
	char *b = xmalloc(n ? n : 1);

	memcpy(b, data, n);
	return b;
}

/* A broken invariant is a crash libFuzzer keeps as a reproducer. */
#define FUZZ_CHECK(cond, ...)                                                             \
	do {                                                                              \
		if (!(cond)) {                                                            \
			fprintf(stderr, "fuzz invariant broken at %s:%d: %s: ", __FILE__, \
				__LINE__, #cond);                                         \
			fprintf(stderr, __VA_ARGS__);                                     \
			fputc('\n', stderr);                                              \
			abort();                                                          \
		}                                                                         \
	} while (0)

#endif
