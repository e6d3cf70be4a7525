#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# bench/run-bench.sh - `make bench`: renkei against the bare libpcap loop and
# the tools a user would pick instead (tcpdump, argus, softflowd, pmacctd,
# tshark), on generated captures cached under bench/cache/.
#
# The work is done by bench/bench.py; this wrapper finds the build, and
# cleans up whatever a killed run could leave behind: the live benchmark's
# network namespaces (rkbench-<this pid>-a/-b) and the processes it started
# (their PIDs are listed in bench/cache/live-<this pid>.pids).
#
# Environment (all optional):
#   BUILD=build            the meson build directory (renkei, tools/renkei-gen,
#                          bench/pcap-loop)
#   BENCH_SIZES="1M 10M"   capture sizes (100k, 1M, 10M, ...)
#   BENCH_ROUNDS=3         timed rounds per tool and size (interleaved)
#   BENCH_TSHARK_10M=0     1: run tshark on captures above 1M packets too
#   BENCH_CALLGRIND=1      0: skip the callgrind instruction count
#   BENCH_LIVE=1           0: skip the live (veth) benchmark
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$root/$BUILD" ;; esac
export BUILD

if ! command -v python3 >/dev/null 2>&1; then
	echo "bench: python3 is missing (tools/deps.sh bench installs it)" >&2
	exit 1
fi
if [ ! -x "$BUILD/renkei" ]; then
	echo "bench: $BUILD/renkei not found: build first (make build, or BUILD=DIR)" >&2
	exit 1
fi

mkdir -p "$root/bench/cache"
BENCH_ID=$$
BENCH_PIDFILE="$root/bench/cache/live-$BENCH_ID.pids"
export BENCH_ID BENCH_PIDFILE

cleanup() {
	# Only what this run started: PIDs recorded by bench.py, namespaces
	# named after this shell's PID.
	if [ -f "$BENCH_PIDFILE" ]; then
		while read -r pid; do
			case "$pid" in '' | *[!0-9]*) continue ;; esac
			kill "$pid" 2>/dev/null || true
		done <"$BENCH_PIDFILE"
		rm -f "$BENCH_PIDFILE"
	fi
	if command -v ip >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
		for ns in "rkbench-$BENCH_ID-a" "rkbench-$BENCH_ID-b"; do
			if ip netns list 2>/dev/null | grep -q "^$ns\\b"; then
				ip netns del "$ns" 2>/dev/null || true
			fi
		done
	fi
}
trap cleanup EXIT

# In the background and waited for, not exec'd: a signal to this shell
# (Ctrl-C, timeout(1)) is then handled at once, passed on to bench.py, which
# stops what it started, and the cleanup above still runs afterwards.
python3 "$here/bench.py" "$@" &
py=$!
trap 'kill -TERM "$py" 2>/dev/null; wait "$py"; exit 130' INT
trap 'kill -TERM "$py" 2>/dev/null; wait "$py"; exit 143' TERM
wait "$py"
