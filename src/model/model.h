/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * model/model.h - the data model of the back half: the records renkei
 * keeps about a network (endpoints, services, dependency edges, hosts) and
 * the rules by which two of them sum.
 *
 * The classifier gathers evidence and decides; it writes its decisions
 * here.  The store writes these records and loads them back here; the
 * report and the web read them.  Nobody else re-derives them: a new store
 * back end loads rows with rk_model_add_service / rk_model_add_edge, an
 * exporter or a collector sums records with the same calls.
 *
 * The invariants (the "distinct facts"): a service's n_clients is the
 * number of distinct client addresses of its edges, a host's n_services
 * the number of distinct services it offers and n_used the number of
 * distinct edges it is the client of; they are counted when an edge or a
 * service first appears in a model, never summed.  A host's bytes and
 * times are those of its edges (as client and as server).  Everything
 * else is a sum, a minimum or a maximum, so a model is the same whatever
 * the order its records came in (the classifier's confidences are exact
 * in a double for the same reason).
 *
 * Memory: a model owns four maps (util/map.h); records are found by key
 * and iterated with rk_map_at.  A pointer into a map is valid until the
 * next insertion.  Nothing here runs per packet.
 */
#ifndef RK_MODEL_MODEL_H
#define RK_MODEL_MODEL_H

#include <stdint.h>

#include "util/addr.h"
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
	uint32_t n_services;     /* services it offers (distinct) */
	uint32_t n_used;         /* edges where it is the client (distinct) */
	uint64_t bytes_sent;     /* bytes it sent in its edges */
	uint64_t bytes_recv;     /* bytes it received */
	uint64_t first_ts;       /* µs */
	uint64_t last_ts;        /* µs */
};

/* The aggregates: what is known of a network over some time. */
struct rk_model {
	struct rk_map services;  /* struct rk_service by rk_ep_key */
	struct rk_map edges;     /* struct rk_edge by rk_edge_key */
	struct rk_map hosts;     /* struct rk_host by address */
	struct rk_map endpoints; /* struct rk_endpoint by rk_ep_key: the evidence */
};

/* Empty model; seed keys the map hashes. */
void rk_model_init(struct rk_model *m, uint64_t seed);
void rk_model_fini(struct rk_model *m);
/* Empty the services, edges and hosts (the relationships); the evidence stays. */
void rk_model_clear(struct rk_model *m);
/* Exchange the relationships (services, edges, hosts) of a and b.  O(1). */
void rk_model_swap(struct rk_model *a, struct rk_model *b);
/* Sum one record into its own map only (no distinct-fact rule): 0 or -RK_E_NOMEM. */
int rk_model_merge_service(struct rk_model *m, const struct rk_service *s);
int rk_model_merge_edge(struct rk_model *m, const struct rk_edge *e);
int rk_model_merge_host(struct rk_model *m, const struct rk_host *h);
int rk_model_merge_endpoint(struct rk_model *m, const struct rk_endpoint *e);
/* Sum a service in, counting it on its host if new.  OUT: *out (may be NULL). */
int rk_model_add_service(struct rk_model *m, const struct rk_service *s, struct rk_service **out);
/* Sum an edge in, counting it on its service and client if new; both hosts take its bytes. */
int rk_model_add_edge(struct rk_model *m, const struct rk_edge *e, struct rk_edge **out);
/* Sum every service and edge of src into dst, by the rules above. */
int rk_model_absorb(struct rk_model *dst, const struct rk_model *src);

#endif /* RK_MODEL_MODEL_H */
