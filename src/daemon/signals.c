/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon/signals.c - SIGINT/SIGTERM/SIGHUP become a flag for the capture loop.
 *
 * The capture loop (pipeline.c, rk_pipeline_run_live) checks *stop between
 * batches and in its poll; the handler only stores the signal number
 * (async-signal-safe).  The loop then does the final flush and returns, so
 * a stop signal loses nothing.
 *
 * Stop signals come in pairs: timeout(1) signals its child and then its
 * process group, supervisors and scripts signal a whole group, so one
 * "stop" often arrives twice within milliseconds.  A repeat within
 * RK_SIGNAL_GRACE_NS of the first is that same stop and is ignored.  A
 * repeat later than that is a person pressing Ctrl-C again while a long
 * flush runs: it means "now", the handler writes a line and calls
 * _exit(); SQLite's journal keeps the store readable and the last
 * completed flush stored.  SIGALRM (the --duration timer) stops like a
 * signal but never forces.
 *
 * The handlers run with the other stop signals blocked (sa_mask), so the
 * time of the first signal is written and read by one handler at a time.
 * The flag pointer and that time are the mutable globals the guide allows
 * (signal state); the pointer is set once, before any signal can arrive.
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon/daemon.h"

static volatile sig_atomic_t *stop_flag; /* set by rk_signals_init */
static int64_t first_stop_ns;           /* CLOCK_MONOTONIC of the first stop signal; 0 none */

/* CLOCK_MONOTONIC in ns (clock_gettime is async-signal-safe, POSIX.1-2008). */
static int64_t
now_ns(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
on_signal(int sig)
{
	static const char msg[] = "\nrenkei: second signal: exiting without the final flush\n";
	int64_t t;

	if (sig == SIGALRM) {
		if (*stop_flag == 0)
			*stop_flag = sig;
		return;
	}
	t = now_ns();
	if (first_stop_ns == 0) {
		first_stop_ns = t;
		if (*stop_flag == 0)
			*stop_flag = sig;
		return;
	}
	if (rk_signal_forces_exit(first_stop_ns, t)) {
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(128 + sig);
	}
}

/*
 * 1 if a repeated stop signal at now_ns (first one at first_ns, both
 * CLOCK_MONOTONIC) means "exit now", 0 if it is the same stop delivered
 * twice.  Pure; O(1).
 */
int
rk_signal_forces_exit(int64_t first_ns, int64_t now)
{
	return now - first_ns >= RK_SIGNAL_GRACE_NS;
}

/*
 * Install the handlers.  stop must stay valid for the life of the process
 * and start at 0.  Returns 0, or -RK_E_IO if sigaction fails (it does not
 * for these signals).  Cost: a few syscalls, once.
 */
int
rk_signals_init(volatile sig_atomic_t *stop)
{
	struct sigaction sa;

	stop_flag = stop;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaddset(&sa.sa_mask, SIGALRM);
	sa.sa_handler = on_signal;
	sa.sa_flags = 0; /* no SA_RESTART: poll() must return EINTR */
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0 ||
	    sigaction(SIGHUP, &sa, NULL) < 0 || sigaction(SIGALRM, &sa, NULL) < 0)
		return -RK_E_IO;
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -RK_E_IO;
	return 0;
}
