/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify/classify.c - folding sessions into evidence, judging them at the
 * flush, and the service / edge / host aggregates (see classify.h).
 *
 * Memory: the endpoint map holds one entry per (IP, proto, port) seen,
 * including clients' ephemeral ports; distinct peers are counted exactly:
 * the first in the endpoint, the others as 64-bit fingerprints of
 * (endpoint, peer) in one shared set, capped per endpoint at RK_PEER_CAP.
 * The pending list is bounded by max_pending: when it fills up, the flush
 * runs early.  Allocation failures are counted (n_nomem) and the affected
 * aggregate is skipped: never a crash.
 *
 * Speed (none of this is per packet, but a busy link folds a million
 * sessions a minute): evidence is taken in batches with the map slots
 * prefetched (take_evidence), and judging needs no sort (rk_classify_flush).
 */
#include <stdlib.h>
#include <string.h>

#include "classify/classify.h"
#include "util/bytes.h"
#include "util/hash.h"

/* A session waiting for the flush, and how it came. */
struct pending {
	struct rk_session s; /* copy of the session, counters cumulative */
	uint8_t why;         /* enum rk_fold_why */
	uint8_t kind;        /* enum rk_sess_kind, from rk_role_kind() */
	uint8_t pad[6];
	uint64_t h[2];       /* endpoint-map hashes of side a and side b */
};

/* The aggregates stay a few cache lines: one per service and edge of a site, kept for months. */
_Static_assert(sizeof(struct rk_service) <= 128, "struct rk_service grew past two cache lines");
_Static_assert(sizeof(struct rk_edge) <= 112, "struct rk_edge grew");

/* Folds whose evidence is taken together, their cache misses overlapped. */
#define RK_FOLD_BATCH 32

/* What was already aggregated of a live session that was checkpointed. */
struct carry {
	struct rk_sess_key key; /* the session */
	uint64_t first_ts;      /* tells this connection from a later one on the same key */
	uint64_t bytes[2];      /* bytes already aggregated, per direction */
	uint32_t pkts[2];       /* packets already aggregated */
	uint8_t verdict;        /* 0 not judged, 1 A serves, 2 B serves, 3 not established */
	uint8_t dead;           /* the session has left the table: drop at the flush */
	uint8_t pad[6];
};

/*
 * Reflection: unasked datagrams from one service port of many sources to
 * one host.  Keyed by (receiving host, proto, the sources' port); the
 * distinct sources are counted like peers (first here, others in the
 * shared fingerprint set).
 */
struct reflect {
	struct rk_ep_key key;    /* receiver address, proto, the senders' port */
	uint32_t n_sources;      /* distinct sending addresses, saturating at RK_PEER_CAP */
	uint32_t first_source;   /* digest of the first one */
};

/* Distinct unasked sources from one service port that make a flood. */
#define REFLECT_MIN_SOURCES 8

/* A one-way verdict this sure says which side the mirror shows (learn_mirror). */
#define MIRROR_MIN_CONF 0.75

/* One verdict subscriber (rk_classify_add_verdict_sub). */
struct verdict_sub {
	rk_verdict_cb cb;
	void *user;
};

struct rk_classifier {
	const struct rk_names *names;  /* borrowed, may be NULL */
	struct rk_model m;             /* the evidence (m.endpoints) and the aggregates */
	struct rk_map reflect;         /* struct reflect by rk_ep_key */
	struct rk_u64set peers;        /* fingerprints of (endpoint, peer IP / peer port) */
	struct rk_u64set pairs;        /* fingerprints of (client host, server host) on named ports */
	uint64_t n_shows_clients;      /* clear one-way sessions whose visible side was the client's */
	uint64_t n_shows_servers;      /* ... the server's (learn_mirror) */
	uint64_t seed;                 /* for the fingerprints */
	struct pending *pending;       /* sessions folded, not yet judged */
	struct rk_map carries;         /* struct carry by session key, live checkpointed sessions */
	size_t n_pending;              /* pending[0, n_pending) are in use */
	size_t n_taken;                /* pending[0, n_taken) have given their evidence */
	size_t max_pending;
	struct verdict_sub subs[RK_CLASSIFY_MAX_SUBS]; /* told every final verdict, in order */
	int n_subs;                    /* subs[0, n_subs) are in use */
	struct rk_classify_stats st;
};

static const char *const kind_names[RK_SK__COUNT] = {
	"established", "oneway", "refused", "unanswered", "halfopen", "backscatter",
	"multicast", "noports", "reflection",
};

static const char *const rule_names[RK_RULE__COUNT] = {
	"handshake", "synack", "syn", "oneway", "evidence", "tie",
};

const char *
rk_classify_kind_name(enum rk_sess_kind k)
{
	return (unsigned)k < RK_SK__COUNT ? kind_names[k] : "?";
}

const char *
rk_classify_rule_name(enum rk_role_rule r)
{
	return (unsigned)r < RK_RULE__COUNT ? rule_names[r] : "?";
}

/*
 * Create a classifier.  names (borrowed, may be NULL) gives service names
 * for the decision.  max_pending bounds the sessions waiting for a flush.
 * Returns NULL if memory is short.
 */
struct rk_classifier *
rk_classify_new(const struct rk_names *names, size_t max_pending, uint64_t seed)
{
	struct rk_classifier *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	if (max_pending < 64)
		max_pending = 64;
	c->pending = malloc(max_pending * sizeof(*c->pending));
	if (c->pending == NULL) {
		free(c);
		return NULL;
	}
	c->max_pending = max_pending;
	c->names = names;
	c->seed = seed;
	rk_model_init(&c->m, seed);
	rk_map_init(&c->carries, sizeof(struct rk_sess_key), sizeof(struct carry), seed);
	rk_map_init(&c->reflect, sizeof(struct rk_ep_key), sizeof(struct reflect), seed);
	rk_u64set_init(&c->peers);
	rk_u64set_init(&c->pairs);
	return c;
}

void
rk_classify_free(struct rk_classifier *c)
{
	if (c == NULL)
		return;
	rk_model_fini(&c->m);
	rk_map_fini(&c->carries);
	rk_map_fini(&c->reflect);
	rk_u64set_fini(&c->peers);
	rk_u64set_fini(&c->pairs);
	free(c->pending);
	free(c);
}

static void
ep_key(struct rk_ep_key *k, const struct rk_session *s, int side_b)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->ip, side_b ? s->key.b : s->key.a, RK_ADDR_LEN);
	k->port = side_b ? s->key.pb : s->key.pa;
	k->proto = s->key.proto;
}

/*
 * Distinct peers.  An endpoint's first peer address and port are kept in
 * the endpoint itself; from the second distinct one on, each (endpoint,
 * peer) fact is a 64-bit fingerprint in one set shared by all endpoints.
 * Most endpoints are a client's ephemeral port with a single peer: they
 * never touch the set, which so holds about one entry per session instead
 * of four.  A peer address is reduced to 32 bits first (an IPv4 address
 * is itself; an IPv6 address is hashed), so the first peer fits in the
 * endpoint and its fingerprint can be made again when the second comes.
 */
#define PEER_DOM_IP (1ULL << 40)   /* fingerprint domains: addresses, */
#define PEER_DOM_PORT (2ULL << 40) /* ports, */
#define PEER_DOM_SRC (3ULL << 40)  /* reflection sources */

static uint32_t
ip_digest(const uint8_t ip[RK_ADDR_LEN])
{
	uint32_t v;

	if (rk_addr_is_v4(ip)) {
		memcpy(&v, ip + 12, 4);
		return v;
	}
	return (uint32_t)rk_hash_words(ip, RK_ADDR_LEN, 0x6970763664696700ULL);
}

static uint64_t
peer_fp(uint64_t h, uint64_t dom, uint32_t v)
{
	return rk_hash_mix(h ^ dom ^ v);
}

/*
 * Whether v is a new peer of an endpoint (hash h) that has *n distinct
 * ones so far, the first being *first.  Counts it.  Saturates at
 * RK_PEER_CAP.
 */
static void
count_peer(struct rk_classifier *c, uint64_t h, uint64_t dom, uint32_t *n, uint32_t first,
    uint32_t v)
{
	int r;

	if (*n >= RK_PEER_CAP || (*n == 1 && v == first))
		return;
	if (*n == 1 && rk_u64set_add(&c->peers, peer_fp(h, dom, first)) < 0)
		c->st.n_nomem++;
	r = rk_u64set_add(&c->peers, peer_fp(h, dom, v));
	if (r < 0)
		c->st.n_nomem++;
	*n += r == 1;
}

/* Add the facts of one side of s (its endpoint key hashing to h) to its evidence. */
static void
add_evidence(struct rk_classifier *c, const struct rk_session *s, int side_b, uint64_t h)
{
	struct rk_ep_key k;
	struct rk_endpoint *e;
	const struct rk_sess_dir *out = &s->d[side_b ? RK_DIR_BA : RK_DIR_AB];
	const struct rk_sess_dir *in = &s->d[side_b ? RK_DIR_AB : RK_DIR_BA];
	const uint8_t *peer_ip = side_b ? s->key.a : s->key.b;
	uint16_t peer_port = side_b ? s->key.pa : s->key.pb;

	ep_key(&k, s, side_b);
	e = rk_map_upsert_h(&c->m.endpoints, &k, h, NULL);
	if (e == NULL) {
		c->st.n_nomem++;
		return;
	}
	e->n_sessions++;
	if (e->n_peer_ips == 0) {
		e->n_peer_ips = 1;
		e->first_peer_ip = ip_digest(peer_ip);
	} else {
		count_peer(c, h, PEER_DOM_IP, &e->n_peer_ips, e->first_peer_ip, ip_digest(peer_ip));
	}
	if (e->n_peer_ports == 0) {
		e->n_peer_ports = 1;
		e->first_peer_port = peer_port;
	} else {
		count_peer(c, h, PEER_DOM_PORT, &e->n_peer_ports, e->first_peer_port, peer_port);
	}
	e->n_syn_sent += out->syns > 0;
	e->n_syn_recv += in->syns > 0;
	e->n_synack_sent += out->synacks > 0;
	e->n_synack_recv += in->synacks > 0;
	e->n_refused += out->pkts > 0 && out->pkts == out->rsts && in->pkts > in->rsts;
	e->n_oneway_recv += out->pkts == 0;
	if (out->pkts > 0 && in->pkts > 0) {
		int asker = rk_role_requester(s);
		e->n_opened += asker == side_b;
		e->n_answered += asker == !side_b;
	}
	e->last_ts = s->last_ts > e->last_ts ? s->last_ts : e->last_ts;
	e->bytes_sent += s->bytes[side_b ? RK_DIR_BA : RK_DIR_AB];
	e->bytes_recv += s->bytes[side_b ? RK_DIR_AB : RK_DIR_BA];
}

/* The reflection key of a one-way datagram session: (receiver, proto, sender's port). */
static void
reflect_key(struct rk_ep_key *k, const struct rk_session *s)
{
	int to_b = s->d[RK_DIR_AB].pkts > 0;

	memset(k, 0, sizeof(*k));
	memcpy(k->ip, to_b ? s->key.b : s->key.a, RK_ADDR_LEN);
	k->port = to_b ? s->key.pa : s->key.pb;
	k->proto = s->key.proto;
}

/*
 * A one-way datagram session from a service port: one more source of
 * unasked answers for its receiver (is_reflection).  Sources
 * on unnamed ports are not counted: a reflector answers from its
 * service's port.
 */
static void
count_unasked(struct rk_classifier *c, const struct rk_session *s)
{
	struct rk_ep_key k;
	struct reflect *r;
	uint64_t h;
	uint32_t src;

	reflect_key(&k, s);
	if (!rk_names_has_service(c->names, k.proto, k.port))
		return;
	src = ip_digest(s->d[RK_DIR_AB].pkts > 0 ? s->key.a : s->key.b);
	h = rk_map_hash(&c->reflect, &k);
	if ((r = rk_map_upsert_h(&c->reflect, &k, h, NULL)) == NULL) {
		c->st.n_nomem++;
		return;
	}
	if (r->n_sources == 0) {
		r->n_sources = 1;
		r->first_source = src;
	} else {
		count_peer(c, h, PEER_DOM_SRC, &r->n_sources, r->first_source, src);
	}
}

/*
 * A one-way datagram session that is part of a reflection flood: its
 * receiver got unasked datagrams from REFLECT_MIN_SOURCES or more
 * sources, all from this one service port, on a port of its own that
 * never sent anything, and not the same port (NTP and syslog talk from
 * their port to their port).  The senders are reflectors, the receiver
 * their victim: neither side is a server or a client of the other.
 */
static int
is_reflection(const struct rk_classifier *c, const struct rk_session *s,
    const struct rk_endpoint *ea, const struct rk_endpoint *eb)
{
	struct rk_ep_key k;
	const struct reflect *r;
	const struct rk_endpoint *rcv = s->d[RK_DIR_AB].pkts > 0 ? eb : ea;

	if (c->reflect.n_entries == 0)
		return 0;
	reflect_key(&k, s);
	if (k.port == rcv->key.port || rcv->n_oneway_recv < rcv->n_sessions)
		return 0;
	r = rk_map_find(&c->reflect, &k);
	return r != NULL && r->n_sources >= REFLECT_MIN_SOURCES;
}

/*
 * Hosts that serve each other.  A conversation with a named port on one
 * side only says which host serves which; a later conversation of the
 * same two hosts between two unnamed ports (a DCE-RPC dynamic endpoint
 * after the endpoint mapper on 135, a passive FTP data port after 21, a
 * WinRM or debugging port) most likely goes the same way.  One
 * fingerprint per (client host, server host), taken with the evidence.
 */
static uint64_t
pair_fp(const struct rk_classifier *c, const uint8_t *client, const uint8_t *server)
{
	return rk_hash_mix(rk_hash_words(client, RK_ADDR_LEN, c->seed) ^
	    rk_hash_words(server, RK_ADDR_LEN, c->seed + 1) * 3);
}

static void
note_pair(struct rk_classifier *c, const struct rk_session *s)
{
	int na = rk_names_has_service(c->names, s->key.proto, s->key.pa);
	int nb = rk_names_has_service(c->names, s->key.proto, s->key.pb);

	if (na == nb || memcmp(s->key.a, s->key.b, RK_ADDR_LEN) == 0)
		return;
	if (rk_u64set_add(&c->pairs, na ? pair_fp(c, s->key.b, s->key.a) :
	    pair_fp(c, s->key.a, s->key.b)) < 0)
		c->st.n_nomem++;
}

/*
 * For a conversation between two unnamed ports: +1 if B uses a named
 * service of A elsewhere (A is the likelier server), -1 if the reverse,
 * 0 if neither or both.
 */
static double
pair_hint(const struct rk_classifier *c, const struct rk_session *s)
{
	int ab, ba;

	if (c->pairs.n == 0 || rk_names_has_service(c->names, s->key.proto, s->key.pa) ||
	    rk_names_has_service(c->names, s->key.proto, s->key.pb))
		return 0.0;
	ab = rk_u64set_has(&c->pairs, pair_fp(c, s->key.b, s->key.a));
	ba = rk_u64set_has(&c->pairs, pair_fp(c, s->key.a, s->key.b));
	return (double)(ab - ba);
}

/* A later fold of a checkpointed connection: its endpoints are still in use. */
static void
touch(struct rk_classifier *c, const struct rk_session *s, int side_b, uint64_t h)
{
	struct rk_ep_key k;
	struct rk_endpoint *e;

	ep_key(&k, s, side_b);
	e = rk_map_find_h(&c->m.endpoints, &k, h);
	if (e == NULL)
		add_evidence(c, s, side_b, h); /* forgotten meanwhile: start again from this session */
	else if (s->last_ts > e->last_ts)
		e->last_ts = s->last_ts;
}

/* The carry of this connection (same key and start), or NULL. */
static struct carry *
find_carry(const struct rk_classifier *c, const struct rk_session *s)
{
	struct carry *k;

	if (c->carries.n_entries == 0)
		return NULL;
	k = rk_map_find(&c->carries, &s->key);
	return k != NULL && k->first_ts == s->first_ts ? k : NULL;
}

/* Groups and port-less sessions are only counted: no evidence, no verdict. */
static int
is_counted_only(enum rk_sess_kind k)
{
	return k == RK_SK_MULTICAST || k == RK_SK_NOPORTS;
}

/* Take the evidence of one folded session (in fold order). */
static void
take_one(struct rk_classifier *c, struct pending *pe)
{
	const struct rk_session *s = &pe->s;
	struct carry *cr;

	if (is_counted_only(pe->kind)) {
		if (pe->why != RK_FOLD_CHECKPOINT) {
			c->st.n_folded++;
			c->st.n_kind[pe->kind]++;
		}
		return;
	}
	cr = find_carry(c, s);
	if (cr == NULL) {
		add_evidence(c, s, 0, pe->h[0]);
		add_evidence(c, s, 1, pe->h[1]);
		if (pe->kind == RK_SK_ONEWAY && s->key.proto != RK_PROTO_TCP)
			count_unasked(c, s);
		if (pe->kind == RK_SK_ESTABLISHED || pe->kind == RK_SK_ONEWAY)
			note_pair(c, s);
	} else {
		touch(c, s, 0, pe->h[0]);
		touch(c, s, 1, pe->h[1]);
	}
	if (pe->why == RK_FOLD_CHECKPOINT && cr == NULL) {
		int created;
		cr = rk_map_upsert(&c->carries, &s->key, &created);
		if (cr == NULL) {
			c->st.n_nomem++;
		} else {
			memset((uint8_t *)cr + sizeof(cr->key), 0, sizeof(*cr) - sizeof(cr->key));
			cr->first_ts = s->first_ts;
		}
	}
}

/*
 * Take the evidence of every pending session that has not given it yet,
 * in fold order.  Three passes over the batch: hash the endpoint keys and
 * prefetch their index slots; prefetch the entries (and the peer set's
 * slots); then do the work, whose loads now mostly hit the cache.
 */
static void
take_evidence(struct rk_classifier *c)
{
	while (c->n_taken < c->n_pending) {
		size_t lo = c->n_taken, hi = c->n_pending;
		if (hi - lo > RK_FOLD_BATCH)
			hi = lo + RK_FOLD_BATCH;
		for (size_t i = lo; i < hi; i++) {
			struct pending *pe = &c->pending[i];
			pe->kind = (uint8_t)rk_role_kind(&pe->s, c->names);
			for (int side = 0; side < 2; side++) {
				struct rk_ep_key k;
				ep_key(&k, &pe->s, side);
				pe->h[side] = rk_map_hash(&c->m.endpoints, &k);
				rk_map_prefetch(&c->m.endpoints, pe->h[side]);
			}
		}
		for (size_t i = lo; i < hi; i++) {
			const struct pending *pe = &c->pending[i];
			for (int side = 0; side < 2; side++) {
				rk_map_prefetch_entry(&c->m.endpoints, pe->h[side]);
				rk_u64set_prefetch(&c->peers, peer_fp(pe->h[side], PEER_DOM_PORT,
				    side ? pe->s.key.pa : pe->s.key.pb));
			}
		}
		for (size_t i = lo; i < hi; i++)
			take_one(c, &c->pending[i]);
		c->n_taken = hi;
	}
}

/*
 * Fold a session that left the session table, or a checkpoint of a live
 * one: it waits in the pending list; its evidence is taken in batches (in
 * fold order, before any judging), its verdict at the next flush.
 * Sessions with group addresses or without ports carry no endpoint
 * evidence; they are only counted.  Amortised O(1).
 */
void
rk_classify_fold(struct rk_classifier *c, const struct rk_session *s, enum rk_fold_why why)
{
	struct pending *pe;

	if (c->n_pending == c->max_pending)
		rk_classify_flush(c);
	pe = &c->pending[c->n_pending++];
	pe->s = *s;
	pe->why = (uint8_t)why;
	if (c->n_pending - c->n_taken >= RK_FOLD_BATCH) {
		take_evidence(c);
		/* Too much evidence: judge now, then forget the client-like (rk_classify_flush). */
		if (rk_unlikely(c->m.endpoints.n_entries > c->max_pending))
			rk_classify_flush(c);
	}
}

/* What one fold adds: the counters not aggregated before (all of them without a carry). */
struct delta {
	uint32_t pkts[2];  /* per direction (RK_DIR_*) */
	uint64_t bytes[2];
	int is_new;        /* first time this connection is aggregated: count it */
};

/*
 * A confidence in steps of 1/1024: sums of such steps are exact in a
 * double (below 2^43 sessions), so conf_sum is the same in any order.
 */
static double
exact_conf(double conf)
{
	return (double)(int64_t)(conf * 1024.0 + 0.5) / 1024.0;
}

/*
 * Count a session seen one way only into its service and edge (with the
 * session itself, once).  A direction is blind when the session has no
 * packet of it so far: its bytes are unknown, not zero (classify.h).
 * Only a one-way session is (an established one has both directions).
 * A live session checkpointed blind that later shows the other direction
 * stays counted blind (the simplest correct thing): undoing the count
 * would need a negative delta, and the store only adds.  It errs the safe
 * way: the report then marks bytes it has in full as a lower bound (">=",
 * rk_report_bound), never bytes it lacks as exact.
 */
static void
count_blind(struct rk_service *svc, struct rk_edge *e, const struct rk_session *s, int cs,
    int sc)
{
	int no_c2s = s->d[cs].pkts == 0, no_s2c = s->d[sc].pkts == 0;

	svc->n_blind_in += (uint32_t)no_c2s;
	svc->n_blind_out += (uint32_t)no_s2c;
	e->n_blind_c2s += (uint64_t)no_c2s;
	e->n_blind_s2c += (uint64_t)no_s2c;
}

/*
 * Add an established or one-way session, oriented by v, to services, edges
 * and hosts: the delta d as a one-session service and edge, summed by the
 * model's rules (which count new clients, services and uses).
 */
static void
aggregate(struct rk_classifier *c, const struct rk_session *s, const struct rk_verdict *v,
    const struct delta *d)
{
	int sb = v->server_is_b;
	int cs = sb ? RK_DIR_AB : RK_DIR_BA, sc = sb ? RK_DIR_BA : RK_DIR_AB;
	struct rk_service sv;
	struct rk_edge e;

	memset(&sv, 0, sizeof(sv));
	memset(&e, 0, sizeof(e));
	ep_key(&sv.key, s, sb);
	if (v->service_port != 0)
		sv.key.port = v->service_port;
	memcpy(e.key.client, sb ? s->key.a : s->key.b, RK_ADDR_LEN);
	memcpy(e.key.server, sv.key.ip, RK_ADDR_LEN);
	e.key.port = sv.key.port;
	e.key.proto = sv.key.proto;
	if (d->is_new) {
		sv.n_decisions = 1;
		sv.n_sessions = 1;
		sv.conf_sum = exact_conf(v->confidence);
		sv.rules[v->rule] = 1;
		e.n_sessions = 1;
		count_blind(&sv, &e, s, cs, sc);
	}
	sv.pkts = (uint64_t)d->pkts[cs] + d->pkts[sc];
	sv.bytes_in = d->bytes[cs];
	sv.bytes_out = d->bytes[sc];
	sv.first_ts = e.first_ts = s->first_ts;
	sv.last_ts = e.last_ts = s->last_ts;
	e.pkts_c2s = d->pkts[cs];
	e.pkts_s2c = d->pkts[sc];
	e.bytes_c2s = d->bytes[cs];
	e.bytes_s2c = d->bytes[sc];
	/* A host's bytes are what was seen: lower bounds if a session was blind. */
	if (rk_model_add_service(&c->m, &sv, NULL) < 0 || rk_model_add_edge(&c->m, &e, NULL) < 0)
		c->st.n_nomem++;
}

/* The counters of s not yet aggregated, given its carry (may be NULL); updates the carry. */
static void
take_delta(struct delta *d, const struct rk_session *s, struct carry *cr)
{
	for (int i = 0; i < 2; i++) {
		d->pkts[i] = s->d[i].pkts - (cr ? cr->pkts[i] : 0);
		d->bytes[i] = s->bytes[i] - (cr ? cr->bytes[i] : 0);
		if (cr != NULL) {
			cr->pkts[i] = s->d[i].pkts;
			cr->bytes[i] = s->bytes[i];
		}
	}
	d->is_new = cr == NULL || cr->verdict == 0;
}

/*
 * The evidence of both sides of a pending session, taken again for a side
 * pruned since its fold.  Returns 0, or -1 if memory is short.
 */
static int
judge_endpoints(struct rk_classifier *c, const struct pending *pe, struct rk_endpoint **ea,
    struct rk_endpoint **eb)
{
	struct rk_ep_key ka, kb;

	ep_key(&ka, &pe->s, 0);
	ep_key(&kb, &pe->s, 1);
	*ea = rk_map_find_h(&c->m.endpoints, &ka, pe->h[0]);
	*eb = rk_map_find_h(&c->m.endpoints, &kb, pe->h[1]);
	if (rk_likely(*ea != NULL && *eb != NULL))
		return 0;
	if (*ea == NULL)
		add_evidence(c, &pe->s, 0, pe->h[0]);
	if (*eb == NULL)
		add_evidence(c, &pe->s, 1, pe->h[1]);
	/* Found again: an insertion may have moved the entries. */
	*ea = rk_map_find_h(&c->m.endpoints, &ka, pe->h[0]);
	*eb = rk_map_find_h(&c->m.endpoints, &kb, pe->h[1]);
	return *ea != NULL && *eb != NULL ? 0 : -1;
}

/*
 * What a pending session is, once every session's evidence is in: its
 * kind from its own counters, except that a one-way datagram session of a
 * reflection flood is reflection.  Both learn_mirror and judge ask here.
 */
static enum rk_sess_kind
settled_kind(const struct rk_classifier *c, const struct pending *pe,
    const struct rk_endpoint *ea, const struct rk_endpoint *eb)
{
	enum rk_sess_kind kind = (enum rk_sess_kind)pe->kind;

	if (kind == RK_SK_ONEWAY && pe->s.key.proto != RK_PROTO_TCP &&
	    is_reflection(c, &pe->s, ea, eb))
		return RK_SK_REFLECTION;
	return kind;
}

/*
 * What the one-way conversations of this capture show: the clients'
 * side (a mirror of requests) or the servers' (of answers).  Counted over
 * the one-way sessions the evidence decides clearly, before any is
 * judged, so that a one-way session the evidence cannot decide (two
 * hosts talking 123 to 123 once) follows the mirror: its receiver serves
 * where the mirror shows requests, its sender where it shows answers.
 * Sums over the pending list: the same in any fold order.
 */
static void
learn_mirror(struct rk_classifier *c)
{
	for (size_t j = 0; j < c->n_pending; j++) {
		const struct pending *pe = &c->pending[j];
		struct rk_ep_key ka, kb;
		const struct rk_endpoint *ea, *eb;
		struct rk_verdict v;
		if (pe->kind != RK_SK_ONEWAY)
			continue;
		ep_key(&ka, &pe->s, 0);
		ep_key(&kb, &pe->s, 1);
		ea = rk_map_find_h(&c->m.endpoints, &ka, pe->h[0]);
		eb = rk_map_find_h(&c->m.endpoints, &kb, pe->h[1]);
		if (ea == NULL || eb == NULL || settled_kind(c, pe, ea, eb) != RK_SK_ONEWAY)
			continue; /* a flood's datagrams say nothing of the mirror */
		rk_role_decide(&pe->s, RK_SK_ONEWAY, ea, eb, pair_hint(c, &pe->s), c->names, &v);
		if (v.rule == RK_RULE_TIE || v.confidence < MIRROR_MIN_CONF)
			continue;
		if (v.server_is_b == (pe->s.d[RK_DIR_BA].pkts > 0))
			c->n_shows_servers++;
		else
			c->n_shows_clients++;
	}
}

/* Which side of a one-way session the evidence could not decide serves: 1 B, 0 A. */
static int
oneway_tie_server_is_b(const struct rk_classifier *c, const struct rk_session *s)
{
	int b_sent = s->d[RK_DIR_BA].pkts > 0;

	if (c->n_shows_servers > 2 * c->n_shows_clients)
		return b_sent; /* the mirror shows answers: the sender serves */
	return !b_sent;       /* requests, or one way by nature (syslog): the receiver */
}

static void
judge(struct rk_classifier *c, const struct pending *pe)
{
	const struct rk_session *s = &pe->s;
	int final = pe->why != RK_FOLD_CHECKPOINT;
	struct carry *cr = find_carry(c, s);
	struct rk_endpoint *ea, *eb;
	struct rk_verdict v;
	struct delta d;
	enum rk_sess_kind kind;

	if (judge_endpoints(c, pe, &ea, &eb) < 0) {
		c->st.n_nomem++;
		return;
	}
	kind = settled_kind(c, pe, ea, eb);
	rk_role_decide(s, kind, ea, eb, pair_hint(c, s), c->names, &v);
	if (kind == RK_SK_ONEWAY && v.rule == RK_RULE_TIE)
		v.server_is_b = oneway_tie_server_is_b(c, s);
	if (cr != NULL && cr->verdict != 0) {
		/* Judged at an earlier checkpoint: keep that orientation. */
		v.kind = kind = RK_SK_ESTABLISHED;
		v.server_is_b = cr->verdict == 2;
	}
	if (kind == RK_SK_ESTABLISHED || kind == RK_SK_ONEWAY) {
		take_delta(&d, s, cr);
		if (d.is_new) {
			c->st.n_kind[kind]++;
			c->st.n_rule[v.rule]++;
			(v.server_is_b ? eb : ea)->n_as_server++;
			(v.server_is_b ? ea : eb)->n_as_client++;
		}
		aggregate(c, s, &v, &d);
		if (cr != NULL)
			cr->verdict = (uint8_t)(v.server_is_b ? 2 : 1);
	} else if (final) {
		c->st.n_kind[kind]++;
	}
	if (cr != NULL && final)
		cr->dead = 1;
	for (int i = 0; final && i < c->n_subs; i++)
		c->subs[i].cb(c->subs[i].user, s, &v);
}

static int
carry_is_alive(const void *entry, void *arg)
{
	(void)arg;
	return !((const struct carry *)entry)->dead;
}

/* Drop the carries of sessions that have left the table.  O(carries). */
static void
prune_carries(struct rk_classifier *c)
{
	size_t lost;

	rk_map_retain(&c->carries, carry_is_alive, NULL, &lost);
	c->st.n_nomem += lost;
}

/*
 * Judge every pending session with the evidence gathered so far and add
 * the real conversations to the aggregates, in fold order.  Every
 * aggregate is a sum, a minimum or a maximum, and confidences are summed
 * in exact steps (see aggregate()), so the result does not depend on the
 * order the trackers handed the sessions over in; a verdict depends only
 * on the session and the evidence, all of it taken before the first
 * judgement.  (Same-connection folds - a checkpoint, then the end - are
 * never pending together: a checkpoint is judged at the flush it was made
 * for.)  O(pending), the endpoints prefetched a few sessions ahead.
 */
void
rk_classify_flush(struct rk_classifier *c)
{
	take_evidence(c);
	learn_mirror(c);
	for (size_t j = 0; j < c->n_pending; j++) {
		const struct pending *pe = &c->pending[j];
		if (j + 8 < c->n_pending) {
			rk_map_prefetch_entry(&c->m.endpoints, pe[8].h[0]);
			rk_map_prefetch_entry(&c->m.endpoints, pe[8].h[1]);
		}
		if (j + 16 < c->n_pending) {
			rk_map_prefetch(&c->m.endpoints, pe[16].h[0]);
			rk_map_prefetch(&c->m.endpoints, pe[16].h[1]);
		}
		if (!is_counted_only(pe->kind))
			judge(c, pe);
	}
	c->n_pending = c->n_taken = 0;
	c->st.n_flushes++;
	prune_carries(c);
	/*
	 * Evidence beyond max_pending endpoints: forget the client-like ones.
	 * Only after judging, so that every server found so far is kept with
	 * its evidence (pruning first lost the evidence of servers seen
	 * without a handshake, and most of their sessions came out reversed).
	 */
	if (rk_unlikely(c->m.endpoints.n_entries > c->max_pending))
		rk_classify_prune(c, UINT64_MAX);
}

/*
 * Subscribe cb(user, session, verdict) to every session judged from now on
 * (--sessions, --explain, a detector), after those subscribed before.
 * Called on the integrator's thread.  Returns 0, or -RK_E_NOMEM when
 * RK_CLASSIFY_MAX_SUBS are subscribed.  O(1), no allocation.
 */
int
rk_classify_add_verdict_sub(struct rk_classifier *c, rk_verdict_cb cb, void *user)
{
	if (c->n_subs == RK_CLASSIFY_MAX_SUBS)
		return -RK_E_NOMEM;
	c->subs[c->n_subs].cb = cb;
	c->subs[c->n_subs++].user = user;
	return 0;
}

/* Unsubscribe (cb, user); the others keep their order.  Absent: no-op.  O(subscribers). */
void
rk_classify_del_verdict_sub(struct rk_classifier *c, rk_verdict_cb cb, void *user)
{
	for (int i = 0; i < c->n_subs; i++) {
		if (c->subs[i].cb == cb && c->subs[i].user == user) {
			memmove(&c->subs[i], &c->subs[i + 1],
			    (size_t)(c->n_subs - i - 1) * sizeof(c->subs[0]));
			c->n_subs--;
			return;
		}
	}
}

const struct rk_map *
rk_classify_services(const struct rk_classifier *c)
{
	return &c->m.services;
}

const struct rk_map *
rk_classify_edges(const struct rk_classifier *c)
{
	return &c->m.edges;
}

const struct rk_map *
rk_classify_hosts(const struct rk_classifier *c)
{
	return &c->m.hosts;
}

const struct rk_map *
rk_classify_endpoints(const struct rk_classifier *c)
{
	return &c->m.endpoints;
}

/*
 * The classifier's model: its evidence and the aggregates of the sessions
 * judged since the last rk_classify_clear.  Writable, for a reader that
 * loads or sums aggregates into it (the store's load, a run's totals).
 */
struct rk_model *
rk_classify_model(struct rk_classifier *c)
{
	return &c->m;
}

void
rk_classify_get_stats(const struct rk_classifier *c, struct rk_classify_stats *st)
{
	*st = c->st;
}

/* Empty services, edges and hosts; keep the endpoint evidence.  Frees their memory. */
void
rk_classify_clear(struct rk_classifier *c)
{
	rk_model_clear(&c->m);
}

void
rk_classify_add_stats(struct rk_classifier *c, const struct rk_classify_stats *st)
{
	c->st.n_folded += st->n_folded;
	for (int k = 0; k < RK_SK__COUNT; k++)
		c->st.n_kind[k] += st->n_kind[k];
	for (int r = 0; r < RK_RULE__COUNT; r++)
		c->st.n_rule[r] += st->n_rule[r];
}

/* Served, or answered a handshake: evidence worth keeping for months. */
static int
is_server_like(const struct rk_endpoint *e)
{
	return e->n_as_server > 0 || e->n_synack_sent > 0;
}

static int
reflect_is_flood(const void *entry, void *arg)
{
	(void)arg;
	return ((const struct reflect *)entry)->n_sources >= REFLECT_MIN_SOURCES;
}

/* Forget the receivers of unasked datagrams that are no flood (yet).  O(entries). */
static void
prune_reflect(struct rk_classifier *c)
{
	size_t lost;

	rk_map_retain(&c->reflect, reflect_is_flood, NULL, &lost);
	c->st.n_nomem += lost;
}

/* Kept by rk_classify_prune: server-like, or seen since *arg (older_than). */
static int
endpoint_is_kept(const void *entry, void *arg)
{
	const struct rk_endpoint *e = entry;

	return is_server_like(e) || e->last_ts >= *(const uint64_t *)arg;
}

/*
 * Forget client-like endpoints last seen before older_than (UINT64_MAX:
 * all of them); restart the peer fingerprints if they outgrew their cap.
 * See classify.h.  O(endpoints).
 */
void
rk_classify_prune(struct rk_classifier *c, uint64_t older_than)
{
	size_t lost;

	c->st.n_pruned += rk_map_retain(&c->m.endpoints, endpoint_is_kept, &older_than, &lost);
	c->st.n_nomem += lost;
	if (c->reflect.n_entries > c->max_pending)
		prune_reflect(c);
	if (c->pairs.n > 4 * c->max_pending) {
		rk_u64set_fini(&c->pairs);
		rk_u64set_init(&c->pairs);
	}
	if (c->peers.n > 4 * c->max_pending) {
		/* Kept endpoints may count a peer again: evidence only grows more server-like. */
		rk_u64set_fini(&c->peers);
		rk_u64set_init(&c->peers);
		c->st.n_resets++;
	}
}
