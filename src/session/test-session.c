/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session/test-session.c - unit tests of the session table: normalisation,
 * per-direction counters, eviction at capacity, reuse, drain, expiry and
 * the linger of ended connections.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "session/session.h"

struct folds {
	size_t n;
	size_t n_evict;
	size_t n_reuse;
	size_t n_idle;
	uint64_t pkts;
	struct rk_session last;
};

static void
on_fold(void *user, const struct rk_session *s, enum rk_fold_why why)
{
	struct folds *f = user;

	f->n++;
	f->n_evict += why == RK_FOLD_EVICT;
	f->n_reuse += why == RK_FOLD_REUSE;
	f->n_idle += why == RK_FOLD_IDLE;
	f->pkts += s->d[0].pkts + s->d[1].pkts;
	f->last = *s;
}

static struct rk_rec
rec(uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint8_t flags, uint64_t ts)
{
	struct rk_rec r;
	uint8_t s4[4] = {(uint8_t)(src >> 24), (uint8_t)(src >> 16), (uint8_t)(src >> 8),
	    (uint8_t)src};
	uint8_t d4[4] = {(uint8_t)(dst >> 24), (uint8_t)(dst >> 16), (uint8_t)(dst >> 8),
	    (uint8_t)dst};

	memset(&r, 0, sizeof(r));
	rk_addr_from_v4(r.src, s4);
	rk_addr_from_v4(r.dst, d4);
	r.sport = sport;
	r.dport = dport;
	r.proto = RK_PROTO_TCP;
	r.flags = flags;
	r.len = 60;
	r.ts = ts;
	return r;
}

static void
test_both_directions_one_entry(void **state)
{
	struct folds f = {0};
	struct rk_sess_table *t = rk_sess_table_new(64, 1, on_fold, &f);
	struct rk_rec r;
	struct rk_sess_stats st;

	(void)state;
	/* Client 10.0.0.9:40000 -> server 10.0.0.5:5432: the server is A (lower address). */
	r = rec(0x0a000009, 40000, 0x0a000005, 5432, RK_TCP_SYN, 1);
	rk_sess_update(t, &r);
	r = rec(0x0a000005, 5432, 0x0a000009, 40000, RK_TCP_SYN | RK_TCP_ACK, 2);
	rk_sess_update(t, &r);
	r = rec(0x0a000009, 40000, 0x0a000005, 5432, RK_TCP_ACK | RK_REC_PAYLOAD, 3);
	rk_sess_update(t, &r);
	rk_sess_get_stats(t, &st);
	assert_int_equal(st.n_live, 1);
	rk_sess_drain(t);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.last.key.pa, 5432);
	assert_int_equal(f.last.key.pb, 40000);
	assert_int_equal(f.last.d[RK_DIR_BA].pkts, 2);
	assert_int_equal(f.last.d[RK_DIR_BA].syns, 1);
	assert_int_equal(f.last.d[RK_DIR_BA].data, 1);
	assert_int_equal(f.last.d[RK_DIR_AB].synacks, 1);
	assert_int_equal(f.last.d[RK_DIR_AB].syns, 0);
	assert_int_equal(f.last.d[RK_DIR_AB].acks, 1);
	assert_int_equal(f.last.d[RK_DIR_BA].marks, RK_SD_OPENED);
	assert_int_equal(f.last.d[RK_DIR_AB].marks, 0);
	assert_int_equal(f.last.first_ts, 1);
	assert_int_equal(f.last.last_ts, 3);
	rk_sess_get_stats(t, &st);
	assert_int_equal(st.n_live, 0);
	rk_sess_table_free(t);
}

static void
test_capacity_is_never_exceeded(void **state)
{
	struct folds f = {0};
	struct rk_sess_table *t = rk_sess_table_new(1000, 7, on_fold, &f);
	struct rk_sess_stats st;

	(void)state;
	/* 100,000 distinct spoofed sources: the table stays at its cap, nothing is lost. */
	for (uint32_t i = 0; i < 100000; i++) {
		struct rk_rec r = rec(0x0b000000 + i, (uint16_t)(1024 + i), 0x0a000005, 80,
		    RK_TCP_SYN, i);
		rk_sess_update(t, &r);
		rk_sess_get_stats(t, &st);
		assert_true(st.n_live <= 1000);
	}
	assert_int_equal(st.n_created, 100000);
	assert_int_equal(st.n_evicted, 100000 - st.n_live);
	rk_sess_drain(t);
	assert_int_equal(f.n, 100000);
	assert_int_equal(f.pkts, 100000);
	/* The oldest go first: the survivors are recent. */
	assert_true(f.last.last_ts > 90000);
	rk_sess_table_free(t);
}

static void
test_reuse_after_close(void **state)
{
	struct folds f = {0};
	struct rk_sess_table *t = rk_sess_table_new(64, 3, on_fold, &f);
	struct rk_rec r;

	(void)state;
	r = rec(0x0a000009, 800, 0x0a000005, 2049, RK_TCP_SYN, 1);
	rk_sess_update(t, &r);
	r = rec(0x0a000005, 2049, 0x0a000009, 800, RK_TCP_RST | RK_TCP_ACK, 2);
	rk_sess_update(t, &r);
	r = rec(0x0a000009, 800, 0x0a000005, 2049, RK_TCP_SYN, 3);
	rk_sess_update(t, &r);
	assert_int_equal(f.n_reuse, 1);
	rk_sess_drain(t);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.last.first_ts, 3);
	rk_sess_table_free(t);
}

static void
test_expire_idle(void **state)
{
	struct folds f = {0};
	struct rk_sess_table *t = rk_sess_table_new(64, 5, on_fold, &f);

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		struct rk_rec r = rec(0x0a000100 + i, 50000, 0x0a000005, 53, 0, i * 100);
		rk_sess_update(t, &r);
	}
	/* Entries last seen before 500 go; a bounded scan over the whole table. */
	while (rk_sess_expire(t, 500, 16) > 0 || f.n_idle < 5)
		;
	assert_int_equal(f.n_idle, 5);
	rk_sess_table_free(t);
}

static void
test_symmetric_hash(void **state)
{
	struct rk_rec a = rec(0x0a000009, 40000, 0x0a000005, 5432, 0, 0);
	struct rk_rec b = rec(0x0a000005, 5432, 0x0a000009, 40000, 0, 0);
	struct rk_rec c = rec(0x0a000009, 40001, 0x0a000005, 5432, 0, 0);

	(void)state;
	assert_int_equal(rk_sess_rec_hash(&a, 99), rk_sess_rec_hash(&b, 99));
	assert_int_not_equal(rk_sess_rec_hash(&a, 99), rk_sess_rec_hash(&c, 99));
}

static void
test_memory_per_session(void **state)
{
	struct rk_sess_table *t = rk_sess_table_new(1000000, 1, NULL, NULL);
	struct rk_sess_stats st;

	(void)state;
	assert_non_null(t);
	rk_sess_get_stats(t, &st);
	/* 112-byte entries + 4-byte tags at 92% load: under 128 bytes per session. */
	assert_true(st.mem_bytes / 1000000 <= 128);
	assert_true(st.mem_bytes < 256u * 1024 * 1024);
	rk_sess_table_free(t);
}

static void
test_batch_equals_one_by_one(void **state)
{
	struct folds fa = {0}, fb = {0};
	struct rk_sess_table *a = rk_sess_table_new(300, 9, on_fold, &fa);
	struct rk_sess_table *b = rk_sess_table_new(300, 9, on_fold, &fb);
	struct rk_rec r[1000];
	struct rk_sess_stats sa, sb;

	(void)state;
	/* 1000 records over ~400 conversations, both directions, with evictions. */
	for (uint32_t i = 0; i < 1000; i++) {
		uint32_t c = (i * 7919) % 400;
		r[i] = i % 2 ? rec(0x0a000100 + c, (uint16_t)(40000 + c), 0x0a000005, 443,
		    RK_TCP_ACK, i) : rec(0x0a000005, 443, 0x0a000100 + c, (uint16_t)(40000 + c),
		    RK_TCP_ACK | RK_REC_PAYLOAD, i);
		rk_sess_update(a, &r[i]);
	}
	for (size_t off = 0, n = 1; off < 1000; off += n, n = n * 3 % 29 + 1)
		rk_sess_update_batch(b, r + off, off + n > 1000 ? 1000 - off : n);
	rk_sess_get_stats(a, &sa);
	rk_sess_get_stats(b, &sb);
	assert_int_equal(sa.n_packets, sb.n_packets);
	assert_int_equal(sa.n_created, sb.n_created);
	assert_int_equal(sa.n_evicted, sb.n_evicted);
	rk_sess_drain(a);
	rk_sess_drain(b);
	assert_int_equal(fa.n, fb.n);
	assert_int_equal(fa.pkts, fb.pkts);
	assert_int_equal(fa.pkts, 1000);
	rk_sess_table_free(a);
	rk_sess_table_free(b);
}

/*
 * With a linger of 10 s: an ended connection takes its last ACK within
 * 10 s; a packet later than that starts a new entry; and one that stays
 * quiet is folded while other traffic goes on (reap), not at the end.
 */
static void
test_ended_connections_linger_then_leave(void **state)
{
	struct folds f = {0};
	struct rk_sess_table *t = rk_sess_table_new(64, 11, on_fold, &f);
	const uint64_t s = 1000000;
	struct rk_rec r[4];
	struct rk_sess_stats st;

	(void)state;
	rk_sess_set_linger(t, 10 * s, 1);
	/* Connection 1 (port 40001): data, FIN both ways, a last ACK 5 s later. */
	r[0] = rec(0x0a000009, 40001, 0x0a000005, 443, RK_TCP_ACK | RK_REC_PAYLOAD, 1 * s);
	r[1] = rec(0x0a000009, 40001, 0x0a000005, 443, RK_TCP_ACK | RK_TCP_FIN, 2 * s);
	r[2] = rec(0x0a000005, 443, 0x0a000009, 40001, RK_TCP_ACK | RK_TCP_FIN, 3 * s);
	r[3] = rec(0x0a000009, 40001, 0x0a000005, 443, RK_TCP_ACK, 8 * s);
	rk_sess_update_batch(t, r, 4);
	assert_int_equal(f.n, 0);
	/* Connection 2 (port 40002) ends with a RST; a packet of it 11 s later is a new entry. */
	r[0] = rec(0x0a000009, 40002, 0x0a000005, 443, RK_TCP_ACK | RK_REC_PAYLOAD, 9 * s);
	r[1] = rec(0x0a000005, 443, 0x0a000009, 40002, RK_TCP_RST, 9 * s + 1);
	r[2] = rec(0x0a000009, 40002, 0x0a000005, 443, RK_TCP_ACK, 20 * s + 2);
	rk_sess_update_batch(t, r, 3);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.n_idle, 1);
	assert_int_equal(f.last.key.pb, 40002);
	assert_int_equal(f.last.d[0].pkts + f.last.d[1].pkts, 2);
	/* Other traffic at 30 s: connection 1, quiet since 8 s, is reaped. */
	r[0] = rec(0x0a000008, 40003, 0x0a000005, 443, RK_TCP_SYN, 30 * s);
	rk_sess_update_batch(t, r, 1);
	r[0] = rec(0x0a000008, 40003, 0x0a000005, 443, RK_TCP_ACK, 30 * s + 1);
	rk_sess_update_batch(t, r, 1);
	assert_int_equal(f.n, 2);
	assert_int_equal(f.last.key.pb, 40001);
	assert_int_equal(f.last.d[0].pkts + f.last.d[1].pkts, 4);
	rk_sess_get_stats(t, &st);
	assert_int_equal(st.n_expired, 2);
	assert_int_equal(st.n_live, 2); /* the late packet of 40002, and 40003 */
	rk_sess_drain(t);
	assert_int_equal(f.n, 4);
	rk_sess_table_free(t);
}

/* Without reaping, a quiet ended connection waits for the end; a late packet still splits it. */
static void
test_linger_without_reap_folds_at_the_end(void **state)
{
	struct folds f = {0};
	struct rk_sess_table *t = rk_sess_table_new(64, 13, on_fold, &f);
	const uint64_t s = 1000000;
	struct rk_rec r[3];

	(void)state;
	rk_sess_set_linger(t, 10 * s, 0);
	r[0] = rec(0x0a000009, 40001, 0x0a000005, 443, RK_TCP_ACK | RK_TCP_FIN, 1 * s);
	r[1] = rec(0x0a000005, 443, 0x0a000009, 40001, RK_TCP_ACK | RK_TCP_FIN, 2 * s);
	r[2] = rec(0x0a000008, 40002, 0x0a000005, 443, RK_TCP_ACK, 60 * s);
	rk_sess_update_batch(t, r, 3);
	r[0] = rec(0x0a000008, 40002, 0x0a000005, 443, RK_TCP_ACK, 61 * s);
	rk_sess_update_batch(t, r, 1);
	assert_int_equal(f.n, 0);
	r[0] = rec(0x0a000009, 40001, 0x0a000005, 443, RK_TCP_ACK, 62 * s);
	rk_sess_update_batch(t, r, 1);
	assert_int_equal(f.n, 1);
	assert_int_equal(f.n_idle, 1);
	assert_int_equal(f.last.d[0].pkts + f.last.d[1].pkts, 2);
	rk_sess_drain(t);
	assert_int_equal(f.n, 3);
	rk_sess_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ended_connections_linger_then_leave),
		cmocka_unit_test(test_linger_without_reap_folds_at_the_end),
		cmocka_unit_test(test_both_directions_one_entry),
		cmocka_unit_test(test_capacity_is_never_exceeded),
		cmocka_unit_test(test_reuse_after_close),
		cmocka_unit_test(test_expire_idle),
		cmocka_unit_test(test_symmetric_hash),
		cmocka_unit_test(test_memory_per_session),
		cmocka_unit_test(test_batch_equals_one_by_one),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
