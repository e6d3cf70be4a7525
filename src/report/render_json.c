/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/render_json.c - the JSON document (schema 1, documented in
 * README.md).  One object per service, edge, host and (with --sessions)
 * judged session, each on one line; everything sorted by address.  With a
 * --host filter, only entries that involve one of those hosts appear.
 *
 * Bytes a one-way mirror hid: a direction of a service or edge that none
 * of its sessions showed is null (unknown, not 0); "blind" counts the
 * sessions that hid each direction, present only when some did, so a
 * number next to a non-zero count is a lower bound.  "bytes" and
 * "packets" stay the sums of what was seen.
 */
#include <string.h>

#include "report/view.h"
#include "util/human.h"
#include "util/json.h"

static void
proto_field(struct rk_json *j, uint8_t proto)
{
	char p[16];

	rk_json_kstr(j, "proto", rk_report_proto_name(proto, p, sizeof(p)));
}

/* "k": v, or null if the counters do not know it (b). */
static void
bytes_field(struct rk_json *j, const char *k, uint64_t v, enum rk_report_bound b)
{
	rk_json_key(j, k);
	if (b == RK_BOUND_UNKNOWN)
		rk_json_null(j);
	else
		rk_json_u64(j, v);
}

/* "blind": {ka: na, kb: nb}, the sessions that hid each direction; nothing if none did. */
static void
blind_field(struct rk_json *j, const char *ka, uint64_t na, const char *kb, uint64_t nb)
{
	if (na == 0 && nb == 0)
		return;
	rk_json_key(j, "blind");
	rk_json_obj_inline(j);
	rk_json_ku64(j, ka, na);
	rk_json_ku64(j, kb, nb);
	rk_json_end(j, '}');
}

/*
 * The document's opening: '{' and the "renkei" object, the version of
 * the program that wrote it and the schema of the document.
 */
void
rk_report_json_header(struct rk_json *j, const char *version, uint64_t schema)
{
	rk_json_obj(j);
	rk_json_key(j, "renkei");
	rk_json_obj_inline(j);
	rk_json_kstr(j, "version", version ? version : "");
	rk_json_ku64(j, "schema", schema);
	rk_json_end(j, '}');
}

/* What names a service (no braces): ip, proto, port and its name or null.  names may be NULL. */
void
rk_report_json_service_key(struct rk_json *j, const struct rk_names *names,
    const struct rk_ep_key *k)
{
	rk_json_kaddr(j, "ip", k->ip);
	proto_field(j, k->proto);
	rk_json_ku64(j, "port", k->port);
	rk_json_kstr_or_null(j, "name", rk_names_service(names, k->proto, k->port));
}

/* What names a dependency (no braces): client, server, proto and port. */
void
rk_report_json_edge_key(struct rk_json *j, const struct rk_edge *e)
{
	rk_json_kaddr(j, "client", e->key.client);
	rk_json_kaddr(j, "server", e->key.server);
	proto_field(j, e->key.proto);
	rk_json_ku64(j, "port", e->key.port);
}

/*
 * The fields of one service (no braces): the JSON document's and the web
 * API's service objects.  names may be NULL.
 */
void
rk_report_json_service(struct rk_json *j, const struct rk_names *names,
    const struct rk_service *s)
{
	rk_report_json_service_key(j, names, &s->key);
	rk_json_ku64(j, "clients", s->n_clients);
	rk_json_ku64(j, "bytes", s->bytes_in + s->bytes_out);
	bytes_field(j, "bytes_in", s->bytes_in, rk_report_svc_bound(s, RK_REPORT_C2S));
	bytes_field(j, "bytes_out", s->bytes_out, rk_report_svc_bound(s, RK_REPORT_S2C));
	rk_json_ku64(j, "packets", s->pkts);
	rk_json_ku64(j, "sessions", s->n_sessions);
	rk_json_key(j, "confidence");
	rk_json_dbl(j, s->n_decisions ? s->conf_sum / s->n_decisions : 0.0, 3);
	rk_json_ktime(j, "first", s->first_ts);
	rk_json_ktime(j, "last", s->last_ts);
	blind_field(j, "in", s->n_blind_in, "out", s->n_blind_out);
}

/* The fields of one dependency (no braces), shared with the web API. */
void
rk_report_json_edge(struct rk_json *j, const struct rk_edge *e)
{
	rk_report_json_edge_key(j, e);
	rk_json_ku64(j, "bytes", e->bytes_c2s + e->bytes_s2c);
	bytes_field(j, "bytes_c2s", e->bytes_c2s, rk_report_edge_bound(e, RK_REPORT_C2S));
	bytes_field(j, "bytes_s2c", e->bytes_s2c, rk_report_edge_bound(e, RK_REPORT_S2C));
	rk_json_ku64(j, "packets", e->pkts_c2s + e->pkts_s2c);
	rk_json_ku64(j, "sessions", e->n_sessions);
	rk_json_ktime(j, "first", e->first_ts);
	rk_json_ktime(j, "last", e->last_ts);
	blind_field(j, "c2s", e->n_blind_c2s, "s2c", e->n_blind_s2c);
}

/*
 * The fields of one host (no braces): the JSON document's and the web
 * API's host objects.  names may be NULL.
 */
void
rk_report_json_host(struct rk_json *j, const struct rk_names *names, const struct rk_host *h)
{
	char net[80];

	rk_json_kaddr(j, "ip", h->ip);
	rk_json_kstr_or_null(j, "name", names ? rk_names_host(names, h->ip) : NULL);
	rk_json_kstr(j, "network", rk_addr_format_net(h->ip, net, sizeof(net)));
	rk_json_kstr(j, "role", h->n_services ? "server" : "client");
	rk_json_ku64(j, "services", h->n_services);
	rk_json_ku64(j, "uses", h->n_used);
	rk_json_ku64(j, "bytes_sent", h->bytes_sent);
	rk_json_ku64(j, "bytes_recv", h->bytes_recv);
	rk_json_ktime(j, "first", h->first_ts);
	rk_json_ktime(j, "last", h->last_ts);
}

static void
summary(struct rk_json *j, const struct rk_report_view *m, const struct rk_classifier *c,
    const struct rk_pipeline_stats *st)
{
	struct rk_classify_stats cs;
	struct rk_report_figures fg;

	rk_classify_get_stats(c, &cs);
	rk_report_view_figures(m, st, &fg);
	rk_json_key(j, "summary");
	rk_json_obj(j);
	rk_json_ktime(j, "first", st->first_ts);
	rk_json_ktime(j, "last", st->last_ts);
	rk_json_key(j, "duration_s");
	rk_json_dbl(j, st->first_ts ? (double)(st->last_ts - st->first_ts) / 1e6 : 0.0, 6);
	rk_json_ku64(j, "files", st->n_files);
	rk_json_ku64(j, "truncated_files", st->n_truncated);
	rk_json_ku64(j, "packets", st->n_frames);
	rk_json_ku64(j, "bytes", st->n_bytes);
	rk_json_ku64(j, "records", st->n_records);
	rk_json_ku64(j, "filtered", st->n_filtered);
	rk_json_ku64(j, "kernel_drops", st->n_kernel_drops);
	rk_json_ku64(j, "malformed", fg.malformed);
	rk_json_ku64(j, "non_ip", st->decode[RK_DSTAT_NON_IP]);
	rk_json_ku64(j, "unsupported_link", st->decode[RK_DSTAT_LINK_UNSUPPORTED]);
	rk_json_ku64(j, "networks_v4_24", fg.networks_v4);
	rk_json_ku64(j, "networks_v6_64", fg.networks_v6);
	rk_json_ku64(j, "hosts", m->n_hosts);
	rk_json_ku64(j, "server_hosts", fg.server_hosts);
	rk_json_ku64(j, "client_only_hosts", fg.client_only_hosts);
	rk_json_ku64(j, "services", m->n_services);
	rk_json_ku64(j, "edges", m->n_edges);
	rk_json_ku64(j, "sessions_tracked", st->sess.n_created);
	rk_json_ku64(j, "sessions_evicted", st->sess.n_evicted);
	rk_json_key(j, "sessions_by_kind");
	rk_json_obj_inline(j);
	for (int k = 0; k < RK_SK__COUNT; k++)
		rk_json_ku64(j, rk_classify_kind_name((enum rk_sess_kind)k), cs.n_kind[k]);
	rk_json_end(j, '}');
	rk_json_key(j, "decisions_by_rule");
	rk_json_obj_inline(j);
	for (int r = 0; r < RK_RULE__COUNT; r++)
		rk_json_ku64(j, rk_classify_rule_name((enum rk_role_rule)r), cs.n_rule[r]);
	rk_json_end(j, '}');
	/* The sessions whose other direction no byte count includes (all edges). */
	blind_field(j, "c2s", fg.blind[0], "s2c", fg.blind[1]);
	rk_json_end(j, '}');
}

static void
services(struct rk_json *j, const struct rk_report_view *m, const struct rk_report_opts *o)
{
	rk_json_key(j, "services");
	rk_json_arr(j);
	for (size_t i = 0; i < m->n_services; i++) {
		const struct rk_service *s = m->services[i];
		if (!rk_report_view_admits(o, s->key.ip))
			continue;
		rk_json_obj_inline(j);
		rk_report_json_service(j, o->names, s);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

static void
edges(struct rk_json *j, const struct rk_report_view *m, const struct rk_report_opts *o)
{
	rk_json_key(j, "edges");
	rk_json_arr(j);
	for (size_t i = 0; i < m->n_edges; i++) {
		const struct rk_edge *e = m->edges[i];
		if (!rk_report_view_admits(o, e->key.client) && !rk_report_view_admits(o, e->key.server))
			continue;
		rk_json_obj_inline(j);
		rk_report_json_edge(j, e);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

static void
hosts(struct rk_json *j, const struct rk_report_view *m, const struct rk_report_opts *o)
{
	rk_json_key(j, "hosts");
	rk_json_arr(j);
	for (size_t i = 0; i < m->n_hosts; i++) {
		const struct rk_host *h = m->hosts[i];
		if (!rk_report_view_admits(o, h->ip))
			continue;
		rk_json_obj_inline(j);
		rk_report_json_host(j, o->names, h);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

static void
sessions(struct rk_json *j, const struct rk_report_opts *o)
{
	rk_json_key(j, "sessions");
	rk_json_arr(j);
	for (size_t i = 0; i < o->n_sessions; i++) {
		const struct rk_session *s = &o->sessions[i].s;
		const struct rk_verdict *v = &o->sessions[i].v;
		int sb = v->server_is_b;
		const struct rk_sess_dir *c2s = &s->d[sb ? RK_DIR_AB : RK_DIR_BA];
		const struct rk_sess_dir *s2c = &s->d[sb ? RK_DIR_BA : RK_DIR_AB];
		if (!rk_report_view_admits(o, s->key.a) && !rk_report_view_admits(o, s->key.b))
			continue;
		rk_json_obj_inline(j);
		rk_json_kaddr(j, "client", sb ? s->key.a : s->key.b);
		rk_json_ku64(j, "client_port", sb ? s->key.pa : s->key.pb);
		rk_json_kaddr(j, "server", sb ? s->key.b : s->key.a);
		rk_json_ku64(j, "server_port", sb ? s->key.pb : s->key.pa);
		proto_field(j, s->key.proto);
		rk_json_kstr(j, "kind", rk_classify_kind_name(v->kind));
		rk_json_kstr(j, "rule", rk_classify_rule_name(v->rule));
		rk_json_key(j, "confidence");
		rk_json_dbl(j, v->confidence, 3);
		rk_json_ku64(j, "packets_c2s", c2s->pkts);
		rk_json_ku64(j, "packets_s2c", s2c->pkts);
		rk_json_ku64(j, "bytes_c2s", s->bytes[sb ? RK_DIR_AB : RK_DIR_BA]);
		rk_json_ku64(j, "bytes_s2c", s->bytes[sb ? RK_DIR_BA : RK_DIR_AB]);
		rk_json_ktime(j, "first", s->first_ts);
		rk_json_ktime(j, "last", s->last_ts);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
}

/*
 * Write the JSON document: renkei header, summary, services, edges, hosts,
 * decoder counters and, if o->sessions is set, the judged sessions.
 * Returns 0, or -RK_E_NOMEM.
 */
int
rk_report_json(FILE *f, const struct rk_classifier *c, const struct rk_pipeline_stats *st,
    const struct rk_report_opts *o)
{
	struct rk_report_view m;
	struct rk_json j;

	if (rk_report_view_init(&m, c) < 0)
		return -RK_E_NOMEM;
	rk_json_init(&j, f);
	rk_report_json_header(&j, o->version, 2);
	summary(&j, &m, c, st);
	services(&j, &m, o);
	edges(&j, &m, o);
	hosts(&j, &m, o);
	rk_json_key(&j, "decode");
	rk_json_obj(&j);
	for (int i = 0; i < RK_DSTAT__COUNT; i++)
		rk_json_ku64(&j, rk_decode_stat_name((enum rk_decode_stat)i), st->decode[i]);
	rk_json_end(&j, '}');
	if (o->with_sessions)
		sessions(&j, o);
	if (o->with_alerts)
		rk_report_alerts_json(&j, o);
	rk_json_end(&j, '}');
	rk_report_view_fini(&m);
	return 0;
}
