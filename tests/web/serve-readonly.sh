#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/web/serve-readonly.sh BUILD_DIR - `renkei serve` on a store it may
# not write next to, the normal deployment: the writer (renkei capture, as
# root or its own user) owns the store and its directory, the web runs as
# another user.  Every page must answer 200, as `renkei report` does on
# the same file (issue 15 item 1: it answered 500 everywhere).
#
# Needs root (to run serve as nobody: setpriv) and curl; else skip (77).
# Listens on 127.0.0.1 only; the server is started here and killed by PID.
set -u
build=${1:-build}
R=$(cd "$build" && pwd)/renkei
GEN=$(cd "$build" && pwd)/renkei-gen
[ "$(id -u)" = 0 ] && command -v setpriv >/dev/null && command -v curl >/dev/null ||
	{ echo "SKIP: needs root, setpriv and curl"; exit 77; }
T=$(mktemp -d /tmp/rk-ro.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
chmod 755 "$T"
mkdir -m 755 "$T/store"
"$GEN" --seed 5 --clients 30 --servers 6 --subnets 2 --packets 8000 -o "$T/g.pcap" \
    --truth "$T/g.json" >/dev/null 2>&1 || { echo "FAIL: renkei-gen"; exit 1; }
"$R" analyze -q --db "$T/store/s.db" "$T/g.pcap" >/dev/null || { echo "FAIL: analyze --db"; exit 1; }
chmod 644 "$T/store/s.db"
port=$((20000 + RANDOM % 20000))
setpriv --reuid nobody --regid nogroup --clear-groups \
    timeout 60 "$R" serve --db "$T/store/s.db" --listen "127.0.0.1:$port" >"$T/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
fail=0
for u in / /networks /hosts /map /api/summary /api/hosts /api/map; do
	code=$(curl -s -o /dev/null -m 20 -w '%{http_code}' "http://127.0.0.1:$port$u")
	if [ "$code" = 200 ]; then
		echo "ok   $u as nobody on a read-only store: 200"
	else
		echo "FAIL $u as nobody on a read-only store: $code"
		fail=1
	fi
done
[ $fail = 0 ] || sed 's/^/    serve: /' "$T/serve.log"
ls "$T/store" | grep -qv '^s\.db$' && { echo "FAIL: serve wrote next to the store: $(ls "$T/store")"; fail=1; }
echo "serve on a read-only store: $([ $fail = 0 ] && echo ok || echo FAILED)"
exit $fail
