/*
 * Log lines to stderr, one per event, as key=value pairs (logfmt):
 *
 *   ts=2026-11-28T06:56:15Z level=info event=request ip=127.0.0.1 method=GET path=/ status=200
 *
 * Callers write the pairs after ts and level themselves, "event=NAME" first:
 *   log_info("event=delivery id=%lld inbox=%s outcome=delivered", id, inbox);
 * A %s right after '=' is a value: it is quoted when it needs it (empty, or
 * holding a space, '"', '=', '\' or a control character), with \" \\ \n \t
 * and \xHH escapes inside. Control characters anywhere else are escaped too,
 * so a stranger's string never starts a line of its own. A line is cut at
 * LOG_LINE_MAX bytes.
 */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stddef.h>

#define LOG_LINE_MAX 2048

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Lines below this level are dropped (default LOG_INFO; UNDERSIGNED_LOG=debug lowers it). */
void log_set_level(enum log_level level);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The line log_msg would write, without ts and level and without the
 * newline, into out (size bytes, NUL-terminated, cut to fit). For tests.
 */
void log_format(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
