/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pipeline/stats.h - the counters of a run (frames, decoder, session
 * tables), apart from the pipeline itself: the store writes them, the
 * report and the web show them, and none of them needs to see the
 * pipeline's capture or thread machinery to do so.
 */
#ifndef RK_PIPELINE_STATS_H
#define RK_PIPELINE_STATS_H

#include <stdint.h>

#include "decode/decode.h"
#include "session/session.h"

struct rk_pipeline_stats {
	uint64_t n_frames;     /* frames read (after the filter) */
	uint64_t n_bytes;      /* wire bytes of those frames */
	uint64_t n_records;    /* frames decoded into records */
	uint64_t n_filtered;   /* frames the filter rejected */
	uint64_t n_kernel_drops; /* drops reported by live sources */
	uint64_t first_ts;     /* µs, first frame (0 if none) */
	uint64_t last_ts;      /* µs, last frame */
	uint64_t n_files;      /* inputs read */
	uint64_t n_truncated;  /* inputs that ended mid-record */
	uint64_t decode[RK_DSTAT__COUNT]; /* decoder counters */
	struct rk_sess_stats sess; /* session tables, summed */
};

#endif /* RK_PIPELINE_STATS_H */
