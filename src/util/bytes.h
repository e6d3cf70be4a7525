/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/bytes.h - the only way packet bytes are read.
 *
 * Every multi-byte field of a frame or a capture file is read through these
 * helpers, never by casting a struct onto the buffer: packet memory has no
 * alignment guarantee and every byte is hostile.  The helpers do not check
 * bounds; the caller checks the length first, always.
 */
#ifndef RK_UTIL_BYTES_H
#define RK_UTIL_BYTES_H

#include <stdint.h>
#include <string.h>

static inline uint16_t
rk_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t
rk_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint16_t
rk_le16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[1] << 8 | p[0]);
}

static inline uint32_t
rk_le32(const uint8_t *p)
{
	return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static inline uint64_t
rk_le64(const uint8_t *p)
{
	return (uint64_t)rk_le32(p + 4) << 32 | rk_le32(p);
}

static inline uint64_t
rk_be64(const uint8_t *p)
{
	return (uint64_t)rk_be32(p) << 32 | rk_be32(p + 4);
}

#if defined(__GNUC__)
#define rk_likely(x) __builtin_expect(!!(x), 1)
#define rk_unlikely(x) __builtin_expect(!!(x), 0)
#define RK_MUST_CHECK __attribute__((warn_unused_result))
#else
#define rk_likely(x) (x)
#define rk_unlikely(x) (x)
#define RK_MUST_CHECK
#endif

/* The value of the hex digit c (either case), or -1. */
static inline int
rk_hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

#endif /* RK_UTIL_BYTES_H */
