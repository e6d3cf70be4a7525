/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session/session.h - the session table (SPEC §2, the paper's fig. 5).
 *
 * One entry per conversation, keyed by the normalised 5-tuple: the endpoint
 * with the smaller (address, port) is A, the other B, so both directions of
 * a conversation land in one entry.  Per direction it counts packets, bytes
 * and the packets carrying SYN, SYN+ACK, ACK, FIN, RST and payload, plus
 * first/last seen.
 *
 * The table has a fixed capacity chosen at creation and never grows: when
 * it is full (or both candidate buckets are), the least recently seen
 * entry of the candidates is evicted.  An evicted, ended or drained entry
 * is handed to the fold callback (the classifier), so nothing is lost: it
 * only leaves the table.
 */
#ifndef RK_SESSION_SESSION_H
#define RK_SESSION_SESSION_H

#include <stddef.h>
#include <stdint.h>

#include "decode/decode.h"

/* The normalised conversation key: (a, pa) < (b, pb) by memcmp, then port. */
struct rk_sess_key {
	uint8_t a[RK_ADDR_LEN]; /* lower address */
	uint8_t b[RK_ADDR_LEN]; /* higher address */
	uint16_t pa;            /* port of a (host order) */
	uint16_t pb;            /* port of b */
	uint8_t proto;          /* IP protocol */
	uint8_t pad[3];         /* zero, so keys compare and hash as bytes */
};

/*
 * Per-direction counters: index 0 is A->B, index 1 is B->A.  Flag counters
 * saturate; only "none, one, many" matters for them.
 */
struct rk_sess_dir {
	uint32_t pkts;    /* packets sent */
	uint32_t acks;    /* packets with ACK set (including SYN+ACK) */
	uint32_t data;    /* packets carrying transport payload */
	uint16_t rsts;    /* packets with RST, or ICMP unreachable for this flow */
	uint8_t fins;     /* packets with FIN (saturating) */
	uint8_t syns;     /* packets with SYN and without ACK (pure SYN) */
	uint8_t synacks;  /* packets with SYN and ACK */
	uint8_t marks;    /* RK_SD_*: what this side did at least once */
	uint8_t quick;    /* turns it took after a shorter pause than the other side's
	                   * latest turn (saturating): answers, in request/answer */
	uint8_t turn;     /* RK_TURN_LAST, and log2(1 + µs) of the pause before its
	                   * latest turn (RK_TURN_GAP; 0: none yet) */
};

/*
 * A turn: a payload packet (any datagram) from the side that did not send
 * the previous one.  An answer comes right after its question, a question
 * after the asker's own pause, so over a conversation the answering side
 * takes its turns sooner: rk_sess_dir.quick counts that, without a fixed
 * threshold (a LAN and a WAN differ by orders of magnitude).
 */
#define RK_TURN_LAST 0x80 /* this side sent the latest turn */
#define RK_TURN_GAP 0x7f

/* rk_sess_dir.marks */
#define RK_SD_OPENED 0x01      /* this direction carried the first packet seen */
#define RK_SD_SAID_CLIENT 0x02 /* sent a payload only clients send (--peek, decode/peek.h) */
#define RK_SD_SAID_SERVER 0x04 /* sent a payload only servers send */

enum rk_sess_dir_idx { RK_DIR_AB = 0, RK_DIR_BA = 1 };

/*
 * One conversation: 112 bytes, so that with tags at 92% load a tracked
 * session costs under 128 bytes of table.  Hot data (key, last_ts,
 * counters) is all there is: names and evidence live elsewhere.
 */
struct rk_session {
	struct rk_sess_key key;  /* normalised 5-tuple */
	uint64_t first_ts;       /* µs, packet time of the first packet */
	uint64_t last_ts;        /* µs, packet time of the latest packet */
	uint64_t bytes[2];       /* IP bytes sent per direction */
	struct rk_sess_dir d[2]; /* counters per direction */
};

_Static_assert(sizeof(struct rk_session) == 112, "struct rk_session must stay 112 bytes");

/* Why an entry left the table. */
enum rk_fold_why {
	RK_FOLD_DRAIN = 0, /* end of input, or a flush of everything */
	RK_FOLD_EVICT = 1, /* table or bucket full: least recently seen went */
	RK_FOLD_REUSE = 2, /* a new SYN on a 5-tuple whose connection had ended */
	RK_FOLD_IDLE = 3,  /* idle longer than the timeout, or ended (FIN/RST) and quiet */
	RK_FOLD_CHECKPOINT = 4, /* still live: a copy handed out at a flush; it stays */
};

typedef void (*rk_sess_fold_cb)(void *user, const struct rk_session *s, enum rk_fold_why why);

struct rk_sess_table;

/* A conversation from outside (a collector) into the table's normal form; 1 if swapped. */
int rk_sess_normalise(struct rk_session *s);
/* Merge the other half of one conversation (two one-way sensors), never double-counting. */
void rk_sess_merge_halves(struct rk_session *dst, const struct rk_session *half);

struct rk_sess_stats {
	uint64_t n_packets;  /* records applied */
	uint64_t n_created;  /* entries created */
	uint64_t n_evicted;  /* entries evicted for space */
	uint64_t n_reused;   /* entries folded because a new connection reused the 5-tuple */
	uint64_t n_expired;  /* entries folded as idle */
	uint64_t n_live;     /* entries in the table now */
	uint64_t max_live;   /* capacity */
	uint64_t mem_bytes;  /* bytes allocated for the table */
};

struct rk_sess_table *rk_sess_table_new(size_t max_sessions, uint64_t seed, rk_sess_fold_cb fold,
    void *user);
void rk_sess_table_free(struct rk_sess_table *t);
/*
 * An ended connection (FIN both ways, or RST) lives on linger_us of packet
 * time; a packet later than that starts a new entry.  With reap, it is
 * also folded (RK_FOLD_IDLE) as soon as it has been quiet that long, while
 * the table goes on; without, it waits for a flush-time pass or the end
 * (the same result, folded later).  linger_us 0 (the default): ended
 * connections stay until a pure SYN reuses their 5-tuple.
 */
void rk_sess_set_linger(struct rk_sess_table *t, uint64_t linger_us, int reap);
/* Apply one record: find or create its entry and count it.  O(1), no allocation. */
void rk_sess_update(struct rk_sess_table *t, const struct rk_rec *r);
/* Apply n records in order, prefetching ahead (same result as n rk_sess_update). */
void rk_sess_update_batch(struct rk_sess_table *t, const struct rk_rec *r, size_t n);
/* Fold entries idle since before cutoff_ts (µs); at most max_scan slots per call. */
size_t rk_sess_expire(struct rk_sess_table *t, uint64_t cutoff_ts, size_t max_scan);
/*
 * The flush-time pass over the whole table: fold (and remove) entries idle
 * since before idle_cutoff, or ended (FIN both ways, or RST) and quiet
 * since before ended_cutoff; hand a copy of every other entry active since
 * active_since to fold as RK_FOLD_CHECKPOINT.  O(capacity).
 */
void rk_sess_tick(struct rk_sess_table *t, uint64_t idle_cutoff, uint64_t ended_cutoff,
    uint64_t active_since);
/* Fold every entry (why = RK_FOLD_DRAIN) and empty the table. */
void rk_sess_drain(struct rk_sess_table *t);
void rk_sess_get_stats(const struct rk_sess_table *t, struct rk_sess_stats *st);
/* Normalise a record into a key; returns the direction of the record (RK_DIR_*). */
int rk_sess_key_from_rec(struct rk_sess_key *k, const struct rk_rec *r);
/* Symmetric hash of a record's conversation (both directions give the same value). */
uint64_t rk_sess_rec_hash(const struct rk_rec *r, uint64_t seed);

#endif /* RK_SESSION_SESSION_H */
