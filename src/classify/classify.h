/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify/classify.h - endpoint evidence, the server/client decision, and
 * the aggregates it feeds: services, dependency edges and hosts.
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

#include "names/names.h"
#include "session/session.h"
#include "util/map.h"

/* (IP, protocol, port): one endpoint. */
struct rk_ep_key {
	uint8_t ip[RK_ADDR_LEN]; /* address */
	uint16_t port;           /* port, host order */
	uint8_t proto;           /* IP protocol */
	uint8_t pad[5];          /* zero */
};

/* Peer counts saturate here: "many" is all the decision needs. */
#define RK_PEER_CAP 4096

/* Evidence about one endpoint, summed over every session it took part in. */
struct rk_endpoint {
	struct rk_ep_key key;   /* the endpoint */
	uint32_t n_sessions;    /* sessions (any kind) */
	uint32_t n_peer_ips;    /* distinct peer addresses, saturating at RK_PEER_CAP */
	uint32_t n_peer_ports;  /* distinct peer ports, saturating at RK_PEER_CAP */
	uint32_t n_syn_sent;    /* sessions in which it sent a pure SYN */
	uint32_t n_syn_recv;    /* sessions in which it received a pure SYN */
	uint32_t n_synack_sent; /* sessions in which it sent SYN+ACK */
	uint32_t n_synack_recv; /* sessions in which it received SYN+ACK */
	uint32_t n_refused;     /* sessions it answered only with RST / ICMP unreachable */
	uint32_t n_oneway_recv; /* sessions in which it only received */
	uint32_t n_as_server;   /* established sessions decided with it as server */
	uint32_t n_as_client;   /* established sessions decided with it as client */
	uint32_t n_opened;      /* two-way datagram sessions in which it asked (rk_role_requester) */
	uint32_t n_answered;    /* two-way datagram sessions in which it answered */
	uint32_t first_peer_ip; /* digest of its first peer's address (classify.c) */
	uint64_t bytes_sent;    /* IP bytes it sent */
	uint64_t bytes_recv;    /* IP bytes it received */
	uint64_t last_ts;       /* µs, last packet of its latest session folded */
	uint16_t first_peer_port; /* its first peer's port */
	uint16_t pad[3];
};

/* What a session was, judged at the flush. */
enum rk_sess_kind {
	RK_SK_ESTABLISHED = 0, /* a real conversation: both sides took part */
	RK_SK_ONEWAY,          /* only one side talked, and that is plausible (syslog, mirror) */
	RK_SK_REFUSED,         /* answered only with RST / unreachable: closed port */
	RK_SK_UNANSWERED,      /* SYN or probe with no answer */
	RK_SK_HALFOPEN,        /* handshake never completed (scan probe, SYN flood) */
	RK_SK_BACKSCATTER,     /* SYN+ACK never asked for (reflected spoofed-SYN flood) */
	RK_SK_MULTICAST,       /* multicast, broadcast or unspecified address */
	RK_SK_NOPORTS,         /* ICMP or another protocol without ports */
	RK_SK_REFLECTION,      /* unasked answers from many sources' service port (a flood) */
	RK_SK__COUNT
};

/* Why a side was chosen as server. */
enum rk_role_rule {
	RK_RULE_HANDSHAKE = 0, /* SYN from one side, SYN+ACK from the other */
	RK_RULE_SYNACK,        /* only the SYN+ACK was seen */
	RK_RULE_SYN,           /* only the SYN was seen */
	RK_RULE_ONEWAY,        /* one-way: the receiver is the service */
	RK_RULE_EVIDENCE,      /* weighed endpoint evidence */
	RK_RULE_TIE,           /* no evidence either way: lower port */
	RK_RULE__COUNT
};

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

/* One service: an endpoint that served at least one established session. */
struct rk_service {
	struct rk_ep_key key;  /* server IP, protocol, port */
	uint32_t n_clients;    /* distinct client IPs */
	uint32_t n_decisions;  /* sessions judged */
	uint64_t n_sessions;   /* established sessions */
	uint64_t pkts;         /* packets both ways */
	uint64_t bytes_in;     /* bytes from clients */
	uint64_t bytes_out;    /* bytes to clients */
	uint64_t first_ts;     /* µs */
	uint64_t last_ts;      /* µs */
	double conf_sum;       /* sum of session confidences */
	uint32_t rules[RK_RULE__COUNT]; /* sessions decided by each rule */
	uint32_t n_blind_in;   /* sessions of n_sessions with no packet from the client seen */
	uint32_t n_blind_out;  /* ... with no packet from the server seen (one-way mirror) */
};

struct rk_edge_key {
	uint8_t client[RK_ADDR_LEN]; /* client address */
	uint8_t server[RK_ADDR_LEN]; /* server address */
	uint16_t port;               /* server port */
	uint8_t proto;               /* IP protocol */
	uint8_t pad[5];
};

/* One dependency: client uses (server, proto, port). */
struct rk_edge {
	struct rk_edge_key key;
	uint64_t n_sessions; /* established sessions */
	uint64_t pkts_c2s;   /* packets client -> server */
	uint64_t pkts_s2c;   /* packets server -> client */
	uint64_t bytes_c2s;  /* bytes client -> server */
	uint64_t bytes_s2c;  /* bytes server -> client */
	uint64_t first_ts;   /* µs */
	uint64_t last_ts;    /* µs */
	uint64_t n_blind_c2s; /* sessions of n_sessions with no packet client -> server seen */
	uint64_t n_blind_s2c; /* ... with no packet server -> client seen */
};

/*
 * One host seen in an established session.  Its byte totals are sums of
 * what was seen: lower bounds when some of its sessions were seen one way
 * only (their services' and edges' n_blind_* say which).
 */
struct rk_host {
	uint8_t ip[RK_ADDR_LEN]; /* key */
	uint32_t n_services;     /* services it offers */
	uint32_t n_used;         /* edges where it is the client */
	uint64_t bytes_sent;
	uint64_t bytes_recv;
	uint64_t first_ts;
	uint64_t last_ts;
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
/* Call cb for every session judged from now on (for --sessions and --explain). */
void rk_classify_on_verdict(struct rk_classifier *c, rk_verdict_cb cb, void *user);
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
/* Add stored aggregates back (report from the store): sums into the maps. */
int rk_classify_merge_service(struct rk_classifier *c, const struct rk_service *s);
int rk_classify_merge_edge(struct rk_classifier *c, const struct rk_edge *e);
int rk_classify_merge_host(struct rk_classifier *c, const struct rk_host *h);
int rk_classify_merge_endpoint(struct rk_classifier *c, const struct rk_endpoint *e);
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
