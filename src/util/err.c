/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/err.c - filling struct rk_err at the origin of an error.
 */
#include <stdio.h>

#include "util/err.h"

/*
 * Record an error reason.  err may be NULL (the caller does not care about the
 * text).  Returns -code so a caller can write "return rk_err_set(err, ...)".
 * O(length of message), no allocation.
 */
int
rk_err_set(struct rk_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -code;
}
