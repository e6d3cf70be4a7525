/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon/daemon.h - what a long-running renkei process needs from the OS:
 * giving up privileges after the capture is open (privsep.c) and turning
 * SIGINT/SIGTERM into a flag the capture loop checks (signals.c).
 *
 * Only src/cli and src/daemon print; these functions return codes and fill
 * struct rk_err, the caller decides.  Linux only (setresuid, capabilities).
 */
#ifndef RK_DAEMON_DAEMON_H
#define RK_DAEMON_DAEMON_H

#include <signal.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/err.h"

/* What rk_privsep_drop did. */
struct rk_privsep_result {
	int did_switch;        /* 1 if the uid/gid changed */
	uid_t uid;             /* the uid now */
	gid_t gid;             /* the gid now */
	unsigned long long caps; /* capability bits kept (effective = permitted) */
	char user[64];         /* the user now */
};

/*
 * Drop privileges after the capture sockets are open: switch to user (NULL:
 * "renkei" if it exists, else stay) when root, keep only CAP_NET_RAW and
 * CAP_NET_ADMIN (to reopen a lost interface), then verify.
 */
int rk_privsep_drop(const char *user, struct rk_privsep_result *res, struct rk_err *err);

/* 1 if the user exists, else 0. */
int rk_privsep_user_exists(const char *user);
/* chown path to user and its primary group (a file this process created). */
int rk_privsep_chown(const char *path, const char *user);

/*
 * SIGINT, SIGTERM and SIGHUP set *stop to the signal number: stop after a
 * final flush.  A repeat within RK_SIGNAL_GRACE_NS is the same stop
 * delivered twice (timeout(1), process groups) and is ignored; a later
 * one ends the process at once (exit 128+sig: the store stays readable,
 * the final flush is lost).  SIGALRM (--duration) sets *stop too, but
 * never ends the process.  SIGPIPE is ignored.  No SA_RESTART: a blocked
 * poll returns EINTR.
 */
int rk_signals_init(volatile sig_atomic_t *stop);
#define RK_SIGNAL_GRACE_NS 2000000000LL
/* 1 if a repeated stop signal at now (the first at first_ns; ns, monotonic) forces the exit. */
int rk_signal_forces_exit(int64_t first_ns, int64_t now);

#endif /* RK_DAEMON_DAEMON_H */
