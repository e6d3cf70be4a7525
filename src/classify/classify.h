/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify/classify.h - endpoint evidence and the server/client decision.
 *
 * The records it writes (endpoint evidence, services, dependency edges,
 * hosts) and the rules by which they sum belong to the data model
 * (model/model.h): the classifier gathers and decides, the model owns the
 * records.  It is one fold sink of the pipeline (pipeline/pipeline.h); a
 * detector that wants every verdict subscribes there, not here.
 *
 * Sessions leaving the session table are folded in here (SPEC §3-4):
 * 1. fold: the session's facts are added to the evidence of both of its
 *    endpoints (IP, protocol, port) - the paper's tables A and B: distinct
 *    peer IPs, distinct peer ports, sessions, SYN / SYN+ACK sent and
 *    received, bytes - and the session waits in a bounded pending list;
 * 2. flush: each pending session is judged with all the evidence gathered
 *    so far (role.c): which kind it is (established, refused, scan probe,
 *    backscatter, ...) and, if it is a real conversation, which side is the
 *    server, with a confidence; then it is added to the service, edge and
 *    host aggregates.
 * Deferring the decision to the flush means a session seen early in a
 * capture is judged with the evidence of the whole capture (or of the
 * whole flush interval, live).
 *
 * Long connections (pools, ssh, streams) reach the store before they end:
 * at each flush the session table hands out checkpoints of live sessions.
 * A "carry" remembers, per live session already checkpointed, the verdict
 * and the counters already aggregated, so every later fold adds only what
 * is new and keeps the same orientation; the evidence and the session
 * count are taken once.  Carries leave with their session.  The aggregates grow with relationships,
 * not with traffic.  None of this runs per packet.
 *
 * What the counters cannot know: a session seen one way only (a one-way
 * mirror, RK_SK_ONEWAY) has no packet and no byte of the other direction,
 * and that is unknown, not zero.  Services and edges count such sessions
 * (n_blind_*), so a report can tell a direction never seen (every session
 * blind to it: "?", null) from a lower bound (some of them: ">=").
 */
#ifndef RK_CLASSIFY_CLASSIFY_H
#define RK_CLASSIFY_CLASSIFY_H

#include <stdint.h>
#include <stdio.h>

#include "model/model.h"
#include "names/names.h"
#include "session/session.h"
#include "util/map.h"

/* The parts of an endpoint's server score, for --explain. */
struct rk_score_parts {
	double fan_ips;   /* from distinct peer IPs */
	double fan_ports; /* from distinct peer ports */
	double handshake; /* SYN/SYN+ACK seen at this endpoint in other sessions */
	double opener;    /* datagram exchanges it answered, less those it began */
	double port;      /* named service, privileged, ephemeral range */
	double total;     /* sum */
};

/* One judged session (passed to the on_session hook). */
struct rk_verdict {
	enum rk_sess_kind kind;  /* what it was */
	enum rk_role_rule rule;  /* why the server side was chosen */
	int server_is_b;         /* 1 if B is the server, 0 if A */
	double confidence;       /* 0.5 .. 1.0 */
	double margin;           /* server score minus client score (evidence rule) */
	uint16_t service_port;   /* the service it belongs to, if not the server's port
	                          * (active FTP data from port 20 belongs to ftp, 21); 0 */
};

struct rk_classify_stats {
	uint64_t n_folded;                /* sessions folded in */
	uint64_t n_kind[RK_SK__COUNT];    /* sessions by kind */
	uint64_t n_rule[RK_RULE__COUNT];  /* established sessions by rule */
	uint64_t n_flushes;               /* flushes run */
	uint64_t n_nomem;                 /* aggregates lost to a failed allocation */
	uint64_t n_pruned;                /* client-like endpoints forgotten to bound memory */
	uint64_t n_resets;                /* peer fingerprint sets restarted to bound memory */
};

typedef void (*rk_verdict_cb)(void *user, const struct rk_session *s, const struct rk_verdict *v);

struct rk_classifier;

struct rk_classifier *rk_classify_new(const struct rk_names *names, size_t max_pending,
    uint64_t seed);
void rk_classify_free(struct rk_classifier *c);
/*
 * Fold one session that left the session table (or, with why ==
 * RK_FOLD_CHECKPOINT, a copy of one that is still live).  Copies it;
 * O(1) amortised.
 */
void rk_classify_fold(struct rk_classifier *c, const struct rk_session *s, enum rk_fold_why why);
/* Judge every pending session and add it to the aggregates. */
void rk_classify_flush(struct rk_classifier *c);
/* Verdict subscribers at most. */
#define RK_CLASSIFY_MAX_SUBS 8
/* Call cb for every session judged from now on, after earlier subscribers; 0 or -RK_E_NOMEM. */
int rk_classify_add_verdict_sub(struct rk_classifier *c, rk_verdict_cb cb, void *user);
/* Stop calling (cb, user). */
void rk_classify_del_verdict_sub(struct rk_classifier *c, rk_verdict_cb cb, void *user);
const struct rk_map *rk_classify_services(const struct rk_classifier *c);
const struct rk_map *rk_classify_edges(const struct rk_classifier *c);
const struct rk_map *rk_classify_hosts(const struct rk_classifier *c);
const struct rk_map *rk_classify_endpoints(const struct rk_classifier *c);
void rk_classify_get_stats(const struct rk_classifier *c, struct rk_classify_stats *st);
/*
 * Empty the service, edge and host aggregates (after a flush to the store
 * took them).  The endpoint evidence stays: it keeps deciding later
 * sessions.
 */
void rk_classify_clear(struct rk_classifier *c);
/* The model it writes: evidence and aggregates (model/model.h); a loader may sum into it. */
struct rk_model *rk_classify_model(struct rk_classifier *c);
/*
 * Forget the evidence of client-like endpoints (never served, never sent
 * SYN+ACK) last seen before older_than (µs): clients' ephemeral ports,
 * spoofed flood sources.  Called at each flush with now - idle timeout;
 * the classifier also does it by itself, for every such endpoint, when
 * the map outgrows its cap (a flood of spoofed sources).  O(endpoints).
 */
void rk_classify_prune(struct rk_classifier *c, uint64_t older_than);
/* Add to the session counters by kind / rule (report from the store). */
void rk_classify_add_stats(struct rk_classifier *c, const struct rk_classify_stats *st);
const char *rk_classify_kind_name(enum rk_sess_kind k);
const char *rk_classify_rule_name(enum rk_role_rule r);

/* role.c: the decision, usable on its own (tests, --explain). */
enum rk_sess_kind rk_role_kind(const struct rk_session *s, const struct rk_names *names);
/*
 * Which side asked in a two-way datagram exchange: 0 A, 1 B, -1 unknown
 * (and for TCP).  The side with fewer quick turns (rk_sess_dir.quick)
 * when both sent payload; else the one that spoke first.
 */
int rk_role_requester(const struct rk_session *s);
double rk_role_score(const struct rk_endpoint *e, const struct rk_names *names,
    struct rk_score_parts *parts);
/*
 * Which side of s serves (role.c), from its kind, the evidence ea/eb of
 * its endpoints and pair_hint: what other conversations of the same two
 * hosts say (positive: A serves B elsewhere, classify.c).  Fills v.
 */
void rk_role_decide(const struct rk_session *s, enum rk_sess_kind kind,
    const struct rk_endpoint *ea, const struct rk_endpoint *eb, double pair_hint,
    const struct rk_names *names, struct rk_verdict *v);
/* Is this address unusable as a host (multicast, broadcast, unspecified)? */
int rk_role_addr_is_group(const uint8_t a[RK_ADDR_LEN]);

#endif /* RK_CLASSIFY_CLASSIFY_H */
