/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names/dns.c - the DNS wire parser behind rk_names_learn_dns.
 *
 * A pure function of (bytes, len): rk_names_dns_parse reads one DNS message
 * (RFC 1035 4.1, no TCP length prefix) and reports each address -> name
 * pair its answer section gives, through a callback.  It keeps no state and
 * allocates nothing, so the fuzzer can drive it without a table.
 *
 *   header (12) | question x QDCOUNT | answer x ANCOUNT | authority | additional
 *                 skipped              parsed              not read
 *
 * What an answer gives (class IN only; others are skipped):
 *   A     owner name -> the 4-byte address      (rdlength must be 4)
 *   AAAA  owner name -> the 16-byte address     (rdlength must be 16)
 *   PTR   d.c.b.a.in-addr.arpa or the 32-nibble ip6.arpa owner -> target name
 *   other types (CNAME ...) are stepped over by rdlength.
 * For a CNAME chain "www.example.com CNAME e1.cdn.net; e1.cdn.net A x" the
 * name of x is the A record's owner, e1.cdn.net: the name the address
 * really has, and no chain to follow across records.
 *
 * Invariants (every input byte is hostile):
 *   - every read is preceded by a length check against len; nothing past
 *     msg + len is ever touched.  Multi-byte fields go through rk_be16/32.
 *   - a name (RFC 1035 3.1, 4.1.4) is at most 255 bytes on the wire with
 *     labels of at most 63; label types 01 and 10 are refused.  A
 *     compression pointer must point after the header and before the start
 *     of the run of labels it ends, so every jump goes strictly backwards and no loop can exist;
 *     on top of that at most RK_DNS_MAX_JUMPS pointers are followed.
 *   - anything that does not fit the above, or runs off the end inside the
 *     question or answer sections, makes the whole message malformed: the
 *     caller learns nothing from it (all or nothing).
 *   - the text handed to the callback is printable ASCII (rk_names_escape),
 *     lowercased, at most RK_NAMES_MAX_LEN bytes, without the final dot.
 */
#include <stdbool.h>
#include <string.h>

#include "names/names.h"
#include "util/bytes.h"

#define DNS_HDR_LEN 12        /* RFC 1035 4.1.1 */
#define DNS_MAX_NAME 255      /* RFC 1035 3.1: octets on the wire, root label included */
#define DNS_MAX_LABEL 63      /* RFC 1035 2.3.4 */
#define RK_DNS_MAX_JUMPS 64   /* compression pointers followed per name */
#define DNS_TYPE_A 1
#define DNS_TYPE_PTR 12
#define DNS_TYPE_AAAA 28
#define DNS_CLASS_IN 1

/*
 * Read the name at off.  OUT: *end is the offset just after the name's
 * bytes at off (after the first pointer if there is one); w[0..*wlen) is
 * the name uncompressed (length-prefixed labels ending with the root
 * label).  Returns 0, -RK_E_TRUNC if it runs off len, -RK_E_FORMAT for a
 * bad label type, a forward or looping pointer, too many jumps, or a name
 * over 255 bytes.
 */
static int
read_name(const uint8_t *m, size_t len, size_t off, size_t *end, uint8_t w[DNS_MAX_NAME],
    size_t *wlen)
{
	size_t pos = off, run = off, wl = 0;
	int jumps = 0;
	bool jumped = false;

	for (;;) {
		uint8_t c;

		if (pos >= len)
			return -RK_E_TRUNC;
		c = m[pos];
		if ((c & 0xc0) == 0xc0) {
			size_t target;

			if (len - pos < 2)
				return -RK_E_TRUNC;
			target = rk_be16(m + pos) & 0x3fff;
			if (target >= run || target < DNS_HDR_LEN || ++jumps > RK_DNS_MAX_JUMPS)
				return -RK_E_FORMAT;
			if (!jumped)
				*end = pos + 2;
			jumped = true;
			pos = run = target;
			continue;
		}
		if (c > DNS_MAX_LABEL)
			return -RK_E_FORMAT; /* 01 and 10 label types (RFC 6891 9) */
		if (c == 0) {
			/* The root label; wl + 1 <= 255 holds by the check below. */
			w[wl++] = 0;
			if (!jumped)
				*end = pos + 1;
			*wlen = wl;
			return 0;
		}
		if (len - pos - 1 < c)
			return -RK_E_TRUNC;
		if (wl + 1 + c + 1 > DNS_MAX_NAME)
			return -RK_E_FORMAT;
		w[wl] = c;
		memcpy(w + wl + 1, m + pos + 1, c);
		wl += 1 + (size_t)c;
		pos += 1 + (size_t)c;
	}
}

/*
 * Write the presentation form of the wire name w[0..wlen) into out
 * (RK_NAMES_MAX_LEN + 1 bytes): "www.example.com", "." for the root.
 * Returns the text length.
 */
static size_t
wire_to_text(const uint8_t *w, size_t wlen, char *out)
{
	size_t olen = 0, i = 0;

	out[0] = '\0';
	while (i < wlen && w[i] != 0) {
		size_t l = w[i];

		if (olen > 0) {
			if (olen + 1 > RK_NAMES_MAX_LEN)
				break;
			out[olen++] = '.';
			out[olen] = '\0';
		}
		if (!rk_names_escape(out, &olen, w + i + 1, l,
		    RK_NAMES_ESC_LABEL | RK_NAMES_ESC_FOLD))
			break;
		i += 1 + l;
	}
	if (olen == 0) {
		out[0] = '.';
		out[1] = '\0';
		olen = 1;
	}
	return olen;
}

/* Case-insensitive compare of label l[0..llen) with lowercase s. */
static bool
label_is(const uint8_t *l, size_t llen, const char *s)
{
	size_t slen = strlen(s);

	if (llen != slen)
		return false;
	for (size_t i = 0; i < llen; i++) {
		uint8_t c = l[i];

		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c + ('a' - 'A'));
		if (c != (uint8_t)s[i])
			return false;
	}
	return true;
}

/*
 * The address a reverse-lookup name stands for: "d.c.b.a.in-addr.arpa"
 * (four decimal labels 0..255, no leading zeros) or the 32 single-nibble
 * labels of "....ip6.arpa" (RFC 3596 2.5).  Anything else (a partial
 * name, RFC 2317 "0/25" labels) is no address.  Returns true and fills a.
 */
static bool
ptr_owner_addr(const uint8_t *w, size_t wlen, uint8_t a[RK_ADDR_LEN])
{
	const uint8_t *lab[35];
	size_t llen[35], nl = 0, i = 0;

	while (i < wlen && w[i] != 0) {
		if (nl == 35)
			return false;
		lab[nl] = w + i + 1;
		llen[nl++] = w[i];
		i += 1 + (size_t)w[i];
	}
	if (nl == 6 && label_is(lab[4], llen[4], "in-addr") && label_is(lab[5], llen[5], "arpa")) {
		uint8_t v4[4];

		for (size_t k = 0; k < 4; k++) {
			unsigned v = 0;

			if (llen[k] < 1 || llen[k] > 3 || (llen[k] > 1 && lab[k][0] == '0'))
				return false;
			for (size_t j = 0; j < llen[k]; j++) {
				if (lab[k][j] < '0' || lab[k][j] > '9')
					return false;
				v = v * 10 + (unsigned)(lab[k][j] - '0');
			}
			if (v > 255)
				return false;
			v4[3 - k] = (uint8_t)v;
		}
		rk_addr_from_v4(a, v4);
		return true;
	}
	if (nl == 34 && label_is(lab[32], llen[32], "ip6") && label_is(lab[33], llen[33], "arpa")) {
		for (size_t k = 0; k < 32; k++) {
			int h;

			if (llen[k] != 1 || (h = rk_hex_digit(lab[k][0])) < 0)
				return false;
			/* Label k is nibble 31 - k: the low nibble of byte 15 - k / 2 first. */
			if (k % 2 == 0)
				a[15 - k / 2] = (uint8_t)h;
			else
				a[15 - k / 2] |= (uint8_t)(h << 4);
		}
		return true;
	}
	return false;
}

/*
 * True if msg is a successful response to a standard query: QR=1, OPCODE 0
 * (QUERY), RCODE 0 (RFC 1035 4.1.1).  False for anything shorter than the
 * flags.  O(1).
 */
bool
rk_names_dns_is_answer(const uint8_t *msg, size_t len)
{
	if (len < 4)
		return false;
	return (msg[2] & 0xf8) == 0x80 && (msg[3] & 0x0f) == 0;
}

/*
 * Parse one DNS message msg[0..len) (no TCP length prefix).  For a
 * successful response (rk_names_dns_is_answer) the questions are skipped
 * and every answer record is read; each A, AAAA or PTR record of class IN
 * calls cb(arg, addr, name) (cb may be NULL: then this only validates).
 * Other messages are not read beyond the header and return 0.  Returns the
 * number of pairs found, -RK_E_TRUNC if the message is shorter than its
 * header or counts say, -RK_E_FORMAT for a bad name or an A/AAAA record of
 * the wrong size.  cb is called only as records are read, so a caller that
 * wants all or nothing validates first with cb NULL.  Pure: no state, no
 * allocation; O(len) (each name costs at most 255 bytes + 64 jumps).
 */
int
rk_names_dns_parse(const uint8_t *msg, size_t len, rk_names_dns_cb cb, void *arg)
{
	uint8_t w[DNS_MAX_NAME], tw[DNS_MAX_NAME];
	char text[RK_NAMES_MAX_LEN + 1];
	uint8_t a[RK_ADDR_LEN];
	size_t off = DNS_HDR_LEN, wl, twl, end = 0;
	unsigned qd, an;
	int found = 0, rc;

	/* RFC 1035 4.1.1: the fixed header. */
	if (len < DNS_HDR_LEN)
		return -RK_E_TRUNC;
	if (!rk_names_dns_is_answer(msg, len))
		return 0;
	qd = rk_be16(msg + 4);
	an = rk_be16(msg + 6);

	/* RFC 1035 4.1.2: QNAME, QTYPE, QCLASS; nothing to learn. */
	for (unsigned i = 0; i < qd; i++) {
		if ((rc = read_name(msg, len, off, &end, w, &wl)) < 0)
			return rc;
		if (len - end < 4)
			return -RK_E_TRUNC;
		off = end + 4;
	}

	/* RFC 1035 4.1.3: NAME, TYPE, CLASS, TTL, RDLENGTH, RDATA. */
	for (unsigned i = 0; i < an; i++) {
		uint16_t type, class, rdlen;
		size_t rd;

		if ((rc = read_name(msg, len, off, &end, w, &wl)) < 0)
			return rc;
		if (len - end < 10)
			return -RK_E_TRUNC;
		type = rk_be16(msg + end);
		/* The top bit is mDNS's cache-flush flag (RFC 6762 10.2). */
		class = rk_be16(msg + end + 2) & 0x7fff;
		rdlen = rk_be16(msg + end + 8);
		rd = end + 10;
		if (len - rd < rdlen)
			return -RK_E_TRUNC;
		off = rd + rdlen;
		if (class != DNS_CLASS_IN)
			continue;
		switch (type) {
		case DNS_TYPE_A:
			if (rdlen != 4)
				return -RK_E_FORMAT;
			rk_addr_from_v4(a, msg + rd);
			break;
		case DNS_TYPE_AAAA:
			if (rdlen != RK_ADDR_LEN)
				return -RK_E_FORMAT;
			memcpy(a, msg + rd, RK_ADDR_LEN);
			break;
		case DNS_TYPE_PTR:
			/* The target must lie within RDATA (pointers may leave it). */
			if ((rc = read_name(msg, rd + rdlen, rd, &end, tw, &twl)) < 0)
				return rc;
			if (!ptr_owner_addr(w, wl, a))
				continue;
			memcpy(w, tw, twl);
			wl = twl;
			break;
		default:
			continue;
		}
		if (wl == 1)
			continue; /* the root names nothing */
		found++;
		if (cb != NULL) {
			wire_to_text(w, wl, text);
			cb(arg, a, text);
		}
	}
	return found;
}
