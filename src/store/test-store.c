/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/test-store.c - unit tests of the store: one suite of the interface
 * (store.h) run against every back end, then the SQLite back end's own.
 *
 * The interface suite is a table: back ends (a URL pattern each, a fresh
 * store per test in a temporary directory) x tests that use rk_store_*
 * only: flush and load round trips, sums across runs, distinct client
 * counts, time ranges, names through a read-only reopen, evidence and
 * runs, the per-hour traffic of services, and the change version seen by
 * a second handle when the first writes.  A new back end adds one line to
 * `backends` and must pass all of it.
 *
 * The SQLite tests, on ':memory:' and
 * on real files in a temporary directory:
 * sums across runs, distinct client counts, time ranges, rollup into day
 * buckets, names, the migration guard (newer schema, foreign and corrupt
 * files), a locked store (the flush fails, keeps nothing, and succeeds on
 * retry), read-only opening, the per-run evidence of one endpoint and
 * the list of runs (report --explain, --stats), and the sessions seen one
 * way only (blind_*): kept, summed, rolled up, and 0 in rows from before
 * schema 4.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "util/addr.h"

/* A back end under test: how to name a fresh store in an empty directory. */
struct backend {
	const char *name;    /* group name in the TAP output */
	const char *url_fmt; /* the store's URL, %s = the directory */
	int is_shared;       /* a second rk_store_open of the URL sees the same store */
};

static const struct backend backends[] = {
	{"sqlite", "sqlite:%s/t.db", 1},
	{"sqlite (bare path)", "%s/t.db", 1},
	{"sqlite (:memory:)", ":memory:", 0},
};

/* One test's store: a fresh URL of a back end (initial state: the backend). */
struct fixture {
	const struct backend *be;
	char dir[32];  /* the temporary directory */
	char url[96];  /* the store's URL */
};

#define H (3600ull * 1000000)   /* an hour in µs */
#define T0 (1700000000ull * 1000000 - 1700000000ull * 1000000 % (24 * H)) /* a midnight */

static void
ip4(uint8_t out[RK_ADDR_LEN], int a, int b, int c, int d)
{
	const uint8_t v4[4] = {(uint8_t)a, (uint8_t)b, (uint8_t)c, (uint8_t)d};

	rk_addr_from_v4(out, v4);
}

/*
 * Add one session client -> server:port/tcp at ts to c, as the classifier
 * would; no_c2s / no_s2c: seen without that direction (one-way), whose
 * bytes are then 0 and the session counted blind.
 */
static void
add_session_dirs(struct rk_classifier *c, int client, int server, uint16_t port, uint64_t ts,
    uint64_t bytes, int no_c2s, int no_s2c)
{
	struct rk_service v = {0};
	struct rk_edge e = {0};
	struct rk_host hc = {0}, hs = {0};
	struct rk_endpoint ep = {0};
	int new_edge, new_svc;

	ip4(v.key.ip, 10, 0, 0, server);
	v.key.proto = RK_PROTO_TCP;
	v.key.port = port;
	memcpy(e.key.server, v.key.ip, RK_ADDR_LEN);
	ip4(e.key.client, 10, 1, 0, client);
	e.key.proto = RK_PROTO_TCP;
	e.key.port = port;
	new_edge = rk_map_find(rk_classify_edges(c), &e.key) == NULL;
	new_svc = rk_map_find(rk_classify_services(c), &v.key) == NULL;
	v.n_clients = (uint32_t)new_edge;
	v.n_decisions = 1;
	v.n_sessions = 1;
	v.pkts = 10;
	v.bytes_in = bytes;
	v.bytes_out = 2 * bytes;
	v.first_ts = ts;
	v.last_ts = ts + 1000;
	v.conf_sum = 0.75;
	v.rules[RK_RULE_HANDSHAKE] = 1;
	e.n_sessions = 1;
	e.pkts_c2s = 4;
	e.pkts_s2c = 6;
	e.bytes_c2s = bytes;
	e.bytes_s2c = 2 * bytes;
	e.first_ts = ts;
	e.last_ts = ts + 1000;
	if (no_c2s) {
		v.n_blind_in = 1;
		e.n_blind_c2s = 1;
		v.bytes_in = e.bytes_c2s = 0;
	}
	if (no_s2c) {
		v.n_blind_out = 1;
		e.n_blind_s2c = 1;
		v.bytes_out = e.bytes_s2c = 0;
	}
	memcpy(hc.ip, e.key.client, RK_ADDR_LEN);
	hc.n_used = (uint32_t)new_edge;
	hc.bytes_sent = bytes;
	hc.bytes_recv = 2 * bytes;
	hc.first_ts = ts;
	hc.last_ts = ts + 1000;
	memcpy(hs.ip, e.key.server, RK_ADDR_LEN);
	hs.n_services = (uint32_t)new_svc;
	hs.bytes_sent = 2 * bytes;
	hs.bytes_recv = bytes;
	hs.first_ts = ts;
	hs.last_ts = ts + 1000;
	ep.key = v.key;
	ep.n_sessions = 1;
	ep.n_peer_ips = 1;
	ep.n_as_server = 1;
	assert_int_equal(rk_model_merge_service(rk_classify_model(c), &v), 0);
	assert_int_equal(rk_model_merge_edge(rk_classify_model(c), &e), 0);
	assert_int_equal(rk_model_merge_host(rk_classify_model(c), &hc), 0);
	assert_int_equal(rk_model_merge_host(rk_classify_model(c), &hs), 0);
	assert_int_equal(rk_model_merge_endpoint(rk_classify_model(c), &ep), 0);
}

/* One established session (both directions seen). */
static void
add_session(struct rk_classifier *c, int client, int server, uint16_t port, uint64_t ts,
    uint64_t bytes)
{
	add_session_dirs(c, client, server, port, ts, bytes, 0, 0);
}

/* The URL of this test's fresh store. */
static const char *
url_of(void **state)
{
	return ((struct fixture *)*state)->url;
}

/* Can a second handle open this test's store?  (Not ':memory:'.) */
static int
shared(void **state)
{
	return ((struct fixture *)*state)->be->is_shared;
}

/* A fresh directory and URL for one test of the back end in *state. */
static int
fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->be = *state;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rk-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) {
		free(f);
		return -1;
	}
	snprintf(f->url, sizeof(f->url), f->be->url_fmt, f->dir);
	*state = f;
	return 0;
}

/* Remove the test's store (its files) and directory. */
static int
fixture_teardown(void **state)
{
	struct fixture *f = *state;
	static const char *const files[] = {"t.db", "t.db-wal", "t.db-shm", "t.db-journal"};
	char path[96];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->dir, files[i]);
		unlink(path);
	}
	rmdir(f->dir);
	free(f);
	return 0;
}

static struct rk_store *
open_ok(const char *path, int flags)
{
	struct rk_store *s = NULL;
	struct rk_err err = {0};
	int rc = rk_store_open(&s, path, flags, &err);

	if (rc != 0)
		fprintf(stderr, "open %s: %s\n", path, err.msg);
	assert_int_equal(rc, 0);
	assert_non_null(s);
	return s;
}

static void
begin(struct rk_store *s, struct rk_store_run *r)
{
	struct rk_err err = {0};

	memset(r, 0, sizeof(*r));
	r->mode = "file";
	r->source = "test.pcap";
	r->version = "test";
	r->started_us = 1;
	assert_int_equal(rk_store_run_begin(s, r, &err), 0);
	assert_true(r->id > 0);
}

/* Flush c with st spanning [first, last]; asserts success. */
static void
flush(struct rk_store *s, const struct rk_store_run *r, struct rk_classifier *c, uint64_t first,
    uint64_t last)
{
	struct rk_pipeline_stats st = {0};
	struct rk_err err = {0};
	int rc;

	st.first_ts = first;
	st.last_ts = last;
	st.n_frames = 100;
	st.n_bytes = 10000;
	st.n_files = 1;
	st.decode[RK_DSTAT_NON_IP] = 3;
	rc = rk_store_flush(s, r, c, NULL, &st, NULL, 0, &err);
	if (rc != 0)
		fprintf(stderr, "flush: %s\n", err.msg);
	assert_int_equal(rc, 0);
}

static const struct rk_service *
find_service(const struct rk_classifier *c, int server, uint16_t port)
{
	struct rk_ep_key k = {0};

	ip4(k.ip, 10, 0, 0, server);
	k.proto = RK_PROTO_TCP;
	k.port = port;
	return rk_map_find(rk_classify_services(c), &k);
}

static struct rk_classifier *
load(struct rk_store *s, uint64_t since, uint64_t until, struct rk_pipeline_stats *st)
{
	struct rk_classifier *c = rk_classify_new(NULL, 64, 7);
	struct rk_err err = {0};

	assert_non_null(c);
	memset(st, 0, sizeof(*st));
	assert_int_equal(rk_store_load(s, since, until, c, NULL, st, &err), 0);
	return c;
}

static int64_t
query_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t v = -1;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &q, NULL), SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		v = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return v;
}

static void
exec_sql(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* A flush comes back from a load unchanged; the counters of the run too. */
static void
test_roundtrip(void **state)
{
	struct rk_store *s = open_ok(url_of(state), 0);
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st;
	struct rk_classify_stats cs;
	struct rk_store_run r;
	const struct rk_service *v;
	uint8_t ip[RK_ADDR_LEN];
	const struct rk_host *h;

	begin(s, &r);
	add_session(c, 1, 10, 80, T0 + 10, 100);
	add_session(c, 2, 10, 80, T0 + 20, 100);
	add_session(c, 2, 10, 80, T0 + 30, 100);
	add_session(c, 1, 11, 5432, T0 + 40, 50);
	flush(s, &r, c, T0, T0 + H / 2);
	l = load(s, 0, 0, &st);
	assert_int_equal(rk_classify_services(l)->n_entries, 2);
	assert_int_equal(rk_classify_edges(l)->n_entries, 3);
	assert_int_equal(rk_classify_hosts(l)->n_entries, 4);
	v = find_service(l, 10, 80);
	assert_non_null(v);
	assert_int_equal(v->n_clients, 2);
	assert_int_equal(v->n_sessions, 3);
	assert_int_equal(v->bytes_in, 300);
	assert_int_equal(v->bytes_out, 600);
	assert_int_equal(v->first_ts, T0 + 10);
	assert_int_equal(v->last_ts, T0 + 1030);
	assert_int_equal(v->rules[RK_RULE_HANDSHAKE], 3);
	assert_true(v->conf_sum > 2.24 && v->conf_sum < 2.26);
	ip4(ip, 10, 1, 0, 1);
	h = rk_map_find(rk_classify_hosts(l), ip);
	assert_non_null(h);
	assert_int_equal(h->n_used, 2);
	assert_int_equal(h->n_services, 0);
	assert_int_equal(h->bytes_sent, 150);
	ip4(ip, 10, 0, 0, 10);
	h = rk_map_find(rk_classify_hosts(l), ip);
	assert_non_null(h);
	assert_int_equal(h->n_services, 1);
	assert_int_equal(rk_classify_endpoints(l)->n_entries, 2);
	assert_int_equal(st.n_frames, 100);
	assert_int_equal(st.first_ts, T0);
	assert_int_equal(st.last_ts, T0 + H / 2);
	assert_int_equal(st.decode[RK_DSTAT_NON_IP], 3);
	rk_classify_get_stats(l, &cs);
	assert_int_equal(cs.n_kind[RK_SK_ESTABLISHED], 0);
	rk_classify_free(l);
	rk_classify_free(c);
	rk_store_close(s);
}

/* Two runs add up; a client seen in both is one client. */
static void
test_two_runs_sum(void **state)
{
	struct rk_store *s = open_ok(url_of(state), 0);
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st;
	struct rk_store_run r1, r2;
	const struct rk_service *v;

	begin(s, &r1);
	add_session(c, 1, 10, 80, T0 + 10, 100);
	flush(s, &r1, c, T0, T0 + 100);
	rk_classify_clear(c);
	begin(s, &r2);
	add_session(c, 1, 10, 80, T0 + 25 * H, 100);
	add_session(c, 3, 10, 80, T0 + 25 * H, 100);
	flush(s, &r2, c, T0 + 25 * H, T0 + 26 * H);
	l = load(s, 0, 0, &st);
	v = find_service(l, 10, 80);
	assert_non_null(v);
	assert_int_equal(v->n_clients, 2);
	assert_int_equal(v->n_sessions, 3);
	assert_int_equal(v->last_ts, T0 + 25 * H + 1000);
	assert_int_equal(st.n_frames, 200);
	assert_int_equal(st.n_files, 2);
	assert_int_equal(st.first_ts, T0);
	assert_int_equal(st.last_ts, T0 + 26 * H);
	rk_classify_free(l);
	rk_classify_free(c);
	rk_store_close(s);
}

/* A range takes the hour buckets it overlaps, and only those. */
static void
test_ranges(void **state)
{
	struct rk_store *s = open_ok(url_of(state), 0);
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st;
	struct rk_store_run r;
	uint64_t first, last;
	struct rk_err err = {0};

	begin(s, &r);
	add_session(c, 1, 10, 80, T0 + 10, 100);
	flush(s, &r, c, T0, T0 + H - 1);
	rk_classify_clear(c);
	add_session(c, 2, 10, 80, T0 + 2 * H + 10, 100);
	add_session(c, 2, 12, 22, T0 + 2 * H + 10, 100);
	flush(s, &r, c, T0, T0 + 3 * H - 1);
	l = load(s, T0, T0 + H, &st);
	assert_int_equal(rk_classify_edges(l)->n_entries, 1);
	assert_int_equal(find_service(l, 10, 80)->n_clients, 1);
	assert_null(find_service(l, 12, 22));
	assert_int_equal(st.first_ts, T0);
	assert_int_equal(st.last_ts, T0 + H - 1);
	rk_classify_free(l);
	l = load(s, T0 + H, 0, &st);
	assert_int_equal(rk_classify_edges(l)->n_entries, 2);
	assert_non_null(find_service(l, 12, 22));
	rk_classify_free(l);
	l = load(s, T0 + H, T0 + 2 * H, &st);
	assert_int_equal(rk_classify_edges(l)->n_entries, 0);
	rk_classify_free(l);
	assert_int_equal(rk_store_range(s, &first, &last, &err), 0);
	assert_int_equal(first, T0);
	assert_int_equal(last, T0 + 3 * H - 1);
	rk_classify_free(c);
	rk_store_close(s);
}

/* Hour rows beyond the retention become day rows; the sums do not change. */
static void
test_rollup(void **state)
{
	char dir[] = "/tmp/rk-store-XXXXXX", path[64];
	struct rk_store *s;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st;
	struct rk_store_run r;
	struct rk_err err = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/r.db", dir);
	s = open_ok(path, 0);
	begin(s, &r);
	for (int hr = 0; hr < 30; hr++) {
		add_session(c, 1, 10, 80, T0 + (uint64_t)hr * H + 5, 100);
		flush(s, &r, c, T0, T0 + (uint64_t)hr * H + 10);
		rk_classify_clear(c);
	}
	/* 30 hours, 30-day retention: all hourly. */
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 0"), 30);
	rk_store_set_retention(s, 0);
	add_session(c, 1, 10, 80, T0 + 30 * H + 5, 100);
	flush(s, &r, c, T0, T0 + 30 * H + 10);
	rk_classify_clear(c);
	/* A flush rolls up at most a day's worth of hours: 0-23 now ... */
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 1"), 1);
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 0"), 7);
	/* ... 24-29 at the next; hour 30 is still open. */
	flush(s, &r, c, T0, T0 + 30 * H + 10);
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 1"), 2);
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 0"), 1);
	assert_int_equal(query_int(path,
	    "SELECT sum(sessions) FROM service_buckets WHERE span = 1"), 30);
	l = load(s, 0, 0, &st);
	assert_int_equal(find_service(l, 10, 80)->n_sessions, 31);
	assert_int_equal(find_service(l, 10, 80)->first_ts, T0 + 5);
	rk_classify_free(l);
	/* A day bucket answers for any range inside its day. */
	l = load(s, T0 + 3 * H, T0 + 4 * H, &st);
	assert_int_equal(find_service(l, 10, 80)->n_sessions, 24);
	rk_classify_free(l);
	assert_int_equal(rk_store_rollup(s, T0 + 40 * H, &err), 0);
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 0"), 0);
	rk_store_close(s);
	rk_classify_free(c);
	unlink(path);
	rmdir(dir);
}

/*
 * view made again without the text cols (", x.a, x.b", as the view's SQL
 * has them): the view as it was before a migration added those columns.
 */
static void
drop_view_columns(const char *path, const char *view, const char *cols)
{
	char sql[1024];
	const char *def, *at;
	sqlite3 *db;
	sqlite3_stmt *q;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	    "SELECT sql FROM sqlite_schema WHERE type = 'view' AND name = ?1", -1, &q, NULL),
	    SQLITE_OK);
	sqlite3_bind_text(q, 1, view, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(q), SQLITE_ROW);
	def = (const char *)sqlite3_column_text(q, 0);
	assert_non_null(at = strstr(def, cols));
	assert_true(strlen(def) + 32 < sizeof(sql));
	snprintf(sql, sizeof(sql), "DROP VIEW %s; %.*s%s", view, (int)(at - def), def,
	    at + strlen(cols));
	sqlite3_finalize(q);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

/* Schema 4 undone: the blind columns and the views that show them, as schema 3 had them. */
static void
undo_v4(const char *path)
{
	drop_view_columns(path, "edges_v", ", e.blind_c2s, e.blind_s2c");
	drop_view_columns(path, "services_v", ", v.blind_in, v.blind_out");
	exec_sql(path,
	    "ALTER TABLE services DROP COLUMN blind_in; ALTER TABLE services DROP COLUMN blind_out;"
	    "ALTER TABLE service_buckets DROP COLUMN blind_in;"
	    "ALTER TABLE service_buckets DROP COLUMN blind_out;"
	    "ALTER TABLE edges DROP COLUMN blind_c2s; ALTER TABLE edges DROP COLUMN blind_s2c;");
}

/* The number of the columns of table named in names (a quoted SQL list). */
static int64_t
n_columns(const char *path, const char *table, const char *names)
{
	char sql[256];

	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM pragma_table_info('%s') WHERE name IN (%s)", table, names);
	return query_int(path, sql);
}

/*
 * A schema 1 store (made here by undoing schema 2's index changes and
 * schema 3's and 4's columns) is upgraded when opened for writing: its
 * rows stay, the unused indexes go, the endpoints, services and edges gain
 * their columns, and the rollup still finds its hours; read-only it is
 * refused until then.
 */
static void
test_upgrade_v1(void **state)
{
	char dir[] = "/tmp/rk-store-XXXXXX", path[64];
	struct rk_store *s = NULL;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st;
	struct rk_store_run r;
	struct rk_err err = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/u.db", dir);
	s = open_ok(path, 0);
	begin(s, &r);
	for (int hr = 0; hr < 3; hr++) {
		add_session(c, 1, 10, 80, T0 + (uint64_t)hr * H + 5, 100);
		flush(s, &r, c, T0, T0 + (uint64_t)hr * H + 10);
		rk_classify_clear(c);
	}
	rk_store_close(s);
	undo_v4(path);
	exec_sql(path, "DROP INDEX edges_hours; DROP INDEX service_buckets_hours;"
	    "CREATE INDEX edges_server ON edges(server, proto, port);"
	    "CREATE INDEX edges_time ON edges(span, bucket);"
	    "CREATE INDEX service_buckets_time ON service_buckets(span, bucket);"
	    "ALTER TABLE endpoints DROP COLUMN opened; ALTER TABLE endpoints DROP COLUMN answered;"
	    "PRAGMA user_version = 1");
	assert_true(rk_store_open(&s, path, RK_STORE_RDONLY, &err) < 0);
	assert_non_null(strstr(err.msg, "store schema 1 is older than"));
	s = open_ok(path, 0);
	assert_int_equal(query_int(path, "PRAGMA user_version"), RK_STORE_SCHEMA);
	assert_int_equal(query_int(path, "SELECT count(*) FROM pragma_table_info('endpoints')"
	    " WHERE name IN ('opened', 'answered')"), 2);
	assert_int_equal(n_columns(path, "edges", "'blind_c2s', 'blind_s2c'"), 2);
	assert_int_equal(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
	    " AND name IN ('edges_server', 'edges_time', 'service_buckets_time')"), 0);
	assert_int_equal(query_int(path, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
	    " AND name IN ('edges_hours', 'service_buckets_hours')"), 2);
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 0"), 3);
	assert_int_equal(rk_store_rollup(s, T0 + 40 * H, &err), 0);
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges WHERE span = 0"), 0);
	assert_int_equal(query_int(path, "SELECT sum(sessions) FROM edges WHERE span = 1"), 3);
	l = load(s, 0, 0, &st);
	assert_int_equal(find_service(l, 10, 80)->n_sessions, 3);
	rk_classify_free(l);
	assert_int_equal(query_int(path, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check != 'ok'"), 0);
	rk_store_close(s);
	rk_classify_free(c);
	unlink(path);
	rmdir(dir);
}

/*
 * Sessions seen one way only: their counts survive a flush and a load,
 * sum on upsert (two flushes into one hour bucket, two runs) and in the
 * rollup into a day, like the sessions themselves.
 */
static void
test_blind_roundtrip(void **state)
{
	char dir[] = "/tmp/rk-store-XXXXXX", path[64];
	struct rk_store *s;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st;
	struct rk_store_run r1, r2;
	struct rk_err err = {0};
	const struct rk_service *v;
	const struct rk_edge *e;
	struct rk_edge_key ek = {0};

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/b.db", dir);
	s = open_ok(path, 0);
	begin(s, &r1);
	add_session_dirs(c, 1, 10, 80, T0 + 10, 100, 0, 1);
	add_session_dirs(c, 1, 10, 80, T0 + 20, 100, 0, 1);
	add_session(c, 1, 10, 80, T0 + 30, 100);
	add_session_dirs(c, 2, 10, 80, T0 + 40, 100, 1, 0);
	flush(s, &r1, c, T0, T0 + 100);
	rk_classify_clear(c);
	add_session_dirs(c, 1, 10, 80, T0 + 50, 100, 0, 1); /* the same hour bucket: upsert */
	flush(s, &r1, c, T0, T0 + 200);
	rk_classify_clear(c);
	begin(s, &r2);
	add_session_dirs(c, 1, 10, 80, T0 + 2 * H, 100, 0, 1); /* another run, another hour */
	flush(s, &r2, c, T0 + 2 * H, T0 + 2 * H + 100);
	assert_int_equal(query_int(path, "SELECT blind_out FROM services"), 4);
	assert_int_equal(query_int(path, "SELECT blind_in FROM services"), 1);
	assert_int_equal(query_int(path, "SELECT sum(blind_out) FROM service_buckets"), 4);
	assert_int_equal(query_int(path, "SELECT count(*) FROM service_buckets"), 2);
	assert_int_equal(query_int(path, "SELECT blind_s2c FROM edges_v WHERE client = '10.1.0.1'"
	    " AND span = 'hour' ORDER BY bucket LIMIT 1"), 3);
	assert_int_equal(query_int(path, "SELECT blind_out FROM services_v"), 4);
	l = load(s, 0, 0, &st);
	v = find_service(l, 10, 80);
	assert_non_null(v);
	assert_int_equal(v->n_sessions, 6);
	assert_int_equal(v->n_blind_in, 1);
	assert_int_equal(v->n_blind_out, 4);
	assert_int_equal(v->bytes_out, 2 * 100 + 2 * 100); /* the two sessions that showed it */
	ip4(ek.client, 10, 1, 0, 1);
	ip4(ek.server, 10, 0, 0, 10);
	ek.proto = RK_PROTO_TCP;
	ek.port = 80;
	e = rk_map_find(rk_classify_edges(l), &ek);
	assert_non_null(e);
	assert_int_equal(e->n_sessions, 5);
	assert_int_equal(e->n_blind_c2s, 0);
	assert_int_equal(e->n_blind_s2c, 4);
	assert_int_equal(e->bytes_s2c, 200);
	rk_classify_free(l);
	/* Only the second hour: every session blind to the servers' direction. */
	l = load(s, T0 + 2 * H, 0, &st);
	v = find_service(l, 10, 80);
	assert_int_equal(v->n_sessions, 1);
	assert_int_equal(v->n_blind_out, 1);
	assert_int_equal(v->bytes_out, 0);
	rk_classify_free(l);
	/* Rolled up into the day: the same sums. */
	assert_int_equal(rk_store_rollup(s, T0 + 40 * H, &err), 0);
	assert_int_equal(query_int(path, "SELECT count(*) FROM service_buckets WHERE span = 0"), 0);
	assert_int_equal(query_int(path,
	    "SELECT blind_out FROM service_buckets WHERE span = 1"), 4);
	assert_int_equal(query_int(path, "SELECT sum(blind_s2c) FROM edges WHERE span = 1"), 4);
	assert_int_equal(query_int(path, "SELECT sum(blind_c2s) FROM edges WHERE span = 1"), 1);
	l = load(s, 0, 0, &st);
	v = find_service(l, 10, 80);
	assert_int_equal(v->n_blind_in, 1);
	assert_int_equal(v->n_blind_out, 4);
	rk_classify_free(l);
	rk_store_close(s);
	rk_classify_free(c);
	unlink(path);
	rmdir(dir);
}

/*
 * A schema 3 store (before the blind columns) is upgraded to schema 4:
 * its rows stay and read 0 sessions seen one way; the views gain the
 * columns; new flushes add to the old rows.
 */
static void
test_upgrade_v3(void **state)
{
	char dir[] = "/tmp/rk-store-XXXXXX", path[64];
	struct rk_store *s;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st;
	struct rk_store_run r;
	struct rk_err err = {0};
	const struct rk_service *v;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/v3.db", dir);
	s = open_ok(path, 0);
	begin(s, &r);
	add_session(c, 1, 10, 80, T0 + 10, 100);
	flush(s, &r, c, T0, T0 + 100);
	rk_classify_clear(c);
	rk_store_close(s);
	undo_v4(path);
	exec_sql(path, "PRAGMA user_version = 3");
	assert_int_equal(n_columns(path, "services", "'blind_in', 'blind_out'"), 0);
	assert_true(rk_store_open(&s, path, RK_STORE_RDONLY, &err) < 0);
	assert_non_null(strstr(err.msg, "store schema 3 is older than 4"));
	s = open_ok(path, 0);
	assert_int_equal(query_int(path, "PRAGMA user_version"), 4);
	assert_int_equal(n_columns(path, "services", "'blind_in', 'blind_out'"), 2);
	assert_int_equal(n_columns(path, "service_buckets", "'blind_in', 'blind_out'"), 2);
	assert_int_equal(n_columns(path, "edges", "'blind_c2s', 'blind_s2c'"), 2);
	assert_int_equal(n_columns(path, "services_v", "'blind_in', 'blind_out'"), 2);
	assert_int_equal(n_columns(path, "edges_v", "'blind_c2s', 'blind_s2c'"), 2);
	assert_int_equal(query_int(path, "SELECT blind_in + blind_out FROM services"), 0);
	l = load(s, 0, 0, &st);
	v = find_service(l, 10, 80);
	assert_non_null(v);
	assert_int_equal(v->n_sessions, 1);
	assert_int_equal(v->n_blind_in + v->n_blind_out, 0);
	rk_classify_free(l);
	add_session_dirs(c, 1, 10, 80, T0 + 20, 100, 0, 1);
	flush(s, &r, c, T0, T0 + 200);
	l = load(s, 0, 0, &st);
	v = find_service(l, 10, 80);
	assert_int_equal(v->n_sessions, 2);
	assert_int_equal(v->n_blind_out, 1);
	rk_classify_free(l);
	assert_int_equal(query_int(path, "SELECT count(*) FROM pragma_integrity_check"
	    " WHERE integrity_check != 'ok'"), 0);
	rk_store_close(s);
	rk_classify_free(c);
	unlink(path);
	rmdir(dir);
}

/* A file store: reopened read-only it gives the same; names survive. */
static void
test_file_rdonly_names(void **state)
{
	const char *url = url_of(state);
	struct rk_store *s;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_names *n = rk_names_new(100), *n2 = rk_names_new(100);
	struct rk_pipeline_stats st = {0};
	struct rk_store_run r;
	struct rk_err err = {0};
	uint8_t ip[RK_ADDR_LEN];
	const char *name;

	if (!shared(state))
		goto out;
	s = open_ok(url, 0);
	begin(s, &r);
	add_session(c, 1, 10, 80, T0 + 10, 100);
	ip4(ip, 10, 0, 0, 10);
	assert_int_equal(rk_names_add_host(n, ip, "web01.example", 1), 1);
	st.first_ts = T0;
	st.last_ts = T0 + 10;
	assert_int_equal(rk_store_flush(s, &r, c, n, &st, NULL, 0, &err), 0);
	rk_store_close(s);
	s = open_ok(url, RK_STORE_RDONLY);
	l = rk_classify_new(NULL, 64, 1);
	assert_int_equal(rk_store_load(s, 0, 0, l, n2, &st, &err), 0);
	assert_int_equal(rk_classify_edges(l)->n_entries, 1);
	name = rk_names_host(n2, ip);
	assert_non_null(name);
	assert_string_equal(name, "web01.example");
	/* A read-only store refuses to be written. */
	assert_true(rk_store_run_begin(s, &r, &err) < 0);
	rk_store_close(s);
	rk_classify_free(l);
out:
	rk_classify_free(c);
	rk_names_free(n);
	rk_names_free(n2);
}

/* Newer schema, a foreign SQLite file, a file that is not SQLite, a missing file. */
static void
test_refusals(void **state)
{
	char dir[] = "/tmp/rk-store-XXXXXX", path[64];
	struct rk_store *s = NULL;
	struct rk_err err = {0};
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/x.db", dir);
	s = open_ok(path, 0);
	rk_store_close(s);
	exec_sql(path, "PRAGMA user_version = 99");
	assert_true(rk_store_open(&s, path, 0, &err) < 0);
	assert_null(s);
	assert_non_null(strstr(err.msg, "newer renkei"));
	assert_non_null(strstr(err.msg, path));
	assert_true(rk_store_open(&s, path, RK_STORE_RDONLY, &err) < 0);
	unlink(path);
	exec_sql(path, "CREATE TABLE t (x)");
	assert_true(rk_store_open(&s, path, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "not a renkei store"));
	unlink(path);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 512; i++)
		fputs("this is not a database ", f);
	fclose(f);
	assert_true(rk_store_open(&s, path, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "not a database"));
	assert_true(rk_store_open(&s, path, RK_STORE_RDONLY, &err) < 0);
	assert_non_null(strstr(err.msg, "not a database"));
	unlink(path);
	assert_true(rk_store_open(&s, path, RK_STORE_RDONLY, &err) < 0);
	assert_non_null(strstr(err.msg, "no such store (make one with"));
	rmdir(dir);
}

/* A store locked by another writer: the flush fails cleanly, keeps nothing, and the retry works. */
static void
test_locked(void **state)
{
	char dir[] = "/tmp/rk-store-XXXXXX", path[64];
	struct rk_store *s;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1), *l;
	struct rk_pipeline_stats st = {0};
	struct rk_store_run r;
	struct rk_err err = {0};
	sqlite3 *other;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/l.db", dir);
	s = open_ok(path, 0);
	begin(s, &r);
	add_session(c, 1, 10, 80, T0 + 10, 100);
	st.first_ts = T0;
	st.last_ts = T0 + 10;
	assert_int_equal(sqlite3_open(path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	assert_true(rk_store_flush(s, &r, c, NULL, &st, NULL, 0, &err) < 0);
	assert_non_null(strstr(err.msg, "locked"));
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	assert_int_equal(query_int(path, "SELECT count(*) FROM edges"), 0);
	assert_int_equal(rk_store_flush(s, &r, c, NULL, &st, NULL, 0, &err), 0);
	l = load(s, 0, 0, &st);
	assert_int_equal(find_service(l, 10, 80)->n_sessions, 1);
	rk_classify_free(l);
	rk_store_close(s);
	rk_classify_free(c);
	unlink(path);
	rmdir(dir);
}

/*
 * The read-only checks, without cmocka (they may run in a child): a store
 * whose file and directory are read-only is refused for writing with the
 * path in the message, and reads read-only (no -shm can be made there).
 * Returns 0 or the number of the failed check.
 */
static int
readonly_checks(void)
{
	char dir[] = "/tmp/rk-store-XXXXXX", path[64];
	struct rk_store *s = NULL;
	struct rk_err err = {0};
	int bad = 0;

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/ro.db", dir);
	if (rk_store_open(&s, path, 0, &err) < 0)
		bad = 2;
	rk_store_close(s);
	s = NULL;
	chmod(path, 0444);
	chmod(dir, 0555);
	if (!bad && (rk_store_open(&s, path, 0, &err) == 0 || strstr(err.msg, path) == NULL))
		bad = 3;
	rk_store_close(s);
	s = NULL;
	if (!bad && rk_store_open(&s, path, RK_STORE_RDONLY, &err) < 0) {
		fprintf(stderr, "read-only open: %s\n", err.msg);
		bad = 4;
	}
	rk_store_close(s);
	chmod(dir, 0755);
	unlink(path);
	rmdir(dir);
	return bad;
}

/* An endpoint's evidence with the counters a run would have folded. */
static void
add_evidence(struct rk_classifier *c, int host, uint16_t port, uint32_t sessions,
    uint32_t peer_ips, uint32_t as_server, uint32_t as_client)
{
	struct rk_endpoint e = {0};

	ip4(e.key.ip, 10, 0, 0, host);
	e.key.proto = RK_PROTO_TCP;
	e.key.port = port;
	e.n_sessions = sessions;
	e.n_peer_ips = peer_ips;
	e.n_peer_ports = peer_ips + 1;
	e.n_syn_recv = sessions;
	e.n_synack_sent = sessions;
	e.n_as_server = as_server;
	e.n_as_client = as_client;
	e.bytes_sent = 1000 * sessions;
	e.bytes_recv = 10 * sessions;
	assert_int_equal(rk_model_merge_endpoint(rk_classify_model(c), &e), 0);
}

/*
 * Evidence is stored per run for the endpoints that served, and read back
 * run by run for one endpoint (whole runs overlapping the range); the
 * runs themselves come back with what they covered.
 */
static void
test_evidence_and_runs(void **state)
{
	struct rk_store *s = open_ok(url_of(state), 0);
	struct rk_classifier *c1 = rk_classify_new(NULL, 64, 1), *c2 = rk_classify_new(NULL, 64, 1);
	struct rk_classifier *l;
	struct rk_store_evidence *ev = NULL;
	struct rk_store_run_info *runs = NULL;
	struct rk_pipeline_stats st;
	struct rk_store_run r1, r2;
	struct rk_err err = {0};
	struct rk_ep_key k = {0}, client = {0}, unknown = {0};
	const struct rk_endpoint *e;
	size_t n = 99;

	ip4(k.ip, 10, 0, 0, 10);
	k.proto = RK_PROTO_TCP;
	k.port = 80;
	/* Run 1: the service served 3 sessions to 3 peers; 10.0.0.11:40000 only as a client. */
	begin(s, &r1);
	add_session(c1, 1, 10, 80, T0 + 10, 100);
	add_evidence(c1, 10, 80, 2, 2, 2, 0);
	add_evidence(c1, 11, 40000, 5, 1, 0, 5);
	flush(s, &r1, c1, T0, T0 + H / 2);
	/* Run 2, a day later: 7 sessions from 4 peers, one of them as a client. */
	begin(s, &r2);
	add_session(c2, 2, 10, 80, T0 + 25 * H, 100);
	add_evidence(c2, 10, 80, 6, 4, 5, 1);
	flush(s, &r2, c2, T0 + 25 * H, T0 + 26 * H);

	assert_int_equal(rk_store_load_evidence(s, 0, 0, &k, &ev, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(ev[0].run_id, r1.id);
	assert_int_equal(ev[1].run_id, r2.id);
	assert_memory_equal(&ev[0].e.key, &k, sizeof(k));
	assert_int_equal(ev[0].e.n_sessions, 3);
	assert_int_equal(ev[0].e.n_peer_ips, 2);
	assert_int_equal(ev[0].e.n_peer_ports, 3);
	assert_int_equal(ev[0].e.n_as_server, 3);
	assert_int_equal(ev[0].e.n_synack_sent, 2);
	assert_int_equal(ev[0].e.bytes_sent, 2000);
	assert_int_equal(ev[1].e.n_sessions, 7);
	assert_int_equal(ev[1].e.n_peer_ips, 4);
	assert_int_equal(ev[1].e.n_peer_ports, 5);
	assert_int_equal(ev[1].e.n_as_client, 1);
	free(ev);
	/* A range inside run 2 takes run 2 only, whole. */
	assert_int_equal(rk_store_load_evidence(s, T0 + 25 * H + 1, T0 + 25 * H + 2, &k, &ev, &n,
	    &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(ev[0].run_id, r2.id);
	assert_int_equal(ev[0].e.n_sessions, 7);
	free(ev);
	/* A port that never served has no stored evidence; nor has a host never seen. */
	ip4(client.ip, 10, 0, 0, 11);
	client.proto = RK_PROTO_TCP;
	client.port = 40000;
	assert_int_equal(rk_store_load_evidence(s, 0, 0, &client, &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(ev);
	ip4(unknown.ip, 192, 0, 2, 1);
	unknown.proto = RK_PROTO_TCP;
	unknown.port = 80;
	assert_int_equal(rk_store_load_evidence(s, 0, 0, &unknown, &ev, &n, &err), 0);
	assert_int_equal(n, 0);
	/* rk_store_load merges the runs: sums, but the largest distinct counts of one run. */
	l = load(s, 0, 0, &st);
	e = rk_map_find(rk_classify_endpoints(l), &k);
	assert_non_null(e);
	assert_int_equal(e->n_sessions, 10);
	assert_int_equal(e->n_as_server, 9);
	assert_int_equal(e->n_as_client, 1);
	assert_int_equal(e->n_peer_ips, 4);
	assert_int_equal(e->n_peer_ports, 5);
	assert_null(rk_map_find(rk_classify_endpoints(l), &client));
	rk_classify_free(l);

	assert_int_equal(rk_store_load_runs(s, 0, 0, &runs, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(runs[0].id, r1.id);
	assert_string_equal(runs[0].mode, "file");
	assert_string_equal(runs[0].source, "test.pcap");
	assert_string_equal(runs[0].version, "test");
	assert_int_equal(runs[0].first_ts, T0);
	assert_int_equal(runs[0].last_ts, T0 + H / 2);
	assert_int_equal(runs[0].n_packets, 100);
	assert_int_equal(runs[0].n_bytes, 10000);
	assert_int_equal(runs[0].n_flushes, 1);
	assert_int_equal(runs[1].id, r2.id);
	rk_store_runs_free(runs, n);
	assert_int_equal(rk_store_load_runs(s, T0 + 24 * H, 0, &runs, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(runs[0].id, r2.id);
	rk_store_runs_free(runs, n);
	assert_int_equal(rk_store_load_runs(s, T0 + 40 * H, 0, &runs, &n, &err), 0);
	assert_int_equal(n, 0);
	assert_null(runs);
	rk_store_runs_free(NULL, 0);
	rk_classify_free(c1);
	rk_classify_free(c2);
	rk_store_close(s);
}

/* As root (whom permissions do not stop) the checks run in a child as nobody. */
static void
test_readonly_file(void **state)
{
	pid_t pid;
	int status = 0;

	(void)state;
	if (geteuid() != 0) {
		assert_int_equal(readonly_checks(), 0);
		return;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(100);
		_exit(readonly_checks());
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * The change version: a reader's differs once a writer (another handle,
 * as another process would be) flushed, and stays put while nobody
 * writes; the writer's own changes with its own flushes.
 */
static void
test_version(void **state)
{
	struct rk_store *w, *r;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1);
	struct rk_store_run run;
	struct rk_err err = {0};
	uint64_t v0, v1, v2, w0, w1;

	w = open_ok(url_of(state), 0);
	begin(w, &run);
	assert_int_equal(rk_store_version(w, &w0, &err), 0);
	add_session(c, 1, 10, 80, T0 + 10, 100);
	flush(w, &run, c, T0, T0 + 100);
	assert_int_equal(rk_store_version(w, &w1, &err), 0);
	assert_true(w0 != w1);
	if (shared(state)) {
		r = open_ok(url_of(state), RK_STORE_RDONLY);
		assert_int_equal(rk_store_version(r, &v0, &err), 0);
		assert_int_equal(rk_store_version(r, &v1, &err), 0);
		assert_true(v0 == v1);
		rk_classify_clear(c);
		add_session(c, 2, 10, 80, T0 + 20, 100);
		flush(w, &run, c, T0, T0 + 200);
		assert_int_equal(rk_store_version(r, &v2, &err), 0);
		assert_true(v2 != v1);
		rk_store_close(r);
	}
	rk_classify_free(c);
	rk_store_close(w);
}

/* What rk_store_service_hours hands over: one service-hour, summed here. */
struct hour_sum {
	uint64_t n_calls;  /* hours handed over */
	uint64_t bytes;    /* their bytes */
	uint64_t hour;     /* the last hour seen */
	int n_blind;       /* hours with has_blind */
};

static int
sum_hour(void *arg, const struct rk_ep_key *svc, uint64_t hour, uint64_t bytes, int has_blind)
{
	struct hour_sum *h = arg;

	assert_int_equal(svc->port, 80);
	h->n_calls++;
	h->bytes += bytes;
	h->hour = hour;
	h->n_blind += has_blind != 0;
	return 0;
}

/* The per-hour traffic of the services, and a range that misses it. */
static void
test_service_hours(void **state)
{
	struct rk_store *s = open_ok(url_of(state), 0);
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1);
	struct rk_store_run r;
	struct rk_err err = {0};
	struct hour_sum h = {0};

	begin(s, &r);
	add_session(c, 1, 10, 80, T0 + 2 * H + 10, 100);
	add_session_dirs(c, 2, 10, 80, T0 + 2 * H + 20, 100, 0, 1);
	flush(s, &r, c, T0, T0 + 3 * H - 1);
	assert_int_equal(rk_store_service_hours(s, 0, 0, sum_hour, &h, &err), 0);
	assert_int_equal(h.n_calls, 1);
	assert_int_equal(h.bytes, 100 + 200 + 100);
	assert_int_equal(h.hour, T0 / H + 2);
	assert_int_equal(h.n_blind, 1);
	memset(&h, 0, sizeof(h));
	assert_int_equal(rk_store_service_hours(s, T0, T0 + H, sum_hour, &h, &err), 0);
	assert_int_equal(h.n_calls, 0);
	rk_classify_free(c);
	rk_store_close(s);
}

/* A URL with a scheme no back end registered is refused, naming those there are. */
static void
test_unknown_scheme(void **state)
{
	struct rk_store *s = NULL;
	struct rk_err err = {0};

	(void)state;
	assert_true(rk_store_open(&s, "clickhouse://db.example:9000/renkei", 0, &err) < 0);
	assert_null(s);
	assert_non_null(strstr(err.msg, "unknown store scheme 'clickhouse'"));
	assert_non_null(strstr(err.msg, "sqlite:PATH"));
}

/* The interface suite, run once per back end (initial state: the backend). */
static const struct CMUnitTest interface_tests[] = {
	cmocka_unit_test_setup_teardown(test_roundtrip, fixture_setup, fixture_teardown),
	cmocka_unit_test_setup_teardown(test_two_runs_sum, fixture_setup, fixture_teardown),
	cmocka_unit_test_setup_teardown(test_ranges, fixture_setup, fixture_teardown),
	cmocka_unit_test_setup_teardown(test_file_rdonly_names, fixture_setup, fixture_teardown),
	cmocka_unit_test_setup_teardown(test_evidence_and_runs, fixture_setup, fixture_teardown),
	cmocka_unit_test_setup_teardown(test_service_hours, fixture_setup, fixture_teardown),
	cmocka_unit_test_setup_teardown(test_version, fixture_setup, fixture_teardown),
};
#define N_INTERFACE_TESTS (sizeof(interface_tests) / sizeof(interface_tests[0]))

#define N_BACKENDS (sizeof(backends) / sizeof(backends[0]))

/*
 * One group (one TAP plan): every back end x the interface suite, each
 * test named "backend: test" with its back end as initial state, then the
 * SQLite back end's own tests.
 */
int
main(void)
{
	static const struct CMUnitTest sqlite_tests[] = {
		cmocka_unit_test(test_unknown_scheme),
		cmocka_unit_test(test_rollup),
		cmocka_unit_test(test_upgrade_v1),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_locked),
		cmocka_unit_test(test_readonly_file),
		cmocka_unit_test(test_blind_roundtrip),
		cmocka_unit_test(test_upgrade_v3),
	};
	enum { N_SQLITE = sizeof(sqlite_tests) / sizeof(sqlite_tests[0]) };
	struct CMUnitTest t[N_BACKENDS * N_INTERFACE_TESTS + N_SQLITE];
	char names[N_BACKENDS * N_INTERFACE_TESTS][96];
	size_t n = 0;

	for (size_t b = 0; b < N_BACKENDS; b++) {
		for (size_t i = 0; i < N_INTERFACE_TESTS; i++, n++) {
			t[n] = interface_tests[i];
			snprintf(names[n], sizeof(names[n]), "%s: %s", backends[b].name, t[n].name);
			t[n].name = names[n];
			t[n].initial_state = (void *)&backends[b];
		}
	}
	for (size_t i = 0; i < N_SQLITE; i++)
		t[n++] = sqlite_tests[i];
	return _cmocka_run_group_tests("store", t, n, NULL, NULL);
}
