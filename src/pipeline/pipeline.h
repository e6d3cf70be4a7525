/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipeline/pipeline.h - the stages wired together (SPEC §6, fig. 6-9).
 *
 *   capture -> decode -> [batches by symmetric hash] -> trackers -> classifier
 *   (reader threads)                                    (N - 1)     (on tracker 0)
 *
 * A reader reads frames, decodes them into 48-byte records, learns host
 * names from DNS answers, and appends each record to the batch of the
 * tracker its conversation hashes to (both directions hash alike).  Each
 * tracker owns its session table: no locks and no shared writes on the
 * packet path, only single-producer/single-consumer rings of batches in,
 * and of folded sessions out.  Tracker 0 is also the integrator: it folds
 * every tracker's sessions into the classifier.  With one thread
 * everything runs inline in the caller; with N, the caller reads (live:
 * n_readers readers in all, one per fanout socket) and N - 1 trackers
 * count.  Output does not depend on the number of threads: every
 * aggregate the classifier keeps is a sum, a minimum or a maximum, and it
 * judges sessions only once all of their evidence is in.
 *
 * Where new things plug in: an exporter of conversations is a fold sink
 * (rk_pipeline_add_fold_sink), a detector a verdict subscriber
 * (rk_pipeline_add_verdict_sub), a flow collector (IPFIX) a caller of
 * rk_pipeline_add_conversation, the store the flush callback
 * (store/sink.h).  None of them needs a change here.
 */
#ifndef RK_PIPELINE_PIPELINE_H
#define RK_PIPELINE_PIPELINE_H

#include <signal.h>
#include <stdint.h>

#include "capture/capture.h"
#include "classify/classify.h"
#include "decode/decode.h"
#include "names/names.h"
#include "pipeline/stats.h"
#include "session/session.h"
#include "util/err.h"

struct rk_pipeline;

/*
 * Called after every interval flush of the classifier (and once more at
 * the end with is_final).  Return 0 when the aggregates were taken (stored):
 * the pipeline then clears them.  Return <0 to keep them (the store is
 * unavailable): they keep accumulating and the next flush offers them again.
 */
typedef int (*rk_pipeline_flush_cb)(void *user, struct rk_pipeline *p, int is_final);

/* Where the reading of a file stands (rk_pipeline_progress_cb). */
struct rk_pipeline_progress {
	const char *path;       /* the input being read, as given (borrowed for the call) */
	uint64_t n_frames;      /* frames read so far, every input of the pipeline */
	uint64_t n_bytes;       /* wire bytes of those frames */
	uint64_t offset;        /* bytes of this file consumed (gzip: compressed); 0 = unknown */
	uint64_t size;          /* bytes of this file; 0 = unknown (stdin, pipes) */
};

/*
 * Called by rk_pipeline_run_file between dispatch batches (every 4096
 * frames or so), in the caller's thread, never per frame.  It should only
 * look at the clock and, now and then, draw: the batch waits for it.
 */
typedef void (*rk_pipeline_progress_cb)(void *user, const struct rk_pipeline_progress *pg);

struct rk_pipeline_opts {
	size_t max_sessions;    /* live sessions, all trackers together */
	uint64_t flush_us;      /* packet time between flushes; 0 = only at the end */
	uint64_t idle_us;       /* fold sessions idle this long at a flush; 0 = never */
	rk_pipeline_flush_cb on_flush; /* may be NULL: aggregates are never cleared */
	void *flush_user;       /* argument of on_flush */
	int n_threads;          /* threads: 1 = everything in the caller; N > 1 = reader + N-1 trackers */
	int n_readers;          /* live, N > 1: readers, reader k reads sources k, k + n, ... (0 = 1) */
	const char *bpf;        /* capture filter, may be NULL */
	struct rk_names *names; /* borrowed; DNS answers are learned into it; may be NULL */
	int learn_dns;          /* learn host names from DNS answers */
	int peek;               /* mark records whose payload says who serves (decode/peek.h) */
	rk_pipeline_progress_cb on_progress; /* files: between batches; may be NULL (no cost) */
	void *progress_user;    /* argument of on_progress */
};

struct rk_pipeline *rk_pipeline_new(const struct rk_pipeline_opts *o, struct rk_err *err);
void rk_pipeline_free(struct rk_pipeline *p);
/*
 * Read one capture file ("-" = stdin) to its end, calling on_progress
 * between batches.  0, or <0 with err (-RK_E_TRUNC: partial).
 */
int rk_pipeline_run_file(struct rk_pipeline *p, const char *path, struct rk_err *err);
/*
 * Live sources (capture_live.c): read all of them until *stop becomes
 * non-zero (a signal handler sets it) or every source ends.  Between
 * batches: flushes on packet time (or on the clock when the link is
 * quiet), and status every second through status_cb (may be NULL).
 * With n_readers = n > 1 (threaded), source i is read by reader i % n,
 * each on its own thread (reader 0 is the caller): give the sockets of a
 * fanout group consecutive places, one per reader.  Sources stay owned by
 * the caller.  Returns 0, or <0 if every source failed (err says why).
 */
typedef void (*rk_pipeline_status_cb)(void *user, const struct rk_pipeline_stats *st);
int rk_pipeline_run_live(struct rk_pipeline *p, struct rk_capture **srcs, int n_srcs,
    volatile sig_atomic_t *stop, rk_pipeline_status_cb status_cb, void *user, struct rk_err *err);
/* End of input: drain every session table into the classifier and judge everything. */
void rk_pipeline_finish(struct rk_pipeline *p);
struct rk_classifier *rk_pipeline_classifier(struct rk_pipeline *p);

/*
 * Sinks and subscribers: where a new output plugs in.  Register before the
 * first input is read; every callback runs on the integrator's thread
 * (tracker 0, or the caller with one thread), never per packet.
 *   - fold sinks get every session leaving a session table (and the
 *     checkpoints of live ones), each exactly once, in registration
 *     order; the classifier is sink 0, an exporter adds itself after it;
 *   - verdict subscribers get every judged session with its verdict
 *     (--sessions, --explain, a detector);
 *   - the flush callback (rk_pipeline_opts.on_flush) takes each
 *     interval's aggregates: the store's sink (store/sink.h).
 * A collector of conversation records (IPFIX) feeds them in with
 * rk_pipeline_add_conversation: they then go where sessions from packets go.
 */
#define RK_PIPELINE_MAX_SINKS 8
/* Add a fold sink after the others.  0, or -RK_E_NOMEM when RK_PIPELINE_MAX_SINKS are in. */
int rk_pipeline_add_fold_sink(struct rk_pipeline *p, rk_sess_fold_cb cb, void *user);
/* Subscribe to every verdict (classify.h), after earlier subscribers.  0 or -RK_E_NOMEM. */
int rk_pipeline_add_verdict_sub(struct rk_pipeline *p, rk_verdict_cb cb, void *user);
void rk_pipeline_del_verdict_sub(struct rk_pipeline *p, rk_verdict_cb cb, void *user);
/*
 * A finished conversation from outside (a collector): normalised as the
 * session table does (session.h) and handed to every fold sink.  One
 * thread only (a collector has no packets to shard): -RK_E_INVAL when
 * threaded.  0 otherwise.
 */
int rk_pipeline_add_conversation(struct rk_pipeline *p, const struct rk_session *rec);
void rk_pipeline_get_stats(const struct rk_pipeline *p, struct rk_pipeline_stats *st);

#endif /* RK_PIPELINE_PIPELINE_H */
