/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/addr.c - text forms of 16-byte addresses (see addr.h).
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "util/addr.h"
#include "util/err.h"

/*
 * Format a as text: dotted quad for IPv4-mapped addresses, RFC 5952 text for
 * IPv6.  buf must hold RK_ADDR_STRLEN bytes.  Returns buf.  No allocation.
 */
char *
rk_addr_format(const uint8_t a[RK_ADDR_LEN], char *buf, size_t len)
{
	if (rk_addr_is_v4(a))
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	return buf;
}

/*
 * Parse "a.b.c.d" or an IPv6 address into out (IPv4 mapped).  Returns 0, or
 * -RK_E_INVAL if s is neither.
 */
int
rk_addr_parse(const char *s, uint8_t out[RK_ADDR_LEN])
{
	uint8_t v4[4];

	if (inet_pton(AF_INET, s, v4) == 1) {
		rk_addr_from_v4(out, v4);
		return 0;
	}
	if (inet_pton(AF_INET6, s, out) == 1)
		return 0;
	return -RK_E_INVAL;
}

/*
 * Format the network that a belongs to in reports: the /24 of an IPv4
 * address, the /64 of an IPv6 address (the paper's "networks seen").
 */
char *
rk_addr_format_net(const uint8_t a[RK_ADDR_LEN], char *buf, size_t len)
{
	uint8_t n[RK_ADDR_LEN];
	char tmp[RK_ADDR_STRLEN];

	memcpy(n, a, RK_ADDR_LEN);
	if (rk_addr_is_v4(a)) {
		n[15] = 0;
		rk_addr_format(n, tmp, sizeof(tmp));
		snprintf(buf, len, "%s/24", tmp);
	} else {
		memset(n + 8, 0, 8);
		rk_addr_format(n, tmp, sizeof(tmp));
		snprintf(buf, len, "%s/64", tmp);
	}
	return buf;
}
