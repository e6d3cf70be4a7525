/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * store/sink.c - the store write as a pipeline sink (see sink.h).
 *
 * Design: the classifier's model holds the aggregates of the sessions
 * judged since the last stored flush (the store takes deltas, so they
 * are cleared once stored); with keep_totals the sink sums each stored
 * interval into a run-wide model, and at the end swaps it back into the
 * classifier after adding what the classifier still holds (a refused
 * final flush).  The evidence and the session counters never leave the
 * classifier.  Every sum follows the model's rules, so the totals are
 * the same as one classifier that was never cleared: reports with and
 * without --db are byte-identical.  Not on the packet path: once per
 * flush interval, O(aggregates of the interval).
 */
#include <stdlib.h>

#include "store/sink.h"

struct rk_store_sink {
	struct rk_store_sink_opts o;    /* options (all borrowed) */
	struct rk_model total;          /* the stored intervals summed (keep_totals) */
	struct rk_store_sink_stats st;  /* what happened */
	int is_final_done;              /* the final flush was stored */
};

/* A sink for o (copied).  Returns 0, or -RK_E_NOMEM. */
int
rk_store_sink_new(struct rk_store_sink **out, const struct rk_store_sink_opts *o)
{
	struct rk_store_sink *k = calloc(1, sizeof(*k));

	*out = k;
	if (k == NULL)
		return -RK_E_NOMEM;
	k->o = *o;
	rk_model_init(&k->total, 0x726b);
	return 0;
}

/* Free the sink (not the store); NULL is a no-op. */
void
rk_store_sink_free(struct rk_store_sink *k)
{
	if (k == NULL)
		return;
	rk_model_fini(&k->total);
	free(k);
}

/* Sum what the classifier holds into the totals. */
static void
keep(struct rk_store_sink *k, struct rk_classifier *c)
{
	if (k->o.keep_totals && rk_model_absorb(&k->total, rk_classify_model(c)) < 0)
		k->st.is_nomem = 1;
}

/*
 * The pipeline's flush callback (user: the sink): write the interval's
 * aggregates and the run's counters in one transaction (rk_store_flush).
 * Returns 0 when stored (the pipeline clears the interval), -1 to keep
 * it for the next flush.
 */
int
rk_store_sink_flush(void *user, struct rk_pipeline *p, int is_final)
{
	struct rk_store_sink *k = user;
	struct rk_classifier *c = rk_pipeline_classifier(p);
	const struct rk_store_iface *ifs = NULL;
	struct rk_pipeline_stats st;
	struct rk_err err = {0};
	int n_ifs = 0, rc;

	rk_pipeline_get_stats(p, &st);
	if (k->o.ifaces != NULL)
		n_ifs = k->o.ifaces(k->o.user, &st, &ifs);
	rc = rk_store_flush(k->o.store, k->o.run, c, k->o.names, &st, ifs, n_ifs, &err);
	if (rc < 0) {
		k->st.n_failed++;
		k->st.is_final_failed |= is_final;
	} else {
		keep(k, c);
		k->st.n_flushes++;
		k->is_final_done |= is_final;
		k->st.is_final_failed = 0;
	}
	if (k->o.done != NULL)
		k->o.done(k->o.user, is_final, &st, rc, &err);
	return rc < 0 ? -1 : 0;
}

/*
 * After rk_pipeline_finish: store the final flush if the pipeline did not
 * offer one; with keep_totals, add what the classifier still holds (a
 * refused final flush) to the totals and swap them into the classifier,
 * whose model then holds the whole run.  O(aggregates).
 */
void
rk_store_sink_finish(struct rk_store_sink *k, struct rk_pipeline *p)
{
	struct rk_classifier *c = rk_pipeline_classifier(p);

	if (!k->is_final_done && !k->st.is_final_failed && rk_store_sink_flush(k, p, 1) == 0)
		rk_classify_clear(c);
	if (!k->o.keep_totals)
		return;
	if (rk_model_absorb(&k->total, rk_classify_model(c)) < 0)
		k->st.is_nomem = 1;
	rk_model_swap(&k->total, rk_classify_model(c));
	rk_model_clear(&k->total);
}

void
rk_store_sink_get_stats(const struct rk_store_sink *k, struct rk_store_sink_stats *st)
{
	*st = k->st;
}
