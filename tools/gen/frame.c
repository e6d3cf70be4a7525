/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tools/gen/frame.c - classic pcap output and frame building for
 * renkei-gen.
 *
 * Design: frames are assembled in place inside one big output buffer
 * (GEN_OUT_BUF_SIZE) and the buffer goes to the file with one fwrite
 * whenever less than GEN_MAX_FRAME bytes are left.  A frame is built in
 * two calls: *_begin() reserves space, copies the direction template
 * (Ethernet, optional 802.1Q tag, IP header, ports) and returns where the
 * caller writes the payload; *_end() fills the lengths, the IPv4 header
 * checksum, the TCP/UDP/ICMP checksum, pads the frame to the Ethernet
 * minimum of 60 bytes (as a mirror port shows it) and writes the 16-byte
 * pcap record header.
 *
 * Invariants:
 * - Between begin and end nothing else is written to the buffer; the
 *   pointer returned by begin is valid only until end.
 * - Every checksum is correct: the IPv4 header checksum and the full
 *   TCP/UDP checksum over pseudo-header, header and payload (UDP never
 *   sends 0, which RFC 768 reserves for "no checksum" and IPv6 forbids).
 *   Computing it costs about one pass over the bytes we just wrote,
 *   which is cheap next to the disk write.
 * - The file is byte-identical on every host: all pcap header fields are
 *   written little-endian explicitly, never as native structs.
 *
 * Ownership: struct gen_out owns its buffer and its FILE (except stdout).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

/* Store 16/32 bits big-endian (network order) / little-endian (pcap). */
static inline void
put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void
put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/*
 * One's-complement sum of len bytes (RFC 1071), not folded.  Adds 32-bit
 * big-endian words into a 64-bit accumulator, which cannot overflow for
 * any frame we make.
 */
static uint64_t
csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len >= 4) {
		sum += (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

/* Fold a sum to 16 bits and complement it. */
static uint16_t
csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * gen_rng_seed - seed r from a 64-bit value with splitmix64, which never
 * yields the forbidden all-zero state for xoshiro.  O(1).
 */
void
gen_rng_seed(struct gen_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (seed += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		r->s[i] = z ^ (z >> 31);
	}
}

/* Write the pending buffer out; remember the first error. */
static void
out_flush(struct gen_out *o)
{
	if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->fp) != o->len)
		o->err = errno ? errno : EIO;
	o->len = 0;
}

/*
 * gen_out_open - open path ("-" = standard output) for writing and put
 * the pcap global header in the buffer.
 * o: OUT, the writer.  Returns 0, or a negative errno (nothing to free).
 */
int
gen_out_open(struct gen_out *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	o->buf = malloc(GEN_OUT_BUF_SIZE);
	if (!o->buf)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		o->fp = stdout;
		o->is_stdout = true;
	} else if (!(o->fp = fopen(path, "wb"))) {
		int e = errno;
		free(o->buf);
		o->buf = NULL;
		return -e;
	}
	uint8_t *h = o->buf;
	put_le32(h, 0xa1b2c3d4);           /* magic: µs timestamps */
	h[4] = 2, h[5] = 0, h[6] = 4, h[7] = 0; /* version 2.4 */
	put_le32(h + 8, 0);                /* thiszone */
	put_le32(h + 12, 0);               /* sigfigs */
	put_le32(h + 16, 65535);           /* snaplen */
	put_le32(h + 20, 1);               /* LINKTYPE_ETHERNET */
	o->len = 24;
	return 0;
}

/*
 * gen_out_close - flush, close the file (not stdout), free the buffer.
 * Returns 0, or a negative errno if any write failed.
 */
int
gen_out_close(struct gen_out *o)
{
	out_flush(o);
	if (o->is_stdout) {
		if (fflush(o->fp) != 0 && !o->err)
			o->err = errno ? errno : EIO;
	} else if (o->fp && fclose(o->fp) != 0 && !o->err) {
		o->err = errno ? errno : EIO;
	}
	o->fp = NULL;
	free(o->buf);
	o->buf = NULL;
	return o->err ? -o->err : 0;
}

/* Reserve room for one frame: returns where its pcap record header goes. */
static inline uint8_t *
out_reserve(struct gen_out *o)
{
	if (GEN_OUT_BUF_SIZE - o->len < GEN_MAX_FRAME + 16)
		out_flush(o);
	return o->buf + o->len;
}

/* Commit a frame of len bytes whose record header is at rec. */
static inline void
out_commit(struct gen_out *o, uint8_t *rec, uint64_t ts, size_t len)
{
	if (len < 60) {
		memset(rec + 16 + len, 0, 60 - len);
		len = 60;
	}
	put_le32(rec, (uint32_t)(ts / 1000000));
	put_le32(rec + 4, (uint32_t)(ts % 1000000));
	put_le32(rec + 8, (uint32_t)len);
	put_le32(rec + 12, (uint32_t)len);
	o->len += 16 + len;
	if (!o->n_pkts)
		o->first_ts = ts;
	o->last_ts = ts;
	o->n_pkts++;
	o->n_bytes += len;
}

/*
 * gen_tmpl_init - prepare the header template of one direction.
 * t: OUT.  src/dst: endpoints (borrowed).  vlan: 802.1Q id, 0 = untagged.
 * flow_label: IPv6 flow label (20 bits).  ip_id: first IPv4 id.  O(1).
 */
void
gen_tmpl_init(struct gen_tmpl *t, const struct gen_ep *src, const struct gen_ep *dst,
    bool is_v6, uint8_t proto, uint16_t vlan, uint32_t flow_label, uint16_t ip_id)
{
	uint8_t *h = t->hdr;
	size_t alen = is_v6 ? 16 : 4;

	memset(t, 0, sizeof(*t));
	memcpy(h, dst->mac, 6);
	memcpy(h + 6, src->mac, 6);
	h += 12;
	if (vlan) {
		put_be16(h, 0x8100);
		put_be16(h + 2, vlan & 0x0fff);
		h += 4;
	}
	put_be16(h, is_v6 ? 0x86dd : 0x0800);
	h += 2;
	t->l2_len = (uint8_t)(h - t->hdr);
	if (is_v6) {
		uint32_t w = 6u << 28 | (flow_label & 0xfffff);
		h[0] = (uint8_t)(w >> 24);
		h[1] = (uint8_t)(w >> 16);
		h[2] = (uint8_t)(w >> 8);
		h[3] = (uint8_t)w;
		h[6] = proto;
		h[7] = src->ttl;
		memcpy(h + 8, src->ip, 16);
		memcpy(h + 24, dst->ip, 16);
		t->l3_len = 40;
	} else {
		h[0] = 0x45;
		h[6] = 0x40; /* DF */
		h[8] = src->ttl;
		h[9] = proto;
		memcpy(h + 12, src->ip, 4);
		memcpy(h + 16, dst->ip, 4);
		t->l3_len = 20;
	}
	t->is_v6 = is_v6;
	t->proto = proto;
	t->sport = src->port;
	t->dport = dst->port;
	t->ip_id = ip_id;
	t->ph_sum = (uint32_t)csum_add(0, src->ip, alen);
	t->ph_sum = (uint32_t)csum_add(t->ph_sum, dst->ip, alen) + proto;
}

/* Copy the template into a fresh record; returns the L4 header. */
static inline uint8_t *
begin(struct gen_out *o, const struct gen_tmpl *t)
{
	uint8_t *rec = out_reserve(o);
	memcpy(rec + 16, t->hdr, (size_t)t->l2_len + t->l3_len);
	return rec + 16 + t->l2_len + t->l3_len;
}

/*
 * Finish a frame whose L4 part is l4_len bytes: IP lengths, IPv4 id and
 * header checksum, L4 checksum at csum_off inside L4 (with the
 * pseudo-header unless proto is ICMP), padding, record header.
 */
static void
end(struct gen_out *o, struct gen_tmpl *t, uint64_t ts, size_t l4_len, size_t csum_off)
{
	uint8_t *rec = o->buf + o->len;
	uint8_t *l3 = rec + 16 + t->l2_len;
	uint8_t *l4 = l3 + t->l3_len;
	uint64_t sum;

	if (t->is_v6) {
		put_be16(l3 + 4, (uint16_t)l4_len);
	} else {
		put_be16(l3 + 2, (uint16_t)(20 + l4_len));
		put_be16(l3 + 4, t->ip_id++);
		put_be16(l3 + 10, csum_fold(csum_add(0, l3, 20)));
	}
	sum = t->proto == 1 ? 0 : (uint64_t)t->ph_sum + l4_len;
	uint16_t c = csum_fold(csum_add(sum, l4, l4_len));
	if (c == 0 && t->proto == 17)
		c = 0xffff;
	put_be16(l4 + csum_off, c);
	out_commit(o, rec, ts, (size_t)t->l2_len + t->l3_len + l4_len);
}

/*
 * gen_tcp_begin - start a TCP segment of direction t.
 * seq/ack/flags/win: header fields; opt: options (opt_len a multiple of
 * 4, at most 40).  Returns where the payload goes (at most 1460 bytes);
 * finish with gen_tcp_end().  O(header size), no allocation.
 */
uint8_t *
gen_tcp_begin(struct gen_out *o, const struct gen_tmpl *t, uint32_t seq, uint32_t ack,
    uint8_t flags, uint16_t win, const uint8_t *opt, size_t opt_len)
{
	uint8_t *th = begin(o, t);

	put_be16(th, t->sport);
	put_be16(th + 2, t->dport);
	put_be16(th + 4, (uint16_t)(seq >> 16));
	put_be16(th + 6, (uint16_t)seq);
	put_be16(th + 8, (uint16_t)(ack >> 16));
	put_be16(th + 10, (uint16_t)ack);
	th[12] = (uint8_t)((20 + opt_len) / 4) << 4;
	th[13] = flags;
	put_be16(th + 14, win);
	th[16] = th[17] = 0;
	th[18] = th[19] = 0;
	if (opt_len)
		memcpy(th + 20, opt, opt_len);
	return th + 20 + opt_len;
}

/*
 * gen_tcp_end - finish the segment begun by gen_tcp_begin with
 * payload_len payload bytes, stamped ts (µs).  Advances t's IPv4 id.
 */
void
gen_tcp_end(struct gen_out *o, struct gen_tmpl *t, uint64_t ts, size_t payload_len)
{
	uint8_t *th = o->buf + o->len + 16 + t->l2_len + t->l3_len;
	size_t hl = (size_t)(th[12] >> 4) * 4;

	end(o, t, ts, hl + payload_len, 16);
}

/*
 * gen_udp_begin - start a UDP datagram of direction t; returns where the
 * payload goes.  Finish with gen_udp_end().
 */
uint8_t *
gen_udp_begin(struct gen_out *o, const struct gen_tmpl *t)
{
	uint8_t *uh = begin(o, t);

	put_be16(uh, t->sport);
	put_be16(uh + 2, t->dport);
	uh[6] = uh[7] = 0;
	return uh + 8;
}

/* gen_udp_end - finish a UDP datagram of payload_len bytes at ts (µs). */
void
gen_udp_end(struct gen_out *o, struct gen_tmpl *t, uint64_t ts, size_t payload_len)
{
	uint8_t *uh = o->buf + o->len + 16 + t->l2_len + t->l3_len;

	put_be16(uh + 4, (uint16_t)(8 + payload_len));
	end(o, t, ts, 8 + payload_len, 6);
}

/*
 * gen_icmp_begin - start an ICMP (IPv4) message: returns the ICMP header,
 * which the caller fills (type, code, rest; checksum left 0).
 */
uint8_t *
gen_icmp_begin(struct gen_out *o, const struct gen_tmpl *t)
{
	uint8_t *ih = begin(o, t);

	ih[2] = ih[3] = 0;
	return ih;
}

/* gen_icmp_end - finish an ICMP message of icmp_len bytes (header included). */
void
gen_icmp_end(struct gen_out *o, struct gen_tmpl *t, uint64_t ts, size_t icmp_len)
{
	end(o, t, ts, icmp_len, 2);
}

/*
 * gen_out_frame - write a ready-made frame (ARP) of len bytes (at most
 * GEN_MAX_FRAME), padded to 60.  The frame is copied.
 */
void
gen_out_frame(struct gen_out *o, uint64_t ts, const uint8_t *frame, size_t len)
{
	uint8_t *rec = out_reserve(o);

	memcpy(rec + 16, frame, len);
	out_commit(o, rec, ts, len);
}
