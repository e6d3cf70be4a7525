/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * web/gate.c - the gate in front of expensive work (web_int.h, struct
 * rk_web_gate).
 *
 * Invariants: n_run <= max_run and n_wait <= max_wait at all times; a
 * waiter waits at most wait_ms (CLOCK_MONOTONIC) and then gives up with
 * RK_E_BUSY; whoever enters leaves exactly once.  So at most
 * max_run + max_wait server threads are ever tied up by expensive work,
 * and the others stay free for cached answers.
 */
#include <errno.h>
#include <time.h>

#include "web/web_int.h"

/* Initialise g; 0 or -1. */
int
rk_web_gate_init(struct rk_web_gate *g, unsigned max_run, unsigned max_wait, unsigned wait_ms)
{
	pthread_condattr_t ca;

	g->n_run = g->n_wait = 0;
	g->max_run = max_run > 0 ? max_run : 1;
	g->max_wait = max_wait;
	g->wait_ms = wait_ms;
	if (pthread_mutex_init(&g->mu, NULL) != 0)
		return -1;
	if (pthread_condattr_init(&ca) != 0 ||
	    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&g->cv, &ca) != 0) {
		pthread_mutex_destroy(&g->mu);
		return -1;
	}
	pthread_condattr_destroy(&ca);
	return 0;
}

void
rk_web_gate_fini(struct rk_web_gate *g)
{
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

static void
deadline(struct timespec *ts, unsigned ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* Take a place to run; 0, or -RK_E_BUSY with err (none within the bounds). */
int
rk_web_gate_enter(struct rk_web_gate *g, struct rk_err *err)
{
	struct timespec ts;
	int rc = 0;

	pthread_mutex_lock(&g->mu);
	if (g->n_run >= g->max_run) {
		if (g->n_wait >= g->max_wait) {
			rc = ETIMEDOUT;
		} else {
			deadline(&ts, g->wait_ms);
			g->n_wait++;
			while (g->n_run >= g->max_run && rc == 0)
				rc = pthread_cond_timedwait(&g->cv, &g->mu, &ts);
			g->n_wait--;
			if (g->n_run < g->max_run)
				rc = 0;
		}
	}
	if (rc == 0)
		g->n_run++;
	pthread_mutex_unlock(&g->mu);
	if (rc != 0)
		return rk_err_set(err, RK_E_BUSY, "the server is busy computing other answers: "
		    "try again in a few seconds");
	return 0;
}

/* Give the place back. */
void
rk_web_gate_leave(struct rk_web_gate *g)
{
	pthread_mutex_lock(&g->mu);
	g->n_run--;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
}
