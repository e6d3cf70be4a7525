/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cli/progress.h - a progress line on the terminal for long work
 * (renkei analyze, renkei-gen): counts, rates, percent and ETA, redrawn in
 * place on stderr, only when stderr is a terminal.  See progress.c.
 */
#ifndef RK_CLI_PROGRESS_H
#define RK_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define RK_PROGRESS_AFTER_MS 1000 /* nothing is drawn before the run is this old */
#define RK_PROGRESS_EVERY_MS 250  /* redraws at most this often */
/* Overrides RK_PROGRESS_AFTER_MS (milliseconds), for tests: 0 draws from the start. */
#define RK_PROGRESS_AFTER_ENV "RENKEI_PROGRESS_AFTER_MS"

/* A progress line: the caller's storage (rk_progress_init .. rk_progress_fini). */
struct rk_progress {
	FILE *tty;              /* stderr if it is a terminal and not quiet; NULL = off */
	const char *prog;       /* prefix ("renkei"), borrowed, static */
	uint64_t start_us;      /* monotonic clock at rk_progress_init, µs */
	uint64_t part_start_us; /* monotonic clock at the start of the current part, µs */
	uint64_t quiet_until_us; /* monotonic; nothing is drawn before this, µs */
	uint64_t next_us;       /* monotonic; no drawing before this, µs */
	const char *part_name;  /* name of the current part (a file), borrowed; may be NULL */
	int part;               /* current part, from 1 */
	int n_parts;            /* parts in all; "i/N" is shown when > 1 */
	int width;              /* terminal columns at init */
	size_t shown_len;       /* characters of the line on the screen; 0 = none */
};

/* Where the work stands, handed to rk_progress_update. */
struct rk_progress_sample {
	uint64_t n_packets;     /* packets so far, whole run */
	uint64_t max_packets;   /* packets expected in all; 0 = unknown (not shown) */
	uint64_t n_bytes;       /* bytes so far, whole run: the MB/s */
	uint64_t done;          /* work done in the current part, in any unit */
	uint64_t total;         /* the current part's work in that unit; 0 = unknown: no % or ETA */
};

/* Start: on only if stderr is a terminal and !is_quiet.  O(1), no allocation. */
void rk_progress_init(struct rk_progress *pr, const char *prog, int is_quiet);
/* Is a line being kept (stderr a terminal, not quiet)? */
int rk_progress_is_on(const struct rk_progress *pr);
/* A new part (file part of n_parts, name borrowed until the next call): percent and ETA restart. */
void rk_progress_part(struct rk_progress *pr, int part, int n_parts, const char *name);
/* Redraw if due (one clock read; a draw at most every 250 ms); call between batches. */
void rk_progress_update(struct rk_progress *pr, const struct rk_progress_sample *s);
/* Take the line off the screen (before printing anything else); the next update redraws. */
void rk_progress_clear(struct rk_progress *pr);
/* End: take the line off the screen for good. */
void rk_progress_fini(struct rk_progress *pr);
/* n bytes in decimal units, 3 digits ("118 MB", "4.52 GB") into buf; returns buf. */
char *rk_progress_format_bytes(uint64_t n, char *buf, size_t len);

#endif /* RK_CLI_PROGRESS_H */
