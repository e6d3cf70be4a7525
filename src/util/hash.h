/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/hash.h - keyed hashing of fixed-size keys.
 *
 * A multiply-xorshift mix over 64-bit words, keyed with a seed chosen at
 * start-up (from getrandom) so that crafted traffic cannot aim at one
 * bucket.  Not cryptographic: the seed is never shown, and every table
 * that uses it bounds its probe length anyway.
 */
#ifndef RK_UTIL_HASH_H
#define RK_UTIL_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint64_t
rk_hash_mix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

/* Hash len bytes (a multiple of 8) of p with seed.  O(len). */
static inline uint64_t
rk_hash_words(const void *p, size_t len, uint64_t seed)
{
	const uint8_t *b = p;
	uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
	uint64_t w;

	for (size_t i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h = (h ^ w) * 0x9e3779b97f4a7c15ULL;
		h ^= h >> 29;
	}
	return rk_hash_mix(h);
}

/* Map a 32-bit hash onto [0, n) without division (Lemire's reduction). */
static inline uint32_t
rk_hash_range(uint32_t h, uint32_t n)
{
	return (uint32_t)(((uint64_t)h * n) >> 32);
}

/* A random 64-bit seed for keyed hashing (getrandom, falls back to time). */
uint64_t rk_hash_seed(void);

#endif /* RK_UTIL_HASH_H */
