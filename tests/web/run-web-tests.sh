#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# The web tests: API (python3) and browser (headless chromium + playwright-core)
# against `renkei serve` on 127.0.0.1, with stores built from generated
# captures (one of them through a mirror of the clients' direction only),
# the XSS capture, and the static export; then abuse as real clients on
# loopback (abuse-test.py: slowloris, DNS rebinding, NUL, log flooding; ~20 s).
# usage: tests/web/run-web-tests.sh [BUILD_DIR]   (default: build)
# Screenshots are kept in BUILD_DIR/web-shots/.  BIG=1 uses the paper's scale
# (16,075 clients, 382 servers, 285 networks) and checks the timings.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
work="$build/web-test"
mkdir -p "$work"
if [ "${BIG:-0}" = 1 ]; then
	args="--clients 16075 --servers 382 --subnets 285"
	maxms="--max-ms 200"
else
	args="--clients 300 --servers 24 --subnets 12"
	maxms=""
fi
"$build/renkei-gen" $args -o "$work/net.pcap" --truth "$work/net.truth.json" >/dev/null
python3 "$here/make-xss-pcap.py" "$work/xss.pcap"
python3 "$here/../traps/variants.py" "$work/net.truth.json" "$work/net.pcap" "$work/net" c2s
rm -f "$work"/net.db* "$work"/xss.db* "$work"/oneway.db*
"$build/renkei" analyze "$work/net.pcap" --db "$work/net.db" -o /dev/null
"$build/renkei" analyze "$work/xss.pcap" --db "$work/xss.db" -o /dev/null
"$build/renkei" analyze "$work/net-c2s.pcap" --db "$work/oneway.db" -o /dev/null
python3 "$here/api-test.py" "$build/renkei" "$work/net.db" "$work/xss.db" $maxms \
    --oneway "$work/oneway.db"
python3 "$here/abuse-test.py" "$build/renkei" "$work/net.db"
rm -rf "$work/export"
"$build/renkei" report --db "$work/net.db" --html "$work/export"
if [ ! -d "$here/node_modules/playwright-core" ]; then
	(cd "$here" && npm install --no-audit --no-fund)
fi
node "$here/browser-test.mjs" "$build/renkei" "$work/net.db" "$build/web-shots" \
    "$work/xss.db" "$work/export" "$work/oneway.db"
