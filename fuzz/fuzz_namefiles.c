/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/fuzz_namefiles.c - libFuzzer target for the name files renkei reads
 * (names/names.c): services(5) as the system's and as a site's file,
 * hosts(5), and nmap-services (how often ports are found open).
 *
 * Each input is written to an anonymous memory file and loaded through
 * the same path a user's file takes (its /proc/self/fd name), as every
 * format in turn, into a fresh table; then a few ports and addresses taken
 * from the input are looked up.  Invariants: no read past the line or the
 * file (ASan), no undefined behaviour (UBSan), every name found is 1 to
 * RK_NAMES_MAX_LEN bytes of printable text, every frequency in [0, 1].
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check_name.h"
#include "names/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fd = -1; /* the memory file, reused for every input (fuzzer-only global) */

/* Look up the ports and the address the input's first bytes make. */
static void
probe(const struct rk_names *n, const uint8_t *data, size_t size)
{
	static const uint8_t protos[] = {6, 17, 132, 1};
	uint8_t a[RK_ADDR_LEN];
	uint16_t port = size >= 2 ? (uint16_t)(data[0] << 8 | data[1]) : 80;
	double f;

	for (size_t i = 0; i < sizeof(protos); i++) {
		check_name(rk_names_service(n, protos[i], port));
		(void)rk_names_is_site_service(n, protos[i], port);
		f = rk_names_port_open_freq(n, protos[i], port);
		if (!(f >= 0.0 && f <= 1.0))
			abort();
	}
	memset(a, 0, sizeof(a));
	if (size >= 4)
		rk_addr_from_v4(a, data);
	check_name(rk_names_host(n, a));
}

/*
 * libFuzzer entry: the input as each kind of name file.  Always returns 0.
 * data is borrowed.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct rk_names *n;

	if (fd < 0 && (fd = memfd_create("renkei-fuzz", 0)) < 0)
		return 0;
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((n = rk_names_new(64)) == NULL)
		return 0;
	(void)rk_names_load_services(n, path, NULL);
	(void)rk_names_load_site_services(n, path, NULL);
	(void)rk_names_load_hosts(n, path, NULL);
	(void)rk_names_load_ports(n, path, NULL);
	probe(n, data, size);
	rk_names_free(n);
	return 0;
}
