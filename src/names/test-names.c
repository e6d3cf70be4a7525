/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * names/test-names.c - unit tests for the names tables and the DNS parser.
 *
 * Files are written to temporary files (mkstemp) and removed again.  DNS
 * messages are written as hex byte strings in the test, as a capture would
 * show them; a small builder makes the long ones (ip6.arpa names, names
 * near 255 bytes, pointer chains).  Every malformed message is also parsed
 * at every truncated length, so the sanitizers see any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "names/names.h"
#include "util/test-hex.h"

/* ---- helpers ---- */

/* Decode the hex digits of s into a malloc'd buffer (other characters are ignored). */
static uint8_t *
hex(const char *s, size_t *len)
{
	uint8_t *b = malloc(strlen(s) / 2 + 1);

	assert_non_null(b);
	*len = rk_test_hex(s, b, strlen(s) / 2 + 1);
	return b;
}

/* Write text to a new temporary file; returns its malloc'd path. */
static char *
tmpfile_with(const char *text)
{
	char *path = strdup("/tmp/test-names-XXXXXX");
	int fd;

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
rm_tmp(char *path)
{
	unlink(path);
	free(path);
}

static const char *
host(const struct rk_names *n, const char *addr)
{
	uint8_t a[RK_ADDR_LEN];

	assert_int_equal(rk_addr_parse(addr, a), 0);
	return rk_names_host(n, a);
}

/* Learn from a hex message (UDP framing). */
static int
learn_hex(struct rk_names *n, const char *h)
{
	size_t len;
	uint8_t *m = hex(h, &len);
	int rc = rk_names_learn_dns(n, m, len, 0);

	free(m);
	return rc;
}

/* A message builder for the long cases. */
struct mb {
	uint8_t b[4096]; /* the message */
	size_t len;      /* bytes used */
};

static void
mb_u8(struct mb *m, unsigned v)
{
	assert_true(m->len < sizeof(m->b));
	m->b[m->len++] = (uint8_t)v;
}

static void
mb_u16(struct mb *m, unsigned v)
{
	mb_u8(m, v >> 8);
	mb_u8(m, v & 0xff);
}

/* Append a dotted name as uncompressed labels (no escapes; "" = root). */
static void
mb_name(struct mb *m, const char *s)
{
	while (*s != '\0') {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);

		mb_u8(m, (unsigned)l);
		for (size_t i = 0; i < l; i++)
			mb_u8(m, (uint8_t)s[i]);
		s += l + (dot ? 1 : 0);
	}
	mb_u8(m, 0);
}

static void
mb_header(struct mb *m, unsigned flags, unsigned qd, unsigned an)
{
	m->len = 0;
	mb_u16(m, 0x1234);
	mb_u16(m, flags);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, 0);
	mb_u16(m, 0);
}

/* Every prefix of a message must be refused or parsed, never read past its end. */
static void
parse_all_prefixes(const uint8_t *m, size_t len)
{
	for (size_t l = 0; l <= len; l++) {
		uint8_t *copy = malloc(l ? l : 1); /* exact size, so ASan sees overreads */

		assert_non_null(copy);
		memcpy(copy, m, l);
		(void)rk_names_dns_parse(copy, l, NULL, NULL);
		free(copy);
	}
}

/* www.example.com A 93.184.216.34 */
static const char *const A_RESP =
    "1234 8180 0001 0001 0000 0000"
    "03777777 076578616d706c65 03636f6d 00 0001 0001"
    "c00c 0001 0001 00000e10 0004 5db8d822";

/* ---- services ---- */

static void
test_services(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;
	struct rk_err err = {0};
	char *f1 = tmpfile_with(
	    "# /etc/services excerpt\n"
	    "\n"
	    "ssh\t\t22/tcp\t\t\t\t# SSH Remote Login Protocol\n"
	    "http  80/tcp  www www-http   # WorldWideWeb HTTP\n"
	    "domain 53/udp\n"
	    "domain 53/tcp\n"
	    "sctp-x 9899/sctp\n"
	    "rtmp 1/ddp\n"
	    "bogus 70000/tcp\n"
	    "noproto 81\n"
	    "lonely\n"
	    "neg -1/tcp\n"
	    "big 123456/tcp\n"
	    "empty 82/\n"
	    "dup 90/tcp\n"
	    "dup2 90/tcp\n"
	    "glued 91/tcp#comment\n"
	    "   \t  # only a comment\n"
	    "order-api 50020/tcp");
	char *f2 = tmpfile_with("order-api 50020/tcp\nweb 80/tcp\n");

	(void)state;
	assert_non_null(n);
	assert_null(rk_names_service(n, 6, 22));
	assert_int_equal(rk_names_load_services(n, f1, &err), 0);
	assert_string_equal(rk_names_service(n, 6, 22), "ssh");
	assert_string_equal(rk_names_service(n, 6, 80), "http");
	assert_string_equal(rk_names_service(n, 17, 53), "domain");
	assert_string_equal(rk_names_service(n, 6, 53), "domain");
	assert_string_equal(rk_names_service(n, 132, 9899), "sctp-x");
	assert_string_equal(rk_names_service(n, 6, 90), "dup2"); /* last line wins */
	assert_string_equal(rk_names_service(n, 6, 91), "glued");
	assert_string_equal(rk_names_service(n, 6, 50020), "order-api"); /* no final newline */
	assert_null(rk_names_service(n, 17, 22));
	assert_null(rk_names_service(n, 6, 81));
	assert_null(rk_names_service(n, 1, 22)); /* ICMP has no ports */
	assert_null(rk_names_service(n, 132, 22));
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_services, 8);
	assert_int_equal(st.n_file_bad, 6); /* bogus, noproto, lonely, neg, big, empty */

	/* The site's file after /etc/services overrides it. */
	assert_int_equal(rk_names_load_services(n, f2, &err), 0);
	assert_string_equal(rk_names_service(n, 6, 80), "web");
	assert_string_equal(rk_names_service(n, 6, 22), "ssh");
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_services, 8);

	/* Control bytes in a file never reach a name. */
	assert_int_equal(rk_names_add_service(n, 17, 7, "ec\x01ho"), 0);
	assert_string_equal(rk_names_service(n, 17, 7), "ec\\001ho");
	assert_int_equal(rk_names_add_service(n, 47, 7, "gre"), -RK_E_INVAL);
	assert_int_equal(rk_names_add_service(n, 6, 7, ""), -RK_E_INVAL);

	rm_tmp(f1);
	rm_tmp(f2);
	rk_names_free(n);
}

/* Site names are marked as the site's; nmap-services gives how often a port is open. */
static void
test_site_services_and_port_freqs(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;
	struct rk_err err = {0};
	char *sys = tmpfile_with("sip 5060/tcp\ndircproxy 57000/tcp\n");
	char *site = tmpfile_with("order-api 50020/tcp\n");
	char *ports = tmpfile_with(
	    "# Fields: name port/proto open-frequency\n"
	    "http\t80/tcp\t0.484143\t# World Wide Web HTTP\n"
	    "sip 5060/tcp 0.010613\n"
	    "ntp 123/udp 0.330879\n"
	    "unknown 40005/tcp 0.000076\n"
	    "weird 81/tcp abc\n"
	    "neg 82/tcp -0.5\n"
	    "over 83/tcp 1.5\n"
	    "short 84/tcp\n"
	    "rtmp 1/ddp 0.5\n");

	(void)state;
	assert_false(rk_names_has_port_freqs(n));
	assert_int_equal(rk_names_load_services(n, sys, &err), 0);
	assert_int_equal(rk_names_load_site_services(n, site, &err), 0);
	assert_true(rk_names_is_site_service(n, 6, 50020));
	assert_false(rk_names_is_site_service(n, 6, 5060));
	assert_false(rk_names_is_site_service(n, 17, 50020));
	assert_true(rk_names_has_service(n, 6, 57000));
	assert_int_equal(rk_names_load_ports(n, ports, &err), 0);
	assert_true(rk_names_has_port_freqs(n));
	assert_true(rk_names_port_open_freq(n, 6, 80) > 0.48);
	assert_true(rk_names_port_open_freq(n, 17, 123) > 0.33);
	assert_true(rk_names_port_open_freq(n, 6, 40005) > 0.0);
	assert_true(rk_names_port_open_freq(n, 6, 57000) == 0.0);
	assert_true(rk_names_port_open_freq(n, 6, 81) == 0.0);
	assert_true(rk_names_port_open_freq(n, 1, 80) == 0.0);
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_file_bad, 4); /* weird, neg, over, short */
	assert_int_equal(rk_names_load_ports(n, "/nonexistent/nmap-services", &err), -RK_E_IO);
	rm_tmp(sys);
	rm_tmp(site);
	rm_tmp(ports);
	rk_names_free(n);
}

static void
test_services_missing(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_err err = {0};

	(void)state;
	assert_int_equal(rk_names_load_services(n, "/nonexistent/services", &err), -RK_E_IO);
	assert_int_equal(err.code, RK_E_IO);
	assert_non_null(strstr(err.msg, "/nonexistent/services"));
	assert_non_null(strstr(err.msg, "No such file"));
	assert_int_equal(rk_names_load_hosts(n, "/nonexistent/hosts", NULL), -RK_E_IO);
	/* A directory opens but does not read. */
	assert_int_equal(rk_names_load_hosts(n, "/", &err), -RK_E_IO);
	assert_non_null(strstr(err.msg, "/: "));
	rk_names_free(n);
	rk_names_free(NULL);
}

/* ---- hosts ---- */

static void
test_hosts(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;
	char *f1 = tmpfile_with(
	    "127.0.0.1\tlocalhost\n"
	    "::1 localhost ip6-localhost ip6-loopback\n"
	    "192.168.1.11 CommonWebService1 web1 # the paper's example\n"
	    "192.168.1.11 second-name\n"
	    "2001:db8::5 v6host.example.net\n"
	    "10.0.0.1\n"
	    "999.1.1.1 bad\n"
	    "fe80::1%eth0 zoned\n"
	    "10.0.0.2 odd\x7fname\n");
	char *f2 = tmpfile_with("192.168.1.11 renamed\n10.9.9.9 db1\n");

	(void)state;
	assert_int_equal(rk_names_load_hosts(n, f1, NULL), 0);
	assert_string_equal(host(n, "127.0.0.1"), "localhost");
	assert_string_equal(host(n, "::1"), "localhost");
	assert_string_equal(host(n, "192.168.1.11"), "CommonWebService1"); /* first wins */
	assert_string_equal(host(n, "2001:db8::5"), "v6host.example.net");
	assert_string_equal(host(n, "10.0.0.2"), "odd\\127name");
	assert_null(host(n, "10.0.0.1"));
	assert_null(host(n, "192.168.1.12"));
	assert_null(host(n, "::ffff:0:0")); /* 0.0.0.0 */
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_hosts_file, 5);
	assert_int_equal(st.n_file_bad, 3);

	/* A later file overrides; a DNS answer does not override either. */
	assert_int_equal(rk_names_load_hosts(n, f2, NULL), 0);
	assert_string_equal(host(n, "192.168.1.11"), "renamed");
	assert_string_equal(host(n, "10.9.9.9"), "db1");
	assert_string_equal(host(n, "127.0.0.1"), "localhost");
	assert_int_equal(learn_hex(n, "1234 8180 0000 0001 0000 0000"
	    "03777777 076578616d706c65 03636f6d 00 0001 0001 00000e10 0004 0a090909"), 0);
	assert_string_equal(host(n, "10.9.9.9"), "db1");
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_hosts_file, 6);
	assert_int_equal(st.n_hosts_dns, 0);
	assert_int_equal(st.n_dns_refused, 0);

	rm_tmp(f1);
	rm_tmp(f2);
	rk_names_free(n);
}

/* Many addresses: the table grows and every name stays where it was handed out. */
static void
test_hosts_grow(void **state)
{
	struct rk_names *n = rk_names_new(100000);
	const char *first;
	struct mb m;
	char name[32];

	(void)state;
	for (unsigned i = 0; i < 5000; i++) {
		mb_header(&m, 0x8180, 0, 1);
		snprintf(name, sizeof(name), "h%u.example.com", i);
		mb_name(&m, name);
		mb_u16(&m, 1);
		mb_u16(&m, 1);
		mb_u16(&m, 0);
		mb_u16(&m, 60);
		mb_u16(&m, 4);
		mb_u8(&m, 10);
		mb_u8(&m, 1);
		mb_u8(&m, i >> 8);
		mb_u8(&m, i & 0xff);
		assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), 1);
		if (i == 0)
			first = host(n, "10.1.0.0");
	}
	assert_string_equal(host(n, "10.1.0.0"), "h0.example.com");
	assert_ptr_equal(host(n, "10.1.0.0"), first);
	assert_string_equal(host(n, "10.1.19.135"), "h4999.example.com");
	assert_null(host(n, "10.1.19.136"));
	rk_names_free(n);
}

/* ---- DNS ---- */

static void
test_dns_a(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;

	(void)state;
	assert_int_equal(learn_hex(n, A_RESP), 1);
	assert_string_equal(host(n, "93.184.216.34"), "www.example.com");
	assert_null(host(n, "93.184.216.35"));
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_dns_parsed, 1);
	assert_int_equal(st.n_hosts_dns, 1);
	assert_int_equal(st.n_dns_bad, 0);

	/* The same answer again changes nothing; a new one replaces it. */
	assert_int_equal(learn_hex(n, A_RESP), 1);
	assert_int_equal(learn_hex(n, "1234 8180 0000 0001 0000 0000"
	    "03617069 076578616d706c65 03636f6d 00 0001 0001 00000e10 0004 5db8d822"), 1);
	assert_string_equal(host(n, "93.184.216.34"), "api.example.com");
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_hosts_dns, 1);

	/* An A record of the wrong size makes the message malformed. */
	assert_true(learn_hex(n, "1234 8180 0000 0001 0000 0000"
	    "03617069 00 0001 0001 00000e10 0005 5db8d82201") < 0);
	/* Class CH and other types are stepped over. */
	assert_int_equal(learn_hex(n, "1234 8180 0000 0002 0000 0000"
	    "03617069 00 0001 0003 00000e10 0005 5db8d82201"
	    "03617069 00 0010 0001 00000e10 0003 026869"), 0);
	/* mDNS's cache-flush bit is not part of the class. */
	assert_int_equal(learn_hex(n, "0000 8400 0000 0001 0000 0000"
	    "0570726e7431 056c6f63616c 00 0001 8001 00000078 0004 c0a80164"), 1);
	assert_string_equal(host(n, "192.168.1.100"), "prnt1.local");
	rk_names_free(n);
}

static void
test_dns_aaaa(void **state)
{
	struct rk_names *n = rk_names_new(16);

	(void)state;
	assert_int_equal(learn_hex(n, "abcd 8180 0001 0001 0000 0000"
	    "03777777 076578616d706c65 03636f6d 00 001c 0001"
	    "c00c 001c 0001 00000e10 0010 26062800022000010248189325c81946"), 1);
	assert_string_equal(host(n, "2606:2800:220:1:248:1893:25c8:1946"), "www.example.com");
	assert_true(learn_hex(n, "abcd 8180 0000 0001 0000 0000"
	    "00 001c 0001 00000e10 0004 01020304") < 0);
	/* Sinkhole answers (0.0.0.0, ::) name nothing. */
	assert_int_equal(learn_hex(n, "abcd 8180 0000 0002 0000 0000"
	    "02616400 0001 0001 00000e10 0004 00000000"
	    "02616400 001c 0001 00000e10 0010 00000000000000000000000000000000"), 0);
	assert_null(host(n, "0.0.0.0"));
	assert_null(host(n, "::"));
	rk_names_free(n);
}

static void
test_dns_ptr_v4(void **state)
{
	struct rk_names *n = rk_names_new(16);

	(void)state;
	/* 34.216.184.93.in-addr.arpa PTR web.example.com */
	assert_int_equal(learn_hex(n, "0001 8580 0001 0001 0000 0000"
	    "023334 03323136 03313834 023933 07696e2d61646472 0461727061 00 000c 0001"
	    "c00c 000c 0001 00000e10 0011 03776562 076578616d706c65 03636f6d 00"), 1);
	assert_string_equal(host(n, "93.184.216.34"), "web.example.com");
	/* Case does not matter; the target is lowercased. */
	assert_int_equal(learn_hex(n, "0001 8580 0000 0001 0000 0000"
	    "0130 0130 0130 023130 07494e2d41444452 0441525041 00"
	    "000c 0001 00000e10 0006 044d41494c 00"), 1);
	assert_string_equal(host(n, "10.0.0.0"), "mail");
	/* Not an address: leading zero, too few labels, RFC 2317, > 255. */
	assert_int_equal(learn_hex(n, "0001 8580 0000 0004 0000 0000"
	    "023031 0130 0130 023130 07696e2d61646472 0461727061 00"
	    "000c 0001 00000e10 0003 017800"
	    "0130 023130 07696e2d61646472 0461727061 00"
	    "000c 0001 00000e10 0003 017800"
	    "04302f3235 0130 0130 023130 07696e2d61646472 0461727061 00"
	    "000c 0001 00000e10 0003 017800"
	    "03323536 0130 0130 023130 07696e2d61646472 0461727061 00"
	    "000c 0001 00000e10 0003 017800"), 0);
	/* Nor is 1.2.3.4.foo.arpa, a letter, a 4-digit label, or 34 labels not under ip6.arpa. */
	assert_int_equal(learn_hex(n, "0001 8580 0000 0004 0000 0000"
	    "0131 0132 0133 0134 03666f6f 0461727061 00"
	    "000c 0001 00000e10 0003 017800"
	    "0161 0132 0133 0134 07696e2d61646472 0461727061 00"
	    "000c 0001 00000e10 0003 017800"
	    "0431323334 0132 0133 0134 07696e2d61646472 0461727061 00"
	    "000c 0001 00000e10 0003 017800"
	    "0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130"
	    "0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130 0130"
	    "03697036 03617270 00"
	    "000c 0001 00000e10 0003 017800"), 0);
	assert_null(host(n, "10.0.0.1"));
	assert_null(host(n, "4.3.2.1"));
	/* A PTR target may not run past RDATA. */
	assert_true(learn_hex(n, "0001 8580 0000 0001 0000 0000"
	    "0131 0130 0130 023130 07696e2d61646472 0461727061 00"
	    "000c 0001 00000e10 0002 0178 00") < 0);
	/* A PTR target may be compressed. */
	assert_int_equal(learn_hex(n, "0001 8580 0001 0001 0000 0000"
	    "0135 0130 0130 023130 07696e2d61646472 0461727061 00 000c 0001"
	    "c00c 000c 0001 00000e10 0006 03646e73 c015"), 1);
	assert_string_equal(host(n, "10.0.0.5"), "dns.in-addr.arpa");
	rk_names_free(n);
}

static void
test_dns_ptr_v6(void **state)
{
	struct rk_names *n = rk_names_new(16);
	/* 2001:db8::567:89ab reversed: 32 nibbles, lowest first. */
	const char *nib = "b.a.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
	char upper[128];
	struct mb m;

	(void)state;
	mb_header(&m, 0x8180, 1, 1);
	mb_name(&m, nib);
	mb_u16(&m, 12);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 12);
	mb_u16(&m, 1);
	mb_u16(&m, 0);
	mb_u16(&m, 3600);
	mb_u16(&m, 12);
	mb_name(&m, "v6.example");
	assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), 1);
	assert_string_equal(host(n, "2001:db8::567:89ab"), "v6.example");
	parse_all_prefixes(m.b, m.len);

	/* Upper-case nibbles and IP6.ARPA are the same name. */
	for (size_t i = 0; i <= strlen(nib); i++)
		upper[i] = (char)(nib[i] >= 'a' && nib[i] <= 'z' ? nib[i] - 32 : nib[i]);
	mb_header(&m, 0x8180, 0, 1);
	mb_name(&m, upper);
	mb_u16(&m, 12);
	mb_u16(&m, 1);
	mb_u16(&m, 0);
	mb_u16(&m, 3600);
	mb_u16(&m, 5);
	mb_name(&m, "v6b");
	assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), 1);
	assert_string_equal(host(n, "2001:db8::567:89ab"), "v6b");

	/* A nibble that is not hex, or a label of two, is no address. */
	upper[0] = 'g';
	mb_header(&m, 0x8180, 0, 1);
	mb_name(&m, upper);
	mb_u16(&m, 12);
	mb_u16(&m, 1);
	mb_u16(&m, 0);
	mb_u16(&m, 3600);
	mb_u16(&m, 5);
	mb_name(&m, "bad");
	assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), 0);
	mb_header(&m, 0x8180, 0, 1);
	mb_name(&m, "ba.9.8.7.6.5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.0.ip6.arpa");
	mb_u16(&m, 12);
	mb_u16(&m, 1);
	mb_u16(&m, 0);
	mb_u16(&m, 3600);
	mb_u16(&m, 5);
	mb_name(&m, "bad");
	assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), 0);
	assert_string_equal(host(n, "2001:db8::567:89ab"), "v6b");
	rk_names_free(n);
}

/* www.example.com CNAME e1.cdn.example.com (compressed), e1.cdn.example.com A 192.0.2.1 */
static const char *const CNAME_RESP =
    "1234 8180 0001 0002 0000 0000"
    "03777777 076578616d706c65 03636f6d 00 0001 0001"
    "c00c 0005 0001 00000e10 0009 026531 0363646e c010"
    "c02d 0001 0001 00000e10 0004 c0000201";

static void
test_dns_compression(void **state)
{
	struct rk_names *n = rk_names_new(16);
	size_t len, end = 70;
	uint8_t *m = hex(CNAME_RESP, &len);

	(void)state;
	assert_int_equal(len, end);
	assert_int_equal(rk_names_learn_dns(n, m, len, 0), 1);
	assert_string_equal(host(n, "192.0.2.1"), "e1.cdn.example.com");

	/* Every truncation inside the answers is refused, and nothing is learned. */
	for (size_t l = 0; l < end; l++) {
		struct rk_names *n2 = rk_names_new(16);
		uint8_t *copy = malloc(l ? l : 1);
		struct rk_names_stats st;

		memcpy(copy, m, l);
		assert_true(rk_names_learn_dns(n2, copy, l, 0) < 0);
		assert_null(host(n2, "192.0.2.1"));
		rk_names_get_stats(n2, &st);
		assert_int_equal(st.n_dns_bad, 1);
		assert_int_equal(st.n_hosts_dns, 0);
		free(copy);
		rk_names_free(n2);
	}
	free(m);
	m = hex(A_RESP, &len);
	parse_all_prefixes(m, len);
	for (size_t l = 0; l < len; l++)
		assert_true(rk_names_dns_parse(m, l, NULL, NULL) < 0);
	/* Bytes after the answers (authority, additional) are not read. */
	assert_int_equal(rk_names_dns_parse(m, len, NULL, NULL), 1);
	free(m);
	rk_names_free(n);
}

static void
test_dns_bad_pointers(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;
	struct mb m;
	static const char *const bad[] = {
		/* A question name that points at itself. */
		"1234 8180 0001 0000 0000 0000 c00c 0001 0001",
		/* A label, then a pointer back to that label: a loop. */
		"1234 8180 0001 0000 0000 0000 0161 c00c 0001 0001",
		/* A forward pointer. */
		"1234 8180 0001 0000 0000 0000 c00e 00 0001 0001",
		/* A pointer into the header. */
		"1234 8180 0001 0000 0000 0000 c004 0001 0001",
		/* Answer owner pointing at itself. */
		"1234 8180 0000 0001 0000 0000 c00c 0001 0001 00000e10 0004 01020304",
		/* Two names pointing at each other (the second one is a forward pointer). */
		"1234 8180 0002 0000 0000 0000 c012 0001 0001 c00c 0001 0001",
		/* Pointer cut in half. */
		"1234 8180 0001 0000 0000 0000 c0",
		/* Label types 01 and 10. */
		"1234 8180 0001 0000 0000 0000 4100 0001 0001",
		"1234 8180 0001 0000 0000 0000 8100 0001 0001",
		/* A label of 64. */
		"1234 8180 0001 0000 0000 0000 40",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len;
		uint8_t *b = hex(bad[i], &len);

		assert_true(rk_names_learn_dns(n, b, len, 0) < 0);
		parse_all_prefixes(b, len);
		free(b);
	}
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_dns_bad, sizeof(bad) / sizeof(bad[0]));

	/* A chain of pointers: 64 jumps are followed, 65 are not. */
	for (unsigned jumps = 64; jumps <= 65; jumps++) {
		mb_header(&m, 0x8180, jumps + 1, 0);
		mb_u8(&m, 0); /* question 0: the root */
		mb_u16(&m, 1);
		mb_u16(&m, 1);
		for (unsigned q = 1; q <= jumps; q++) {
			/* Question 0 takes 5 bytes, the others 6; q points at q - 1. */
			mb_u16(&m, 0xc000 | (q == 1 ? 12u : 17u + (q - 2) * 6));
			mb_u16(&m, 1);
			mb_u16(&m, 1);
		}
		if (jumps == 64)
			assert_int_equal(rk_names_dns_parse(m.b, m.len, NULL, NULL), 0);
		else
			assert_int_equal(rk_names_dns_parse(m.b, m.len, NULL, NULL), -RK_E_FORMAT);
	}

	/* 255 bytes on the wire is the most a name may have. */
	for (unsigned total = 255; total <= 256; total++) {
		unsigned left = total - 1; /* the root label */

		mb_header(&m, 0x8180, 1, 0);
		while (left > 0) {
			unsigned l = left - 1 > 63 ? 63 : left - 1;

			if (left - 1 - l == 1)
				l--; /* never leave room for only a length byte */
			mb_u8(&m, l);
			for (unsigned i = 0; i < l; i++)
				mb_u8(&m, 'a');
			left -= l + 1;
		}
		mb_u8(&m, 0);
		mb_u16(&m, 1);
		mb_u16(&m, 1);
		assert_int_equal(rk_names_dns_parse(m.b, m.len, NULL, NULL),
		    total == 255 ? 0 : -RK_E_FORMAT);
	}
	rk_names_free(n);
}

static void
test_dns_not_answers(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;
	size_t len;
	uint8_t *m = hex(A_RESP, &len);

	(void)state;
	/* A query (QR=0) with the same records is ignored. */
	m[2] = 0x01;
	m[3] = 0x00;
	assert_int_equal(rk_names_learn_dns(n, m, len, 0), 0);
	/* NXDOMAIN, SERVFAIL, an UPDATE response. */
	m[2] = 0x81;
	m[3] = 0x83;
	assert_int_equal(rk_names_learn_dns(n, m, len, 0), 0);
	m[3] = 0x82;
	assert_int_equal(rk_names_learn_dns(n, m, len, 0), 0);
	m[2] = 0xa8;
	m[3] = 0x00;
	assert_int_equal(rk_names_learn_dns(n, m, len, 0), 0);
	assert_null(host(n, "93.184.216.34"));
	/* Shorter than a header is malformed, whatever it is. */
	assert_true(rk_names_learn_dns(n, m, 11, 0) < 0);
	assert_false(rk_names_dns_is_answer(m, 3));
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_dns_parsed, 0);
	assert_int_equal(st.n_dns_bad, 1);
	free(m);
	rk_names_free(n);
}

static void
test_dns_tcp(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;
	size_t alen, clen;
	uint8_t *a = hex(A_RESP, &alen);
	uint8_t *c = hex(CNAME_RESP, &clen);
	uint8_t buf[512];
	size_t len = 0;

	(void)state;
	/* Two framed messages in one payload, then half a frame. */
	buf[len++] = (uint8_t)(alen >> 8);
	buf[len++] = (uint8_t)alen;
	memcpy(buf + len, a, alen);
	len += alen;
	buf[len++] = (uint8_t)(clen >> 8);
	buf[len++] = (uint8_t)clen;
	memcpy(buf + len, c, clen);
	len += clen;
	buf[len++] = 0;
	buf[len++] = 100;
	buf[len++] = 0x12;
	assert_int_equal(rk_names_learn_dns(n, buf, len, 1), 2);
	assert_string_equal(host(n, "93.184.216.34"), "www.example.com");
	assert_string_equal(host(n, "192.0.2.1"), "e1.cdn.example.com");
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_dns_parsed, 2);
	assert_int_equal(st.n_dns_bad, 0);

	/* The same bytes without framing, and a frame longer than the payload. */
	assert_true(rk_names_learn_dns(n, a, alen, 1) < 0);
	assert_true(rk_names_learn_dns(n, buf, 2 + alen - 1, 1) < 0);
	assert_true(rk_names_learn_dns(n, buf, 1, 1) < 0);
	assert_true(rk_names_learn_dns(n, buf, 0, 1) < 0);
	/* A frame of length 0. */
	buf[0] = 0;
	buf[1] = 0;
	assert_true(rk_names_learn_dns(n, buf, 2, 1) < 0);
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_dns_bad, 5);
	free(a);
	free(c);
	rk_names_free(n);
}

static void
test_dns_hostile_names(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct mb m;
	const char *h;

	(void)state;
	/* <script>.example.com A 10.0.0.1: markup stays literal text (the report escapes). */
	assert_int_equal(learn_hex(n, "1234 8180 0000 0001 0000 0000"
	    "083c7363726970743e 076578616d706c65 03636f6d 00 0001 0001 00000e10 0004 0a000001"),
	    1);
	assert_string_equal(host(n, "10.0.0.1"), "<script>.example.com");
	/* A NUL, a space, a DEL, a high byte, a dot and a backslash inside labels. */
	assert_int_equal(learn_hex(n, "1234 8180 0000 0001 0000 0000"
	    "03610062 0461207f ff 03612e62 015c 00 0001 0001 00000e10 0004 0a000002"), 1);
	h = host(n, "10.0.0.2");
	assert_string_equal(h, "a\\000b.a\\032\\127\\255.a\\.b.\\\\");
	for (const char *p = h; *p != '\0'; p++)
		assert_true(*p >= 0x21 && *p <= 0x7e);
	/* Mixed case folds. */
	assert_int_equal(learn_hex(n, "1234 8180 0000 0001 0000 0000"
	    "03577757 00 0001 0001 00000e10 0004 0a000003"), 1);
	assert_string_equal(host(n, "10.0.0.3"), "www");
	/* The root names nothing. */
	assert_int_equal(learn_hex(n, "1234 8180 0000 0001 0000 0000"
	    "00 0001 0001 00000e10 0004 0a000004"), 0);
	assert_null(host(n, "10.0.0.4"));

	/* 250 NUL bytes on the wire would be 1000 bytes of text: cut at 255, never mid-escape. */
	mb_header(&m, 0x8180, 0, 1);
	for (int l = 0; l < 4; l++) {
		mb_u8(&m, 61);
		for (int i = 0; i < 61; i++)
			mb_u8(&m, 0);
	}
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0);
	mb_u16(&m, 0);
	mb_u16(&m, 4);
	mb_u16(&m, 0x0a00);
	mb_u16(&m, 0x0005);
	assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), 1);
	h = host(n, "10.0.0.5");
	assert_int_equal(strlen(h), 61 * 4 + 1 + 2 * 4); /* a label, a dot, two escapes */
	assert_string_equal(h + 249, "\\000");

	/* Exactly 255 bytes of text: the next dot does not fit, the name stops there. */
	mb_header(&m, 0x8180, 0, 1);
	mb_u8(&m, 63);
	for (int i = 0; i < 63; i++)
		mb_u8(&m, 1);
	mb_name(&m, "ab.c");
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0);
	mb_u16(&m, 0);
	mb_u16(&m, 4);
	mb_u16(&m, 0x0a00);
	mb_u16(&m, 0x0006);
	assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), 1);
	h = host(n, "10.0.0.6");
	assert_int_equal(strlen(h), RK_NAMES_MAX_LEN);
	assert_string_equal(h + 252, ".ab");
	rk_names_free(n);
}

static void
test_dns_cap(void **state)
{
	struct rk_names *n = rk_names_new(2);
	struct rk_names *n0 = rk_names_new(0);
	struct rk_names_stats st;
	char name[8];
	struct mb m;

	(void)state;
	for (unsigned i = 1; i <= 3; i++) {
		mb_header(&m, 0x8180, 0, 1);
		mb_name(&m, i == 1 ? "one" : i == 2 ? "two" : "three");
		mb_u16(&m, 1);
		mb_u16(&m, 1);
		mb_u16(&m, 0);
		mb_u16(&m, 0);
		mb_u16(&m, 4);
		mb_u16(&m, 0x0a00);
		mb_u16(&m, i);
		assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), i <= 2 ? 1 : 0);
		assert_int_equal(rk_names_learn_dns(n0, m.b, m.len, 0), 0);
	}
	assert_string_equal(host(n, "10.0.0.1"), "one");
	assert_string_equal(host(n, "10.0.0.2"), "two");
	assert_null(host(n, "10.0.0.3"));
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_hosts_dns, 2);
	assert_int_equal(st.n_dns_refused, 1);
	assert_int_equal(st.n_dns_parsed, 3);

	/*
	 * A known address still takes new names (the most recent answer wins)
	 * until the replacement budget (64 bytes per capped name) is spent;
	 * then the name stays and changes are refused.
	 */
	for (unsigned i = 0; i < 40; i++) {
		snprintf(name, sizeof(name), "n%05u", i); /* 7 bytes in the pool */
		mb_header(&m, 0x8180, 0, 1);
		mb_name(&m, name);
		mb_u16(&m, 1);
		mb_u16(&m, 1);
		mb_u16(&m, 0);
		mb_u16(&m, 0);
		mb_u16(&m, 4);
		mb_u16(&m, 0x0a00);
		mb_u16(&m, 1);
		assert_int_equal(rk_names_learn_dns(n, m.b, m.len, 0), i < 128 / 7 ? 1 : 0);
	}
	assert_string_equal(host(n, "10.0.0.1"), "n00017");
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_dns_refused, 1 + 40 - 128 / 7);
	assert_int_equal(st.n_hosts_dns, 2);
	rk_names_get_stats(n0, &st);
	assert_int_equal(st.n_dns_refused, 3);
	rk_names_free(n);
	rk_names_free(n0);
}

/* A hosts file loaded after learning takes the address over from DNS. */
static void
test_file_after_dns(void **state)
{
	struct rk_names *n = rk_names_new(16);
	struct rk_names_stats st;
	char *f = tmpfile_with("93.184.216.34 www.example.com\n");
	char *f2 = tmpfile_with("93.184.216.34 origin\n");

	(void)state;
	assert_int_equal(learn_hex(n, A_RESP), 1);
	assert_int_equal(rk_names_load_hosts(n, f, NULL), 0); /* same name */
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_hosts_dns, 0);
	assert_int_equal(st.n_hosts_file, 1);
	assert_int_equal(rk_names_load_hosts(n, f2, NULL), 0);
	assert_string_equal(host(n, "93.184.216.34"), "origin");
	assert_int_equal(learn_hex(n, A_RESP), 0);
	assert_string_equal(host(n, "93.184.216.34"), "origin");
	/* A learned name under another name in a file: the file's name, counted as a file's. */
	assert_int_equal(learn_hex(n, CNAME_RESP), 1);
	assert_string_equal(host(n, "192.0.2.1"), "e1.cdn.example.com");
	rm_tmp(f);
	f = tmpfile_with("192.0.2.1 edge\n");
	assert_int_equal(rk_names_load_hosts(n, f, NULL), 0);
	assert_string_equal(host(n, "192.0.2.1"), "edge");
	rk_names_get_stats(n, &st);
	assert_int_equal(st.n_hosts_dns, 0);
	assert_int_equal(st.n_hosts_file, 2);
	rm_tmp(f);
	rm_tmp(f2);
	rk_names_free(n);
}

/* Only the escape helper's corner: a cut never leaves half an escape. */
static void
test_escape(void **state)
{
	char out[RK_NAMES_MAX_LEN + 1];
	size_t olen = 0;
	uint8_t zeros[300] = {0};

	(void)state;
	assert_false(rk_names_escape(out, &olen, zeros, sizeof(zeros), 0));
	assert_int_equal(olen, 252);
	assert_int_equal(strlen(out), 252);
	olen = 0;
	assert_true(rk_names_escape(out, &olen, (const uint8_t *)"A.b", 3, RK_NAMES_ESC_FOLD));
	assert_string_equal(out, "a.b");
	olen = 0;
	assert_true(rk_names_escape(out, &olen, (const uint8_t *)"A.b", 3, RK_NAMES_ESC_LABEL));
	assert_string_equal(out, "A\\.b");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_services),
		cmocka_unit_test(test_services_missing),
		cmocka_unit_test(test_site_services_and_port_freqs),
		cmocka_unit_test(test_hosts),
		cmocka_unit_test(test_hosts_grow),
		cmocka_unit_test(test_dns_a),
		cmocka_unit_test(test_dns_aaaa),
		cmocka_unit_test(test_dns_ptr_v4),
		cmocka_unit_test(test_dns_ptr_v6),
		cmocka_unit_test(test_dns_compression),
		cmocka_unit_test(test_dns_bad_pointers),
		cmocka_unit_test(test_dns_not_answers),
		cmocka_unit_test(test_dns_tcp),
		cmocka_unit_test(test_dns_hostile_names),
		cmocka_unit_test(test_dns_cap),
		cmocka_unit_test(test_file_after_dns),
		cmocka_unit_test(test_escape),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
