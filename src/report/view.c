/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/view.c - sorted views of the aggregates, shared by the renderers.
 *
 * The classifier's maps are in insertion order; reports want address
 * order.  A view is an array of pointers into a map, sorted once; it is
 * valid while the map is not modified (the classifier is done by then).
 *
 * Also what the renderers (and the web pages) say of bytes a one-way
 * mirror may have hidden (rk_report_bound): one rule for all of them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/view.h"
#include "util/addr.h"
#include "util/human.h"

/* qsort order of struct rk_service *: by (ip, proto, port). */
int
rk_report_view_cmp_service(const void *x, const void *y)
{
	const struct rk_service *a = *(const struct rk_service *const *)x;
	const struct rk_service *b = *(const struct rk_service *const *)y;
	int c = memcmp(a->key.ip, b->key.ip, RK_ADDR_LEN);

	if (c != 0)
		return c;
	if (a->key.proto != b->key.proto)
		return a->key.proto - b->key.proto;
	return a->key.port - b->key.port;
}

/* qsort order of struct rk_edge *: by (client, server, proto, port). */
int
rk_report_view_cmp_edge(const void *x, const void *y)
{
	const struct rk_edge *a = *(const struct rk_edge *const *)x;
	const struct rk_edge *b = *(const struct rk_edge *const *)y;
	int c = memcmp(a->key.client, b->key.client, RK_ADDR_LEN);

	if (c != 0)
		return c;
	if ((c = memcmp(a->key.server, b->key.server, RK_ADDR_LEN)) != 0)
		return c;
	if (a->key.proto != b->key.proto)
		return a->key.proto - b->key.proto;
	return a->key.port - b->key.port;
}

static int
cmp_host(const void *x, const void *y)
{
	const struct rk_host *a = *(const struct rk_host *const *)x;
	const struct rk_host *b = *(const struct rk_host *const *)y;

	return memcmp(a->ip, b->ip, RK_ADDR_LEN);
}

static void **
sorted_view(const struct rk_map *m, int (*cmp)(const void *, const void *))
{
	void **v = malloc((m->n_entries + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < m->n_entries; i++)
		v[i] = rk_map_at(m, i);
	qsort(v, m->n_entries, sizeof(*v), cmp);
	return v;
}

/*
 * Build the sorted views of c's services, edges and hosts.  Returns 0, or
 * -RK_E_NOMEM (the model is then empty and safe to fini).
 */
int
rk_report_view_init(struct rk_report_view *m, const struct rk_classifier *c)
{
	memset(m, 0, sizeof(*m));
	m->n_services = rk_classify_services(c)->n_entries;
	m->n_edges = rk_classify_edges(c)->n_entries;
	m->n_hosts = rk_classify_hosts(c)->n_entries;
	m->services = (struct rk_service **)sorted_view(rk_classify_services(c),
	    rk_report_view_cmp_service);
	m->edges = (struct rk_edge **)sorted_view(rk_classify_edges(c), rk_report_view_cmp_edge);
	m->hosts = (struct rk_host **)sorted_view(rk_classify_hosts(c), cmp_host);
	m->by_server = malloc((m->n_edges + 1) * sizeof(*m->by_server));
	if (m->services == NULL || m->edges == NULL || m->hosts == NULL || m->by_server == NULL) {
		rk_report_view_fini(m);
		return -RK_E_NOMEM;
	}
	memcpy(m->by_server, m->edges, m->n_edges * sizeof(*m->edges));
	qsort(m->by_server, m->n_edges, sizeof(*m->by_server), rk_report_view_cmp_edge_by_server);
	return 0;
}

/* Edges ordered by (server, proto, port, client): the clients of each service in a row. */
int
rk_report_view_cmp_edge_by_server(const void *x, const void *y)
{
	const struct rk_edge *a = *(const struct rk_edge *const *)x;
	const struct rk_edge *b = *(const struct rk_edge *const *)y;
	int c = memcmp(a->key.server, b->key.server, RK_ADDR_LEN);

	if (c != 0)
		return c;
	if (a->key.proto != b->key.proto)
		return a->key.proto - b->key.proto;
	if (a->key.port != b->key.port)
		return a->key.port - b->key.port;
	return memcmp(a->key.client, b->key.client, RK_ADDR_LEN);
}

void
rk_report_view_fini(struct rk_report_view *m)
{
	free(m->services);
	free(m->edges);
	free(m->hosts);
	free(m->by_server);
	memset(m, 0, sizeof(*m));
}

/* Count distinct /24 (IPv4) and /64 (IPv6) networks among the hosts. */
void
rk_report_view_networks(const struct rk_report_view *m, size_t *n_v4, size_t *n_v6)
{
	*n_v4 = *n_v6 = 0;
	/* Hosts are sorted, so hosts of one network are adjacent. */
	for (size_t i = 0; i < m->n_hosts; i++) {
		const uint8_t *a = m->hosts[i]->ip;
		int v4 = rk_addr_is_v4(a);
		size_t plen = v4 ? 15 : 8;
		if (i > 0 && rk_addr_is_v4(m->hosts[i - 1]->ip) == v4 &&
		    memcmp(m->hosts[i - 1]->ip, a, plen) == 0)
			continue;
		if (v4)
			(*n_v4)++;
		else
			(*n_v6)++;
	}
}

/* The summary's figures of m and st (view.h).  O(hosts + edges). */
void
rk_report_view_figures(const struct rk_report_view *m, const struct rk_pipeline_stats *st,
    struct rk_report_figures *f)
{
	memset(f, 0, sizeof(*f));
	rk_report_view_networks(m, &f->networks_v4, &f->networks_v6);
	rk_report_view_blind(m, f->blind);
	for (size_t i = 0; i < m->n_hosts; i++)
		f->server_hosts += m->hosts[i]->n_services > 0;
	f->client_only_hosts = m->n_hosts - f->server_hosts;
	f->malformed = st != NULL ? rk_decode_malformed(st->decode) : 0;
}

/*
 * The sessions, over all edges, that showed no packet client -> server
 * (OUT: blind[0]) or server -> client (blind[1]).  Every established or
 * one-way session is in exactly one edge.  O(edges).
 */
void
rk_report_view_blind(const struct rk_report_view *m, uint64_t blind[2])
{
	blind[0] = blind[1] = 0;
	for (size_t i = 0; i < m->n_edges; i++) {
		blind[0] += m->edges[i]->n_blind_c2s;
		blind[1] += m->edges[i]->n_blind_s2c;
	}
}

/* Is a in the --host filter (an empty filter admits everything)? */
int
rk_report_view_admits(const struct rk_report_opts *o, const uint8_t a[RK_ADDR_LEN])
{
	if (o->n_only == 0)
		return 1;
	for (size_t i = 0; i < o->n_only; i++)
		if (memcmp(o->only[i], a, RK_ADDR_LEN) == 0)
			return 1;
	return 0;
}

/*
 * What the counters know of bytes summed over n_sessions sessions, n_blind
 * of which showed no packet of them (classify.h n_blind_*): exact if none
 * hid them; unknown if all did and nothing was seen; else a lower bound -
 * also when every session was counted blind but bytes came later (a live
 * session checkpointed before its other direction showed).  O(1).
 */
enum rk_report_bound
rk_report_bound(uint64_t n_blind, uint64_t n_sessions, uint64_t bytes)
{
	if (n_blind == 0)
		return RK_BOUND_EXACT;
	if (n_blind >= n_sessions && bytes == 0)
		return RK_BOUND_UNKNOWN;
	return RK_BOUND_LOWER;
}

/* The sum of two directions: exact only if both are; unknown only if both are. */
static enum rk_report_bound
sum_bound(enum rk_report_bound a, enum rk_report_bound b)
{
	if (a == RK_BOUND_EXACT && b == RK_BOUND_EXACT)
		return RK_BOUND_EXACT;
	return a == RK_BOUND_UNKNOWN && b == RK_BOUND_UNKNOWN ? RK_BOUND_UNKNOWN :
	    RK_BOUND_LOWER;
}

/* What the counters know of a service's bytes in direction d (bytes_in is c2s).  O(1). */
enum rk_report_bound
rk_report_svc_bound(const struct rk_service *s, enum rk_report_dir d)
{
	enum rk_report_bound in = rk_report_bound(s->n_blind_in, s->n_sessions, s->bytes_in);
	enum rk_report_bound out = rk_report_bound(s->n_blind_out, s->n_sessions, s->bytes_out);

	return d == RK_REPORT_C2S ? in : d == RK_REPORT_S2C ? out : sum_bound(in, out);
}

/* What the counters know of an edge's bytes in direction d.  O(1). */
enum rk_report_bound
rk_report_edge_bound(const struct rk_edge *e, enum rk_report_dir d)
{
	enum rk_report_bound c2s = rk_report_bound(e->n_blind_c2s, e->n_sessions, e->bytes_c2s);
	enum rk_report_bound s2c = rk_report_bound(e->n_blind_s2c, e->n_sessions, e->bytes_s2c);

	return d == RK_REPORT_C2S ? c2s : d == RK_REPORT_S2C ? s2c : sum_bound(c2s, s2c);
}

/*
 * v bytes in human units into buf (len bytes), as the counters know them
 * (b): "?" if unknown, ge (">=" in text, "&ge;" in HTML) before a lower
 * bound.  Returns buf.  O(1).
 */
const char *
rk_report_bytes(uint64_t v, enum rk_report_bound b, const char *ge, char *buf, size_t len)
{
	char h[32];

	if (b == RK_BOUND_UNKNOWN)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%s%s", b == RK_BOUND_LOWER ? ge : "",
		    rk_human_bytes(v, h, sizeof(h)));
	return buf;
}
