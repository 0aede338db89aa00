#include "util/utf8.h"

#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/* Length of the well-formed sequence at s, or 0 when the byte at s starts none. */
static size_t seq_len(const unsigned char *s)
{
	unsigned char c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef) {
		/* no overlongs (E0 80..9F) and no surrogates (ED A0..BF) */
		if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f))
			return 0;
		return (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 ? 3 : 0;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		/* no overlongs (F0 80..8F) and nothing past U+10FFFF (F4 90..) */
		if ((c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
			return 0;
		return (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
				       (s[3] & 0xc0) == 0x80 ?
			       4 :
			       0;
	}
	return 0;
}

bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		size_t n = seq_len(p);

		if (!n)
			return false;
		p += n;
	}
	return true;
}

char *utf8_repair_dup(const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	struct buf b;

	if (utf8_valid((const char *)p))
		return xstrdup((const char *)p);
	/* each byte grows at most to the 3 bytes of U+FFFD */
	buf_init(&b, strlen((const char *)p) * 3 + 1);
	while (*p) {
		size_t n = seq_len(p);

		if (n) {
			buf_add(&b, p, n);
			p += n;
		} else {
			buf_addstr(&b, "\xef\xbf\xbd");
			p++;
		}
	}
	return buf_detach(&b);
}

size_t utf8_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t count = 0;

	while (*p) {
		size_t n = seq_len(p);

		p += n ? n : 1;
		count++;
	}
	return count;
}

size_t utf8_prefix_bytes(const char *s, size_t max_chars)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t count = 0;

	while (*p && count < max_chars) {
		size_t n = seq_len(p);

		p += n ? n : 1;
		count++;
	}
	return (size_t)(p - (const unsigned char *)s);
}

char *utf8_cut_dup(const char *s, size_t max_chars)
{
	char *fixed = utf8_repair_dup(s);
	char *out;
	size_t keep, space;

	if (max_chars < 2 || utf8_chars(fixed) <= max_chars)
		return fixed;
	keep = utf8_prefix_bytes(fixed, max_chars - 1);
	for (space = keep; space > keep / 2; space--) {
		if (fixed[space] == ' ') {
			keep = space;
			break;
		}
	}
	/* no trailing spaces or punctuation-only tail before the ellipsis */
	while (keep && (fixed[keep - 1] == ' ' || fixed[keep - 1] == ',' ||
			fixed[keep - 1] == '-' || fixed[keep - 1] == ':'))
		keep--;
	out = xasprintf("%.*s\xe2\x80\xa6", (int)keep, fixed);
	free(fixed);
	return out;
}
