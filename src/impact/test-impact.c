/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * impact/test-impact.c - the impact and needs walks on small hand-made
 * graphs (cmocka): a chain, a diamond, a cycle (replication both ways),
 * soft services, a depth limit, a client-only target, services and sites
 * as targets, host names, an unknown target; and the sites file.
 *
 * Each graph is built with model/model.h's own rk_model_add_service and
 * rk_model_add_edge, as the classifier and the store build theirs.
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

#include "impact/impact.h"

static struct rk_model m;
static struct rk_impact_opts o;
static struct rk_impact r;

static void
ip(const char *s, uint8_t out[RK_ADDR_LEN])
{
	assert_int_equal(rk_addr_parse(s, out), 0);
}

/* server:port/proto offered, used by client. */
static void
dep(const char *client, const char *server, uint8_t proto, uint16_t port)
{
	struct rk_service s = {0};
	struct rk_edge e = {0};

	ip(server, s.key.ip);
	s.key.proto = proto;
	s.key.port = port;
	s.n_sessions = 1;
	assert_int_equal(rk_model_add_service(&m, &s, NULL), 0);
	ip(client, e.key.client);
	ip(server, e.key.server);
	e.key.proto = proto;
	e.key.port = port;
	e.n_sessions = 1;
	assert_int_equal(rk_model_add_edge(&m, &e, NULL), 0);
}

static int
setup(void **state)
{
	(void)state;
	rk_model_init(&m, 7);
	memset(&o, 0, sizeof(o));
	memset(&r, 0, sizeof(r));
	o.m = &m;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	rk_impact_free(&r);
	rk_model_fini(&m);
	return 0;
}

/* The result's entry for host s, or NULL. */
static const struct rk_impact_host *
host(const char *s)
{
	uint8_t a[RK_ADDR_LEN];

	ip(s, a);
	for (size_t i = 0; i < r.n_hosts; i++)
		if (memcmp(r.hosts[i].ip, a, RK_ADDR_LEN) == 0)
			return &r.hosts[i];
	return NULL;
}

static const struct rk_impact_svc *
svc(const char *s, uint16_t port)
{
	uint8_t a[RK_ADDR_LEN];

	ip(s, a);
	for (size_t i = 0; i < r.n_svcs; i++)
		if (memcmp(r.svcs[i].key.ip, a, RK_ADDR_LEN) == 0 && r.svcs[i].key.port == port)
			return &r.svcs[i];
	return NULL;
}

static void
target(struct rk_impact_targets *t, const char *arg)
{
	struct rk_err err = {0};

	assert_int_equal(rk_impact_add_target(t, arg, &m, NULL, o.sites, &err), 0);
}

/* users -> web:80 -> app:8080 -> db:5432: impact of db reaches the users at depth 3. */
static void
chain(void)
{
	dep("10.9.0.1", "10.0.0.10", 6, 80);
	dep("10.9.0.2", "10.0.0.10", 6, 80);
	dep("10.0.0.10", "10.0.0.11", 6, 8080);
	dep("10.0.0.11", "10.0.0.13", 6, 5432);
}

static void
test_chain(void **state)
{
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};

	(void)state;
	chain();
	target(&t, "10.0.0.13");
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_true(host("10.0.0.13")->lost);
	assert_int_equal(svc("10.0.0.13", 5432)->depth, 0);
	assert_int_equal(host("10.0.0.11")->depth, 1);
	assert_int_equal(host("10.0.0.11")->role, RK_IMPACT_SERVER);
	assert_int_equal(svc("10.0.0.11", 8080)->depth, 1);
	assert_int_equal(host("10.0.0.10")->depth, 2);
	assert_int_equal(host("10.9.0.1")->depth, 3);
	assert_int_equal(host("10.9.0.1")->role, RK_IMPACT_USER);
	/* The chain back: user <- web:80 <- app:8080 <- db:5432. */
	const struct rk_impact_svc *s = &r.svcs[host("10.9.0.1")->via];
	assert_int_equal(s->key.port, 80);
	assert_int_equal(r.svcs[s->via].key.port, 8080);
	assert_int_equal(r.svcs[r.svcs[s->via].via].key.port, 5432);
	assert_int_equal(r.svcs[r.svcs[s->via].via].via, -1);
	assert_int_equal(r.n_hosts, 5);
}

/* Two paths to the same user: it is counted once, at the shorter depth. */
static void
test_diamond(void **state)
{
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};

	(void)state;
	dep("10.0.0.21", "10.0.0.13", 6, 5432);
	dep("10.0.0.22", "10.0.0.13", 6, 5432);
	dep("10.9.0.1", "10.0.0.21", 6, 443);
	dep("10.9.0.1", "10.0.0.22", 6, 443);
	dep("10.0.0.21", "10.0.0.22", 6, 9000);
	target(&t, "10.0.0.13");
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_int_equal(host("10.9.0.1")->depth, 2);
	assert_int_equal(r.n_hosts, 4);
	assert_int_equal(r.n_svcs, 4);
}

/* Replication both ways (a <-> b): the walk ends. */
static void
test_cycle(void **state)
{
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};

	(void)state;
	dep("10.0.0.1", "10.0.0.2", 6, 7000);
	dep("10.0.0.2", "10.0.0.1", 6, 7000);
	dep("10.9.0.1", "10.0.0.2", 6, 80);
	target(&t, "10.0.0.1");
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_int_equal(host("10.0.0.2")->depth, 1);
	assert_int_equal(host("10.9.0.1")->depth, 2);
	assert_true(host("10.0.0.1")->lost);
	assert_int_equal(r.n_hosts, 3);
}

/* A failed syslog or NTP server is felt by its clients, not passed on; --hard changes that. */
static void
test_soft(void **state)
{
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};

	(void)state;
	dep("10.0.0.10", "10.0.0.16", 17, 514);
	dep("10.0.0.10", "10.0.0.15", 17, 123);
	dep("10.9.0.1", "10.0.0.10", 6, 80);
	target(&t, "10.0.0.16");
	target(&t, "10.0.0.15");
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_true(svc("10.0.0.16", 514)->soft);
	assert_int_equal(host("10.0.0.10")->depth, 1);
	assert_null(svc("10.0.0.10", 80));
	assert_null(host("10.9.0.1"));
	rk_impact_free(&r);
	o.overrides[0].proto = 17;
	o.overrides[0].port = 514;
	o.overrides[0].soft = 0;
	o.n_overrides = 1;
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_int_equal(host("10.9.0.1")->depth, 2);
}

static void
test_depth_limit(void **state)
{
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};

	(void)state;
	chain();
	o.max_depth = 1;
	target(&t, "10.0.0.13");
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_non_null(host("10.0.0.11"));
	assert_null(host("10.0.0.10"));
}

/* A client-only target fails nothing and affects no one; one service as a target. */
static void
test_client_and_service_targets(void **state)
{
	struct rk_impact_targets t = {0}, t2 = {0};
	struct rk_err err = {0};

	(void)state;
	chain();
	dep("10.0.0.10", "10.0.0.11", 6, 22);
	target(&t, "10.9.0.1");
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_int_equal(r.n_hosts, 1);
	assert_int_equal(r.n_svcs, 0);
	rk_impact_free(&r);
	target(&t2, "10.0.0.11:22/tcp");
	assert_int_equal(rk_impact_run(&o, &t2, &r, &err), 0);
	assert_int_equal(r.n_svcs, 2); /* ssh of app fails; web's http degrades */
	assert_null(svc("10.0.0.11", 8080));
	assert_false(host("10.0.0.10")->lost);
}

static void
test_unknown_targets(void **state)
{
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};

	(void)state;
	chain();
	assert_true(rk_impact_add_target(&t, "no-such-host", &m, NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "no host of the data has that name"));
	assert_true(rk_impact_add_target(&t, "@nowhere", &m, NULL, NULL, &err) < 0);
	assert_non_null(strstr(err.msg, "no such site"));
	target(&t, "192.0.2.1");
	assert_true(rk_impact_run(&o, &t, &r, &err) < 0);
	assert_non_null(strstr(err.msg, "no host or service of the data is in the targets"));
}

/* Needs: web needs app, app needs db; ntp is needed but not followed. */
static void
test_needs(void **state)
{
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};

	(void)state;
	chain();
	dep("10.0.0.13", "10.0.0.15", 17, 123);
	dep("10.0.0.15", "10.0.0.99", 17, 123);
	target(&t, "10.0.0.10");
	assert_int_equal(rk_impact_needs(&o, &t, &r, &err), 0);
	assert_int_equal(svc("10.0.0.11", 8080)->depth, 1);
	assert_int_equal(svc("10.0.0.13", 5432)->depth, 2);
	assert_int_equal(svc("10.0.0.15", 123)->depth, 3);
	assert_true(svc("10.0.0.15", 123)->soft);
	assert_null(svc("10.0.0.99", 123));
	assert_null(host("10.9.0.1"));
}

/* Sites: longest prefix wins, /24 and /64 otherwise, bad lines name file:line; @site targets. */
static void
test_sites(void **state)
{
	char path[] = "/tmp/rk-sites-XXXXXX", buf[64];
	struct rk_sites s = {0};
	struct rk_impact_targets t = {0};
	struct rk_err err = {0};
	uint8_t a[RK_ADDR_LEN];
	int fd;
	FILE *f;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	fputs("# the company\n10.0.0.0/8 corp\n10.0.0.0/24 tokyo-dc  # servers\n"
	    "2001:db8:1::/48 osaka-office\n\n", f);
	fclose(f);
	assert_int_equal(rk_sites_load(&s, path, &err), 0);
	ip("10.0.0.13", a);
	assert_string_equal(rk_sites_of(&s, a, buf, sizeof(buf)), "tokyo-dc");
	ip("10.9.0.1", a);
	assert_string_equal(rk_sites_of(&s, a, buf, sizeof(buf)), "corp");
	ip("2001:db8:1:2::5", a);
	assert_string_equal(rk_sites_of(&s, a, buf, sizeof(buf)), "osaka-office");
	ip("192.0.2.7", a);
	assert_string_equal(rk_sites_of(&s, a, buf, sizeof(buf)), "192.0.2.0/24");
	assert_non_null(f = fopen(path, "a"));
	fputs("10.1.0.0/33 bad\n", f);
	fclose(f);
	rk_sites_free(&s);
	assert_true(rk_sites_load(&s, path, &err) < 0);
	assert_non_null(strstr(err.msg, ":6: want 'PREFIX NAME'"));
	rk_sites_free(&s);
	unlink(path);
	assert_int_equal(rk_sites_add(&s, a, 128, "lab"), 0);
	ip("10.0.0.0", a);
	assert_int_equal(rk_sites_add(&s, a, 120, "dc"), 0);
	o.sites = &s;
	chain();
	target(&t, "@dc");
	assert_int_equal(rk_impact_run(&o, &t, &r, &err), 0);
	assert_true(host("10.0.0.10")->lost && host("10.0.0.11")->lost && host("10.0.0.13")->lost);
	assert_int_equal(host("10.9.0.1")->depth, 1);
	rk_sites_free(&s);
	o.sites = NULL;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_chain),
		T(test_diamond),
		T(test_cycle),
		T(test_soft),
		T(test_depth_limit),
		T(test_client_and_service_targets),
		T(test_unknown_targets),
		T(test_needs),
		T(test_sites),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
