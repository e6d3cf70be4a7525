/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon/daemon.h - what a long-running renkei process needs from the OS:
 * giving up privileges after the capture is open (privsep.c), turning
 * SIGINT/SIGTERM into a flag the capture loop checks (signals.c), and
 * confining each role to what it needs (sandbox.c: Landlock + seccomp).
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

/*
 * The sandbox of one role (sandbox.c, docs/SANDBOX.md).  Applied once the
 * role holds every descriptor it needs and before it starts a thread.
 */
enum rk_sandbox_role {
	RK_SANDBOX_CAPTURE,   /* packet sockets (AF_PACKET) + the store's directory read-write */
	RK_SANDBOX_WEB,       /* its bound socket (accept only) + the store read-only */
	/*
	 * Hook for the collector (not built yet): its socket bound before,
	 * no new socket, the store's directory read-write.  Call it with the
	 * same paths as capture once the collector exists.
	 */
	RK_SANDBOX_COLLECTOR,
};

#define RK_SANDBOX_MAX_PATHS 48

/* The paths a role may use beyond the system's (/etc, /usr, ...: sandbox.c). */
struct rk_sandbox_paths {
	const char *read[RK_SANDBOX_MAX_PATHS];  /* files or directories, read-only; borrowed */
	int n_read;
	const char *write[RK_SANDBOX_MAX_PATHS]; /* directories: read, write, create, remove */
	int n_write;
};

/* What rk_sandbox_apply did. */
struct rk_sandbox_result {
	int landlock_abi;        /* the Landlock ABI used; 0: not available, seccomp only */
	int n_rules;             /* Landlock path rules added (paths that exist) */
};

/* Add path to p's read (is_write 0) or write list.  0, or -RK_E_INVAL when full. */
int rk_sandbox_paths_add(struct rk_sandbox_paths *p, int is_write, const char *path);
/* 1 in a sanitizer build, where LeakSanitizer needs ptrace at exit: not refused. */
int rk_sandbox_allows_ptrace(void);
/* The kernel's Landlock ABI version, 0 if it has none (ENOSYS, EOPNOTSUPP). */
int rk_sandbox_landlock_abi(void);
/*
 * Confine this process for good: PR_SET_NO_NEW_PRIVS, Landlock (where the
 * kernel has it) limiting the file system to p plus the role's system
 * paths and forbidding new TCP binds and connects, then a seccomp filter
 * (all threads) refusing the role's forbidden system calls with EPERM.
 * Fails with -RK_E_INVAL if Landlock is available and a second thread
 * already runs (it would escape); -RK_E_IO if a step fails.
 */
int rk_sandbox_apply(enum rk_sandbox_role role, const struct rk_sandbox_paths *p,
    struct rk_sandbox_result *res, struct rk_err *err);

#endif /* RK_DAEMON_DAEMON_H */
