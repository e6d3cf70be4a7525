/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode/peek.h - payload hints (analyze/capture --peek, off by default):
 * the first bytes of a segment that only a client, or only a server,
 * sends.  An HTTP/RTSP/SIP request line against a status line, a TLS
 * ClientHello against a ServerHello, a PostgreSQL startup message, a
 * MongoDB message whose responseTo is zero, a RESP command array, the QR
 * bit of DNS, the mode of NTP, the op of BOOTP/DHCP, the reply flag of
 * SMB and DCE-RPC, a numbered reply line (FTP, SMTP).
 *
 * A hint is a vote about the packet's sender, weighed by the classifier
 * (classify/role.c) with the rest of the evidence: never a verdict alone.
 * Only the bytes the capture kept are read (the snap length bounds them);
 * a signature that needs more than was captured says nothing.  Pure
 * functions of their arguments, no state, no allocation: safe on the
 * reader's hot path and fuzzed (fuzz/fuzz_peek.c).
 */
#ifndef RK_DECODE_PEEK_H
#define RK_DECODE_PEEK_H

#include <stddef.h>
#include <stdint.h>

/*
 * What the payload says of its sender.  The values are the rk_rec.flags
 * bits that carry the hint (decode.h), so the reader ORs them in.
 */
enum rk_peek_hint {
	RK_PEEK_NONE = 0,      /* nothing recognised */
	RK_PEEK_CLIENT = 0x08, /* only a client sends this: RK_REC_SAYS_CLIENT */
	RK_PEEK_SERVER = 0x20, /* only a server sends this: RK_REC_SAYS_SERVER */
};

/*
 * The hint of one transport payload: proto is the IP protocol (TCP, UDP,
 * SCTP; others give NONE), sport/dport the ports in host order (some
 * signatures are too short to stand without their well-known port: DNS,
 * NTP, BOOTP), p the first len captured bytes of the payload.  O(len)
 * with a small constant; reads nothing beyond p[len - 1].
 */
enum rk_peek_hint rk_peek(uint8_t proto, uint16_t sport, uint16_t dport, const uint8_t *p,
    size_t len);

/* "client", "server" or "-", for --explain and the tests. */
const char *rk_peek_hint_name(enum rk_peek_hint h);

#endif
