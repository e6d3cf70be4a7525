/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tools/gen/payload.c - application bytes for renkei-gen.
 *
 * renkei never looks at payloads, but people (and tshark) do: a capture
 * whose port 53 carries zeros is "malformed DNS" and useless as a
 * reference.  So each message looks like its protocol just enough that
 * Wireshark dissects it cleanly: HTTP/1.1 headers with a correct
 * Content-Length, TLS 1.2 application-data records, real DNS queries and
 * answers (which also let renkei learn host names passively), NTP v4
 * packets, RFC 3164 syslog lines.  Other ports carry opaque bytes.
 *
 * Design: a message is never stored.  gen_payload() produces any byte
 * range [off, off + n) of a message from its description (struct
 * gen_msg): the body comes from a fixed filler pattern (memcpy), and
 * the structured parts (headers, record boundaries) are computed and
 * laid over it.  Each structured part is at most a few hundred bytes
 * and sits at a known offset, so a segment costs one memcpy plus small
 * patches.
 *
 * Invariant: a message of length len is always at least
 * gen_payload_min_len(app, is_resp) bytes; callers choose lengths so.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "gen.h"

#define PAT_SIZE 65536u /* filler period; a power of two */

/* Filler patterns, PAT_SIZE + one frame, filled once by gen_payload_init. */
static uint8_t pat_bin[PAT_SIZE + GEN_MAX_FRAME];
static uint8_t pat_txt[PAT_SIZE + GEN_MAX_FRAME];

/*
 * gen_payload_init - fill the filler patterns.  The patterns use a fixed
 * seed, not --seed: they are constants of the format.  Call once.
 */
void
gen_payload_init(void)
{
	static const char words[] = "the quick brown fox jumps over the lazy dog "
				    "order shipped invoice customer account ";
	struct gen_rng r;
	size_t i;

	gen_rng_seed(&r, 0x72656e6b6569ULL);
	for (i = 0; i < sizeof(pat_bin); i += 8) {
		uint64_t v = gen_rng_next(&r);
		memcpy(pat_bin + i, &v, 8);
	}
	for (i = 0; i < sizeof(pat_txt); i++)
		pat_txt[i] = (uint8_t)words[i % (sizeof(words) - 1)];
}

/* Copy the part of [src, src + slen) placed at message offset at that
 * falls in the window [off, off + n) into dst (the window's bytes). */
static void
overlay(uint8_t *dst, uint32_t off, uint32_t n, const void *src, uint32_t at, uint32_t slen)
{
	uint32_t lo = at > off ? at : off;
	uint32_t hi = at + slen < off + n ? at + slen : off + n;

	if (lo < hi)
		memcpy(dst + (lo - off), (const uint8_t *)src + (lo - at), hi - lo);
}

/* Write a DNS name in wire format; returns its length. */
static size_t
put_name(uint8_t *dst, const char *name)
{
	size_t n = 0;

	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		dst[n++] = (uint8_t)l;
		memcpy(dst + n, name, l);
		n += l;
		name += l;
		if (*name == '.')
			name++;
	}
	dst[n++] = 0;
	return n;
}

/* DNS header + one question; returns bytes written. */
static size_t
dns_head(uint8_t *d, uint16_t id, uint16_t flags, uint16_t an, const char *name, uint16_t qtype)
{
	size_t n;

	d[0] = (uint8_t)(id >> 8), d[1] = (uint8_t)id;
	d[2] = (uint8_t)(flags >> 8), d[3] = (uint8_t)flags;
	d[4] = 0, d[5] = 1; /* QDCOUNT */
	d[6] = (uint8_t)(an >> 8), d[7] = (uint8_t)an;
	memset(d + 8, 0, 4); /* NSCOUNT, ARCOUNT */
	n = 12 + put_name(d + 12, name);
	d[n++] = 0, d[n++] = (uint8_t)qtype;
	d[n++] = 0, d[n++] = 1; /* class IN */
	return n;
}

/*
 * gen_dns_query - write a recursive query for name (A, or AAAA if
 * is_aaaa) into dst (at least 300 bytes).  Returns its length.
 */
size_t
gen_dns_query(uint8_t *dst, uint16_t id, const char *name, bool is_aaaa)
{
	return dns_head(dst, id, 0x0100, 0, name, is_aaaa ? 28 : 1);
}

/* One answer record pointing at the question name (offset 12). */
static size_t
dns_answer(uint8_t *d, bool is_aaaa, const uint8_t *addr, uint32_t ttl)
{
	size_t alen = is_aaaa ? 16 : 4;

	d[0] = 0xc0, d[1] = 12;
	d[2] = 0, d[3] = is_aaaa ? 28 : 1;
	d[4] = 0, d[5] = 1;
	d[6] = (uint8_t)(ttl >> 24), d[7] = (uint8_t)(ttl >> 16);
	d[8] = (uint8_t)(ttl >> 8), d[9] = (uint8_t)ttl;
	d[10] = 0, d[11] = (uint8_t)alen;
	memcpy(d + 12, addr, alen);
	return 12 + alen;
}

/*
 * gen_dns_response - write the answer to gen_dns_query(id, name,
 * is_aaaa): one record with addr (4 or 16 bytes), or NXDOMAIN-free empty
 * answer if addr is NULL.  dst: at least 400 bytes.  Returns the length.
 */
size_t
gen_dns_response(uint8_t *dst, uint16_t id, const char *name, bool is_aaaa, const uint8_t *addr)
{
	size_t n = dns_head(dst, id, 0x8180, addr ? 1 : 0, name, is_aaaa ? 28 : 1);

	if (addr)
		n += dns_answer(dst + n, is_aaaa, addr, 300);
	return n;
}

/*
 * gen_dns_tcp_response - a large DNS answer over TCP (2-byte length
 * prefix included): n_ans A records for name, written into dst (max
 * bytes).  Returns the length, 2 + 12 + question + 16 * n_ans.
 */
size_t
gen_dns_tcp_response(uint8_t *dst, size_t max, uint16_t id, const char *name, unsigned n_ans,
    uint32_t serial)
{
	size_t n = 2 + dns_head(dst + 2, id, 0x8580, (uint16_t)n_ans, name, 1);

	for (unsigned i = 0; i < n_ans && n + 16 <= max; i++) {
		uint8_t a[4] = {10, 200, (uint8_t)(serial >> 8), (uint8_t)(i + serial)};
		n += dns_answer(dst + n, false, a, 3600);
	}
	dst[0] = (uint8_t)((n - 2) >> 8);
	dst[1] = (uint8_t)(n - 2);
	return n;
}

/* Length of a TCP DNS query (prefix + header + question) for name. */
static uint32_t
dns_tcp_query_len(const char *name)
{
	return (uint32_t)(2 + 12 + strlen(name) + 2 + 4);
}

/*
 * gen_ntp - an NTPv4 client (mode 3) or server (mode 4) packet of 48
 * bytes stamped with ts (µs since 1970).  Returns 48.
 */
size_t
gen_ntp(uint8_t *dst, bool is_resp, uint64_t ts)
{
	uint64_t sec = ts / 1000000 + 2208988800ULL;
	uint32_t frac = (uint32_t)(((ts % 1000000) << 32) / 1000000);

	memset(dst, 0, 48);
	dst[0] = is_resp ? 0x24 : 0x23; /* LI 0, VN 4, mode */
	if (is_resp) {
		dst[1] = 2;    /* stratum */
		dst[2] = 6;    /* poll */
		dst[3] = 0xe9; /* precision */
		memcpy(dst + 12, "GPS\0", 4);
	} else {
		dst[2] = 6;
		dst[3] = 0xe9;
	}
	for (int i = 0; i < (is_resp ? 4 : 1); i++) {
		uint8_t *p = dst + 40 - (is_resp ? 8 * i : 0);
		p[0] = (uint8_t)(sec >> 24), p[1] = (uint8_t)(sec >> 16);
		p[2] = (uint8_t)(sec >> 8), p[3] = (uint8_t)sec;
		p[4] = (uint8_t)(frac >> 24), p[5] = (uint8_t)(frac >> 16);
		p[6] = (uint8_t)(frac >> 8), p[7] = (uint8_t)frac;
	}
	return 48;
}

#define HTTP_RESP_FMT "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n" \
			"Content-Length: %u\r\n\r\n"

/*
 * The HTTP header block of m into buf; returns its length.  A response
 * head announces the rest of the message as its body, so its length
 * depends on the digits of that number: try each width until it fits.
 */
static uint32_t
http_head(const struct gen_msg *m, char *buf, size_t max)
{
	int n;

	if (!m->is_resp) {
		n = snprintf(buf, max, "GET /api/v1/items/%u HTTP/1.1\r\nHost: %s\r\nX-Pad: ",
		    m->serial, m->host ? m->host : "server");
		return n < 0 ? 0 : (uint32_t)n;
	}
	n = snprintf(buf, max, HTTP_RESP_FMT, 0u);
	for (uint32_t base = (uint32_t)n - 1, d = 1; d <= 7; d++) {
		uint32_t body = m->len - (base + d);
		char tmp[16];
		if ((uint32_t)snprintf(tmp, sizeof(tmp), "%u", body) == d) {
			n = snprintf(buf, max, HTTP_RESP_FMT, body);
			break;
		}
	}
	return n < 0 ? 0 : (uint32_t)n;
}

#define TLS_STEP 16005u /* bytes from one full TLS record to the next */

/* BER definite long-form length (2 bytes) after a tag. */
static size_t
ber_tl(uint8_t *d, uint8_t tag, uint32_t len)
{
	d[0] = tag;
	d[1] = 0x82;
	d[2] = (uint8_t)(len >> 8);
	d[3] = (uint8_t)len;
	return 4;
}

/*
 * The head of an LDAP message (RFC 4511) of m->len bytes, whose body is
 * filler text.  A request is a simple bindRequest whose password takes
 * the rest:  30 L { 02 01 id, 60 L { 02 01 03, 04 00, 80 L pw } }.
 * A response is a searchResEntry whose DN takes the rest, followed by
 * an empty attribute list (30 00, written by the caller at the end):
 * 30 L { 02 01 id, 64 L { 04 L dn, 30 00 } }.  Returns the head length.
 */
static uint32_t
ldap_head(const struct gen_msg *m, uint8_t *d)
{
	uint32_t n = 0, L = m->len;
	uint8_t id = (uint8_t)(1 + m->serial % 100);

	n += ber_tl(d + n, 0x30, L - 4);
	d[n++] = 2, d[n++] = 1, d[n++] = id;
	if (m->is_resp) {
		n += ber_tl(d + n, 0x64, L - 11);
		n += ber_tl(d + n, 0x04, L - 17);
	} else {
		n += ber_tl(d + n, 0x60, L - 11);
		d[n++] = 2, d[n++] = 1, d[n++] = 3;
		d[n++] = 4, d[n++] = 0;
		n += ber_tl(d + n, 0x80, L - 20);
	}
	return n;
}

/*
 * gen_payload_min_len - the smallest message length app can carry.
 */
uint32_t
gen_payload_min_len(uint8_t app, bool is_resp)
{
	switch (app) {
	case GEN_APP_HTTP:
		return is_resp ? 110 : 120;
	case GEN_APP_TLS:
		return 32;
	case GEN_APP_DNS_TCP:
		return is_resp ? 400 : 32;
	case GEN_APP_SYSLOG:
		return 80;
	case GEN_APP_LDAP:
		return 40;
	default:
		return 1;
	}
}

/*
 * gen_payload - write bytes [off, off + n) of message m into dst.
 * n <= GEN_MAX_FRAME, off + n <= m->len.  O(n), no allocation.
 */
void
gen_payload(const struct gen_msg *m, uint32_t off, uint8_t *dst, uint32_t n)
{
	char head[512];
	uint32_t hl;

	switch (m->app) {
	case GEN_APP_HTTP:
		memcpy(dst, (m->is_resp ? pat_bin : pat_txt) + (off & (PAT_SIZE - 1)), n);
		if (off < 400) {
			hl = http_head(m, head, sizeof(head));
			overlay(dst, off, n, head, 0, hl);
		}
		if (!m->is_resp) {
			/* X-Pad value is filler text; the head ends with \r\n\r\n. */
			overlay(dst, off, n, "\r\n\r\n", m->len - 4, 4);
		}
		break;
	case GEN_APP_TLS: {
		/*
		 * Records of 16000 bytes of ciphertext, the last one taking
		 * the rest (at most 16384, the TLS limit): record j < k_full
		 * starts at j * TLS_STEP, the last one at k_full * TLS_STEP.
		 */
		memcpy(dst, pat_bin + (off & (PAT_SIZE - 1)), n);
		uint32_t k_full = m->len - 5 <= 16384 ? 0 :
		    (m->len - 5 - 16384 + TLS_STEP - 1) / TLS_STEP;
		for (uint32_t j = off / TLS_STEP; j <= k_full && j * TLS_STEP < off + n; j++) {
			uint32_t at = j * TLS_STEP;
			uint32_t body = j < k_full ? TLS_STEP - 5 : m->len - at - 5;
			uint8_t h[5] = {0x17, 3, 3, (uint8_t)(body >> 8), (uint8_t)body};
			overlay(dst, off, n, h, at, 5);
		}
		break;
	}
	case GEN_APP_LDAP: {
		/* See ldap_head(): a BER frame around a text value. */
		uint8_t h[32];
		memcpy(dst, pat_txt + (off & (PAT_SIZE - 1)), n);
		if (off < sizeof(h)) {
			hl = ldap_head(m, h);
			overlay(dst, off, n, h, 0, hl);
		}
		if (m->is_resp)
			overlay(dst, off, n, "\x30\x00", m->len - 2, 2);
		break;
	}
	case GEN_APP_DNS_TCP: {
		uint8_t msg[4096];
		size_t ml;
		uint16_t id = (uint16_t)(m->serial * 2654435761u >> 16);
		const char *name = m->host ? m->host : "corp.example";

		if (m->is_resp) {
			size_t q = dns_tcp_query_len(name);
			ml = gen_dns_tcp_response(msg, sizeof(msg), id, name,
			    (unsigned)((m->len - q) / 16), m->serial);
		} else {
			ml = 2 + gen_dns_query(msg + 2, id, name, false);
			msg[0] = (uint8_t)((ml - 2) >> 8);
			msg[1] = (uint8_t)(ml - 2);
		}
		memset(dst, 0, n);
		if (off < ml)
			memcpy(dst, msg + off, off + n <= ml ? n : ml - off);
		break;
	}
	case GEN_APP_SYSLOG: {
		static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
		    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
		time_t t = (time_t)(m->ts / 1000000);
		struct tm tm;
		gmtime_r(&t, &tm);
		memcpy(dst, pat_txt + (off & (PAT_SIZE - 1)), n);
		hl = (uint32_t)snprintf(head, sizeof(head),
		    "<%u>%s %2d %02d:%02d:%02d %s app[%u]: ", 128 + 6 + m->serial % 2,
		    mon[tm.tm_mon], tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    m->peer ? m->peer : "host", 1000 + m->serial % 30000);
		overlay(dst, off, n, head, 0, hl);
		break;
	}
	case GEN_APP_TEXT:
		memcpy(dst, pat_txt + (off & (PAT_SIZE - 1)), n);
		break;
	default:
		memcpy(dst, pat_bin + (off & (PAT_SIZE - 1)), n);
		break;
	}
}

/*
 * gen_dns_tcp_query_len - the length of the TCP DNS request message for
 * name (2-byte prefix included); the response adds 16 bytes per answer.
 */
uint32_t
gen_dns_tcp_query_len(const char *name)
{
	return dns_tcp_query_len(name);
}
