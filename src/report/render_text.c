/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/render_text.c - the text report: the paper's table 3 summary, then
 * table 1 for each host.
 *
 * Hosts, services and edges are all sorted by address, so one merge-like
 * pass with a cursor into each list renders every host in O(total).
 * Client-only hosts (often thousands of PCs) are counted in the summary
 * and listed only with --all-hosts or --host.
 * Traffic is shown in total and each way; bytes a one-way mirror hid are
 * "?" (no session showed that direction) or a lower bound, ">=N" (some
 * did not), and a note after the summary says how many sessions hid one.
 */
#include <inttypes.h>
#include <string.h>

#include "report/view.h"
#include "util/human.h"

static const char *
label(char *buf, size_t len, const struct rk_names *names, uint8_t proto, uint16_t port)
{
	char pb[16];
	const char *n = names ? rk_names_service(names, proto, port) : NULL;
	const char *p = rk_report_proto_name(proto, pb, sizeof(pb));

	if (n != NULL)
		snprintf(buf, len, "%s/%s", p, n);
	else
		snprintf(buf, len, "%s/%u", p, port);
	return buf;
}

/* "10.0.0.1 (db01.corp.example)" or "10.0.0.1" (report.h). */
const char *
rk_report_host_text(char *buf, size_t len, const struct rk_names *names,
    const uint8_t ip[RK_ADDR_LEN])
{
	char a[RK_ADDR_STRLEN];
	const char *n = names ? rk_names_host(names, ip) : NULL;

	rk_addr_format(ip, a, sizeof(a));
	if (n != NULL)
		snprintf(buf, len, "%s (%s)", a, n);
	else
		snprintf(buf, len, "%s", a);
	return buf;
}

/* The note on sessions seen one way only, if there were any. */
static void
blind_note(FILE *f, const uint64_t blind[2])
{
	char b[32];

	if (blind[0] == 0 && blind[1] == 0)
		return;
	fprintf(f, "  note         %s %s seen one way only: bytes ? never seen, >= at least\n",
	    rk_human_count(blind[0] + blind[1], b, sizeof(b)),
	    rk_plural(blind[0] + blind[1], "session", "sessions"));
}

static void
summary(FILE *f, const struct rk_report_view *m, const struct rk_classifier *c,
    const struct rk_pipeline_stats *st)
{
	struct rk_classify_stats cs;
	struct rk_report_figures fg;
	char b1[64], b2[64], b3[64];

	rk_classify_get_stats(c, &cs);
	rk_report_view_figures(m, st, &fg);
	fprintf(f, "Summary\n");
	if (st->first_ts != 0) {
		fprintf(f, "  measured     %s .. %s UTC (%s)\n", rk_human_time(st->first_ts, b1, 64),
		    rk_human_time(st->last_ts, b2, 64),
		    rk_human_duration((double)(st->last_ts - st->first_ts) / 1e6, b3, 64));
	} else {
		fprintf(f, "  measured     no packets\n");
	}
	fprintf(f, "  traffic      %s packets, %s bytes\n", rk_human_count(st->n_frames, b1, 64),
	    rk_human_bytes(st->n_bytes, b2, 64));
	fprintf(f, "  networks     %zu IPv4 /24, %zu IPv6 /64\n", fg.networks_v4, fg.networks_v6);
	fprintf(f, "  hosts        %s: %s server %s, %s client-only %s\n",
	    rk_human_count(m->n_hosts, b1, 64), rk_human_count(fg.server_hosts, b2, 64),
	    rk_plural(fg.server_hosts, "host", "hosts"), rk_human_count(fg.client_only_hosts, b3, 64),
	    rk_plural(fg.client_only_hosts, "host", "hosts"));
	fprintf(f, "  services     %s, used over %s dependencies\n",
	    rk_human_count(m->n_services, b1, 64), rk_human_count(m->n_edges, b2, 64));
	fprintf(f, "  sessions     %s established, %s one-way, %s refused, %s half-open, "
	    "%s backscatter, %s unanswered\n",
	    rk_human_count(cs.n_kind[RK_SK_ESTABLISHED], b1, 64),
	    rk_human_count(cs.n_kind[RK_SK_ONEWAY], b2, 64),
	    rk_human_count(cs.n_kind[RK_SK_REFUSED], b3, 64),
	    rk_human_count(cs.n_kind[RK_SK_HALFOPEN], (char[32]){0}, 32),
	    rk_human_count(cs.n_kind[RK_SK_BACKSCATTER], (char[32]){0}, 32),
	    rk_human_count(cs.n_kind[RK_SK_UNANSWERED], (char[32]){0}, 32));
	fprintf(f, "  drops        %s by the kernel, %s malformed, %s non-IP, %s unsupported "
	    "link, %s sessions evicted\n", rk_human_count(st->n_kernel_drops, b1, 64),
	    rk_human_count(fg.malformed, b2, 64), rk_human_count(st->decode[RK_DSTAT_NON_IP], b3, 64),
	    rk_human_count(st->decode[RK_DSTAT_LINK_UNSUPPORTED], (char[32]){0}, 32),
	    rk_human_count(st->sess.n_evicted, (char[32]){0}, 32));
	if (st->n_truncated)
		fprintf(f, "  warning      %" PRIu64 " input(s) truncated: analysed up to the cut\n",
		    st->n_truncated);
	blind_note(f, fg.blind);
}

static void
offered(FILE *f, const struct rk_report_view *m, size_t *si, const uint8_t *ip,
    const struct rk_names *names)
{
	char l[64], b1[32], b2[32], b3[32];
	int head = 0;

	while (*si < m->n_services && memcmp(m->services[*si]->key.ip, ip, RK_ADDR_LEN) < 0)
		(*si)++;
	for (; *si < m->n_services && memcmp(m->services[*si]->key.ip, ip, RK_ADDR_LEN) == 0;
	    (*si)++) {
		const struct rk_service *s = m->services[*si];
		if (!head) {
			fprintf(f, "  Services offered (server)\n");
			fprintf(f, "    %-22s %8s %9s %9s %9s %9s %6s\n", "protocol", "clients",
			    "traffic", "in", "out", "sessions", "conf");
			head = 1;
		}
		fprintf(f, "    %-22s %8u %9s %9s %9s %9" PRIu64 " %6.2f\n",
		    label(l, sizeof(l), names, s->key.proto, s->key.port), s->n_clients,
		    rk_report_bytes(s->bytes_in + s->bytes_out, rk_report_svc_bound(s,
		    RK_REPORT_BOTH), ">=", b1, sizeof(b1)),
		    rk_report_bytes(s->bytes_in, rk_report_svc_bound(s, RK_REPORT_C2S), ">=", b2,
		    sizeof(b2)),
		    rk_report_bytes(s->bytes_out, rk_report_svc_bound(s, RK_REPORT_S2C), ">=", b3,
		    sizeof(b3)),
		    s->n_sessions, s->n_decisions ? s->conf_sum / s->n_decisions : 0.0);
	}
}

static void
used(FILE *f, const struct rk_report_view *m, size_t *ei, const uint8_t *ip, const struct rk_names *names)
{
	char l[64], b1[32], b2[32], b3[32], h[RK_ADDR_STRLEN + 300];
	int head = 0;

	while (*ei < m->n_edges && memcmp(m->edges[*ei]->key.client, ip, RK_ADDR_LEN) < 0)
		(*ei)++;
	for (; *ei < m->n_edges && memcmp(m->edges[*ei]->key.client, ip, RK_ADDR_LEN) == 0;
	    (*ei)++) {
		const struct rk_edge *e = m->edges[*ei];
		if (!head) {
			fprintf(f, "  Services used (client)\n");
			fprintf(f, "    %-22s %-40s %9s %9s %9s\n", "protocol", "server", "traffic",
			    "sent", "recv");
			head = 1;
		}
		fprintf(f, "    %-22s %-40s %9s %9s %9s\n", label(l, sizeof(l), names, e->key.proto,
		    e->key.port), rk_report_host_text(h, sizeof(h), names, e->key.server),
		    rk_report_bytes(e->bytes_c2s + e->bytes_s2c, rk_report_edge_bound(e,
		    RK_REPORT_BOTH), ">=", b1, sizeof(b1)),
		    rk_report_bytes(e->bytes_c2s, rk_report_edge_bound(e, RK_REPORT_C2S), ">=", b2,
		    sizeof(b2)),
		    rk_report_bytes(e->bytes_s2c, rk_report_edge_bound(e, RK_REPORT_S2C), ">=", b3,
		    sizeof(b3)));
	}
}

/*
 * Write the text report: summary, then each server host (and, with
 * all_hosts or a --host filter, each client host) with what it offers and
 * uses.  Returns 0, or -RK_E_NOMEM.
 */
int
rk_report_text(FILE *f, const struct rk_classifier *c, const struct rk_pipeline_stats *st,
    const struct rk_report_opts *o)
{
	struct rk_report_view m;
	size_t si = 0, ei = 0, hidden = 0;
	char h[RK_ADDR_STRLEN + 300];

	if (rk_report_view_init(&m, c) < 0)
		return -RK_E_NOMEM;
	summary(f, &m, c, st);
	for (size_t i = 0; i < m.n_hosts; i++) {
		const struct rk_host *ho = m.hosts[i];
		if (!rk_report_view_admits(o, ho->ip))
			continue;
		if (ho->n_services == 0 && !o->all_hosts && o->n_only == 0) {
			hidden++;
			continue;
		}
		fprintf(f, "\nHost %s\n", rk_report_host_text(h, sizeof(h), o->names, ho->ip));
		offered(f, &m, &si, ho->ip, o->names);
		used(f, &m, &ei, ho->ip, o->names);
	}
	if (hidden)
		fprintf(f, "\n(%zu client-only hosts not listed: --all-hosts lists them, "
		    "--host IP shows one)\n", hidden);
	if (o->with_alerts)
		rk_report_alerts_text(f, o);
	rk_report_view_fini(&m);
	return 0;
}

/* Protocol name for reports: tcp, udp, sctp, icmp, icmpv6, or ip-N. */
const char *
rk_report_proto_name(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case RK_PROTO_TCP: return "tcp";
	case RK_PROTO_UDP: return "udp";
	case RK_PROTO_SCTP: return "sctp";
	case RK_PROTO_ICMP: return "icmp";
	case RK_PROTO_ICMPV6: return "icmpv6";
	default:
		snprintf(buf, len, "ip-%u", proto);
		return buf;
	}
}
