/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detect/detect.h - attacks from judged sessions (SPEC §8, issue 13).
 *
 * A detector set is a verdict subscriber (pipeline.h): it sees every
 * judged session once, with its kind (model.h, classify/role.c), never a
 * packet.  It keeps five fixed-capacity tables, one per key space:
 *   flood      (victim address, proto, port)  half-open / unanswered / established
 *   backscatter (receiving host)              SYN+ACKs nobody asked for
 *   hscan      (scanner, proto, port)         addresses it tried on that port
 *   vscan      (scanner, scanned host)        ports it tried on that host
 *   reflection (victim, proto, service port)  unasked answers from reflectors
 * Each entry counts sessions by kind, packets, first/last packet time,
 * and estimates its distinct "others" (sources, servers, addresses,
 * ports) with a HyperLogLog of RK_DETECT_HLL_M one-byte registers, and
 * keeps its heaviest sources in a small space-saving list.
 *
 * Invariants:
 *   - memory is fixed at rk_detect_new: max_entries per table, never
 *     grown; a new key landing in a full bucket (8 slots) evicts the
 *     bucket's entry with the fewest sessions (space-saving, bucket-local
 *     so an insertion costs O(8) even under a flood of spoofed sources);
 *     evictions are counted;
 *   - a top list's counts are lower bounds (space-saving with errors);
 *   - nothing allocates or locks after rk_detect_new; rk_detect_verdict
 *     is O(1) per session;
 *   - the state is sums, minima, maxima and register maxima, so, until a
 *     table is full, the alerts do not depend on the order of verdicts
 *     (threads); alerts are sorted by kind, then target.
 *
 * Default thresholds (struct rk_detect_opts, rk_detect_opts_default):
 *   syn flood: >= 100 distinct sources of half-open/unanswered sessions to
 *     one service, and established sessions <= 20% of all its sessions;
 *     "spoofed" when distinct sources >= 80% of the failed sessions (each
 *     source seen about once): top sources are then not named;
 *   backscatter: a host receiving unasked SYN+ACKs from >= 10 distinct
 *     servers (their services are named);
 *   horizontal scan: one source, one port, >= 50 distinct addresses, and
 *     >= 80% of its sessions refused, unanswered or half-open;
 *   vertical scan: one source, one host, >= 50 distinct ports, same share;
 *   reflection: one victim receiving unasked answers from one service port
 *     of >= 10 distinct reflectors, >= 100 packets in all (a DNS trace of
 *     a few stray answers is not a flood).
 */
#ifndef RK_DETECT_DETECT_H
#define RK_DETECT_DETECT_H

#include <stddef.h>
#include <stdint.h>

#include "classify/classify.h"
#include "session/session.h"
#include "util/addr.h"

#define RK_DETECT_HLL_M 128  /* HyperLogLog registers per entry (~9% error) */
#define RK_DETECT_TOP 5      /* top sources reported */
#define RK_DETECT_EVIDENCE_LEN 200

enum rk_alert_kind {
	RK_ALERT_SYN_FLOOD = 0, /* many half-open SYNs to one service */
	RK_ALERT_BACKSCATTER,   /* a host getting SYN+ACKs from many servers */
	RK_ALERT_HSCAN,         /* one source, one port, many addresses */
	RK_ALERT_VSCAN,         /* one source, one host, many ports */
	RK_ALERT_REFLECTION,    /* unasked answers from many reflectors */
	RK_ALERT__COUNT
};

struct rk_detect_opts {
	size_t max_entries;         /* per table; rounded up to a multiple of 8 */
	uint32_t flood_min_sources; /* distinct sources of failed sessions */
	double flood_max_ok_share;  /* established / all sessions at most */
	double spoof_min_share;     /* distinct sources / failed sessions: spoofed */
	uint32_t bs_min_servers;    /* distinct servers sending SYN+ACKs */
	uint32_t hscan_min_addrs;   /* distinct addresses on one port */
	uint32_t vscan_min_ports;   /* distinct ports on one host */
	double scan_min_fail_share; /* refused + unanswered + half-open / all */
	uint32_t refl_min_sources;  /* distinct reflectors */
	uint64_t refl_min_pkts;     /* packets of those answers */
};

/* One source (or server, reflector) of an alert, with its sessions. */
struct rk_alert_src {
	uint8_t ip[RK_ADDR_LEN];
	uint16_t port;              /* its port (backscatter, reflection: the service); 0 */
	uint64_t n_sessions;        /* at least this many (space-saving lower bound) */
};

struct rk_alert {
	enum rk_alert_kind kind;
	uint8_t ip[RK_ADDR_LEN];    /* the target host; unset for a horizontal scan */
	int has_ip;
	uint8_t proto;              /* 0 when the target is a host */
	uint16_t port;              /* the target port; 0 for a host */
	uint8_t source[RK_ADDR_LEN]; /* the scanner (scans only) */
	int has_source;
	uint64_t first_ts, last_ts; /* packet time, µs */
	uint64_t pkts;              /* packets of its sessions, both ways */
	uint64_t n_sessions;
	uint64_t n_failed;          /* refused + unanswered + half-open (+ backscatter, reflection) */
	uint64_t n_distinct;        /* estimated distinct sources / servers / addresses / ports */
	const char *distinct_of;    /* "sources", "servers", "addresses", "ports", "reflectors" */
	int is_spoofed;             /* sources look forged: top is empty */
	size_t n_top;
	struct rk_alert_src top[RK_DETECT_TOP];
	char evidence[RK_DETECT_EVIDENCE_LEN];
};

struct rk_detect_stats {
	uint64_t n_verdicts;        /* sessions seen */
	uint64_t n_evicted;         /* entries evicted for space, all tables */
	uint64_t mem_bytes;         /* bytes allocated, fixed at rk_detect_new */
};

struct rk_detect;

void rk_detect_opts_default(struct rk_detect_opts *o);
/* o may be NULL (defaults).  NULL if memory is short. */
struct rk_detect *rk_detect_new(const struct rk_detect_opts *o, uint64_t seed);
void rk_detect_free(struct rk_detect *d);
/* The verdict subscriber (rk_verdict_cb): user is the struct rk_detect. */
void rk_detect_verdict(void *user, const struct rk_session *s, const struct rk_verdict *v);
/*
 * Fill out with at most max alerts (sorted by kind, then target) and
 * return how many fired in all (may exceed max).
 */
size_t rk_detect_alerts(const struct rk_detect *d, struct rk_alert *out, size_t max);
void rk_detect_get_stats(const struct rk_detect *d, struct rk_detect_stats *st);
const char *rk_alert_kind_name(enum rk_alert_kind k);

#endif /* RK_DETECT_DETECT_H */
