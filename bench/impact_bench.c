/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * bench/impact_bench.c - how fast impact and needs answer on a store.
 *
 * usage: impact-bench STORE [ROUNDS]
 *
 * Loads the store once (timed apart: a CLI run pays it, the web server
 * has it in its snapshot), then times rk_impact_run and rk_impact_needs
 * for the ten busiest server hosts and for every /24 that holds a server
 * (a site, the paper's unit), ROUNDS times each, and prints the median
 * and the 95th percentile per kind.  A benchmark that prints figures,
 * not a test: the machine is shared and noisy.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "classify/classify.h"
#include "impact/impact.h"
#include "names/sites.h"
#include "pipeline/stats.h"
#include "store/store.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int
cmp_clients(const void *a, const void *b)
{
	const struct rk_host *x = *(const struct rk_host *const *)a;
	const struct rk_host *y = *(const struct rk_host *const *)b;

	return (int)y->n_services - (int)x->n_services;
}

/* Time one walk of target t; returns ms, or -1. */
static double
walk_ms(const struct rk_impact_opts *o, const struct rk_impact_targets *t, int needs)
{
	struct rk_impact r;
	struct rk_err err = {0};
	double t0 = now_ms();
	int rc = needs ? rk_impact_needs(o, t, &r, &err) : rk_impact_run(o, t, &r, &err);

	if (rc < 0)
		return -1;
	rk_impact_free(&r);
	return now_ms() - t0;
}

static void
report(const char *what, double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	printf("%-28s n=%-5zu median %8.2f ms   p95 %8.2f ms   max %8.2f ms\n", what, n,
	    n ? v[n / 2] : 0.0, n ? v[(n * 95) / 100 < n ? (n * 95) / 100 : n - 1] : 0.0,
	    n ? v[n - 1] : 0.0);
}

int
main(int argc, char **argv)
{
	struct rk_store *s = NULL;
	struct rk_classifier *c = rk_classify_new(NULL, 64, 1);
	struct rk_pipeline_stats st = {0};
	struct rk_err err = {0};
	struct rk_impact_opts o = {0};
	const struct rk_model *m;
	int rounds = argc > 2 ? atoi(argv[2]) : 5;
	double t0, *v[4];
	size_t n[4] = {0}, cap;
	const struct rk_host **hosts;

	if (argc < 2 || c == NULL || rounds < 1) {
		fprintf(stderr, "usage: impact-bench STORE [ROUNDS]\n");
		return 1;
	}
	t0 = now_ms();
	if (rk_store_open(&s, argv[1], RK_STORE_RDONLY, &err) < 0 ||
	    rk_store_load(s, 0, 0, c, NULL, &st, &err) < 0) {
		fprintf(stderr, "impact-bench: %s\n", err.msg);
		return 1;
	}
	m = rk_classify_model(c);
	o.m = m;
	printf("store: %zu hosts, %zu services, %zu edges; loaded in %.0f ms\n", m->hosts.n_entries,
	    m->services.n_entries, m->edges.n_entries, now_ms() - t0);
	hosts = malloc((m->hosts.n_entries + 1) * sizeof(*hosts));
	cap = (m->hosts.n_entries + 10) * (size_t)rounds;
	for (int k = 0; k < 4; k++)
		v[k] = malloc(cap * sizeof(double));
	if (hosts == NULL || !v[0] || !v[1] || !v[2] || !v[3])
		return 1;
	for (size_t i = 0; i < m->hosts.n_entries; i++)
		hosts[i] = rk_map_at(&m->hosts, i);
	qsort(hosts, m->hosts.n_entries, sizeof(*hosts), cmp_clients);
	/* The ten busiest servers, then each network (/24, /64) that holds a server: a site. */
	for (size_t i = 0; i < m->hosts.n_entries && hosts[i]->n_services > 0; i++) {
		struct rk_impact_targets t = {0};
		int bits = rk_addr_is_v4(hosts[i]->ip) ? 120 : 64, seen = 0;

		for (size_t j = 0; j < i && !seen; j++)
			seen = hosts[j]->n_services > 0 && rk_prefix_contains(hosts[i]->ip, bits, hosts[j]->ip);
		for (int site = 0; site < 2; site++) {
			if ((site == 0 && i >= 10) || (site == 1 && seen))
				continue;
			memcpy(t.nets[0].net, hosts[i]->ip, RK_ADDR_LEN);
			t.nets[0].bits = site ? bits : 128;
			t.n_nets = 1;
			for (int r = 0; r < rounds; r++) {
				double a = walk_ms(&o, &t, 0), b = walk_ms(&o, &t, 1);
				if (a >= 0)
					v[2 * site][n[2 * site]++] = a;
				if (b >= 0)
					v[2 * site + 1][n[2 * site + 1]++] = b;
			}
		}
	}
	report("impact of one server", v[0], n[0]);
	report("needs of one server", v[1], n[1]);
	report("impact of a /24 site", v[2], n[2]);
	report("needs of a /24 site", v[3], n[3]);
	rk_store_close(s);
	rk_classify_free(c);
	return 0;
}
