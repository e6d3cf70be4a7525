/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/model.c - sorted views of the aggregates, shared by the renderers.
 *
 * The classifier's maps are in insertion order; reports want address
 * order.  A view is an array of pointers into a map, sorted once; it is
 * valid while the map is not modified (the classifier is done by then).
 */
#include <stdlib.h>
#include <string.h>

#include "report/model.h"
#include "util/addr.h"

static int
cmp_service(const void *x, const void *y)
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

static int
cmp_edge(const void *x, const void *y)
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
rk_model_init(struct rk_model *m, const struct rk_classifier *c)
{
	memset(m, 0, sizeof(*m));
	m->n_services = rk_classify_services(c)->n_entries;
	m->n_edges = rk_classify_edges(c)->n_entries;
	m->n_hosts = rk_classify_hosts(c)->n_entries;
	m->services = (struct rk_service **)sorted_view(rk_classify_services(c), cmp_service);
	m->edges = (struct rk_edge **)sorted_view(rk_classify_edges(c), cmp_edge);
	m->hosts = (struct rk_host **)sorted_view(rk_classify_hosts(c), cmp_host);
	m->by_server = malloc((m->n_edges + 1) * sizeof(*m->by_server));
	if (m->services == NULL || m->edges == NULL || m->hosts == NULL || m->by_server == NULL) {
		rk_model_fini(m);
		return -RK_E_NOMEM;
	}
	memcpy(m->by_server, m->edges, m->n_edges * sizeof(*m->edges));
	qsort(m->by_server, m->n_edges, sizeof(*m->by_server), rk_model_cmp_edge_by_server);
	return 0;
}

/* Edges ordered by (server, proto, port, client): the clients of each service in a row. */
int
rk_model_cmp_edge_by_server(const void *x, const void *y)
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
rk_model_fini(struct rk_model *m)
{
	free(m->services);
	free(m->edges);
	free(m->hosts);
	free(m->by_server);
	memset(m, 0, sizeof(*m));
}

/* Count distinct /24 (IPv4) and /64 (IPv6) networks among the hosts. */
void
rk_model_networks(const struct rk_model *m, size_t *n_v4, size_t *n_v6)
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

/* Is a in the --host filter (an empty filter admits everything)? */
int
rk_model_admits(const struct rk_report_opts *o, const uint8_t a[RK_ADDR_LEN])
{
	if (o->n_only == 0)
		return 1;
	for (size_t i = 0; i < o->n_only; i++)
		if (memcmp(o->only[i], a, RK_ADDR_LEN) == 0)
			return 1;
	return 0;
}
