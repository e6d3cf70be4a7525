/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/addr.h - IP addresses as 16 bytes.
 *
 * Every address in renkei is 16 bytes in network order.  An IPv4 address is
 * stored IPv4-mapped (::ffff:a.b.c.d, RFC 4291 2.5.5.2), so one fixed-size
 * field and one memcmp order serve both families and IPv4 sorts before
 * global IPv6.  Text form is the usual one (dotted quad for mapped IPv4).
 */
#ifndef RK_UTIL_ADDR_H
#define RK_UTIL_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RK_ADDR_LEN 16
#define RK_ADDR_STRLEN 46 /* INET6_ADDRSTRLEN */

/*
 * Written as two 64-bit stores: the session table and the shard hash read
 * addresses as 64-bit words right after the decoder writes them, and a
 * load that spans several narrower stores cannot be forwarded from the
 * store buffer (it waits for them to reach the cache: on the reader
 * thread this was the largest single stall, found with perf).
 */
static inline void
rk_addr_from_v4(uint8_t out[RK_ADDR_LEN], const uint8_t v4[4])
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint32_t a;
	uint64_t lo = 0, hi;

	memcpy(&a, v4, 4);
	hi = (uint64_t)a << 32 | 0xffff0000u; /* bytes 8..15: 00 00 ff ff a b c d */
	memcpy(out, &lo, 8);
	memcpy(out + 8, &hi, 8);
#else
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, v4, 4);
#endif
}

static inline bool
rk_addr_is_v4(const uint8_t a[RK_ADDR_LEN])
{
	static const uint8_t pfx[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	return memcmp(a, pfx, 12) == 0;
}

/* Write the text form into buf (at least RK_ADDR_STRLEN bytes); returns buf. */
char *rk_addr_format(const uint8_t a[RK_ADDR_LEN], char *buf, size_t len);
/* Parse IPv4 or IPv6 text; 0 on success, -RK_E_INVAL otherwise. */
int rk_addr_parse(const char *s, uint8_t out[RK_ADDR_LEN]);
/* The network of a: /24 for IPv4, /64 for IPv6, as text "10.1.2.0/24". */
char *rk_addr_format_net(const uint8_t a[RK_ADDR_LEN], char *buf, size_t len);

#endif /* RK_UTIL_ADDR_H */
