/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon/sandbox.c - each role confined to what it needs (issue 15 item
 * 12; the policy in words: docs/SANDBOX.md).
 *
 * When: once the role holds every descriptor it will use (capture: its
 * packet sockets, the store and its -wal/-shm, privileges dropped by
 * privsep.c; web: the store and the bound listening socket), and before
 * it starts any thread.  rk_sandbox_apply is one-way: nothing in it can
 * be undone by the process.
 *
 * Layers, in order:
 *   1. PR_SET_NO_NEW_PRIVS (needed by both layers; privsep.c sets it too).
 *   2. Landlock, where the kernel has it (ABI capped as the kernel
 *      documentation says): a ruleset handling every file-system right the
 *      ABI knows, path-beneath rules for the role's system paths (below)
 *      and the caller's paths; ABI >= 4 also handles TCP bind and connect
 *      with no rule (no new TCP port either way); ABI >= 6 scopes abstract
 *      unix sockets and signals to the domain.  Landlock binds only the
 *      calling thread and the threads it starts later, so this refuses to
 *      run when a second thread exists (checked in /proc/self/task).
 *      ENOSYS/EOPNOTSUPP: res->landlock_abi = 0 and the caller says
 *      "seccomp only"; any other failure is an error.
 *   3. seccomp (libseccomp), default allow, SECCOMP_FILTER_FLAG_TSYNC so
 *      every thread is covered: the calls no role needs fail with EPERM
 *      (deny_all), clone3 with ENOSYS (glibc then uses clone, whose
 *      namespace flags are refused), and each role's socket rules; the
 *      web also gets EACCES for opens that write and for calls that change
 *      the file system, so it stays read-only even without Landlock.
 *
 * Invariants: no role can execve, ptrace, load modules or BPF programs,
 * mount, change ids or capabilities, or make a namespace.  Capture makes
 * only AF_PACKET and NETLINK_GENERIC sockets (what libpcap uses to reopen
 * a lost interface, seen with strace) and never connects, listens or
 * accepts; the web and the collector make no socket at all and never
 * connect, bind or listen (they accept on the socket they hold).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/landlock.h>
#include <linux/netlink.h>
#include <seccomp.h>

#include "daemon/daemon.h"

/* Landlock rights newer than Debian 12's header (linux/landlock.h of 6.1). */
#define LL_FS_REFER (1ULL << 13)     /* ABI 2 */
#define LL_FS_TRUNCATE (1ULL << 14)  /* ABI 3 */
#define LL_FS_IOCTL_DEV (1ULL << 15) /* ABI 5 */
#define LL_NET_BIND_TCP (1ULL << 0)  /* ABI 4 */
#define LL_NET_CONNECT_TCP (1ULL << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ULL << 0) /* ABI 6 */
#define LL_SCOPE_SIGNAL (1ULL << 1)
#define LL_MAX_ABI 7

/* The ruleset attribute of ABI 6 (the header has only the first field). */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define LL_READ (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define LL_WRITE_DIR (LL_READ | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_REMOVE_FILE | \
    LANDLOCK_ACCESS_FS_MAKE_REG | LL_FS_TRUNCATE)
#define LL_DEV (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE)
/* The rights a rule on a file (not a directory) may carry. */
#define LL_FILE_RIGHTS (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | \
    LANDLOCK_ACCESS_FS_READ_FILE | LL_FS_TRUNCATE | LL_FS_IOCTL_DEV)

/* One system path a role reads (or, for devices, reads and writes). */
struct sys_path {
	const char *path;
	uint64_t rights;
	unsigned roles;              /* bit per enum rk_sandbox_role */
};

#define ALL_ROLES ((1u << RK_SANDBOX_CAPTURE) | (1u << RK_SANDBOX_WEB) | \
    (1u << RK_SANDBOX_COLLECTOR))
#define R_CAPTURE (1u << RK_SANDBOX_CAPTURE)
#define R_WEB (1u << RK_SANDBOX_WEB)

/*
 * /etc: names (services, hosts, nsswitch), ld.so.cache, GnuTLS and
 * fontconfig settings.  /usr (and /lib*, which point there): shared
 * libraries loaded late (Graphviz plugins from .../graphviz, read and
 * mapped: dlopen needs read, not execute), nmap's port names, fonts.
 * /proc/self: the process's own maps, status, net (resolved to
 * /proc/PID when the rule is made).  /sys/devices/system/cpu: the CPU
 * count.  Capture: /sys/class/net and /sys/devices for an interface's
 * counters (the class entries are links into /sys/devices).
 */
static const struct sys_path sys_paths[] = {
	{"/etc", LL_READ, ALL_ROLES},
	{"/usr", LL_READ, ALL_ROLES},
	{"/lib", LL_READ, ALL_ROLES},
	{"/lib64", LL_READ, ALL_ROLES},
	{"/proc/self", LL_READ, ALL_ROLES},
	{"/proc/filesystems", LANDLOCK_ACCESS_FS_READ_FILE, ALL_ROLES}, /* libselinux asks */
	{"/sys/devices/system/cpu", LL_READ, ALL_ROLES},
	{"/dev/null", LL_DEV, ALL_ROLES},
	{"/dev/urandom", LANDLOCK_ACCESS_FS_READ_FILE, ALL_ROLES},
	{"/dev/random", LANDLOCK_ACCESS_FS_READ_FILE, ALL_ROLES},
	{"/var/cache/fontconfig", LL_READ, R_WEB},
	{"/sys/class/net", LL_READ, R_CAPTURE},
	{"/sys/devices", LL_READ, R_CAPTURE},
};

/*
 * A sanitizer build: LeakSanitizer stops every thread with ptrace at exit
 * to scan for leaks, so ptrace stays allowed there (and only there).
 */
#if defined(__SANITIZE_ADDRESS__)
#define ALLOW_PTRACE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(leak_sanitizer)
#define ALLOW_PTRACE 1
#endif
#endif
#ifndef ALLOW_PTRACE
#define ALLOW_PTRACE 0
#endif

/* No role needs these once confined (ptrace: see ALLOW_PTRACE). */
static const char *const deny_all[] = {
	"execve", "execveat", "ptrace", "process_vm_readv", "process_vm_writev",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"mount", "umount2", "pivot_root", "chroot", "mount_setattr", "move_mount", "open_tree",
	"fsopen", "fsmount", "fsconfig", "fspick", "bpf", "personality", "keyctl", "add_key",
	"request_key", "userfaultfd", "perf_event_open", "unshare", "setns", "swapon",
	"swapoff", "reboot", "acct", "quotactl", "open_by_handle_at", "name_to_handle_at",
	"iopl", "ioperm", "fanotify_init", "io_uring_setup", "io_uring_enter",
	"io_uring_register", "kcmp", "pidfd_getfd", "setuid", "setgid", "setreuid",
	"setregid", "setresuid", "setresgid", "setgroups", "setfsuid", "setfsgid", "capset",
	"settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "syslog", "vhangup",
	"uselib",
};

/* The web writes nothing: these fail with EACCES (Landlock does it too where present). */
static const char *const deny_fs_write[] = {
	"creat", "truncate", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir",
	"mkdirat", "rmdir", "link", "linkat", "symlink", "symlinkat", "mknod", "mknodat",
	"chmod", "fchmodat", "chown", "lchown", "fchownat",
};

/* The namespace flags clone must not carry. */
static const unsigned long clone_ns_flags[] = {
	CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWCGROUP,
};

int
rk_sandbox_paths_add(struct rk_sandbox_paths *p, int is_write, const char *path)
{
	int *n = is_write ? &p->n_write : &p->n_read;

	if (*n == RK_SANDBOX_MAX_PATHS)
		return -RK_E_INVAL;
	(is_write ? p->write : p->read)[(*n)++] = path;
	return 0;
}

int
rk_sandbox_allows_ptrace(void)
{
	return ALLOW_PTRACE;
}

int
rk_sandbox_landlock_abi(void)
{
	long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return v < 0 ? 0 : (int)v;
}

/* The file-system rights ABI abi knows (kernel documentation's table). */
static uint64_t
ll_fs_handled(int abi)
{
	uint64_t fs = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */

	if (abi >= 2)
		fs |= LL_FS_REFER;
	if (abi >= 3)
		fs |= LL_FS_TRUNCATE;
	if (abi >= 5)
		fs |= LL_FS_IOCTL_DEV;
	return fs;
}

/* Threads of this process (/proc/self/task entries), or -1 if unreadable. */
static int
count_threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/*
 * Allow rights beneath path (a directory, or a file: then only the file
 * rights).  A path that does not exist is skipped (returns 0); 1 if a
 * rule was added; <0 with err on failure.
 */
static int
ll_add(int ruleset, const char *path, uint64_t rights, uint64_t handled, struct rk_err *err)
{
	struct landlock_path_beneath_attr pb = {0};
	struct stat sb;
	int fd, rc;

	fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR || errno == EACCES ? 0 :
		    rk_err_set(err, RK_E_IO, "sandbox: %s: %s", path, strerror(errno));
	if (fstat(fd, &sb) == 0 && !S_ISDIR(sb.st_mode))
		rights &= LL_FILE_RIGHTS;
	pb.allowed_access = rights & handled;
	pb.parent_fd = fd;
	rc = pb.allowed_access == 0 ? 0 :
	    (int)syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0);
	close(fd);
	if (rc < 0)
		return rk_err_set(err, RK_E_IO, "sandbox: Landlock rule for %s: %s", path,
		    strerror(errno));
	return pb.allowed_access != 0;
}

/* The rules of role and p into ruleset.  Returns rules added, or <0 with err. */
static int
ll_add_all(int ruleset, enum rk_sandbox_role role, const struct rk_sandbox_paths *p,
    uint64_t handled, struct rk_err *err)
{
	int n = 0, rc;

	for (size_t i = 0; i < sizeof(sys_paths) / sizeof(sys_paths[0]); i++) {
		if (!(sys_paths[i].roles & (1u << role)))
			continue;
		if ((rc = ll_add(ruleset, sys_paths[i].path, sys_paths[i].rights, handled, err)) < 0)
			return rc;
		n += rc;
	}
	for (int i = 0; p != NULL && i < p->n_read; i++) {
		if ((rc = ll_add(ruleset, p->read[i], LL_READ, handled, err)) < 0)
			return rc;
		n += rc;
	}
	for (int i = 0; p != NULL && i < p->n_write; i++) {
		if ((rc = ll_add(ruleset, p->write[i], LL_WRITE_DIR, handled, err)) < 0)
			return rc;
		n += rc;
	}
	return n;
}

/*
 * Layer 2.  OUT: res->landlock_abi (0: none), res->n_rules.  0 or <0 with
 * err.
 */
static int
apply_landlock(enum rk_sandbox_role role, const struct rk_sandbox_paths *p,
    struct rk_sandbox_result *res, struct rk_err *err)
{
	struct ll_ruleset_attr attr = {0};
	int abi = rk_sandbox_landlock_abi(), fd, rc;

	if (abi <= 0)
		return 0;
	if (count_threads() > 1)
		return rk_err_set(err, RK_E_INVAL, "sandbox: %d threads already run: Landlock "
		    "must come before the first thread", count_threads());
	if (abi > LL_MAX_ABI)
		abi = LL_MAX_ABI;
	attr.handled_access_fs = ll_fs_handled(abi);
	if (abi >= 4)
		attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	if (abi >= 6)
		attr.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
	fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (fd < 0)
		return rk_err_set(err, RK_E_IO, "sandbox: landlock_create_ruleset (ABI %d): %s",
		    abi, strerror(errno));
	rc = ll_add_all(fd, role, p, attr.handled_access_fs, err);
	if (rc >= 0) {
		res->n_rules = rc;
		if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
			rc = rk_err_set(err, RK_E_IO, "sandbox: landlock_restrict_self: %s",
			    strerror(errno));
	}
	close(fd);
	if (rc < 0)
		return rc;
	res->landlock_abi = abi;
	return 0;
}

/*
 * One argument comparison: argument arg (0-based) op a; for
 * SCMP_CMP_MASKED_EQ, (arg & a) == b.  (libseccomp's SCMP_A* macros leave
 * datum_b to a missing initializer, which clang -Wextra refuses.)
 */
static struct scmp_arg_cmp
cmp(unsigned arg, enum scmp_compare op, uint64_t a, uint64_t b)
{
	struct scmp_arg_cmp c = {.arg = arg, .op = op, .datum_a = a, .datum_b = b};

	return c;
}

/* action for the call named name, if this architecture has it.  0 or <0. */
static int
sc_deny(scmp_filter_ctx ctx, uint32_t action, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);

	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture */
	return seccomp_rule_add(ctx, action, nr, 0);
}

/* Capture: only AF_PACKET and NETLINK_GENERIC sockets; no connect, listen, accept. */
static int
sc_capture_sockets(scmp_filter_ctx ctx)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	int rc = 0;

	/* AF_NETLINK (16) and AF_PACKET (17) are neighbours: refuse below and above. */
	_Static_assert(AF_NETLINK + 1 == AF_PACKET, "AF_NETLINK, AF_PACKET adjacent");
	rc |= seccomp_rule_add(ctx, eperm, SCMP_SYS(socket), 1,
	    cmp(0, SCMP_CMP_LT, AF_NETLINK, 0));
	rc |= seccomp_rule_add(ctx, eperm, SCMP_SYS(socket), 1,
	    cmp(0, SCMP_CMP_GT, AF_PACKET, 0));
	rc |= seccomp_rule_add(ctx, eperm, SCMP_SYS(socket), 2,
	    cmp(0, SCMP_CMP_EQ, AF_NETLINK, 0), cmp(2, SCMP_CMP_NE, NETLINK_GENERIC, 0));
	rc |= sc_deny(ctx, eperm, "connect");
	rc |= sc_deny(ctx, eperm, "listen");
	rc |= sc_deny(ctx, eperm, "accept");
	rc |= sc_deny(ctx, eperm, "accept4");
	rc |= sc_deny(ctx, eperm, "socketpair");
	return rc;
}

/* Web and collector: no new socket; accept on the one held, nothing else. */
static int
sc_no_sockets(scmp_filter_ctx ctx)
{
	const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
	int rc = 0;

	rc |= sc_deny(ctx, eperm, "socket");
	rc |= sc_deny(ctx, eperm, "connect");
	rc |= sc_deny(ctx, eperm, "bind");
	rc |= sc_deny(ctx, eperm, "listen");
	return rc;
}

/* Web: no open that writes or creates, no call that changes the file system. */
static int
sc_read_only(scmp_filter_ctx ctx)
{
	const uint32_t eacces = SCMP_ACT_ERRNO(EACCES);
	static const unsigned wflags[] = {O_WRONLY, O_RDWR, O_CREAT, O_TRUNC};
	int rc = 0;

	for (size_t i = 0; i < sizeof(wflags) / sizeof(wflags[0]); i++) {
		rc |= seccomp_rule_add(ctx, eacces, SCMP_SYS(openat), 1,
		    cmp(2, SCMP_CMP_MASKED_EQ, wflags[i], wflags[i]));
		rc |= seccomp_rule_add(ctx, eacces, SCMP_SYS(open), 1,
		    cmp(1, SCMP_CMP_MASKED_EQ, wflags[i], wflags[i]));
	}
	/* openat2 keeps its flags in memory a filter cannot read: make glibc fall back. */
	rc |= sc_deny(ctx, SCMP_ACT_ERRNO(ENOSYS), "openat2");
	for (size_t i = 0; i < sizeof(deny_fs_write) / sizeof(deny_fs_write[0]); i++)
		rc |= sc_deny(ctx, eacces, deny_fs_write[i]);
	return rc;
}

/* The rules every role shares. */
static int
sc_common(scmp_filter_ctx ctx)
{
	int rc = 0;

	for (size_t i = 0; i < sizeof(deny_all) / sizeof(deny_all[0]); i++)
		if (!(ALLOW_PTRACE && strcmp(deny_all[i], "ptrace") == 0))
			rc |= sc_deny(ctx, SCMP_ACT_ERRNO(EPERM), deny_all[i]);
	/* clone3's flags are in memory: ENOSYS makes glibc use clone, checked here. */
	rc |= sc_deny(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3");
	for (size_t i = 0; i < sizeof(clone_ns_flags) / sizeof(clone_ns_flags[0]); i++)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
		    cmp(0, SCMP_CMP_MASKED_EQ, clone_ns_flags[i], clone_ns_flags[i]));
	return rc;
}

/* Layer 3: build and load the role's filter on every thread.  0 or <0 with err. */
static int
apply_seccomp(enum rk_sandbox_role role, struct rk_err *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (ctx == NULL)
		return rk_err_set(err, RK_E_NOMEM, "sandbox: seccomp_init failed");
	rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = sc_common(ctx);
	if (rc == 0)
		rc = role == RK_SANDBOX_CAPTURE ? sc_capture_sockets(ctx) : sc_no_sockets(ctx);
	if (rc == 0 && role == RK_SANDBOX_WEB)
		rc = sc_read_only(ctx);
	if (rc != 0) {
		seccomp_release(ctx);
		return rk_err_set(err, RK_E_IO, "sandbox: building the seccomp filter failed");
	}
	rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		return rk_err_set(err, RK_E_IO, "sandbox: seccomp: %s (give --no-sandbox to run "
		    "without it)", strerror(-rc));
	return 0;
}

/*
 * Confine this process as role (see the top of the file).  p: the
 * caller's paths (borrowed for the call; may be NULL).  OUT: *res.
 * Returns 0, or <0 with err: the caller must not go on unconfined unless
 * told to (--no-sandbox).  Cost: a few dozen syscalls, once.
 */
int
rk_sandbox_apply(enum rk_sandbox_role role, const struct rk_sandbox_paths *p,
    struct rk_sandbox_result *res, struct rk_err *err)
{
	int rc;

	memset(res, 0, sizeof(*res));
	if ((unsigned)role > RK_SANDBOX_COLLECTOR)
		return rk_err_set(err, RK_E_INVAL, "sandbox: unknown role %d", (int)role);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return rk_err_set(err, RK_E_IO, "sandbox: PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));
	if ((rc = apply_landlock(role, p, res, err)) < 0)
		return rc;
	return apply_seccomp(role, err);
}
