/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/explain.c - the evidence behind decisions (--explain) and the
 * pipeline counters (--stats), for people who want to know why.
 *
 * Both work on a classifier, whether it judged the sessions itself
 * (analyze) or was filled from the store (report).  A store keeps no
 * sessions and not every counter, so it has variants: rk_report_stats_stored
 * leaves out (and names) the counters it lacks rather than printing zeros,
 * and rk_report_explain_aggregates tells, in place of the sessions, what
 * the aggregates know: the rules that decided the endpoint's sessions as a
 * server, and its peers from the dependency edges.  Nothing here is made
 * up from what is missing.  Output is sorted, so it is the same bytes for
 * the same input; the functions only read the classifier.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "report/view.h"
#include "util/human.h"

static void
counter(FILE *f, const char *name, uint64_t v, const char *desc)
{
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", name, v, desc);
}

/*
 * The counters of rk_report_stats; is_stored leaves out those the store
 * does not keep (the session table's reused, expired, capacity, memory).
 */
static void
stats(FILE *f, const struct rk_pipeline_stats *st, const struct rk_classifier *c, int is_stored)
{
	struct rk_classify_stats cs;

	rk_classify_get_stats(c, &cs);
	fprintf(f, "Input\n");
	counter(f, "files", st->n_files, "capture inputs read");
	counter(f, "truncated", st->n_truncated, "inputs that ended mid-record");
	counter(f, "frames", st->n_frames, "frames read");
	counter(f, "filtered", st->n_filtered, "frames rejected by the filter");
	counter(f, "kernel_drops", st->n_kernel_drops, "frames dropped before renkei saw them");
	fprintf(f, "Decoder\n");
	for (int i = 0; i < RK_DSTAT__COUNT; i++)
		counter(f, rk_decode_stat_name((enum rk_decode_stat)i), st->decode[i],
		    rk_decode_stat_desc((enum rk_decode_stat)i));
	fprintf(f, "Session table\n");
	counter(f, "created", st->sess.n_created, "entries created");
	counter(f, "evicted", st->sess.n_evicted, "entries evicted because the table was full");
	if (is_stored) {
		fprintf(f, "  (reused, expired, capacity and memory are not kept in the store)\n");
	} else {
		counter(f, "reused", st->sess.n_reused,
		    "new connections on a 5-tuple whose connection had ended");
		counter(f, "expired", st->sess.n_expired,
		    "entries folded while reading: ended and quiet 10 s, or idle");
		counter(f, "capacity", st->sess.max_live, "live entries at most (--max-sessions)");
		counter(f, "memory", st->sess.mem_bytes, "bytes allocated for the tables");
	}
	fprintf(f, "Sessions by kind\n");
	for (int k = 0; k < RK_SK__COUNT; k++)
		fprintf(f, "  %-22s %12" PRIu64 "\n", rk_classify_kind_name((enum rk_sess_kind)k),
		    cs.n_kind[k]);
	fprintf(f, "Server side decided by\n");
	for (int r = 0; r < RK_RULE__COUNT; r++)
		fprintf(f, "  %-22s %12" PRIu64 "\n", rk_classify_rule_name((enum rk_role_rule)r),
		    cs.n_rule[r]);
}

/* Print every decoder, session-table and classifier counter, one per line. */
void
rk_report_stats(FILE *f, const struct rk_pipeline_stats *st, const struct rk_classifier *c)
{
	stats(f, st, c, 0);
}

/*
 * rk_report_stats for counters read back from the store (rk_store_load):
 * the same lines, less the four session-table counters the store does
 * not keep, which one line names instead of showing zeros.
 */
void
rk_report_stats_stored(FILE *f, const struct rk_pipeline_stats *st,
    const struct rk_classifier *c)
{
	stats(f, st, c, 1);
}

/* What one side's payloads said of its role (--peek): "client", "server", "both" or "-". */
static const char *
said_name(const struct rk_sess_dir *d)
{
	static const char *const names[4] = {"-", "client", "server", "both"};

	return names[((d->marks & RK_SD_SAID_CLIENT) != 0) | ((d->marks & RK_SD_SAID_SERVER) != 0) << 1];
}

/* "  payload: here server, peer client" when either side's payload said its role; "" otherwise. */
static const char *
payload_said(char *buf, size_t len, const struct rk_sess_dir *here, const struct rk_sess_dir *peer)
{
	if (((here->marks | peer->marks) & (RK_SD_SAID_CLIENT | RK_SD_SAID_SERVER)) == 0)
		return "";
	snprintf(buf, len, "  payload: here %s, peer %s", said_name(here), said_name(peer));
	return buf;
}

static void
evidence(FILE *f, const struct rk_endpoint *e, const struct rk_names *names)
{
	struct rk_score_parts p;

	rk_role_score(e, names, &p);
	fprintf(f, "  sessions              %u (as server %u, as client %u)\n", e->n_sessions,
	    e->n_as_server, e->n_as_client);
	fprintf(f, "  distinct peer IPs     %u%s\n", e->n_peer_ips,
	    e->n_peer_ips >= RK_PEER_CAP ? "+" : "");
	fprintf(f, "  distinct peer ports   %u%s\n", e->n_peer_ports,
	    e->n_peer_ports >= RK_PEER_CAP ? "+" : "");
	fprintf(f, "  SYN+ACK sent / recv   %u / %u sessions\n", e->n_synack_sent,
	    e->n_synack_recv);
	fprintf(f, "  pure SYN sent / recv  %u / %u sessions\n", e->n_syn_sent, e->n_syn_recv);
	fprintf(f, "  refused (RST only)    %u sessions\n", e->n_refused);
	fprintf(f, "  only received         %u sessions\n", e->n_oneway_recv);
	fprintf(f, "  bytes sent / recv     %" PRIu64 " / %" PRIu64 "\n", e->bytes_sent,
	    e->bytes_recv);
	if (e->n_opened + e->n_answered > 0)
		fprintf(f, "  exchanges began / answered  %u / %u sessions (datagrams, both ways seen)\n",
		    e->n_opened, e->n_answered);
	fprintf(f, "  server score          %.2f = peer IPs %.2f + peer ports %.2f + "
	    "handshakes %.2f + answered %.2f + port %.2f\n", p.total, p.fan_ips, p.fan_ports,
	    p.handshake, p.opener, p.port);
}

/*
 * Explain one endpoint: its evidence, whether it is a service, and each
 * judged session that involves it (up to 50) with the rule that decided.
 */
void
rk_report_explain(FILE *f, const struct rk_classifier *c, const struct rk_names *names,
    const struct rk_ep_key *k, const struct rk_report_session *sessions, size_t n_sessions)
{
	const struct rk_endpoint *e = rk_map_find(rk_classify_endpoints(c), k);
	const struct rk_service *s = rk_map_find(rk_classify_services(c), k);
	char a[RK_ADDR_STRLEN], pb[16], b[RK_ADDR_STRLEN], said[48];
	size_t shown = 0;

	fprintf(f, "Endpoint %s:%u/%s\n", rk_addr_format(k->ip, a, sizeof(a)), k->port,
	    rk_report_proto_name(k->proto, pb, sizeof(pb)));
	if (e == NULL) {
		fprintf(f, "  not seen in any session with ports\n");
		return;
	}
	evidence(f, e, names);
	if (s != NULL)
		fprintf(f, "Decision: a SERVICE with %u %s, %" PRIu64 " %s, mean "
		    "confidence %.2f\n", s->n_clients, rk_plural(s->n_clients, "client", "clients"),
		    s->n_sessions, rk_plural(s->n_sessions, "session", "sessions"),
		    s->n_decisions ? s->conf_sum / s->n_decisions : 0.0);
	else
		fprintf(f, "Decision: not a service\n");
	for (size_t i = 0; i < n_sessions && shown < 50; i++) {
		const struct rk_session *ss = &sessions[i].s;
		const struct rk_verdict *v = &sessions[i].v;
		int is_a = memcmp(ss->key.a, k->ip, RK_ADDR_LEN) == 0 && ss->key.pa == k->port;
		int is_b = memcmp(ss->key.b, k->ip, RK_ADDR_LEN) == 0 && ss->key.pb == k->port;
		int established = v->kind == RK_SK_ESTABLISHED || v->kind == RK_SK_ONEWAY;
		if (ss->key.proto != k->proto || (!is_a && !is_b))
			continue;
		if (shown++ == 0)
			fprintf(f, "Sessions (peer, kind, role here, rule, confidence):\n");
		fprintf(f, "  %s:%u  %-11s %-7s %-9s %.2f%s\n",
		    rk_addr_format(is_a ? ss->key.b : ss->key.a, b, sizeof(b)),
		    is_a ? ss->key.pb : ss->key.pa, rk_classify_kind_name(v->kind),
		    !established ? "-" : ((v->server_is_b == is_b) ? "server" : "client"),
		    established ? rk_classify_rule_name(v->rule) : "-", v->confidence,
		    payload_said(said, sizeof(said), &ss->d[is_a ? RK_DIR_AB : RK_DIR_BA],
		    &ss->d[is_a ? RK_DIR_BA : RK_DIR_AB]));
	}
}

/* "tcp/postgresql" or "tcp/5432", as in the text report. */
static const char *
svc_text(char *buf, size_t len, const struct rk_names *names, uint8_t proto, uint16_t port)
{
	char pb[16];
	const char *n = names != NULL ? rk_names_service(names, proto, port) : NULL;

	if (n != NULL)
		snprintf(buf, len, "%s/%s", rk_report_proto_name(proto, pb, sizeof(pb)), n);
	else
		snprintf(buf, len, "%s/%u", rk_report_proto_name(proto, pb, sizeof(pb)), port);
	return buf;
}

/* Most sessions first, then by key: the busiest peers head a cut list. */
static int
cmp_edge_busiest(const void *x, const void *y)
{
	const struct rk_edge *a = *(const struct rk_edge *const *)x;
	const struct rk_edge *b = *(const struct rk_edge *const *)y;

	if (a->n_sessions != b->n_sessions)
		return a->n_sessions > b->n_sessions ? -1 : 1;
	return memcmp(&a->key, &b->key, sizeof(a->key));
}

/*
 * The edges of c that is_peer(edge, k) admits, busiest first.  OUT: *n.
 * Returns a malloc'd array of borrowed pointers (free()), NULL if out of
 * memory.  O(edges).
 */
static const struct rk_edge **
peer_edges(const struct rk_classifier *c, const struct rk_ep_key *k,
    int (*is_peer)(const struct rk_edge *, const struct rk_ep_key *), size_t *n)
{
	const struct rk_map *edges = rk_classify_edges(c);
	const struct rk_edge **v = malloc((edges->n_entries + 1) * sizeof(*v));

	*n = 0;
	if (v == NULL)
		return NULL;
	for (size_t i = 0; i < edges->n_entries; i++) {
		const struct rk_edge *e = rk_map_at(edges, i);
		if (is_peer(e, k))
			v[(*n)++] = e;
	}
	qsort(v, *n, sizeof(*v), cmp_edge_busiest);
	return v;
}

/* An edge to the service k: one of its clients. */
static int
is_client_of(const struct rk_edge *e, const struct rk_ep_key *k)
{
	return e->key.proto == k->proto && e->key.port == k->port &&
	    memcmp(e->key.server, k->ip, RK_ADDR_LEN) == 0;
}

/* An edge from k's address over k's protocol: a service its host used. */
static int
is_used_by(const struct rk_edge *e, const struct rk_ep_key *k)
{
	return e->key.proto == k->proto && memcmp(e->key.client, k->ip, RK_ADDR_LEN) == 0;
}

/* Print the n edges of v (at most max), as clients or as services used. */
static void
peer_table(FILE *f, const struct rk_names *names, const struct rk_edge **v, size_t n,
    size_t max, int is_clients)
{
	char h[RK_ADDR_STRLEN + 300], l[64], b[32], t[64];

	if (is_clients)
		fprintf(f, "    %-40s %8s %9s  %s\n", "client", "sessions", "traffic", "last seen");
	else
		fprintf(f, "    %-22s %-40s %8s %9s  %s\n", "protocol", "server", "sessions",
		    "traffic", "last seen");
	for (size_t i = 0; i < n && i < max; i++) {
		const struct rk_edge *e = v[i];
		if (!is_clients)
			fprintf(f, "    %-22s", svc_text(l, sizeof(l), names, e->key.proto,
			    e->key.port));
		fprintf(f, is_clients ? "    %-40s" : " %-40s",
		    rk_report_host_text(h, sizeof(h), names,
		    is_clients ? e->key.client : e->key.server));
		fprintf(f, " %8" PRIu64 " %9s  %s\n", e->n_sessions,
		    rk_report_bytes(e->bytes_c2s + e->bytes_s2c, rk_report_edge_bound(e, RK_REPORT_BOTH),
		    ">=", b, sizeof(b)),
		    rk_human_time(e->last_ts, t, sizeof(t)));
	}
	if (n > max)
		fprintf(f, "    ... %zu more (all of them: the edges of --json)\n", n - max);
}

/*
 * After rk_report_explain, when the sessions are gone (a report from the
 * store): what c's aggregates tell of endpoint k.  If k is a service: how
 * many of its sessions each rule decided, and its clients (its edges);
 * if k's evidence has it as a client too: the services its host used over
 * k's protocol - from any of its ports, since an edge does not keep the
 * client's port.  Peers are listed busiest first, at most max_peers of
 * each.  Returns 0, or -1 if out of memory (the peers are then missing).
 * O(edges log edges).
 */
int
rk_report_explain_aggregates(FILE *f, const struct rk_classifier *c,
    const struct rk_names *names, const struct rk_ep_key *k, size_t max_peers)
{
	const struct rk_endpoint *e = rk_map_find(rk_classify_endpoints(c), k);
	const struct rk_service *s = rk_map_find(rk_classify_services(c), k);
	const struct rk_edge **v;
	char a[RK_ADDR_STRLEN], pb[16];
	const char *proto = rk_report_proto_name(k->proto, pb, sizeof(pb));
	size_t n;

	if (s != NULL) {
		fprintf(f, "Sessions it served: %u, decided by", s->n_decisions);
		for (int r = 0; r < RK_RULE__COUNT; r++)
			fprintf(f, "%s %s %u", r ? "," : "",
			    rk_classify_rule_name((enum rk_role_rule)r), s->rules[r]);
		fputc('\n', f);
		if ((v = peer_edges(c, k, is_client_of, &n)) == NULL)
			return -1;
		fprintf(f, "Clients: %zu (busiest first)\n", n);
		peer_table(f, names, v, n, max_peers, 1);
		free(v);
	}
	if (e != NULL && e->n_as_client > 0) {
		if ((v = peer_edges(c, k, is_used_by, &n)) == NULL)
			return -1;
		fprintf(f, "Services %s used over %s: %zu (busiest first; from any of its %s "
		    "ports: an edge does not keep the client's port)\n",
		    rk_addr_format(k->ip, a, sizeof(a)), proto, n, proto);
		if (n > 0)
			peer_table(f, names, v, n, max_peers, 0);
		free(v);
	}
	return 0;
}
