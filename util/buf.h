/*
 * The one growable byte buffer: always NUL-terminated, with a mandatory size
 * limit. An append that would pass the limit frees the buffer and fails, so a
 * caller never goes on with half a result (curl's dynbuf "toobig").
 */
#ifndef UTIL_BUF_H
#define UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *data;  /* NULL until the first append; owned by the buf */
	size_t len;  /* bytes used, not counting the NUL */
	size_t cap;
	size_t max;  /* len never exceeds this */
};

void buf_init(struct buf *b, size_t max);
/* Free the contents; the buf is empty and reusable with the same limit. */
void buf_release(struct buf *b);
/* Empty the buf but keep its memory. */
void buf_reset(struct buf *b);

/* Appends return 0, or -1 when the limit is passed (the buf is then released). */
int buf_add(struct buf *b, const void *data, size_t len);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s with & < > " ' escaped for HTML text and attribute values. */
int buf_add_html(struct buf *b, const char *s);
/* Append s percent-encoded for a URL query value (RFC 3986 unreserved kept). */
int buf_add_urlenc(struct buf *b, const char *s);

/* The contents as a C string ("" when empty); borrowed, valid until the next change. */
const char *buf_str(const struct buf *b);
/* Hand the contents to the caller (caller frees; never NULL); the buf is empty after. */
char *buf_detach(struct buf *b);

#endif
