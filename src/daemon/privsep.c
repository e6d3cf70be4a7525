/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * daemon/privsep.c - giving up privileges once the capture is open
 * (GUIDE §7, issue 3 item 5).
 *
 * Order in "renkei capture": open every interface (needs CAP_NET_RAW),
 * open the store and begin the run (the SQLite file and its WAL are open
 * from here on), then rk_privsep_drop(), then the first packet.
 *
 * As root: the target is --user, else the user "renkei" if it exists, else
 * nobody changes (the caller warns).  Steps, each checked:
 *   1. the bounding set loses every capability but CAP_NET_RAW and
 *      CAP_NET_ADMIN (so nothing regained later, e.g. by exec);
 *   2. PR_SET_KEEPCAPS, setgroups(0), setresgid(g,g,g), setresuid(u,u,u):
 *      real, effective and saved ids all change, no supplementary group;
 *   3. capset: effective = permitted = {NET_RAW, NET_ADMIN}, inheritable
 *      and ambient empty; PR_SET_NO_NEW_PRIVS.
 * Then verified: getresuid/getresgid show only the target, getgroups is
 * empty, setresuid(0,0,0) and setresgid(0,0,0) fail, capget shows nothing
 * beyond the two kept capabilities.  Any mismatch is an error; the caller
 * exits rather than capture with privileges it believes it gave up.
 *
 * Why keep CAP_NET_RAW: an interface that disappears is reopened every few
 * seconds (capture_live.c), and opening a packet socket needs it.  The
 * systemd unit grants exactly these two as ambient capabilities to the
 * renkei user, so both ways of running end in the same state.
 *
 * Not root (e.g. a binary given file capabilities with setcap): the uid
 * cannot change (--user other than the current user is an error); the
 * capability sets are cut down to the same two and verified.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>

#include "daemon/daemon.h"

#define KEEP_CAPS ((1ull << CAP_NET_RAW) | (1ull << CAP_NET_ADMIN))

/* Read the effective and permitted sets (64 bits each). */
static int
caps_get(unsigned long long *eff, unsigned long long *perm)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	if (syscall(SYS_capget, &h, d) < 0)
		return -1;
	*eff = (unsigned long long)d[0].effective | (unsigned long long)d[1].effective << 32;
	*perm = (unsigned long long)d[0].permitted | (unsigned long long)d[1].permitted << 32;
	return 0;
}

/* Set effective = permitted = mask, inheritable = 0. */
static int
caps_set(unsigned long long mask)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)mask;
	d[1].effective = d[1].permitted = (uint32_t)(mask >> 32);
	return syscall(SYS_capset, &h, d) < 0 ? -1 : 0;
}

/* Cut the capability sets to KEEP_CAPS & what we have; no ambient, no new privileges. */
static int
cut_caps(unsigned long long *kept, struct rk_err *err)
{
	unsigned long long eff = 0, perm = 0;

	if (caps_get(&eff, &perm) < 0)
		return rk_err_set(err, RK_E_IO, "capget: %s", strerror(errno));
	*kept = perm & KEEP_CAPS;
	if (caps_set(*kept) < 0)
		return rk_err_set(err, RK_E_IO, "capset: %s", strerror(errno));
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return rk_err_set(err, RK_E_IO, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	return 0;
}

/* Remove every capability but KEEP_CAPS from the bounding set (needs CAP_SETPCAP). */
static int
cut_bounding(struct rk_err *err)
{
	for (int cap = 0; cap < 64; cap++) {
		if ((KEEP_CAPS >> cap) & 1)
			continue;
		if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) < 0)
			break; /* past the last capability this kernel knows */
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			return rk_err_set(err, RK_E_IO, "PR_CAPBSET_DROP %d: %s", cap,
			    strerror(errno));
	}
	return 0;
}

/* Check that the process is uid/gid and cannot get root back. */
static int
verify(uid_t uid, gid_t gid, unsigned long long kept, struct rk_err *err)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	unsigned long long eff = 0, perm = 0;

	if (getresuid(&ru, &eu, &su) < 0 || ru != uid || eu != uid || su != uid)
		return rk_err_set(err, RK_E_IO, "privilege drop failed: uid is not %u", uid);
	if (getresgid(&rg, &eg, &sg) < 0 || rg != gid || eg != gid || sg != gid)
		return rk_err_set(err, RK_E_IO, "privilege drop failed: gid is not %u", gid);
	if (getgroups(0, NULL) != 0)
		return rk_err_set(err, RK_E_IO, "privilege drop failed: supplementary groups left");
	if (uid != 0 && (setresuid(0, 0, 0) == 0 || setresgid(0, 0, 0) == 0))
		return rk_err_set(err, RK_E_IO, "privilege drop failed: root could be regained");
	if (caps_get(&eff, &perm) < 0 || (eff & ~kept) != 0 || (perm & ~kept) != 0)
		return rk_err_set(err, RK_E_IO, "privilege drop failed: capabilities left "
		    "(permitted %#llx)", perm);
	return 0;
}

/*
 * Drop privileges (see the top of the file).  user: the user to become
 * when root; NULL means "renkei" if that user exists, else stay (then
 * res->did_switch is 0 and the caller should warn).  Call after every
 * capture source and the store are open, before the first packet.
 * OUT: *res, what the process is now.
 * Returns 0; -RK_E_INVAL (unknown user, or --user without root),
 * -RK_E_IO (a step or the verification failed: do not go on).
 * Cost: a few syscalls and a passwd lookup, once.
 */
int
rk_privsep_drop(const char *user, struct rk_privsep_result *res, struct rk_err *err)
{
	struct passwd *pw;
	uid_t uid;
	gid_t gid;
	int rc;

	memset(res, 0, sizeof(*res));
	errno = 0;
	pw = getpwnam(user != NULL ? user : "renkei");
	if (pw == NULL && user != NULL)
		return rk_err_set(err, RK_E_INVAL, "--user: no user '%s'", user);
	if (geteuid() != 0) {
		if (pw != NULL && user != NULL && pw->pw_uid != geteuid())
			return rk_err_set(err, RK_E_INVAL, "--user %s needs root", user);
		pw = NULL;
	}
	if (pw != NULL && pw->pw_uid != 0) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
		snprintf(res->user, sizeof(res->user), "%s", pw->pw_name);
		if ((rc = cut_bounding(err)) < 0)
			return rc;
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
		    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
			return rk_err_set(err, RK_E_IO, "cannot become %s: %s", res->user,
			    strerror(errno));
		(void)prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
		res->did_switch = 1;
	} else {
		uid = getuid();
		gid = getgid();
		pw = getpwuid(uid);
		snprintf(res->user, sizeof(res->user), "%s", pw != NULL ? pw->pw_name : "?");
		if (uid != geteuid() || gid != getegid())
			return rk_err_set(err, RK_E_IO, "set-id binary: not supported");
	}
	if ((rc = cut_caps(&res->caps, err)) < 0)
		return rc;
	if (res->did_switch && (rc = verify(uid, gid, res->caps, err)) < 0)
		return rc;
	if (!res->did_switch) {
		unsigned long long eff = 0, perm = 0;
		if (caps_get(&eff, &perm) < 0 || ((eff | perm) & ~res->caps) != 0)
			return rk_err_set(err, RK_E_IO, "capabilities left (permitted %#llx)", perm);
	}
	res->uid = uid;
	res->gid = gid;
	return 0;
}

/* 1 if user exists in the passwd database, else 0.  One lookup. */
int
rk_privsep_user_exists(const char *user)
{
	return getpwnam(user) != NULL;
}

/*
 * Give path (a file this process created while privileged, e.g. the store)
 * to user and its primary group, so that it stays writable after the drop.
 * A missing path is not an error.  Returns 0 or -RK_E_IO.
 */
int
rk_privsep_chown(const char *path, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL)
		return -RK_E_INVAL;
	if (chown(path, pw->pw_uid, pw->pw_gid) < 0 && errno != ENOENT)
		return -RK_E_IO;
	return 0;
}
