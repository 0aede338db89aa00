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

/* Bytes of the escape sequence starting with ESC at s (ESC itself included). */
static size_t escape_len(const unsigned char *s)
{
	size_t i = 1;

	if (s[1] == '[') { /* CSI: parameters and intermediates, then one final byte */
		for (i = 2; s[i] >= 0x20 && s[i] <= 0x3f; i++)
			;
		for (; s[i] >= 0x20 && s[i] <= 0x2f; i++)
			;
		return s[i] >= 0x40 && s[i] <= 0x7e ? i + 1 : i;
	}
	if (s[1] == ']' || s[1] == 'P' || s[1] == '_' || s[1] == '^') {
		/* OSC, DCS, APC, PM: up to BEL or ESC \ */
		for (i = 2; s[i] && s[i] != 0x07 && s[i] != 0x1b; i++)
			;
		if (s[i] == 0x07)
			return i + 1;
		if (s[i] == 0x1b && s[i + 1] == '\\')
			return i + 2;
		return i;
	}
	return s[1] >= 0x20 && s[1] <= 0x7e ? 2 : 1;
}

/* Bytes of a code point to drop at s: C1 controls and bidirectional controls. */
static size_t invisible_len(const unsigned char *s)
{
	if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)
		return 2;
	/* U+200E U+200F, U+202A..U+202E, U+2066..U+2069 */
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    (s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae)))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9)
		return 3;
	return 0;
}

char *utf8_clean_dup(const char *s, size_t max_chars)
{
	char *fixed = utf8_repair_dup(s);
	const unsigned char *p = (const unsigned char *)fixed;
	struct buf b;
	char *out;

	buf_init(&b, strlen(fixed) + 1);
	while (*p) {
		size_t skip;

		if (*p == 0x1b) {
			p += escape_len(p);
		} else if (*p == '\t' || *p == '\n' || *p == '\r') {
			buf_addch(&b, ' ');
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			p++;
		} else if ((skip = invisible_len(p)) > 0) {
			p += skip;
		} else {
			buf_addch(&b, (char)*p);
			p++;
		}
	}
	free(fixed);
	if (!max_chars)
		return buf_detach(&b);
	out = utf8_cut_dup(buf_str(&b), max_chars);
	buf_release(&b);
	return out;
}
