/* One way to report an error with words: a code and a message in a caller's struct. */
#ifndef UTIL_ERR_H
#define UTIL_ERR_H

#include <stddef.h>

enum err_code {
	ERR_OK = 0,
	ERR_INVALID = 1,   /* malformed input */
	ERR_TOOBIG = 2,    /* a limit was exceeded */
	ERR_NOTFOUND = 3,
	ERR_EXISTS = 4,
	ERR_IO = 5,        /* file, socket, database */
	ERR_BADSIG = 6,    /* signature missing, wrong or stale */
	ERR_FORBIDDEN = 7, /* blocked, or policy says no */
	ERR_UNSUPPORTED = 8,
	ERR_INTERNAL = 9,
	ERR_RETRY = 10,    /* temporary: try again later */
};

struct err {
	enum err_code code;
	char msg[512];
};

/*
 * Fill err (may be NULL) with code and a formatted message.
 * Returns -code, so `return errorf(err, ERR_INVALID, "...")` reads as one step.
 */
int errorf(struct err *err, enum err_code code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Reset err to ERR_OK with an empty message. */
void err_clear(struct err *err);

#endif
