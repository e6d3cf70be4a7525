/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/fuzz_pcapfile.c - libFuzzer target for capture files.
 *
 * The input bytes are a capture file.  They go, with no temporary file,
 * through both readers renkei has:
 *   1. the memory-mapped pcap/pcapng reader (rk_capture_open_mem), every
 *      frame dispatched in small batches, with a BPF filter for odd-sized
 *      inputs so the per-link-type programs are exercised as well;
 *   2. libpcap itself, through fmemopen() + pcap_fopen_offline
 *      (rk_capture_open_fp), every frame dispatched.
 * The callback touches the first and last byte of every frame, so a frame
 * pointing outside its record is caught by ASan.  Invariants checked: no
 * crash, no leak, a source that fails says why, and no frame is longer
 * than 128 MiB (the largest caplen libpcap allows, for LINKTYPE_DBUS).
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Isrc
 *        fuzz/fuzz_pcapfile.c src/capture/capture_*.c src/util/\*.c -lpcap
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
touch(void *user, const struct rk_frame *f)
{
	uint32_t *sum = user;

	if (f->caplen > 128u * 1024 * 1024)
		abort();
	if (f->caplen > 0)
		*sum += f->data[0] + f->data[f->caplen - 1];
	*sum += (uint32_t)f->ts + (uint32_t)f->linktype;
}

/* Dispatch everything; a source must end with 0 or a message. */
static void
run(struct rk_capture *c, int max, uint32_t *sum)
{
	struct rk_err err;
	int rc;

	err.code = 0;
	err.msg[0] = '\0';
	while ((rc = rk_capture_dispatch(c, max, touch, sum, &err)) > 0)
		continue;
	if (rc < 0 && err.msg[0] == '\0')
		abort();
	rk_capture_free(c);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rk_capture *c;
	struct rk_err err;
	uint32_t sum = 0;
	FILE *fp;

	if (rk_capture_open_mem(&c, data, size, "fuzz", (size & 1) ? "tcp or udp" : NULL,
	    &err) == 0)
		run(c, 7, &sum);

	if (size == 0)
		return 0;
	fp = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (fp == NULL)
		return 0;
	if (rk_capture_open_fp(&c, fp, "fuzz", NULL, &err) == 0)
		run(c, 64, &sum);
	return 0;
}
