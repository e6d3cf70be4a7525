/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/html.c - the escaping and parsing edge of the web report.
 *
 * Every value that reaches a page goes through one of two escapers: text
 * (element content) or attribute (always double-quoted by the caller).
 * Host names learned from DNS answers come from strangers, so nothing is
 * trusted: the escapers also replace control bytes and bytes >= 0x80 (the
 * names module keeps names printable, but this does not rely on it).
 * Query parameters come from anyone who can reach the server: each parser
 * takes a NUL-terminated string, checks all of it, and returns 0 or
 * -RK_E_INVAL; the routes answer 400 with a message on failure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/human.h"
#include "web/web_int.h"

static void
esc(FILE *f, const char *s, int attr)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				fprintf(f, "&#xfffd;");
			else if (attr && *p == '`')
				fputs("&#96;", f);
			else
				fputc(*p, f);
		}
	}
}

/* Write s as HTML element text.  NULL writes nothing.  O(len), no allocation. */
void
rk_html_text(FILE *f, const char *s)
{
	if (s != NULL)
		esc(f, s, 0);
}

/* Write s as the value of a double-quoted HTML attribute.  NULL writes nothing. */
void
rk_html_attr(FILE *f, const char *s)
{
	if (s != NULL)
		esc(f, s, 1);
}

/* Percent-encode s for a URL query value (RFC 3986 unreserved kept). */
void
rk_html_urlenc(FILE *f, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
		if (isalnum(*p) || *p == '-' || *p == '.' || *p == '_' || *p == '~' || *p == ':')
			fputc(*p, f);
		else
			fprintf(f, "%%%02X", *p);
	}
}

/* Parse a decimal in [min, max] with nothing after it.  0 or -RK_E_INVAL. */
int
rk_web_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]) || strlen(s) > 20)
		return -RK_E_INVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -RK_E_INVAL;
	*out = v;
	return 0;
}

/*
 * Parse a time for since/until: Unix seconds, "YYYY-MM-DD",
 * "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS" (UTC; what an HTML
 * datetime-local input sends), as the command line takes them
 * (rk_human_parse_time).  OUT: µs.  0 or -RK_E_INVAL.
 */
int
rk_web_parse_time(const char *s, uint64_t *out_us)
{
	return rk_human_parse_time(s, out_us) == 0 ? 0 : -RK_E_INVAL;
}

/* "tcp", "udp", "sctp" or a number 0-255.  0 or -RK_E_INVAL. */
int
rk_web_parse_proto(const char *s, uint8_t *proto)
{
	uint64_t v;

	if (s == NULL)
		return -RK_E_INVAL;
	if (strcmp(s, "tcp") == 0)
		*proto = 6;
	else if (strcmp(s, "udp") == 0)
		*proto = 17;
	else if (strcmp(s, "sctp") == 0)
		*proto = 132;
	else if (rk_web_parse_u64(s, 0, 255, &v) == 0)
		*proto = (uint8_t)v;
	else
		return -RK_E_INVAL;
	return 0;
}

/* The /24 (IPv4) or /64 (IPv6) network of ip, host bits zero. */
void
rk_web_net_of(const uint8_t ip[RK_ADDR_LEN], uint8_t out[RK_ADDR_LEN])
{
	size_t keep = rk_addr_is_v4(ip) ? 15 : 8;

	memcpy(out, ip, keep);
	memset(out + keep, 0, RK_ADDR_LEN - keep);
}

/*
 * A network as "10.1.2.0/24" or "2001:db8::/64" (the prefix length must be
 * 24 or 64 by family; host bits must be zero).  The plain address form is
 * accepted too.  0 or -RK_E_INVAL.
 */
int
rk_web_parse_net(const char *s, uint8_t out[RK_ADDR_LEN])
{
	char buf[RK_ADDR_STRLEN + 8];
	uint8_t a[RK_ADDR_LEN], n[RK_ADDR_LEN];
	char *slash;

	if (s == NULL || strlen(s) >= sizeof(buf))
		return -RK_E_INVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if (rk_addr_parse(buf, a) != 0)
		return -RK_E_INVAL;
	if (slash != NULL && strcmp(slash, rk_addr_is_v4(a) ? "24" : "64") != 0)
		return -RK_E_INVAL;
	rk_web_net_of(a, n);
	if (memcmp(a, n, RK_ADDR_LEN) != 0)
		return -RK_E_INVAL;
	memcpy(out, n, RK_ADDR_LEN);
	return 0;
}

/* A service from its three query parameters.  0 or -RK_E_INVAL. */
int
rk_web_parse_svc(const char *ip, const char *proto, const char *port, struct rk_ep_key *k)
{
	uint64_t v;

	memset(k, 0, sizeof(*k));
	if (ip == NULL || rk_addr_parse(ip, k->ip) != 0)
		return -RK_E_INVAL;
	if (rk_web_parse_proto(proto, &k->proto) != 0)
		return -RK_E_INVAL;
	if (rk_web_parse_u64(port, 0, 65535, &v) != 0)
		return -RK_E_INVAL;
	k->port = (uint16_t)v;
	return 0;
}
