/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detect/test-detect.c - each detector on hand-built verdicts: just under
 * and just over its threshold (the HyperLogLog estimate is within ~10% at
 * these sizes, so "just" is 20% either side), and a flood of 1,000,000
 * spoofed sources that must leave every table at its cap and still fire
 * with the right target.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "detect/detect.h"

#define MAX_AL 64

static void
ip4(uint8_t a[RK_ADDR_LEN], uint32_t v)
{
	memset(a, 0, RK_ADDR_LEN);
	a[10] = a[11] = 0xff;
	a[12] = (uint8_t)(v >> 24);
	a[13] = (uint8_t)(v >> 16);
	a[14] = (uint8_t)(v >> 8);
	a[15] = (uint8_t)v;
}

/* A session from client c:cp to server s:sp of kind k, the client as A. */
static void
feed(struct rk_detect *d, uint32_t c, uint16_t cp, uint32_t s, uint16_t sp, uint8_t proto,
    enum rk_sess_kind k, uint64_t ts)
{
	struct rk_session x;
	struct rk_verdict v;

	memset(&x, 0, sizeof(x));
	memset(&v, 0, sizeof(v));
	ip4(x.key.a, c);
	ip4(x.key.b, s);
	x.key.pa = cp;
	x.key.pb = sp;
	x.key.proto = proto;
	x.first_ts = ts;
	x.last_ts = ts + 1000;
	x.d[0].pkts = 1;
	x.d[0].marks = RK_SD_OPENED;
	if (proto == RK_PROTO_TCP)
		x.d[0].syns = 1;
	if (k == RK_SK_ESTABLISHED) {
		x.d[0].pkts = 5;
		x.d[1].pkts = 5;
		x.d[1].synacks = 1;
	} else if (k == RK_SK_REFUSED) {
		x.d[1].pkts = 1;
		x.d[1].rsts = 1;
	} else if (k == RK_SK_BACKSCATTER || k == RK_SK_REFLECTION) {
		/* only the server (B) sent: a SYN+ACK or an answer */
		memset(&x.d[0], 0, sizeof(x.d[0]));
		x.d[1].pkts = 1;
		x.d[1].marks = RK_SD_OPENED;
		x.d[1].synacks = proto == RK_PROTO_TCP;
	}
	v.kind = k;
	v.server_is_b = 1;
	rk_detect_verdict(d, &x, &v);
}

static size_t
alerts(struct rk_detect *d, struct rk_alert *al)
{
	return rk_detect_alerts(d, al, MAX_AL);
}

#define VICTIM 0x0a000005u
#define SCANNER 0xc0a80109u

static void
flood(struct rk_detect *d, uint32_t n_src, uint32_t per_src, uint32_t n_ok)
{
	for (uint32_t i = 0; i < n_src; i++)
		for (uint32_t j = 0; j < per_src; j++)
			feed(d, 0x64000000u + i * 7919u, (uint16_t)(1024 + j), VICTIM, 80,
			    RK_PROTO_TCP, RK_SK_HALFOPEN, 1000000 + i);
	for (uint32_t i = 0; i < n_ok; i++)
		feed(d, 0x0a010000u + (i % 20), (uint16_t)(2000 + i), VICTIM, 80, RK_PROTO_TCP,
		    RK_SK_ESTABLISHED, 500000);
}

static void
test_flood_under(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];

	(void)state;
	flood(d, 80, 1, 0);
	assert_int_equal(alerts(d, al), 0);
	rk_detect_free(d);
}

static void
test_flood_spoofed(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];
	uint8_t v[RK_ADDR_LEN];

	(void)state;
	flood(d, 120, 1, 5);
	assert_int_equal(alerts(d, al), 1);
	ip4(v, VICTIM);
	assert_int_equal(al[0].kind, RK_ALERT_SYN_FLOOD);
	assert_memory_equal(al[0].ip, v, RK_ADDR_LEN);
	assert_int_equal(al[0].port, 80);
	assert_true(al[0].is_spoofed);
	assert_int_equal(al[0].n_top, 0);
	assert_int_equal(al[0].first_ts, 500000);
	rk_detect_free(d);
}

static void
test_flood_real_sources(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];

	(void)state;
	flood(d, 120, 4, 0);
	assert_int_equal(alerts(d, al), 1);
	assert_false(al[0].is_spoofed);
	assert_int_equal(al[0].n_top, RK_DETECT_TOP);
	assert_true(al[0].top[0].n_sessions <= 4); /* a lower bound */
	rk_detect_free(d);
}

static void
test_flood_busy_service(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];

	(void)state;
	flood(d, 150, 1, 1000); /* 150 failed of 1150: a busy service, not a flood */
	assert_int_equal(alerts(d, al), 0);
	rk_detect_free(d);
}

static void
test_flood_million(void **state)
{
	struct rk_detect_opts o;
	struct rk_detect *d;
	struct rk_detect_stats st;
	struct rk_alert al[MAX_AL];
	uint8_t v[RK_ADDR_LEN];

	(void)state;
	rk_detect_opts_default(&o);
	o.max_entries = 1024;
	d = rk_detect_new(&o, 3);
	rk_detect_get_stats(d, &st);
	uint64_t mem = st.mem_bytes;
	flood(d, 1000000, 1, 100);
	rk_detect_get_stats(d, &st);
	assert_int_equal(st.mem_bytes, mem);
	assert_true(st.n_evicted > 900000);
	assert_int_equal(alerts(d, al), 1);
	ip4(v, VICTIM);
	assert_int_equal(al[0].kind, RK_ALERT_SYN_FLOOD);
	assert_memory_equal(al[0].ip, v, RK_ADDR_LEN);
	assert_true(al[0].is_spoofed);
	assert_true(al[0].n_distinct > 800000 && al[0].n_distinct < 1250000);
	assert_int_equal(al[0].n_sessions, 1000100);
	rk_detect_free(d);
}

static void
backscatter(struct rk_detect *d, uint32_t n_servers)
{
	for (uint32_t i = 0; i < n_servers; i++)
		feed(d, VICTIM, 40000, 0xc6336400u + i, 443, RK_PROTO_TCP, RK_SK_BACKSCATTER, 7);
}

static void
test_backscatter(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];
	uint8_t v[RK_ADDR_LEN];

	(void)state;
	backscatter(d, 8);
	assert_int_equal(alerts(d, al), 0);
	backscatter(d, 12);
	assert_int_equal(alerts(d, al), 1);
	ip4(v, VICTIM);
	assert_int_equal(al[0].kind, RK_ALERT_BACKSCATTER);
	assert_memory_equal(al[0].ip, v, RK_ADDR_LEN);
	assert_int_equal(al[0].top[0].port, 443);
	rk_detect_free(d);
}

static void
hscan(struct rk_detect *d, uint32_t n, enum rk_sess_kind k)
{
	for (uint32_t i = 0; i < n; i++)
		feed(d, SCANNER, 50000, 0x0a020000u + i, 22, RK_PROTO_TCP, k, 9);
}

static void
test_hscan(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];
	uint8_t s[RK_ADDR_LEN];

	(void)state;
	hscan(d, 40, RK_SK_UNANSWERED);
	assert_int_equal(alerts(d, al), 0);
	hscan(d, 60, RK_SK_UNANSWERED);
	assert_int_equal(alerts(d, al), 1);
	ip4(s, SCANNER);
	assert_int_equal(al[0].kind, RK_ALERT_HSCAN);
	assert_memory_equal(al[0].source, s, RK_ADDR_LEN);
	assert_int_equal(al[0].port, 22);
	assert_false(al[0].has_ip);
	rk_detect_free(d);
}

static void
test_hscan_answered(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];

	(void)state;
	hscan(d, 100, RK_SK_ESTABLISHED); /* a monitoring host: every address answers */
	hscan(d, 20, RK_SK_REFUSED);
	assert_int_equal(alerts(d, al), 0);
	rk_detect_free(d);
}

static void
vscan(struct rk_detect *d, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		feed(d, SCANNER, 50000, VICTIM, (uint16_t)(1 + i), RK_PROTO_TCP, RK_SK_REFUSED, 9);
}

static void
test_vscan(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];
	uint8_t v[RK_ADDR_LEN];

	(void)state;
	vscan(d, 40);
	assert_int_equal(alerts(d, al), 0);
	vscan(d, 60);
	assert_int_equal(alerts(d, al), 1);
	ip4(v, VICTIM);
	assert_int_equal(al[0].kind, RK_ALERT_VSCAN);
	assert_memory_equal(al[0].ip, v, RK_ADDR_LEN);
	rk_detect_free(d);
}

/* n reflectors, each answering per times (one packet a session). */
static void
reflection(struct rk_detect *d, uint32_t n, uint32_t per)
{
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t k = 0; k < per; k++)
			feed(d, VICTIM, (uint16_t)(33333 + k), 0x08080000u + i, 53, RK_PROTO_UDP,
			    RK_SK_REFLECTION, 11);
}

static void
test_reflection_few_packets(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];

	(void)state;
	reflection(d, 40, 2); /* 80 stray answers from 40 servers: under 100 packets */
	assert_int_equal(alerts(d, al), 0);
	reflection(d, 40, 1); /* 120 */
	assert_int_equal(alerts(d, al), 1);
	rk_detect_free(d);
}

static void
test_reflection(void **state)
{
	struct rk_detect *d = rk_detect_new(NULL, 1);
	struct rk_alert al[MAX_AL];
	uint8_t v[RK_ADDR_LEN];

	(void)state;
	reflection(d, 8, 20);
	assert_int_equal(alerts(d, al), 0);
	reflection(d, 12, 10);
	assert_int_equal(alerts(d, al), 1);
	ip4(v, VICTIM);
	assert_int_equal(al[0].kind, RK_ALERT_REFLECTION);
	assert_memory_equal(al[0].ip, v, RK_ADDR_LEN);
	assert_int_equal(al[0].port, 53);
	assert_int_equal(al[0].proto, RK_PROTO_UDP);
	rk_detect_free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flood_under),
		cmocka_unit_test(test_flood_spoofed),
		cmocka_unit_test(test_flood_real_sources),
		cmocka_unit_test(test_flood_busy_service),
		cmocka_unit_test(test_flood_million),
		cmocka_unit_test(test_backscatter),
		cmocka_unit_test(test_hscan),
		cmocka_unit_test(test_hscan_answered),
		cmocka_unit_test(test_vscan),
		cmocka_unit_test(test_reflection),
		cmocka_unit_test(test_reflection_few_packets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
