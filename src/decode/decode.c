/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * decode/decode.c - one captured frame in, one struct rk_rec out (or a drop).
 *
 * Pipeline position: capture -> [decode] -> session.  The capture loop calls
 * rk_decode_frame() once per frame; the record it fills is copied into a
 * batch, the payload view (if asked for) is read by side parsers (passive
 * DNS) before the next frame.
 *
 * Shape: a recursive descent over the layers, one static function per
 * layer, each of which checks the length of its header before reading it,
 * validates in a fixed order and dispatches on its next-protocol field:
 *
 *   link (eth, sll, sll2, null/loop, raw, nflog, ppp, chdlc,
 *         radiotap -> 802.11 -> llc, fddi -> llc)
 *     -> l2type (802.1Q/802.1ad/QinQ tags, depth-capped; 802.3 length -> llc)
 *          -> llc (802.2 LLC/SNAP -> l2type)
 *          -> pbb (802.1ah I-TAG + customer MACs -> l2type)
 *          -> mpls (label stack -> IPv4 | IPv6 | PW control word + eth)
 *          -> pppoe (PPP -> IPv4 | IPv6)
 *          -> ipv4 | ipv6 (extension headers, fragments)
 *               -> l4: tcp | udp (-> udp_tunnel: vxlan | vxlan-gpe | geneve
 *                                   | gtp-u | teredo | ayiya | gre-in-udp)
 *                      | sctp | icmp
 *                      | ipip/6in4 | gre (-> erspan I/II/III, eth, mpls, ppp)
 *                      | etherip | ethernet-in-IPv6 (SRv6) (-> eth)
 *
 * UDP tunnels are recognised by port and then by a header that validates
 * (see udp_tunnel()); what does not validate is ordinary UDP to that port.
 * Every tunnel port lies in [PORT_TUN_MIN, PORT_TUN_MAX], so the common UDP
 * packet pays two compares to learn it is not one, plus a look at the
 * version nibble of its payload (Teredo between client and relay uses any
 * port); TCP pays nothing.
 *
 * Every step that re-enters the stack from the top (a tunnel) goes through
 * tunnel_enter(), which caps the total nesting: the recursion is bounded by
 * RK_DECODE_MAX_TUNNELS, every other loop (VLAN tags, MPLS labels, IPv6
 * extension headers, GTP-U extension headers, NFLOG TLVs) is iterative and
 * bounded by the frame length or a cap.  PBB and LLC/SNAP re-enter the
 * ethertype dispatch, so they count as a tunnel level too.
 *
 * Invariants:
 * - Nothing is read before the length check that covers it; "avail" is
 *   always the number of captured bytes that belong to the current layer
 *   (bounded by the enclosing IP length, so Ethernet padding is never
 *   parsed as payload).  Fields are read only through rk_be16/rk_be32.
 * - Every drop bumps exactly one counter, at the place that detects it
 *   (drop()), and returns RK_DECODE_DROP all the way up; a success bumps
 *   RK_DSTAT_OK once, in rk_decode_frame().
 * - The record is written layer by layer: each IP layer writes addresses
 *   and length, the transport writes proto, ports and flags.  An inner IP
 *   layer (tunnel) simply overwrites what the outer one wrote, so the record
 *   describes the innermost conversation.  Every success path writes every
 *   field, so the caller need not clear the record (no memset per frame).
 * - No allocation, no I/O, no globals: the only state is *d (counters and
 *   the first-fragment table), owned by the caller.
 *
 * Fragments: only the first fragment carries the transport header.  When a
 * first fragment (offset 0, more-fragments set) of a TCP/UDP/SCTP packet is
 * decoded, its ports are remembered under (src, dst, id, proto) in a fixed,
 * direct-mapped table (a collision overwrites: the table is a cache, not a
 * reassembler).  A later fragment is looked up there; found (and younger
 * than RK_FRAG_MAX_AGE_US) it gets a record with those ports, otherwise it
 * is dropped as FRAG_ORPHAN.  Later fragments of protocols without ports
 * (ICMP, ESP, ...) need no lookup: they get a record with ports 0.  Later
 * fragments of IP-in-IP and GRE packets are dropped as FRAG_TUNNEL: they
 * hold inner bytes, but the inner conversation is known only from the first
 * fragment, and an outer record would invent a conversation between tunnel
 * endpoints (an ERSPAN source and its collector) that no other packet shows.
 * A first fragment of a UDP packet that was decoded as a tunnel (VXLAN,
 * GTP-U, ...) marks its slot, so that its later fragments are dropped as
 * FRAG_TUNNEL too, rather than becoming plain UDP between tunnel endpoints.
 *
 * Design choice: one file.  The layers call each other in a cycle (tunnels)
 * and are small; keeping them static in one translation unit lets the
 * compiler inline the hot chain eth -> ipv4 -> tcp without LTO.
 */
#include <string.h>

#include "decode/decode.h"
#include "util/addr.h"
#include "util/bytes.h"

/* Caps (drops beyond them are counted, never silent). */
#define RK_DECODE_MAX_VLAN 8      /* VLAN tags in one Ethernet header */
#define RK_DECODE_MAX_TUNNELS 8   /* nested tunnels in one frame */
#define RK_DECODE_MAX_IPV6_EXT 8  /* IPv6 extension headers in one packet */
#define RK_FRAG_MAX_AGE_US 60000000u /* first-fragment entries older than 60 s are stale */

/*
 * Keeps a rare path out of its inlined caller: udp_tunnel() inlined into
 * udp() cost every UDP frame ~8 instructions (callgrind, 200k frames).
 */
#if defined(__GNUC__) || defined(__clang__)
#define RK_DECODE_NOINLINE __attribute__((noinline))
#else
#define RK_DECODE_NOINLINE
#endif

/* Ethertypes (IEEE 802 numbers, RFC 7042). */
#define ET_IPV4 0x0800
#define ET_IPV6 0x86dd
#define ET_8021Q 0x8100
#define ET_8021AD 0x88a8
#define ET_QINQ 0x9100
#define ET_MPLS_UC 0x8847
#define ET_MPLS_MC 0x8848
#define ET_PPPOE_SESS 0x8864
#define ET_TEB 0x6558    /* transparent Ethernet bridging (GRE, Geneve) */
#define ET_ERSPAN2 0x88be /* ERSPAN type I/II */
#define ET_ERSPAN3 0x22eb
#define ET_PPP 0x880b /* PPP over GRE version 1 (PPTP, RFC 2637) */
#define ET_PBB 0x88e7 /* 802.1ah provider backbone bridging I-TAG */
#define ET_MAX_8023_LEN 1500 /* values up to this are 802.3 lengths, not types */

/* PPP protocol numbers (RFC 1661, 1332, 5072). */
#define PPP_IPV4 0x0021
#define PPP_IPV6 0x0057
#define PPP_MPLS_UC 0x0281
#define PPP_MPLS_MC 0x0283

#define PORT_GTPU 2152      /* 3GPP TS 29.281 */
#define PORT_TEREDO 3544    /* RFC 4380 */
#define PORT_GRE_UDP 4754   /* RFC 8086 */
#define PORT_VXLAN 4789     /* RFC 7348 */
#define PORT_VXLAN_GPE 4790 /* draft-ietf-nvo3-vxlan-gpe */
#define PORT_AYIYA 5072     /* draft-massar-v6ops-ayiya */
#define PORT_GENEVE 6081    /* RFC 8926 */
/* Every UDP tunnel port lies in this range (one range test per port in udp()). */
#define PORT_TUN_MIN PORT_GTPU
#define PORT_TUN_MAX PORT_GENEVE

/* Per-frame state on the stack of rk_decode_frame(). */
struct rk_dctx {
	struct rk_decoder *d;   /* counters and fragment table */
	struct rk_rec *out;     /* the record being written */
	struct rk_payload *pl;  /* OUT: payload view, or NULL */
	unsigned n_tunnels;     /* tunnels entered so far */
	int has_frag_first;     /* the current IP packet is a first fragment */
	uint32_t frag_id;       /* its identification, valid with has_frag_first */
	uint64_t ts;            /* µs, packet time */
};

static int ipv4(struct rk_dctx *c, const uint8_t *b, size_t len);
static int ipv6(struct rk_dctx *c, const uint8_t *b, size_t len);
static int eth(struct rk_dctx *c, const uint8_t *b, size_t len);
static int l2type(struct rk_dctx *c, uint16_t type, const uint8_t *b, size_t len, int is_8023);
static int gre(struct rk_dctx *c, const uint8_t *b, size_t len);
static int mpls(struct rk_dctx *c, const uint8_t *b, size_t len);

static inline int
drop(struct rk_dctx *c, enum rk_decode_stat s)
{
	c->d->stats[s]++;
	return RK_DECODE_DROP;
}

/* Count one more tunnel level; nonzero (after counting the drop) if over the cap. */
static inline int
tunnel_enter(struct rk_dctx *c)
{
	if (rk_unlikely(++c->n_tunnels > RK_DECODE_MAX_TUNNELS)) {
		drop(c, RK_DSTAT_TUNNEL_DEPTH);
		return 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* Fragment table                                                      */
/* ------------------------------------------------------------------ */

static inline uint32_t
frag_hash(const uint8_t *src, const uint8_t *dst, uint32_t id, uint8_t proto)
{
	uint32_t h = (id ^ (uint32_t)proto << 24) * 0x9e3779b1u;
	int i;

	/* Addresses are 16 bytes; IPv4-mapped ones differ only in the last 4. */
	for (i = 12; i >= 0; i -= 4) {
		h = (h ^ rk_be32(src + i)) * 0x85ebca6bu;
		h = (h ^ rk_be32(dst + i)) * 0xc2b2ae35u;
	}
	h ^= h >> 16;
	return h & (RK_FRAG_SLOTS - 1);
}

/*
 * Remember the ports of a first fragment (addresses are those in c->out).
 * Returns the slot, so that a UDP tunnel can mark it (is_tunnel).
 */
static struct rk_frag_slot *
frag_remember(struct rk_dctx *c, uint8_t proto, uint16_t sport, uint16_t dport)
{
	struct rk_frag_slot *s;

	s = &c->d->frag[frag_hash(c->out->src, c->out->dst, c->frag_id, proto)];
	memcpy(s->src, c->out->src, RK_ADDR_LEN);
	memcpy(s->dst, c->out->dst, RK_ADDR_LEN);
	s->id = c->frag_id;
	s->proto = proto;
	s->used = 1;
	s->is_tunnel = 0;
	s->sport = sport;
	s->dport = dport;
	s->ts = c->ts;
	c->has_frag_first = 0;
	return s;
}

/*
 * A non-first fragment: addresses and len are in c->out already.  Fill the
 * rest of the record from the first fragment's entry, or drop as orphan.
 * iplen is the fragment's data length by the IP header.
 */
static int
frag_later(struct rk_dctx *c, uint8_t proto, uint32_t id, size_t iplen)
{
	const struct rk_frag_slot *s;
	struct rk_rec *r = c->out;

	if (proto == 4 || proto == 41 || proto == 47 || proto == 97 || proto == 143)
		return drop(c, RK_DSTAT_FRAG_TUNNEL);
	r->proto = proto;
	r->flags = iplen > 0 ? RK_REC_PAYLOAD : 0;
	if (proto != RK_PROTO_TCP && proto != RK_PROTO_UDP && proto != RK_PROTO_SCTP) {
		r->sport = 0;
		r->dport = 0;
		return RK_DECODE_OK;
	}
	s = &c->d->frag[frag_hash(r->src, r->dst, id, proto)];
	if (!s->used || s->id != id || s->proto != proto ||
	    memcmp(s->src, r->src, RK_ADDR_LEN) != 0 ||
	    memcmp(s->dst, r->dst, RK_ADDR_LEN) != 0 ||
	    (c->ts > s->ts && c->ts - s->ts > RK_FRAG_MAX_AGE_US))
		return drop(c, RK_DSTAT_FRAG_ORPHAN);
	if (s->is_tunnel)
		return drop(c, RK_DSTAT_FRAG_TUNNEL);
	r->sport = s->sport;
	r->dport = s->dport;
	return RK_DECODE_OK;
}

/* ------------------------------------------------------------------ */
/* Transports                                                          */
/* ------------------------------------------------------------------ */

static inline void
set_payload(struct rk_dctx *c, const uint8_t *b, size_t hlen, size_t avail)
{
	if (c->pl != NULL && avail > hlen) {
		c->pl->data = b + hlen;
		c->pl->len = avail - hlen;
	}
}

/*
 * TCP (RFC 9293 3.1): the 20-byte fixed header must be captured; options
 * may be cut by a small snap length (only ports and flags are needed).
 * Order: length, data offset >= 5.
 */
static inline int
tcp(struct rk_dctx *c, const uint8_t *b, size_t avail, size_t iplen)
{
	struct rk_rec *r = c->out;
	size_t doff;

	if (rk_unlikely(avail < 20))
		return drop(c, RK_DSTAT_TCP_SHORT);
	doff = (size_t)(b[12] >> 4) * 4;
	if (rk_unlikely(doff < 20))
		return drop(c, RK_DSTAT_TCP_BAD_OFF);
	r->proto = RK_PROTO_TCP;
	r->sport = rk_be16(b);
	r->dport = rk_be16(b + 2);
	r->flags = (uint8_t)((b[13] & RK_TCP_KEPT) | (iplen > doff ? RK_REC_PAYLOAD : 0));
	if (c->has_frag_first)
		(void)frag_remember(c, RK_PROTO_TCP, r->sport, r->dport);
	set_payload(c, b, doff, avail);
	return RK_DECODE_OK;
}

/*
 * VXLAN (RFC 7348 5): 8 bytes, flags byte with the I bit (0x08), then an
 * Ethernet frame.  b points at the VXLAN header, len > 0 bytes captured.
 * The caller has entered the tunnel.
 */
static int
vxlan(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	if (len < 8)
		return drop(c, RK_DSTAT_VXLAN_SHORT);
	return eth(c, b + 8, len - 8);
}

/*
 * VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe 3.2): flags R R Ver(2) I P B O,
 * reserved(16), next protocol(8), VNI(24), reserved(8).  With P the next
 * protocol says what follows (1 IPv4, 2 IPv6, 3 Ethernet, 5 MPLS; 4 NSH is
 * not decoded); without P it is plain VXLAN: Ethernet.
 */
static int
vxlan_gpe(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	if (len < 8)
		return drop(c, RK_DSTAT_VXLAN_SHORT);
	if (!(b[0] & 0x04))
		return eth(c, b + 8, len - 8);
	switch (b[3]) {
	case 1:
		return ipv4(c, b + 8, len - 8);
	case 2:
		return ipv6(c, b + 8, len - 8);
	case 3:
		return eth(c, b + 8, len - 8);
	case 5:
		return mpls(c, b + 8, len - 8);
	default:
		return drop(c, RK_DSTAT_VXLAN_UNSUPPORTED);
	}
}

/*
 * Geneve (RFC 8926 3.4): ver(2) optlen(6) | O C rsvd | protocol type(16) |
 * VNI(24) rsvd(8), then optlen * 4 bytes of options, then the payload.
 */
static int
geneve(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	size_t hlen;

	if (len < 8)
		return drop(c, RK_DSTAT_GENEVE_SHORT);
	hlen = 8 + (size_t)(b[0] & 0x3f) * 4;
	if (len < hlen)
		return drop(c, RK_DSTAT_GENEVE_SHORT);
	switch (rk_be16(b + 2)) {
	case ET_TEB:
		return eth(c, b + hlen, len - hlen);
	case ET_IPV4:
		return ipv4(c, b + hlen, len - hlen);
	case ET_IPV6:
		return ipv6(c, b + hlen, len - hlen);
	default:
		return drop(c, RK_DSTAT_GENEVE_UNSUPPORTED);
	}
}

/*
 * GTP-U G-PDU (3GPP TS 29.281 5.1, 5.2).  Mandatory 8 bytes: flags
 * (version 3 bits, PT, spare, E, S, PN), message type (255 = G-PDU),
 * length, TEID.  If any of E/S/PN is set, 4 more bytes: sequence number,
 * N-PDU number, next extension header type.  Extension headers (5.2.1):
 * a length byte in 4-byte units (covering the whole header, the length byte
 * and the trailing next-type byte included), content, next type; type 0
 * ends the chain.  The user packet is IPv4 or IPv6 by its version nibble.
 * The walk is bounded by len: every extension header is >= 4 bytes.
 */
static int
gtpu(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	size_t off = 8, el;
	uint8_t next;

	if (b[0] & 0x07) {
		if (len < 12)
			return drop(c, RK_DSTAT_GTP_SHORT);
		next = b[11];
		off = 12;
		while (next != 0) {
			if (len - off < 1)
				return drop(c, RK_DSTAT_GTP_SHORT);
			el = (size_t)b[off] * 4;
			if (el == 0)
				return drop(c, RK_DSTAT_GTP_BAD_EXT);
			if (len - off < el)
				return drop(c, RK_DSTAT_GTP_SHORT);
			next = b[off + el - 1];
			off += el;
		}
	}
	if (len - off < 1)
		return drop(c, RK_DSTAT_GTP_SHORT);
	switch (b[off] >> 4) {
	case 4:
		return ipv4(c, b + off, len - off);
	case 6:
		return ipv6(c, b + off, len - off);
	default:
		return drop(c, RK_DSTAT_GTP_PAYLOAD);
	}
}

/*
 * Teredo (RFC 4380 5.1.1): an optional authentication indicator (0x0001,
 * ID-len, AU-len, client identifier, authentication value, 8-byte nonce,
 * confirmation byte), an optional origin indication (0x0000, port,
 * address: 8 bytes), then an IPv6 packet.  Teredo has no header of its own,
 * so it is accepted only if the IPv6 header is captured, says version 6,
 * and its payload length fills the UDP payload (ulen bytes, by the IP
 * length) exactly; a bubble (next header 59) may be followed by bytes some
 * clients append.  Returns the offset of the IPv6 header, or -1: not Teredo.
 */
static long
teredo_off(const uint8_t *b, size_t avail, size_t ulen)
{
	size_t off = 0, ilen;

	if (avail >= 4 && b[0] == 0x00 && b[1] == 0x01)
		off = 13 + (size_t)b[2] + b[3];
	if (avail >= off + 2 && b[off] == 0x00 && b[off + 1] == 0x00)
		off += 8;
	if (avail < off + 40 || (b[off] >> 4) != 6)
		return -1;
	ilen = (size_t)rk_be16(b + off + 4) + 40;
	if (ilen != ulen - off && (b[off + 6] != 59 || ilen > ulen - off))
		return -1;
	return (long)off;
}

/*
 * Teredo between a client and a relay runs on any port pair (RFC 4380
 * 5.2.1, 5.4.1), without the 3544 of the server.  Accepted there only as a
 * bare IPv6 packet that fills the UDP payload exactly and has a Teredo
 * address (2001:0::/32, RFC 4380 4) at one end.  b: UDP payload.
 */
static inline int
is_teredo_any_port(const uint8_t *b, size_t avail, size_t ulen)
{
	return avail >= 40 && (size_t)rk_be16(b + 4) + 40 == ulen &&
	    ((rk_be32(b + 8) == 0x20010000u) || rk_be32(b + 24) == 0x20010000u);
}

/*
 * AYIYA (draft-massar-v6ops-ayiya 4): identity length (2^n bytes) and type,
 * signature length (4-byte words) and hash method, authentication method
 * and opcode, next header, 4-byte epoch, identity, signature, payload.
 * Accepted only for opcode 1 (forward) with next header 4 or 41 and a
 * captured payload of that IP version.  Returns the header length, or 0:
 * not AYIYA.
 */
static size_t
ayiya_len(const uint8_t *b, size_t avail)
{
	size_t hlen;

	if (avail < 8 || (b[2] & 0x0f) != 1 || (b[3] != 4 && b[3] != 41))
		return 0;
	hlen = 8 + ((size_t)1 << (b[0] >> 4)) + (size_t)(b[1] >> 4) * 4;
	if (avail <= hlen || (b[hlen] >> 4) != (b[3] == 4 ? 4 : 6))
		return 0;
	return hlen;
}

/*
 * A UDP packet to or from a tunnel port (b: the UDP payload, avail > 0
 * bytes captured, ulen bytes by the IP length).  Each tunnel is decoded only
 * when its header validates; the checks, in order:
 *   dst 4789     VXLAN: I flag
 *   dst 4790     VXLAN-GPE: I flag, version 0
 *   dst 6081     Geneve: version 0
 *   dst 4754     GRE-in-UDP (RFC 8086 3): GRE version 0, R and reserved0 clear
 *   either 2152  GTP-U: version 1, PT 1, message type 255 (G-PDU); other
 *                messages (echo, error indication) are the nodes' own UDP
 *   either 3544  Teredo: a consistent IPv6 header (teredo_off())
 *   either 5072  AYIYA: forward opcode, IP payload (ayiya_len())
 *   src 4789     VXLAN from a sender that uses 4789 as its source port too:
 *                exact flags 0x08 and zero reserved bytes
 * Returns -1 (not a tunnel: the caller goes on with ordinary UDP) or the
 * decoder's result.  On a tunnel, the first-fragment slot fs (may be NULL)
 * is marked, so that later fragments are not taken for outer UDP.
 */
static RK_DECODE_NOINLINE int
udp_tunnel(struct rk_dctx *c, const uint8_t *b, size_t avail, size_t ulen, uint16_t sport,
    uint16_t dport, struct rk_frag_slot *fs)
{
	int (*dec)(struct rk_dctx *, const uint8_t *, size_t);
	size_t off = 0;
	long toff;

	if (dport == PORT_VXLAN && (b[0] & 0x08)) {
		dec = vxlan;
	} else if (dport == PORT_VXLAN_GPE && (b[0] & 0x38) == 0x08) {
		dec = vxlan_gpe;
	} else if (dport == PORT_GENEVE && (b[0] >> 6) == 0) {
		dec = geneve;
	} else if (dport == PORT_GRE_UDP && avail >= 2 && (rk_be16(b) & 0x4ff7) == 0) {
		if (fs != NULL)
			fs->is_tunnel = 1;
		return gre(c, b, avail); /* gre() enters the tunnel itself */
	} else if ((sport == PORT_GTPU || dport == PORT_GTPU) && avail >= 8 &&
	    (b[0] & 0xf0) == 0x30 && b[1] == 0xff) {
		dec = gtpu;
	} else if ((sport == PORT_TEREDO || dport == PORT_TEREDO) &&
	    (toff = teredo_off(b, avail, ulen)) >= 0) {
		off = (size_t)toff;
		/* A bubble's trailing bytes are not part of the IPv6 packet. */
		if (avail - off > (size_t)rk_be16(b + off + 4) + 40)
			avail = off + rk_be16(b + off + 4) + 40;
		dec = ipv6;
	} else if ((sport == PORT_AYIYA || dport == PORT_AYIYA) &&
	    (off = ayiya_len(b, avail)) != 0) {
		dec = b[3] == 4 ? ipv4 : ipv6;
	} else if (sport == PORT_VXLAN && dport != PORT_VXLAN && avail >= 8 && b[0] == 0x08 &&
	    b[1] == 0 && b[2] == 0 && b[3] == 0 && b[7] == 0) {
		dec = vxlan;
	} else {
		return -1;
	}
	if (fs != NULL)
		fs->is_tunnel = 1;
	if (tunnel_enter(c))
		return RK_DECODE_DROP;
	return dec(c, b + off, avail - off);
}

/* True if a UDP port may be a tunnel's: one subtraction and compare. */
static inline int
maybe_tunnel_port(uint16_t port)
{
	return (unsigned)port - PORT_TUN_MIN <= PORT_TUN_MAX - PORT_TUN_MIN;
}

/*
 * UDP (RFC 768): 8-byte header.  A port in the tunnel range sends the
 * payload to udp_tunnel(), which decodes it if a tunnel header validates;
 * a payload that starts like IPv6 may be Teredo on any port
 * (is_teredo_any_port()); anything else is ordinary UDP.
 */
static inline int
udp(struct rk_dctx *c, const uint8_t *b, size_t avail, size_t iplen)
{
	struct rk_rec *r = c->out;
	struct rk_frag_slot *fs = NULL;
	uint16_t sport, dport;
	int rc;

	if (rk_unlikely(avail < 8))
		return drop(c, RK_DSTAT_UDP_SHORT);
	sport = rk_be16(b);
	dport = rk_be16(b + 2);
	if (c->has_frag_first)
		fs = frag_remember(c, RK_PROTO_UDP, sport, dport);
	if (rk_unlikely(maybe_tunnel_port(dport) || maybe_tunnel_port(sport)) && avail > 8) {
		rc = udp_tunnel(c, b + 8, avail - 8, iplen > 8 ? iplen - 8 : 0, sport, dport, fs);
		if (rc >= 0)
			return rc;
	}
	if (rk_unlikely(avail > 8 && (b[8] >> 4) == 6) &&
	    is_teredo_any_port(b + 8, avail - 8, iplen - 8)) {
		if (fs != NULL)
			fs->is_tunnel = 1;
		if (tunnel_enter(c))
			return RK_DECODE_DROP;
		return ipv6(c, b + 8, avail - 8);
	}
	r->proto = RK_PROTO_UDP;
	r->sport = sport;
	r->dport = dport;
	r->flags = iplen > 8 ? RK_REC_PAYLOAD : 0;
	set_payload(c, b, 8, avail);
	return RK_DECODE_OK;
}

/* SCTP (RFC 9260 3.1): 12-byte common header, ports first. */
static inline int
sctp(struct rk_dctx *c, const uint8_t *b, size_t avail, size_t iplen)
{
	struct rk_rec *r = c->out;

	if (avail < 12)
		return drop(c, RK_DSTAT_SCTP_SHORT);
	r->proto = RK_PROTO_SCTP;
	r->sport = rk_be16(b);
	r->dport = rk_be16(b + 2);
	r->flags = iplen > 12 ? RK_REC_PAYLOAD : 0;
	if (c->has_frag_first)
		(void)frag_remember(c, RK_PROTO_SCTP, r->sport, r->dport);
	return RK_DECODE_OK;
}

static inline int
has_ports(uint8_t proto)
{
	return proto == RK_PROTO_TCP || proto == RK_PROTO_UDP || proto == RK_PROTO_SCTP;
}

/*
 * ICMP (RFC 792) and ICMPv6 (RFC 4443 2.1): type, code, checksum.  A
 * destination unreachable (ICMPv4 type 3, ICMPv6 type 1) quotes, after its
 * 8-byte header, the IP header and the first bytes of the packet that was
 * refused; if that is a (first-fragment) TCP/UDP/SCTP packet with its ports
 * captured, the record is attributed to the quoted conversation, reversed.
 * Otherwise it is a plain ICMP record with ports 0.
 */
static int
icmp(struct rk_dctx *c, uint8_t proto, const uint8_t *b, size_t avail)
{
	struct rk_rec *r = c->out;
	const uint8_t *q;
	size_t qlen, qhl;

	if (avail < 4)
		return drop(c, RK_DSTAT_ICMP_SHORT);
	r->proto = proto;
	r->sport = 0;
	r->dport = 0;
	r->flags = 0;
	if (avail < 8)
		return RK_DECODE_OK;
	q = b + 8;
	qlen = avail - 8;
	if (proto == RK_PROTO_ICMP && b[0] == 3) {
		/* Quoted IPv4: version, IHL, first fragment, ports captured. */
		if (qlen < 20 || (q[0] >> 4) != 4)
			return RK_DECODE_OK;
		qhl = (size_t)(q[0] & 0x0f) * 4;
		if (qhl < 20 || qlen < qhl + 4 || (rk_be16(q + 6) & 0x1fff) != 0 ||
		    !has_ports(q[9]))
			return RK_DECODE_OK;
		r->proto = q[9];
		rk_addr_from_v4(r->src, q + 16);
		rk_addr_from_v4(r->dst, q + 12);
		r->sport = rk_be16(q + qhl + 2);
		r->dport = rk_be16(q + qhl);
		r->flags = RK_REC_UNREACH;
	} else if (proto == RK_PROTO_ICMPV6 && b[0] == 1) {
		/*
		 * Quoted IPv6: version, then up to RK_DECODE_MAX_IPV6_EXT
		 * hop-by-hop/routing/destination/first-fragment headers, then
		 * the ports, all captured.
		 */
		uint8_t nh;
		unsigned n;

		if (qlen < 40 || (q[0] >> 4) != 6)
			return RK_DECODE_OK;
		nh = q[6];
		qhl = 40;
		for (n = 0; n < RK_DECODE_MAX_IPV6_EXT && !has_ports(nh); n++) {
			if (qlen - qhl < 8)
				return RK_DECODE_OK;
			if (nh == 0 || nh == 43 || nh == 60) {
				nh = q[qhl];
				qhl += ((size_t)q[qhl + 1] + 1) * 8;
			} else if (nh == 44 && (rk_be16(q + qhl + 2) & 0xfff8) == 0) {
				nh = q[qhl];
				qhl += 8;
			} else {
				return RK_DECODE_OK;
			}
			if (qhl > qlen)
				return RK_DECODE_OK;
		}
		if (!has_ports(nh) || qlen - qhl < 4)
			return RK_DECODE_OK;
		r->proto = nh;
		memcpy(r->src, q + 24, RK_ADDR_LEN);
		memcpy(r->dst, q + 8, RK_ADDR_LEN);
		r->sport = rk_be16(q + qhl + 2);
		r->dport = rk_be16(q + qhl);
		r->flags = RK_REC_UNREACH;
	}
	return RK_DECODE_OK;
}

/*
 * PPP inside GRE version 1 (RFC 2637 4.1) or as a link type (DLT_PPP,
 * RFC 1662 3.1): optional address/control (ff 03), then a 1- or 2-byte
 * protocol field (RFC 1661 6.5: an odd first byte is a compressed 1-byte
 * protocol), then IPv4, IPv6 or MPLS (RFC 3032 4.3).  short_reason is the
 * counter for a truncated header (GRE_SHORT inside GRE, else PPP_SHORT).
 */
static int
ppp(struct rk_dctx *c, const uint8_t *b, size_t len, enum rk_decode_stat short_reason)
{
	uint16_t proto;

	if (len >= 2 && b[0] == 0xff && b[1] == 0x03) {
		b += 2;
		len -= 2;
	}
	if (len < 1)
		return drop(c, short_reason);
	if (b[0] & 1) {
		proto = b[0];
		b += 1;
		len -= 1;
	} else {
		if (len < 2)
			return drop(c, short_reason);
		proto = rk_be16(b);
		b += 2;
		len -= 2;
	}
	switch (proto) {
	case PPP_IPV4:
		return ipv4(c, b, len);
	case PPP_IPV6:
		return ipv6(c, b, len);
	case PPP_MPLS_UC:
	case PPP_MPLS_MC:
		return mpls(c, b, len);
	default:
		return drop(c, RK_DSTAT_PPP_NON_IP);
	}
}

/*
 * GRE (RFC 2784, RFC 2890 key/sequence, RFC 2637 version 1).
 * Version 0: C|R|K|S|s|recur / flags / ver, protocol type; checksum+offset
 * if C (or R), key if K, sequence if S.  Source routing (R) is not decoded.
 * Version 1 (PPTP): K must be set (payload length + call ID), S and A
 * (acknowledgement) optional, protocol 0x880b PPP.
 * Payloads: IPv4, IPv6, Ethernet (0x6558), MPLS, ERSPAN I/II (0x88be;
 * type I has no sequence number and no ERSPAN header), ERSPAN III (0x22eb:
 * 12 bytes, +8 with the O bit), PPP (version 1 only).
 */
static int
gre(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	uint16_t fl, type;
	size_t hlen;

	if (len < 4)
		return drop(c, RK_DSTAT_GRE_SHORT);
	fl = rk_be16(b);
	type = rk_be16(b + 2);
	switch (fl & 0x0007) {
	case 0:
		if (fl & 0x4000)
			return drop(c, RK_DSTAT_GRE_UNSUPPORTED);
		hlen = 4 + ((fl & 0x8000) ? 4 : 0) + ((fl & 0x2000) ? 4 : 0) +
		    ((fl & 0x1000) ? 4 : 0);
		break;
	case 1:
		if (type != ET_PPP || !(fl & 0x2000))
			return drop(c, RK_DSTAT_GRE_UNSUPPORTED);
		hlen = 8 + ((fl & 0x1000) ? 4 : 0) + ((fl & 0x0080) ? 4 : 0);
		break;
	default:
		return drop(c, RK_DSTAT_GRE_UNSUPPORTED);
	}
	if (len < hlen)
		return drop(c, RK_DSTAT_GRE_SHORT);
	b += hlen;
	len -= hlen;
	if (tunnel_enter(c))
		return RK_DECODE_DROP;
	switch (type) {
	case ET_IPV4:
		return ipv4(c, b, len);
	case ET_IPV6:
		return ipv6(c, b, len);
	case ET_TEB:
		return eth(c, b, len);
	case ET_MPLS_UC:
	case ET_MPLS_MC:
		return mpls(c, b, len);
	case ET_PPP:
		return ppp(c, b, len, RK_DSTAT_GRE_SHORT);
	case ET_ERSPAN2:
		if (!(fl & 0x1000))
			return eth(c, b, len); /* type I: Ethernet follows GRE */
		/* Type II: ver(4) vlan(12) cos en t session(10) rsvd(12) index(20). */
		if (len < 8)
			return drop(c, RK_DSTAT_ERSPAN_SHORT);
		return eth(c, b + 8, len - 8);
	case ET_ERSPAN3:
		/*
		 * Type III: ver vlan | cos bso t session | timestamp |
		 * sgt p ft(5) hw d gra o; +8 bytes platform-specific if O.
		 */
		if (len < 12)
			return drop(c, RK_DSTAT_ERSPAN_SHORT);
		hlen = (b[11] & 0x01) ? 20 : 12;
		if (len < hlen)
			return drop(c, RK_DSTAT_ERSPAN_SHORT);
		if (((b[10] >> 2) & 0x1f) != 0) /* frame type 0 = Ethernet */
			return drop(c, RK_DSTAT_GRE_UNSUPPORTED);
		return eth(c, b + hlen, len - hlen);
	default:
		return drop(c, RK_DSTAT_GRE_UNSUPPORTED);
	}
}

/*
 * The transport (or tunnel) above an IP header.  avail is the number of
 * captured bytes of it (bounded by the IP length), iplen its length as the
 * IP header states it (may exceed avail under a snap length).
 */
static inline int
l4(struct rk_dctx *c, uint8_t proto, const uint8_t *b, size_t avail, size_t iplen)
{
	struct rk_rec *r;

	switch (proto) {
	case RK_PROTO_TCP:
		return tcp(c, b, avail, iplen);
	case RK_PROTO_UDP:
		return udp(c, b, avail, iplen);
	case RK_PROTO_ICMP:
	case RK_PROTO_ICMPV6:
		return icmp(c, proto, b, avail);
	case RK_PROTO_SCTP:
		return sctp(c, b, avail, iplen);
	case 4: /* IPv4 in IP (RFC 2003) */
		if (tunnel_enter(c))
			return RK_DECODE_DROP;
		return ipv4(c, b, avail);
	case 41: /* IPv6 in IP (RFC 4213) */
		if (tunnel_enter(c))
			return RK_DECODE_DROP;
		return ipv6(c, b, avail);
	case 47:
		return gre(c, b, avail);
	case 97: /* EtherIP (RFC 3378 3): version 3 in the high nibble, then Ethernet */
		if (avail < 2)
			return drop(c, RK_DSTAT_ETHERIP_SHORT);
		if (tunnel_enter(c))
			return RK_DECODE_DROP;
		return eth(c, b + 2, avail - 2);
	case 143: /* Ethernet in IPv6 (RFC 8986 10.1, SRv6 L2 services) */
		if (tunnel_enter(c))
			return RK_DECODE_DROP;
		return eth(c, b, avail);
	default:
		r = c->out;
		r->proto = proto;
		r->sport = 0;
		r->dport = 0;
		r->flags = 0;
		return RK_DECODE_OK;
	}
}

/* ------------------------------------------------------------------ */
/* IP                                                                  */
/* ------------------------------------------------------------------ */

/*
 * IPv4 (RFC 791 3.1).  Order: 20 bytes captured, version 4, IHL >= 5,
 * header captured, total length >= header (0 = TSO: use the captured
 * length).  Options are skipped.  Fragments: see the file comment.
 */
static int
ipv4(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	struct rk_rec *r = c->out;
	size_t hlen, tot, avail;
	uint16_t fo;

	if (rk_unlikely(len < 20))
		return drop(c, RK_DSTAT_IPV4_SHORT);
	if (rk_unlikely((b[0] >> 4) != 4))
		return drop(c, RK_DSTAT_IPV4_VERSION);
	hlen = (size_t)(b[0] & 0x0f) * 4;
	if (rk_unlikely(hlen < 20 || hlen > len))
		return drop(c, RK_DSTAT_IPV4_BAD_HLEN);
	tot = rk_be16(b + 2);
	if (tot == 0)
		tot = len > 65535 ? 65535 : len;
	else if (rk_unlikely(tot < hlen))
		return drop(c, RK_DSTAT_IPV4_BAD_TOTLEN);
	avail = tot < len ? tot : len;
	r->len = (uint16_t)tot;
	rk_addr_from_v4(r->src, b + 12);
	rk_addr_from_v4(r->dst, b + 16);
	c->has_frag_first = 0;
	fo = rk_be16(b + 6);
	if (rk_unlikely((fo & 0x3fff) != 0)) {
		if ((fo & 0x1fff) != 0)
			return frag_later(c, b[9], rk_be16(b + 4), tot - hlen);
		c->has_frag_first = 1; /* offset 0, MF set */
		c->frag_id = rk_be16(b + 4);
	}
	return l4(c, b[9], b + hlen, avail - hlen, tot - hlen);
}

/*
 * IPv6 (RFC 8200 3, 4).  Order: 40 bytes captured, version 6; payload
 * length 0 (jumbogram, TSO) means "use the captured length".  Extension
 * headers are walked up to RK_DECODE_MAX_IPV6_EXT: hop-by-hop, routing,
 * destination options, mobility, HIP, shim6 (length in 8-byte units + 1),
 * AH (RFC 4302 2.2: 4-byte units + 2), fragment (8 bytes).  ESP (encrypted)
 * and no-next-header end the walk with a portless record.
 */
static int
ipv6(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	struct rk_rec *r = c->out;
	size_t tot, avail, off, hl;
	uint8_t nh;
	unsigned n;
	uint16_t fo;

	if (rk_unlikely(len < 40))
		return drop(c, RK_DSTAT_IPV6_SHORT);
	if (rk_unlikely((b[0] >> 4) != 6))
		return drop(c, RK_DSTAT_IPV6_VERSION);
	tot = rk_be16(b + 4);
	tot = tot != 0 ? tot + 40 : len;
	avail = tot < len ? tot : len;
	r->len = (uint16_t)(tot > 65535 ? 65535 : tot);
	memcpy(r->src, b + 8, RK_ADDR_LEN);
	memcpy(r->dst, b + 24, RK_ADDR_LEN);
	c->has_frag_first = 0;
	nh = b[6];
	off = 40;
	for (n = 0;; n++) {
		switch (nh) {
		case 0:   /* hop-by-hop options */
		case 43:  /* routing */
		case 60:  /* destination options */
		case 135: /* mobility */
		case 139: /* HIP */
		case 140: /* shim6 */
			if (avail - off < 8)
				return drop(c, RK_DSTAT_IPV6_EXT_SHORT);
			hl = ((size_t)b[off + 1] + 1) * 8;
			break;
		case 51: /* AH */
			if (avail - off < 12)
				return drop(c, RK_DSTAT_IPV6_EXT_SHORT);
			hl = ((size_t)b[off + 1] + 2) * 4;
			break;
		case 44: /* fragment: nh rsvd offset(13) res(2) M | identification */
			if (avail - off < 8)
				return drop(c, RK_DSTAT_IPV6_EXT_SHORT);
			hl = 8;
			fo = rk_be16(b + off + 2);
			if ((fo & 0xfff8) != 0) {
				if (n >= RK_DECODE_MAX_IPV6_EXT)
					return drop(c, RK_DSTAT_IPV6_EXT_DEPTH);
				return frag_later(c, b[off], rk_be32(b + off + 4),
				    tot > off + 8 ? tot - off - 8 : 0);
			}
			if (fo & 1) {
				c->has_frag_first = 1;
				c->frag_id = rk_be32(b + off + 4);
			}
			break;
		case 50: /* ESP: the rest is encrypted */
		case 59: /* no next header */
			r->proto = nh;
			r->sport = 0;
			r->dport = 0;
			r->flags = 0;
			return RK_DECODE_OK;
		default:
			return l4(c, nh, b + off, avail - off, tot > off ? tot - off : 0);
		}
		if (n >= RK_DECODE_MAX_IPV6_EXT)
			return drop(c, RK_DSTAT_IPV6_EXT_DEPTH);
		if (avail - off < hl)
			return drop(c, RK_DSTAT_IPV6_EXT_SHORT);
		nh = b[off];
		off += hl;
	}
}

/* ------------------------------------------------------------------ */
/* Layer 2                                                             */
/* ------------------------------------------------------------------ */

/*
 * MPLS (RFC 3032 2.1): 4-byte entries until bottom-of-stack; the payload
 * has no type field: a first nibble 4 or 6 is IP, 0 is the pseudowire
 * control word (RFC 4385 3) followed by an Ethernet frame (RFC 4448).
 */
static int
mpls(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	for (;;) {
		if (len < 4)
			return drop(c, RK_DSTAT_MPLS_SHORT);
		b += 4;
		len -= 4;
		if (b[-2] & 0x01)
			break;
	}
	if (len < 1)
		return drop(c, RK_DSTAT_MPLS_SHORT);
	switch (b[0] >> 4) {
	case 4:
		return ipv4(c, b, len);
	case 6:
		return ipv6(c, b, len);
	case 0:
		if (len < 4)
			return drop(c, RK_DSTAT_MPLS_SHORT);
		if (tunnel_enter(c))
			return RK_DECODE_DROP;
		return eth(c, b + 4, len - 4);
	default:
		return drop(c, RK_DSTAT_MPLS_PAYLOAD);
	}
}

/*
 * PPPoE session stage (RFC 2516 4, 5): ver/type, code, session id, length,
 * then the 2-byte PPP protocol.
 */
static int
pppoe(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	if (len < 8)
		return drop(c, RK_DSTAT_PPPOE_SHORT);
	switch (rk_be16(b + 6)) {
	case PPP_IPV4:
		return ipv4(c, b + 8, len - 8);
	case PPP_IPV6:
		return ipv6(c, b + 8, len - 8);
	default:
		return drop(c, RK_DSTAT_PPP_NON_IP);
	}
}

/*
 * 802.2 LLC (IEEE 802.2 3.2) with a SNAP header (RFC 1042): DSAP 0xaa,
 * SSAP 0xaa, control 0x03 (UI), OUI 00-00-00 (RFC 1042) or 00-00-f8
 * (802.1H bridge tunnel), then an ethertype.  Other LLC frames (STP, NetBIOS,
 * CDP's OUI, ...) carry no IP.  Re-entering the ethertype dispatch counts as
 * a tunnel level, which bounds VLAN -> 802.3 -> SNAP -> VLAN chains.
 */
static int
llc(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	uint16_t type;

	if (len < 3)
		return drop(c, RK_DSTAT_LLC_SHORT);
	if (b[0] != 0xaa || b[1] != 0xaa || b[2] != 0x03)
		return drop(c, RK_DSTAT_NON_IP);
	if (len < 8)
		return drop(c, RK_DSTAT_LLC_SHORT);
	type = rk_be16(b + 6);
	if (b[3] != 0 || b[4] != 0 || (b[5] != 0 && b[5] != 0xf8) || type <= ET_MAX_8023_LEN)
		return drop(c, RK_DSTAT_NON_IP);
	if (tunnel_enter(c))
		return RK_DECODE_DROP;
	return l2type(c, type, b + 8, len - 8, 0);
}

/*
 * PBB (IEEE 802.1ah): the I-TAG (PCP, DEI, UCA, reserved, 24-bit I-SID),
 * then the customer frame's destination and source MACs and ethertype.
 */
static int
pbb(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	if (len < 18)
		return drop(c, RK_DSTAT_PBB_SHORT);
	if (tunnel_enter(c))
		return RK_DECODE_DROP;
	return l2type(c, rk_be16(b + 16), b + 18, len - 18, 1);
}

/*
 * Dispatch on an ethertype, b pointing after it: first any VLAN tags
 * (802.1Q, 802.1ad, the pre-standard 0x9100 QinQ; TCI then the next type),
 * then IP, MPLS, PPPoE or PBB.  is_8023: the type came from an Ethernet
 * header (or its tags), where values <= 1500 are 802.3 lengths followed by
 * an LLC header; elsewhere (SLL, Cisco HDLC, SNAP) they are just not IP.
 */
static inline int
l2type(struct rk_dctx *c, uint16_t type, const uint8_t *b, size_t len, int is_8023)
{
	unsigned n;

	for (n = 0; type == ET_8021Q || type == ET_8021AD || type == ET_QINQ; n++) {
		if (n >= RK_DECODE_MAX_VLAN)
			return drop(c, RK_DSTAT_VLAN_DEPTH);
		if (len < 4)
			return drop(c, RK_DSTAT_VLAN_SHORT);
		type = rk_be16(b + 2);
		b += 4;
		len -= 4;
	}
	switch (type) {
	case ET_IPV4:
		return ipv4(c, b, len);
	case ET_IPV6:
		return ipv6(c, b, len);
	case ET_MPLS_UC:
	case ET_MPLS_MC:
		return mpls(c, b, len);
	case ET_PPPOE_SESS:
		return pppoe(c, b, len);
	case ET_PBB:
		return pbb(c, b, len);
	default:
		if (is_8023 && type <= ET_MAX_8023_LEN)
			return llc(c, b, len < type ? len : type);
		return drop(c, RK_DSTAT_NON_IP);
	}
}

/*
 * Ethernet II / 802.3 (IEEE 802.3 3.1.1): dst, src, type or length.
 * Untagged IPv4, the common case, goes straight to ipv4(): l2type() has
 * too many callers to be inlined everywhere.
 */
static int
eth(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	uint16_t type;

	if (rk_unlikely(len < 14))
		return drop(c, RK_DSTAT_ETH_SHORT);
	type = rk_be16(b + 12);
	if (type == ET_IPV4)
		return ipv4(c, b + 14, len - 14);
	return l2type(c, type, b + 14, len - 14, 1);
}

/*
 * IEEE 802.11 data frame (IEEE 802.11-2020 9.2.4, 9.3.2.1): frame control
 * (version 0, type 2 = data; subtypes with bit 2 set carry no data, bit 3
 * means QoS), duration, three addresses, sequence control, a fourth address
 * if both To DS and From DS are set (24 or 30 bytes), QoS control (2) and,
 * with the Order flag, HT control (4).  datapad: the radiotap "data pad"
 * flag (header padded to 4 bytes).  Protected frames (WEP/WPA) cannot be
 * read; later fragments carry no LLC header (not IP here).  An A-MSDU
 * (QoS control bit 7) is decoded by its first subframe (DA, SA, length).
 * Then LLC/SNAP.
 */
static int
wlan(struct rk_dctx *c, const uint8_t *b, size_t len, int datapad)
{
	size_t hlen = 24;
	int is_amsdu = 0;

	if (len < 2)
		return drop(c, RK_DSTAT_WLAN_SHORT);
	if ((b[0] & 0x0f) != 0x08 || (b[0] & 0x40))
		return drop(c, RK_DSTAT_NON_IP); /* management, control, null data */
	if ((b[1] & 0x03) == 0x03)
		hlen = 30;
	if (b[0] & 0x80) {
		hlen += 2;
		if (b[1] & 0x80)
			hlen += 4;
	}
	if (len < hlen)
		return drop(c, RK_DSTAT_WLAN_SHORT);
	if (b[1] & 0x40)
		return drop(c, RK_DSTAT_WLAN_PROTECTED);
	if ((b[22] & 0x0f) != 0)
		return drop(c, RK_DSTAT_NON_IP); /* fragment number > 0 */
	if (b[0] & 0x80)
		is_amsdu = (b[(b[1] & 0x03) == 0x03 ? 30 : 24] & 0x80) != 0;
	if (datapad)
		hlen = (hlen + 3) & ~(size_t)3;
	if (is_amsdu)
		hlen += 14;
	if (len < hlen)
		return drop(c, RK_DSTAT_WLAN_SHORT);
	return llc(c, b + hlen, len - hlen);
}

/*
 * Radiotap (radiotap.org): version 0, pad, length (little-endian, covers
 * the whole radiotap header), present bitmaps (bit 31: another word
 * follows), then the fields.  Only Flags (field 1) is read: it follows the
 * bitmaps directly, or the 8-byte-aligned TSFT (field 0).  Flags 0x20 =
 * data pad, 0x40 = the frame failed its FCS check.  A trailing FCS (0x10)
 * needs nothing: the IP length bounds every layer above.
 */
static int
radiotap(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	size_t rlen, off;
	uint32_t present;
	uint8_t flags = 0;

	if (len < 8)
		return drop(c, RK_DSTAT_RADIOTAP_SHORT);
	rlen = rk_le16(b + 2);
	if (b[0] != 0 || rlen < 8 || rlen > len)
		return drop(c, RK_DSTAT_RADIOTAP_SHORT);
	present = rk_le32(b + 4);
	for (off = 8; rk_le32(b + off - 4) & 0x80000000u; off += 4) {
		if (rlen - off < 4)
			return drop(c, RK_DSTAT_RADIOTAP_SHORT);
	}
	if (present & 0x02) {
		if (present & 0x01)
			off = ((off + 7) & ~(size_t)7) + 8;
		if (off >= rlen)
			return drop(c, RK_DSTAT_RADIOTAP_SHORT);
		flags = b[off];
	}
	if (flags & 0x40)
		return drop(c, RK_DSTAT_WLAN_BAD_FCS);
	return wlan(c, b + rlen, len - rlen, (flags & 0x20) != 0);
}

/*
 * FDDI (ANSI X3.139; libpcap DLT_FDDI): frame control, destination and
 * source MACs (13 bytes), then LLC.  Frame control 0x50-0x57 is an
 * asynchronous LLC frame; anything else (SMT, MAC frames) is not IP.  Some
 * old BSD/Ultrix captures put 3 bytes of padding in front (libpcap's
 * PCAP_FDDIPAD): accepted when the first byte is no LLC frame control but
 * the fourth is.
 */
static int
fddi(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	if (len < 13)
		return drop(c, RK_DSTAT_FDDI_SHORT);
	if ((b[0] & 0xf8) != 0x50 && (b[3] & 0xf8) == 0x50) {
		if (len < 16)
			return drop(c, RK_DSTAT_FDDI_SHORT);
		b += 3;
		len -= 3;
	}
	if ((b[0] & 0xf8) != 0x50)
		return drop(c, RK_DSTAT_NON_IP);
	return llc(c, b + 13, len - 13);
}

/*
 * NFLOG (LINKTYPE_NFLOG, Linux nfnetlink_log): address family (2 AF_INET,
 * 10 AF_INET6), version, resource id (big-endian), then TLVs: length (of the
 * whole TLV, >= 4), type (low 15 bits), value, padded to 4 bytes.  Length
 * and type are in host byte order; libpcap hands them over in the reader's
 * order.  We take little-endian unless the first TLV's length only makes
 * sense big-endian.  Type 9 (NFULA_PAYLOAD) holds the IP packet; its value
 * may be cut by the snap length.  The walk is bounded by len (>= 4 a step).
 */
static int
nflog(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	size_t off, tl, vlen;
	int is_be = 0;

	if (len < 4)
		return drop(c, RK_DSTAT_NFLOG_SHORT);
	if (b[0] != 2 && b[0] != 10)
		return drop(c, RK_DSTAT_NON_IP);
	if (len >= 8 && (rk_le16(b + 4) < 4 || rk_le16(b + 4) > len - 4) &&
	    rk_be16(b + 4) >= 4 && rk_be16(b + 4) <= len - 4)
		is_be = 1;
	for (off = 4; len - off >= 4; off += tl) {
		tl = is_be ? rk_be16(b + off) : rk_le16(b + off);
		if (tl < 4)
			return drop(c, RK_DSTAT_NFLOG_BAD_TLV);
		if (((is_be ? rk_be16(b + off + 2) : rk_le16(b + off + 2)) & 0x7fff) == 9) {
			vlen = tl - 4 < len - off - 4 ? tl - 4 : len - off - 4;
			if (b[0] == 2)
				return ipv4(c, b + off + 4, vlen);
			return ipv6(c, b + off + 4, vlen);
		}
		tl = (tl + 3) & ~(size_t)3;
		if (tl > len - off)
			break;
	}
	return drop(c, RK_DSTAT_NFLOG_SHORT);
}

/*
 * Cisco HDLC (LINKTYPE_C_HDLC): address (0x0f unicast, 0x8f broadcast),
 * control 0, then an ethertype (SLARP 0x8035 and OSI 0xfefe are not IP).
 */
static int
chdlc(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	if (len < 4)
		return drop(c, RK_DSTAT_CHDLC_SHORT);
	return l2type(c, rk_be16(b + 2), b + 4, len - 4, 0);
}

/*
 * Linux cooked capture protocol field (SLL, SLL2): an ethertype, except
 * small values that name a framing (linux/if_ether.h): 0x0004 ETH_P_802_2
 * means an 802.2 LLC header follows (802.3 frames, 802.11 after the
 * kernel's conversion).
 */
static inline int
sll_proto(struct rk_dctx *c, uint16_t proto, const uint8_t *b, size_t len)
{
	if (rk_unlikely(proto == 0x0004))
		return llc(c, b, len);
	return l2type(c, proto, b, len, 0);
}

/*
 * BSD loopback: a 4-byte address family, host order of the capturing
 * machine for DLT_NULL, network order for DLT_LOOP; accept either order
 * for both.  AF_INET is 2 everywhere; AF_INET6 is 10 (Linux), 24 (NetBSD,
 * OpenBSD), 28 (FreeBSD), 30 (Darwin).
 */
static int
null_loop(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	uint32_t af;

	if (len < 4)
		return drop(c, RK_DSTAT_NULL_SHORT);
	af = rk_le32(b);
	if (af > 0xffff)
		af = rk_be32(b);
	switch (af) {
	case 2:
		return ipv4(c, b + 4, len - 4);
	case 10:
	case 24:
	case 28:
	case 30:
		return ipv6(c, b + 4, len - 4);
	default:
		return drop(c, RK_DSTAT_NON_IP);
	}
}

/*
 * Raw IP without a version hint: the version nibble decides; anything not
 * 6 goes to the IPv4 decoder, which counts it (short or bad version).
 */
static inline int
raw_ip(struct rk_dctx *c, const uint8_t *b, size_t len)
{
	if (len >= 1 && (b[0] >> 4) == 6)
		return ipv6(c, b, len);
	return ipv4(c, b, len);
}

/* ------------------------------------------------------------------ */
/* Public interface                                                    */
/* ------------------------------------------------------------------ */

/*
 * Initialise a decoder in caller storage: zero counters, empty fragment
 * table.  d: OUT.  O(sizeof *d), no allocation.
 */
void
rk_decoder_init(struct rk_decoder *d)
{
	memset(d, 0, sizeof(*d));
}

/*
 * Decode one frame.
 * d:        decoder (counters, fragment table), updated.
 * linktype: pcap LINKTYPE_/DLT_ value of the capture.
 * b:        the captured bytes, borrowed for the call; caplen of them.
 * ts:       packet time in µs, copied into out->ts (and used to age
 *           fragment entries).
 * out:      OUT: the record; fully written on RK_DECODE_OK, unspecified
 *           on RK_DECODE_DROP.
 * pl:       OUT, may be NULL: the captured payload of the innermost TCP or
 *           UDP packet (borrowed from b), len 0 if none.
 * Returns RK_DECODE_OK (one RK_DSTAT_OK counted) or RK_DECODE_DROP (one
 * reason counted).  O(header bytes), no allocation, never reads past caplen.
 */
int
rk_decode_frame(struct rk_decoder *d, int linktype, const uint8_t *b, size_t caplen,
    uint64_t ts, struct rk_rec *out, struct rk_payload *pl)
{
	struct rk_dctx c;
	int rc;

	c.d = d;
	c.out = out;
	c.pl = pl;
	c.n_tunnels = 0;
	c.has_frag_first = 0;
	c.frag_id = 0;
	c.ts = ts;
	if (pl != NULL) {
		pl->data = b;
		pl->len = 0;
	}
	out->ts = ts;
	switch (linktype) {
	case RK_DLT_EN10MB:
		rc = eth(&c, b, caplen);
		break;
	case RK_DLT_LINUX_SLL:
		/* pkttype, hatype, halen, addr[8], protocol (ethertype). */
		if (caplen < 16)
			return drop(&c, RK_DSTAT_SLL_SHORT);
		rc = sll_proto(&c, rk_be16(b + 14), b + 16, caplen - 16);
		break;
	case RK_DLT_LINUX_SLL2:
		/* protocol, rsvd, ifindex, hatype, pkttype, halen, addr[8]. */
		if (caplen < 20)
			return drop(&c, RK_DSTAT_SLL_SHORT);
		rc = sll_proto(&c, rk_be16(b), b + 20, caplen - 20);
		break;
	case RK_DLT_RAW:
	case 12:
	case 14:
		rc = raw_ip(&c, b, caplen);
		break;
	case RK_DLT_IPV4:
		rc = ipv4(&c, b, caplen);
		break;
	case RK_DLT_IPV6:
		rc = ipv6(&c, b, caplen);
		break;
	case RK_DLT_NULL:
	case RK_DLT_LOOP:
		rc = null_loop(&c, b, caplen);
		break;
	case RK_DLT_NFLOG:
		rc = nflog(&c, b, caplen);
		break;
	case RK_DLT_IEEE802_11_RADIO:
		rc = radiotap(&c, b, caplen);
		break;
	case RK_DLT_IEEE802_11:
		rc = wlan(&c, b, caplen, 0);
		break;
	case RK_DLT_FDDI:
		rc = fddi(&c, b, caplen);
		break;
	case RK_DLT_PPP_SERIAL:
	case RK_DLT_PPP:
		/*
		 * PPP, with or without HDLC-like framing (0xff 0x03), or Cisco HDLC
		 * (0x0f/0x8f, 0x00: routers label it either way).  No PPP frame
		 * starts so: 0x0f would be a compressed protocol number none uses.
		 */
		if (caplen >= 2 && (b[0] == 0x0f || b[0] == 0x8f) && b[1] == 0x00)
			rc = chdlc(&c, b, caplen);
		else
			rc = ppp(&c, b, caplen, RK_DSTAT_PPP_SHORT);
		break;
	case RK_DLT_C_HDLC:
		rc = chdlc(&c, b, caplen);
		break;
	default:
		return drop(&c, RK_DSTAT_LINK_UNSUPPORTED);
	}
	if (rc == RK_DECODE_OK)
		d->stats[RK_DSTAT_OK]++;
	return rc;
}

/* True if rk_decode_frame() decodes linktype.  O(1). */
int
rk_decode_linktype_ok(int linktype)
{
	switch (linktype) {
	case RK_DLT_NULL:
	case RK_DLT_EN10MB:
	case 12:
	case 14:
	case RK_DLT_RAW:
	case RK_DLT_LOOP:
	case RK_DLT_LINUX_SLL:
	case RK_DLT_IPV4:
	case RK_DLT_IPV6:
	case RK_DLT_LINUX_SLL2:
	case RK_DLT_PPP:
	case RK_DLT_FDDI:
	case RK_DLT_PPP_SERIAL:
	case RK_DLT_C_HDLC:
	case RK_DLT_IEEE802_11:
	case RK_DLT_IEEE802_11_RADIO:
	case RK_DLT_NFLOG:
		return 1;
	default:
		return 0;
	}
}

static const char *const stat_names[RK_DSTAT__COUNT] = {
#define RK_X_NAME(name, desc) #name,
	RK_DECODE_STATS(RK_X_NAME)
#undef RK_X_NAME
};

static const char *const stat_descs[RK_DSTAT__COUNT] = {
#define RK_X_DESC(name, desc) desc,
	RK_DECODE_STATS(RK_X_DESC)
#undef RK_X_DESC
};

/* Short name of counter s ("IPV4_SHORT"), static storage; "?" if out of range. */
const char *
rk_decode_stat_name(enum rk_decode_stat s)
{
	if ((unsigned)s >= RK_DSTAT__COUNT)
		return "?";
	return stat_names[s];
}

/* One-line description of counter s, static storage; "?" if out of range. */
const char *
rk_decode_stat_desc(enum rk_decode_stat s)
{
	if ((unsigned)s >= RK_DSTAT__COUNT)
		return "?";
	return stat_descs[s];
}

/*
 * Sum the counters of malformed frames: those named *_SHORT, *_BAD_*,
 * *_VERSION or *_DEPTH, and orphan fragments.  O(counters).
 */
uint64_t
rk_decode_malformed(const uint64_t stats[RK_DSTAT__COUNT])
{
	uint64_t n = 0;

	for (int i = 0; i < RK_DSTAT__COUNT; i++) {
		const char *name = rk_decode_stat_name((enum rk_decode_stat)i);
		size_t len = strlen(name);
		if ((len > 6 && strcmp(name + len - 6, "_SHORT") == 0) || strstr(name, "BAD") ||
		    strstr(name, "VERSION") || strstr(name, "DEPTH") || i == RK_DSTAT_FRAG_ORPHAN)
			n += stats[i];
	}
	return n;
}
