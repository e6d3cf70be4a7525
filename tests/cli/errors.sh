#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/cli/errors.sh BUILD_DIR - what a new user meets when something is
# wrong: every case gets one line on stderr that names the cause (and the
# fix where there is one) and a non-zero exit, never a crash, an empty
# success or a library's message out of context.
#
# Each case runs one command with a bounded time, then checks its exit
# status and that stderr matches a pattern (grep -E).  Inputs are made
# here in a temporary directory (removed at the end); the only network
# use is a port on 127.0.0.1 that this script itself holds busy.  The
# last line is "cli errors: N passed, N failed".
set -u
build=${1:-build}
R=$(cd "$build" && pwd)/renkei
GEN=$(cd "$build" && pwd)/renkei-gen
T=$(mktemp -d)
holder=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
pass=0 fail=0

# expect NAME STATUS PATTERN -- COMMAND...: run COMMAND (60 s at most),
# want exit STATUS and a stderr line matching PATTERN.
expect() {
	local name=$1 want=$2 pat=$3 rc
	shift 4
	timeout 60 "$@" >"$T/out" 2>"$T/err" </dev/null
	rc=$?
	if [ "$rc" -eq "$want" ] && grep -Eq -- "$pat" "$T/err" && ! grep -q "AddressSanitizer\|runtime error" "$T/err"; then
		pass=$((pass + 1))
		printf 'ok   %-44s exit %d: %s\n' "$name" "$rc" "$(head -1 "$T/err")"
	else
		fail=$((fail + 1))
		printf 'FAIL %-44s exit %d (want %d), stderr:\n' "$name" "$rc" "$want"
		sed 's/^/       /' "$T/err" | head -5
		echo "       (wanted a line matching: $pat)"
	fi
}

# Inputs: a small real capture, an empty file, a capture of a link type
# renkei does not decode (147, USER0), and a store.
"$GEN" --quiet --seed 3 --clients 20 --servers 5 --subnets 2 --packets 3000 \
    -o "$T/small.pcap" --truth "$T/small.json" 2>/dev/null ||
	"$GEN" --seed 3 --clients 20 --servers 5 --subnets 2 --packets 3000 \
	    -o "$T/small.pcap" --truth "$T/small.json" >/dev/null 2>&1
: >"$T/empty.pcap"
python3 - "$T/dlt147.pcap" <<'EOF'
import struct, sys
hdr = struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147)
rec = struct.pack('<IIII', 1700000000, 0, 60, 60) + bytes(60)
open(sys.argv[1], 'wb').write(hdr + rec * 3)
EOF
"$R" analyze --db "$T/s.db" "$T/small.pcap" >/dev/null 2>&1 || { echo "FAIL: cannot make the store"; exit 1; }
# small.pcap with a corrupt record (caplen 300000) after its first 500, and
# again with the original length of every record set to 4 GB - 1.
python3 - "$T/small.pcap" "$T/corrupt.pcap" "$T/hugelen.pcap" <<'EOF'
import struct, sys
b = open(sys.argv[1], 'rb').read()
off, recs = 24, []
while off + 16 <= len(b):
    cap = struct.unpack_from('<I', b, off + 8)[0]
    recs.append(off)
    off += 16 + cap
cut = recs[500]
bad = bytearray(b)
struct.pack_into('<I', bad, cut + 8, 300000)
open(sys.argv[2], 'wb').write(bytes(bad))
big = bytearray(b)
for o in recs:
    struct.pack_into('<I', big, o + 12, 0xffffffff)
open(sys.argv[3], 'wb').write(bytes(big))
EOF
: >"$T/auth-empty"
echo 'secret-token-1234' >"$T/auth-ok"

echo "--- inputs"
expect "empty file" 2 "empty\.pcap: empty file" -- "$R" analyze "$T/empty.pcap"
expect "/dev/null" 2 "/dev/null: empty input" -- "$R" analyze /dev/null
expect "empty standard input" 2 "standard input: empty input" -- "$R" analyze -
expect "unsupported link type, alone" 2 "link type .*\(147\) is not one renkei decodes" -- \
    "$R" analyze "$T/dlt147.pcap"
expect "unsupported link type, with another file" 3 "link type .*\(147\)" -- \
    "$R" analyze "$T/dlt147.pcap" "$T/small.pcap"
expect "a directory as input" 2 "directory" -- "$R" analyze "$T"
# An export directory with a planted link: refused, the link's target untouched.
mkdir -p "$T/html-sym" "$T/html-hard"
echo precious >"$T/precious"
ln -s "$T/precious" "$T/html-sym/index.html"
ln "$T/precious" "$T/html-hard/map.html"
expect "--html DIR with a symbolic link in it" 2 "refusing to write .*index\.html: it is a symbolic link" -- \
    "$R" report --db "$T/s.db" --html "$T/html-sym"
expect "--html DIR with a hard link in it" 2 "refusing to write .*map\.html: not a regular file of its own" -- \
    "$R" report --db "$T/s.db" --html "$T/html-hard"
if [ "$(cat "$T/precious")" = precious ]; then
	pass=$((pass + 1)); echo "ok   the links' target is untouched"
else
	fail=$((fail + 1)); echo "FAIL an export wrote through a link"
fi
echo "not a capture" >"$T/bad.pcap"
expect "serve --pcap a file that is no capture" 2 "bad\.pcap: unknown file format" -- \
    "$R" serve --pcap "$T/bad.pcap" --listen 127.0.0.1:0
expect "serve --pcap a bad file beside a good one" 2 "bad\.pcap: unknown file format" -- \
    "$R" serve --pcap "$T/small.pcap" --pcap "$T/bad.pcap" --listen 127.0.0.1:0
expect "serve --pcap -" 2 "give a file, not standard input" -- \
    "$R" serve --pcap - --listen 127.0.0.1:0
expect "a corrupt record mid-file: report, exit 3" 3 \
    "corrupt record at offset [0-9]+ \\(caplen 300000 > [0-9]+\\); the 500 records before it were analysed" -- \
    "$R" analyze -o "$T/corrupt.txt" "$T/corrupt.pcap"
if grep -q "^Summary" "$T/corrupt.txt" 2>/dev/null; then
	pass=$((pass + 1)); echo "ok   the corrupt file's report was written"
else
	fail=$((fail + 1)); echo "FAIL the corrupt file's report is missing"
fi
# 4 GB original lengths: the traffic total stays within what the frames can be.
"$R" analyze --json -o "$T/hugelen.json" "$T/hugelen.pcap" 2>/dev/null
if python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["summary"]; sys.exit(0 if d["bytes"] <= d["packets"] * 262144 else 1)' "$T/hugelen.json"; then
	pass=$((pass + 1)); echo "ok   original lengths of 4 GB are capped"
else
	fail=$((fail + 1)); echo "FAIL original lengths of 4 GB counted as they are"
fi
expect "missing file" 2 "No such file" -- "$R" analyze "$T/nope.pcap"

echo "--- options"
expect "--flush without --db" 1 "--flush only applies with --db" -- \
    "$R" analyze --flush 10 "$T/small.pcap"
expect "--retention without --db" 1 "--retention only applies with --db" -- \
    "$R" analyze --retention 7 "$T/small.pcap"
expect "--since a day that does not exist" 1 "'2023-02-30' is not a time \(or no such date\)" -- \
    "$R" report --db "$T/s.db" --since 2023-02-30
expect "--until 25:00" 1 "is not a time" -- "$R" report --db "$T/s.db" --until '2023-11-14 25:00'
expect "inverted range" 1 "is empty: its start must come before its end" -- \
    "$R" report --db "$T/s.db" --since 2023-11-15 --until 2023-11-14
expect "inverted --diff range" 1 "is empty" -- \
    "$R" report --db "$T/s.db" --diff 2023-11-15 2023-11-14 - -
expect "range outside the store (warning, exit 0)" 0 "nothing stored in that range; the store holds" -- \
    "$R" report --db "$T/s.db" --since 2030-01-01

echo "--- the store path"
expect "--db in a missing directory" 2 "the directory .* does not exist \(create it first" -- \
    "$R" analyze --db "$T/no/such/dir/r.db" "$T/small.pcap"
expect "--db a directory" 2 "is a directory; the store is a file" -- \
    "$R" analyze --db "$T" "$T/small.pcap"
expect "--db /dev/null" 2 "/dev/null: not a regular file" -- \
    "$R" analyze --db /dev/null "$T/small.pcap"
expect "report --db absent" 2 "no such store \(make one with" -- "$R" report --db "$T/none.db"
expect "serve --db absent" 2 "no such store" -- "$R" serve --db "$T/none.db" --listen 127.0.0.1:0

echo "--- serve"
expect "--listen localhost is loopback" 2 "no such store" -- \
    "$R" serve --db "$T/none.db" --listen localhost:0
expect "--listen a name" 1 "'foo' is not an IP address" -- \
    "$R" serve --db "$T/s.db" --listen foo:8101
expect "--listen without a port" 1 "want ADDR:PORT" -- "$R" serve --db "$T/s.db" --listen 127.0.0.1
expect "--listen not loopback, no --auth" 1 "reachable from other machines: give --auth" -- \
    "$R" serve --db "$T/s.db" --listen 0.0.0.0:0
expect "--auth an empty file" 1 "the file is empty: put the secret" -- \
    "$R" serve --db "$T/s.db" --auth "$T/auth-empty" --listen 127.0.0.1:0
expect "--auth a missing file" 1 "auth-none: No such file" -- \
    "$R" serve --db "$T/s.db" --auth "$T/auth-none" --listen 127.0.0.1:0
# A port held by this script: bound and listening on 127.0.0.1 only.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(60)' "$T/port" &
holder=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
expect "--listen a busy port" 2 "cannot listen on 127\.0\.0\.1:$(cat "$T/port"): Address already in use \(another program" -- \
    "$R" serve --db "$T/s.db" --listen "127.0.0.1:$(cat "$T/port")"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
holder=""

# localhost is loopback: the server starts without --auth and answers.
"$R" serve --db "$T/s.db" --listen localhost:0 >"$T/serve.out" 2>"$T/serve.err" &
server=$!
for _ in $(seq 100); do grep -q "serving" "$T/serve.out" && break; sleep 0.1; done
port=$(sed -n 's|.*serving http://localhost:\([0-9]*\)/.*|\1|p' "$T/serve.out")
if [ -n "$port" ] && python3 -c 'import sys, urllib.request as u; u.urlopen("http://127.0.0.1:%s/" % sys.argv[1], timeout=10).read()' "$port"; then
	pass=$((pass + 1))
	echo "ok   --listen localhost:0 serves on 127.0.0.1     $(cat "$T/serve.out")"
else
	fail=$((fail + 1))
	echo "FAIL --listen localhost:0: $(cat "$T/serve.out" "$T/serve.err")"
fi
kill "$server" 2>/dev/null
wait "$server" 2>/dev/null

echo "--- commands that write files say what they wrote"
expect "analyze -o" 0 "wrote .*/r\.txt" -- "$R" analyze -o "$T/r.txt" "$T/small.pcap"
expect "report --html" 0 "wrote [0-9]+ files to .*/html \(open .*index\.html" -- \
    "$R" report --db "$T/s.db" --html "$T/html"
expect "serve --export" 0 "wrote [0-9]+ files to .*/export \(open" -- \
    "$R" serve --db "$T/s.db" --export "$T/export"
expect "renkei-gen" 0 "renkei-gen: wrote .*g\.pcap \(.*packets" -- \
    "$GEN" --seed 1 --clients 5 --servers 2 --subnets 1 --packets 500 -o "$T/g.pcap" --truth "$T/g.json"

echo "--- capture"
if [ "$(id -u)" = 0 ]; then
	# Loopback only, for one second: the warning names what --user root means.
	expect "capture --user root" 0 "running as root, as --user root asked" -- \
	    "$R" capture -i lo --user root --db "$T/cap.db" --duration 1
	expect "capture --db in a missing directory" 2 "does not exist \(create it first" -- \
	    "$R" capture -i lo --db "$T/no/dir/cap.db" --duration 1
else
	echo "skip capture cases: not root (live capture needs CAP_NET_RAW)"
fi

echo
echo "cli errors: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
