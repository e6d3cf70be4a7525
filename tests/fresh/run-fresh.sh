#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/fresh/run-fresh.sh - proves the README's promise that `make demo` works,
# as root, on a freshly installed Debian 12 with nothing but `make` added.
#
# What it does
#   1. Once: `debootstrap --variant=minbase --include=make bookworm` from
#      http://deb.debian.org/debian, kept as a tarball in /var/cache/renkei-fresh/
#      (bookworm-minbase-make.tar).  Delete the tarball to rebuild it.
#   2. Every run: unpack that tarball into a new `mktemp -d` under /var/tmp, copy
#      the tree under test in as a user would have it (the working-tree contents
#      of `git ls-files --cached --others --exclude-standard`: committed, edited
#      and new files, not ignored ones, not deleted ones) to /root/renkei, and
#      run `make demo` there in a chroot with an empty environment.  Then `make`
#      again (must be a no-op) and `build/renkei version`.
#   3. Checks: make demo exits 0; the report has its Summary with non-zero hosts
#      and services; build/renkei exists; renkei and renkei-gen printed no
#      warning or error ("renkei: warning: ..."); the second make did nothing;
#      the version is the one in meson.build.  On failure: the last 60 lines of
#      the log, and the logs are kept in a directory whose name is printed.
#
# Invariants
#   * Needs root, debootstrap, chroot and unshare; without them it prints
#     "SKIP: reason" and exits 77.  RENKEI_SKIP_FRESH=1 skips the same way.
#   * The installed system is new on every run.  Only downloads are reused: the
#     tarball, and /var/cache/renkei-fresh/apt-archives bind-mounted on the
#     chroot's /var/cache/apt/archives (apt still installs every package).
#   * The cache tarball is written under a temporary name, synced, then renamed:
#     an interrupted run never leaves a half cache.  One run at a time holds
#     /var/cache/renkei-fresh/lock (apt's archive lock would collide anyway).
#   * Network: only the Debian mirror (debootstrap, then apt-get inside `make`).
#   * Every mount (debootstrap's own proc/sys, and our proc, /dev, /dev/pts and
#     apt-archives) is made in a private mount namespace with its own PID
#     namespace (unshare): the mounts never show outside, are unmounted in
#     reverse order (umount -l as fallback) by the inside half of this script,
#     and vanish with the namespace even if that half is killed; every process
#     started in the chroot is killed when it ends.  Both halves run under
#     timeout(1): debootstrap 900 s, make demo RENKEI_FRESH_TIMEOUT (900 s).
#     Interrupted (INT, TERM), this script SIGKILLs the namespaces at once,
#     then cleans up.  SIGKILLed itself, its namespaces end on their own
#     (within the timeouts), taking their mounts, and its mktemp dirs stay.
#   * rm -rf only ever touches a directory this run made with mktemp -d, only
#     when findmnt shows nothing mounted at or under it, and with
#     --one-file-system.
#   * The last line is "fresh: ok (make demo in NNs)" or "fresh: FAILED (...)".
set -u

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
top=$(cd "$(dirname "$0")/../.." && pwd)
cache=/var/cache/renkei-fresh
tarball=$cache/bookworm-minbase-make.tar
archives=$cache/apt-archives
mirror=http://deb.debian.org/debian
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
bootstrap_timeout=900
demo_timeout=${RENKEI_FRESH_TIMEOUT:-900}
chroot_env=(/usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8)
# A private mount namespace and a PID namespace whose processes all die with it.
private_ns=(unshare --mount --propagation private --pid --fork --kill-child --mount-proc)

skip() {
	echo "SKIP: $*"
	exit 77
}

# ---------------------------------------------------------------- inside half
# `run-fresh.sh --inside WORK`: PID 1 of the namespaces made by the outside
# half.  Mounts, runs the three commands in the chroot WORK/root, writes their
# output and exit codes to WORK/log, unmounts.  Checks nothing.
inside() {
	local work=$1 root=$1/root log=$1/log m
	mounted=() # global: the EXIT trap reads it
	# Only ever as PID 1 of a fresh namespace, on a root this script unpacked.
	[ $$ -eq 1 ] || { echo "fresh: --inside is internal" >&2; exit 2; }
	case "$work" in /var/tmp/renkei-fresh.??????) ;; *) echo "fresh: bad work dir" >&2; exit 2 ;; esac

	unmount_all() {
		local i
		for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
			umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" ||
			    echo "fresh: cannot unmount ${mounted[i]}" >&2
		done
		mounted=()
	}
	trap unmount_all EXIT
	mnt() { # mnt [mount options...] TARGET
		mount "$@" || return 1
		mounted+=("${*: -1}")
	}
	mnt -t proc proc "$root/proc" &&
	    mnt --bind /dev "$root/dev" &&
	    mnt --bind /dev/pts "$root/dev/pts" &&
	    mnt --bind "$archives" "$root/var/cache/apt/archives" ||
	    { echo "fresh: mounting in the chroot failed" >&2; exit 1; }

	run() { # run NAME TIMEOUT COMMAND: in the chroot, output to log/NAME.log
		local name=$1 limit=$2 cmd=$3 rc t0=$SECONDS
		timeout -k 30 "$limit" chroot "$root" "${chroot_env[@]}" sh -c "$cmd" \
		    >"$log/$name.log" 2>&1 </dev/null
		rc=$?
		echo "$rc" >"$log/$name.rc"
		echo "$((SECONDS - t0))" >"$log/$name.time"
		printf 'fresh: %-14s exit %d, %ds\n' "$name" "$rc" "$((SECONDS - t0))"
	}
	run demo "$demo_timeout" 'cd /root/renkei && make demo'
	if [ "$(cat "$log/demo.rc")" = 0 ]; then
		run remake 300 'cd /root/renkei && make'
		run version 30 'cd /root/renkei && build/renkei version'
	fi

	unmount_all
	m=$(findmnt -rn -o TARGET | grep -F "$root/")
	[ -z "$m" ] || { echo "fresh: still mounted: $m" >&2; exit 1; }
	exit 0
}

if [ "${1:-}" = --inside ]; then
	inside "$2"
fi

# --------------------------------------------------------------- outside half
[ "${RENKEI_SKIP_FRESH:-0}" = 1 ] && skip "RENKEI_SKIP_FRESH=1 (fresh Debian 12 test not run)"
[ "$(id -u)" = 0 ] || skip "needs root (debootstrap, chroot and mounts)"
for c in debootstrap chroot unshare timeout findmnt flock tar git; do
	command -v "$c" >/dev/null 2>&1 ||
	    skip "$c missing (as root: tools/deps.sh check installs debootstrap)"
done
[ -f "$keyring" ] || skip "$keyring missing (package debian-archive-keyring)"
git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
    skip "$top is not a git checkout (the copy is made from git ls-files)"
"${private_ns[@]}" true 2>/dev/null ||
    skip "cannot make mount and PID namespaces here (unshare failed: no CAP_SYS_ADMIN?)"

work="" stage="" tmptar="" ns_pid="" ok=0
t_start=$SECONDS

# safe_rm DIR: remove a directory this run made with mktemp -d under /var/tmp,
# but only when nothing is mounted at or under it (deepest mounts are
# unmounted first, umount -l as fallback); never crosses into another
# file system.
safe_rm() {
	local d=$1 m left _
	case "$d" in /var/tmp/renkei-fresh.??????|/var/tmp/renkei-fresh-bootstrap.??????) ;;
	*) echo "fresh: refusing to remove '$d'"; return 1 ;; esac
	[ -d "$d" ] || return 0
	for _ in 1 2 3; do
		left=$(findmnt -rn -o TARGET | awk -v d="$d" '$0 == d || index($0, d "/") == 1' | sort -r)
		[ -z "$left" ] && break
		for m in $left; do
			umount "$m" 2>/dev/null || umount -l "$m"
		done
	done
	if [ -n "$left" ]; then
		echo "fresh: still mounted under $d, NOT removed: $(echo "$left" | tr '\n' ' ')"
		return 1
	fi
	rm -rf --one-file-system -- "$d"
}

# in_ns LOG COMMAND...: run COMMAND in new private mount and PID namespaces,
# its output to LOG (- for ours), in the background so that a signal to this
# script is handled at once (see kill_ns); returns COMMAND's exit status.
in_ns() {
	local out=$1 rc
	shift
	if [ "$out" = - ]; then
		"${private_ns[@]}" "$@" &
	else
		"${private_ns[@]}" "$@" >"$out" 2>&1 &
	fi
	ns_pid=$!
	wait "$ns_pid"
	rc=$?
	ns_pid=""
	return $rc
}

# kill_ns: when interrupted while in_ns runs, SIGKILL unshare; --kill-child
# takes its child (PID 1 of the namespace) and so every process in the
# namespace with it, and the namespace's mounts go away with them.  Waits
# (10 s at most) until that PID 1 is gone or a zombie: by then the rest are.
kill_ns() {
	local init i
	[ -n "$ns_pid" ] || return 0
	init=$(cat "/proc/$ns_pid/task/$ns_pid/children" 2>/dev/null)
	kill -KILL "$ns_pid" 2>/dev/null
	wait "$ns_pid" 2>/dev/null
	ns_pid=""
	for i in $init; do
		for _ in $(seq 100); do
			[ -e "/proc/$i" ] && ! grep -q '^State:.*Z' "/proc/$i/status" 2>/dev/null || break
			sleep 0.1
		done
	done
}

# cleanup: remove what this run made; fails if something could not be.
cleanup() {
	local t0=$SECONDS rc=0
	kill_ns
	[ -n "$tmptar" ] && rm -f -- "$tmptar"
	if [ -n "$stage" ]; then
		safe_rm "$stage" || rc=1
	fi
	if [ -n "$work" ]; then
		if [ $ok -eq 0 ] && [ -d "$work/log" ]; then
			local keep
			keep=$(mktemp -d /var/tmp/renkei-fresh-log.XXXXXX) &&
			    cp -p "$work"/log/* "$keep"/ 2>/dev/null &&
			    echo "fresh: logs kept in $keep"
		fi
		safe_rm "$work" || rc=1
	fi
	printf 'fresh: %-14s %ds\n' cleanup "$((SECONDS - t0))"
	return $rc
}
trap cleanup EXIT

fail() { # fail REASON: clean up, then say so on the last line
	trap - EXIT
	cleanup
	echo "fresh: FAILED ($*)"
	exit 1
}

trap 'fail "interrupted by SIGINT"' INT
trap 'fail "interrupted by SIGTERM"' TERM

phase() { # phase NAME T0: the time since T0
	printf 'fresh: %-14s %ds\n' "$1" "$((SECONDS - $2))"
}

mkdir -p "$archives" || fail "cannot make $archives"
exec 9>"$cache/lock"
flock -w 1800 9 || fail "another run holds $cache/lock"
# Under the lock nobody else writes the cache: a temporary tarball left here
# is from a killed run.
rm -f -- "$tarball".tmp.*

# 1. The pristine root, once.
t0=$SECONDS
if [ ! -f "$tarball" ]; then
	echo "fresh: no $tarball yet: debootstrap (once)"
	stage=$(mktemp -d /var/tmp/renkei-fresh-bootstrap.XXXXXX) || fail "mktemp"
	if ! in_ns "$stage/debootstrap.log" timeout -k 30 "$bootstrap_timeout" \
	    debootstrap --variant=minbase --include=make --keyring="$keyring" \
	    bookworm "$stage/root" "$mirror"; then
		tail -60 "$stage/debootstrap.log"
		fail "debootstrap failed or took over ${bootstrap_timeout}s"
	fi
	phase debootstrap "$t0"
	t1=$SECONDS
	tmptar=$(mktemp "$tarball.tmp.XXXXXX") || fail "mktemp"
	tar -C "$stage/root" --numeric-owner --xattrs --xattrs-include='*' -cf "$tmptar" . &&
	    sync "$tmptar" && mv -f -- "$tmptar" "$tarball" || fail "cannot write $tarball"
	tmptar=""
	safe_rm "$stage" || fail "cannot remove $stage"
	stage=""
	phase cache-tar "$t1"
else
	echo "fresh: using $tarball"
fi

# 2. A new system from it.
t0=$SECONDS
work=$(mktemp -d /var/tmp/renkei-fresh.XXXXXX) || fail "mktemp"
root=$work/root
mkdir -p "$root" "$work/log"
tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xf "$tarball" ||
    fail "cannot unpack $tarball"
for d in proc dev dev/pts var/cache/apt/archives root; do
	[ -d "$root/$d" ] || fail "the root has no /$d"
done
# A symlink here would be followed on the host: replace, never write through.
rm -f -- "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf" || fail "cannot copy /etc/resolv.conf"
phase unpack "$t0"

# 3. The tree under test, as a user would have it.
t0=$SECONDS
mkdir -p "$root/root/renkei"
n_files=$(cd "$top" && git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do
	    if [ -e "$f" ] || [ -L "$f" ]; then printf '%s\0' "$f"; fi
    done | tee "$work/log/files" | tr -cd '\0' | wc -c)
(cd "$top" && tar --null --no-recursion -T "$work/log/files" --owner=0 --group=0 \
    --numeric-owner -cf -) |
    tar -C "$root/root/renkei" -xf - || fail "cannot copy the tree"
rm -f "$work/log/files"
phase "copy $n_files files" "$t0"

# 4. make demo, make, renkei version: in the namespaces, in the chroot.
t0=$SECONDS
in_ns - bash "$self" --inside "$work"
inside_rc=$?
phase chroot-total "$t0"
[ $inside_rc -eq 0 ] || fail "the chroot run failed (exit $inside_rc)"

# 5. The checks.
log=$work/log
problems=()
demo_rc=$(cat "$log/demo.rc")
demo_time=$(cat "$log/demo.time")
if [ "$demo_rc" = 124 ] || [ "$demo_rc" = 137 ]; then
	problems+=("make demo took over ${demo_timeout}s")
elif [ "$demo_rc" != 0 ]; then
	problems+=("make demo exited $demo_rc")
fi
grep -q '^Summary' "$log/demo.log" || problems+=("no report Summary")
grep -Eq '^  hosts +[1-9]' "$log/demo.log" || problems+=("no '  hosts N' line with N > 0")
grep -Eq '^  services +[1-9]' "$log/demo.log" || problems+=("no '  services N' line with N > 0")
[ -x "$root/root/renkei/build/renkei" ] || problems+=("no build/renkei in the chroot")
# renkei and renkei-gen write their messages as "renkei: ..." (notes such as
# "renkei: wrote FILE" too): a warning or an error there is a failure.
diag='^renkei(-gen)?: (.*[^[:alpha:]])?(warning|error)'
if grep -Eiq "$diag" "$log/demo.log"; then
	problems+=("renkei said: $(grep -Ei "$diag" "$log/demo.log" | head -5 | tr '\n' '|')")
fi
if [ "$demo_rc" = 0 ]; then
	rc=$(cat "$log/remake.rc")
	[ "$rc" = 0 ] || problems+=("the second make exited $rc")
	grep -q '^ninja: no work to do' "$log/remake.log" || problems+=("the second make was not a no-op")
	grep -q '^installing:' "$log/remake.log" && problems+=("the second make installed packages")
	want=$(sed -n "s/^ *version: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -1)
	[ -n "$want" ] || want='[0-9][0-9.]*'
	grep -q "^renkei $want\$" "$log/version.log" ||
	    problems+=("build/renkei version printed '$(head -1 "$log/version.log")', not 'renkei $want'")
fi
n_warn=$(grep -c ': warning: ' "$log/demo.log")
[ "$n_warn" -eq 0 ] || echo "fresh: note: $n_warn compiler warning(s) in the build (not a failure)"

if [ ${#problems[@]} -gt 0 ]; then
	bad=demo
	[ "$demo_rc" = 0 ] && [ "$(cat "$log/remake.rc")" != 0 ] && bad=remake
	echo "--- the last 60 lines of $bad.log"
	tail -60 "$log/$bad.log"
	echo "---"
	printf 'fresh: problem: %s\n' "${problems[@]}"
	fail "${#problems[@]} problem(s); make demo exit $demo_rc in ${demo_time}s"
fi

ok=1
trap - EXIT
cleanup || { echo "fresh: FAILED (cleanup)"; exit 1; }
echo "fresh: total $((SECONDS - t_start))s"
echo "fresh: ok (make demo in ${demo_time}s)"
