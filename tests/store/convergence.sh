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
#     1/RATIO_MIN (default 1000: at the default PACKETS the store gives
#     ~1/1,250 at 16 hours; without the rollup it is ~1/200).  The issue hoped for 1/10,000; the script prints
#     whether that is met (docs/STORE.md: at PACKETS=1000000 it is
#     ~1/17,600 at 32 hours, which cover only 1 whole day of 3).
# Environment: HOURS ("1 2 4 8 16 32"), PACKETS (100000), SEED (3),
# RATIO_MIN (1000), KEEP=1 keeps the work directory, STAT=1 prints per H
# the bytes each table and index takes (dbstat).  The captures are piped
# from renkei-gen into `renkei analyze -`, never written to disk.
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
renkei=$build/renkei
gen=$build/renkei-gen
HOURS=${HOURS:-"1 2 4 8 16 32"}
PACKETS=${PACKETS:-100000}
SEED=${SEED:-3}
RATIO_MIN=${RATIO_MIN:-1000}
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
		db=$work/r$ret-h$h.db
		# Streamed, never written: 32 hours x 1M packets is ~19 GB of pcap.
		# The FIFO counts the pcap bytes on the way.
		rm -f "$work/fifo"
		mkfifo "$work/fifo"
		wc -c <"$work/fifo" >"$work/psize" &
		wcpid=$!
		"$gen" --hours "$h" --packets "$PACKETS" --seed "$SEED" -o - |
		    tee "$work/fifo" | "$renkei" analyze --db "$db" --retention "$ret" - >/dev/null
		wait "$wcpid"
		psize=$(cat "$work/psize")
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
		if [ "${STAT:-0}" = 1 ]; then
			# Where the bytes go (SQLite's dbstat: payload + B-tree overhead + free space).
			q "$db" "SELECT printf('        %-24s %10d bytes %6d pages %5.1f%%', name, sum(pgsize),
			    count(*), 100.0 * sum(pgsize) / (SELECT page_count * page_size FROM
			    pragma_page_count, pragma_page_size)) FROM dbstat GROUP BY name
			    ORDER BY sum(pgsize) DESC LIMIT 8"
			q "$db" "SELECT printf('        %-24s %10d bytes', 'freelist', freelist_count *
			    page_size) FROM pragma_freelist_count, pragma_page_size"
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
