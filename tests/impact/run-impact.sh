#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/impact/run-impact.sh BUILD_DIR - renkei impact / needs end to end:
# on a generated enterprise capture, from the capture and from the store,
# every affected (needed) host and service and its depth must equal an
# independent walk (walk.py) over the generator's ground truth.  Targets:
# the database, the app server, the web server, DNS, the syslog server
# (soft: its clients are affected, nothing further), a user, a service,
# a site; and the error cases.  Temporary files only; no network.
set -u
build=${1:-build}
R=$(cd "$build" && pwd)/renkei
GEN=$(cd "$build" && pwd)/renkei-gen
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d /tmp/rk-impact.XXXXXX)
trap 'rm -rf "$T"' EXIT
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }

# The walk's soft list must be impact.c's.
c_soft=$(grep -oE '^\s*\{(6|17), [0-9]+\}' "$HERE/../../src/impact/impact.c" | tr -d ' \t{}' | sort)
py_soft=$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import walk
print("\n".join(sorted("%d,%d" % (6 if p == "tcp" else 17, n) for p, n in walk.SOFT)))' "$HERE")
[ "$c_soft" = "$py_soft" ] && ok "walk.py's soft services are impact.c's" ||
	bad "soft lists differ: impact.c [$c_soft] walk.py [$py_soft]"

"$GEN" --seed 21 --clients 200 --servers 20 --subnets 6 --packets 120000 -o "$T/g.pcap" \
    --truth "$T/g.json" >/dev/null 2>&1 || { echo "FAIL renkei-gen"; exit 1; }
"$R" analyze -q --db "$T/g.db" "$T/g.pcap" >/dev/null || { echo "FAIL analyze --db"; exit 1; }

# compare MODE LABEL RESULT.json TARGET_IPS... : renkei's answer == the walk's
compare() {
	local mode=$1 label=$2 res=$3
	shift 3
	python3 "$HERE/walk.py" "$mode" "$T/g.json" "$@" >"$T/want.json"
	if python3 - "$mode" "$res" "$T/want.json" <<'PY'
import json, sys
mode, got, want = sys.argv[1], json.load(open(sys.argv[2])), json.load(open(sys.argv[3]))
hkey = "affected_hosts" if mode == "impact" else "needed_hosts"
skeys = ("failed_services", "affected_services") if mode == "impact" else ("needed_services",)
hosts = {h["ip"]: h["depth"] for h in got[hkey]}
svcs = {"%s:%d/%s" % (s["ip"], s["port"], s["proto"]): s["depth"] for k in skeys for s in got[k]}
ok = True
for what, g, w in (("hosts", hosts, want["hosts"]), ("services", svcs, want["services"])):
    if g != w:
        ok = False
        print("  %s: only renkei %s; only truth %s; depth differs %s" % (what,
              sorted(set(g) - set(w))[:6], sorted(set(w) - set(g))[:6],
              sorted(k for k in set(g) & set(w) if g[k] != w[k])[:6]))
sys.exit(0 if ok else 1)
PY
	then ok "$label: $(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["hosts"]), "hosts,", len(d["services"]), "services, as the truth says")' "$T/want.json")"
	else bad "$label"
	fi
}

# The twelve busiest server hosts of the truth (the infrastructure and every
# tier), from the store; the busiest three from the capture too.
servers=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n={}
for e in d["edges"]: n[e["server"]] = n.get(e["server"], 0) + 1
print(" ".join(sorted(n, key=lambda h: (-n[h], h))[:12]))' "$T/g.json")
i=0
for tgt in $servers; do
	i=$((i + 1))
	if [ $i -le 3 ]; then
		"$R" impact --json "$tgt" "$T/g.pcap" >"$T/r.json" 2>"$T/err" &&
			compare impact "impact $tgt (capture)" "$T/r.json" "$tgt" ||
			bad "impact $tgt (capture): $(head -1 "$T/err")"
	fi
	"$R" impact --json --db "$T/g.db" "$tgt" >"$T/r.json" 2>"$T/err" &&
		compare impact "impact $tgt (store)" "$T/r.json" "$tgt" ||
		bad "impact $tgt (store): $(head -1 "$T/err")"
	"$R" needs --json --db "$T/g.db" "$tgt" >"$T/r.json" 2>"$T/err" &&
		compare needs "needs $tgt (store)" "$T/r.json" "$tgt" ||
		bad "needs $tgt (store): $(head -1 "$T/err")"
done
user=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={x["ip"] for x in d["services"]}; print(sorted(e["client"] for e in d["edges"] if e["client"] not in s)[0])' "$T/g.json")
"$R" needs --json "$user" "$T/g.pcap" >"$T/r.json" && compare needs "needs of the user $user" "$T/r.json" "$user"
"$R" impact --json "$user" "$T/g.pcap" >"$T/r.json" && compare impact "impact of the user $user" "$T/r.json" "$user"
two=$(echo $servers | cut -d' ' -f2,3)
# shellcheck disable=SC2086
"$R" impact --json --db "$T/g.db" $two >"$T/r.json" && compare impact "impact of two servers at once" "$T/r.json" $two
log=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print([s["ip"] for s in d["services"] if (s["proto"], s["port"]) == ("udp", 514)][0])' "$T/g.json")

# Syslog fails: its clients are affected (depth 1), nothing passes further.
"$R" impact --json "$log:514/udp" "$T/g.pcap" >"$T/r.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if all(h["depth"] <= 1 for h in d["affected_hosts"]) and not d["affected_services"] else 1)' "$T/r.json" &&
	ok "a failed syslog server affects its clients and nothing beyond" || bad "syslog propagated"
"$R" impact --json --hard udp/514 "$log:514/udp" "$T/g.pcap" >"$T/r.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["affected_services"] else 1)' "$T/r.json" &&
	ok "--hard udp/514 makes it propagate" || bad "--hard udp/514 changed nothing"

# Sites: a sites file, @site, the per-site table.
printf '# test sites\n10.0.0.0/24 dc  # the servers\n10.1.0.0/16 office\n' >"$T/sites"
"$R" impact --json --sites "$T/sites" @dc "$T/g.pcap" >"$T/r.json"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); s={x["name"]: x for x in d["sites"]}
sys.exit(0 if s["dc"]["users"] == 0 and s["dc"]["lost"] > 0 and s["office"]["users"] == d["summary"]["users"] > 0 else 1)' "$T/r.json" &&
	ok "@dc: every server lost with the site, the office's users affected" || bad "@dc per-site table"
"$R" impact --text --sites "$T/sites" @dc "$T/g.pcap" >/dev/null 2>&1
[ $? = 1 ] && ok "an unknown option: exit 1" || bad "an unknown option"

# Errors: a clear line and exit 1 (usage) or 2 (input).
expect_err() { # WANT PATTERN ARGS...
	local want=$1 pat=$2
	shift 2
	"$R" "$@" >/dev/null 2>"$T/err"
	local rc=$?
	if [ $rc = "$want" ] && grep -Eq -- "$pat" "$T/err"; then ok "$* -> exit $rc: $(head -1 "$T/err")"
	else bad "$* -> exit $rc (want $want): $(head -1 "$T/err")"; fi
}
expect_err 1 "no host of the data has that name" impact no-such-host "$T/g.pcap"
expect_err 1 "no such site" impact @nowhere "$T/g.pcap"
expect_err 1 "no host or service of the data is in the targets" impact 192.0.2.1 "$T/g.pcap"
expect_err 1 "give capture FILEs or --db" impact 10.0.0.13
expect_err 1 "want PROTO/PORT" impact --soft udp/x 10.0.0.13 "$T/g.pcap"
printf '10.0.0.0/24 dc\n10.0.0.0/40 bad\n' >"$T/badsites"
expect_err 2 "badsites:2: want 'PREFIX NAME'" impact --sites "$T/badsites" 10.0.0.13 "$T/g.pcap"
echo "impact: $pass passed, $fail failed"
[ $fail = 0 ]
