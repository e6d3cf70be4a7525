/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/fuzz_decode.c - libFuzzer target for the frame decoder.
 *
 * Input: one byte choosing the link type (modulo the table below), then the
 * frame.  The decoder is static, so the fragment table carries state from
 * one input to the next, as it does across frames of a capture.  Besides
 * the sanitizers, the target checks the decoder's contract: the return
 * value is OK or DROP, exactly one counter moves per frame, and the payload
 * view lies inside the frame.
 *
 * The frame is copied into a buffer of exactly its size, so that an
 * over-read by even one byte is an AddressSanitizer report.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Append only: a seed's first byte must keep choosing the same link type. */
static const int linktypes[] = {
	RK_DLT_EN10MB, RK_DLT_NULL, RK_DLT_LOOP, RK_DLT_RAW, 12, 14, RK_DLT_IPV4,
	RK_DLT_IPV6, RK_DLT_LINUX_SLL, RK_DLT_LINUX_SLL2,
	RK_DLT_IEEE802_11,       /* 10 */
	RK_DLT_IEEE802_11_RADIO, /* 11 */
	RK_DLT_NFLOG,            /* 12 */
	RK_DLT_FDDI,             /* 13 */
	RK_DLT_PPP,              /* 14 */
	RK_DLT_PPP_SERIAL,       /* 15 */
	RK_DLT_C_HDLC,           /* 16 */
	147,                     /* 17: LINKTYPE_USER0, unsupported: refused cleanly */
};

static struct rk_decoder dec;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int is_init;
	uint64_t before = 0, after = 0;
	struct rk_payload pl;
	struct rk_rec rec;
	uint8_t *frame;
	size_t i, len;
	int lt, rc;

	if (!is_init) {
		rk_decoder_init(&dec);
		is_init = 1;
	}
	if (size < 1)
		return 0;
	lt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	len = size - 1;
	frame = malloc(len ? len : 1);
	if (frame == NULL)
		return 0;
	memcpy(frame, data + 1, len);
	for (i = 0; i < RK_DSTAT__COUNT; i++)
		before += dec.stats[i];
	rc = rk_decode_frame(&dec, lt, frame, len, (uint64_t)size * 1000, &rec,
	    (data[0] & 0x80) ? NULL : &pl);
	for (i = 0; i < RK_DSTAT__COUNT; i++)
		after += dec.stats[i];
	if (rc != RK_DECODE_OK && rc != RK_DECODE_DROP)
		abort();
	if (after != before + 1)
		abort();
	if (rc == RK_DECODE_OK && !(data[0] & 0x80) && pl.len > 0 &&
	    (pl.data < frame || pl.data + pl.len > frame + len))
		abort();
	free(frame);
	return 0;
}
