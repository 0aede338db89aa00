#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

int errorf(struct err *err, enum err_code code, const char *fmt, ...)
{
	if (err) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return -(int)code;
}

void err_clear(struct err *err)
{
	if (err) {
		err->code = ERR_OK;
		err->msg[0] = '\0';
	}
}
