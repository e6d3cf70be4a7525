/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model/test-model.c - the merge rules: distinct facts counted once,
 * whatever the order and grouping the records come in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "model/model.h"
#include "util/test-addr.h"

/* One session of client c to server s:port/tcp, bytes b each way, at time t. */
static void
session(struct rk_model *m, uint8_t c, uint8_t s, uint16_t port, uint64_t b, uint64_t t)
{
	struct rk_service v;
	struct rk_edge e;

	memset(&v, 0, sizeof(v));
	memset(&e, 0, sizeof(e));
	rk_test_ip4(v.key.ip, s);
	rk_test_ip4(e.key.client, c);
	rk_test_ip4(e.key.server, s);
	v.key.proto = e.key.proto = 6;
	v.key.port = e.key.port = port;
	v.n_sessions = e.n_sessions = 1;
	v.bytes_in = v.bytes_out = e.bytes_c2s = e.bytes_s2c = b;
	v.first_ts = v.last_ts = e.first_ts = e.last_ts = t;
	assert_int_equal(rk_model_add_service(m, &v, NULL), 0);
	assert_int_equal(rk_model_add_edge(m, &e, NULL), 0);
}

static const struct rk_host *
host(const struct rk_model *m, uint8_t last)
{
	uint8_t ip[RK_ADDR_LEN];

	rk_test_ip4(ip, last);
	return rk_map_find(&m->hosts, ip);
}

static const struct rk_service *
service(const struct rk_model *m, uint8_t s, uint16_t port)
{
	struct rk_ep_key k;

	memset(&k, 0, sizeof(k));
	rk_test_ip4(k.ip, s);
	k.proto = 6;
	k.port = port;
	return rk_map_find(&m->services, &k);
}

/* The sessions of every test: 3 clients, 2 services of host 1, one of host 2. */
static void
sessions(struct rk_model *m, int from, int to)
{
	static const uint8_t c[] = {10, 11, 10, 12, 10, 11, 10};
	static const uint8_t s[] = {1, 1, 1, 1, 1, 2, 1};
	static const uint16_t p[] = {80, 80, 443, 80, 80, 22, 443};

	for (int i = from; i < to; i++)
		session(m, c[i], s[i], p[i], 100 * (uint64_t)(i + 1), 1000 + (uint64_t)i);
}

static void
check(const struct rk_model *m)
{
	assert_int_equal(service(m, 1, 80)->n_clients, 3);
	assert_int_equal(service(m, 1, 80)->n_sessions, 4);
	assert_int_equal(service(m, 1, 443)->n_clients, 1);
	assert_int_equal(service(m, 2, 22)->n_clients, 1);
	assert_int_equal(host(m, 1)->n_services, 2);
	assert_int_equal(host(m, 2)->n_services, 1);
	assert_int_equal(host(m, 10)->n_used, 2);
	assert_int_equal(host(m, 11)->n_used, 2);
	assert_int_equal(host(m, 12)->n_used, 1);
	assert_int_equal(host(m, 10)->bytes_sent, 100 + 300 + 500 + 700);
	assert_int_equal(host(m, 1)->bytes_recv, 100 + 200 + 300 + 400 + 500 + 700);
	assert_int_equal(host(m, 1)->first_ts, 1000);
	assert_int_equal(host(m, 1)->last_ts, 1006);
	assert_int_equal(m->hosts.n_entries, 5);
}

/* Session by session, the classifier's way. */
static void
test_sessions(void **state)
{
	struct rk_model m;

	(void)state;
	rk_model_init(&m, 1);
	sessions(&m, 0, 7);
	check(&m);
	rk_model_fini(&m);
}

/* In two intervals absorbed into a total (analyze --db): the same facts. */
static void
test_absorb_intervals(void **state)
{
	struct rk_model total, part;

	(void)state;
	rk_model_init(&total, 1);
	rk_model_init(&part, 1);
	sessions(&part, 0, 3);
	assert_int_equal(rk_model_absorb(&total, &part), 0);
	rk_model_clear(&part);
	sessions(&part, 3, 7);
	assert_int_equal(rk_model_absorb(&total, &part), 0);
	check(&total);
	/* The other way round (a swap, then the rest absorbed) agrees too. */
	rk_model_clear(&part);
	sessions(&part, 0, 7);
	rk_model_swap(&total, &part);
	check(&total);
	rk_model_fini(&total);
	rk_model_fini(&part);
}

/* An edge whose service is not in the model (a stored range's edge) counts no client. */
static void
test_edge_without_service(void **state)
{
	struct rk_model m;
	struct rk_edge e;

	(void)state;
	rk_model_init(&m, 1);
	memset(&e, 0, sizeof(e));
	rk_test_ip4(e.key.client, 10);
	rk_test_ip4(e.key.server, 1);
	e.key.proto = 6;
	e.key.port = 80;
	e.bytes_c2s = 5;
	assert_int_equal(rk_model_add_edge(&m, &e, NULL), 0);
	assert_int_equal(rk_model_add_edge(&m, &e, NULL), 0);
	assert_null(service(&m, 1, 80));
	assert_int_equal(host(&m, 10)->n_used, 1);
	assert_int_equal(host(&m, 10)->bytes_sent, 10);
	assert_int_equal(host(&m, 1)->n_services, 0);
	rk_model_fini(&m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_absorb_intervals),
		cmocka_unit_test(test_edge_without_service),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
