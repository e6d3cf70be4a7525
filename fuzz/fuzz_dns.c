/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/fuzz_dns.c - libFuzzer target for the DNS answer parser (names/dns.c)
 * and the host table it fills (names/names.c).
 *
 * One names table is created on the first input and kept for the whole
 * run, so table growth, the learned-name cap (kept small here so it is hit)
 * and the replacement budget are exercised across inputs, as in a long
 * capture.  Each input is fed as a UDP payload and as a TCP payload (with
 * its 2-byte length prefix); then a few addresses taken from the input are
 * looked up and every name found is checked to be printable text of at
 * most RK_NAMES_MAX_LEN bytes.  Invariants: no read past size (ASan), no
 * undefined behaviour (UBSan), no name with a control byte or NUL inside.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check_name.h"
#include "names/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rk_names *names; /* one table for the whole run (fuzzer-only global) */

/*
 * libFuzzer entry: learn from data as UDP and as TCP, then look names up.
 * Always returns 0 (libFuzzer's "keep going").  data is borrowed.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t a[RK_ADDR_LEN];
	struct rk_names_stats st;

	if (names == NULL && (names = rk_names_new(4096)) == NULL)
		return 0;
	(void)rk_names_learn_dns(names, data, size, 0);
	(void)rk_names_learn_dns(names, data, size, 1);

	/* Look up the 4- and 16-byte windows at the end of the input (A/AAAA rdata). */
	if (size >= 4) {
		rk_addr_from_v4(a, data + size - 4);
		check_name(rk_names_host(names, a));
	}
	if (size >= RK_ADDR_LEN) {
		memcpy(a, data + size - RK_ADDR_LEN, RK_ADDR_LEN);
		check_name(rk_names_host(names, a));
	}
	memset(a, 0, sizeof(a));
	check_name(rk_names_host(names, a));
	rk_names_get_stats(names, &st);
	if (st.n_hosts_dns > 4096)
		abort();
	return 0;
}
