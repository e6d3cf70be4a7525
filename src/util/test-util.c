/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * util/test-util.c - unit tests of addresses, maps, JSON escaping and
 * human units.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/addr.h"
#include "util/human.h"
#include "util/json.h"
#include "util/map.h"

static void
test_addr_roundtrip(void **state)
{
	uint8_t a[RK_ADDR_LEN];
	char buf[RK_ADDR_STRLEN], net[80];

	(void)state;
	assert_int_equal(rk_addr_parse("10.1.2.3", a), 0);
	assert_true(rk_addr_is_v4(a));
	assert_string_equal(rk_addr_format(a, buf, sizeof(buf)), "10.1.2.3");
	assert_string_equal(rk_addr_format_net(a, net, sizeof(net)), "10.1.2.0/24");
	assert_int_equal(rk_addr_parse("2001:db8::1", a), 0);
	assert_false(rk_addr_is_v4(a));
	assert_string_equal(rk_addr_format(a, buf, sizeof(buf)), "2001:db8::1");
	assert_string_equal(rk_addr_format_net(a, net, sizeof(net)), "2001:db8::/64");
	assert_int_not_equal(rk_addr_parse("10.1.2", a), 0);
	assert_int_not_equal(rk_addr_parse("", a), 0);
}

struct ent {
	uint64_t key;
	uint64_t val;
};

static void
test_map_many(void **state)
{
	struct rk_map m;
	int created;

	(void)state;
	rk_map_init(&m, 8, sizeof(struct ent), 42);
	for (uint64_t i = 0; i < 100000; i++) {
		struct ent *e = rk_map_upsert(&m, &i, &created);
		assert_non_null(e);
		assert_true(created);
		e->val = i * 3;
	}
	for (uint64_t i = 0; i < 100000; i++) {
		struct ent *e = rk_map_upsert(&m, &i, &created);
		assert_false(created);
		assert_int_equal(e->val, i * 3);
	}
	uint64_t k = 100001;
	assert_null(rk_map_find(&m, &k));
	assert_int_equal(m.n_entries, 100000);
	rk_map_fini(&m);
}

static int
is_even(const void *entry, void *arg)
{
	(void)arg;
	return ((const struct ent *)entry)->val % 2 == 0;
}

/* Retain keeps what it is told, in order, findable, and leaves a full map alone. */
static void
test_map_retain(void **state)
{
	struct rk_map m;
	size_t lost = 1;

	(void)state;
	rk_map_init(&m, 8, sizeof(struct ent), 7);
	for (uint64_t i = 0; i < 1000; i++)
		((struct ent *)rk_map_upsert(&m, &i, NULL))->val = i;
	assert_int_equal(rk_map_retain(&m, is_even, NULL, &lost), 500);
	assert_int_equal(lost, 0);
	assert_int_equal(m.n_entries, 500);
	for (uint64_t i = 0; i < 1000; i++) {
		const struct ent *e = rk_map_find(&m, &i);
		if (i % 2)
			assert_null(e);
		else
			assert_int_equal(e->val, i);
	}
	assert_int_equal(((const struct ent *)rk_map_at(&m, 1))->val, 2);
	assert_int_equal(rk_map_retain(&m, is_even, NULL, NULL), 0);
	assert_int_equal(m.n_entries, 500);
	rk_map_fini(&m);
}

static void
test_u64set(void **state)
{
	struct rk_u64set s;

	(void)state;
	rk_u64set_init(&s);
	for (uint64_t i = 0; i < 50000; i++)
		assert_int_equal(rk_u64set_add(&s, i * 7919), 1);
	for (uint64_t i = 0; i < 50000; i++)
		assert_int_equal(rk_u64set_add(&s, i * 7919), 0);
	assert_int_equal(s.n, 50000);
	rk_u64set_fini(&s);
}

static void
test_json_escape(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct rk_json j;

	(void)state;
	rk_json_init(&j, f);
	rk_json_obj(&j);
	rk_json_kstr(&j, "name", "<script>\"x\"\\\x01\xc3");
	rk_json_key(&j, "list");
	rk_json_arr_inline(&j);
	rk_json_u64(&j, 1);
	rk_json_u64(&j, 2);
	rk_json_end(&j, ']');
	rk_json_end(&j, '}');
	fclose(f);
	assert_string_equal(buf, "{\n  \"name\": \"\\u003cscript\\u003e\\\"x\\\"\\\\\\u0001\\u00c3\",\n"
	    "  \"list\": [1, 2]\n}\n");
	free(buf);
}

static void
test_human(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(rk_human_bytes(999, b, sizeof(b)), "999");
	assert_string_equal(rk_human_bytes(12500000000ULL, b, sizeof(b)), "12.5G");
	assert_string_equal(rk_human_bytes(975000000ULL, b, sizeof(b)), "975M");
	assert_string_equal(rk_human_bytes(1250000, b, sizeof(b)), "1.2M");
	assert_string_equal(rk_human_count(16075, b, sizeof(b)), "16,075");
	assert_string_equal(rk_human_count(1234567, b, sizeof(b)), "1,234,567");
	assert_string_equal(rk_human_count(12, b, sizeof(b)), "12");
	assert_string_equal(rk_human_time(1700000000000000ULL, b, sizeof(b)), "2023-11-14 22:13:20");
}

/* Times people type: every accepted form, and dates that do not exist refused. */
static void
test_parse_time(void **state)
{
	uint64_t v = 0;

	(void)state;
	assert_int_equal(rk_human_parse_time("1700000000", &v), 0);
	assert_int_equal(v, 1700000000ull * 1000000);
	assert_int_equal(rk_human_parse_time("2023-11-14", &v), 0);
	assert_int_equal(v, 1699920000ull * 1000000);
	assert_int_equal(rk_human_parse_time("2023-11-14T22:13", &v), 0);
	assert_int_equal(v, 1700000000ull * 1000000 - 20 * 1000000);
	assert_int_equal(rk_human_parse_time("2023-11-14 22:13:20Z", &v), 0);
	assert_int_equal(v, 1700000000ull * 1000000);
	assert_int_equal(rk_human_parse_time("2024-02-29", &v), 0);
	assert_true(rk_human_parse_time("2023-02-29", &v) < 0);
	assert_true(rk_human_parse_time("2023-02-30", &v) < 0);
	assert_true(rk_human_parse_time("2023-04-31", &v) < 0);
	assert_true(rk_human_parse_time("2023-13-01", &v) < 0);
	assert_true(rk_human_parse_time("2023-11-14T24:00", &v) < 0);
	assert_true(rk_human_parse_time("2023-11-14T22:60", &v) < 0);
	assert_true(rk_human_parse_time("2023-11-14T", &v) < 0);
	assert_true(rk_human_parse_time("2023-1-14", &v) < 0);
	assert_true(rk_human_parse_time("1969-12-31", &v) < 0);
	assert_true(rk_human_parse_time("2023-11-14x", &v) < 0);
	assert_true(rk_human_parse_time("99999999999999", &v) < 0);
	assert_true(rk_human_parse_time("", &v) < 0);
	assert_string_equal(rk_plural(1, "client", "clients"), "client");
	assert_string_equal(rk_plural(0, "client", "clients"), "clients");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_addr_roundtrip),
		cmocka_unit_test(test_map_many),
		cmocka_unit_test(test_map_retain),
		cmocka_unit_test(test_u64set),
		cmocka_unit_test(test_json_escape),
		cmocka_unit_test(test_human),
		cmocka_unit_test(test_parse_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
