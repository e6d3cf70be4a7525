/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report/report.h - what renkei tells people: text and JSON.
 *
 * Reads the classifier's aggregates (services, edges, hosts) and the
 * pipeline's counters and renders:
 * - text: the paper's table 3 summary, then table 1 per host (services
 *   offered with distinct clients and traffic, services used with server
 *   and traffic), in human units;
 * - JSON: one document (schema in README.md, "schema": 2);
 * - the alerts of the detectors (detect/detect.h), when asked: alerts.c;
 * - the decoder counters (--stats) and the evidence behind one endpoint
 *   (--explain); from a store, which keeps neither the sessions nor every
 *   counter, the counters it keeps and, in place of the sessions, what the
 *   aggregates say about the endpoint (the rules that decided, its peers).
 * Everything is sorted (by address, then protocol and port), so the same
 * capture gives the same bytes of output.
 * What the counters cannot know is not reported as zero: the bytes of a
 * direction no session of a service or edge showed (a one-way mirror)
 * are unknown - "?" in text, null in JSON - and those of a direction some
 * of its sessions did not show are a lower bound - ">=" in text, and
 * "blind" in JSON says how many sessions (rk_report_bound).  Hosts' and
 * the summary's byte totals are sums of what was seen.  Names from DNS are strangers'
 * text: the JSON writer escapes them; the text report prints them as they
 * were stored (printable ASCII, escaped by the names module).
 */
#ifndef RK_REPORT_REPORT_H
#define RK_REPORT_REPORT_H

#include <stdio.h>

#include "classify/classify.h"
#include "detect/detect.h"
#include "names/names.h"
#include "pipeline/stats.h"

/* A judged session kept for --sessions / --explain. */
struct rk_report_session {
	struct rk_session s; /* the session as it left the table */
	struct rk_verdict v; /* what it was judged to be */
};

struct rk_report_opts {
	const struct rk_names *names;           /* borrowed, may be NULL */
	const uint8_t (*only)[RK_ADDR_LEN];     /* --host filter, n_only addresses */
	size_t n_only;
	int all_hosts;                          /* list client-only hosts in text too */
	int with_sessions;                      /* write the judged sessions (JSON) */
	const struct rk_report_session *sessions; /* --sessions list, may be NULL */
	size_t n_sessions;
	const char *version;                    /* renkei version for the JSON header */
	int with_alerts;                        /* write the alerts (text: only if any) */
	const struct rk_alert *alerts;          /* detect.h, sorted; may be NULL */
	size_t n_alerts;                        /* in alerts */
	size_t n_alerts_fired;                  /* fired in all (more than n_alerts: cut) */
};

int rk_report_text(FILE *f, const struct rk_classifier *c, const struct rk_pipeline_stats *st,
    const struct rk_report_opts *o);
int rk_report_json(FILE *f, const struct rk_classifier *c, const struct rk_pipeline_stats *st,
    const struct rk_report_opts *o);
/* The "alerts" array of the JSON document / the "Alerts" section of the text (alerts.c). */
struct rk_json;
void rk_report_alerts_json(struct rk_json *j, const struct rk_report_opts *o);
void rk_report_alerts_text(FILE *f, const struct rk_report_opts *o);
/* What changed from range A (a; t[0], t[1]) to B (b; t[2], t[3]): report/diff.c. */
int rk_report_diff_text(FILE *f, const struct rk_classifier *a, const struct rk_classifier *b,
    const uint64_t t[4], const struct rk_report_opts *o);
int rk_report_diff_json(FILE *f, const struct rk_classifier *a, const struct rk_classifier *b,
    const uint64_t t[4], const struct rk_report_opts *o);
/* The decoder and session-table counters, one per line. */
void rk_report_stats(FILE *f, const struct rk_pipeline_stats *st, const struct rk_classifier *c);
/* The same counters less those a store does not keep (report --stats). */
void rk_report_stats_stored(FILE *f, const struct rk_pipeline_stats *st,
    const struct rk_classifier *c);
/* The evidence and decisions for one endpoint; sessions are the verdicts that involve it. */
void rk_report_explain(FILE *f, const struct rk_classifier *c, const struct rk_names *names,
    const struct rk_ep_key *k, const struct rk_report_session *sessions, size_t n_sessions);
/* What the aggregates tell of one endpoint: the rules that decided, its clients, services used. */
int rk_report_explain_aggregates(FILE *f, const struct rk_classifier *c,
    const struct rk_names *names, const struct rk_ep_key *k, size_t max_peers);
struct rk_json;
/* Open a JSON document: '{' and its "renkei" header (version, may be NULL, and schema). */
void rk_report_json_header(struct rk_json *j, const char *version, uint64_t schema);
/* The fields that name a service (ip, proto, port, name; names may be NULL) / a dependency. */
void rk_report_json_service_key(struct rk_json *j, const struct rk_names *names,
    const struct rk_ep_key *k);
void rk_report_json_edge_key(struct rk_json *j, const struct rk_edge *e);
/* The fields of one service / dependency / host object (shared with the web API). */
void rk_report_json_service(struct rk_json *j, const struct rk_names *names,
    const struct rk_service *s);
void rk_report_json_edge(struct rk_json *j, const struct rk_edge *e);
void rk_report_json_host(struct rk_json *j, const struct rk_names *names,
    const struct rk_host *h);
/* What the counters know of some bytes (a direction, or a sum of both). */
enum rk_report_bound {
	RK_BOUND_EXACT = 0, /* every session showed them: exact */
	RK_BOUND_LOWER,     /* some sessions did not: a lower bound */
	RK_BOUND_UNKNOWN,   /* no session did: unknown */
};

/* Which bytes of a service or edge: to the server, to the client, both. */
enum rk_report_dir {
	RK_REPORT_C2S = 0, /* client -> server (a service's bytes_in) */
	RK_REPORT_S2C,     /* server -> client (a service's bytes_out) */
	RK_REPORT_BOTH,    /* the sum */
};

/* What the counters know of bytes summed over n_sessions, n_blind of which hid them. */
enum rk_report_bound rk_report_bound(uint64_t n_blind, uint64_t n_sessions, uint64_t bytes);
enum rk_report_bound rk_report_svc_bound(const struct rk_service *s, enum rk_report_dir d);
enum rk_report_bound rk_report_edge_bound(const struct rk_edge *e, enum rk_report_dir d);
/* Bytes in human units: "?" if unknown, ge (">=", "&ge;") before a lower bound. */
const char *rk_report_bytes(uint64_t v, enum rk_report_bound b, const char *ge, char *buf,
    size_t len);
/* "10.0.0.1 (db01.corp.example)", or "10.0.0.1" without a name; returns buf. */
const char *rk_report_host_text(char *buf, size_t len, const struct rk_names *names,
    const uint8_t ip[RK_ADDR_LEN]);
/* "tcp" / "udp" / "sctp" / "icmp" / "ip-N" */
const char *rk_report_proto_name(uint8_t proto, char *buf, size_t len);

#endif /* RK_REPORT_REPORT_H */
