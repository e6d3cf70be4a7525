/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/err.h - error codes and the human-readable reason.
 *
 * Library code returns 0 for success, a negative code for failure and a
 * documented positive value for a non-error outcome.  Where a reason helps a
 * person, the function takes a struct rk_err * (NULL = don't care) and fills
 * it where the error happens, like libpcap's errbuf.  Library code never
 * prints and never exits; only src/cli does.
 */
#ifndef RK_UTIL_ERR_H
#define RK_UTIL_ERR_H

#include <stdarg.h>

enum rk_errcode {
	RK_E_IO = 1,       /* a read or write failed; errno-like detail in msg */
	RK_E_FORMAT = 2,   /* input is not in a format we read */
	RK_E_TRUNC = 3,    /* input ends in the middle of a record */
	RK_E_NOMEM = 4,    /* allocation failed (never on the packet path) */
	RK_E_INVAL = 5,    /* bad argument or option value */
	RK_E_LINKTYPE = 6, /* capture link type we cannot decode */
	RK_E_FILTER = 7,   /* BPF filter does not compile */
	RK_E_BUSY = 8,     /* too much work already running: try again later */
};

struct rk_err {
	int code;      /* one of enum rk_errcode, 0 if unset */
	char msg[256]; /* NUL-terminated reason, for a person */
};

/* Fill err (if not NULL) and return -code, so "return rk_err_set(...)" reads well. */
int rk_err_set(struct rk_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* RK_UTIL_ERR_H */
