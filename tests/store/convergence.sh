#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/store/convergence.sh [BUILD_DIR] - the store grows with relationships
# x time buckets, not with traffic (SPEC §7, the paper's tables 3-4).
#
# Feeds renkei-gen --hours H (the same enterprise relationships recurring
# every hour, packets growing linearly) for H = 1 2 4 8 16 32 into
# `renkei analyze --db`, once with the default retention (30 days: every
# hour keeps its own rows) and once with --retention 0 (every finished hour
# rolled up into its day), and prints per H: pcap bytes, wire bytes, edge
# and service-bucket rows, store bytes (after PRAGMA wal_checkpoint
# (TRUNCATE)) and the ratio traffic / store.
#
# Fails if
#   - the store grows more than its rows: bytes per row (edges +
#     service_buckets + hosts) at the largest H exceeds 1.25 x that at H=1;
#   - the rows grow more than relationships x buckets (rows > distinct
#     edges x buckets + distinct services x buckets);
#   - with --retention 0 the store at the largest H is more than
#     (days covered + 1) x the store at H=1 (it must stay flat within a day);
#   - the ratio at the largest H with --retention 0 is not below
#     1/RATIO_MIN (default 500: a broken rollup gives ~1/145).  The issue
#     hoped for 1/10,000; the script prints whether that is met (it is not
#     at this generator's density: ~1/930 at 32 hours - docs/STORE.md says
#     why, and what it would take).
# Environment: HOURS ("1 2 4 8 16 32"), PACKETS (20000), SEED (3),
# RATIO_MIN (500), KEEP=1 keeps the work directory.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
renkei=$build/renkei
gen=$build/renkei-gen
HOURS=${HOURS:-"1 2 4 8 16 32"}
PACKETS=${PACKETS:-20000}
SEED=${SEED:-3}
RATIO_MIN=${RATIO_MIN:-500}
command -v sqlite3 >/dev/null || { echo "convergence: sqlite3 CLI missing"; exit 77; }
[ -x "$renkei" ] && [ -x "$gen" ] || { echo "convergence: build $build first"; exit 1; }
work=$(mktemp -d /tmp/rk-converge.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT
fail=0

q() { sqlite3 "$1" "$2"; }

for ret in 30 0; do
	echo
	echo "retention $ret days (flush every 60 s of packet time)"
	printf '%5s %14s %14s %9s %9s %6s %12s %10s %11s\n' hours pcap_bytes wire_bytes \
	    edge_rows svc_rows days store_bytes bytes/row traffic/store
	first_bpr="" first_size="" last=""
	for h in $HOURS; do
		pcap=$work/h$h.pcap
		db=$work/r$ret-h$h.db
		"$gen" --hours "$h" --packets "$PACKETS" --seed "$SEED" -o "$pcap"
		psize=$(stat -c %s "$pcap")
		"$renkei" analyze --db "$db" --retention "$ret" "$pcap" >/dev/null
		rm -f "$pcap"
		q "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
		size=$(stat -c %s "$db")
		wire=$(q "$db" 'SELECT sum(bytes) FROM runs')
		erows=$(q "$db" 'SELECT count(*) FROM edges')
		srows=$(q "$db" 'SELECT count(*) FROM service_buckets')
		hrows=$(q "$db" 'SELECT count(*) FROM hosts')
		days=$(q "$db" 'SELECT count(DISTINCT bucket - bucket % 86400) FROM edges')
		dedges=$(q "$db" 'SELECT count(*) FROM (SELECT DISTINCT client, server, proto, port FROM edges)')
		dsvcs=$(q "$db" 'SELECT count(*) FROM services')
		buckets=$(q "$db" 'SELECT count(DISTINCT span * 1000000000 + bucket) FROM edges')
		rows=$((erows + srows + hrows))
		bpr=$((size / rows))
		ratio=$((wire / size))
		printf '%5s %14s %14s %9s %9s %6s %12s %10s %11s\n' "$h" "$psize" "$wire" \
		    "$erows" "$srows" "$days" "$size" "$bpr" "1/$ratio"
		if [ $((erows + srows)) -gt $(((dedges + dsvcs) * buckets)) ]; then
			echo "FAIL: $((erows + srows)) rows > relationships x buckets"
			fail=1
		fi
		[ -n "$first_bpr" ] || { first_bpr=$bpr; first_size=$size; }
		last="$h $size $bpr $ratio $days"
	done
	set -- $last
	if [ $(($3 * 4)) -gt $((first_bpr * 5)) ]; then
		echo "FAIL: $3 bytes per row at $1 hours, $first_bpr at the first size"
		fail=1
	fi
	if [ "$ret" = 0 ]; then
		if [ "$2" -gt $((first_size * ($5 + 1))) ]; then
			echo "FAIL: rolled-up store at $1 hours is $2 bytes, > ($5 days + 1) x $first_size"
			fail=1
		fi
		if [ "$4" -ge 10000 ]; then
			echo "issue target traffic/store < 1/10,000 at $1 hours: met (1/$4)"
		else
			echo "issue target traffic/store < 1/10,000 at $1 hours: NOT met (1/$4)"
		fi
		if [ "$4" -lt "$RATIO_MIN" ]; then
			echo "FAIL: traffic/store 1/$4 at $1 hours is not below 1/$RATIO_MIN"
			fail=1
		fi
	fi
done
[ $fail = 0 ] && echo "convergence: ok"
exit $fail
