/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/hash.c - the start-up seed for keyed hashing (see hash.h).
 */
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "util/hash.h"

/*
 * Return 64 random bits from the kernel.  If getrandom fails (very old
 * kernel, seccomp), mix the clock and pid instead: the seed only has to be
 * unknown to whoever crafts the traffic.
 */
uint64_t
rk_hash_seed(void)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s))
		return s;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return rk_hash_mix((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 30) ^
	    ((uint64_t)getpid() << 48));
}
