/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon/signals.c - SIGINT/SIGTERM become a flag for the capture loop.
 *
 * The capture loop (pipeline.c, rk_pipeline_run_live) checks *stop between
 * batches and in its poll; the handler only stores the signal number
 * (async-signal-safe).  The loop then does the final flush and returns, so
 * SIGINT and SIGTERM lose nothing.  A second signal while that flush runs
 * means "now": the handler writes a line and calls _exit(); SQLite's
 * journal keeps the store readable and the last completed flush stored.
 *
 * The flag pointer is the one mutable global the guide allows (signal
 * flags); it is set once, before any signal can arrive.
 */
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "daemon/daemon.h"

static volatile sig_atomic_t *stop_flag; /* set by rk_signals_init */

static void
on_signal(int sig)
{
	static const char msg[] = "\nrenkei: second signal: exiting without the final flush\n";

	if (sig == SIGALRM) {
		if (*stop_flag == 0)
			*stop_flag = sig;
		return;
	}
	if (*stop_flag != 0) {
		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(128 + sig);
	}
	*stop_flag = sig;
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
