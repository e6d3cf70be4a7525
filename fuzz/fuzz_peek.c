/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * fuzz/fuzz_peek.c - libFuzzer target for the payload hints (decode/peek.c).
 *
 * Input layout: byte 0 selects the transport (low two bits: 0 TCP, 1 UDP,
 * 2 SCTP, 3 the byte itself as an IP protocol, never one of those three),
 * bytes 1..2 the source port and 3..4 the destination port (big-endian),
 * the rest is the payload.  An input shorter than five bytes is an empty
 * TCP payload.  The payload is copied into a heap buffer of exactly its
 * size (none, NULL, when it is empty), so AddressSanitizer sees any read
 * past its end.
 *
 * Invariants checked: no read past len (ASan), no undefined behaviour
 * (UBSan), the hint is one of the three values and has a name, and the
 * same input gives the same hint (no hidden state).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/peek.h"
#include "util/bytes.h"

#define PREFIX_LEN 5 /* transport selector and two ports */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The IP protocol that selector byte s stands for. */
static uint8_t
pick_proto(uint8_t s)
{
	switch (s & 3) {
	case 0:
		return 6; /* TCP */
	case 1:
		return 17; /* UDP */
	case 2:
		return 132; /* SCTP */
	default:
		return s; /* 3 mod 4: never 6, 17 or 132 */
	}
}

/*
 * libFuzzer entry: peek at the payload of data (layout above).  Always
 * returns 0 (libFuzzer's "keep going"); aborts on a broken invariant.
 * data is borrowed.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t proto = 6, *p = NULL;
	uint16_t sport = 0, dport = 0;
	size_t len = 0;
	enum rk_peek_hint h;

	if (size >= PREFIX_LEN) {
		proto = pick_proto(data[0]);
		sport = rk_be16(data + 1);
		dport = rk_be16(data + 3);
		len = size - PREFIX_LEN;
		if (len > 0) {
			if ((p = malloc(len)) == NULL)
				return 0;
			memcpy(p, data + PREFIX_LEN, len);
		}
	}
	h = rk_peek(proto, sport, dport, p, len);
	if (h != RK_PEEK_NONE && h != RK_PEEK_CLIENT && h != RK_PEEK_SERVER)
		abort();
	if (rk_peek_hint_name(h) == NULL || rk_peek(proto, sport, dport, p, len) != h)
		abort();
	free(p);
	return 0;
}
