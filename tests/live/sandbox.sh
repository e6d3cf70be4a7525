#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/live/sandbox.sh [RENKEI_BINARY] - `renkei capture` runs sandboxed
# on a real interface and still stores what it sees (issue 15 item 12;
# docs/SANDBOX.md; what the sandbox refuses: src/daemon/test-sandbox.c).
#
# Network: two namespaces rksbx-PID-srv (10.89.0.10, python3 http.server
# :8080) and rksbx-PID-cli (10.89.0.21, curl), joined by one veth pair
# made inside them; nothing is routed, nothing leaves them.  renkei
# captures on srv's eth0 as nobody: its /proc/PID/status must show
# Seccomp: 2 and NoNewPrivs: 1, SIGINT must end it with exit 0 after the
# final flush, and the store must hold 10.89.0.10's tcp/8080 service.
# Every process runs under timeout(1) and is killed by its PID in the EXIT
# trap, which also deletes the namespaces and the work directory.
# Exit: 0 passed, 1 failed, 77 skipped (not root, no netns, a tool missing).
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RENKEI=$(realpath "${1:-$REPO/build/renkei}" 2>/dev/null || echo "${1:-}")
P=rksbx-$$
LIFE=40
WORK=""
PIDS=()
FAILED=0

skip() { echo "SKIP: $*"; exit 77; }
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; FAILED=1; }

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, capture)"
for t in ip python3 curl timeout pgrep; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
done
[ -x "$RENKEI" ] || skip "renkei binary '$RENKEI' not found"

cleanup() {
    local pid ns
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${PIDS[@]}"; do
        timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null
        kill -KILL "$pid" 2>/dev/null
    done
    for ns in srv cli; do ip netns del "$P-$ns" 2>/dev/null; done
    [ -n "$WORK" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ip netns add "$P-srv" 2>/dev/null || skip "ip netns unavailable here"
ip netns add "$P-cli" || { bad "ip netns add"; exit 1; }
WORK=$(mktemp -d "/tmp/rksbx-$$.XXXXXX")
chmod 755 "$WORK"
ip link add eth0 netns "$P-srv" type veth peer name eth0 netns "$P-cli" || { bad "veth"; exit 1; }
ip -n "$P-srv" addr add 10.89.0.10/24 dev eth0
ip -n "$P-cli" addr add 10.89.0.21/24 dev eth0
for ns in srv cli; do
    ip -n "$P-$ns" link set lo up
    ip -n "$P-$ns" link set eth0 up
done

timeout -k 2 "$LIFE" ip netns exec "$P-srv" python3 -m http.server 8080 --bind 10.89.0.10 \
    --directory "$WORK" >"$WORK/http.log" 2>&1 </dev/null &
PIDS+=($!)
timeout -k 2 "$LIFE" ip netns exec "$P-srv" "$RENKEI" capture -i eth0 --db "$WORK/cap.db" \
    --flush 1 --user nobody --no-status >"$WORK/cap.log" 2>&1 </dev/null &
CAP=$!
PIDS+=($CAP)
for _ in $(seq 1 50); do
    grep -q "capturing on" "$WORK/cap.log" 2>/dev/null && break
    sleep 0.1
done
pid=$(pgrep -P "$CAP" | head -1)   # renkei: the child of timeout(1)
if [ -z "$pid" ] || ! grep -q "capturing on" "$WORK/cap.log"; then
    bad "capture did not start: $(cat "$WORK/cap.log")"
    exit 1
fi
grep -q "^Seccomp:[[:space:]]*2$" "/proc/$pid/status" && ok "capture: Seccomp: 2" ||
    bad "capture: $(grep Seccomp: "/proc/$pid/status")"
grep -q "^NoNewPrivs:[[:space:]]*1$" "/proc/$pid/status" && ok "capture: NoNewPrivs: 1" ||
    bad "capture: NoNewPrivs is not 1"
grep -q "Landlock not available; seccomp only" "$WORK/cap.log" &&
    echo "note: this kernel has no Landlock: seccomp only"

for _ in $(seq 1 6); do
    timeout 5 ip netns exec "$P-cli" curl -s -m 2 -o /dev/null http://10.89.0.10:8080/
    sleep 0.3
done
sleep 2
kill -INT "$pid"
wait "$CAP"
rc=$?
[ "$rc" = 0 ] && ok "capture: SIGINT, exit 0" || bad "capture exited $rc: $(cat "$WORK/cap.log")"
grep -q "final flush" "$WORK/cap.log" && ok "capture: final flush stored" ||
    bad "capture: no final flush: $(cat "$WORK/cap.log")"
if timeout 30 "$RENKEI" report --db "$WORK/cap.db" >"$WORK/report.txt" 2>&1 &&
    grep -q "^Host 10.89.0.10" "$WORK/report.txt" &&
    grep -A3 "^Host 10.89.0.10" "$WORK/report.txt" | grep -q "tcp/http-alt"; then
    ok "store: 10.89.0.10 tcp/8080 (http-alt) found by the sandboxed capture"
else
    bad "store: no 10.89.0.10 tcp/8080: $(head -20 "$WORK/report.txt")"
fi
[ "$FAILED" = 0 ] && echo "live sandbox: all passed" || echo "live sandbox: FAILED"
exit "$FAILED"
