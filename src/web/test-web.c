/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/test-web.c - the escaping and parameter parsing of the web report,
 * the request checks (Host, NUL) and the gate in front of expensive work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "web/web_int.h"

static char *
render(void (*fn)(FILE *, const char *), const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(f, s);
	fclose(f);
	return buf;
}

static void
test_text(void **state)
{
	char *o;

	(void)state;
	o = render(rk_html_text, "<script>alert(\"x\")</script>&'");
	assert_string_equal(o, "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;");
	free(o);
	o = render(rk_html_text, "a\x01\x7f\xc3\xa9z");
	assert_string_equal(o, "a&#xfffd;&#xfffd;&#xfffd;&#xfffd;z");
	free(o);
	o = render(rk_html_text, NULL);
	assert_string_equal(o, "");
	free(o);
	o = render(rk_html_text, "db1.example.com");
	assert_string_equal(o, "db1.example.com");
	free(o);
}

static void
test_attr(void **state)
{
	char *o;

	(void)state;
	o = render(rk_html_attr, "\" onmouseover=`x` '");
	assert_string_equal(o, "&quot; onmouseover=&#96;x&#96; &#39;");
	free(o);
	o = render(rk_html_urlenc, "10.1.2.0/24 a&b=c");
	assert_string_equal(o, "10.1.2.0%2F24%20a%26b%3Dc");
	free(o);
}

static void
test_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(rk_web_parse_u64("42", 1, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_true(rk_web_parse_u64("0", 1, 100, &v) < 0);
	assert_true(rk_web_parse_u64("101", 1, 100, &v) < 0);
	assert_true(rk_web_parse_u64("-1", 0, 100, &v) < 0);
	assert_true(rk_web_parse_u64("+1", 0, 100, &v) < 0);
	assert_true(rk_web_parse_u64(" 1", 0, 100, &v) < 0);
	assert_true(rk_web_parse_u64("1x", 0, 100, &v) < 0);
	assert_true(rk_web_parse_u64("", 0, 100, &v) < 0);
	assert_true(rk_web_parse_u64(NULL, 0, 100, &v) < 0);
	assert_true(rk_web_parse_u64("99999999999999999999999", 0, UINT64_MAX, &v) < 0);
}

static void
test_time(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(rk_web_parse_time("1700000000", &v), 0);
	assert_true(v == 1700000000ull * 1000000);
	assert_int_equal(rk_web_parse_time("2023-11-14", &v), 0);
	assert_true(v == 1699920000ull * 1000000);
	assert_int_equal(rk_web_parse_time("2023-11-14T22:13", &v), 0);
	assert_true(v == 1700000000ull * 1000000 - 20 * 1000000);
	assert_int_equal(rk_web_parse_time("2023-11-14T22:13:20", &v), 0);
	assert_true(v == 1700000000ull * 1000000);
	assert_true(rk_web_parse_time("2023-11-14T", &v) < 0);
	assert_true(rk_web_parse_time("2023-13-40", &v) < 0);
	assert_true(rk_web_parse_time("yesterday", &v) < 0);
	assert_true(rk_web_parse_time("2023-11-14T22:13:20Zjunk", &v) < 0);
	assert_true(rk_web_parse_time("", &v) < 0);
}

static void
test_net(void **state)
{
	uint8_t n[RK_ADDR_LEN];
	char buf[RK_ADDR_STRLEN];

	(void)state;
	assert_int_equal(rk_web_parse_net("10.1.2.0/24", n), 0);
	assert_string_equal(rk_addr_format_net(n, buf, sizeof(buf)), "10.1.2.0/24");
	assert_int_equal(rk_web_parse_net("10.1.2.0", n), 0);
	assert_int_equal(rk_web_parse_net("2001:db8:1:2::/64", n), 0);
	assert_true(rk_web_parse_net("10.1.2.5/24", n) < 0);
	assert_true(rk_web_parse_net("10.1.2.0/16", n) < 0);
	assert_true(rk_web_parse_net("10.1.2.0/", n) < 0);
	assert_true(rk_web_parse_net("2001:db8::/48", n) < 0);
	assert_true(rk_web_parse_net("<b>", n) < 0);
	assert_true(rk_web_parse_net(NULL, n) < 0);
	assert_true(rk_web_parse_net("1111111111111111111111111111111111111111111111111111111111", n) < 0);
}

static void
test_svc(void **state)
{
	struct rk_ep_key k;
	int sort;

	(void)state;
	assert_int_equal(rk_web_parse_svc("10.0.0.1", "tcp", "80", &k), 0);
	assert_int_equal(k.proto, 6);
	assert_int_equal(k.port, 80);
	assert_int_equal(rk_web_parse_svc("::1", "17", "53", &k), 0);
	assert_int_equal(k.proto, 17);
	assert_true(rk_web_parse_svc("10.0.0.1", "tcp", "65536", &k) < 0);
	assert_true(rk_web_parse_svc("10.0.0.1", "bogus", "80", &k) < 0);
	assert_true(rk_web_parse_svc("10.0.0.1", "256", "80", &k) < 0);
	assert_true(rk_web_parse_svc("10.0.0.300", "tcp", "80", &k) < 0);
	assert_true(rk_web_parse_svc(NULL, "tcp", "80", &k) < 0);
	assert_true(rk_web_parse_svc("10.0.0.1", NULL, "80", &k) < 0);
	assert_true(rk_web_parse_svc("10.0.0.1", "tcp", NULL, &k) < 0);
	assert_int_equal(rk_web_parse_sort("bytes", &sort), 0);
	assert_int_equal(sort, RK_HSORT_BYTES);
	assert_true(rk_web_parse_sort("ip;drop", &sort) < 0);
	assert_true(rk_web_parse_sort(NULL, &sort) < 0);
}

static void
test_host(void **state)
{
	const char *names[] = {"localhost", "127.0.0.1", "[::1]", "renkei.example"};

	(void)state;
	assert_true(rk_web_host_allowed("localhost", names, 4));
	assert_true(rk_web_host_allowed("LocalHost:8080", names, 4));
	assert_true(rk_web_host_allowed("localhost.", names, 4));
	assert_true(rk_web_host_allowed("[::1]:80", names, 4));
	assert_true(rk_web_host_allowed("renkei.example:8443", names, 4));
	assert_false(rk_web_host_allowed("evil.example", names, 4));
	assert_false(rk_web_host_allowed("localhost.evil.example", names, 4));
	assert_false(rk_web_host_allowed("127.0.0.1:80x", names, 4));
	assert_false(rk_web_host_allowed("127.0.0.1:", names, 4));
	assert_false(rk_web_host_allowed("::1", names, 4));
	assert_false(rk_web_host_allowed("[::1", names, 4));
	assert_false(rk_web_host_allowed("[::1]x", names, 4));
	assert_false(rk_web_host_allowed("", names, 4));
	assert_false(rk_web_host_allowed(NULL, names, 4));
	assert_false(rk_web_host_allowed(":80", names, 4));
}

static void
test_nul(void **state)
{
	(void)state;
	assert_true(rk_web_uri_has_nul("/assets/renkei.js%00.html"));
	assert_true(rk_web_uri_has_nul("/host?ip=1%00"));
	assert_false(rk_web_uri_has_nul("/host?ip=1%2500"));
	assert_false(rk_web_uri_has_nul("/a%0"));
	assert_false(rk_web_uri_has_nul("/"));
}

static void
test_gate(void **state)
{
	struct rk_web_gate g;
	struct rk_err err = {0};

	(void)state;
	assert_int_equal(rk_web_gate_init(&g, 1, 0, 10), 0);
	assert_int_equal(rk_web_gate_enter(&g, &err), 0);
	assert_int_equal(rk_web_gate_enter(&g, &err), -RK_E_BUSY); /* no waiting room */
	rk_web_gate_leave(&g);
	rk_web_gate_fini(&g);
	assert_int_equal(rk_web_gate_init(&g, 1, 1, 50), 0);
	assert_int_equal(rk_web_gate_enter(&g, NULL), 0);
	assert_int_equal(rk_web_gate_enter(&g, &err), -RK_E_BUSY); /* waited 50 ms */
	assert_int_equal(err.code, RK_E_BUSY);
	rk_web_gate_leave(&g);
	assert_int_equal(rk_web_gate_enter(&g, NULL), 0);
	rk_web_gate_leave(&g);
	rk_web_gate_fini(&g);
}

/* ?target= values: split on spaces and commas, bounded, depth checked. */
static void
test_impact_query(void **state)
{
	static struct rk_web_impact_q q;
	const char *v[3] = {"10.0.0.1  db01,@tokyo", "", "10.0.0.0/24"};
	const char *why = NULL;
	char big[1100];

	(void)state;
	assert_int_equal(rk_web_query_impact(v, 3, "2", &q, &why), 0);
	assert_int_equal(q.n_targets, 4);
	assert_string_equal(q.targets[0], "10.0.0.1");
	assert_string_equal(q.targets[1], "db01");
	assert_string_equal(q.targets[2], "@tokyo");
	assert_string_equal(q.targets[3], "10.0.0.0/24");
	assert_int_equal(q.depth, 2);
	assert_int_equal(rk_web_query_impact(v, 1, NULL, &q, &why), 0);
	assert_int_equal(q.depth, 0);
	assert_int_equal(rk_web_query_impact(v, 0, "", &q, &why), 0);
	assert_int_equal(q.n_targets, 0);
	assert_int_equal(rk_web_query_impact(v, 1, "0", &q, &why), -1);
	assert_int_equal(rk_web_query_impact(v, 1, "x", &q, &why), -1);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	v[0] = big;
	assert_int_equal(rk_web_query_impact(v, 1, NULL, &q, &why), -1);
	memset(big, ' ', sizeof(big) - 1);
	for (size_t i = 0; i < 65; i++)
		big[i * 2] = 'a';
	assert_int_equal(rk_web_query_impact(v, 1, NULL, &q, &why), -1); /* 65 targets */
	big[128] = ' ';
	assert_int_equal(rk_web_query_impact(v, 1, NULL, &q, &why), 0);
	assert_int_equal(q.n_targets, 64);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_attr),
		cmocka_unit_test(test_u64),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_net),
		cmocka_unit_test(test_svc),
		cmocka_unit_test(test_host),
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_gate),
		cmocka_unit_test(test_impact_query),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
