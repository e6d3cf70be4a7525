/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model/model.c - the aggregates and how two of them sum (see model.h).
 *
 * One implementation of the "distinct facts" for every writer: the
 * classifier adds each judged session as a one-session service and edge
 * (rk_model_add_service, rk_model_add_edge), the store's load adds its
 * rows the same way, and a run's intervals are summed with
 * rk_model_absorb.  A distinct count is counted when its record first
 * appears in this model, so the result is the same whether the records
 * came one session at a time, one flush interval at a time or one stored
 * row at a time.
 *
 * Cost: one map upsert per record and per host touched; allocation only
 * when a map grows.  Allocation failures return -RK_E_NOMEM and leave the
 * model consistent (the record is missing, never half added).
 */
#include <string.h>

#include "model/model.h"
#include "util/err.h"

/* Initialise an empty model (caller's storage); seed keys the hashes.  No allocation. */
void
rk_model_init(struct rk_model *m, uint64_t seed)
{
	rk_map_init(&m->endpoints, sizeof(struct rk_ep_key), sizeof(struct rk_endpoint), seed);
	rk_map_init(&m->services, sizeof(struct rk_ep_key), sizeof(struct rk_service), seed);
	rk_map_init(&m->edges, sizeof(struct rk_edge_key), sizeof(struct rk_edge), seed);
	rk_map_init(&m->hosts, RK_ADDR_LEN, sizeof(struct rk_host), seed);
}

/* Free the model's maps (the struct itself is the caller's). */
void
rk_model_fini(struct rk_model *m)
{
	rk_map_fini(&m->endpoints);
	rk_map_fini(&m->services);
	rk_map_fini(&m->edges);
	rk_map_fini(&m->hosts);
}

static void
clear_map(struct rk_map *m)
{
	uint64_t seed = m->seed;
	size_t key_size = m->key_size, entry_size = m->entry_size;

	rk_map_fini(m);
	rk_map_init(m, key_size, entry_size, seed);
}

/*
 * Empty services, edges and hosts (after a flush to the store took them)
 * and free their memory; the endpoint evidence stays: it keeps deciding
 * later sessions.
 */
void
rk_model_clear(struct rk_model *m)
{
	clear_map(&m->services);
	clear_map(&m->edges);
	clear_map(&m->hosts);
}

/* Exchange the services, edges and hosts of a and b (not the evidence).  O(1). */
void
rk_model_swap(struct rk_model *a, struct rk_model *b)
{
	struct rk_model t = *a;

	a->services = b->services;
	a->edges = b->edges;
	a->hosts = b->hosts;
	b->services = t.services;
	b->edges = t.edges;
	b->hosts = t.hosts;
}

static void
min_ts(uint64_t *dst, uint64_t v)
{
	if (v != 0 && (*dst == 0 || v < *dst))
		*dst = v;
}

static void
max_ts(uint64_t *dst, uint64_t v)
{
	if (v > *dst)
		*dst = v;
}

/* Sum src's counters into the service d (same key).  No distinct-fact rule. */
static void
sum_service(struct rk_service *d, const struct rk_service *s)
{
	d->n_clients += s->n_clients;
	d->n_decisions += s->n_decisions;
	d->n_sessions += s->n_sessions;
	d->pkts += s->pkts;
	d->bytes_in += s->bytes_in;
	d->bytes_out += s->bytes_out;
	min_ts(&d->first_ts, s->first_ts);
	max_ts(&d->last_ts, s->last_ts);
	d->conf_sum += s->conf_sum;
	for (int r = 0; r < RK_RULE__COUNT; r++)
		d->rules[r] += s->rules[r];
	d->n_blind_in += s->n_blind_in;
	d->n_blind_out += s->n_blind_out;
}

static void
sum_edge(struct rk_edge *d, const struct rk_edge *e)
{
	d->n_sessions += e->n_sessions;
	d->pkts_c2s += e->pkts_c2s;
	d->pkts_s2c += e->pkts_s2c;
	d->bytes_c2s += e->bytes_c2s;
	d->bytes_s2c += e->bytes_s2c;
	d->n_blind_c2s += e->n_blind_c2s;
	d->n_blind_s2c += e->n_blind_s2c;
	min_ts(&d->first_ts, e->first_ts);
	max_ts(&d->last_ts, e->last_ts);
}

static void
sum_host(struct rk_host *d, const struct rk_host *h)
{
	d->n_services += h->n_services;
	d->n_used += h->n_used;
	d->bytes_sent += h->bytes_sent;
	d->bytes_recv += h->bytes_recv;
	min_ts(&d->first_ts, h->first_ts);
	max_ts(&d->last_ts, h->last_ts);
}

/*
 * Sum a service into m's services (creating it): every counter as it is,
 * n_clients too.  Returns 0 or -RK_E_NOMEM.  The same for edges, hosts and
 * endpoints below.  O(1) amortised.
 */
int
rk_model_merge_service(struct rk_model *m, const struct rk_service *s)
{
	struct rk_service *d = rk_map_upsert(&m->services, &s->key, NULL);

	if (d == NULL)
		return -RK_E_NOMEM;
	sum_service(d, s);
	return 0;
}

int
rk_model_merge_edge(struct rk_model *m, const struct rk_edge *e)
{
	struct rk_edge *d = rk_map_upsert(&m->edges, &e->key, NULL);

	if (d == NULL)
		return -RK_E_NOMEM;
	sum_edge(d, e);
	return 0;
}

int
rk_model_merge_host(struct rk_model *m, const struct rk_host *h)
{
	struct rk_host *d = rk_map_upsert(&m->hosts, h->ip, NULL);

	if (d == NULL)
		return -RK_E_NOMEM;
	sum_host(d, h);
	return 0;
}

/*
 * Endpoint evidence: counters summed, distinct peers the larger of the two
 * (the peers themselves are not kept, so two counts cannot be united).
 */
int
rk_model_merge_endpoint(struct rk_model *m, const struct rk_endpoint *e)
{
	struct rk_endpoint *d = rk_map_upsert(&m->endpoints, &e->key, NULL);

	if (d == NULL)
		return -RK_E_NOMEM;
	d->n_sessions += e->n_sessions;
	d->n_peer_ips = d->n_peer_ips > e->n_peer_ips ? d->n_peer_ips : e->n_peer_ips;
	d->n_peer_ports = d->n_peer_ports > e->n_peer_ports ? d->n_peer_ports : e->n_peer_ports;
	d->n_syn_sent += e->n_syn_sent;
	d->n_syn_recv += e->n_syn_recv;
	d->n_synack_sent += e->n_synack_sent;
	d->n_synack_recv += e->n_synack_recv;
	d->n_refused += e->n_refused;
	d->n_oneway_recv += e->n_oneway_recv;
	d->n_as_server += e->n_as_server;
	d->n_as_client += e->n_as_client;
	d->n_opened += e->n_opened;
	d->n_answered += e->n_answered;
	d->bytes_sent += e->bytes_sent;
	d->bytes_recv += e->bytes_recv;
	return 0;
}

/* The host of ip, created empty if new; NULL if memory is short. */
static struct rk_host *
host_of(struct rk_model *m, const uint8_t ip[RK_ADDR_LEN])
{
	return rk_map_upsert(&m->hosts, ip, NULL);
}

/*
 * Sum the service s into m.  Its n_clients is summed as given (0 from
 * every writer but a merge of whole models: the edges count the clients);
 * a service new to m counts once in its host's n_services.  OUT: *out
 * (may be NULL) points at the sum, valid until the next insertion.
 * Returns 0 or -RK_E_NOMEM.  O(1) amortised.
 */
int
rk_model_add_service(struct rk_model *m, const struct rk_service *s, struct rk_service **out)
{
	int is_new;
	struct rk_service *d = rk_map_upsert(&m->services, &s->key, &is_new);
	struct rk_host *h;

	if (d == NULL)
		return -RK_E_NOMEM;
	sum_service(d, s);
	if (out != NULL)
		*out = d;
	if (!is_new)
		return 0;
	if ((h = host_of(m, s->key.ip)) == NULL)
		return -RK_E_NOMEM;
	h->n_services++;
	return 0;
}

/*
 * Sum the edge e into m.  An edge new to m is a new client of its service
 * (counted only where m has the service: a stored range can hold an edge
 * whose service's bucket lies outside it) and a new use of its client
 * host.  Both hosts take the edge's bytes (client sent c2s, server sent
 * s2c) and times.  OUT: *out (may be NULL) as above.  Returns 0 or
 * -RK_E_NOMEM.  O(1) amortised.
 */
int
rk_model_add_edge(struct rk_model *m, const struct rk_edge *e, struct rk_edge **out)
{
	int is_new;
	struct rk_edge *d = rk_map_upsert(&m->edges, &e->key, &is_new);
	struct rk_host *hs, *hc;

	if (d == NULL)
		return -RK_E_NOMEM;
	sum_edge(d, e);
	if (out != NULL)
		*out = d;
	if (is_new) {
		struct rk_ep_key sk;
		struct rk_service *svc;
		memset(&sk, 0, sizeof(sk));
		memcpy(sk.ip, e->key.server, RK_ADDR_LEN);
		sk.proto = e->key.proto;
		sk.port = e->key.port;
		if ((svc = rk_map_find(&m->services, &sk)) != NULL)
			svc->n_clients++;
	}
	if ((hs = host_of(m, e->key.server)) == NULL)
		return -RK_E_NOMEM;
	min_ts(&hs->first_ts, e->first_ts);
	max_ts(&hs->last_ts, e->last_ts);
	hs->bytes_sent += e->bytes_s2c;
	hs->bytes_recv += e->bytes_c2s;
	if ((hc = host_of(m, e->key.client)) == NULL)
		return -RK_E_NOMEM;
	min_ts(&hc->first_ts, e->first_ts);
	max_ts(&hc->last_ts, e->last_ts);
	hc->bytes_sent += e->bytes_c2s;
	hc->bytes_recv += e->bytes_s2c;
	hc->n_used += (uint32_t)is_new;
	return 0;
}

/*
 * Sum src's services and edges into dst by the rules above (its hosts
 * follow from them); src's evidence is not touched.  Services first: an
 * edge counts its client only on a service already there.  Returns 0, or
 * -RK_E_NOMEM (dst then lacks part of src).  O(services + edges).
 */
int
rk_model_absorb(struct rk_model *dst, const struct rk_model *src)
{
	int rc = 0;

	for (size_t i = 0; i < src->services.n_entries; i++) {
		struct rk_service v = *(const struct rk_service *)rk_map_at(&src->services, i);
		v.n_clients = 0;
		rc |= rk_model_add_service(dst, &v, NULL);
	}
	for (size_t i = 0; i < src->edges.n_entries; i++)
		rc |= rk_model_add_edge(dst, rk_map_at(&src->edges, i), NULL);
	return rc < 0 ? -RK_E_NOMEM : 0;
}
