/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/test-hex.h - for the unit tests only: bytes written as hex text, the
 * way a capture shows them ("45 00 00 3c ..."; whitespace and any other
 * non-hex character ignored).  Include after <cmocka.h>: a malformed
 * string (an odd digit count, more bytes than room) fails the test.
 */
#ifndef RK_UTIL_TEST_HEX_H
#define RK_UTIL_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "util/bytes.h"

/* Parse the hex digits of s, in pairs, into out (room for max); returns the length. */
static inline size_t
rk_test_hex(const char *s, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *s != '\0'; s++) {
		if ((v = rk_hex_digit((unsigned char)*s)) < 0)
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		assert_true(n < max);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	assert_int_equal(hi, -1);
	return n;
}

#endif
