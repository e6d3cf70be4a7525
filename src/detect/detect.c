/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detect/detect.c - the detector set: five bounded tables fed by verdicts,
 * read into alerts on demand.
 *
 * Invariants (detect.h has the thresholds): every table has n_buckets * 8
 * entries allocated once; an entry is found only in the bucket its key
 * hashes to; a key absent from a full bucket replaces the bucket's entry
 * with the fewest sessions.  A session touches at most three entries (its
 * flood or backscatter or reflection entry and its two scan entries), each
 * in O(RK_DETECT_HLL_M) at worst (HLL registers are written, not scanned;
 * the top list is 8 slots).  Which side of a session is the client (the
 * prober, the flood's source) is read from its own counters first (who
 * sent the pure SYN, who spoke first), then from the verdict.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "util/hash.h"

#define BUCKET 8
#define TOP_SLOTS 8

enum table_id { T_FLOOD = 0, T_BS, T_HSCAN, T_VSCAN, T_REFL, T__COUNT };

/* a: victim / host / scanner; b: scanned host (vscan); port, proto: the service. */
struct dkey {
	uint8_t a[RK_ADDR_LEN];
	uint8_t b[RK_ADDR_LEN];
	uint16_t port;
	uint8_t proto;
	uint8_t is_used; /* 1 in a live entry's key */
	uint8_t pad[4];
};

_Static_assert(sizeof(struct dkey) % 8 == 0, "dkey hashes as words");

/* A space-saving slot: n_sessions counts from when it took the slot, plus err inherited. */
struct slot {
	struct rk_alert_src s;
	uint64_t err;    /* the count of the slot's previous owner: n_sessions - err <= true */
};

struct entry {
	struct dkey k;
	uint64_t n_sessions, pkts, first_ts, last_ts;
	uint32_t n_kind[RK_SK__COUNT];
	uint8_t hll[RK_DETECT_HLL_M];
	struct slot top[TOP_SLOTS];
};

struct table {
	struct entry *e;
	size_t n_buckets;
};

struct rk_detect {
	struct rk_detect_opts o;
	uint64_t seed;
	struct table t[T__COUNT];
	struct rk_detect_stats st;
};

void
rk_detect_opts_default(struct rk_detect_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->max_entries = 4096;
	o->flood_min_sources = 100;
	o->flood_max_ok_share = 0.2;
	o->spoof_min_share = 0.8;
	o->bs_min_servers = 10;
	o->hscan_min_addrs = 50;
	o->vscan_min_ports = 50;
	o->scan_min_fail_share = 0.8;
	o->refl_min_sources = 10;
	o->refl_min_pkts = 100;
}

struct rk_detect *
rk_detect_new(const struct rk_detect_opts *o, uint64_t seed)
{
	struct rk_detect *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	if (o != NULL)
		d->o = *o;
	else
		rk_detect_opts_default(&d->o);
	d->seed = seed;
	for (int i = 0; i < T__COUNT; i++) {
		size_t nb = (d->o.max_entries + BUCKET - 1) / BUCKET;
		d->t[i].n_buckets = nb > 0 ? nb : 1;
		d->t[i].e = calloc(d->t[i].n_buckets * BUCKET, sizeof(struct entry));
		if (d->t[i].e == NULL) {
			rk_detect_free(d);
			return NULL;
		}
		d->st.mem_bytes += d->t[i].n_buckets * BUCKET * sizeof(struct entry);
	}
	return d;
}

void
rk_detect_free(struct rk_detect *d)
{
	if (d == NULL)
		return;
	for (int i = 0; i < T__COUNT; i++)
		free(d->t[i].e);
	free(d);
}

/* The entry of k: found, or a free slot, or the bucket's lightest entry reset. */
static struct entry *
table_get(struct rk_detect *d, struct table *t, const struct dkey *k)
{
	uint64_t h = rk_hash_words(k, sizeof(*k), d->seed);
	struct entry *b = &t->e[(h % t->n_buckets) * BUCKET], *victim = NULL;

	for (int i = 0; i < BUCKET; i++) {
		if (memcmp(&b[i].k, k, sizeof(*k)) == 0)
			return &b[i];
		if (victim == NULL || !b[i].k.is_used ||
		    (victim->k.is_used && b[i].n_sessions < victim->n_sessions))
			victim = &b[i];
	}
	if (victim->k.is_used)
		d->st.n_evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->k = *k;
	return victim;
}

static void
hll_add(uint8_t *reg, uint64_t h)
{
	uint64_t w = h >> 7;
	uint8_t rho = w ? (uint8_t)(__builtin_ctzll(w) + 1) : 58;
	size_t i = h & (RK_DETECT_HLL_M - 1);

	if (reg[i] < rho)
		reg[i] = rho;
}

static uint64_t
hll_count(const uint8_t *reg)
{
	double m = RK_DETECT_HLL_M, sum = 0, e;
	int zeros = 0;

	for (int i = 0; i < RK_DETECT_HLL_M; i++) {
		sum += ldexp(1.0, -reg[i]);
		zeros += reg[i] == 0;
	}
	e = 0.7213 / (1 + 1.079 / m) * m * m / sum;
	if (e <= 2.5 * m && zeros > 0)
		e = m * log(m / zeros);
	return (uint64_t)(e + 0.5);
}

static uint64_t
item_hash(const struct rk_detect *d, const uint8_t ip[RK_ADDR_LEN], uint16_t port)
{
	uint64_t w[3] = {0, 0, port};

	if (ip != NULL)
		memcpy(w, ip, RK_ADDR_LEN);
	return rk_hash_words(w, sizeof(w), d->seed ^ 0x5bd1e995u);
}

/*
 * Space-saving over TOP_SLOTS: a newcomer takes the lightest slot and its
 * count (kept as err), so a heavy (ip, port) is never pushed out by light
 * ones.  Exact while at most TOP_SLOTS distinct ones came.
 */
static void
top_add(struct slot *top, const uint8_t ip[RK_ADDR_LEN], uint16_t port)
{
	struct slot *min = &top[0];

	for (int i = 0; i < TOP_SLOTS; i++) {
		if (top[i].s.n_sessions > 0 && top[i].s.port == port &&
		    memcmp(top[i].s.ip, ip, RK_ADDR_LEN) == 0) {
			top[i].s.n_sessions++;
			return;
		}
		if (top[i].s.n_sessions < min->s.n_sessions)
			min = &top[i];
	}
	memcpy(min->s.ip, ip, RK_ADDR_LEN);
	min->s.port = port;
	min->err = min->s.n_sessions;
	min->s.n_sessions++;
}

static void
count(struct entry *e, const struct rk_session *s, enum rk_sess_kind kind)
{
	if (e->n_sessions == 0 || s->first_ts < e->first_ts)
		e->first_ts = s->first_ts;
	if (s->last_ts > e->last_ts)
		e->last_ts = s->last_ts;
	e->n_sessions++;
	e->pkts += (uint64_t)s->d[0].pkts + s->d[1].pkts;
	e->n_kind[kind]++;
}

static const uint8_t *
side_ip(const struct rk_session *s, int side)
{
	return side ? s->key.b : s->key.a;
}

static uint16_t
side_port(const struct rk_session *s, int side)
{
	return side ? s->key.pb : s->key.pa;
}

/* The side that asked (sent the pure SYN, or spoke first): 0 A, 1 B. */
static int
client_side(const struct rk_session *s, const struct rk_verdict *v)
{
	const struct rk_sess_dir *a = &s->d[RK_DIR_AB], *b = &s->d[RK_DIR_BA];

	if (a->syns > 0 && b->syns == 0)
		return 0;
	if (b->syns > 0 && a->syns == 0)
		return 1;
	if ((a->marks ^ b->marks) & RK_SD_OPENED)
		return (b->marks & RK_SD_OPENED) ? 1 : 0;
	return !v->server_is_b;
}

static int
is_failed(enum rk_sess_kind k)
{
	return k == RK_SK_REFUSED || k == RK_SK_UNANSWERED || k == RK_SK_HALFOPEN;
}

static void
feed_flood(struct rk_detect *d, const struct rk_session *s, enum rk_sess_kind k, int c)
{
	struct dkey key = {0};
	struct entry *e;

	memcpy(key.a, side_ip(s, !c), RK_ADDR_LEN);
	key.port = side_port(s, !c);
	key.proto = s->key.proto;
	key.is_used = 1;
	e = table_get(d, &d->t[T_FLOOD], &key);
	count(e, s, k);
	if (k == RK_SK_HALFOPEN || k == RK_SK_UNANSWERED) {
		hll_add(e->hll, item_hash(d, side_ip(s, c), 0));
		top_add(e->top, side_ip(s, c), 0);
	}
}

static void
feed_scans(struct rk_detect *d, const struct rk_session *s, enum rk_sess_kind k, int c)
{
	struct dkey key = {0};
	struct entry *e;

	memcpy(key.a, side_ip(s, c), RK_ADDR_LEN);
	key.port = side_port(s, !c);
	key.proto = s->key.proto;
	key.is_used = 1;
	e = table_get(d, &d->t[T_HSCAN], &key);
	count(e, s, k);
	hll_add(e->hll, item_hash(d, side_ip(s, !c), 0));
	key.port = 0;
	key.proto = s->key.proto;
	memcpy(key.b, side_ip(s, !c), RK_ADDR_LEN);
	e = table_get(d, &d->t[T_VSCAN], &key);
	count(e, s, k);
	hll_add(e->hll, item_hash(d, NULL, side_port(s, !c)));
}

/* Backscatter: the side that sent the SYN+ACKs is the server, the other the host hit. */
static void
feed_backscatter(struct rk_detect *d, const struct rk_session *s)
{
	int srv = s->d[RK_DIR_BA].synacks > 0 && s->d[RK_DIR_AB].synacks == 0;
	struct dkey key = {0};
	struct entry *e;

	memcpy(key.a, side_ip(s, !srv), RK_ADDR_LEN);
	key.is_used = 1;
	e = table_get(d, &d->t[T_BS], &key);
	count(e, s, RK_SK_BACKSCATTER);
	hll_add(e->hll, item_hash(d, side_ip(s, srv), 0));
	top_add(e->top, side_ip(s, srv), side_port(s, srv));
}

/* Reflection: the side that sent is the reflector, the other the victim. */
static void
feed_reflection(struct rk_detect *d, const struct rk_session *s, const struct rk_verdict *v)
{
	int refl = v->server_is_b;
	struct dkey key = {0};
	struct entry *e;

	if ((s->d[RK_DIR_AB].pkts == 0) != (s->d[RK_DIR_BA].pkts == 0))
		refl = s->d[RK_DIR_BA].pkts > 0;
	memcpy(key.a, side_ip(s, !refl), RK_ADDR_LEN);
	key.port = side_port(s, refl);
	key.proto = s->key.proto;
	key.is_used = 1;
	e = table_get(d, &d->t[T_REFL], &key);
	count(e, s, RK_SK_REFLECTION);
	hll_add(e->hll, item_hash(d, side_ip(s, refl), 0));
	top_add(e->top, side_ip(s, refl), side_port(s, refl));
}

void
rk_detect_verdict(void *user, const struct rk_session *s, const struct rk_verdict *v)
{
	struct rk_detect *d = user;
	enum rk_sess_kind k = v->kind;
	int has_ports = s->key.proto == RK_PROTO_TCP || s->key.proto == RK_PROTO_UDP ||
	    s->key.proto == RK_PROTO_SCTP;
	int c;

	d->st.n_verdicts++;
	if (k == RK_SK_BACKSCATTER) {
		feed_backscatter(d, s);
		return;
	}
	if (k == RK_SK_REFLECTION) {
		feed_reflection(d, s, v);
		return;
	}
	if (!has_ports || (k != RK_SK_ESTABLISHED && !is_failed(k)))
		return;
	c = client_side(s, v);
	if (s->key.proto == RK_PROTO_TCP)
		feed_flood(d, s, k, c);
	feed_scans(d, s, k, c);
}

void
rk_detect_get_stats(const struct rk_detect *d, struct rk_detect_stats *st)
{
	*st = d->st;
}

const char *
rk_alert_kind_name(enum rk_alert_kind k)
{
	static const char *const names[RK_ALERT__COUNT] = {
		"syn_flood", "backscatter", "horizontal_scan", "vertical_scan", "reflection",
	};

	return (unsigned)k < RK_ALERT__COUNT ? names[k] : "?";
}

/* ---- reading the tables into alerts (not on the verdict path) ---- */

static int
cmp_src(const void *x, const void *y)
{
	const struct rk_alert_src *a = x, *b = y;

	if (a->n_sessions != b->n_sessions)
		return a->n_sessions < b->n_sessions ? 1 : -1;
	return memcmp(a->ip, b->ip, RK_ADDR_LEN);
}

/*
 * The common fields, and the top sources heaviest first, each with the
 * sessions it surely had (space-saving's lower bound).  Which sources make
 * the list can depend on the order of verdicts once more than TOP_SLOTS
 * competed (threads); every other field cannot.
 */
static void
alert_base(struct rk_alert *al, const struct entry *e, enum rk_alert_kind kind, int with_top)
{
	struct rk_alert_src top[TOP_SLOTS];
	size_t n = 0;

	memset(al, 0, sizeof(*al));
	al->kind = kind;
	al->first_ts = e->first_ts;
	al->last_ts = e->last_ts;
	al->pkts = e->pkts;
	al->n_sessions = e->n_sessions;
	al->n_failed = (uint64_t)e->n_kind[RK_SK_REFUSED] + e->n_kind[RK_SK_UNANSWERED] +
	    e->n_kind[RK_SK_HALFOPEN] + e->n_kind[RK_SK_BACKSCATTER] + e->n_kind[RK_SK_REFLECTION];
	al->n_distinct = hll_count(e->hll);
	for (int i = 0; with_top && i < TOP_SLOTS; i++) {
		if (e->top[i].s.n_sessions <= e->top[i].err)
			continue; /* nothing it is sure of */
		top[n] = e->top[i].s;
		top[n++].n_sessions -= e->top[i].err;
	}
	qsort(top, n, sizeof(top[0]), cmp_src);
	al->n_top = n < RK_DETECT_TOP ? n : RK_DETECT_TOP;
	memcpy(al->top, top, al->n_top * sizeof(top[0]));
}

static int
judge_flood(const struct rk_detect *d, const struct entry *e, struct rk_alert *al)
{
	uint64_t failed = (uint64_t)e->n_kind[RK_SK_HALFOPEN] + e->n_kind[RK_SK_UNANSWERED];
	uint64_t ok = e->n_kind[RK_SK_ESTABLISHED];
	uint64_t distinct = hll_count(e->hll);
	int spoofed;

	if (distinct < d->o.flood_min_sources || (double)ok > d->o.flood_max_ok_share *
	    (double)e->n_sessions)
		return 0;
	spoofed = (double)distinct >= d->o.spoof_min_share * (double)failed;
	alert_base(al, e, RK_ALERT_SYN_FLOOD, !spoofed);
	memcpy(al->ip, e->k.a, RK_ADDR_LEN);
	al->has_ip = 1;
	al->proto = e->k.proto;
	al->port = e->k.port;
	al->distinct_of = "sources";
	al->is_spoofed = spoofed;
	snprintf(al->evidence, sizeof(al->evidence), "%llu SYNs left half-open or unanswered "
	    "from ~%llu sources, %llu handshakes completed (%.1f%%)%s",
	    (unsigned long long)failed, (unsigned long long)distinct, (unsigned long long)ok,
	    100.0 * (double)ok / (double)e->n_sessions,
	    spoofed ? "; sources each seen about once: spoofed" : "");
	return 1;
}

static int
judge_bs(const struct rk_detect *d, const struct entry *e, struct rk_alert *al)
{
	uint64_t distinct = hll_count(e->hll);

	if (distinct < d->o.bs_min_servers)
		return 0;
	alert_base(al, e, RK_ALERT_BACKSCATTER, 1);
	memcpy(al->ip, e->k.a, RK_ADDR_LEN);
	al->has_ip = 1;
	al->distinct_of = "servers";
	snprintf(al->evidence, sizeof(al->evidence), "%llu SYN+ACKs never asked for from ~%llu "
	    "servers: this address is the spoofed source of someone else's SYN flood",
	    (unsigned long long)e->n_sessions, (unsigned long long)distinct);
	return 1;
}

static int
judge_scan(const struct rk_detect *d, const struct entry *e, struct rk_alert *al, int is_h)
{
	uint64_t distinct = hll_count(e->hll);
	uint32_t min = is_h ? d->o.hscan_min_addrs : d->o.vscan_min_ports;
	uint64_t failed = (uint64_t)e->n_kind[RK_SK_REFUSED] + e->n_kind[RK_SK_UNANSWERED] +
	    e->n_kind[RK_SK_HALFOPEN];

	if (distinct < min || (double)failed < d->o.scan_min_fail_share * (double)e->n_sessions)
		return 0;
	alert_base(al, e, is_h ? RK_ALERT_HSCAN : RK_ALERT_VSCAN, 0);
	memcpy(al->source, e->k.a, RK_ADDR_LEN);
	al->has_source = 1;
	al->proto = e->k.proto;
	al->port = e->k.port;
	if (!is_h) {
		memcpy(al->ip, e->k.b, RK_ADDR_LEN);
		al->has_ip = 1;
		al->port = 0;
	}
	al->distinct_of = is_h ? "addresses" : "ports";
	snprintf(al->evidence, sizeof(al->evidence), "one source tried ~%llu %s in %llu "
	    "sessions: %llu refused, %llu unanswered, %llu half-open; %.1f%% answered",
	    (unsigned long long)distinct, al->distinct_of, (unsigned long long)e->n_sessions,
	    (unsigned long long)e->n_kind[RK_SK_REFUSED],
	    (unsigned long long)e->n_kind[RK_SK_UNANSWERED],
	    (unsigned long long)e->n_kind[RK_SK_HALFOPEN],
	    100.0 * (double)e->n_kind[RK_SK_ESTABLISHED] / (double)e->n_sessions);
	return 1;
}

static int
judge_refl(const struct rk_detect *d, const struct entry *e, struct rk_alert *al)
{
	uint64_t distinct = hll_count(e->hll);

	if (distinct < d->o.refl_min_sources || e->pkts < d->o.refl_min_pkts)
		return 0;
	alert_base(al, e, RK_ALERT_REFLECTION, 1);
	memcpy(al->ip, e->k.a, RK_ADDR_LEN);
	al->has_ip = 1;
	al->proto = e->k.proto;
	al->port = e->k.port;
	al->distinct_of = "reflectors";
	snprintf(al->evidence, sizeof(al->evidence), "%llu packets of unasked answers from port "
	    "%u of ~%llu reflectors in %llu sessions", (unsigned long long)e->pkts, e->k.port,
	    (unsigned long long)distinct, (unsigned long long)e->n_sessions);
	return 1;
}

static int
judge(const struct rk_detect *d, int t, const struct entry *e, struct rk_alert *al)
{
	switch (t) {
	case T_FLOOD: return judge_flood(d, e, al);
	case T_BS: return judge_bs(d, e, al);
	case T_HSCAN: return judge_scan(d, e, al, 1);
	case T_VSCAN: return judge_scan(d, e, al, 0);
	default: return judge_refl(d, e, al);
	}
}

static int
cmp_alert(const void *x, const void *y)
{
	const struct rk_alert *a = x, *b = y;
	int c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if ((c = memcmp(a->ip, b->ip, RK_ADDR_LEN)) != 0 ||
	    (c = memcmp(a->source, b->source, RK_ADDR_LEN)) != 0)
		return c;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	return (a->port > b->port) - (a->port < b->port);
}

size_t
rk_detect_alerts(const struct rk_detect *d, struct rk_alert *out, size_t max)
{
	struct rk_alert al;
	size_t n = 0;

	for (int t = 0; t < T__COUNT; t++) {
		for (size_t i = 0; i < d->t[t].n_buckets * BUCKET; i++) {
			const struct entry *e = &d->t[t].e[i];
			if (!e->k.is_used || !judge(d, t, e, &al))
				continue;
			if (n < max)
				out[n] = al;
			n++;
		}
	}
	if (out != NULL)
		qsort(out, n < max ? n : max, sizeof(*out), cmp_alert);
	return n;
}
