/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session/table.c - the fixed-capacity session table.
 *
 * Design: a set-associative hash table with two-choice buckets.  A key's
 * 64-bit keyed hash picks two buckets of RK_SESS_WAYS slots each; the key
 * lives in one of them.  A parallel array of 32-bit tags (0 = empty) lets
 * a lookup compare one cache line of tags before touching any 128-byte
 * entry.  Insertion goes to the emptier of the two buckets, which keeps
 * overflow negligible up to the 92% load the table is sized for.
 *
 *   tags:    [b0: t t t t t t t t][b1: ...]...      4 bytes per slot
 *   entries: [b0: s s s s s s s s][b1: ...]...    112 bytes per slot
 *
 * Ended connections (rk_sess_set_linger): a connection that has ended
 * (FIN both ways, or a RST) lives on for linger_us of packet time for its
 * last ACKs and retransmissions; a packet after that starts a new entry,
 * as a pure SYN always did (is_reuse).  With reap, when a connection ends
 * its slot goes on a ring; each batch first folds the ones at the ring's
 * tail that have been quiet for linger_us, so a capture read from a file
 * hands finished connections to the classifier while it is read, not all
 * at the end, and they free their slots.  (The pipeline reaps when the
 * classifier runs on another thread than the table: on the same thread,
 * folding them all at the end measured 5% faster.)  Folding one early
 * gives the same result as folding it at the end: any later packet of it
 * would have started a new entry anyway.  The ring is a hint: an entry whose slot has
 * changed hands is skipped, and when the ring is full a connection simply
 * waits for the end (or for a late packet).
 *
 * Invariants:
 * - n_live <= max_live after every rk_sess_update() returns.
 * - A slot is in use iff its tag is non-zero.
 * - Nothing is allocated after rk_sess_table_new(); lookups probe at most
 *   2 * RK_SESS_WAYS slots.
 * - Every entry that leaves the table goes through the fold callback
 *   exactly once.
 * Memory: allocated once, faulted in as used.  (Transparent huge pages
 * for the slots were measured: faster when renkei runs back to back, but
 * up to 2.5 times slower on this VM when other programs freed memory just
 * before - the bench's pattern - so they are not asked for.)
 */
#include <stdlib.h>
#include <string.h>

#include "session/session.h"
#include "util/bytes.h"
#include "util/hash.h"

#define RK_SESS_WAYS 8
#define RK_SESS_ENDED 65536 /* ended connections remembered for reaping (power of 2) */

/* A connection that has ended (FIN both ways, or RST), to fold once it is quiet. */
struct ended {
	uint32_t slot;     /* where it is */
	uint32_t pad;
	uint64_t first_ts; /* tells it from a later entry in the same slot */
};
#define RK_SESS_LOAD_PCT 92

struct rk_sess_table {
	uint32_t *tags;              /* n_buckets * WAYS tags, 0 = empty slot */
	struct rk_session *slots;    /* n_buckets * WAYS entries */
	uint32_t n_buckets;          /* buckets in the table (>= 2) */
	uint64_t seed;               /* hash key, random per table */
	rk_sess_fold_cb fold;        /* where leaving entries go */
	void *fold_user;             /* argument of fold */
	size_t hand;                 /* next slot the idle scan looks at */
	uint64_t linger_us;          /* an ended connection lives on this long (0: for ever) */
	int reap;                    /* fold ended connections as soon as they are quiet */
	uint64_t now;                /* µs, latest record time seen */
	struct ended *ended;         /* RK_SESS_ENDED ring: connections that ended, in order */
	uint32_t ended_head, ended_tail; /* ring positions (head - tail entries) */
	struct rk_sess_stats st;     /* counters */
};

/* Compare two 16-byte addresses in memcmp order without a call: <0, 0, >0. */
static inline int
addr_cmp(const uint8_t *x, const uint8_t *y)
{
	uint64_t x0, x1, y0, y1;

	memcpy(&x0, x, 8);
	memcpy(&y0, y, 8);
	if (x0 != y0)
		return __builtin_bswap64(x0) < __builtin_bswap64(y0) ? -1 : 1;
	memcpy(&x1, x + 8, 8);
	memcpy(&y1, y + 8, 8);
	if (x1 != y1)
		return __builtin_bswap64(x1) < __builtin_bswap64(y1) ? -1 : 1;
	return 0;
}

/* Key equality over the five 64-bit words of the key. */
static inline int
key_eq(const struct rk_sess_key *x, const struct rk_sess_key *y)
{
	uint64_t a[5], b[5];

	memcpy(a, x, sizeof(a));
	memcpy(b, y, sizeof(b));
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) |
	    (a[4] ^ b[4])) == 0;
}

_Static_assert(sizeof(struct rk_sess_key) == 40, "key is five 64-bit words");

/*
 * Normalise the record's conversation into k (smaller (address, port) is A).
 * Returns RK_DIR_AB if the record travels A->B, RK_DIR_BA otherwise.
 * O(1), no allocation.
 */
/* The normal order: is (x, px) the A side of a conversation with (y, py)? */
static inline int
is_side_a(const uint8_t *x, uint16_t px, const uint8_t *y, uint16_t py)
{
	int c = addr_cmp(x, y);

	return c < 0 || (c == 0 && px <= py);
}

int
rk_sess_key_from_rec(struct rk_sess_key *k, const struct rk_rec *r)
{
	int fwd = is_side_a(r->src, r->sport, r->dst, r->dport);

	if (fwd) {
		memcpy(k->a, r->src, RK_ADDR_LEN);
		memcpy(k->b, r->dst, RK_ADDR_LEN);
		k->pa = r->sport;
		k->pb = r->dport;
	} else {
		memcpy(k->a, r->dst, RK_ADDR_LEN);
		memcpy(k->b, r->src, RK_ADDR_LEN);
		k->pa = r->dport;
		k->pb = r->sport;
	}
	k->proto = r->proto;
	memset(k->pad, 0, sizeof(k->pad));
	return fwd ? RK_DIR_AB : RK_DIR_BA;
}

/*
 * Put a conversation that came from outside the table (a flow collector)
 * into the table's normal form: if its B side is the lower endpoint, swap
 * the sides - key, bytes and per-direction counters - so the same
 * conversation has the same key and direction indexes as one the table
 * built from packets.  The pad bytes are zeroed.  Returns 1 if it swapped.
 * O(1), no allocation.
 */
int
rk_sess_normalise(struct rk_session *s)
{
	struct rk_sess_key *k = &s->key;
	uint8_t ip[RK_ADDR_LEN];
	uint16_t port;
	uint64_t b;
	struct rk_sess_dir d;

	memset(k->pad, 0, sizeof(k->pad));
	if (is_side_a(k->a, k->pa, k->b, k->pb))
		return 0;
	memcpy(ip, k->a, RK_ADDR_LEN);
	memcpy(k->a, k->b, RK_ADDR_LEN);
	memcpy(k->b, ip, RK_ADDR_LEN);
	port = k->pa;
	k->pa = k->pb;
	k->pb = port;
	b = s->bytes[0];
	s->bytes[0] = s->bytes[1];
	s->bytes[1] = b;
	d = s->d[0];
	s->d[0] = s->d[1];
	s->d[1] = d;
	return 1;
}

/*
 * Merge into dst the other half of the same conversation (same key, both
 * normalised): two one-way sensors each saw one direction.  A direction
 * is taken whole from the half that saw more of it (dst on a tie), never
 * summed, so a direction both sensors saw is not counted twice; the span
 * is the union; of two "opened" marks only the earlier half's stays.
 * O(1), no allocation.
 */
void
rk_sess_merge_halves(struct rk_session *dst, const struct rk_session *half)
{
	int half_first = half->first_ts < dst->first_ts;

	for (int i = 0; i < 2; i++) {
		if (half->d[i].pkts > dst->d[i].pkts) {
			dst->d[i] = half->d[i];
			dst->bytes[i] = half->bytes[i];
		}
	}
	if ((dst->d[0].marks & dst->d[1].marks & RK_SD_OPENED) != 0) {
		int later = -1;
		for (int i = 0; i < 2; i++)
			if ((half->d[i].marks & RK_SD_OPENED) != 0)
				later = half_first ? 1 - i : i;
		if (later >= 0)
			dst->d[later].marks &= (uint8_t)~RK_SD_OPENED;
	}
	if (half->first_ts != 0 && (dst->first_ts == 0 || half_first))
		dst->first_ts = half->first_ts;
	if (half->last_ts > dst->last_ts)
		dst->last_ts = half->last_ts;
}

/*
 * A hash of the record's conversation that is the same for both
 * directions, for sharding records over trackers.  Addition and xor of the
 * two endpoints commute, so no normalisation is needed.  O(1).
 */
uint64_t
rk_sess_rec_hash(const struct rk_rec *r, uint64_t seed)
{
	uint64_t s0, s1, d0, d1;

	memcpy(&s0, r->src, 8);
	memcpy(&s1, r->src + 8, 8);
	memcpy(&d0, r->dst, 8);
	memcpy(&d1, r->dst + 8, 8);
	return rk_hash_mix((s0 + d0) ^ rk_hash_mix((s1 + d1) ^ seed) ^
	    ((uint64_t)(r->sport + r->dport) << 8) ^ ((uint64_t)(r->sport ^ r->dport) << 32) ^
	    r->proto);
}

/*
 * Create a table for at most max_sessions live entries (at least 16).
 * seed keys the hash; fold receives every entry that leaves.  Returns NULL
 * if memory is short.  Allocates once: 116 bytes / 0.92 per session.
 */
struct rk_sess_table *
rk_sess_table_new(size_t max_sessions, uint64_t seed, rk_sess_fold_cb fold, void *user)
{
	struct rk_sess_table *t;
	uint64_t nb;

	if (max_sessions < 16)
		max_sessions = 16;
	if (max_sessions > (1ULL << 31))
		max_sessions = 1ULL << 31;
	nb = ((uint64_t)max_sessions * 100 / RK_SESS_LOAD_PCT + RK_SESS_WAYS - 1) / RK_SESS_WAYS;
	if (nb < 2)
		nb = 2;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->n_buckets = (uint32_t)nb;
	t->tags = calloc(nb * RK_SESS_WAYS, sizeof(uint32_t));
	t->ended = malloc(RK_SESS_ENDED * sizeof(*t->ended));
	t->slots = aligned_alloc(64, nb * RK_SESS_WAYS * sizeof(struct rk_session));
	if (t->tags == NULL || t->slots == NULL || t->ended == NULL) {
		rk_sess_table_free(t);
		return NULL;
	}
	t->seed = seed;
	t->fold = fold;
	t->fold_user = user;
	t->st.max_live = max_sessions;
	t->st.mem_bytes = sizeof(*t) + nb * RK_SESS_WAYS * (sizeof(uint32_t) +
	    sizeof(struct rk_session));
	return t;
}

/* Free the table without folding what it holds (drain first to keep it).  NULL is a no-op. */
void
rk_sess_table_free(struct rk_sess_table *t)
{
	if (t == NULL)
		return;
	free(t->tags);
	free(t->slots);
	free(t->ended);
	free(t);
}

static void
release(struct rk_sess_table *t, size_t slot, enum rk_fold_why why)
{
	if (t->fold != NULL)
		t->fold(t->fold_user, &t->slots[slot], why);
	t->tags[slot] = 0;
	t->st.n_live--;
}

static inline uint16_t
sat16(uint16_t v)
{
	return v == UINT16_MAX ? v : (uint16_t)(v + 1);
}

static inline uint8_t
sat8(uint8_t v)
{
	return v == UINT8_MAX ? v : (uint8_t)(v + 1);
}

/*
 * A payload packet of side dir at ts (session.h, RK_TURN_*): when the
 * other side had spoken last, a turn, and a quick one if its pause was
 * shorter than the other side's before its own latest turn.  A few
 * instructions, no branch on data the next packet needs.
 */
static inline void
take_turn(struct rk_session *s, int dir, uint64_t ts)
{
	struct rk_sess_dir *d = &s->d[dir], *o = &s->d[!dir];
	uint64_t gap = ts > s->last_ts ? ts - s->last_ts : 0;
	uint8_t g;

	if (d->turn & RK_TURN_LAST)
		return;
	if (o->turn & RK_TURN_LAST) {
		g = (uint8_t)(64 - __builtin_clzll(gap + 1));
		if ((o->turn & RK_TURN_GAP) != 0 && g < (o->turn & RK_TURN_GAP))
			d->quick = sat8(d->quick);
		o->turn &= RK_TURN_GAP;
		d->turn = g;
	}
	d->turn |= RK_TURN_LAST;
}

static inline void
count(struct rk_session *s, int dir, const struct rk_rec *r)
{
	struct rk_sess_dir *d = &s->d[dir];
	uint8_t f = r->flags;

	d->pkts++;
	s->bytes[dir] += r->len;
	if ((f & RK_REC_PAYLOAD) || r->proto != RK_PROTO_TCP)
		take_turn(s, dir, r->ts);
	s->last_ts = r->ts > s->last_ts ? r->ts : s->last_ts;
	if (f & RK_REC_PAYLOAD)
		d->data++;
	if (f & RK_REC_UNREACH)
		d->rsts = sat16(d->rsts);
	if (rk_unlikely(f & (RK_REC_SAYS_CLIENT | RK_REC_SAYS_SERVER)))
		d->marks |= (f & RK_REC_SAYS_CLIENT ? RK_SD_SAID_CLIENT : 0) |
		    (f & RK_REC_SAYS_SERVER ? RK_SD_SAID_SERVER : 0);
	if (r->proto != RK_PROTO_TCP || (f & (RK_TCP_SYN | RK_TCP_ACK | RK_TCP_FIN | RK_TCP_RST)) == 0)
		return;
	if (f & RK_TCP_ACK)
		d->acks++;
	if ((f & (RK_TCP_SYN | RK_TCP_ACK)) == RK_TCP_SYN)
		d->syns = sat8(d->syns);
	else if (f & RK_TCP_SYN)
		d->synacks = sat8(d->synacks);
	if (f & RK_TCP_FIN)
		d->fins = sat8(d->fins);
	if (f & RK_TCP_RST)
		d->rsts = sat16(d->rsts);
}

static int has_ended(const struct rk_session *s);

/*
 * On an entry whose connection has ended, a pure SYN starts a new
 * connection (RK_FOLD_REUSE), and so does any packet after linger_us of
 * quiet (RK_FOLD_IDLE, as the flush-time pass would have folded it).
 * Returns the fold reason, or -1 if r belongs to s.
 */
static inline int
is_reuse(const struct rk_sess_table *t, const struct rk_session *s, const struct rk_rec *r)
{
	int syn = r->proto == RK_PROTO_TCP && (r->flags & (RK_TCP_SYN | RK_TCP_ACK)) == RK_TCP_SYN;
	int late = t->linger_us != 0 && r->ts > s->last_ts + t->linger_us;

	if (rk_likely(!syn && !late) || !has_ended(s))
		return -1;
	return syn ? RK_FOLD_REUSE : RK_FOLD_IDLE;
}

/* Remember that the connection in slot has just ended (if the ring has room). */
static void
note_ended(struct rk_sess_table *t, size_t slot)
{
	struct ended *e;

	if (t->ended_head - t->ended_tail == RK_SESS_ENDED)
		return;
	e = &t->ended[t->ended_head++ & (RK_SESS_ENDED - 1)];
	e->slot = (uint32_t)slot;
	e->first_ts = t->slots[slot].first_ts;
}

/* The slot to evict among the used slots of two buckets: least recently seen. */
static size_t
pick_victim(const struct rk_sess_table *t, size_t b1, size_t b2)
{
	size_t best = SIZE_MAX;
	uint64_t best_ts = UINT64_MAX;
	size_t cand[2] = {b1, b2};

	for (int c = 0; c < 2; c++) {
		size_t base = cand[c] * RK_SESS_WAYS;
		for (size_t i = 0; i < RK_SESS_WAYS; i++) {
			if (t->tags[base + i] != 0 && t->slots[base + i].last_ts < best_ts) {
				best_ts = t->slots[base + i].last_ts;
				best = base + i;
			}
		}
	}
	return best;
}

/* Any used slot, from the clock hand on: the victim when the candidates are empty. */
static size_t
pick_any(struct rk_sess_table *t)
{
	size_t n = (size_t)t->n_buckets * RK_SESS_WAYS;

	for (size_t i = 0; i < n; i++) {
		size_t s = (t->hand + i) % n;
		if (t->tags[s] != 0) {
			t->hand = (s + 1) % n;
			return s;
		}
	}
	return SIZE_MAX;
}

static size_t
free_slot(const struct rk_sess_table *t, size_t b)
{
	size_t base = b * RK_SESS_WAYS;

	for (size_t i = 0; i < RK_SESS_WAYS; i++)
		if (t->tags[base + i] == 0)
			return base + i;
	return SIZE_MAX;
}

static size_t
bucket_fill(const struct rk_sess_table *t, size_t b)
{
	size_t n = 0, base = b * RK_SESS_WAYS;

	for (size_t i = 0; i < RK_SESS_WAYS; i++)
		n += t->tags[base + i] != 0;
	return n;
}

/* Find room for a new key hashing to buckets b1/b2, evicting if needed. */
static size_t
make_room(struct rk_sess_table *t, size_t b1, size_t b2)
{
	size_t slot;

	if (t->st.n_live >= t->st.max_live) {
		slot = pick_victim(t, b1, b2);
		if (slot == SIZE_MAX)
			slot = pick_any(t);
		release(t, slot, RK_FOLD_EVICT);
		t->st.n_evicted++;
	}
	slot = bucket_fill(t, b2) < bucket_fill(t, b1) ? free_slot(t, b2) : free_slot(t, b1);
	if (slot == SIZE_MAX)
		slot = free_slot(t, b1 == b2 ? b1 : b2);
	if (slot == SIZE_MAX) {
		slot = pick_victim(t, b1, b2);
		release(t, slot, RK_FOLD_EVICT);
		t->st.n_evicted++;
	}
	return slot;
}

/* Where a record goes: its normalised key, direction and hash. */
struct locus {
	struct rk_sess_key k; /* normalised key */
	uint64_t h;           /* keyed hash of k */
	int dir;              /* RK_DIR_* of the record */
};

static inline void
locate(const struct rk_sess_table *t, const struct rk_rec *r, struct locus *l)
{
	l->dir = rk_sess_key_from_rec(&l->k, r);
	l->h = rk_hash_words(&l->k, sizeof(l->k), t->seed);
}

/* The slot in bucket b whose tag and key match, or SIZE_MAX. */
static inline size_t
find_in(const struct rk_sess_table *t, size_t b, uint32_t tag, const struct rk_sess_key *k)
{
	size_t base = b * RK_SESS_WAYS;

	for (size_t i = 0; i < RK_SESS_WAYS; i++)
		if (t->tags[base + i] == tag && key_eq(&t->slots[base + i].key, k))
			return base + i;
	return SIZE_MAX;
}

/* Count r in the entry in slot; if that ends its connection, remember it. */
static inline void
count_and_note(struct rk_sess_table *t, size_t slot, int dir, const struct rk_rec *r)
{
	struct rk_session *s = &t->slots[slot];
	int was_ended;

	if (!t->reap) {
		count(s, dir, r);
		return;
	}
	was_ended = has_ended(s);
	count(s, dir, r);
	if (rk_unlikely(!was_ended) && has_ended(s))
		note_ended(t, slot);
}

/* Count r in the entry of its conversation (located in l), creating it if needed. */
static inline void
apply(struct rk_sess_table *t, const struct rk_rec *r, const struct locus *l)
{
	uint32_t tag = (uint32_t)(l->h ^ (l->h >> 32)) | 1;
	size_t b1 = rk_hash_range((uint32_t)l->h, t->n_buckets);
	size_t b2 = rk_hash_range((uint32_t)(l->h >> 32), t->n_buckets);
	size_t slot = find_in(t, b1, tag, &l->k);
	struct rk_session *s;

	t->st.n_packets++;
	if (slot == SIZE_MAX)
		slot = find_in(t, b2, tag, &l->k);
	if (slot != SIZE_MAX) {
		int why;
		s = &t->slots[slot];
		why = is_reuse(t, s, r);
		if (rk_likely(why < 0)) {
			count_and_note(t, slot, l->dir, r);
			return;
		}
		release(t, slot, (enum rk_fold_why)why);
		if (why == RK_FOLD_REUSE)
			t->st.n_reused++;
		else
			t->st.n_expired++;
	}
	slot = make_room(t, b1, b2);
	s = &t->slots[slot];
	memset(s, 0, sizeof(*s));
	s->key = l->k;
	s->first_ts = r->ts;
	s->last_ts = r->ts;
	s->d[l->dir].marks = RK_SD_OPENED;
	t->tags[slot] = tag;
	t->st.n_live++;
	t->st.n_created++;
	count_and_note(t, slot, l->dir, r);
}

/*
 * Count one record in its conversation's entry, creating the entry if
 * needed (which may evict the least recently seen of the candidates).
 * O(1): at most 2 * RK_SESS_WAYS tag compares; no allocation, no lock.
 */
/*
 * Fold the ended connections at the ring's tail that have been quiet for
 * linger_us by packet time now; skip entries whose slot changed hands.
 */
static void
reap(struct rk_sess_table *t, uint64_t now)
{
	while (t->ended_tail != t->ended_head) {
		const struct ended *e = &t->ended[t->ended_tail & (RK_SESS_ENDED - 1)];
		const struct rk_session *s = &t->slots[e->slot];
		if (t->tags[e->slot] != 0 && s->first_ts == e->first_ts && has_ended(s)) {
			if (s->last_ts + t->linger_us >= now)
				return; /* the oldest is not quiet yet */
			release(t, e->slot, RK_FOLD_IDLE);
			t->st.n_expired++;
		}
		t->ended_tail++;
	}
}

/* Move packet time on to ts and reap what has been quiet long enough. */
static inline void
advance(struct rk_sess_table *t, uint64_t ts)
{
	if (ts > t->now)
		t->now = ts;
	if (t->ended_tail != t->ended_head)
		reap(t, t->now);
}

void
rk_sess_set_linger(struct rk_sess_table *t, uint64_t linger_us, int reap)
{
	t->linger_us = linger_us;
	t->reap = linger_us != 0 && reap;
}

void
rk_sess_update(struct rk_sess_table *t, const struct rk_rec *r)
{
	struct locus l;

	advance(t, r->ts);
	locate(t, r, &l);
	apply(t, r, &l);
}

#define PREFETCH_AHEAD 8

/*
 * Count n records, in order.  The keys and hashes are worked out a few
 * records ahead and the tag lines of both candidate buckets prefetched, so
 * that the table's cache misses (a table of a million sessions is far
 * larger than the caches) overlap instead of stalling one by one.  Same
 * result as n calls of rk_sess_update.
 */
void
rk_sess_update_batch(struct rk_sess_table *t, const struct rk_rec *r, size_t n)
{
	struct locus l[PREFETCH_AHEAD];

	if (n > 0)
		advance(t, r[0].ts); /* not later: the batch's own records come after */
	for (size_t i = 0; i < n + PREFETCH_AHEAD; i++) {
		struct locus *x = &l[i % PREFETCH_AHEAD];
		/* The record PREFETCH_AHEAD back used this locus: apply it first. */
		if (i >= PREFETCH_AHEAD)
			apply(t, &r[i - PREFETCH_AHEAD], x);
		if (i < n) {
			size_t b1, b2;
			locate(t, &r[i], x);
			b1 = rk_hash_range((uint32_t)x->h, t->n_buckets);
			b2 = rk_hash_range((uint32_t)(x->h >> 32), t->n_buckets);
			__builtin_prefetch(&t->tags[b1 * RK_SESS_WAYS]);
			__builtin_prefetch(&t->tags[b2 * RK_SESS_WAYS]);
		}
	}
}

/*
 * Fold entries last seen before cutoff_ts, scanning at most max_scan slots
 * from where the previous call stopped (so no packet waits behind a full
 * scan).  Returns the number folded.
 */
size_t
rk_sess_expire(struct rk_sess_table *t, uint64_t cutoff_ts, size_t max_scan)
{
	size_t n = (size_t)t->n_buckets * RK_SESS_WAYS, done = 0;

	if (max_scan > n)
		max_scan = n;
	for (size_t i = 0; i < max_scan; i++) {
		size_t s = t->hand;
		t->hand = (t->hand + 1) % n;
		if (t->tags[s] != 0 && t->slots[s].last_ts < cutoff_ts) {
			release(t, s, RK_FOLD_IDLE);
			t->st.n_expired++;
			done++;
		}
	}
	return done;
}

static int
has_ended(const struct rk_session *s)
{
	return (s->d[0].fins && s->d[1].fins) || s->d[0].rsts || s->d[1].rsts;
}

/*
 * The flush-time pass (see session.h): expire idle and ended entries, and
 * hand out checkpoints of the active ones, so that connections that last
 * for days reach the store every interval.  O(capacity), once per flush.
 */
void
rk_sess_tick(struct rk_sess_table *t, uint64_t idle_cutoff, uint64_t ended_cutoff,
    uint64_t active_since)
{
	size_t n = (size_t)t->n_buckets * RK_SESS_WAYS;

	for (size_t i = 0; i < n && t->st.n_live > 0; i++) {
		const struct rk_session *s = &t->slots[i];
		if (t->tags[i] == 0)
			continue;
		if (s->last_ts < idle_cutoff || (s->last_ts < ended_cutoff && has_ended(s))) {
			release(t, i, RK_FOLD_IDLE);
			t->st.n_expired++;
		} else if (s->last_ts >= active_since && t->fold != NULL) {
			t->fold(t->fold_user, s, RK_FOLD_CHECKPOINT);
		}
	}
}

/* 1 if every slot of bucket b is empty: one look at its 32 bytes of tags. */
static inline int
bucket_is_empty(const struct rk_sess_table *t, size_t b)
{
	uint64_t w[RK_SESS_WAYS / 2];

	memcpy(w, &t->tags[b * RK_SESS_WAYS], sizeof(w));
	return (w[0] | w[1] | w[2] | w[3]) == 0;
}

_Static_assert(RK_SESS_WAYS == 8, "bucket_is_empty reads 8 tags");

/*
 * Fold every live entry with RK_FOLD_DRAIN and leave the table empty.
 * O(capacity), a bucket of tags at a time.
 */
void
rk_sess_drain(struct rk_sess_table *t)
{
	for (size_t b = 0; b < t->n_buckets && t->st.n_live > 0; b++) {
		if (bucket_is_empty(t, b))
			continue;
		for (size_t s = b * RK_SESS_WAYS; s < (b + 1) * RK_SESS_WAYS; s++)
			if (t->tags[s] != 0)
				release(t, s, RK_FOLD_DRAIN);
	}
}

/* Copy the table's counters into st. */
void
rk_sess_get_stats(const struct rk_sess_table *t, struct rk_sess_stats *st)
{
	*st = t->st;
}
