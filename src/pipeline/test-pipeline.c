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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval_flushes_add_up),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
