/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tools/gen/gen.h - shared declarations of renkei-gen, the synthetic
 * traffic generator.
 *
 * renkei-gen is three files: gen.c plans the enterprise and runs the
 * session scheduler, frame.c writes Ethernet/IP/TCP/UDP frames into a
 * classic pcap file, payload.c makes application bytes that look like
 * the protocol on the port (HTTP, TLS, DNS, NTP, syslog ...).  Nothing
 * here is shared with librenkei: the generator must stay an independent
 * oracle for the analyser it tests.
 */
#ifndef RK_GEN_GEN_H
#define RK_GEN_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * PRNG: xoshiro256** seeded through splitmix64.  One generator drives a
 * whole run and is consumed in event order, so the output is a pure
 * function of the command line.
 */
struct gen_rng {
	uint64_t s[4]; /* state, never all zero */
};

void gen_rng_seed(struct gen_rng *r, uint64_t seed);

static inline uint64_t
gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t
gen_rng_next(struct gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t res = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return res;
}

/* Uniform in [0, n); n > 0 (Lemire's multiply, bias < 2^-32). */
static inline uint32_t
gen_rng_below(struct gen_rng *r, uint32_t n)
{
	return (uint32_t)(((gen_rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* Uniform in [lo, hi], inclusive; lo <= hi. */
static inline uint32_t
gen_rng_range(struct gen_rng *r, uint32_t lo, uint32_t hi)
{
	return lo + gen_rng_below(r, hi - lo + 1);
}

/* Uniform double in [0, 1). */
static inline double
gen_rng_unit(struct gen_rng *r)
{
	return (double)(gen_rng_next(r) >> 11) * 0x1.0p-53;
}

/* True with probability p. */
static inline bool
gen_rng_chance(struct gen_rng *r, double p)
{
	return gen_rng_unit(r) < p;
}

/*
 * Output: a classic pcap file (magic a1b2c3d4 written little-endian,
 * version 2.4, snaplen 65535, linktype 1 = Ethernet, microsecond
 * timestamps).  Frames are built directly in a large buffer and written
 * with fwrite in multi-megabyte chunks.
 */
#define GEN_OUT_BUF_SIZE (8u << 20) /* bytes of the output buffer */
#define GEN_MAX_FRAME 2048u         /* bytes reserved per frame (+ record header) */

struct gen_out {
	FILE *fp;         /* owned unless it is stdout */
	bool is_stdout;   /* fp is stdout: flush, do not fclose */
	uint8_t *buf;     /* GEN_OUT_BUF_SIZE bytes, owned */
	size_t len;       /* bytes pending in buf */
	uint64_t n_pkts;  /* frames written so far */
	uint64_t n_bytes; /* sum of frame lengths written (without pcap headers) */
	uint64_t first_ts; /* µs, timestamp of the first frame, 0 if none */
	uint64_t last_ts;  /* µs, timestamp of the last frame */
	int err;          /* first write error (errno), 0 if none */
};

int gen_out_open(struct gen_out *o, const char *path);
int gen_out_close(struct gen_out *o);

/*
 * A direction template: the Ethernet (+ 802.1Q), IP and port fields of
 * one direction of one conversation, prepared when the session starts,
 * so a packet costs a memcpy and a few stores.
 */
struct gen_tmpl {
	uint8_t hdr[64];  /* L2 + L3 header bytes, lengths and checksums zero */
	uint8_t l2_len;   /* 14, or 18 with an 802.1Q tag */
	uint8_t l3_len;   /* 20 (IPv4, no options) or 40 (IPv6) */
	uint8_t is_v6;    /* 1: IPv6 */
	uint8_t proto;    /* IP protocol: 1 ICMP, 6 TCP, 17 UDP */
	uint16_t sport;   /* source port (host order), 0 for ICMP */
	uint16_t dport;   /* destination port (host order), 0 for ICMP */
	uint32_t ph_sum;  /* one's-complement sum of the pseudo-header addresses + proto */
	uint16_t ip_id;   /* next IPv4 identification */
};

/* Endpoint description used to build a template. */
struct gen_ep {
	const uint8_t *mac; /* 6 bytes */
	const uint8_t *ip;  /* 4 or 16 bytes, per is_v6 */
	uint16_t port;      /* host order */
	uint8_t ttl;        /* IPv4 TTL / IPv6 hop limit of packets it sends */
};

void gen_tmpl_init(struct gen_tmpl *t, const struct gen_ep *src, const struct gen_ep *dst,
    bool is_v6, uint8_t proto, uint16_t vlan, uint32_t flow_label, uint16_t ip_id);

uint8_t *gen_tcp_begin(struct gen_out *o, const struct gen_tmpl *t, uint32_t seq, uint32_t ack,
    uint8_t flags, uint16_t win, const uint8_t *opt, size_t opt_len);
void gen_tcp_end(struct gen_out *o, struct gen_tmpl *t, uint64_t ts, size_t payload_len);
uint8_t *gen_udp_begin(struct gen_out *o, const struct gen_tmpl *t);
void gen_udp_end(struct gen_out *o, struct gen_tmpl *t, uint64_t ts, size_t payload_len);
uint8_t *gen_icmp_begin(struct gen_out *o, const struct gen_tmpl *t);
void gen_icmp_end(struct gen_out *o, struct gen_tmpl *t, uint64_t ts, size_t icmp_len);
void gen_out_frame(struct gen_out *o, uint64_t ts, const uint8_t *frame, size_t len);

#define GEN_TH_FIN 0x01
#define GEN_TH_SYN 0x02
#define GEN_TH_RST 0x04
#define GEN_TH_PSH 0x08
#define GEN_TH_ACK 0x10

/*
 * Application payloads.  A message (one request or one response) is
 * described by struct gen_msg; gen_payload() writes any byte range of
 * it, so a message can be cut into MSS-sized segments on the fly
 * without ever being held in memory whole.
 */
enum gen_app {
	GEN_APP_RAW,     /* opaque bytes */
	GEN_APP_HTTP,    /* HTTP/1.1 text headers + body */
	GEN_APP_TLS,     /* TLS 1.2 application-data records */
	GEN_APP_DNS_TCP, /* DNS over TCP (2-byte length prefix) */
	GEN_APP_SYSLOG,  /* RFC 3164 text */
	GEN_APP_TEXT,    /* printable filler (line protocols) */
	GEN_APP_LDAP,    /* LDAPv3 BER messages: bind requests, search entries */
};

struct gen_msg {
	uint8_t app;      /* enum gen_app */
	bool is_resp;     /* response (server to client) or request */
	uint32_t len;     /* total message length in bytes */
	uint32_t serial;  /* varies the message text (URL, ids) */
	const char *host; /* server host name (HTTP Host, DNS names) */
	const char *peer; /* sending host name (syslog) */
	uint64_t ts;      /* µs, time of the message (syslog timestamp) */
};

/* avoid.c: client ports that Wireshark binds to a dissector. */
bool gen_port_avoided(uint16_t port);

void gen_payload_init(void);
uint32_t gen_payload_min_len(uint8_t app, bool is_resp);
void gen_payload(const struct gen_msg *m, uint32_t off, uint8_t *dst, uint32_t n);

/* DNS and NTP messages: whole messages, at most 512 bytes. */
size_t gen_dns_query(uint8_t *dst, uint16_t id, const char *name, bool is_aaaa);
size_t gen_dns_response(uint8_t *dst, uint16_t id, const char *name, bool is_aaaa,
    const uint8_t *addr);
size_t gen_ntp(uint8_t *dst, bool is_resp, uint64_t ts);
uint32_t gen_dns_tcp_query_len(const char *name);
size_t gen_dns_tcp_response(uint8_t *dst, size_t max, uint16_t id, const char *name,
    unsigned n_ans, uint32_t serial);

#endif /* RK_GEN_GEN_H */
