/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/test-addr.h - for the unit tests only: the addresses the tests make
 * up, 10.0.0.last, in rk_addr's 16-byte form (IPv4-mapped, util/addr.h),
 * so that a test names a host by one small number.
 */
#ifndef RK_UTIL_TEST_ADDR_H
#define RK_UTIL_TEST_ADDR_H

#include <stdint.h>
#include <string.h>

#include "util/addr.h"

/* ip = ::ffff:10.0.0.last */
static inline void
rk_test_ip4(uint8_t ip[RK_ADDR_LEN], uint8_t last)
{
	memset(ip, 0, RK_ADDR_LEN);
	ip[10] = ip[11] = 0xff;
	ip[12] = 10;
	ip[15] = last;
}

#endif
