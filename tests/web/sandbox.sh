#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/web/sandbox.sh BUILD_DIR - `renkei serve` runs sandboxed and still
# serves (issue 15 item 12; docs/SANDBOX.md).
#
# On a store made here: the server's /proc/PID/status shows Seccomp: 2
# (a filter) and NoNewPrivs: 1; every page answers 200, the map as an SVG
# with its nodes (Graphviz loads its plugins after the sandbox is on);
# with --no-sandbox it says so and runs unfiltered (Seccomp: 0).  What the
# sandbox refuses is tested by src/daemon/test-sandbox.c.
#
# Needs curl; else skip (77).  Listens on 127.0.0.1 only, on a port the
# kernel picks; each server is started here and killed by its PID (curl
# calls are bounded by -m).
set -u
build=${1:-build}
R=$(cd "$build" && pwd)/renkei
GEN=$(cd "$build" && pwd)/renkei-gen
command -v curl >/dev/null || { echo "SKIP: needs curl"; exit 77; }
T=$(mktemp -d /tmp/rk-sandbox.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=1; }

"$GEN" --seed 9 --clients 30 --servers 6 --subnets 2 --packets 8000 -o "$T/g.pcap" \
    --truth "$T/g.json" >/dev/null 2>&1 || { echo "FAIL: renkei-gen"; exit 1; }
"$R" analyze -q --db "$T/s.db" "$T/g.pcap" >/dev/null || { echo "FAIL: analyze --db"; exit 1; }

# serve ARGS...: start a server on a free port; sets pid and port.
serve() {
	port=""
	"$R" serve --db "$T/s.db" --listen 127.0.0.1:0 "$@" >"$T/serve.out" 2>"$T/serve.err" &
	pid=$!
	for _ in $(seq 1 100); do
		port=$(sed -n 's|^renkei: serving http://127.0.0.1:\([0-9]*\)/$|\1|p' "$T/serve.out")
		[ -n "$port" ] && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$T/serve.err"
	return 1
}
status_is() { # status_is KEY VALUE
	grep -q "^$1:[[:space:]]*$2\$" "/proc/$pid/status"
}
stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; pid=""; }

if serve; then
	status_is Seccomp 2 && ok "serve: Seccomp: 2" || bad "serve: no seccomp filter: $(grep Seccomp: /proc/$pid/status)"
	status_is NoNewPrivs 1 && ok "serve: NoNewPrivs: 1" || bad "serve: NoNewPrivs is not 1"
	for u in / /networks /hosts /map /api/summary /api/hosts /api/map; do
		code=$(curl -s -o "$T/page" -m 20 -w '%{http_code}' "http://127.0.0.1:$port$u")
		[ "$code" = 200 ] && ok "sandboxed $u: 200" || bad "sandboxed $u: $code"
	done
	code=$(curl -s -o "$T/map.svg" -m 30 -w '%{http_code}' "http://127.0.0.1:$port/map.svg")
	n=$(grep -c 'class="node"' "$T/map.svg")
	[ "$code" = 200 ] && [ "$n" -gt 0 ] && ok "sandboxed /map.svg: 200, $n nodes (Graphviz)" ||
	    bad "sandboxed /map.svg: $code, $n nodes"
	# The one line a kernel without Landlock earns; anything else is shown.
	grep -q 'Landlock not available; seccomp only' "$T/serve.err" &&
	    echo "note: this kernel has no Landlock: seccomp only"
	stop
else
	bad "serve did not start"
fi

# --sites under the sandbox: the walk, the per-site counts and @site targets.
printf '# sites\n10.0.0.0/24 core-dc\n' >"$T/sites.txt"
if serve --sites "$T/sites.txt"; then
	status_is Seccomp 2 && ok "serve --sites: Seccomp: 2" || bad "serve --sites: not filtered"
	code=$(curl -s -o "$T/impact.json" -m 20 -w '%{http_code}' \
	    "http://127.0.0.1:$port/api/impact?target=@core-dc")
	[ "$code" = 200 ] && grep -q '"name":"core-dc"' "$T/impact.json" &&
	    ok "sandboxed /api/impact?target=@core-dc: 200, its site counted" ||
	    bad "sandboxed /api/impact?target=@core-dc: $code $(head -c 200 "$T/impact.json")"
	for u in '/impact?target=@core-dc' '/needs?target=10.0.0.0%2F24'; do
		code=$(curl -s -o "$T/page" -m 20 -w '%{http_code}' "http://127.0.0.1:$port$u")
		[ "$code" = 200 ] && ok "sandboxed $u: 200" || bad "sandboxed $u: $code"
	done
	stop
else
	bad "serve --sites did not start"
fi

if serve --no-sandbox; then
	status_is Seccomp 0 && ok "serve --no-sandbox: Seccomp: 0" || bad "serve --no-sandbox is filtered"
	grep -q "no-sandbox" "$T/serve.err" && ok "serve --no-sandbox warns" ||
	    bad "serve --no-sandbox said nothing"
	stop
else
	bad "serve --no-sandbox did not start"
fi
[ "$fail" = 0 ] && echo "web sandbox: all passed" || echo "web sandbox: FAILED"
exit "$fail"
