#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/cli/progress.sh BUILD_DIR - the progress line of renkei analyze and
# renkei-gen (src/cli/progress.c): drawn on a terminal, never elsewhere,
# never with --quiet, and it changes no output byte.
#
# A terminal is a pseudo-terminal from util-linux script(1) ("script -qec
# CMD /dev/null" prints what CMD wrote to it).  The line is normally held
# back for the first second; RENKEI_PROGRESS_AFTER_MS=0 (a knob for tests)
# draws it from the first batch, so the checks do not depend on how fast
# the machine is.  One case keeps the default to check that a short run
# shows nothing.  Inputs are made here in a temporary directory (removed
# at the end).  The last line is "cli progress: N passed, N failed"; the
# exit status is 0 only if every check passed.
set -u
build=${1:-build}
R=$(cd "$build" && pwd)/renkei
GEN=$(cd "$build" && pwd)/renkei-gen
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1 # short relative names, so the lines fit the terminal
pass=0 fail=0
export SHELL=/bin/sh # script(1) runs its command with $SHELL -c

command -v script >/dev/null || { echo "FAIL: script(1) (util-linux) is not installed"; exit 1; }

# check NAME OK [DETAIL]: count one check; OK is 0 for a pass.
check() {
	if [ "$2" -eq 0 ]; then
		pass=$((pass + 1))
		printf 'ok   %s\n' "$1"
	else
		fail=$((fail + 1))
		printf 'FAIL %s%s\n' "$1" "${3:+: $3}"
	fi
}

# on_tty OUT CMD [COLS]: run the shell command CMD on a pseudo-terminal
# (stdin, stdout, stderr) of COLS columns (120), what it wrote to the
# terminal into OUT; CMD's status.
on_tty() {
	timeout 60 script -qec "stty cols ${3:-120}; $2" /dev/null >"$1" </dev/null
}

# has FILE TEXT / lacks FILE TEXT: 0 if FILE contains (lacks) TEXT, fixed string.
has() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }
# No carriage return: nothing was drawn in place.
no_cr() { ! grep -q $'\r' "$1"; }
# A drawn line: "N% ... ETA M:SS ... packets" between two carriage returns.
drawn() { tr '\r' '\n' <"$1" | grep -Eq "^$2: [0-9]+%  ETA [0-9]+:[0-9]{2}  [0-9,]+.* packets  .* pkt/s  .*B/s"; }
# The line was blanked before the closing line: the segment before it is spaces.
blanked() {
	tr '\r' '\n' <"$1" | awk -v p="$2: wrote" '
	    index($0, p) == 1 { ok = prev ~ /^ +$/ } { prev = $0 } END { exit !ok }'
}

# off_tty WHO ERR WROTE CMD...: CMD (the program WHO) with its stderr in the
# file ERR, no terminal: exit 0, no progress line, only the closing line,
# which contains WROTE.
off_tty() {
	local who=$1 err=$2 wrote=$3
	shift 3
	RENKEI_PROGRESS_AFTER_MS=0 "$@" 2>"$err" </dev/null
	check "$who, stderr to a file: exit 0" $?
	no_cr "$err" && lacks "$err" "%" && lacks "$err" "ETA"
	check "$who, stderr to a file: no progress line" $? "$(head -c 300 "$err")"
	[ "$(wc -l <"$err")" -eq 1 ] && has "$err" "$wrote"
	check "$who, stderr to a file: only the closing 'wrote' line" $? "$(head -c 300 "$err")"
}

# quiet_on_tty WHO OUT CMD: the shell command CMD (WHO --quiet) on a
# terminal, what it wrote there in OUT: exit 0, and nothing written.
quiet_on_tty() {
	on_tty "$2" "$3"
	check "$1 --quiet on a terminal: exit 0" $?
	[ ! -s "$2" ]
	check "$1 --quiet on a terminal: prints nothing" $? "$(head -c 300 "$2")"
}

gen_args="--seed 7 --clients 300 --servers 30 --subnets 10 --packets 200000"

echo "== renkei-gen"
on_tty gen.tty "RENKEI_PROGRESS_AFTER_MS=0 '$GEN' $gen_args -o a.pcap --truth a.json"
check "gen on a terminal: exit 0" $?
drawn gen.tty renkei-gen
check "gen on a terminal: a progress line (N%, ETA, packets of the target, rates)" $? \
    "$(tr '\r' '\n' <gen.tty | head -3)"
has gen.tty "/200,000 packets"
check "gen on a terminal: packets counted against --packets (200,000)" $?
blanked gen.tty renkei-gen
check "gen on a terminal: the line is blanked before the closing line" $?
has gen.tty "renkei-gen: wrote a.pcap (200,000 packets, " &&
    grep -Eq "and a.json \([0-9,]+ services, [0-9,]+ edges\)" gen.tty
check "gen on a terminal: 'wrote FILE (N packets, SIZE) and TRUTH (N services, N edges)'" $? \
    "$(tr '\r' '\n' <gen.tty | grep wrote)"

off_tty gen gen.err "renkei-gen: wrote b.pcap (200,000 packets, " \
    "$GEN" $gen_args -o b.pcap --truth b.json
quiet_on_tty gen genq.tty \
    "RENKEI_PROGRESS_AFTER_MS=0 '$GEN' $gen_args -o c.pcap --truth c.json --quiet"

cmp -s a.pcap b.pcap && cmp -s a.pcap c.pcap &&
    cmp -s a.json b.json && cmp -s a.json c.json
check "gen: the pcap and the truth are byte-identical with, without and --quiet" $?

echo "== renkei analyze"
an="'$R' analyze --services-db none"
on_tty an.tty "RENKEI_PROGRESS_AFTER_MS=0 $an -o r1.txt a.pcap"
check "analyze on a terminal: exit 0" $?
drawn an.tty renkei
check "analyze on a terminal: a progress line (N%, ETA, packets, rates)" $? \
    "$(tr '\r' '\n' <an.tty | head -3)"
has an.tty a.pcap
check "analyze on a terminal: the line names the file" $?
blanked an.tty renkei
check "analyze on a terminal: the line is blanked before the closing line" $?
has an.tty "renkei: wrote r1.txt (text report, " && has an.tty "from 200,000 packets)"
check "analyze -o on a terminal: 'renkei: wrote FILE (text report, SIZE, from N packets)'" $? \
    "$(tr '\r' '\n' <an.tty | grep wrote)"

off_tty analyze an.err "renkei: wrote r2.txt" "$R" analyze --services-db none -o r2.txt a.pcap
quiet_on_tty analyze anq.tty "RENKEI_PROGRESS_AFTER_MS=0 $an --quiet -o r3.txt a.pcap"

gzip -1 -c a.pcap >a.pcap.gz
on_tty gz.tty "RENKEI_PROGRESS_AFTER_MS=0 $an -o r4.txt a.pcap.gz"
drawn gz.tty renkei
check "analyze of a .gz file on a terminal: percent and ETA (of the compressed bytes)" $? \
    "$(tr '\r' '\n' <gz.tty | head -3)"

on_tty pipe.tty "cat a.pcap | RENKEI_PROGRESS_AFTER_MS=0 $an -o r5.txt -"
tr '\r' '\n' <pipe.tty | grep -Eq "^renkei: [0-9,]+ packets  .* pkt/s  .*B/s  standard input" &&
    lacks pipe.tty "%" && lacks pipe.tty "ETA"
check "analyze of a pipe on a terminal: counts and rates, no percent or ETA" $? \
    "$(tr '\r' '\n' <pipe.tty | head -3)"

on_tty two.tty "RENKEI_PROGRESS_AFTER_MS=0 $an -o r6.txt a.pcap b.pcap"
tr '\r' '\n' <two.tty | grep -q "  1/2 a.pcap" &&
    tr '\r' '\n' <two.tty | grep -q "  2/2 b.pcap"
check "analyze of two files on a terminal: the line says which (1/2, 2/2)" $? \
    "$(tr '\r' '\n' <two.tty | grep -v '^ *$' | head -4)"

on_tty narrow.tty "RENKEI_PROGRESS_AFTER_MS=0 $an -o r8.txt a.pcap b.pcap" 40
tr '\r' '\n' <narrow.tty | grep -v wrote | awk 'length($0) > 39 { bad = 1 } END { exit bad }' &&
    has narrow.tty "renkei: "
check "analyze on a 40-column terminal: the line is cut to 39 columns (never wraps)" $? \
    "$(tr '\r' '\n' <narrow.tty | grep -v '^ *$' | head -3)"

"$GEN" --quiet --seed 7 --clients 30 --servers 5 --subnets 2 --packets 6000 -o small.pcap
on_tty short.tty "unset RENKEI_PROGRESS_AFTER_MS; $an -o r7.txt small.pcap"
no_cr_but_last() { tr '\r' '\n' <"$1" | grep -v '^$' | grep -qv "renkei: wrote"; }
! no_cr_but_last short.tty
check "analyze of a short run (default: nothing in the first second): no progress line" $? \
    "$(tr '\r' '\n' <short.tty | head -3)"

cmp -s r1.txt r2.txt && cmp -s r1.txt r3.txt &&
    cmp -s r1.txt r4.txt && cmp -s r1.txt r5.txt
check "analyze: the report is identical on a terminal, off it, --quiet, gzip, pipe" $?

echo "cli progress: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
