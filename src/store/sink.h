/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/sink.h - the store as a sink of the pipeline: each flush interval's
 * aggregates written to the store, owned by the library, not by a command.
 *
 * The pipeline calls rk_store_sink_flush after every interval flush and at
 * the end; a flush the store refuses is kept (the pipeline does not clear
 * it) and offered again at the next one.  With keep_totals (analyze --db,
 * which also prints a report), each stored interval is summed into the
 * run's totals by the model's rules (rk_model_absorb), and
 * rk_store_sink_finish hands them back to the classifier: the report is
 * then read from the classifier as without a store.  Commands only say
 * what happened (the done hook) and add live interfaces' counters (the
 * ifaces hook).  A second back end plugs in behind rk_store_flush, not
 * here.
 */
#ifndef RK_STORE_SINK_H
#define RK_STORE_SINK_H

#include "pipeline/pipeline.h"
#include "store/store.h"

struct rk_store_sink;

struct rk_store_sink_opts {
	struct rk_store *store;         /* borrowed, open for writing */
	const struct rk_store_run *run; /* borrowed, begun (rk_store_run_begin) */
	const struct rk_names *names;   /* borrowed, names for the hosts; may be NULL */
	int keep_totals;                /* keep the run's aggregates for a report */
	/* Before each flush, may be NULL: point *ifs at the interfaces' counters (caller's
	 * memory), return their number; may amend st (kernel drops). */
	int (*ifaces)(void *user, struct rk_pipeline_stats *st, const struct rk_store_iface **ifs);
	/* After each flush, may be NULL: rc 0 stored, <0 kept for the next one (err says why). */
	void (*done)(void *user, int is_final, const struct rk_pipeline_stats *st, int rc,
	    const struct rk_err *err);
	void *user;                     /* argument of the hooks */
};

struct rk_store_sink_stats {
	uint64_t n_flushes;             /* flushes stored */
	uint64_t n_failed;              /* flushes the store refused */
	int is_final_failed;            /* the final flush was refused: the store lacks it */
	int is_nomem;                   /* the totals lost something to memory */
};

int rk_store_sink_new(struct rk_store_sink **out, const struct rk_store_sink_opts *o);
void rk_store_sink_free(struct rk_store_sink *k);
/* The pipeline's flush callback (rk_pipeline_opts.on_flush; flush_user = the sink). */
int rk_store_sink_flush(void *user, struct rk_pipeline *p, int is_final);
/* After rk_pipeline_finish: the final flush if none ran; the totals back into the classifier. */
void rk_store_sink_finish(struct rk_store_sink *k, struct rk_pipeline *p);
void rk_store_sink_get_stats(const struct rk_store_sink *k, struct rk_store_sink_stats *st);

#endif /* RK_STORE_SINK_H */
