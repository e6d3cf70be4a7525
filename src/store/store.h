/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/store.h - the long-term store (SPEC §7): what renkei keeps for
 * months, behind one interface with several possible back ends.
 *
 * The interface: open by URL, write a flush, load a range (the listing of
 * services, edges and hosts the reports and the web read), the per-hour
 * traffic of services, the stored evidence and runs, the time range held,
 * rollup/retention, and a change version for caches.  rk_store_open picks
 * the back end by the URL's scheme ("sqlite:PATH"; a bare path is SQLite);
 * an unknown scheme is an error naming the supported ones.  Every other
 * rk_store_* call goes through the back end's table of operations (struct
 * rk_store_ops, store_be.h), so report, web and CLI never know which one.
 * Where a new back end goes: a struct rk_store_ops in store_<name>.c (the
 * SQLite one, store_sqlite.c, is the model), registered by URL scheme in
 * the table of store.c, and added to the back ends of test-store.c, whose
 * suite every back end must pass.  A "diff" of two ranges is two loads
 * compared by report/diff.c: a back end needs no operation for it.
 *
 * What is kept (SQLite: one file, WAL mode, schema versioned by PRAGMA
 * user_version with migrations; docs/STORE.md has the tables).  It grows
 * with relationships and time buckets, never with traffic: a flush adds
 * the classifier's aggregates of one interval into
 *   - edges per hour bucket (client, server, proto, port, hour) with
 *     packets and bytes each way, sessions (and those seen one way only,
 *     whose other direction is unknown), first/last seen; rolled up
 *     into day buckets once older than the retention period;
 *   - services per hour (traffic over time) and per service overall
 *     (decision counters, confidence, first/last seen), and the evidence of
 *     every endpoint that served (so decisions can be explained later);
 *   - hosts (address, name, first/last seen);
 *   - capture runs with their counters and per-interface drops.
 * Each flush is one transaction; a crash loses at most the flush in
 * progress.  Readers (report, web) open the store read-only.
 */
#ifndef RK_STORE_STORE_H
#define RK_STORE_STORE_H

#include <stdint.h>

#include "classify/classify.h"
#include "names/names.h"
#include "pipeline/stats.h"
#include "util/err.h"

#define RK_STORE_RDONLY 0x1 /* open read-only (report, web); fails if absent */

/* The schema version this code writes (PRAGMA user_version). */
#define RK_STORE_SCHEMA 4
/* Default retention of hour buckets before they are rolled up into days. */
#define RK_STORE_RETENTION_US (30ull * 86400 * 1000000)

struct rk_store;

/* A capture run as recorded in the store. */
struct rk_store_run {
	int64_t id;            /* assigned by rk_store_run_begin */
	const char *mode;      /* "file" or "live" */
	const char *source;    /* file names or interfaces, comma separated */
	const char *version;   /* renkei version that ran it */
	uint64_t started_us;   /* wall clock when the run began */
};

/* Per-interface drop counters of a live run. */
struct rk_store_iface {
	const char *name;      /* interface */
	uint64_t packets;      /* packets received */
	uint64_t kernel_drops; /* pcap_stats ps_drop */
	uint64_t if_drops;     /* pcap_stats ps_ifdrop */
};

/* A capture run as read back from the store (report --stats). */
struct rk_store_run_info {
	int64_t id;            /* runs.id */
	char *mode;            /* "file" or "live", owned (rk_store_runs_free) */
	char *source;          /* file names or interfaces, comma separated, owned */
	char *version;         /* renkei version that ran it, owned */
	uint64_t first_ts;     /* µs, first packet (packet time) */
	uint64_t last_ts;      /* µs, last packet */
	uint64_t n_packets;    /* frames read */
	uint64_t n_bytes;      /* wire bytes read */
	uint64_t n_flushes;    /* flushes stored */
};

/* One run's stored evidence of one endpoint (report --explain). */
struct rk_store_evidence {
	int64_t run_id;        /* runs.id */
	struct rk_endpoint e;  /* cumulative over the run as of its last flush */
};

/*
 * The traffic of one service in one hour, as rk_store_service_hours hands
 * it over: return 0 to go on, <0 to stop (the value is passed back).
 */
typedef int (*rk_store_hour_cb)(void *arg, const struct rk_ep_key *svc, uint64_t hour,
    uint64_t bytes, int has_blind);

/* Open (creating and migrating, unless RK_STORE_RDONLY) the store at url. */
int rk_store_open(struct rk_store **out, const char *url, int flags, struct rk_err *err);
/* Close; NULL is a no-op. */
void rk_store_close(struct rk_store *s);
/* Hour buckets older than this (before the newest packet) roll up into days. */
void rk_store_set_retention(struct rk_store *s, uint64_t retention_us);
/* Record a new run; fills run->id. */
int rk_store_run_begin(struct rk_store *s, struct rk_store_run *run, struct rk_err *err);
/*
 * Add one interval's aggregates: c's services, edges and hosts (as deltas),
 * names from n for the hosts, and the run's counters st (cumulative for the
 * run) and interfaces.  One transaction.  The caller clears c's aggregates
 * afterwards (rk_classify_clear).  On error nothing of this flush is kept
 * and the caller may retry with the same data.
 */
int rk_store_flush(struct rk_store *s, const struct rk_store_run *run,
    const struct rk_classifier *c, const struct rk_names *n,
    const struct rk_pipeline_stats *st, const struct rk_store_iface *ifs, int n_ifs,
    struct rk_err *err);
/* Roll hour buckets older than older_than_us into day buckets.  One transaction. */
int rk_store_rollup(struct rk_store *s, uint64_t older_than_us, struct rk_err *err);
/*
 * Load the aggregates of [since_us, until_us) (0 = unbounded) into c (its
 * services, edges and hosts maps, summed over buckets) and the summary of
 * the runs that overlap into st, for the reports.
 */
int rk_store_load(struct rk_store *s, uint64_t since_us, uint64_t until_us,
    struct rk_classifier *c, struct rk_names *n, struct rk_pipeline_stats *st,
    struct rk_err *err);
/*
 * The evidence of endpoint k in each run overlapping [since_us, until_us)
 * that stored it (only endpoints that served are stored), by run id.
 * OUT: *out (malloc'd, free()), *n_out (0: no stored evidence).
 */
int rk_store_load_evidence(struct rk_store *s, uint64_t since_us, uint64_t until_us,
    const struct rk_ep_key *k, struct rk_store_evidence **out, size_t *n_out,
    struct rk_err *err);
/* The runs with packets in [since_us, until_us), by id.  OUT: *out (rk_store_runs_free). */
int rk_store_load_runs(struct rk_store *s, uint64_t since_us, uint64_t until_us,
    struct rk_store_run_info **out, size_t *n_out, struct rk_err *err);
/* Free what rk_store_load_runs returned; NULL is a no-op. */
void rk_store_runs_free(struct rk_store_run_info *runs, size_t n);
/* First and last packet time stored (0, 0 if the store is empty). */
int rk_store_range(struct rk_store *s, uint64_t *first_ts, uint64_t *last_ts,
    struct rk_err *err);
/* Each service's bytes per hour of [since_us, until_us), to cb (the web's charts). */
int rk_store_service_hours(struct rk_store *s, uint64_t since_us, uint64_t until_us,
    rk_store_hour_cb cb, void *arg, struct rk_err *err);
/* A number that changes whenever the stored data does, in any process (caches). */
int rk_store_version(struct rk_store *s, uint64_t *out, struct rk_err *err);
/*
 * A warning about what this handle cannot see (e.g. a read-only reader
 * that cannot read the write-ahead log), for the CLI to print; NULL if
 * none.  Valid while s is open.
 */
const char *rk_store_notice(const struct rk_store *s);

#endif /* RK_STORE_STORE_H */
