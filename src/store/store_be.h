/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/store_be.h - the back-end side of the store interface (store.h):
 * the table of operations a back end fills, like SQLite's sqlite3_io_methods.
 *
 * A back end defines its own state with struct rk_store as its first
 * member, fills one const struct rk_store_ops, and is registered by URL
 * scheme in store.c.  The front end (store.c) checks nothing the back end
 * must check itself: each operation has the contract of the rk_store_*
 * function of the same name (store.h, documented in store_sqlite.c).
 * Included by store.c and the back ends only.
 */
#ifndef RK_STORE_STORE_BE_H
#define RK_STORE_STORE_BE_H

#include "store/store.h"

struct rk_store_ops {
	const char *scheme;     /* URL scheme, without ':' ("sqlite") */
	const char *usage;      /* the URL form for messages ("sqlite:PATH") */
	/* Open where (the URL less "scheme:"); OUT: *out with (*out)->ops set. */
	int (*open)(struct rk_store **out, const char *where, int flags, struct rk_err *err);
	void (*close)(struct rk_store *s);
	void (*set_retention)(struct rk_store *s, uint64_t retention_us);
	int (*run_begin)(struct rk_store *s, struct rk_store_run *run, struct rk_err *err);
	int (*flush)(struct rk_store *s, const struct rk_store_run *run,
	    const struct rk_classifier *c, const struct rk_names *n,
	    const struct rk_pipeline_stats *st, const struct rk_store_iface *ifs, int n_ifs,
	    struct rk_err *err);
	int (*rollup)(struct rk_store *s, uint64_t older_than_us, struct rk_err *err);
	int (*load)(struct rk_store *s, uint64_t since_us, uint64_t until_us,
	    struct rk_classifier *c, struct rk_names *n, struct rk_pipeline_stats *st,
	    struct rk_err *err);
	int (*load_evidence)(struct rk_store *s, uint64_t since_us, uint64_t until_us,
	    const struct rk_ep_key *k, struct rk_store_evidence **out, size_t *n_out,
	    struct rk_err *err);
	int (*load_runs)(struct rk_store *s, uint64_t since_us, uint64_t until_us,
	    struct rk_store_run_info **out, size_t *n_out, struct rk_err *err);
	int (*range)(struct rk_store *s, uint64_t *first_ts, uint64_t *last_ts,
	    struct rk_err *err);
	int (*service_hours)(struct rk_store *s, uint64_t since_us, uint64_t until_us,
	    rk_store_hour_cb cb, void *arg, struct rk_err *err);
	int (*version)(struct rk_store *s, uint64_t *out, struct rk_err *err);
};

/* The common head of every back end's state. */
struct rk_store {
	const struct rk_store_ops *ops; /* the back end */
	char notice[256];               /* what the user should know of how it was opened
	                                 * (rk_store_notice); "" if nothing */
};

/* The back ends (store.c registers them by scheme). */
extern const struct rk_store_ops rk_store_sqlite_ops;

#endif /* RK_STORE_STORE_BE_H */
