/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode/test-decode.c - unit tests of the frame decoder (cmocka).
 *
 * Every frame is written here as hex text, assembled from per-header
 * fragments (string literal concatenation), so a reader can check each
 * field against the RFC.  Three kinds of test:
 * - valid frames (one per encapsulation): every record field is checked,
 *   and the payload view;
 * - frames that must be dropped, each under one named counter;
 * - truncation: every prefix of every valid frame, copied into a buffer of
 *   exactly that size (so AddressSanitizer sees any over-read), must decode
 *   or drop cleanly, bumping exactly one counter.
 * Fragments (stateful) have their own tests, tunnels in fragments too.
 *
 * Addresses: A = 10.0.0.1, B = 10.0.0.2 (inner or only conversation),
 * tunnel endpoints 192.168.0.1 -> 192.168.0.2; A6 = 2001:db8::1,
 * B6 = 2001:db8::2.  Checksums are zero: the decoder does not check them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/test-hex.h"
#include "decode/decode.h"
#include "util/addr.h"

/* ---- header fragments -------------------------------------------------- */

#define MAC12 "02 00 00 00 00 02 02 00 00 00 00 01 "
#define ETH(type) MAC12 type " "
#define ETH4 ETH("08 00")
#define ETH6 ETH("86 dd")
/* IPv4 A -> B, id 1, DF, TTL 64; tl = total length, p = protocol. */
#define IP4(tl, p) "45 00 " tl " 00 01 40 00 40 " p " 00 00 0a 00 00 01 0a 00 00 02 "
/* IPv4 tunnel endpoints 192.168.0.1 -> 192.168.0.2. */
#define OUT4(tl, p) "45 00 " tl " 00 02 00 00 40 " p " 00 00 c0 a8 00 01 c0 a8 00 02 "
#define V6A "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01 "
#define V6B "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02 "
/* IPv6 A6 -> B6; pl = payload length, nh = next header. */
#define IP6(pl, nh) "60 00 00 00 " pl " " nh " 40 " V6A V6B
/* TCP 49153 -> 80, SYN, data offset 5. */
#define TCP_SYN "c0 01 00 50 00 00 00 01 00 00 00 00 50 02 ff ff 00 00 00 00 "
/* UDP 54321 -> 53, length 16, then 8 bytes of payload. */
#define UDP_DNS "d4 31 00 35 00 10 00 00 " "12 34 01 00 00 01 00 00 "

/* A Teredo address (2001:0::/32, RFC 4380 4). */
#define V6T "20 01 00 00 41 37 9e 50 80 00 f1 2a b9 c8 28 15 "
/* 802.11: addr1..3, then sequence control (caller adds it). */
#define WLAN_ADDRS "02 00 00 00 00 02 02 00 00 00 00 01 02 00 00 00 00 03 "
/* 802.2 LLC + SNAP (RFC 1042) for IPv4. */
#define SNAP4 "aa aa 03 00 00 00 08 00 "

/* Whole inner packets, reused inside tunnels. */
#define PKT4_SYN IP4("00 28", "06") TCP_SYN            /* 40 bytes */
#define PKT6_SYN IP6("00 14", "06") TCP_SYN            /* 60 bytes */
#define FRAME4_SYN ETH4 PKT4_SYN                         /* 54 bytes */

/* ---- helpers ----------------------------------------------------------- */

#define TS 1700000000123456ull

static struct rk_decoder dec;

/*
 * Decode len bytes of b from an exactly-sized heap copy (an over-read is
 * an ASan error) and check that exactly one counter moved; *reason gets it.
 */
static int
decode(int linktype, const uint8_t *b, size_t len, uint64_t ts, struct rk_rec *r,
    struct rk_payload *pl, enum rk_decode_stat *reason)
{
	uint64_t before[RK_DSTAT__COUNT];
	uint8_t *copy = malloc(len ? len : 1);
	int rc, i, moved = 0;

	assert_non_null(copy);
	if (len > 0)
		memcpy(copy, b, len);
	memcpy(before, dec.stats, sizeof(before));
	rc = rk_decode_frame(&dec, linktype, copy, len, ts, r, pl);
	assert_true(rc == RK_DECODE_OK || rc == RK_DECODE_DROP);
	for (i = 0; i < RK_DSTAT__COUNT; i++) {
		if (dec.stats[i] != before[i]) {
			assert_int_equal(dec.stats[i], before[i] + 1);
			moved++;
			if (reason != NULL)
				*reason = (enum rk_decode_stat)i;
		}
	}
	assert_int_equal(moved, 1);
	if (rc == RK_DECODE_OK)
		assert_int_equal(dec.stats[RK_DSTAT_OK], before[RK_DSTAT_OK] + 1);
	if (pl != NULL && pl->len > 0) {
		/* The payload view must lie inside the frame; rebase it. */
		assert_true(pl->data >= copy && pl->data + pl->len <= copy + len);
		pl->data = b + (pl->data - copy);
	}
	free(copy);
	return rc;
}

static void
assert_addr(const uint8_t a[RK_ADDR_LEN], const char *want)
{
	uint8_t w[RK_ADDR_LEN];

	assert_int_equal(rk_addr_parse(want, w), 0);
	if (memcmp(a, w, RK_ADDR_LEN) != 0) {
		char got[RK_ADDR_STRLEN];

		fail_msg("address %s, want %s", rk_addr_format(a, got, sizeof(got)), want);
	}
}

static int
setup(void **state)
{
	(void)state;
	rk_decoder_init(&dec);
	return 0;
}

/* ---- valid frames ------------------------------------------------------ */

struct ok_case {
	const char *name;  /* what the frame shows */
	int linktype;      /* pcap link type */
	const char *hex;   /* the frame */
	const char *src;   /* expected record */
	const char *dst;
	uint16_t sport;
	uint16_t dport;
	uint8_t proto;
	uint8_t flags;
	uint16_t len;
	size_t pl_len;     /* expected payload view length */
};

#define A "10.0.0.1"
#define B "10.0.0.2"
#define A6 "2001:db8::1"
#define B6 "2001:db8::2"
#define T6 "2001:0:4137:9e50:8000:f12a:b9c8:2815"
/* The inner SYN A:49153 -> B:80 that every tunnel case carries. */
#define SYN4 A, B, 49153, 80, 6, RK_TCP_SYN, 40, 0
#define SYN6 A6, B6, 49153, 80, 6, RK_TCP_SYN, 60, 0

static const struct ok_case ok_cases[] = {
	/* Link layers. */
	{"eth ipv4 tcp syn", 1, FRAME4_SYN, SYN4},
	{"eth ipv4 tcp syn + padding", 1, FRAME4_SYN "00 00 00 00 00 00", SYN4},
	{"eth ipv4 tcp psh-ack data", 1,
	    ETH4 IP4("00 2d", "06") "c0 01 00 50 00 00 00 01 00 00 00 01 50 18 ff ff 00 00 00 00 "
	    "68 65 6c 6c 6f",
	    A, B, 49153, 80, 6, RK_TCP_ACK | RK_REC_PAYLOAD, 45, 5},
	{"eth ipv4 tcp fin-rst-urg options", 1,
	    ETH4 IP4("00 2c", "06") "c0 01 00 50 00 00 00 01 00 00 00 01 60 25 ff ff 00 00 00 00 "
	    "02 04 05 b4",
	    A, B, 49153, 80, 6, RK_TCP_FIN | RK_TCP_RST, 44, 0},
	{"eth ipv4 udp dns", 1, ETH4 IP4("00 24", "11") UDP_DNS,
	    A, B, 54321, 53, 17, RK_REC_PAYLOAD, 36, 8},
	{"eth ipv4 udp empty", 1, ETH4 IP4("00 1c", "11") "d4 31 00 35 00 08 00 00",
	    A, B, 54321, 53, 17, 0, 28, 0},
	{"eth ipv4 options", 1,
	    ETH4 "46 00 00 2c 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02 01 01 01 00 "
	    TCP_SYN,
	    A, B, 49153, 80, 6, RK_TCP_SYN, 44, 0},
	{"eth ipv4 tso total length 0", 1, ETH4 IP4("00 00", "06") TCP_SYN "61 62 63 64",
	    A, B, 49153, 80, 6, RK_TCP_SYN | RK_REC_PAYLOAD, 44, 4},
	{"eth ipv4 sctp", 1,
	    ETH4 IP4("00 24", "84") "0b 59 0b 5a 00 00 00 00 00 00 00 00 01 00 00 04",
	    A, B, 2905, 2906, 132, RK_REC_PAYLOAD, 36, 0},
	{"eth ipv4 ospf (no ports)", 1, ETH4 IP4("00 18", "59") "02 01 00 2c",
	    A, B, 0, 0, 89, 0, 24, 0},
	{"eth ipv4 icmp echo", 1, ETH4 IP4("00 1c", "01") "08 00 00 00 00 01 00 01",
	    A, B, 0, 0, 1, 0, 28, 0},
	{"eth ipv4 icmp unreach quoting udp", 1,
	    ETH4 IP4("00 38", "01") "03 03 00 00 00 00 00 00 "
	    "45 00 00 24 00 05 00 00 40 11 00 00 0a 00 00 02 0a 00 00 01 "
	    "00 35 d4 31 00 10 00 00",
	    A, B, 54321, 53, 17, RK_REC_UNREACH, 56, 0},
	{"eth ipv4 icmp unreach quoting tcp, 4 bytes of it", 1,
	    ETH4 IP4("00 34", "01") "03 0d 00 00 00 00 00 00 "
	    "45 00 00 28 00 05 00 00 40 06 00 00 0a 00 00 02 0a 00 00 01 "
	    "00 50 c0 01",
	    A, B, 49153, 80, 6, RK_REC_UNREACH, 52, 0},
	{"eth ipv4 icmp unreach, quote too short", 1,
	    ETH4 IP4("00 30", "01") "03 03 00 00 00 00 00 00 "
	    "45 00 00 24 00 05 00 00 40 11 00 00 0a 00 00 02 0a 00 00 01",
	    A, B, 0, 0, 1, 0, 48, 0},
	{"eth ipv4 icmp unreach quoting icmp", 1,
	    ETH4 IP4("00 38", "01") "03 03 00 00 00 00 00 00 "
	    "45 00 00 24 00 05 00 00 40 01 00 00 0a 00 00 02 0a 00 00 01 "
	    "08 00 00 00 00 01 00 01",
	    A, B, 0, 0, 1, 0, 56, 0},
	{"eth vlan", 1, ETH("81 00") "00 64 08 00 " PKT4_SYN, SYN4},
	{"eth qinq 802.1ad", 1, ETH("88 a8") "00 64 81 00 00 c8 08 00 " PKT4_SYN, SYN4},
	{"eth qinq 0x9100 triple", 1,
	    ETH("91 00") "00 64 88 a8 00 c8 81 00 01 2c 08 00 " PKT4_SYN, SYN4},
	{"eth 8 vlan tags", 1,
	    ETH("81 00") "00 01 81 00 00 02 81 00 00 03 81 00 00 04 81 00 "
	    "00 05 81 00 00 06 81 00 00 07 81 00 00 08 08 00 " PKT4_SYN,
	    SYN4},
	{"eth mpls 2 labels ipv4", 1, ETH("88 47") "00 01 00 40 00 02 01 40 " PKT4_SYN, SYN4},
	{"eth mpls multicast ipv6", 1, ETH("88 48") "00 01 01 40 " PKT6_SYN, SYN6},
	{"eth vlan mpls", 1, ETH("81 00") "00 64 88 47 00 01 01 40 " PKT4_SYN, SYN4},
	{"eth mpls pw control word eth", 1,
	    ETH("88 47") "00 01 01 40 00 00 00 00 " FRAME4_SYN, SYN4},
	{"eth pppoe ipv4", 1, ETH("88 64") "11 00 00 01 00 2a 00 21 " PKT4_SYN, SYN4},
	{"eth pppoe ipv6", 1, ETH("88 64") "11 00 00 01 00 3e 00 57 " PKT6_SYN, SYN6},
	{"eth qinq pppoe", 1,
	    ETH("88 a8") "00 64 81 00 00 c8 88 64 11 00 00 01 00 2a 00 21 " PKT4_SYN, SYN4},
	{"sll ipv4", 113, "00 00 00 01 00 06 02 00 00 00 00 01 00 00 08 00 " PKT4_SYN, SYN4},
	{"sll ipv6", 113, "00 04 00 01 00 06 02 00 00 00 00 01 00 00 86 dd " PKT6_SYN, SYN6},
	{"sll vlan", 113,
	    "00 00 00 01 00 06 02 00 00 00 00 01 00 00 81 00 00 64 08 00 " PKT4_SYN, SYN4},
	{"sll2 ipv4", 276,
	    "08 00 00 00 00 00 00 02 00 01 00 06 02 00 00 00 00 01 00 00 " PKT4_SYN, SYN4},
	{"sll2 ipv6", 276,
	    "86 dd 00 00 00 00 00 02 00 01 04 06 02 00 00 00 00 01 00 00 " PKT6_SYN, SYN6},
	{"raw 101 ipv4", 101, PKT4_SYN, SYN4},
	{"raw 101 ipv6", 101, PKT6_SYN, SYN6},
	{"raw 12 ipv4", 12, PKT4_SYN, SYN4},
	{"raw 14 ipv6", 14, PKT6_SYN, SYN6},
	{"ipv4 228", 228, PKT4_SYN, SYN4},
	{"ipv6 229", 229, PKT6_SYN, SYN6},
	{"null host-order inet", 0, "02 00 00 00 " PKT4_SYN, SYN4},
	{"null network-order inet", 0, "00 00 00 02 " PKT4_SYN, SYN4},
	{"null inet6 darwin 30", 0, "1e 00 00 00 " PKT6_SYN, SYN6},
	{"null inet6 freebsd 28", 0, "1c 00 00 00 " PKT6_SYN, SYN6},
	{"null inet6 linux 10", 0, "0a 00 00 00 " PKT6_SYN, SYN6},
	{"loop inet", 108, "00 00 00 02 " PKT4_SYN, SYN4},
	{"loop inet6 openbsd 24", 108, "00 00 00 18 " PKT6_SYN, SYN6},

	/* IPv6 and its extension headers. */
	{"eth ipv6 tcp", 1, ETH6 PKT6_SYN, SYN6},
	{"eth ipv6 udp", 1, ETH6 IP6("00 10", "11") UDP_DNS,
	    A6, B6, 54321, 53, 17, RK_REC_PAYLOAD, 56, 8},
	{"ipv6 hop-by-hop", 1, ETH6 IP6("00 1c", "00") "06 00 01 04 00 00 00 00 " TCP_SYN,
	    A6, B6, 49153, 80, 6, RK_TCP_SYN, 68, 0},
	{"ipv6 routing", 1, ETH6 IP6("00 1c", "2b") "06 00 00 00 00 00 00 00 " TCP_SYN,
	    A6, B6, 49153, 80, 6, RK_TCP_SYN, 68, 0},
	{"ipv6 destination options 16 bytes", 1,
	    ETH6 IP6("00 24", "3c") "06 01 01 0c 00 00 00 00 00 00 00 00 00 00 00 00 " TCP_SYN,
	    A6, B6, 49153, 80, 6, RK_TCP_SYN, 76, 0},
	{"ipv6 ah", 1,
	    ETH6 IP6("00 2c", "33") "06 04 00 00 00 00 01 00 00 00 00 01 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 " TCP_SYN,
	    A6, B6, 49153, 80, 6, RK_TCP_SYN, 84, 0},
	{"ipv6 hbh routing dstopts ah tcp", 1,
	    ETH6 IP6("00 44", "00") "2b 00 01 04 00 00 00 00 3c 00 00 00 00 00 00 00 "
	    "33 00 01 04 00 00 00 00 06 04 00 00 00 00 01 00 00 00 00 01 "
	    "00 00 00 00 00 00 00 00 00 00 00 00 " TCP_SYN,
	    A6, B6, 49153, 80, 6, RK_TCP_SYN, 108, 0},
	{"ipv6 atomic fragment", 1,
	    ETH6 IP6("00 1c", "2c") "06 00 00 00 00 00 00 07 " TCP_SYN,
	    A6, B6, 49153, 80, 6, RK_TCP_SYN, 68, 0},
	{"ipv6 esp", 1, ETH6 IP6("00 10", "32") "00 00 10 00 00 00 00 01 00 00 00 00 00 00 00 00",
	    A6, B6, 0, 0, 50, 0, 56, 0},
	{"ipv6 no next header, payload length 0", 1, ETH6 IP6("00 00", "3b"),
	    A6, B6, 0, 0, 59, 0, 40, 0},
	{"ipv6 icmpv6 echo", 1, ETH6 IP6("00 08", "3a") "80 00 00 00 00 01 00 01",
	    A6, B6, 0, 0, 58, 0, 48, 0},
	{"ipv6 icmpv6 unreach quoting tcp", 1,
	    ETH6 IP6("00 44", "3a") "01 04 00 00 00 00 00 00 "
	    "60 00 00 00 00 14 06 40 " V6B V6A TCP_SYN,
	    A6, B6, 80, 49153, 6, RK_REC_UNREACH, 108, 0},
	{"ipv6 icmpv6 unreach quoting dstopts udp", 1,
	    ETH6 IP6("00 40", "3a") "01 04 00 00 00 00 00 00 "
	    "60 00 00 00 00 18 3c 40 " V6B V6A "11 00 01 04 00 00 00 00 "
	    "00 35 d4 31 00 10 00 00 ",
	    A6, B6, 54321, 53, 17, RK_REC_UNREACH, 104, 0},
	{"ipv6 icmpv6 unreach quoting first fragment of tcp", 1,
	    ETH6 IP6("00 4c", "3a") "01 04 00 00 00 00 00 00 "
	    "60 00 00 00 00 1c 2c 40 " V6B V6A "06 00 00 01 00 00 00 09 " TCP_SYN,
	    A6, B6, 80, 49153, 6, RK_REC_UNREACH, 116, 0},
	{"ipv6 icmpv6 unreach quoting later fragment", 1,
	    ETH6 IP6("00 4c", "3a") "01 04 00 00 00 00 00 00 "
	    "60 00 00 00 00 1c 2c 40 " V6B V6A "06 00 00 09 00 00 00 09 " TCP_SYN,
	    A6, B6, 0, 0, 58, 0, 116, 0},

	/* IP-in-IP. */
	{"ipv4 in ipv4", 1, ETH4 OUT4("00 3c", "04") PKT4_SYN, SYN4},
	{"ipv6 in ipv4", 1, ETH4 OUT4("00 50", "29") PKT6_SYN, SYN6},
	{"ipv4 in ipv6", 1, ETH6 IP6("00 28", "04") PKT4_SYN, SYN4},
	{"etherip", 1, ETH4 OUT4("00 4c", "61") "30 00 " FRAME4_SYN, SYN4},
	{"ethernet in ipv6 (srv6 l2)", 1, ETH6 IP6("00 36", "8f") FRAME4_SYN, SYN4},

	/* GRE and ERSPAN. */
	{"gre ipv4", 1, ETH4 OUT4("00 40", "2f") "00 00 08 00 " PKT4_SYN, SYN4},
	{"gre key seq ipv4", 1,
	    ETH4 OUT4("00 48", "2f") "30 00 08 00 00 00 00 2a 00 00 00 07 " PKT4_SYN, SYN4},
	{"gre checksum ipv6", 1, ETH4 OUT4("00 58", "2f") "80 00 86 dd 00 00 00 00 " PKT6_SYN,
	    SYN6},
	{"gre teb ethernet", 1, ETH4 OUT4("00 4e", "2f") "00 00 65 58 " FRAME4_SYN, SYN4},
	{"gre mpls", 1, ETH4 OUT4("00 44", "2f") "00 00 88 47 00 01 01 40 " PKT4_SYN, SYN4},
	{"gre v1 pptp ppp ipv4", 1,
	    ETH4 OUT4("00 4c", "2f") "30 01 88 0b 00 2c 00 01 00 00 00 03 ff 03 00 21 "
	    PKT4_SYN,
	    SYN4},
	{"gre v1 pptp ack, compressed ppp", 1,
	    ETH4 OUT4("00 4d", "2f") "30 81 88 0b 00 29 00 01 00 00 00 03 00 00 00 02 21 "
	    PKT4_SYN,
	    SYN4},
	{"gre v1 pptp ppp ipv6", 1,
	    ETH4 OUT4("00 5c", "2f") "20 01 88 0b 00 40 00 01 ff 03 00 57 " PKT6_SYN, SYN6},
	{"erspan type I", 1, ETH4 OUT4("00 4e", "2f") "00 00 88 be " FRAME4_SYN, SYN4},
	{"erspan type II", 1,
	    ETH4 OUT4("00 5a", "2f") "10 00 88 be 00 00 00 01 10 64 00 01 00 00 00 05 "
	    FRAME4_SYN,
	    SYN4},
	{"erspan type III", 1,
	    ETH4 OUT4("00 5e", "2f") "10 00 22 eb 00 00 00 01 "
	    "20 64 00 01 12 34 56 78 00 00 00 00 " FRAME4_SYN,
	    SYN4},
	{"erspan type III with platform subheader", 1,
	    ETH4 OUT4("00 66", "2f") "10 00 22 eb 00 00 00 01 "
	    "20 64 00 01 12 34 56 78 00 00 00 01 "
	    "08 00 00 00 00 00 00 00 " FRAME4_SYN,
	    SYN4},
	{"erspan type III inner vlan", 1,
	    ETH4 OUT4("00 62", "2f") "10 00 22 eb 00 00 00 01 "
	    "20 64 00 01 12 34 56 78 00 00 00 00 " ETH("81 00") "00 64 08 00 " PKT4_SYN,
	    SYN4},

	/* UDP tunnels. */
	{"vxlan", 1,
	    ETH4 OUT4("00 5a", "11") "30 39 12 b5 00 46 00 00 08 00 00 00 00 00 64 00 "
	    FRAME4_SYN,
	    SYN4},
	{"vxlan inner udp payload", 1,
	    ETH4 OUT4("00 56", "11") "30 39 12 b5 00 42 00 00 08 00 00 00 00 00 64 00 "
	    ETH4 IP4("00 24", "11") UDP_DNS,
	    A, B, 54321, 53, 17, RK_REC_PAYLOAD, 36, 8},
	{"udp 4789 without vxlan I flag is udp", 1,
	    ETH4 OUT4("00 5a", "11") "30 39 12 b5 00 46 00 00 00 00 00 00 00 00 64 00 "
	    FRAME4_SYN,
	    "192.168.0.1", "192.168.0.2", 12345, 4789, 17, RK_REC_PAYLOAD, 90, 62},
	{"geneve ethernet", 1,
	    ETH4 OUT4("00 5a", "11") "30 39 17 c1 00 46 00 00 00 00 65 58 00 00 64 00 "
	    FRAME4_SYN,
	    SYN4},
	{"geneve options", 1,
	    ETH4 OUT4("00 62", "11") "30 39 17 c1 00 4e 00 00 02 00 65 58 00 00 64 00 "
	    "01 02 80 01 00 00 00 00 " FRAME4_SYN,
	    SYN4},
	{"geneve ipv4", 1,
	    ETH4 OUT4("00 4c", "11") "30 39 17 c1 00 38 00 00 00 00 08 00 00 00 64 00 "
	    PKT4_SYN,
	    SYN4},
	{"geneve ipv6", 1,
	    ETH4 OUT4("00 60", "11") "30 39 17 c1 00 4c 00 00 00 00 86 dd 00 00 64 00 "
	    PKT6_SYN,
	    SYN6},
	{"udp 6081 with geneve version 1 is udp", 1,
	    ETH4 OUT4("00 4c", "11") "30 39 17 c1 00 38 00 00 40 00 08 00 00 00 64 00 "
	    PKT4_SYN,
	    "192.168.0.1", "192.168.0.2", 12345, 6081, 17, RK_REC_PAYLOAD, 76, 48},
	{"vxlan in gre in vlan", 1,
	    ETH("81 00") "00 64 08 00 " OUT4("00 72", "2f") "00 00 08 00 "
	    OUT4("00 5a", "11") "30 39 12 b5 00 46 00 00 08 00 00 00 00 00 64 00 " FRAME4_SYN,
	    SYN4},

	/* GTP-U (UDP 2152). */
	{"gtp-u g-pdu ipv4", 1,
	    ETH4 OUT4("00 4c", "11") "08 68 08 68 00 38 00 00 " "30 ff 00 28 00 00 00 01 "
	    PKT4_SYN,
	    SYN4},
	{"gtp-u sequence + pdcp extension header, source port only", 1,
	    ETH4 OUT4("00 54", "11") "08 68 c0 02 00 40 00 00 "
	    "36 ff 00 30 00 00 00 01 00 05 00 c0 01 09 04 00 " PKT4_SYN,
	    SYN4},
	{"gtp-u two extension headers", 1,
	    ETH4 OUT4("00 5c", "11") "c0 02 08 68 00 48 00 00 "
	    "34 ff 00 38 00 00 00 01 00 00 00 85 02 10 00 00 00 00 00 c0 01 09 04 00 "
	    PKT4_SYN,
	    SYN4},
	{"gtp-u sequence ipv6", 1,
	    ETH4 OUT4("00 64", "11") "08 68 08 68 00 50 00 00 "
	    "32 ff 00 40 00 00 00 01 00 05 00 00 " PKT6_SYN,
	    SYN6},
	{"gtp echo request is udp", 1,
	    ETH4 OUT4("00 28", "11") "08 68 08 68 00 14 00 00 "
	    "32 01 00 04 00 00 00 00 00 01 00 00",
	    "192.168.0.1", "192.168.0.2", 2152, 2152, 17, RK_REC_PAYLOAD, 40, 12},

	/* Teredo (UDP 3544, and any port pair with a Teredo address). */
	{"teredo ipv6", 1, ETH4 OUT4("00 58", "11") "0d d8 c0 01 00 44 00 00 " PKT6_SYN, SYN6},
	{"teredo origin indication", 1,
	    ETH4 OUT4("00 60", "11") "0d d8 c0 01 00 4c 00 00 " "00 00 f2 27 3f 57 fe 01 "
	    PKT6_SYN,
	    SYN6},
	{"teredo authentication + origin indication", 1,
	    ETH4 OUT4("00 70", "11") "c0 01 0d d8 00 5c 00 00 "
	    "00 01 01 02 aa bb cc 11 22 33 44 55 66 77 88 00 "
	    "00 00 f2 27 3f 57 fe 01 " PKT6_SYN,
	    SYN6},
	{"teredo bubble with trailing bytes", 1,
	    ETH4 OUT4("00 48", "11") "0d d8 c0 01 00 34 00 00 " IP6("00 00", "3b") "01 02 03 04",
	    A6, B6, 0, 0, 59, 0, 40, 0},
	{"teredo client-relay on other ports", 1,
	    ETH4 OUT4("00 58", "11") "0e d5 80 84 00 44 00 00 "
	    "60 00 00 00 00 14 06 40 " V6T V6B TCP_SYN,
	    T6, B6, 49153, 80, 6, RK_TCP_SYN, 60, 0},
	{"udp 3544 not ipv6 is udp", 1,
	    ETH4 OUT4("00 20", "11") "c0 01 0d d8 00 0c 00 00 01 02 03 04",
	    "192.168.0.1", "192.168.0.2", 49153, 3544, 17, RK_REC_PAYLOAD, 32, 4},
	{"udp 3544 ipv6 length mismatch is udp", 1,
	    ETH4 OUT4("00 5c", "11") "c0 01 0d d8 00 48 00 00 " PKT6_SYN "00 00 00 00",
	    "192.168.0.1", "192.168.0.2", 49153, 3544, 17, RK_REC_PAYLOAD, 92, 64},
	{"udp ipv6-like without teredo address is udp", 1,
	    ETH4 OUT4("00 58", "11") "04 d2 04 d3 00 44 00 00 " PKT6_SYN,
	    "192.168.0.1", "192.168.0.2", 1234, 1235, 17, RK_REC_PAYLOAD, 88, 60},

	/* AYIYA (UDP 5072). */
	{"ayiya ipv6, 16-byte identity, sha1 signature", 1,
	    ETH4 OUT4("00 84", "11") "13 d0 d2 24 00 70 00 00 "
	    "41 52 11 29 4a f6 4b fd " V6A
	    "00 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11 12 13 " PKT6_SYN,
	    SYN6},
	{"ayiya ipv4, 1-byte identity", 1,
	    ETH4 OUT4("00 4d", "11") "d2 24 13 d0 00 39 00 00 " "00 00 01 04 00 00 00 00 07 "
	    PKT4_SYN,
	    SYN4},
	{"ayiya echo opcode is udp", 1,
	    ETH4 OUT4("00 29", "11") "d2 24 13 d0 00 15 00 00 " "00 00 02 29 00 00 00 00 07 "
	    "60 00 00 00",
	    "192.168.0.1", "192.168.0.2", 53796, 5072, 17, RK_REC_PAYLOAD, 41, 13},

	/* GRE-in-UDP (RFC 8086, UDP 4754). */
	{"gre in udp ipv4", 1,
	    ETH4 OUT4("00 48", "11") "c4 a7 12 92 00 34 00 00 " "00 00 08 00 " PKT4_SYN, SYN4},
	{"gre in udp key + teb", 1,
	    ETH4 OUT4("00 5a", "11") "c4 a7 12 92 00 46 00 00 " "20 00 65 58 00 00 00 07 "
	    FRAME4_SYN,
	    SYN4},
	{"udp 4754 gre version 1 is udp", 1,
	    ETH4 OUT4("00 20", "11") "c4 a7 12 92 00 0c 00 00 " "00 01 08 00",
	    "192.168.0.1", "192.168.0.2", 50343, 4754, 17, RK_REC_PAYLOAD, 32, 4},

	/* VXLAN-GPE (UDP 4790) and VXLAN from source port 4789. */
	{"vxlan-gpe ipv4", 1,
	    ETH4 OUT4("00 4c", "11") "30 39 12 b6 00 38 00 00 0c 00 00 01 00 00 64 00 "
	    PKT4_SYN,
	    SYN4},
	{"vxlan-gpe ipv6", 1,
	    ETH4 OUT4("00 60", "11") "30 39 12 b6 00 4c 00 00 0c 00 00 02 00 00 64 00 "
	    PKT6_SYN,
	    SYN6},
	{"vxlan-gpe ethernet from 4789", 1,
	    ETH4 OUT4("00 5a", "11") "12 b5 12 b6 00 46 00 00 0c 00 00 03 00 00 64 00 "
	    FRAME4_SYN,
	    SYN4},
	{"vxlan-gpe mpls", 1,
	    ETH4 OUT4("00 50", "11") "30 39 12 b6 00 3c 00 00 0c 00 00 05 00 00 64 00 "
	    "00 01 01 40 " PKT4_SYN,
	    SYN4},
	{"vxlan flags on 4790: ethernet", 1,
	    ETH4 OUT4("00 5a", "11") "30 39 12 b6 00 46 00 00 08 00 00 00 00 00 64 00 "
	    FRAME4_SYN,
	    SYN4},
	{"vxlan from source port 4789", 1,
	    ETH4 OUT4("00 5a", "11") "12 b5 c0 01 00 46 00 00 08 00 00 00 00 00 64 00 "
	    FRAME4_SYN,
	    SYN4},
	{"source port 4789, reserved bits set: udp", 1,
	    ETH4 OUT4("00 5a", "11") "12 b5 c0 01 00 46 00 00 08 00 00 00 00 00 64 01 "
	    FRAME4_SYN,
	    "192.168.0.1", "192.168.0.2", 4789, 49153, 17, RK_REC_PAYLOAD, 90, 62},

	/* PBB, 802.2 LLC/SNAP. */
	{"pbb in vlan", 1,
	    ETH("81 00") "00 64 88 e7 00 00 01 00 " ETH4 PKT4_SYN, SYN4},
	{"pbb, customer vlan", 1,
	    ETH("88 e7") "00 00 01 00 " ETH("81 00") "00 c8 08 00 " PKT4_SYN, SYN4},
	{"802.3 snap ipv4", 1, ETH("00 30") "aa aa 03 00 00 00 08 00 " PKT4_SYN, SYN4},
	{"802.3 snap ipv4 + padding", 1,
	    ETH("00 30") "aa aa 03 00 00 00 08 00 " PKT4_SYN "00 00 00 00 00 00", SYN4},
	{"vlan 802.3 snap 802.1h ipv6", 1,
	    ETH("81 00") "00 64 00 44 aa aa 03 00 00 f8 86 dd " PKT6_SYN, SYN6},
	{"sll 802.2 snap", 113,
	    "00 00 00 01 00 06 02 00 00 00 00 01 00 00 00 04 aa aa 03 00 00 00 08 00 " PKT4_SYN,
	    SYN4},

	/* NFLOG. */
	{"nflog ipv4", 239,
	    "02 00 00 2a 08 00 01 00 08 00 01 00 05 00 0a 00 41 00 00 00 2c 00 09 00 " PKT4_SYN,
	    SYN4},
	{"nflog ipv6", 239, "0a 00 00 01 40 00 09 00 " PKT6_SYN, SYN6},
	{"nflog big-endian tlvs", 239,
	    "02 00 00 2a 00 08 00 01 08 00 01 00 00 2c 00 09 " PKT4_SYN, SYN4},

	/* 802.11, radiotap. */
	{"radiotap 802.11 data to-ds", 127,
	    "00 00 08 00 00 00 00 00 " "08 01 00 00 " WLAN_ADDRS "00 00 " SNAP4 PKT4_SYN, SYN4},
	{"radiotap flags datapad, qos data", 127,
	    "00 00 09 00 02 00 00 00 20 " "88 01 00 00 " WLAN_ADDRS "00 00 00 00 00 00 "
	    SNAP4 PKT4_SYN,
	    SYN4},
	{"radiotap tsft + flags (fcs) + extended bitmap", 127,
	    "00 00 19 00 03 00 00 80 00 00 00 00 00 00 00 00 11 22 33 44 55 66 77 88 10 "
	    "08 02 00 00 " WLAN_ADDRS "00 00 " SNAP4 PKT4_SYN "de ad be ef",
	    SYN4},
	{"802.11 wds qos a-msdu", 105,
	    "88 03 00 00 " WLAN_ADDRS "00 00 02 00 00 00 00 03 80 00 " MAC12 "00 30 "
	    SNAP4 PKT4_SYN,
	    SYN4},
	{"802.11 qos + ht control", 105,
	    "88 82 00 00 " WLAN_ADDRS "00 00 00 00 00 00 00 00 " SNAP4 PKT4_SYN, SYN4},

	/* FDDI, PPP, Cisco HDLC. */
	{"fddi llc snap", 10, "50 " MAC12 SNAP4 PKT4_SYN, SYN4},
	{"fddi with 3 bytes of padding", 10, "00 00 00 51 " MAC12 SNAP4 PKT4_SYN, SYN4},
	{"ppp hdlc ipv4", 9, "ff 03 00 21 " PKT4_SYN, SYN4},
	{"ppp ipv6", 9, "00 57 " PKT6_SYN, SYN6},
	{"ppp compressed protocol", 9, "21 " PKT4_SYN, SYN4},
	{"ppp mpls", 9, "ff 03 02 81 00 01 01 40 " PKT4_SYN, SYN4},
	{"ppp serial hdlc", 50, "ff 03 00 21 " PKT4_SYN, SYN4},
	{"ppp serial cisco", 50, "0f 00 08 00 " PKT4_SYN, SYN4},
	{"cisco hdlc ipv4", 104, "0f 00 08 00 " PKT4_SYN, SYN4},
	/* Routers that label Cisco HDLC as PPP (link type 9 or 50). */
	{"ppp label, cisco hdlc ipv4", 9, "0f 00 08 00 " PKT4_SYN, SYN4},
	{"ppp serial label, cisco hdlc ipv6", 50, "8f 00 86 dd " PKT6_SYN, SYN6},
	{"cisco hdlc ipv6 broadcast", 104, "8f 00 86 dd " PKT6_SYN, SYN6},
	{"cisco hdlc mpls", 104, "0f 00 88 47 00 01 01 40 " PKT4_SYN, SYN4},
};

static void
test_ok_cases(void **state)
{
	uint8_t buf[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		const struct ok_case *c = &ok_cases[i];
		size_t len;
		struct rk_rec r;
		struct rk_payload pl;
		enum rk_decode_stat why = RK_DSTAT_OK;
		int rc;

		print_message("# %s\n", c->name);
		len = rk_test_hex(c->hex, buf, sizeof(buf));
		memset(&r, 0xa5, sizeof(r)); /* garbage: every field must be written */
		rc = decode(c->linktype, buf, len, TS + i, &r, &pl, &why);
		if (rc != RK_DECODE_OK)
			fail_msg("%s: dropped as %s", c->name, rk_decode_stat_name(why));
		assert_true(r.ts == TS + i);
		assert_addr(r.src, c->src);
		assert_addr(r.dst, c->dst);
		assert_int_equal(r.sport, c->sport);
		assert_int_equal(r.dport, c->dport);
		assert_int_equal(r.proto, c->proto);
		assert_int_equal(r.flags, c->flags);
		assert_int_equal(r.len, c->len);
		assert_int_equal(pl.len, c->pl_len);
		/* rk_decode_frame also works without a payload view. */
		assert_int_equal(decode(c->linktype, buf, len, TS, &r, NULL, NULL), RK_DECODE_OK);
	}
}

/* The payload view points at the bytes after the transport header. */
static void
test_payload_view(void **state)
{
	uint8_t buf[256];
	struct rk_rec r;
	struct rk_payload pl;
	size_t len;

	(void)state;
	len = rk_test_hex(ETH4 IP4("00 24", "11") UDP_DNS, buf, sizeof(buf));
	assert_int_equal(decode(1, buf, len, TS, &r, &pl, NULL), RK_DECODE_OK);
	assert_int_equal(pl.len, 8);
	assert_ptr_equal(pl.data, buf + 14 + 20 + 8);
	assert_int_equal(pl.data[0], 0x12);

	/* Snap length cut inside the payload: captured part only, flag by IP. */
	assert_int_equal(decode(1, buf, len - 3, TS, &r, &pl, NULL), RK_DECODE_OK);
	assert_int_equal(pl.len, 5);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);
	assert_int_equal(r.len, 36);

	/* Snap length cut after the UDP header: no captured payload, flag set. */
	assert_int_equal(decode(1, buf, 14 + 20 + 8, TS, &r, &pl, NULL), RK_DECODE_OK);
	assert_int_equal(pl.len, 0);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);

	/* TCP options cut by the snap length: ports and flags are still known. */
	len = rk_test_hex(ETH4 IP4("00 2c", "06")
	    "c0 01 00 50 00 00 00 01 00 00 00 01 60 12 ff ff 00 00 00 00 02 04 05 b4",
	    buf, sizeof(buf));
	assert_int_equal(decode(1, buf, len - 2, TS, &r, &pl, NULL), RK_DECODE_OK);
	assert_int_equal(r.flags, RK_TCP_SYN | RK_TCP_ACK);
	assert_int_equal(pl.len, 0);

	/* ICMP has no payload view. */
	len = rk_test_hex(ETH4 IP4("00 1c", "01") "08 00 00 00 00 01 00 01", buf, sizeof(buf));
	assert_int_equal(decode(1, buf, len, TS, &r, &pl, NULL), RK_DECODE_OK);
	assert_int_equal(pl.len, 0);

	/* A tunnel's outer UDP is not the payload; an inner ICMP has none. */
	len = rk_test_hex(ETH4 OUT4("00 4e", "11") "30 39 12 b5 00 3a 00 00 08 00 00 00 00 00 64 00 "
	    ETH4 IP4("00 1c", "01") "08 00 00 00 00 01 00 01",
	    buf, sizeof(buf));
	assert_int_equal(decode(1, buf, len, TS, &r, &pl, NULL), RK_DECODE_OK);
	assert_int_equal(r.proto, 1);
	assert_int_equal(pl.len, 0);
}

/* ---- drops ------------------------------------------------------------- */

struct drop_case {
	const char *name;             /* what is wrong */
	int linktype;                 /* pcap link type */
	const char *hex;              /* the frame */
	enum rk_decode_stat reason;   /* the one counter it must bump */
};

#define IPIP OUT4("00 00", "04") /* total length 0: "as captured" */
#define GREIP OUT4("00 00", "2f") "00 00 08 00 "

static const struct drop_case drop_cases[] = {
	{"unsupported link type", 147, "00 00 00 00", RK_DSTAT_LINK_UNSUPPORTED},
	{"empty ethernet", 1, "", RK_DSTAT_ETH_SHORT},
	{"short ethernet", 1, "02 00 00 00 00 02 02 00 00 00 00 01 08", RK_DSTAT_ETH_SHORT},
	{"arp", 1, ETH("08 06") "00 01 08 00 06 04 00 01 02 00 00 00 00 01 0a 00 00 01 "
	    "00 00 00 00 00 00 0a 00 00 02", RK_DSTAT_NON_IP},
	{"802.3 llc", 1, ETH("00 26") "42 42 03 00 00 00 00 00", RK_DSTAT_NON_IP},
	{"lldp", 1, ETH("88 cc") "02 07 04 00 00 00 00 00 01", RK_DSTAT_NON_IP},
	{"vlan tag cut", 1, ETH("81 00") "00 64", RK_DSTAT_VLAN_SHORT},
	{"9 vlan tags", 1,
	    ETH("81 00") "00 01 81 00 00 02 81 00 00 03 81 00 00 04 81 00 00 05 81 00 "
	    "00 06 81 00 00 07 81 00 00 08 81 00 00 09 08 00 " PKT4_SYN,
	    RK_DSTAT_VLAN_DEPTH},
	{"mpls without bottom of stack", 1, ETH("88 47") "00 01 00 40 00 02 00 40",
	    RK_DSTAT_MPLS_SHORT},
	{"mpls payload nibble 5", 1, ETH("88 47") "00 01 01 40 50 00 00 00",
	    RK_DSTAT_MPLS_PAYLOAD},
	{"pppoe cut", 1, ETH("88 64") "11 00 00 01 00 2a", RK_DSTAT_PPPOE_SHORT},
	{"pppoe lcp", 1, ETH("88 64") "11 00 00 01 00 06 c0 21 01 01 00 04",
	    RK_DSTAT_PPP_NON_IP},
	{"pppoe discovery", 1, ETH("88 63") "11 09 00 00 00 00", RK_DSTAT_NON_IP},
	{"sll cut", 113, "00 00 00 01 00 06 02 00 00 00 00 01 00 00 08", RK_DSTAT_SLL_SHORT},
	{"sll2 cut", 276, "08 00 00 00 00 00 00 02 00 01 00 06 02 00 00 00 00 01 00",
	    RK_DSTAT_SLL_SHORT},
	{"sll arp", 113, "00 00 00 01 00 06 02 00 00 00 00 01 00 00 08 06 00 01",
	    RK_DSTAT_NON_IP},
	{"null cut", 0, "02 00 00", RK_DSTAT_NULL_SHORT},
	{"null af 7", 0, "07 00 00 00 " PKT4_SYN, RK_DSTAT_NON_IP},
	{"raw empty", 101, "", RK_DSTAT_IPV4_SHORT},
	{"raw version 5", 101, "55 00 00 28 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02",
	    RK_DSTAT_IPV4_VERSION},
	{"ipv4 19 bytes", 228, "45 00 00 28 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00",
	    RK_DSTAT_IPV4_SHORT},
	{"ipv4 ihl 4", 228, "44 00 00 28 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02 "
	    TCP_SYN, RK_DSTAT_IPV4_BAD_HLEN},
	{"ipv4 ihl beyond capture", 228,
	    "4f 00 00 3c 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02 " TCP_SYN,
	    RK_DSTAT_IPV4_BAD_HLEN},
	{"ipv4 total length 19", 228,
	    "45 00 00 13 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00 02 " TCP_SYN,
	    RK_DSTAT_IPV4_BAD_TOTLEN},
	{"ipv4 total length cuts tcp", 228, IP4("00 20", "06") TCP_SYN, RK_DSTAT_TCP_SHORT},
	{"ipv6 on 228", 228, PKT6_SYN, RK_DSTAT_IPV4_VERSION},
	{"ipv4 on 229", 229, PKT4_SYN "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	    RK_DSTAT_IPV6_VERSION},
	{"ipv6 39 bytes", 229, "60 00 00 00 00 00 3b 40 " V6A
	    "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00", RK_DSTAT_IPV6_SHORT},
	{"ipv6 ext header cut", 229, IP6("00 08", "00") "06 01 00 00 00 00 00 00",
	    RK_DSTAT_IPV6_EXT_SHORT},
	{"ipv6 ext header beyond payload length", 229,
	    IP6("00 08", "3c") "06 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
	    RK_DSTAT_IPV6_EXT_SHORT},
	{"ipv6 ah cut", 229, IP6("00 10", "33") "06 04 00 00 00 00 01 00 00 00 00 01 00 00 00 00",
	    RK_DSTAT_IPV6_EXT_SHORT},
	{"ipv6 9 extension headers", 229,
	    IP6("00 5c", "3c") "3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 "
	    "3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 "
	    "3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 3c 00 01 04 00 00 00 00 "
	    "06 00 01 04 00 00 00 00 " TCP_SYN,
	    RK_DSTAT_IPV6_EXT_DEPTH},
	{"tcp data offset 4", 228,
	    IP4("00 28", "06") "c0 01 00 50 00 00 00 01 00 00 00 00 40 02 ff ff 00 00 00 00",
	    RK_DSTAT_TCP_BAD_OFF},
	{"tcp 19 bytes", 228,
	    IP4("00 27", "06") "c0 01 00 50 00 00 00 01 00 00 00 00 50 02 ff ff 00 00 00",
	    RK_DSTAT_TCP_SHORT},
	{"udp 7 bytes", 228, IP4("00 1b", "11") "d4 31 00 35 00 08 00", RK_DSTAT_UDP_SHORT},
	{"sctp 11 bytes", 228, IP4("00 1f", "84") "0b 59 0b 5a 00 00 00 00 00 00 00",
	    RK_DSTAT_SCTP_SHORT},
	{"icmp 3 bytes", 228, IP4("00 17", "01") "08 00 00", RK_DSTAT_ICMP_SHORT},
	{"gre cut", 228, OUT4("00 17", "2f") "00 00 08", RK_DSTAT_GRE_SHORT},
	{"gre key cut", 228, OUT4("00 1c", "2f") "20 00 08 00 00 00 00", RK_DSTAT_GRE_SHORT},
	{"gre version 2", 228, OUT4("00 3c", "2f") "00 02 08 00 " PKT4_SYN,
	    RK_DSTAT_GRE_UNSUPPORTED},
	{"gre routing", 228, OUT4("00 44", "2f") "c0 00 08 00 00 00 00 00 " PKT4_SYN,
	    RK_DSTAT_GRE_UNSUPPORTED},
	{"gre type 0x1234", 228, OUT4("00 3c", "2f") "00 00 12 34 " PKT4_SYN,
	    RK_DSTAT_GRE_UNSUPPORTED},
	{"gre v1 without key", 228, OUT4("00 3c", "2f") "00 01 88 0b " PKT4_SYN,
	    RK_DSTAT_GRE_UNSUPPORTED},
	{"gre v1 ppp lcp", 228, OUT4("00 20", "2f") "20 01 88 0b 00 04 00 01 ff 03 c0 21",
	    RK_DSTAT_PPP_NON_IP},
	{"erspan II cut", 228, OUT4("00 20", "2f") "10 00 88 be 00 00 00 01 10 64 00 01",
	    RK_DSTAT_ERSPAN_SHORT},
	{"erspan III subheader cut", 228,
	    OUT4("00 28", "2f") "10 00 22 eb 00 00 00 01 20 64 00 01 12 34 56 78 00 00 00 01",
	    RK_DSTAT_ERSPAN_SHORT},
	{"erspan III frame type 2", 228,
	    OUT4("00 50", "2f") "10 00 22 eb 00 00 00 01 20 64 00 01 12 34 56 78 00 00 08 00 "
	    PKT4_SYN,
	    RK_DSTAT_GRE_UNSUPPORTED},
	{"erspan II inner arp", 228,
	    OUT4("00 3a", "2f") "10 00 88 be 00 00 00 01 10 64 00 01 00 00 00 05 " ETH("08 06")
	    "00 01 08 00 06 04 00 01",
	    RK_DSTAT_NON_IP},
	{"vxlan cut", 228, OUT4("00 20", "11") "30 39 12 b5 00 0c 00 00 08 00 00 00",
	    RK_DSTAT_VXLAN_SHORT},
	{"vxlan inner ethernet cut", 228,
	    OUT4("00 26", "11") "30 39 12 b5 00 12 00 00 08 00 00 00 00 00 64 00 02 00",
	    RK_DSTAT_ETH_SHORT},
	{"geneve cut", 228, OUT4("00 20", "11") "30 39 17 c1 00 0c 00 00 00 00 65 58",
	    RK_DSTAT_GENEVE_SHORT},
	{"geneve options cut", 228,
	    OUT4("00 28", "11") "30 39 17 c1 00 14 00 00 02 00 65 58 00 00 64 00 01 02 80 01",
	    RK_DSTAT_GENEVE_SHORT},
	{"geneve type 0x1234", 228,
	    OUT4("00 28", "11") "30 39 17 c1 00 14 00 00 00 00 12 34 00 00 64 00 00 00 00 00",
	    RK_DSTAT_GENEVE_UNSUPPORTED},
	{"etherip cut", 228, OUT4("00 15", "61") "30", RK_DSTAT_ETHERIP_SHORT},
	{"9 nested ipip", 228,
	    IPIP IPIP IPIP IPIP IPIP IPIP IPIP IPIP IPIP IP4("00 28", "06") TCP_SYN,
	    RK_DSTAT_TUNNEL_DEPTH},
	{"9 nested gre", 228,
	    GREIP GREIP GREIP GREIP GREIP GREIP GREIP GREIP GREIP PKT4_SYN,
	    RK_DSTAT_TUNNEL_DEPTH},
	{"ipv4 later fragment of gre", 228,
	    "45 00 00 1c 00 07 00 10 40 2f 00 00 c0 a8 00 01 c0 a8 00 02 00 00 00 00 00 00 00 00",
	    RK_DSTAT_FRAG_TUNNEL},
	{"ipv4 orphan later fragment", 228,
	    "45 00 00 1c 77 77 00 10 40 11 00 00 0a 00 00 01 0a 00 00 02 00 00 00 00 00 00 00 00",
	    RK_DSTAT_FRAG_ORPHAN},

	/* UDP tunnels. */
	{"gtp-u header cut in the optional part", 228,
	    OUT4("00 26", "11") "08 68 08 68 00 12 00 00 32 ff 00 04 00 00 00 01 00 05",
	    RK_DSTAT_GTP_SHORT},
	{"gtp-u extension header cut", 228,
	    OUT4("00 2c", "11") "08 68 08 68 00 18 00 00 34 ff 00 0c 00 00 00 01 "
	    "00 00 00 85 02 10 00 00",
	    RK_DSTAT_GTP_SHORT},
	{"gtp-u extension header length 0", 228,
	    OUT4("00 4c", "11") "08 68 08 68 00 38 00 00 34 ff 00 2c 00 00 00 01 "
	    "00 00 00 85 00 00 00 00 " PKT4_SYN,
	    RK_DSTAT_GTP_BAD_EXT},
	{"gtp-u g-pdu without payload", 228,
	    OUT4("00 24", "11") "08 68 08 68 00 10 00 00 30 ff 00 00 00 00 00 01",
	    RK_DSTAT_GTP_SHORT},
	{"gtp-u g-pdu not ip", 228,
	    OUT4("00 28", "11") "08 68 08 68 00 14 00 00 30 ff 00 04 00 00 00 01 ff 03 c0 21",
	    RK_DSTAT_GTP_PAYLOAD},
	{"gtp-u inner ipv4 cut", 228,
	    OUT4("00 38", "11") "08 68 08 68 00 24 00 00 30 ff 00 14 00 00 00 01 "
	    "45 00 00 28 00 01 40 00 40 06 00 00 0a 00 00 01 0a 00 00",
	    RK_DSTAT_IPV4_SHORT},
	{"teredo inner tcp cut", 228,
	    OUT4("00 50", "11") "0d d8 c0 01 00 3c 00 00 " IP6("00 0c", "06")
	    "c0 01 00 50 00 00 00 01 00 00 00 00",
	    RK_DSTAT_TCP_SHORT},
	{"vxlan-gpe nsh", 228,
	    OUT4("00 2c", "11") "30 39 12 b6 00 18 00 00 0c 00 00 04 00 00 64 00 "
	    "00 00 00 00 00 00 00 00",
	    RK_DSTAT_VXLAN_UNSUPPORTED},
	{"vxlan-gpe cut", 228, OUT4("00 20", "11") "30 39 12 b6 00 0c 00 00 0c 00 00 01",
	    RK_DSTAT_VXLAN_SHORT},
	{"gre in udp cut", 228, OUT4("00 1f", "11") "c4 a7 12 92 00 0b 00 00 20 00 08",
	    RK_DSTAT_GRE_SHORT},

	/* Layer 2 and link types. */
	{"pbb cut", 1, ETH("88 e7") "00 00 01 00 " MAC12, RK_DSTAT_PBB_SHORT},
	{"pbb inner arp", 1, ETH("88 e7") "00 00 01 00 " ETH("08 06") "00 01 08 00",
	    RK_DSTAT_NON_IP},
	{"802.3 llc cut", 1, ETH("00 02") "aa aa", RK_DSTAT_LLC_SHORT},
	{"802.3 snap cut", 1, ETH("00 30") "aa aa 03 00 00", RK_DSTAT_LLC_SHORT},
	{"802.3 snap cdp oui", 1, ETH("00 30") "aa aa 03 00 00 0c 20 00 02 b4",
	    RK_DSTAT_NON_IP},
	{"802.3 snap ethertype is a length", 1, ETH("00 30") "aa aa 03 00 00 00 00 30 aa aa",
	    RK_DSTAT_NON_IP},
	{"802.3 snap arp", 1, ETH("00 30") "aa aa 03 00 00 00 08 06 00 01",
	    RK_DSTAT_NON_IP},
	{"sll 802.2 stp", 113, "00 00 00 01 00 06 02 00 00 00 00 01 00 00 00 04 42 42 03 00",
	    RK_DSTAT_NON_IP},
	{"sll can (protocol 0x000c) is no 802.3 length", 113,
	    "00 00 00 01 01 18 00 00 00 00 00 00 00 00 00 0c 00 00 00 00",
	    RK_DSTAT_NON_IP},
	{"nflog cut", 239, "02 00 00", RK_DSTAT_NFLOG_SHORT},
	{"nflog without payload tlv", 239, "02 00 00 2a 08 00 01 00 08 00 01 00",
	    RK_DSTAT_NFLOG_SHORT},
	{"nflog tlv length 2", 239, "02 00 00 2a 02 00 09 00 45 00 00 00", RK_DSTAT_NFLOG_BAD_TLV},
	{"nflog family 7", 239, "07 00 00 2a 2c 00 09 00 " PKT4_SYN, RK_DSTAT_NON_IP},
	{"nflog payload tlv beyond padding", 239, "02 00 00 2a 05 00 01 00 41 00 00",
	    RK_DSTAT_NFLOG_SHORT},
	{"radiotap cut", 127, "00 00 08 00 00 00", RK_DSTAT_RADIOTAP_SHORT},
	{"radiotap length beyond frame", 127, "00 00 40 00 00 00 00 00 08 01",
	    RK_DSTAT_RADIOTAP_SHORT},
	{"radiotap version 1", 127, "01 00 08 00 00 00 00 00 08 01", RK_DSTAT_RADIOTAP_SHORT},
	{"radiotap bitmaps beyond length", 127, "00 00 0c 00 00 00 00 80 00 00 00 80 00 00",
	    RK_DSTAT_RADIOTAP_SHORT},
	{"radiotap flags beyond length", 127, "00 00 08 00 02 00 00 00 08 01",
	    RK_DSTAT_RADIOTAP_SHORT},
	{"radiotap bad fcs", 127,
	    "00 00 09 00 02 00 00 00 40 08 01 00 00 " WLAN_ADDRS "00 00 " SNAP4 PKT4_SYN,
	    RK_DSTAT_WLAN_BAD_FCS},
	{"802.11 beacon", 105, "80 00 00 00 ff ff ff ff ff ff 02 00 00 00 00 01", RK_DSTAT_NON_IP},
	{"802.11 null data", 105, "48 01 00 00 " WLAN_ADDRS "00 00", RK_DSTAT_NON_IP},
	{"802.11 protected data", 105, "08 41 00 00 " WLAN_ADDRS "00 00 01 00 00 20 00 00 00 00",
	    RK_DSTAT_WLAN_PROTECTED},
	{"802.11 later fragment", 105, "08 01 00 00 " WLAN_ADDRS "01 00 " PKT4_SYN,
	    RK_DSTAT_NON_IP},
	{"802.11 header cut", 105, "08 01 00 00 " WLAN_ADDRS, RK_DSTAT_WLAN_SHORT},
	{"802.11 one byte", 105, "08", RK_DSTAT_WLAN_SHORT},
	{"802.11 a-msdu subframe cut", 105, "88 00 00 00 " WLAN_ADDRS "00 00 80 00 " MAC12,
	    RK_DSTAT_WLAN_SHORT},
	{"802.11 llc cut", 105, "08 01 00 00 " WLAN_ADDRS "00 00 aa aa", RK_DSTAT_LLC_SHORT},
	{"fddi cut", 10, "50 02 00 00 00 00 02", RK_DSTAT_FDDI_SHORT},
	{"fddi without llc", 10, "50 " MAC12, RK_DSTAT_LLC_SHORT},
	{"fddi padded cut", 10, "00 00 00 50 02 00 00 00 00 02 02 00 00 00", RK_DSTAT_FDDI_SHORT},
	{"fddi smt", 10, "41 " MAC12 "01 02 03 04", RK_DSTAT_NON_IP},
	{"ppp empty", 9, "", RK_DSTAT_PPP_SHORT},
	{"ppp hdlc cut", 9, "ff 03 00", RK_DSTAT_PPP_SHORT},
	{"ppp lcp", 9, "ff 03 c0 21 01 01 00 04", RK_DSTAT_PPP_NON_IP},
	{"cisco hdlc cut", 104, "0f 00 08", RK_DSTAT_CHDLC_SHORT},
	{"cisco hdlc slarp", 104, "8f 00 80 35 00 00 00 00", RK_DSTAT_NON_IP},
	{"ppp serial cisco cut", 50, "0f 00", RK_DSTAT_CHDLC_SHORT},
};

static void
test_drop_cases(void **state)
{
	uint8_t buf[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(drop_cases) / sizeof(drop_cases[0]); i++) {
		const struct drop_case *c = &drop_cases[i];
		size_t len;
		struct rk_rec r;
		struct rk_payload pl;
		enum rk_decode_stat why = RK_DSTAT_OK;
		int rc;

		print_message("# %s\n", c->name);
		len = rk_test_hex(c->hex, buf, sizeof(buf));
		rc = decode(c->linktype, buf, len, TS, &r, &pl, &why);
		if (rc != RK_DECODE_DROP || why != c->reason)
			fail_msg("%s: got rc %d %s, want drop %s", c->name, rc,
			    rk_decode_stat_name(why), rk_decode_stat_name(c->reason));
	}
}

/* Eight nested tunnels are allowed: the cap is exact. */
static void
test_tunnel_depth_cap(void **state)
{
	uint8_t buf[512];
	struct rk_rec r;
	size_t len;

	(void)state;
	len = rk_test_hex(IPIP IPIP IPIP IPIP IPIP IPIP IPIP IPIP IP4("00 28", "06") TCP_SYN, buf,
	    sizeof(buf));
	assert_int_equal(decode(228, buf, len, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_addr(r.src, A);
	assert_int_equal(r.dport, 80);
}

/* ---- fragments --------------------------------------------------------- */

#define FRAG4_FIRST \
	"45 00 00 24 ab cd 20 00 40 11 00 00 0a 00 00 01 0a 00 00 02 " \
	"d4 31 00 35 00 18 00 00 01 02 03 04 05 06 07 08"
#define FRAG4_LATER \
	"45 00 00 1c ab cd 00 02 40 11 00 00 0a 00 00 01 0a 00 00 02 " \
	"09 0a 0b 0c 0d 0e 0f 10"

static void
test_ipv4_fragments(void **state)
{
	uint8_t first[128], later[128];
	size_t n1, n2;
	struct rk_rec r;
	struct rk_payload pl;
	enum rk_decode_stat why;

	(void)state;
	n1 = rk_test_hex(ETH4 FRAG4_FIRST, first, sizeof(first));
	n2 = rk_test_hex(ETH4 FRAG4_LATER, later, sizeof(later));

	/* Later fragment before its first: orphan. */
	assert_int_equal(decode(1, later, n2, TS, &r, &pl, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_ORPHAN);

	/* First fragment: an ordinary record (its ports are in it). */
	assert_int_equal(decode(1, first, n1, TS, &r, &pl, NULL), RK_DECODE_OK);
	assert_addr(r.src, A);
	assert_addr(r.dst, B);
	assert_int_equal(r.sport, 54321);
	assert_int_equal(r.dport, 53);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);
	assert_int_equal(r.len, 36);

	/* Later fragment: the first fragment's ports. */
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(decode(1, later, n2, TS + 1, &r, &pl, NULL), RK_DECODE_OK);
	assert_true(r.ts == TS + 1);
	assert_addr(r.src, A);
	assert_addr(r.dst, B);
	assert_int_equal(r.sport, 54321);
	assert_int_equal(r.dport, 53);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);
	assert_int_equal(r.len, 28);
	assert_int_equal(pl.len, 0);

	/* Other id, other protocol, other destination: orphans. */
	later[14 + 5] ^= 1;
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_ORPHAN);
	later[14 + 5] ^= 1;
	later[14 + 9] = 6;
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_ORPHAN);
	later[14 + 9] = 17;
	later[14 + 19] = 3;
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_ORPHAN);
	later[14 + 19] = 2;

	/* Entries older than 60 s are stale. */
	assert_int_equal(decode(1, later, n2, TS + 61000000, &r, NULL, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_ORPHAN);
	assert_int_equal(decode(1, later, n2, TS + 59000000, &r, NULL, NULL), RK_DECODE_OK);

	/* TCP: the first fragment's ports, no TCP flags on later fragments. */
	n1 = rk_test_hex(ETH4 "45 00 00 28 00 0a 20 00 40 06 00 00 0a 00 00 01 0a 00 00 02 " TCP_SYN,
	    first, sizeof(first));
	n2 = rk_test_hex(ETH4 "45 00 00 1c 00 0a 00 05 40 06 00 00 0a 00 00 01 0a 00 00 02 "
	    "00 00 00 00 00 00 00 00", later, sizeof(later));
	assert_int_equal(decode(1, first, n1, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_int_equal(r.flags, RK_TCP_SYN);
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_int_equal(r.proto, 6);
	assert_int_equal(r.sport, 49153);
	assert_int_equal(r.dport, 80);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);

	/* SCTP likewise. */
	n1 = rk_test_hex(ETH4 "45 00 00 24 00 0b 20 00 40 84 00 00 0a 00 00 01 0a 00 00 02 "
	    "0b 59 0b 5a 00 00 00 00 00 00 00 00 00 00 00 10", first, sizeof(first));
	n2 = rk_test_hex(ETH4 "45 00 00 1c 00 0b 00 02 40 84 00 00 0a 00 00 01 0a 00 00 02 "
	    "00 00 00 00 00 00 00 00", later, sizeof(later));
	assert_int_equal(decode(1, first, n1, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_int_equal(r.proto, 132);
	assert_int_equal(r.sport, 2905);
	assert_int_equal(r.dport, 2906);

	/* A later ICMP fragment needs no ports. */
	n2 = rk_test_hex(ETH4 "45 00 00 1c 00 09 00 02 40 01 00 00 0a 00 00 01 0a 00 00 02 "
	    "00 00 00 00 00 00 00 00", later, sizeof(later));
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_int_equal(r.proto, 1);
	assert_int_equal(r.sport, 0);
	assert_int_equal(r.dport, 0);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);
	assert_int_equal(r.len, 28);
}

static void
test_ipv6_fragments(void **state)
{
	uint8_t first[128], later[128];
	size_t n1, n2;
	struct rk_rec r;
	enum rk_decode_stat why;

	(void)state;
	n1 = rk_test_hex(ETH6 IP6("00 18", "2c") "11 00 00 01 de ad be ef "
	    "d4 31 00 35 00 18 00 00 01 02 03 04 05 06 07 08", first, sizeof(first));
	n2 = rk_test_hex(ETH6 IP6("00 10", "2c") "11 00 00 08 de ad be ef "
	    "09 0a 0b 0c 0d 0e 0f 10", later, sizeof(later));

	assert_int_equal(decode(1, later, n2, TS, &r, NULL, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_ORPHAN);

	assert_int_equal(decode(1, first, n1, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_addr(r.src, A6);
	assert_addr(r.dst, B6);
	assert_int_equal(r.sport, 54321);
	assert_int_equal(r.dport, 53);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);
	assert_int_equal(r.len, 64);

	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_true(r.ts == TS);
	assert_addr(r.src, A6);
	assert_addr(r.dst, B6);
	assert_int_equal(r.sport, 54321);
	assert_int_equal(r.dport, 53);
	assert_int_equal(r.proto, 17);
	assert_int_equal(r.flags, RK_REC_PAYLOAD);
	assert_int_equal(r.len, 56);

	/* The 32-bit identification must match in full. */
	later[14 + 40 + 4] ^= 0x80;
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_ORPHAN);
}

/*
 * A fragmented UDP tunnel packet: the first fragment gives the inner
 * record, later fragments are FRAG_TUNNEL (not UDP between the tunnel
 * endpoints); a fragmented non-tunnel packet to the same port keeps its ports.
 */
static void
test_tunnel_fragments(void **state)
{
	uint8_t first[160], later[64];
	size_t n1, n2;
	struct rk_rec r;
	enum rk_decode_stat why;

	(void)state;
	n1 = rk_test_hex(ETH4 "45 00 00 4c 00 2a 20 00 40 11 00 00 c0 a8 00 01 c0 a8 00 02 "
	    "08 68 08 68 00 50 00 00 30 ff 00 30 00 00 00 01 " PKT4_SYN, first, sizeof(first));
	n2 = rk_test_hex(ETH4 "45 00 00 1c 00 2a 00 07 40 11 00 00 c0 a8 00 01 c0 a8 00 02 "
	    "01 02 03 04 05 06 07 08", later, sizeof(later));
	assert_int_equal(decode(1, first, n1, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_addr(r.src, A);
	assert_int_equal(r.dport, 80);
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, &why), RK_DECODE_DROP);
	assert_int_equal(why, RK_DSTAT_FRAG_TUNNEL);

	/* GTP echo request (not a G-PDU): ordinary UDP, fragments keep ports. */
	n1 = rk_test_hex(ETH4 "45 00 00 30 00 2b 20 00 40 11 00 00 c0 a8 00 01 c0 a8 00 02 "
	    "08 68 08 68 00 20 00 00 32 01 00 04 00 00 00 00 00 01 00 00 00 00 00 00",
	    first, sizeof(first));
	later[14 + 5] = 0x2b;
	assert_int_equal(decode(1, first, n1, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_int_equal(r.proto, 17);
	assert_int_equal(decode(1, later, n2, TS, &r, NULL, NULL), RK_DECODE_OK);
	assert_addr(r.src, "192.168.0.1");
	assert_int_equal(r.sport, 2152);
	assert_int_equal(r.dport, 2152);
}

/* ---- truncation -------------------------------------------------------- */

/* Every prefix of every valid frame decodes or drops, one counter each. */
static void
test_every_prefix(void **state)
{
	uint8_t buf[512];
	size_t i, n, len;

	(void)state;
	for (i = 0; i < sizeof(ok_cases) / sizeof(ok_cases[0]); i++) {
		len = rk_test_hex(ok_cases[i].hex, buf, sizeof(buf));
		for (n = 0; n <= len; n++) {
			struct rk_rec r;
			struct rk_payload pl;

			(void)decode(ok_cases[i].linktype, buf, n, TS, &r, &pl, NULL);
		}
		/* And under every other link type, as garbage. */
		for (n = 0; n <= len; n += 7) {
			static const int lts[] = {0, 1, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113,
			    127, 228, 229, 239, 276};
			size_t k;
			struct rk_rec r;

			for (k = 0; k < sizeof(lts) / sizeof(lts[0]); k++)
				(void)decode(lts[k], buf, n, TS, &r, NULL, NULL);
		}
	}
	for (i = 0; i < sizeof(drop_cases) / sizeof(drop_cases[0]); i++) {
		len = rk_test_hex(drop_cases[i].hex, buf, sizeof(buf));
		for (n = 0; n <= len; n++) {
			struct rk_rec r;

			(void)decode(drop_cases[i].linktype, buf, n, TS, &r, NULL, NULL);
		}
	}
}

/* ---- misc -------------------------------------------------------------- */

static void
test_linktypes_and_names(void **state)
{
	static const int yes[] = {0, 1, 9, 10, 12, 14, 50, 101, 104, 105, 108, 113, 127, 228,
	    229, 239, 276};
	static const int no[] = {-1, 2, 147, 192, 65535};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(rk_decode_linktype_ok(yes[i]));
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(rk_decode_linktype_ok(no[i]));
	assert_string_equal(rk_decode_stat_name(RK_DSTAT_OK), "OK");
	assert_string_equal(rk_decode_stat_name(RK_DSTAT_IPV4_SHORT), "IPV4_SHORT");
	assert_string_equal(rk_decode_stat_name(RK_DSTAT__COUNT), "?");
	assert_string_equal(rk_decode_stat_desc(RK_DSTAT__COUNT), "?");
	for (i = 0; i < RK_DSTAT__COUNT; i++) {
		assert_true(strlen(rk_decode_stat_name((enum rk_decode_stat)i)) > 1);
		assert_true(strlen(rk_decode_stat_desc((enum rk_decode_stat)i)) > 1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ok_cases, setup),
		cmocka_unit_test_setup(test_payload_view, setup),
		cmocka_unit_test_setup(test_drop_cases, setup),
		cmocka_unit_test_setup(test_tunnel_depth_cap, setup),
		cmocka_unit_test_setup(test_ipv4_fragments, setup),
		cmocka_unit_test_setup(test_ipv6_fragments, setup),
		cmocka_unit_test_setup(test_tunnel_fragments, setup),
		cmocka_unit_test_setup(test_every_prefix, setup),
		cmocka_unit_test_setup(test_linktypes_and_names, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
