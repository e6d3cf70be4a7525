#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# run-live.sh [RENKEI_BINARY] - `renkei capture` on real interfaces, with
# real programs, scored against what this script started.
#
# Network: namespaces rklive-PID-* only.  A hub (a bridge with ageing 0:
# it floods every frame to every port) joins srv (10.88.0.10, fd88::10:
# python3 http.server :8080, socat TCP echo :5432, socat UDP echo :9999),
# dns (10.88.0.53: dnsmasq :53), c1 (10.88.0.21), c2 (10.88.0.22,
# fd88::22), fl (the flooder, no address) and tap, where renkei captures:
#   eth0   a hub port: sees everything, like a SPAN port;
#   eth1   only what srv sends   (tc ingress of srv's hub port, mirred);
#   eth2   only what srv receives (tc egress of srv's hub port, mirred):
#          the two halves of every srv conversation on two interfaces.
# Addresses exist only inside these namespaces; nothing is routed, nothing
# leaves them.  Every process runs under timeout(1) and is killed by PID in
# the EXIT trap; the namespaces are deleted there too.
#
# Phases (each a line in the summary):
#   1 capture  eth0, --user nobody: the drop is checked in /proc; SIGINT;
#              services and edges scored (precision and recall must be 1.0)
#   2 restart  same store, same clients again: sessions accumulate; the
#              interface is deleted and re-created mid-run: "capture lost",
#              "reopened", the process keeps running, the run is stored;
#              --threads 2: two fanout sockets, each with its reader thread
#   3 kill -9  mid-run: PRAGMA integrity_check = ok, the report still works
#   3b stop x2 two SIGTERMs 5 ms apart (what timeout(1) and signals to a
#              process group deliver): one stop; the final flush is
#              stored, exit 0
#   4 two-if   -i eth1 -i eth2 into a new store, --threads 3 (three readers,
#              two trackers: the halves of a conversation come through two
#              readers): srv's TCP services found
#              by the handshake rule in every session (both halves merged),
#              no session decided one-way
#   5 flood    1M SYNs from random sources (tcpreplay) with --max-sessions
#              100000: peak RSS below a bound from the cap, evictions
#              counted, phase 1's services still in the store
#
# The report comes from `renkei report --db DB --json`; while that command
# does not exist yet, livenet.py reads the store with sqlite3 (and says so).
# Exit: 0 all passed, 1 a check failed, 77 skipped (not root, no netns, a
# tool missing: apt-get install $(cat tests/live/packages.txt)).
set -u -o pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RENKEI=$(realpath "${1:-$REPO/build/renkei}" 2>/dev/null || echo "${1:-}")
P=rklive-$$
LIFE=60
FLOOD_N=${LIVE_FLOOD_N:-1000000}
CAP=100000
WORK=""
PIDS=()
NETUP=0
FAILED=0
RESULTS=()

skip() { echo "SKIP: $*"; exit 77; }
log() { echo "[live] $*" >&2; }
fail() { log "FAIL: $*"; FAILED=1; }

[ "$(id -u)" = 0 ] || skip "run-live.sh must run as root (network namespaces, capture)"
command -v ip >/dev/null || skip "ip (iproute2) not installed"
for t in python3 socat dnsmasq dig curl tcpreplay sqlite3 tc timeout ss; do
    command -v "$t" >/dev/null 2>&1 || skip "$t not installed (apt-get install \$(cat tests/live/packages.txt))"
done
[ -x "$RENKEI" ] || skip "renkei binary '$RENKEI' not found"
ip netns add "$P-probe" 2>/dev/null || skip "ip netns unavailable here"
ip netns del "$P-probe"
"$RENKEI" capture --help >/dev/null 2>&1 || skip "$RENKEI has no capture command"

PY=$(command -v python3)
WORK=$(mktemp -d "/tmp/rklive-$$.XXXXXX")
chmod 755 "$WORK"          # the capture runs as nobody after the drop
mkdir -p "$WORK/log"

# ------------------------------------------------------------ processes
start() {   # start NS LOGNAME CMD...: background, bounded by timeout
    local ns=$1 name=$2
    shift 2
    timeout -k 2 "$LIFE" ip netns exec "$P-$ns" "$@" >"$WORK/log/$name.log" 2>&1 </dev/null &
    PIDS+=($!)
}
in_ns() { local ns=$1; shift; timeout -k 2 30 ip netns exec "$P-$ns" "$@"; }
kill_pids() {
    local pid
    for pid in "$@"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "$@"; do
        timeout 5 tail --pid="$pid" -f /dev/null 2>/dev/null
        kill -KILL "$pid" 2>/dev/null
    done
}
wait_port() {   # wait_port NS tcp|udp PORT
    local opt=-ltnH i
    [ "$2" = udp ] && opt=-lunH
    for i in $(seq 1 50); do
        in_ns "$1" ss $opt "sport = :$3" 2>/dev/null | grep -q . && return 0
        sleep 0.1
    done
    log "nothing listens on $1 $2/$3"
    return 1
}

# ------------------------------------------------------------- network
HOSTS="srv dns c1 c2 fl"
declare -A V4=([srv]=10.88.0.10 [dns]=10.88.0.53 [c1]=10.88.0.21 [c2]=10.88.0.22)
declare -A V6=([srv]=fd88::10 [c2]=fd88::22)

net_up() {
    local n
    for n in hub tap $HOSTS; do
        ip netns add "$P-$n" || return 1
        ip netns exec "$P-$n" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
            net.ipv6.conf.default.accept_ra=0 net.ipv6.conf.default.accept_dad=0 >/dev/null
        ip -n "$P-$n" link set lo up
    done
    NETUP=1
    for n in hub tap fl; do
        ip netns exec "$P-$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
            net.ipv6.conf.default.disable_ipv6=1 >/dev/null
    done
    ip -n "$P-hub" link add br0 type bridge ageing_time 0 stp_state 0 mcast_snooping 0 || return 1
    ip -n "$P-hub" link set br0 up
    for n in tap $HOSTS; do
        ip link add "p-$n" netns "$P-hub" type veth peer name eth0 netns "$P-$n" || return 1
        ip -n "$P-hub" link set "p-$n" master br0
        ip netns exec "$P-$n" ethtool -K eth0 tso off gso off gro off >/dev/null 2>&1
        [ -n "${V4[$n]:-}" ] && ip -n "$P-$n" addr add "${V4[$n]}/24" dev eth0
        [ -n "${V6[$n]:-}" ] && ip -n "$P-$n" addr add "${V6[$n]}/64" dev eth0 nodad
        ip -n "$P-hub" link set "p-$n" up
        ip -n "$P-$n" link set eth0 up
    done
    # the two halves of srv's traffic on eth1 (srv sends) and eth2 (srv receives)
    ip link add m1 netns "$P-hub" type veth peer name eth1 netns "$P-tap" || return 1
    ip link add m2 netns "$P-hub" type veth peer name eth2 netns "$P-tap" || return 1
    for n in m1 m2; do ip -n "$P-hub" link set "$n" up; done
    for n in eth1 eth2; do ip -n "$P-tap" link set "$n" up; done
    tc -n "$P-hub" qdisc add dev p-srv clsact || return 1
    tc -n "$P-hub" filter add dev p-srv ingress protocol all u32 match u32 0 0 action mirred egress mirror dev m1 || return 1
    tc -n "$P-hub" filter add dev p-srv egress protocol all u32 match u32 0 0 action mirred egress mirror dev m2 || return 1
}

tap_readd() {   # the capture's interface vanishes, then comes back
    ip -n "$P-hub" link del p-tap
    sleep "$1"
    ip link add p-tap netns "$P-hub" type veth peer name eth0 netns "$P-tap"
    ip -n "$P-hub" link set p-tap master br0
    ip -n "$P-hub" link set p-tap up
    ip -n "$P-tap" link set eth0 up
}

net_down() {
    local n pid
    [ "$NETUP" = 1 ] || return 0
    for n in hub tap $HOSTS; do
        for pid in $(ip netns pids "$P-$n" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
    done
    for n in hub tap $HOSTS; do ip netns del "$P-$n" 2>/dev/null; done
    NETUP=0
}

cleanup() {
    kill_pids "${PIDS[@]}"
    net_down
    local ns
    for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$P-"); do
        ip netns del "$ns" 2>/dev/null
    done
    [ -n "$WORK" ] && [ -z "${LIVE_KEEP:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------- servers, clients
TRUTH=$WORK/truth
serves() { echo "service $*" >>"$TRUTH"; }
uses() { echo "edge $*" >>"$TRUTH"; }

servers() {
    : >"$TRUTH"
    start srv http "$PY" -m http.server 8080 --bind :: --directory "$WORK"
    start srv echo-tcp socat "TCP6-LISTEN:5432,ipv6only=0,fork,reuseaddr" PIPE
    start srv echo-udp socat "UDP4-LISTEN:9999,fork,reuseaddr" PIPE
    start dns dnsmasq dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv \
        --no-hosts --no-poll --bind-interfaces --user=root --listen-address=10.88.0.53 \
        --pid-file="$WORK/dnsmasq.pid" --log-facility=- --address=/srv.test/10.88.0.10
    wait_port srv tcp 8080 && wait_port srv tcp 5432 && wait_port srv udp 9999 &&
        wait_port dns udp 53 || return 1
    serves 10.88.0.10 tcp 8080; serves fd88::10 tcp 8080
    serves 10.88.0.10 tcp 5432; serves 10.88.0.10 udp 9999
    serves 10.88.0.53 udp 53; serves 10.88.0.53 tcp 53
    uses 10.88.0.21 10.88.0.10 tcp 8080; uses fd88::22 fd88::10 tcp 8080
    uses 10.88.0.21 10.88.0.10 tcp 5432; uses 10.88.0.22 10.88.0.10 tcp 5432
    uses 10.88.0.21 10.88.0.10 udp 9999; uses 10.88.0.22 10.88.0.10 udp 9999
    uses 10.88.0.21 10.88.0.53 udp 53; uses 10.88.0.22 10.88.0.53 tcp 53
    "$PY" "$HERE/livenet.py" truth "$TRUTH" "$WORK/truth.json"
}

clients() {   # clients SECONDS: every client talks for about SECONDS
    local s=$1 c
    start c1 web-c1 sh -c "for i in \$(seq 1 $((s * 2))); do curl -s -o /dev/null http://10.88.0.10:8080/; sleep 0.5; done"
    start c2 web-c2 sh -c "for i in \$(seq 1 $((s * 2))); do curl -s -o /dev/null 'http://[fd88::10]:8080/'; sleep 0.5; done"
    for c in c1 c2; do
        start $c pg-$c sh -c "for i in \$(seq 1 $((s * 5))); do echo q\$i; sleep 0.2; done | socat -t1 - TCP4:10.88.0.10:5432"
        start $c udp-$c sh -c "for i in \$(seq 1 $s); do echo ping | socat -T1 - UDP4:10.88.0.10:9999; sleep 0.5; done"
    done
    start c1 dig-c1 sh -c "for i in \$(seq 1 $s); do dig @10.88.0.53 +tries=1 +time=1 +short srv.test; sleep 0.5; done"
    start c2 dig-c2 sh -c "for i in \$(seq 1 $s); do dig @10.88.0.53 +tcp +tries=1 +time=1 +short srv.test; sleep 0.5; done"
}

# ------------------------------------------------------------- capture
CAPPID=""
cap_start() {   # cap_start NAME ARGS...: renkei capture in the tap namespace
    local name=$1 i
    shift
    timeout -k 2 "$LIFE" ip netns exec "$P-tap" "$RENKEI" capture --no-status "$@" \
        >"$WORK/log/cap-$name.log" 2>&1 </dev/null &
    CAPPID=$!
    PIDS+=($CAPPID)
    for i in $(seq 1 50); do
        grep -q "capturing on" "$WORK/log/cap-$name.log" 2>/dev/null && return 0
        kill -0 "$CAPPID" 2>/dev/null || break
        sleep 0.1
    done
    log "capture $name did not start:"; cat "$WORK/log/cap-$name.log" >&2
    return 1
}
cap_pid() { pgrep -P "$CAPPID" | head -1; }   # renkei: the child of timeout(1)
cap_stop() {    # cap_stop NAME: SIGINT, wait, the exit status
    local pid rc
    pid=$(cap_pid)
    kill -INT "$pid" 2>/dev/null
    wait "$CAPPID"
    rc=$?
    [ "$rc" = 0 ] || { log "capture $1 exited $rc:"; cat "$WORK/log/cap-$1.log" >&2; }
    return $rc
}
report() {      # report DB OUT: the store as JSON (renkei report or sqlite3)
    "$PY" "$HERE/livenet.py" report "$RENKEI" "$1" "$2" >"$WORK/report-src" || return 1
}
score() {       # score LABEL RESULT.json: services and edges, P and R must be 1.0
    local out
    out=$(timeout 30 "$PY" "$REPO/tests/score.py" "$WORK/truth.json" "$2" --label "$1")
    local rc=$?
    echo "$out"
    RESULTS+=("$(echo "$out" | grep -E 'services:|edges:' | tr '\n' ' ')")
    [ $rc = 0 ] || fail "$1: scores below 1.0"
}
total_sessions() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(s.get("sessions",0) for s in d["services"]))' "$1"; }

T0=$SECONDS
net_up || { log "network setup failed"; exit 1; }
servers || { log "servers did not start (see $WORK/log)"; exit 1; }
DB=$WORK/live.db

# ---- 1: capture on the SPAN port, privilege drop, SIGINT
log "phase 1: capture -i eth0 --user nobody"
cap_start p1 -i eth0 --db "$DB" --flush 2 --user nobody || exit 1
pid=$(cap_pid)
uid=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "/proc/$pid/status")
capeff=$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")
nobody=$(id -u nobody)
if [ "$uid" = "$nobody $nobody $nobody $nobody" ] && [ "$capeff" = 0000000000003000 ]; then
    log "privileges: uid $uid, CapEff $capeff (net_raw, net_admin only): ok"
else
    fail "privilege drop: uid '$uid' CapEff '$capeff'"
fi
clients 4
sleep 5
cap_stop p1 || fail "phase 1 capture exit status"
report "$DB" "$WORK/p1.json" || fail "report after phase 1"
log "report from: $(cat "$WORK/report-src")"
score live-capture "$WORK/p1.json"
S1=$(total_sessions "$WORK/p1.json")

# ---- 2: restart into the same store; the interface vanishes and returns
log "phase 2: restart, interface lost and reopened"
cap_start p2 -i eth0 --db "$DB" --flush 2 --threads 2 --user nobody || exit 1
clients 3
sleep 1.5
tap_readd 1
sleep 7
clients 2
sleep 3.5
kill -0 "$(cap_pid)" 2>/dev/null || fail "capture died when its interface vanished"
cap_stop p2 || fail "phase 2 capture exit status"
grep -q "capture lost" "$WORK/log/cap-p2.log" && grep -q "reopened" "$WORK/log/cap-p2.log" ||
    fail "no lost/reopened messages"
grep -E "lost|reopened" "$WORK/log/cap-p2.log" >&2
report "$DB" "$WORK/p2.json" || fail "report after phase 2"
score live-restart "$WORK/p2.json"
S2=$(total_sessions "$WORK/p2.json")
log "sessions stored: after run 1 $S1, after run 2 $S2"
[ "$S2" -gt "$S1" ] || fail "history did not accumulate ($S1 -> $S2)"
RESULTS+=("restart: sessions $S1 -> $S2")

# ---- 3: kill -9 mid-run
log "phase 3: kill -9"
cp "$DB" "$WORK/k9.db"; rm -f "$WORK/k9.db-wal" "$WORK/k9.db-shm"
cap_start p3 -i eth0 --db "$WORK/k9.db" --flush 1 || exit 1
clients 3
sleep 3.5
kill -KILL "$(cap_pid)"
wait "$CAPPID" 2>/dev/null
ic=$(timeout 30 sqlite3 "$WORK/k9.db" 'PRAGMA integrity_check')
report "$WORK/k9.db" "$WORK/p3.json" || fail "report after kill -9"
n3=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["services"]))' "$WORK/p3.json")
log "after kill -9: integrity_check=$ic, services in the report: $n3"
[ "$ic" = ok ] && [ "$n3" -ge 6 ] || fail "kill -9: integrity '$ic', services $n3"
RESULTS+=("kill -9: integrity_check=$ic services=$n3")

# ---- 3b: one stop delivered twice (timeout(1) signals its child, then its
# process group): the same stop, the final flush must still be stored.
# The default --flush (60 s) is never reached: only the final flush stores.
# Two TERMs sent together often merge into one pending signal, so the
# second is sent 5 ms after the first, as a busy machine delivers them.
log "phase 3b: SIGTERM twice, 5 ms apart (timeout(1), process groups)"
cap_start p3b -i eth0 --db "$WORK/term.db" || exit 1
clients 2
sleep 3
pid=$(cap_pid)
kill -TERM "$pid"
sleep 0.005
kill -TERM "$pid" 2>/dev/null
wait "$CAPPID"
rc=$?
report "$WORK/term.db" "$WORK/p3b.json" || fail "report after the double stop"
n3b=$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["services"]))' "$WORK/p3b.json" 2>/dev/null)
log "double stop: exit $rc, services stored: ${n3b:-none}"
if grep -q "second signal" "$WORK/log/cap-p3b.log" || [ "${n3b:-0}" -lt 6 ] || [ "$rc" != 0 ]; then
    cat "$WORK/log/cap-p3b.log" >&2
    fail "double stop lost the final flush (exit $rc, services ${n3b:-none})"
fi
RESULTS+=("double stop: exit=$rc services=${n3b:-none}")

# ---- 4: two interfaces, one direction each
log "phase 4: -i eth1 -i eth2 (each sees one direction of srv)"
cap_start p4 -i eth1 -i eth2 --db "$WORK/two.db" --flush 2 --threads 3 || exit 1
clients 3
sleep 4
cap_stop p4 || fail "phase 4 capture exit status"
rules=$("$PY" "$HERE/livenet.py" rules "$WORK/two.db")
log "decisions per service: $rules"
"$PY" - "$rules" <<'EOF' || fail "two interfaces: not merged by the handshake rule"
import json, sys
r = json.loads(sys.argv[1])
# eth2 is a copy of what the hub floods to srv: DNS (c1, c2 <-> dns) shows there whole
want = ["10.88.0.10 8080/tcp", "fd88::10 8080/tcp", "10.88.0.10 5432/tcp", "10.88.0.10 9999/udp",
        "10.88.0.53 53/udp", "10.88.0.53 53/tcp"]
ok = True
for k in want:
    v = r.get(k)
    if not v or v["oneway"] != 0 or (k.endswith("tcp") and v["handshake"] != v["sessions"]):
        print("not merged:", k, v); ok = False
extra = [k for k in r if k not in want]
if extra:
    print("unexpected services:", extra); ok = False
sys.exit(0 if ok else 1)
EOF
RESULTS+=("two-if: $(echo "$rules" | tr -d ' ')")

# ---- 5: flood of spoofed SYNs with a session cap
log "phase 5: $FLOOD_N random-source SYNs, --max-sessions $CAP"
"$PY" "$HERE/livenet.py" flood "$FLOOD_N" 10.88.0.10 80 "$WORK/flood.pcap" || exit 1
cap_start p5 -i eth0 --db "$DB" --flush 2 --max-sessions "$CAP" --buffer 32 --user nobody || exit 1
pid=$(cap_pid)
clients 2
sleep 2.5
timeout -k 2 60 ip netns exec "$P-fl" tcpreplay --topspeed -q -i eth0 "$WORK/flood.pcap" \
    >"$WORK/log/tcpreplay.log" 2>&1 || fail "tcpreplay"
sleep 3
hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status")
cap_stop p5 || fail "phase 5 capture exit status"
# The bound: the session table (64 B per slot plus its index), the
# classifier's pending sessions (2 x cap copies of 64 B), their evidence
# and hash maps: 1 KiB per tracked session is generous; plus the ring
# (--buffer 32 MiB) and 48 MiB for the program, libc, SQLite and names.
bound=$(( (CAP * 1024 + (32 + 48) * 1048576) / 1024 ))
ev=$(grep -o '[0-9]* evicted' "$WORK/log/cap-p5.log" | tail -1 | cut -d' ' -f1)
dr=$(grep -o '[0-9]* dropped' "$WORK/log/cap-p5.log" | tail -1 | cut -d' ' -f1)
report "$DB" "$WORK/p5.json" || fail "report after the flood"
log "flood: VmHWM ${hwm} kB, bound ${bound} kB (cap $CAP x 1 KiB + 80 MiB); evicted ${ev:-?}, dropped ${dr:-?}"
[ -n "$hwm" ] && [ "$hwm" -lt "$bound" ] || fail "peak RSS ${hwm} kB over the bound ${bound} kB"
[ "${ev:-0}" -gt 0 ] || fail "no evictions reported"
score live-after-flood "$WORK/p5.json"
RESULTS+=("flood: VmHWM=${hwm}kB bound=${bound}kB evicted=${ev:-?} dropped=${dr:-?}")

echo
for r in "${RESULTS[@]}"; do echo "  $r"; done
echo "live tests: $([ $FAILED = 0 ] && echo ok || echo FAILED) in $((SECONDS - T0)) s"
[ -n "${LIVE_KEEP:-}" ] && echo "kept: $WORK"
exit $FAILED
