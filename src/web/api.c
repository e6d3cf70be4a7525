/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/api.c - the JSON API (/api/...), the same queries as the pages.
 *
 * Field names follow the JSON report (README "JSON document"): addresses
 * as text, "proto" as "tcp"/"udp", times in ISO 8601 UTC, bytes as
 * integers - null for a direction of a service or edge that no session
 * showed (a one-way mirror), with "blind" counting the sessions that hid
 * each direction when some did (report.h).  Strings go through util/json.h, which escapes to ASCII
 * (including '<', '>' and '&'), so a stranger's host name is inert even
 * if a client pastes the JSON into HTML.
 */
#include <stdlib.h>
#include <string.h>

#include "util/addr.h"
#include "util/human.h"
#include "util/json.h"
#include "web/web_int.h"

static void
svc_fields(struct rk_json *j, const struct rk_web_snap *s, const struct rk_service *v)
{
	rk_report_json_service(j, s->l.names, v);
	rk_json_kstr_or_null(j, "host_name", rk_web_host_name(s, v->key.ip));
}

static void
host_fields(struct rk_json *j, const struct rk_web_snap *s, const struct rk_host *h)
{
	rk_report_json_host(j, s->l.names, h);
}

static void
edge_fields(struct rk_json *j, const struct rk_web_snap *s, const struct rk_edge *e)
{
	rk_report_json_edge(j, e);
	rk_json_kstr_or_null(j, "client_name", rk_web_host_name(s, e->key.client));
	rk_json_kstr_or_null(j, "server_name", rk_web_host_name(s, e->key.server));
	rk_json_kstr_or_null(j, "service", s->l.names ? rk_names_service(s->l.names,
	    e->key.proto, e->key.port) : NULL);
}

/* "key": [edges...], one inline object per edge of list[0..n). */
static void
edge_array(struct rk_json *j, const struct rk_web_snap *s, const char *key,
    struct rk_edge *const *list, size_t n)
{
	rk_json_key(j, key);
	rk_json_arr(j);
	for (size_t i = 0; i < n; i++) {
		rk_json_obj_inline(j);
		edge_fields(j, s, list[i]);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

static void
range_fields(struct rk_json *j, const struct rk_web_snap *s)
{
	rk_json_key(j, "range");
	rk_json_obj_inline(j);
	rk_json_ktime(j, "since", s->since_us);
	rk_json_ktime(j, "until", s->until_us);
	rk_json_end(j, '}');
}

/* GET /api/summary: the paper's table 3, top and newest services, newest dependencies. */
void
rk_api_summary(struct rk_page *p)
{
	const struct rk_web_snap *s = p->s;
	const struct rk_pipeline_stats *st = &s->l.st;
	size_t n = s->m.n_services < RK_WEB_TOP ? s->m.n_services : RK_WEB_TOP;
	struct rk_json j;

	rk_json_init(&j, p->f);
	rk_json_obj(&j);
	range_fields(&j, s);
	rk_json_ktime(&j, "first", st->first_ts);
	rk_json_ktime(&j, "last", st->last_ts);
	rk_json_key(&j, "duration_s");
	rk_json_dbl(&j, st->first_ts ? (double)(st->last_ts - st->first_ts) / 1e6 : 0.0, 3);
	rk_json_ku64(&j, "packets", st->n_frames);
	rk_json_ku64(&j, "bytes", st->n_bytes);
	rk_json_ku64(&j, "service_bytes", s->bytes);
	if (s->fig.blind[0] + s->fig.blind[1] > 0) {
		/* service_bytes is then a lower bound: these sessions hid a direction. */
		rk_json_key(&j, "blind");
		rk_json_obj_inline(&j);
		rk_json_ku64(&j, "c2s", s->fig.blind[0]);
		rk_json_ku64(&j, "s2c", s->fig.blind[1]);
		rk_json_end(&j, '}');
	}
	rk_json_ku64(&j, "networks_v4_24", s->fig.networks_v4);
	rk_json_ku64(&j, "networks_v6_64", s->fig.networks_v6);
	rk_json_ku64(&j, "hosts", s->m.n_hosts);
	rk_json_ku64(&j, "server_hosts", s->fig.server_hosts);
	rk_json_ku64(&j, "client_only_hosts", s->fig.client_only_hosts);
	rk_json_ku64(&j, "services", s->m.n_services);
	rk_json_ku64(&j, "edges", s->m.n_edges);
	rk_json_ku64(&j, "kernel_drops", st->n_kernel_drops);
	rk_json_ku64(&j, "malformed", s->fig.malformed);
	rk_json_ku64(&j, "truncated_files", st->n_truncated);
	rk_json_key(&j, "top_services");
	rk_json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		rk_json_obj_inline(&j);
		svc_fields(&j, s, s->top[i]);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	rk_json_key(&j, "newest_services");
	rk_json_arr(&j);
	for (size_t i = 0; i < n; i++) {
		rk_json_obj_inline(&j);
		svc_fields(&j, s, s->newest[i]);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	edge_array(&j, s, "newest_edges", s->new_edges, s->n_new_edges);
	rk_json_end(&j, '}');
	fputc('\n', p->f);
}

/* GET /api/networks */
void
rk_api_networks(struct rk_page *p)
{
	const struct rk_web_snap *s = p->s;
	struct rk_json j;

	rk_json_init(&j, p->f);
	rk_json_obj(&j);
	range_fields(&j, s);
	rk_json_key(&j, "networks");
	rk_json_arr(&j);
	for (size_t i = 0; i < s->n_nets; i++) {
		char a[RK_ADDR_STRLEN];
		rk_json_obj_inline(&j);
		rk_json_kstr(&j, "network", rk_addr_format_net(s->nets[i].prefix, a, sizeof(a)));
		rk_json_ku64(&j, "hosts", s->nets[i].n_hosts);
		rk_json_ku64(&j, "servers", s->nets[i].n_servers);
		rk_json_ku64(&j, "bytes", s->nets[i].bytes);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	rk_json_end(&j, '}');
	fputc('\n', p->f);
}

/* GET /api/network?net=P: its hosts.  >0 (404) if no host was seen in it. */
int
rk_api_network(struct rk_page *p, const uint8_t prefix[RK_ADDR_LEN], struct rk_err *err)
{
	const struct rk_web_snap *s = p->s;
	ssize_t ni = rk_web_net_find(s, prefix);
	char a[RK_ADDR_STRLEN];
	struct rk_json j;

	rk_addr_format_net(prefix, a, sizeof(a));
	if (ni < 0) {
		rk_err_set(err, RK_E_INVAL, "no host seen in network %s", a);
		return 1;
	}
	rk_json_init(&j, p->f);
	rk_json_obj(&j);
	rk_json_kstr(&j, "network", a);
	rk_json_ku64(&j, "servers", s->nets[ni].n_servers);
	rk_json_ku64(&j, "bytes", s->nets[ni].bytes);
	rk_json_key(&j, "hosts");
	rk_json_arr(&j);
	for (size_t i = 0; i < s->nets[ni].n_hosts; i++) {
		rk_json_obj_inline(&j);
		host_fields(&j, s, s->m.hosts[s->nets[ni].first + i]);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	rk_json_end(&j, '}');
	fputc('\n', p->f);
	return 0;
}

/* GET /api/hosts?q=&sort=&order=&page=&per_page=&servers= */
void
rk_api_hosts(struct rk_page *p, const struct rk_hosts_q *q)
{
	uint32_t *v = NULL;
	size_t n = rk_web_hosts_select(p->s, q, &v);
	uint64_t from = (q->page - 1) * q->per_page;
	struct rk_json j;

	rk_json_init(&j, p->f);
	rk_json_obj(&j);
	if (n == (size_t)-1) {
		rk_json_kstr(&j, "error", "out of memory");
		rk_json_end(&j, '}');
		return;
	}
	rk_json_ku64(&j, "total", n);
	rk_json_ku64(&j, "page", q->page);
	rk_json_ku64(&j, "per_page", q->per_page);
	rk_json_kstr(&j, "sort", rk_web_sort_name(q->sort));
	rk_json_kstr(&j, "order", q->desc ? "desc" : "asc");
	rk_json_key(&j, "hosts");
	rk_json_arr(&j);
	for (uint64_t i = from; i < n && i < from + q->per_page; i++) {
		rk_json_obj_inline(&j);
		host_fields(&j, p->s, p->s->m.hosts[v[i]]);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	rk_json_end(&j, '}');
	fputc('\n', p->f);
	free(v);
}

static void
evidence_json(struct rk_json *j, const struct rk_web_snap *s, const struct rk_service *v)
{
	const struct rk_endpoint *e = rk_map_find(rk_classify_endpoints(s->l.c), &v->key);

	rk_json_key(j, "decisions_by_rule");
	rk_json_obj_inline(j);
	for (int r = 0; r < RK_RULE__COUNT; r++)
		rk_json_ku64(j, rk_classify_rule_name((enum rk_role_rule)r), v->rules[r]);
	rk_json_end(j, '}');
	rk_json_key(j, "evidence");
	if (e == NULL) {
		rk_json_null(j);
		return;
	}
	rk_json_obj_inline(j);
	rk_json_ku64(j, "peer_ips", e->n_peer_ips);
	rk_json_ku64(j, "peer_ports", e->n_peer_ports);
	rk_json_ku64(j, "synack_sent", e->n_synack_sent);
	rk_json_ku64(j, "synack_recv", e->n_synack_recv);
	rk_json_ku64(j, "syn_sent", e->n_syn_sent);
	rk_json_ku64(j, "syn_recv", e->n_syn_recv);
	rk_json_ku64(j, "as_server", e->n_as_server);
	rk_json_ku64(j, "as_client", e->n_as_client);
	rk_json_ku64(j, "refused", e->n_refused);
	rk_json_ku64(j, "exchanges_begun", e->n_opened);
	rk_json_ku64(j, "exchanges_answered", e->n_answered);
	rk_json_end(j, '}');
}

/* GET /api/host?ip=A: table 1.  >0 (404) if the host was not seen. */
int
rk_api_host(struct rk_page *p, const uint8_t ip[RK_ADDR_LEN], struct rk_err *err)
{
	const struct rk_web_snap *s = p->s;
	ssize_t hi = rk_web_host_find(s, ip);
	size_t first, n;
	struct rk_json j;

	if (hi < 0) {
		char a[RK_ADDR_STRLEN];
		rk_err_set(err, RK_E_INVAL, "host %s was not seen in this time range",
		    rk_addr_format(ip, a, sizeof(a)));
		return 1;
	}
	rk_json_init(&j, p->f);
	rk_json_obj(&j);
	host_fields(&j, s, s->m.hosts[hi]);
	rk_json_key(&j, "offered");
	rk_json_arr(&j);
	n = rk_web_svcs_of(s, ip, &first);
	for (size_t i = first; i < first + n; i++) {
		rk_json_obj_inline(&j);
		svc_fields(&j, s, s->m.services[i]);
		evidence_json(&j, s, s->m.services[i]);
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	n = rk_web_edges_from(s, ip, &first);
	edge_array(&j, s, "used", s->m.edges + first, n);
	rk_json_end(&j, '}');
	fputc('\n', p->f);
	return 0;
}

/* GET /api/service?ip=&proto=&port=: the service, its clients, hours, downstream. */
int
rk_api_service(struct rk_page *p, const struct rk_ep_key *k, struct rk_err *err)
{
	const struct rk_web_snap *s = p->s;
	ssize_t si = rk_web_svc_find(s, k);
	const struct rk_service *v;
	size_t first, n;
	struct rk_json j;

	if (si < 0) {
		char a[RK_ADDR_STRLEN];
		rk_err_set(err, RK_E_INVAL, "no such service on %s in this time range",
		    rk_addr_format(k->ip, a, sizeof(a)));
		return 1;
	}
	v = s->m.services[si];
	rk_json_init(&j, p->f);
	rk_json_obj(&j);
	svc_fields(&j, s, v);
	evidence_json(&j, s, v);
	rk_json_key(&j, "hours");
	rk_json_arr(&j);
	for (uint64_t h = v->first_ts / 3600000000ull; s->l.hours.n_entries > 0 &&
	    h <= v->last_ts / 3600000000ull; h++) {
		struct rk_web_hour_key hk;
		const struct rk_web_hour *e;
		memset(&hk, 0, sizeof(hk));
		hk.svc = v->key;
		hk.hour = h;
		e = rk_map_find(&s->l.hours, &hk);
		rk_json_obj_inline(&j);
		rk_json_ktime(&j, "hour", h * 3600000000ull);
		rk_json_ku64(&j, "bytes", e != NULL ? e->bytes : 0);
		if (e != NULL && e->has_blind) {
			rk_json_key(&j, "lower_bound");
			rk_json_bool(&j, 1);
		}
		rk_json_end(&j, '}');
	}
	rk_json_end(&j, ']');
	n = rk_web_edges_to(s, k, &first);
	edge_array(&j, s, "clients", s->m.by_server + first, n);
	n = rk_web_edges_from(s, k->ip, &first);
	edge_array(&j, s, "downstream", s->m.edges + first, n);
	rk_json_end(&j, '}');
	fputc('\n', p->f);
	return 0;
}
