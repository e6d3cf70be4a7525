/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon/test-sandbox.c - the sandbox bites, and lets each role work.
 *
 * Each test forks a child that applies one role's sandbox (it cannot be
 * undone, so never in the test process itself), tries the forbidden
 * actions (a file outside its paths, execve, a new socket, ptrace, a
 * namespace) and the allowed ones (system files, its own directory, a
 * thread), and exits 0 only if every try went as the policy says.  Every
 * try prints a TAP comment line; a check that needs Landlock prints a
 * "# SKIP" line when the kernel has none, never passes silently; a kernel
 * without Landlock is also simulated, to test the seccomp-only sandbox.  Children
 * leave with _exit (no atexit handler, e.g. LeakSanitizer's ptrace).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <seccomp.h>

#include <cmocka.h>

#include "daemon/daemon.h"

/* The scratch tree: DIR/own (the role's directory) and DIR/outside/secret. */
struct tree {
	char dir[64];
	char own[96], own_file[128], outside[96], secret[128], outside_new[128];
};

static struct tree t;
static int n_failed; /* in the child */
static int has_landlock; /* in the child, after apply */

static void __attribute__((format(printf, 2, 3)))
check(int ok, const char *fmt, ...)
{
	va_list ap;

	printf("# %s ", ok ? "ok  " : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		n_failed++;
}

static int
prctl_no_new_privs(void)
{
	return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
}

/* Returns -errno of an open (0 if it opened). */
static int
try_open(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

/* A refusal Landlock alone gives: checked, or a SKIP line without it. */
static void
landlock_refuses(const char *what, int rc)
{
	if (!has_landlock) {
		printf("# SKIP %s: Landlock not available on this kernel (seccomp only)\n", what);
		return;
	}
	check(rc == -EACCES, "%s refused: %s", what, strerror(-rc));
}

static int
try_socket(int family, int type, int proto)
{
	int fd = socket(family, type | SOCK_CLOEXEC, proto);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int
try_exec(void)
{
	char *const argv[] = {"true", NULL};
	char *const envp[] = {NULL};

	execve("/bin/true", argv, envp);
	return -errno; /* only reached when refused */
}

static void *
thread_main(void *arg)
{
	return arg;
}

/* A thread starts in the sandbox (clone3 refused: glibc falls back to clone). */
static int
try_thread(void)
{
	pthread_t th;
	void *ret = NULL;

	if (pthread_create(&th, NULL, thread_main, &t) != 0)
		return -1;
	pthread_join(th, &ret);
	return ret == &t ? 0 : -1;
}

/* 1 if /proc/self/status says key and value (e.g. "Seccomp:", "2"). */
static int
status_has(const char *key, const char *value)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256], want[64];
	int found = 0;

	if (f == NULL)
		return 0;
	snprintf(want, sizeof(want), "%s\t%s\n", key, value);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strcmp(line, want) == 0)
			found = 1;
	fclose(f);
	return found;
}

/* Apply role with own as its read (web) or write directory; 0 or the child exits. */
static void
apply(enum rk_sandbox_role role, int own_is_write)
{
	struct rk_sandbox_paths p = {0};
	struct rk_sandbox_result res;
	struct rk_err err = {0};

	rk_sandbox_paths_add(&p, own_is_write, t.own);
	if (rk_sandbox_apply(role, &p, &res, &err) < 0) {
		printf("# FAIL rk_sandbox_apply: %s\n", err.msg);
		fflush(stdout);
		_exit(100);
	}
	has_landlock = res.landlock_abi > 0;
	printf("# role %d: Landlock ABI %d, %d path rules\n", (int)role, res.landlock_abi,
	    res.n_rules);
	check(status_has("Seccomp:", "2"), "Seccomp: 2 in /proc/self/status");
	check(status_has("NoNewPrivs:", "1"), "NoNewPrivs: 1 in /proc/self/status");
}

/* What every role is refused, and may still do. */
static void
common_checks(void)
{
	int rc;

	check(try_open("/etc/passwd", O_RDONLY) == 0, "read /etc/passwd");
	check(try_open("/dev/null", O_RDONLY) == 0, "read /dev/null");
	check(try_thread() == 0, "start a thread");
	landlock_refuses("read outside its paths", try_open(t.secret, O_RDONLY));
	rc = try_exec();
	check(rc == -EPERM, "execve /bin/true refused: %s", strerror(-rc));
	rc = try_socket(AF_INET, SOCK_STREAM, 0);
	check(rc == -EPERM, "socket(AF_INET, SOCK_STREAM) refused: %s", strerror(-rc));
	rc = try_socket(AF_INET6, SOCK_DGRAM, 0);
	check(rc == -EPERM, "socket(AF_INET6, SOCK_DGRAM) refused: %s", strerror(-rc));
	rc = try_socket(AF_UNIX, SOCK_STREAM, 0);
	check(rc == -EPERM, "socket(AF_UNIX) refused: %s", strerror(-rc));
	if (rk_sandbox_allows_ptrace()) {
		printf("# SKIP ptrace refused: a sanitizer build keeps it for LeakSanitizer\n");
	} else {
		rc = ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 ? -errno : 0;
		check(rc == -EPERM, "ptrace refused: %s", strerror(-rc));
	}
	rc = unshare(CLONE_NEWUSER) < 0 ? -errno : 0;
	check(rc == -EPERM, "unshare(CLONE_NEWUSER) refused: %s", strerror(-rc));
	rc = setuid(0) < 0 ? -errno : 0;
	check(rc == -EPERM, "setuid refused: %s", strerror(-rc));
}

/* Fork, run body in the child, and return its exit status (0: every check held). */
static int
in_child(void (*body)(void))
{
	pid_t pid;
	int st = 0;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		body();
		fflush(stdout);
		_exit(n_failed == 0 ? 0 : 1);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void
capture_body(void)
{
	int rc;

	apply(RK_SANDBOX_CAPTURE, 1);
	common_checks();
	check(try_open("/dev/null", O_WRONLY) == 0, "write /dev/null");
	check(try_open(t.own_file, O_RDWR | O_CREAT) == 0, "write in the store's directory");
	check(unlink(t.own_file) == 0, "remove in the store's directory");
	landlock_refuses("write outside its paths", try_open(t.outside_new, O_WRONLY | O_CREAT));
	rc = try_socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	check(rc == -EPERM, "socket(AF_NETLINK, NETLINK_ROUTE) refused: %s", strerror(-rc));
	rc = try_socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	check(rc == 0, "socket(AF_NETLINK, NETLINK_GENERIC) for libpcap: %s", strerror(-rc));
}

static void
web_body(void)
{
	int rc;

	apply(RK_SANDBOX_WEB, 0);
	common_checks();
	check(try_open(t.own_file, O_RDONLY) == 0, "read the store");
	rc = try_open(t.own_file, O_RDWR);
	check(rc == -EACCES, "open the store for writing refused: %s", strerror(-rc));
	rc = try_open(t.outside_new, O_WRONLY | O_CREAT);
	check(rc == -EACCES, "create a file refused: %s", strerror(-rc));
	rc = unlink(t.own_file) < 0 ? -errno : 0;
	check(rc == -EACCES, "remove the store refused: %s", strerror(-rc));
	rc = try_socket(AF_PACKET, SOCK_RAW, 0);
	check(rc == -EPERM, "socket(AF_PACKET) refused: %s", strerror(-rc));
	rc = try_socket(AF_NETLINK, SOCK_RAW, NETLINK_GENERIC);
	check(rc == -EPERM, "socket(AF_NETLINK) refused: %s", strerror(-rc));
}

static void
collector_body(void)
{
	apply(RK_SANDBOX_COLLECTOR, 1);
	common_checks();
	check(try_open(t.own_file, O_RDWR | O_CREAT) == 0, "write in the store's directory");
	landlock_refuses("write outside its paths", try_open(t.outside_new, O_WRONLY | O_CREAT));
}

/*
 * A kernel without Landlock, simulated: a first filter makes
 * landlock_create_ruleset fail with ENOSYS.  The web's sandbox must then
 * report ABI 0 and still refuse through seccomp alone.
 */
static void
no_landlock_body(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (ctx == NULL || prctl_no_new_privs() < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(landlock_create_ruleset), 0) < 0 ||
	    seccomp_load(ctx) < 0) {
		check(0, "simulate a kernel without Landlock");
		return;
	}
	seccomp_release(ctx);
	check(rk_sandbox_landlock_abi() == 0, "Landlock hidden");
	apply(RK_SANDBOX_WEB, 0);
	check(!has_landlock, "the sandbox says: no Landlock, seccomp only");
	common_checks(); /* prints SKIP for what only Landlock refuses */
	rc = try_open(t.outside_new, O_WRONLY | O_CREAT);
	check(rc == -EACCES, "web: create a file refused by seccomp alone: %s", strerror(-rc));
}

/* A thread started before the sandbox would escape Landlock: refused. */
static void *
sleeper(void *arg)
{
	pause();
	return arg;
}

static void
late_body(void)
{
	struct rk_sandbox_result res;
	struct rk_err err = {0};
	pthread_t th;
	int rc;

	if (rk_sandbox_landlock_abi() == 0) {
		printf("# SKIP threads before the sandbox: Landlock not available\n");
		return;
	}
	check(pthread_create(&th, NULL, sleeper, NULL) == 0, "start a thread first");
	rc = rk_sandbox_apply(RK_SANDBOX_WEB, NULL, &res, &err);
	check(rc == -RK_E_INVAL, "sandbox after a thread refused: %s", err.msg);
}

static void
test_capture(void **state)
{
	(void)state;
	assert_int_equal(in_child(capture_body), 0);
}

static void
test_web(void **state)
{
	(void)state;
	assert_int_equal(in_child(web_body), 0);
}

static void
test_collector(void **state)
{
	(void)state;
	assert_int_equal(in_child(collector_body), 0);
}

static void
test_no_landlock(void **state)
{
	(void)state;
	assert_int_equal(in_child(no_landlock_body), 0);
}

static void
test_threads_first(void **state)
{
	(void)state;
	assert_int_equal(in_child(late_body), 0);
}

static void
test_paths_full(void **state)
{
	struct rk_sandbox_paths p = {0};

	(void)state;
	for (int i = 0; i < RK_SANDBOX_MAX_PATHS; i++)
		assert_int_equal(rk_sandbox_paths_add(&p, 0, "/x"), 0);
	assert_int_equal(rk_sandbox_paths_add(&p, 0, "/x"), -RK_E_INVAL);
	assert_int_equal(rk_sandbox_paths_add(&p, 1, "/y"), 0);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(t.dir, sizeof(t.dir), "/tmp/rk-sandbox-XXXXXX");
	if (mkdtemp(t.dir) == NULL)
		return -1;
	snprintf(t.own, sizeof(t.own), "%s/own", t.dir);
	snprintf(t.own_file, sizeof(t.own_file), "%s/store.db", t.own);
	snprintf(t.outside, sizeof(t.outside), "%s/outside", t.dir);
	snprintf(t.secret, sizeof(t.secret), "%s/secret", t.outside);
	snprintf(t.outside_new, sizeof(t.outside_new), "%s/new", t.outside);
	if (mkdir(t.own, 0700) < 0 || mkdir(t.outside, 0700) < 0)
		return -1;
	return try_open(t.secret, O_WRONLY | O_CREAT) == 0 ? 0 : -1;
}

/* Before each test: the store file exists (a child may have removed it). */
static int
fresh_store(void **state)
{
	(void)state;
	return try_open(t.own_file, O_WRONLY | O_CREAT) == 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(t.own_file);
	unlink(t.outside_new);
	unlink(t.secret);
	rmdir(t.own);
	rmdir(t.outside);
	rmdir(t.dir);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_full),
		cmocka_unit_test_setup(test_capture, fresh_store),
		cmocka_unit_test_setup(test_web, fresh_store),
		cmocka_unit_test_setup(test_collector, fresh_store),
		cmocka_unit_test_setup(test_no_landlock, fresh_store),
		cmocka_unit_test(test_threads_first),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
