/*
 * Structured log lines (see log.h). The format is walked here conversion by
 * conversion, so that each %s value can be quoted on its own: a formatted
 * line can no longer tell where one value ends.
 */
#include "util/log.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

/* Set once at start-up before any thread runs; read-only afterwards. */
static enum log_level min_level = LOG_INFO;

void log_set_level(enum log_level level)
{
	min_level = level;
}

/* The line being built: at most cap - 1 bytes, always NUL-terminated. */
struct line {
	char *s;
	size_t len, cap;
};

static void put(struct line *l, char c)
{
	if (l->len + 1 < l->cap)
		l->s[l->len++] = c;
	l->s[l->len] = '\0';
}

static void put_escaped(struct line *l, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '\n':
		put(l, '\\');
		put(l, 'n');
		return;
	case '\r':
		put(l, '\\');
		put(l, 'r');
		return;
	case '\t':
		put(l, '\\');
		put(l, 't');
		return;
	default:
		put(l, '\\');
		put(l, 'x');
		put(l, hex[c >> 4]);
		put(l, hex[c & 15]);
	}
}

static bool is_control(unsigned char c)
{
	return c < 0x20 || c == 0x7f;
}

/* Text of ours or a number: kept as it is, control characters escaped. */
static void put_text(struct line *l, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (is_control(*p))
			put_escaped(l, *p);
		else
			put(l, (char)*p);
	}
}

static bool needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == ' ' || *p == '"' || *p == '=' || *p == '\\' || is_control(*p))
			return true;
	return false;
}

/* A value after "key=": quoted and escaped when it needs it. */
static void put_value(struct line *l, const char *s)
{
	if (!needs_quotes(s)) {
		put_text(l, s);
		return;
	}
	put(l, '"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\') {
			put(l, '\\');
			put(l, (char)*p);
		} else if (is_control(*p)) {
			put_escaped(l, *p);
		} else {
			put(l, (char)*p);
		}
	}
	put(l, '"');
}

/* Length modifiers of a conversion. */
enum len_mod { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_J, LEN_T, LEN_BIG_L };

/*
 * Format one argument with the conversion spec (which the compiler checked
 * against the arguments through log_msg's format attribute, so a
 * non-literal format is safe here).
 */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void format_one(char *out, size_t size, const char *spec, char conv, enum len_mod len,
		       va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i':
		switch (len) {
		case LEN_L: snprintf(out, size, spec, va_arg(*ap, long)); break;
		case LEN_LL: snprintf(out, size, spec, va_arg(*ap, long long)); break;
		case LEN_Z: snprintf(out, size, spec, va_arg(*ap, ssize_t)); break;
		case LEN_J: snprintf(out, size, spec, va_arg(*ap, intmax_t)); break;
		case LEN_T: snprintf(out, size, spec, va_arg(*ap, ptrdiff_t)); break;
		default: snprintf(out, size, spec, va_arg(*ap, int)); break;
		}
		break;
	case 'u':
	case 'o':
	case 'x':
	case 'X':
		switch (len) {
		case LEN_L: snprintf(out, size, spec, va_arg(*ap, unsigned long)); break;
		case LEN_LL: snprintf(out, size, spec, va_arg(*ap, unsigned long long)); break;
		case LEN_Z: snprintf(out, size, spec, va_arg(*ap, size_t)); break;
		case LEN_J: snprintf(out, size, spec, va_arg(*ap, uintmax_t)); break;
		case LEN_T: snprintf(out, size, spec, va_arg(*ap, ptrdiff_t)); break;
		default: snprintf(out, size, spec, va_arg(*ap, unsigned int)); break;
		}
		break;
	case 'c': snprintf(out, size, spec, va_arg(*ap, int)); break;
	case 's': {
		const char *s = va_arg(*ap, const char *);

		snprintf(out, size, spec, s ? s : "(null)");
		break;
	}
	case 'p': snprintf(out, size, spec, va_arg(*ap, void *)); break;
	case 'f':
	case 'F':
	case 'e':
	case 'E':
	case 'g':
	case 'G':
	case 'a':
	case 'A':
		if (len == LEN_BIG_L)
			snprintf(out, size, spec, va_arg(*ap, long double));
		else
			snprintf(out, size, spec, va_arg(*ap, double));
		break;
	default: snprintf(out, size, "?"); break;
	}
}
#pragma GCC diagnostic pop

static void spec_add(char *spec, size_t *n, size_t cap, char c)
{
	if (*n + 1 < cap)
		spec[(*n)++] = c;
	spec[*n] = '\0';
}

static void spec_add_int(char *spec, size_t *n, size_t cap, int v)
{
	char digits[16];

	snprintf(digits, sizeof(digits), "%d", v);
	for (char *d = digits; *d; d++)
		spec_add(spec, n, cap, *d);
}

static void build(struct line *l, const char *fmt, va_list ap)
{
	char value[LOG_LINE_MAX];
	va_list args;

	va_copy(args, ap);
	for (const char *p = fmt; *p; p++) {
		char spec[40];
		size_t n = 0;
		enum len_mod len = LEN_NONE;
		bool after_eq;
		char conv;

		if (*p != '%') {
			if (is_control((unsigned char)*p))
				put_escaped(l, (unsigned char)*p);
			else
				put(l, *p);
			continue;
		}
		if (p[1] == '%') {
			put(l, '%');
			p++;
			continue;
		}
		after_eq = l->len > 0 && l->s[l->len - 1] == '=';
		spec_add(spec, &n, sizeof(spec), *p++);
		while (*p && strchr("-+ #0'", *p))
			spec_add(spec, &n, sizeof(spec), *p++);
		if (*p == '*') {
			spec_add_int(spec, &n, sizeof(spec), va_arg(args, int));
			p++;
		} else {
			while (*p >= '0' && *p <= '9')
				spec_add(spec, &n, sizeof(spec), *p++);
		}
		if (*p == '.') {
			p++;
			if (*p == '*') {
				int prec = va_arg(args, int);

				p++;
				/* A negative precision is as if none was given. */
				if (prec >= 0) {
					spec_add(spec, &n, sizeof(spec), '.');
					spec_add_int(spec, &n, sizeof(spec), prec);
				}
			} else {
				spec_add(spec, &n, sizeof(spec), '.');
				while (*p >= '0' && *p <= '9')
					spec_add(spec, &n, sizeof(spec), *p++);
			}
		}
		if (p[0] == 'h' && p[1] == 'h')
			len = LEN_HH;
		else if (p[0] == 'l' && p[1] == 'l')
			len = LEN_LL;
		else if (*p == 'h')
			len = LEN_H;
		else if (*p == 'l')
			len = LEN_L;
		else if (*p == 'z')
			len = LEN_Z;
		else if (*p == 'j')
			len = LEN_J;
		else if (*p == 't')
			len = LEN_T;
		else if (*p == 'L')
			len = LEN_BIG_L;
		if (len == LEN_HH || len == LEN_LL) {
			spec_add(spec, &n, sizeof(spec), *p++);
			spec_add(spec, &n, sizeof(spec), *p++);
		} else if (len != LEN_NONE) {
			spec_add(spec, &n, sizeof(spec), *p++);
		}
		conv = *p;
		if (!conv)
			break;
		spec_add(spec, &n, sizeof(spec), conv);
		format_one(value, sizeof(value), spec, conv, len, &args);
		if (conv == 's' && after_eq)
			put_value(l, value);
		else
			put_text(l, value);
	}
	va_end(args);
}

void log_format(char *out, size_t size, const char *fmt, ...)
{
	struct line l = { .s = out, .len = 0, .cap = size };
	va_list ap;

	if (!size)
		return;
	out[0] = '\0';
	va_start(ap, fmt);
	build(&l, fmt, ap);
	va_end(ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *names[] = { "debug", "info", "warn", "error" };
	char buf[LOG_LINE_MAX];
	struct line l = { .s = buf, .len = 0, .cap = sizeof(buf) };
	char stamp[32];
	struct tm tm;
	time_t now = time(NULL);
	va_list ap;

	if (level < min_level)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
	l.len = (size_t)snprintf(buf, sizeof(buf), "ts=%s level=%s ", stamp, names[level]);
	va_start(ap, fmt);
	build(&l, fmt, ap);
	va_end(ap);
	/* One write per line, newline included, so threads do not interleave. */
	fprintf(stderr, "%s\n", buf);
}
