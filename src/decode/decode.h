/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode/decode.h - frames in, compact records out.
 *
 * The decoder owns: the link-layer dispatch (Ethernet, SLL, SLL2, raw IP,
 * BSD null/loop, NFLOG, 802.11 with or without radiotap, FDDI, PPP, Cisco
 * HDLC), 802.2 LLC/SNAP, VLAN/QinQ, PBB (802.1ah), MPLS, PPPoE, IPv4
 * (options, fragments), IPv6 (extension headers, fragments), ICMP/ICMPv6,
 * TCP/UDP/SCTP ports and the tunnels GRE, ERSPAN I/II/III, VXLAN,
 * VXLAN-GPE, Geneve, GTP-U, Teredo, AYIYA and GRE-in-UDP, whose inner
 * conversation is analysed.  It turns one frame into one struct rk_rec (SPEC §1: the
 * paper's 17-byte record, widened for IPv6 and a timestamp) or drops it
 * under a named reason.
 *
 * Invariants:
 * - rk_decode_frame() is a function of (decoder state, bytes, len): it never
 *   reads past caplen, never allocates, never logs, never fails for input.
 * - The only state is the statistics counters and a small fixed-size table
 *   that remembers the ports of first fragments, so that later fragments
 *   (which carry no ports) are attributed to their conversation.
 * - A record is a value (48 bytes); nothing in it points into the frame.
 */
#ifndef RK_DECODE_DECODE_H
#define RK_DECODE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "util/addr.h"

/*
 * TCP flag bits as on the wire (RFC 9293 3.1), in the same bits of
 * rk_rec.flags.  PSH and URG tell nothing about roles and are not kept:
 * their bits carry the payload hint instead.
 */
#define RK_TCP_FIN 0x01
#define RK_TCP_SYN 0x02
#define RK_TCP_RST 0x04
#define RK_TCP_ACK 0x10
#define RK_TCP_KEPT (RK_TCP_FIN | RK_TCP_SYN | RK_TCP_RST | RK_TCP_ACK)
/*
 * The payload's first bytes are ones only a client (or only a server)
 * sends (decode/peek.h; set by the reader with --peek, never by the
 * decoder).  The values are enum rk_peek_hint's.
 */
#define RK_REC_SAYS_CLIENT 0x08
#define RK_REC_SAYS_SERVER 0x20
/* The packet carries transport payload (TCP/UDP/SCTP data after the header). */
#define RK_REC_PAYLOAD 0x40
/*
 * The record stands for an ICMP/ICMPv6 "destination unreachable" that quotes
 * a packet of a conversation: it is attributed to that conversation (proto
 * and ports of the quoted packet, direction reversed: from the quoted
 * destination back to the quoted source), and it counts like a TCP RST:
 * the port refused.
 */
#define RK_REC_UNREACH 0x80

/* IP protocol numbers we treat specially. */
#define RK_PROTO_ICMP 1
#define RK_PROTO_TCP 6
#define RK_PROTO_UDP 17
#define RK_PROTO_ICMPV6 58
#define RK_PROTO_SCTP 132

/*
 * The compact record: one per decoded packet, fixed size, handed on in
 * batches.  For the inner conversation of a tunnel, the inner addresses.
 */
struct rk_rec {
	uint64_t ts;              /* µs since the epoch, packet time */
	uint8_t src[RK_ADDR_LEN]; /* source address, IPv4-mapped for IPv4 */
	uint8_t dst[RK_ADDR_LEN]; /* destination address */
	uint16_t sport;           /* source port, host order; 0 without ports */
	uint16_t dport;           /* destination port, host order; 0 without ports */
	uint16_t len;             /* IP length of the packet in bytes (header+payload), capped 65535 */
	uint8_t proto;            /* IP protocol number of the innermost transport */
	uint8_t flags;            /* RK_TCP_* | RK_REC_PAYLOAD | RK_REC_UNREACH | RK_REC_SAYS_* */
};

_Static_assert(sizeof(struct rk_rec) == 48, "struct rk_rec must stay 48 bytes");

/* pcap link types we decode (values from the tcpdump.org link-type list). */
#define RK_DLT_NULL 0
#define RK_DLT_EN10MB 1
#define RK_DLT_PPP 9
#define RK_DLT_FDDI 10
#define RK_DLT_PPP_SERIAL 50 /* PPP in HDLC-like framing, or Cisco PPP */
#define RK_DLT_RAW 101 /* LINKTYPE_RAW; DLT_RAW is 12 or 14 on some systems */
#define RK_DLT_C_HDLC 104
#define RK_DLT_IEEE802_11 105
#define RK_DLT_LOOP 108
#define RK_DLT_LINUX_SLL 113
#define RK_DLT_IEEE802_11_RADIO 127 /* radiotap header, then 802.11 */
#define RK_DLT_IPV4 228
#define RK_DLT_IPV6 229
#define RK_DLT_NFLOG 239
#define RK_DLT_LINUX_SLL2 276

/*
 * Decoder counters.  X(NAME, "what it means") - OK counts records produced,
 * the rest count frames dropped (or, for the informational ones, noted) for
 * that reason.  Every drop has exactly one reason.
 */
#define RK_DECODE_STATS(X)                                                                 \
	X(OK, "frames decoded into a record")                                              \
	X(LINK_UNSUPPORTED, "frames of a link type renkei does not decode")                \
	X(NON_IP, "frames without IP (ARP, LLDP, STP, ...)")                               \
	X(ETH_SHORT, "Ethernet header truncated")                                          \
	X(VLAN_SHORT, "802.1Q/802.1ad tag truncated")                                      \
	X(VLAN_DEPTH, "more nested VLAN tags or tunnels than the cap")                     \
	X(MPLS_SHORT, "MPLS label stack truncated")                                        \
	X(MPLS_PAYLOAD, "MPLS payload neither IPv4 nor IPv6")                              \
	X(PPPOE_SHORT, "PPPoE session header truncated")                                   \
	X(PPP_NON_IP, "PPP protocol other than IPv4/IPv6")                                 \
	X(SLL_SHORT, "Linux cooked header truncated")                                      \
	X(NULL_SHORT, "BSD loopback header truncated")                                     \
	X(IPV4_SHORT, "IPv4 header truncated")                                             \
	X(IPV4_VERSION, "IPv4 version field is not 4")                                     \
	X(IPV4_BAD_HLEN, "IPv4 header length below 20 or beyond the packet")               \
	X(IPV4_BAD_TOTLEN, "IPv4 total length smaller than the header")                    \
	X(IPV6_SHORT, "IPv6 header truncated")                                             \
	X(IPV6_VERSION, "IPv6 version field is not 6")                                     \
	X(IPV6_EXT_SHORT, "IPv6 extension header truncated")                               \
	X(IPV6_EXT_DEPTH, "more IPv6 extension headers than the cap")                      \
	X(FRAG_ORPHAN, "non-first fragment whose first fragment was not seen")             \
	X(TCP_SHORT, "TCP header truncated")                                               \
	X(TCP_BAD_OFF, "TCP data offset below 5 words")                                    \
	X(UDP_SHORT, "UDP header truncated")                                               \
	X(SCTP_SHORT, "SCTP common header truncated")                                      \
	X(ICMP_SHORT, "ICMP header truncated")                                             \
	X(GRE_SHORT, "GRE header truncated")                                               \
	X(GRE_UNSUPPORTED, "GRE version or payload type not decoded")                      \
	X(ERSPAN_SHORT, "ERSPAN header truncated")                                         \
	X(VXLAN_SHORT, "VXLAN header truncated")                                           \
	X(GENEVE_SHORT, "Geneve header truncated")                                         \
	X(TUNNEL_DEPTH, "more nested tunnels than the cap")                                \
	X(GENEVE_UNSUPPORTED, "Geneve payload neither Ethernet nor IP")                    \
	X(FRAG_TUNNEL, "non-first fragment of a tunnel packet (inner flow unknown)")       \
	X(ETHERIP_SHORT, "EtherIP header truncated")                                       \
	X(GTP_SHORT, "GTP-U header or extension header truncated")                         \
	X(GTP_BAD_EXT, "GTP-U extension header of length 0")                               \
	X(GTP_PAYLOAD, "GTP-U user packet (G-PDU) neither IPv4 nor IPv6")                  \
	X(VXLAN_UNSUPPORTED, "VXLAN-GPE next protocol not decoded (NSH, ...)")             \
	X(PBB_SHORT, "802.1ah I-TAG or customer MAC header truncated")                     \
	X(LLC_SHORT, "802.2 LLC/SNAP header truncated")                                    \
	X(NFLOG_SHORT, "NFLOG header truncated or no packet payload TLV")                  \
	X(NFLOG_BAD_TLV, "NFLOG TLV length below 4")                                       \
	X(RADIOTAP_SHORT, "radiotap header truncated or its length beyond the frame")      \
	X(WLAN_SHORT, "802.11 MAC header truncated")                                       \
	X(WLAN_PROTECTED, "802.11 data frame encrypted (WEP/WPA): payload unreadable")     \
	X(WLAN_BAD_FCS, "802.11 frame that failed its FCS check (radiotap flag)")          \
	X(FDDI_SHORT, "FDDI header truncated")                                             \
	X(PPP_SHORT, "PPP header truncated")                                               \
	X(CHDLC_SHORT, "Cisco HDLC header truncated")

enum rk_decode_stat {
#define RK_X_ENUM(name, desc) RK_DSTAT_##name,
	RK_DECODE_STATS(RK_X_ENUM)
#undef RK_X_ENUM
	RK_DSTAT__COUNT
};

/* Return values of rk_decode_frame(). */
#define RK_DECODE_OK 0   /* *out holds a record */
#define RK_DECODE_DROP 1 /* frame not usable; one counter was bumped */

/* Number of first fragments whose ports are remembered (power of two). */
#define RK_FRAG_SLOTS 1024

/* One remembered first fragment: later fragments with the same key get its ports. */
struct rk_frag_slot {
	uint8_t src[RK_ADDR_LEN]; /* source address of the fragmented packet */
	uint8_t dst[RK_ADDR_LEN]; /* destination address */
	uint32_t id;              /* IPv4 ID (16 bits) or IPv6 fragment identification */
	uint8_t proto;            /* transport protocol */
	uint8_t used;             /* 1 if the slot holds an entry */
	uint8_t is_tunnel;        /* 1 if the first fragment was decoded as a UDP tunnel */
	uint16_t sport;           /* ports learned from the first fragment */
	uint16_t dport;
	uint64_t ts; /* µs, packet time of the first fragment (slots older than 60 s are stale) */
};

/* Payload of the decoded transport, for side parsers (passive DNS names). */
struct rk_payload {
	const uint8_t *data; /* borrowed: points into the frame, valid during the call only */
	size_t len;          /* bytes captured of the payload (may be less than sent) */
};

/* Decoder state: counters and the fragment table.  Caller-owned storage. */
struct rk_decoder {
	uint64_t stats[RK_DSTAT__COUNT];       /* frames per reason */
	struct rk_frag_slot frag[RK_FRAG_SLOTS]; /* first-fragment ports, hashed */
};

void rk_decoder_init(struct rk_decoder *d);
int rk_decode_frame(struct rk_decoder *d, int linktype, const uint8_t *b, size_t caplen,
    uint64_t ts, struct rk_rec *out, struct rk_payload *pl);
/* True if renkei decodes this pcap link type. */
int rk_decode_linktype_ok(int linktype);
/*
 * Frames dropped because they were malformed (truncated, bad lengths or
 * versions, too deep), as opposed to well-formed frames renkei does not
 * analyse (non-IP, unsupported link types or payloads, encrypted 802.11).
 */
uint64_t rk_decode_malformed(const uint64_t stats[RK_DSTAT__COUNT]);
/* Short name ("IPV4_SHORT") and description of a counter. */
const char *rk_decode_stat_name(enum rk_decode_stat s);
const char *rk_decode_stat_desc(enum rk_decode_stat s);

#endif /* RK_DECODE_DECODE_H */
