/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/explain.c - the evidence behind decisions (--explain) and the
 * pipeline counters (--stats), for people who want to know why.
 */
#include <inttypes.h>
#include <string.h>

#include "report/model.h"
#include "util/human.h"

/* Print every decoder, session-table and classifier counter, one per line. */
void
rk_report_stats(FILE *f, const struct rk_pipeline_stats *st, const struct rk_classifier *c)
{
	struct rk_classify_stats cs;

	rk_classify_get_stats(c, &cs);
	fprintf(f, "Input\n");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "files", st->n_files, "capture inputs read");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "truncated", st->n_truncated,
	    "inputs that ended mid-record");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "frames", st->n_frames, "frames read");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "filtered", st->n_filtered,
	    "frames rejected by the filter");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "kernel_drops", st->n_kernel_drops,
	    "frames dropped before renkei saw them");
	fprintf(f, "Decoder\n");
	for (int i = 0; i < RK_DSTAT__COUNT; i++)
		fprintf(f, "  %-22s %12" PRIu64 "  %s\n",
		    rk_decode_stat_name((enum rk_decode_stat)i), st->decode[i],
		    rk_decode_stat_desc((enum rk_decode_stat)i));
	fprintf(f, "Session table\n");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "created", st->sess.n_created, "entries created");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "evicted", st->sess.n_evicted,
	    "entries evicted because the table was full");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "reused", st->sess.n_reused,
	    "new connections on a 5-tuple whose connection had ended");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "expired", st->sess.n_expired,
	    "entries folded while reading: ended and quiet 10 s, or idle");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "capacity", st->sess.max_live,
	    "live entries at most (--max-sessions)");
	fprintf(f, "  %-22s %12" PRIu64 "  %s\n", "memory", st->sess.mem_bytes,
	    "bytes allocated for the tables");
	fprintf(f, "Sessions by kind\n");
	for (int k = 0; k < RK_SK__COUNT; k++)
		fprintf(f, "  %-22s %12" PRIu64 "\n", rk_classify_kind_name((enum rk_sess_kind)k),
		    cs.n_kind[k]);
	fprintf(f, "Server side decided by\n");
	for (int r = 0; r < RK_RULE__COUNT; r++)
		fprintf(f, "  %-22s %12" PRIu64 "\n", rk_classify_rule_name((enum rk_role_rule)r),
		    cs.n_rule[r]);
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
	fprintf(f, "  server score          %.2f = peer IPs %.2f + peer ports %.2f + "
	    "handshakes %.2f + port %.2f\n", p.total, p.fan_ips, p.fan_ports, p.handshake, p.port);
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
	char a[RK_ADDR_STRLEN], pb[16], b[RK_ADDR_STRLEN];
	size_t shown = 0;

	fprintf(f, "Endpoint %s:%u/%s\n", rk_addr_format(k->ip, a, sizeof(a)), k->port,
	    rk_report_proto_name(k->proto, pb, sizeof(pb)));
	if (e == NULL) {
		fprintf(f, "  not seen in any session with ports\n");
		return;
	}
	evidence(f, e, names);
	if (s != NULL)
		fprintf(f, "Decision: a SERVICE with %u clients, %" PRIu64 " sessions, mean "
		    "confidence %.2f\n", s->n_clients, s->n_sessions,
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
		fprintf(f, "  %s:%u  %-11s %-7s %-9s %.2f\n",
		    rk_addr_format(is_a ? ss->key.b : ss->key.a, b, sizeof(b)),
		    is_a ? ss->key.pb : ss->key.pa, rk_classify_kind_name(v->kind),
		    !established ? "-" : ((v->server_is_b == is_b) ? "server" : "client"),
		    established ? rk_classify_rule_name(v->rule) : "-", v->confidence);
	}
}
