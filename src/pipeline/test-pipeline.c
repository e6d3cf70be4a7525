/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipeline/test-pipeline.c - the pipeline end to end on a capture written
 * by the test: the same services, edges and counters whether the
 * aggregates are taken once at the end or every interval (checkpoints of
 * long connections, idle expiry), and whatever the number of threads.
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

#include "pipeline/pipeline.h"
#include "util/test-addr.h"

static char pcap_path[64];

static void
put32(FILE *f, uint32_t v)
{
	fwrite(&v, 4, 1, f);
}

static void
put16(FILE *f, uint16_t v)
{
	fwrite(&v, 2, 1, f);
}

/* One Ethernet/IPv4/TCP frame; addresses 10.0.0.x, no checksums (not checked). */
static void
frame(FILE *f, uint64_t ts, uint8_t src, uint16_t sport, uint8_t dst, uint16_t dport,
    uint8_t flags, uint16_t payload)
{
	uint8_t b[54 + 1400] = {0};
	uint16_t iplen = (uint16_t)(40 + payload);

	b[12] = 0x08;
	b[14] = 0x45;
	b[16] = (uint8_t)(iplen >> 8);
	b[17] = (uint8_t)iplen;
	b[22] = 64;
	b[23] = 6;
	b[26] = 10, b[29] = src;
	b[30] = 10, b[33] = dst;
	b[34] = (uint8_t)(sport >> 8), b[35] = (uint8_t)sport;
	b[36] = (uint8_t)(dport >> 8), b[37] = (uint8_t)dport;
	b[46] = 0x50;
	b[47] = flags;
	put32(f, (uint32_t)(ts / 1000000));
	put32(f, (uint32_t)(ts % 1000000));
	put32(f, 54u + payload);
	put32(f, 54u + payload);
	fwrite(b, 1, 54u + payload, f);
}

/*
 * Ten minutes of traffic: a pool of 4 connections 10.0.0.9 -> .5:5432
 * opened before the capture (no handshake), busy all along; a push stream
 * .7:7000 -> .8 that pauses for four minutes; and short handshaked HTTP
 * requests from .20-.29 to .6:80 throughout.
 */
static int
setup(void **state)
{
	FILE *f;
	int fd;
	uint64_t t0 = 1700000000000000ULL;

	(void)state;
	strcpy(pcap_path, "/tmp/rk-test-pipeline-XXXXXX");
	fd = mkstemp(pcap_path);
	f = fdopen(fd, "wb");
	put32(f, 0xa1b2c3d4);
	put16(f, 2);
	put16(f, 4);
	put32(f, 0);
	put32(f, 0);
	put32(f, 65535);
	put32(f, 1);
	for (int s = 0; s < 600; s++) {
		uint64_t t = t0 + (uint64_t)s * 1000000;
		for (uint16_t c = 0; c < 4; c++) {
			frame(f, t + c, 9, (uint16_t)(40000 + c), 5, 5432, 0x18, 120);
			frame(f, t + c + 10, 5, 5432, 9, (uint16_t)(40000 + c), 0x18, 900);
		}
		if (s < 200 || s > 440) {
			frame(f, t + 100, 7, 7000, 8, 50123, 0x18, 300);
			frame(f, t + 110, 8, 50123, 7, 7000, 0x10, 0);
		}
		if (s % 7 == 0) {
			uint8_t cl = (uint8_t)(20 + s % 10);
			uint16_t cp = (uint16_t)(50000 + s);
			frame(f, t + 200, cl, cp, 6, 80, 0x02, 0);
			frame(f, t + 210, 6, 80, cl, cp, 0x12, 0);
			frame(f, t + 220, cl, cp, 6, 80, 0x10, 0);
			frame(f, t + 230, cl, cp, 6, 80, 0x18, 300);
			frame(f, t + 240, 6, 80, cl, cp, 0x18, 1400);
			frame(f, t + 250, cl, cp, 6, 80, 0x11, 0);
			frame(f, t + 260, 6, 80, cl, cp, 0x11, 0);
			frame(f, t + 270, cl, cp, 6, 80, 0x10, 0);
		}
	}
	fclose(f);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (getenv("RK_KEEP_PCAP") == NULL)
		unlink(pcap_path);
	return 0;
}

struct totals {
	size_t n_services, n_edges;
	uint64_t pkts, bytes, sessions, edge_sessions;
	int flushes;
};

static int
on_flush(void *user, struct rk_pipeline *p, int is_final)
{
	struct totals *t = user;
	const struct rk_map *sv = rk_classify_services(rk_pipeline_classifier(p));

	(void)is_final;
	t->flushes++;
	for (size_t i = 0; i < sv->n_entries; i++) {
		const struct rk_service *s = rk_map_at(sv, i);
		t->pkts += s->pkts;
		t->bytes += s->bytes_in + s->bytes_out;
		t->sessions += s->n_sessions;
	}
	return 0; /* taken: the pipeline clears them, as with a store */
}

/* Run the capture; flush_us 0 = one final flush. */
static void
run(uint64_t flush_us, uint64_t idle_us, int threads, struct totals *t, size_t *n_services,
    size_t *n_edges)
{
	struct rk_pipeline_opts o = {0};
	struct rk_pipeline *p;

	memset(t, 0, sizeof(*t));
	o.max_sessions = 10000;
	o.n_threads = threads;
	o.flush_us = flush_us;
	o.idle_us = idle_us;
	o.on_flush = on_flush;
	o.flush_user = t;
	p = rk_pipeline_new(&o, NULL);
	assert_non_null(p);
	assert_int_equal(rk_pipeline_run_file(p, pcap_path, NULL), 0);
	rk_pipeline_finish(p);
	*n_services = rk_classify_services(rk_pipeline_classifier(p))->n_entries;
	*n_edges = rk_classify_edges(rk_pipeline_classifier(p))->n_entries;
	rk_pipeline_free(p);
}

static void
test_interval_flushes_add_up(void **state)
{
	struct totals once, every;
	size_t ns, ne;

	(void)state;
	run(0, 0, 1, &once, &ns, &ne);
	assert_int_equal(once.flushes, 1);
	/* 3 services: postgresql, the push stream, http; the pool is 4 sessions. */
	assert_int_equal(once.sessions, 4 + 1 + 86);
	for (int threads = 1; threads <= 3; threads++) {
		/* The push stream pauses 240 s: below the idle timeout it stays one session. */
		run(60 * 1000000ULL, 300 * 1000000ULL, threads, &every, &ns, &ne);
		assert_true(every.flushes >= 10);
		assert_int_equal(every.pkts, once.pkts);
		assert_int_equal(every.bytes, once.bytes);
		/* Each connection counted once, however many flushes it spans. */
		assert_int_equal(every.sessions, once.sessions);
		assert_int_equal(ns, 0); /* the last flush was taken and cleared */
		/* Above it, the pause ends the session: the rest is a second one. */
		run(60 * 1000000ULL, 120 * 1000000ULL, threads, &every, &ns, &ne);
		assert_int_equal(every.pkts, once.pkts);
		assert_int_equal(every.bytes, once.bytes);
		assert_int_equal(every.sessions, once.sessions + 1);
	}
}

/* What a fold sink or verdict subscriber saw: sessions by key, and how often. */
struct seen {
	struct rk_sess_key keys[256];
	int n_times[256];
	int n;          /* distinct keys */
	int n_calls;    /* calls in all */
	int n_final;    /* calls for sessions that left (not checkpoints) */
};

static void
see(struct seen *w, const struct rk_session *s, int is_final)
{
	int i;

	w->n_calls++;
	w->n_final += is_final;
	if (!is_final)
		return;
	for (i = 0; i < w->n; i++)
		if (memcmp(&w->keys[i], &s->key, sizeof(s->key)) == 0)
			break;
	if (i == w->n && w->n < 256)
		w->keys[w->n++] = s->key;
	w->n_times[i]++;
}

static void
fold_seen(void *user, const struct rk_session *s, enum rk_fold_why why)
{
	see(user, s, why != RK_FOLD_CHECKPOINT);
}

static void
verdict_seen(void *user, const struct rk_session *s, const struct rk_verdict *v)
{
	(void)v;
	see(user, s, 1);
}

/*
 * Two fold sinks after the classifier and two verdict subscribers: each
 * sees every session exactly once, threads or not, and the classifier's
 * results are those of a pipeline without them.
 */
static void
test_sinks_and_subscribers(void **state)
{
	for (int threads = 1; threads <= 3; threads += 2) {
		struct rk_pipeline_opts o = {0};
		struct seen f1 = {0}, f2 = {0}, v1 = {0}, v2 = {0};
		struct rk_classify_stats cs;
		struct rk_pipeline *p;
		struct rk_err err;
		uint64_t plain[3];

		(void)state;
		o.max_sessions = 4096;
		o.n_threads = threads;
		o.flush_us = 60 * 1000000ull;
		o.idle_us = 120 * 1000000ull;
		assert_non_null(p = rk_pipeline_new(&o, &err));
		assert_int_equal(rk_pipeline_run_file(p, pcap_path, &err), 0);
		rk_pipeline_finish(p);
		plain[0] = rk_classify_services(rk_pipeline_classifier(p))->n_entries;
		plain[1] = rk_classify_edges(rk_pipeline_classifier(p))->n_entries;
		rk_classify_get_stats(rk_pipeline_classifier(p), &cs);
		plain[2] = cs.n_kind[RK_SK_ESTABLISHED];
		rk_pipeline_free(p);

		assert_non_null(p = rk_pipeline_new(&o, &err));
		assert_int_equal(rk_pipeline_add_fold_sink(p, fold_seen, &f1), 0);
		assert_int_equal(rk_pipeline_add_fold_sink(p, fold_seen, &f2), 0);
		assert_int_equal(rk_pipeline_add_verdict_sub(p, verdict_seen, &v1), 0);
		assert_int_equal(rk_pipeline_add_verdict_sub(p, verdict_seen, &v2), 0);
		assert_int_equal(rk_pipeline_run_file(p, pcap_path, &err), 0);
		rk_pipeline_finish(p);
		assert_true(f1.n > 10);
		assert_int_equal(f1.n, f2.n);
		assert_int_equal(f1.n_calls, f2.n_calls);
		assert_int_equal(f1.n_final, f2.n_final);
		assert_memory_equal(f1.keys, f2.keys, sizeof(f1.keys));
		assert_memory_equal(f1.n_times, f2.n_times, sizeof(f1.n_times));
		assert_int_equal(v1.n_calls, v2.n_calls);
		assert_int_equal(v1.n_calls, f1.n_final); /* every session that left was judged */
		assert_memory_equal(v1.n_times, f1.n_times, sizeof(f1.n_times));
		assert_int_equal(rk_classify_services(rk_pipeline_classifier(p))->n_entries,
		    plain[0]);
		assert_int_equal(rk_classify_edges(rk_pipeline_classifier(p))->n_entries, plain[1]);
		rk_classify_get_stats(rk_pipeline_classifier(p), &cs);
		assert_int_equal(cs.n_kind[RK_SK_ESTABLISHED], plain[2]);
		/* An unsubscribed subscriber hears nothing more; the full lists refuse. */
		rk_pipeline_del_verdict_sub(p, verdict_seen, &v1);
		for (int i = 2; i < RK_PIPELINE_MAX_SINKS - 1; i++)
			assert_int_equal(rk_pipeline_add_fold_sink(p, fold_seen, &f2), 0);
		assert_int_equal(rk_pipeline_add_fold_sink(p, fold_seen, &f2), -RK_E_NOMEM);
		rk_pipeline_free(p);
	}
}

/* A conversation as one sensor saw it: only from (src, sport) to (dst, dport). */
static void
half(struct rk_session *s, uint8_t src, uint16_t sport, uint8_t dst, uint16_t dport,
    uint32_t pkts, uint64_t bytes, uint64_t t)
{
	memset(s, 0, sizeof(*s));
	rk_test_ip4(s->key.a, src);
	rk_test_ip4(s->key.b, dst);
	s->key.pa = sport;
	s->key.pb = dport;
	s->key.proto = 6;
	s->first_ts = t;
	s->last_ts = t + 1000;
	s->bytes[RK_DIR_AB] = bytes;
	s->d[RK_DIR_AB].pkts = pkts;
	s->d[RK_DIR_AB].acks = pkts;
	s->d[RK_DIR_AB].data = pkts;
	s->d[RK_DIR_AB].marks = RK_SD_OPENED;
}

/*
 * A collector's records: the request half (client .20 -> .6:80) and the
 * answer half (.6:80 -> .20, reversed, so normalisation must swap it)
 * merge into one conversation that counts each direction once, even when
 * a sensor reports a direction twice; fed in, it makes one service.
 */
static void
test_collector_halves(void **state)
{
	struct rk_pipeline_opts o = {0};
	struct rk_session req, ans, again;
	const struct rk_service *svc;
	struct rk_pipeline *p;
	struct seen f = {0};
	struct rk_err err;

	(void)state;
	half(&req, 20, 50000, 6, 80, 5, 500, 1000);
	half(&ans, 6, 80, 20, 50000, 4, 4000, 1010);
	assert_int_equal(rk_sess_normalise(&req), 1); /* .6 < .20: A is the server */
	assert_int_equal(req.d[RK_DIR_BA].pkts, 5);
	assert_int_equal(req.key.pa, 80);
	assert_int_equal(rk_sess_normalise(&ans), 0);
	assert_memory_equal(&req.key, &ans.key, sizeof(req.key));
	rk_sess_merge_halves(&req, &ans);
	again = req;
	rk_sess_merge_halves(&req, &again); /* the same half twice: nothing doubles */
	rk_sess_merge_halves(&req, &ans);
	assert_int_equal(req.d[RK_DIR_AB].pkts, 4);
	assert_int_equal(req.d[RK_DIR_BA].pkts, 5);
	assert_int_equal(req.bytes[RK_DIR_AB], 4000);
	assert_int_equal(req.bytes[RK_DIR_BA], 500);
	assert_int_equal(req.first_ts, 1000);
	assert_int_equal(req.last_ts, 2010);
	/* The client opened it: only its direction keeps the mark. */
	assert_int_equal(req.d[RK_DIR_BA].marks & RK_SD_OPENED, RK_SD_OPENED);
	assert_int_equal(req.d[RK_DIR_AB].marks & RK_SD_OPENED, 0);

	o.max_sessions = 64;
	o.n_threads = 1;
	assert_non_null(p = rk_pipeline_new(&o, &err));
	assert_int_equal(rk_pipeline_add_fold_sink(p, fold_seen, &f), 0);
	half(&ans, 6, 80, 20, 50000, 4, 4000, 1010);
	ans.d[RK_DIR_AB].marks = 0;
	half(&again, 20, 50000, 6, 80, 5, 500, 1000);
	rk_sess_normalise(&again);
	rk_sess_merge_halves(&again, &ans);
	assert_int_equal(rk_pipeline_add_conversation(p, &again), 0);
	rk_pipeline_finish(p);
	assert_int_equal(f.n_final, 1);
	assert_int_equal(rk_classify_services(rk_pipeline_classifier(p))->n_entries, 1);
	svc = rk_map_at(rk_classify_services(rk_pipeline_classifier(p)), 0);
	assert_int_equal(svc->key.port, 80);
	assert_int_equal(svc->bytes_in, 500);
	assert_int_equal(svc->bytes_out, 4000);
	assert_int_equal(svc->n_sessions, 1);
	rk_pipeline_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_flushes_add_up),
		cmocka_unit_test(test_sinks_and_subscribers),
		cmocka_unit_test(test_collector_halves),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
