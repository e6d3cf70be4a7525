/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/alerts.c - the detectors' alerts (detect/detect.h) in the text
 * report and the JSON document.
 *
 * The JSON "alerts" array is written whenever alerts are on (empty on
 * quiet traffic), after every other member, so schema 2 readers are
 * unaffected; the text gets an "Alerts" section only when one fired, so
 * a quiet capture's report is what it was.  Fields: README.md, "JSON
 * document".  Alerts come sorted (rk_detect_alerts): same capture, same
 * bytes.  Top sources of a spoofed flood are not named (they are forged).
 */
#include <stdio.h>

#include "report/report.h"
#include "util/human.h"
#include "util/json.h"

static void
alert_json(struct rk_json *j, const struct rk_alert *a)
{
	char pb[16];

	rk_json_obj(j);
	rk_json_kstr(j, "kind", rk_alert_kind_name(a->kind));
	if (a->has_ip)
		rk_json_kaddr(j, "ip", a->ip);
	else
		rk_json_kstr_or_null(j, "ip", NULL);
	rk_json_kstr_or_null(j, "proto", a->proto ? rk_report_proto_name(a->proto, pb,
	    sizeof(pb)) : NULL);
	rk_json_key(j, "port");
	if (a->port)
		rk_json_u64(j, a->port);
	else
		rk_json_null(j);
	if (a->has_source)
		rk_json_kaddr(j, "source", a->source);
	else
		rk_json_kstr_or_null(j, "source", NULL);
	rk_json_ktime(j, "first", a->first_ts);
	rk_json_ktime(j, "last", a->last_ts);
	rk_json_ku64(j, "packets", a->pkts);
	rk_json_ku64(j, "sessions", a->n_sessions);
	rk_json_ku64(j, "failed", a->n_failed);
	rk_json_ku64(j, "distinct", a->n_distinct);
	rk_json_kstr(j, "distinct_of", a->distinct_of);
	rk_json_key(j, "spoofed");
	rk_json_bool(j, a->is_spoofed);
	rk_json_key(j, "top_sources");
	rk_json_arr(j);
	for (size_t i = 0; i < a->n_top; i++) {
		rk_json_obj_inline(j);
		rk_json_kaddr(j, "ip", a->top[i].ip);
		rk_json_key(j, "port");
		if (a->top[i].port)
			rk_json_u64(j, a->top[i].port);
		else
			rk_json_null(j);
		rk_json_ku64(j, "sessions", a->top[i].n_sessions);
		rk_json_end(j, '}');
	}
	rk_json_end(j, ']');
	rk_json_kstr(j, "evidence", a->evidence);
	rk_json_end(j, '}');
}

void
rk_report_alerts_json(struct rk_json *j, const struct rk_report_opts *o)
{
	rk_json_key(j, "alerts");
	rk_json_arr(j);
	for (size_t i = 0; i < o->n_alerts; i++)
		alert_json(j, &o->alerts[i]);
	rk_json_end(j, ']');
}

/* "10.0.0.5:80/tcp", "10.0.0.5", "port 22/tcp" (a horizontal scan). */
static const char *
target_text(const struct rk_alert *a, const struct rk_report_opts *o, char *buf, size_t len)
{
	char h[RK_ADDR_STRLEN + 300], pb[16];
	const char *proto = a->proto ? rk_report_proto_name(a->proto, pb, sizeof(pb)) : "";

	if (!a->has_ip)
		snprintf(buf, len, "port %u/%s", a->port, proto);
	else if (a->port)
		snprintf(buf, len, "%s port %u/%s", rk_report_host_text(h, sizeof(h), o->names,
		    a->ip), a->port, proto);
	else
		snprintf(buf, len, "%s", rk_report_host_text(h, sizeof(h), o->names, a->ip));
	return buf;
}

static void
alert_text(FILE *f, const struct rk_alert *a, const struct rk_report_opts *o)
{
	char t[RK_ADDR_STRLEN + 340], h[RK_ADDR_STRLEN + 300], t0[64], t1[64], n[32];

	fprintf(f, "  %s  %s", rk_alert_kind_name(a->kind), target_text(a, o, t, sizeof(t)));
	if (a->has_source)
		fprintf(f, "  by %s", rk_report_host_text(h, sizeof(h), o->names, a->source));
	fprintf(f, "\n    %s .. %s, %s packets, ~%llu %s%s\n",
	    rk_human_time(a->first_ts, t0, sizeof(t0)), rk_human_time(a->last_ts, t1, sizeof(t1)),
	    rk_human_count(a->pkts, n, sizeof(n)), (unsigned long long)a->n_distinct,
	    a->distinct_of, a->is_spoofed ? " (spoofed)" : "");
	fprintf(f, "    %s\n", a->evidence);
	for (size_t i = 0; i < a->n_top; i++) {
		fprintf(f, "%s%s", i ? ", " : "    top: ", rk_report_host_text(h, sizeof(h),
		    o->names, a->top[i].ip));
		if (a->top[i].port)
			fprintf(f, " port %u", a->top[i].port);
		fprintf(f, " (%llu)", (unsigned long long)a->top[i].n_sessions);
	}
	if (a->n_top)
		fputc('\n', f);
}

void
rk_report_alerts_text(FILE *f, const struct rk_report_opts *o)
{
	if (o->n_alerts_fired == 0)
		return;
	fprintf(f, "\nAlerts (%zu)\n", o->n_alerts_fired);
	for (size_t i = 0; i < o->n_alerts; i++)
		alert_text(f, &o->alerts[i], o);
	if (o->n_alerts < o->n_alerts_fired)
		fprintf(f, "  (%zu more not listed)\n", o->n_alerts_fired - o->n_alerts);
}
