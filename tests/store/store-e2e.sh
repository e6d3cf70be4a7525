#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-2-Clause
# tests/store/store-e2e.sh [BUILD_DIR] - renkei analyze --db and renkei report
# end to end:
#   1. two captures (different days) accumulate into one store; the report
#      over the whole store has the services and edges of `analyze` on both
#      files together (confidence aside: with --db the pipeline judges per
#      flush interval);
#   2. --since/--until select one day; relative times (-2h);
#   3. --diff lists what is in one range and not the other (JSON and text);
#   4. a read-only store file: clear error, exit 2; read-only directory:
#      report still reads it;
#   5. a store locked by another writer (sqlite3 holding BEGIN EXCLUSIVE):
#      waits the busy timeout, then a clear error, exit 2;
#   6. a file that is not SQLite, a SQLite file that is not a store, a
#      store from a newer renkei: clear errors, exit 2, file untouched;
#   7. kill -9 in the middle of analyze --db of a big capture: the store
#      passes PRAGMA integrity_check and report works;
#   8. report --explain: a server endpoint reads as analyze --explain of
#      the same run up to the decision, then the rules and its clients
#      (checked against analyze's JSON); over two runs sessions add up and
#      peer IPs are the largest of one run; a client's port and an unknown
#      endpoint: exit 2 with the cause and the fix.  report --stats: every
#      stored counter equals analyze --stats, a line per run, then the
#      report.  report --sessions: exit 1, one line.
#   9. a one-way mirror (only the clients' packets): the report of the store
#      says what analyze says - the servers' bytes null (unknown), "blind"
#      counting the sessions that hid them - also after the rollup, and
#      summed over two runs.
set -u
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
renkei=$(pwd)/$build/renkei
gen=$(pwd)/$build/renkei-gen
command -v sqlite3 >/dev/null || { echo "store-e2e: sqlite3 CLI missing"; exit 77; }
work=$(mktemp -d /tmp/rk-store-e2e.XXXXXX)
chmod 755 "$work"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
n_ok=0 n_fail=0
ok() { n_ok=$((n_ok + 1)); echo "ok   $*"; }
bad() { n_fail=$((n_fail + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }

# Run as an unprivileged user when root (permissions do not stop root).
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

# compare A.json B.json: same services and edges with the same counters
# (confidence aside) and the same traffic summary.  A may be "X.json+Y.json":
# the sum of two analyses (edges summed per key, clients counted again).
# Bytes of a direction no session showed are null (unknown): a sum is null
# only if every part is; "blind" (sessions that hid a direction) is summed.
compare() {
	python3 - "$@" <<'PY'
import json, sys
def add(a, b):
    return b if a is None else a if b is None else a + b
def add_blind(m, x):
    if "blind" in x:
        m["blind"] = {k: m.get("blind", {}).get(k, 0) + n for k, n in x["blind"].items()}
def merge(table, key, x, ways):
    """Sum x into table[key], made from x (less its blind counts) with the counters
    zero'd at first: bytes, packets, sessions, the bytes of the two ways (None at
    first: unknown), blind, first and last."""
    if key not in table:
        table[key] = dict({k: v for k, v in x.items() if k != "blind"}, bytes=0, packets=0,
                          sessions=0, **{w: None for w in ways})
    m = table[key]
    for c in ("bytes", "packets", "sessions") + ways:
        m[c] = add(m[c], x[c])
    add_blind(m, x)
    m["first"], m["last"] = min(m["first"], x["first"]), max(m["last"], x["last"])
def load(arg):
    docs = [json.load(open(f)) for f in arg.split("+")]
    if len(docs) == 1:
        return docs[0]
    edges, svcs, summ = {}, {}, {k: 0 for k in ("packets", "bytes", "records", "files")}
    for d in docs:
        for k in summ: summ[k] += d["summary"][k]
        for e in d["edges"]:
            merge(edges, (e["client"], e["server"], e["proto"], e["port"]), e,
                  ("bytes_c2s", "bytes_s2c"))
        for v in d["services"]:
            merge(svcs, (v["ip"], v["proto"], v["port"]), v, ("bytes_in", "bytes_out"))
    for key, v in svcs.items():
        v["clients"] = sum(1 for e in edges if e[1:] == key)
    return {"summary": summ, "edges": list(edges.values()), "services": list(svcs.values())}
a, b = load(sys.argv[1]), load(sys.argv[2])
ok = True
for part in ("services", "edges"):
    def norm(d):
        return sorted(json.dumps({k: v for k, v in x.items() if k != "confidence"},
                                 sort_keys=True) for x in d[part])
    na, nb = norm(a), norm(b)
    if na != nb:
        ok = False
        sa, sb = set(na), set(nb)
        print(f"{part}: {len(sa - sb)} only in {sys.argv[1]}, {len(sb - sa)} only in {sys.argv[2]}")
        for x in list(sa - sb)[:3]: print("  <", x)
        for x in list(sb - sa)[:3]: print("  >", x)
for k in ("packets", "bytes", "records", "files"):
    if a["summary"][k] != b["summary"][k]:
        ok = False
        print(f"summary.{k}: {a['summary'][k]} != {b['summary'][k]}")
sys.exit(0 if ok else 1)
PY
}

cd "$work"
# Day 1 and day 2 (seed 3 and 4: mostly the same relationships, some differ).
"$gen" --hours 1 --packets 20000 --seed 3 --start-ts 1700000000 -o d1.pcap
"$gen" --hours 1 --packets 20000 --seed 4 --start-ts 1700086400 -o d2.pcap

# 1. accumulate
"$renkei" analyze --json --db s.db d1.pcap >a1-db.json && "$renkei" analyze --json --db s.db d2.pcap >a2-db.json
check "analyze --db exits 0 twice" [ $? = 0 ]
"$renkei" analyze --json d1.pcap d2.pcap >both.json
"$renkei" analyze --json d1.pcap >d1.json
"$renkei" analyze --json d2.pcap >d2.json
"$renkei" report --db s.db --json >r-all.json
check "report exits 0" [ $? = 0 ]
check "report of the store == analyze of day 1 + analyze of day 2 (services, edges, summary)" \
    compare d1.json+d2.json r-all.json
# Against one analysis of both files at once the only differences allowed are
# conversations that span both files (NTP 123<->123 between the same hosts is
# one session there, two in two runs) and what their evidence decides.
compare both.json r-all.json >both-diff.txt
check "report of the store ~ analyze of both files at once (< 1% of edges differ)" \
    python3 -c 'import re,sys,json
n = sum(int(m.group(1)) for m in re.finditer(r"^edges: (\d+) only", open("both-diff.txt").read(), re.M))
t = len(json.load(open("both.json"))["edges"])
print(f"  {n} of {t} edges differ from one analysis of both files")
sys.exit(0 if n * 100 < t else 1)'
check "analyze --db prints the same report as analyze" compare d1.json a1-db.json
check "two runs recorded" [ "$(sqlite3 s.db 'SELECT count(*) FROM runs')" = 2 ]
check "store is WAL" [ "$(sqlite3 s.db 'PRAGMA journal_mode')" = wal ]
check "store schema 4" [ "$(sqlite3 s.db 'PRAGMA user_version')" = 4 ]
"$renkei" report --db s.db >r-all.txt
check "text report has the summary" grep -q "^Summary" r-all.txt

# 2. ranges
"$renkei" report --db s.db --json --since 2023-11-15T12:00:00Z >r-d2.json
check "--since day 2 == analyze of day 2" compare d2.json r-d2.json
"$renkei" report --db s.db --json --since 1699999200 --until '2023-11-15 12:00' >r-d1.json
check "--since/--until day 1 == analyze of day 1" compare d1.json r-d1.json
"$renkei" report --db s.db --json --since -3h >r-rel.json
check "--since -3h (relative to the newest data) == day 2" compare d2.json r-rel.json
"$renkei" report --db s.db --json --since 2030-01-01 >r-none.json
check "an empty range gives an empty report" \
    python3 -c 'import json,sys; d=json.load(open("r-none.json")); sys.exit(len(d["services"]) + len(d["edges"]))'
"$renkei" report --db s.db --since yesterday >/dev/null 2>err.txt
check "a bad time is a usage error (exit 1)" [ $? = 1 ]

# 3. diff
"$renkei" report --db s.db --json --diff - 2023-11-15T12:00Z 2023-11-15T12:00Z - >diff.json
check "--diff exits 0" [ $? = 0 ]
check "--diff JSON lists exactly the new/vanished services and edges" python3 - <<'PY'
import json, sys
d1, d2, df = (json.load(open(f)) for f in ("d1.json", "d2.json", "diff.json"))
svc = lambda d: {(s["ip"], s["proto"], s["port"]) for s in d["services"]}
edg = lambda d: {(e["client"], e["server"], e["proto"], e["port"]) for e in d["edges"]}
got = lambda k, f: {tuple(x[c] for c in f) for x in df[k]}
sf, ef = ("ip", "proto", "port"), ("client", "server", "proto", "port")
ok = (got("new_services", sf) == svc(d2) - svc(d1) and
      got("vanished_services", sf) == svc(d1) - svc(d2) and
      got("new_edges", ef) == edg(d2) - edg(d1) and
      got("lost_edges", ef) == edg(d1) - edg(d2))
print("new edges", len(df["new_edges"]), "lost edges", len(df["lost_edges"]),
      "new services", len(df["new_services"]), "vanished", len(df["vanished_services"]))
sys.exit(0 if ok and (df["new_edges"] or df["lost_edges"]) else 1)
PY
"$renkei" report --db s.db --diff - 2023-11-15T12:00Z 2023-11-15T12:00Z - >diff.txt
check "--diff text" grep -q "^Lost dependencies (in A, not in B): " diff.txt

# 4. read-only
mkdir ro && cp s.db ro/ && chmod 444 ro/s.db
as_user "$renkei" analyze --db ro/s.db d1.pcap >/dev/null 2>err.txt
rc=$?
check "read-only store file: exit 2" [ $rc = 2 ]
check "read-only store file: the message names the file" grep -q "ro/s.db: .*read-only" err.txt
chmod 555 ro
as_user "$renkei" report --db ro/s.db --json >ro.json 2>err.txt
check "report reads a store in a read-only directory" compare r-all.json ro.json
chmod 755 ro

# 5. locked by another writer
cp s.db lk.db
(echo "BEGIN EXCLUSIVE; INSERT INTO run_counters VALUES (999, 'x', 1);"; sleep 6; echo "COMMIT;") |
    sqlite3 lk.db &
lockpid=$!
sleep 1
t0=$(date +%s%N)
"$renkei" analyze --db lk.db d1.pcap >/dev/null 2>err.txt
rc=$?
t1=$(date +%s%N)
check "locked store: exit 2" [ $rc = 2 ]
check "locked store: 'lk.db: database is locked'" grep -q "lk.db: database is locked" err.txt
check "locked store: waited the busy timeout (>= 1.9 s)" [ $(((t1 - t0) / 1000000)) -ge 1900 ]
wait $lockpid
check "locked store: nothing lost" [ "$(sqlite3 lk.db 'SELECT count(*) FROM runs')" = 2 ]

# 6. not a store
head -c 100000 d1.pcap >junk.db
cp junk.db junk.orig
"$renkei" analyze --db junk.db d1.pcap >/dev/null 2>err.txt
check "non-SQLite file: exit 2" [ $? = 2 ]
check "non-SQLite file: 'file is not a database'" grep -q "junk.db: file is not a database" err.txt
check "non-SQLite file: untouched" cmp -s junk.db junk.orig
"$renkei" report --db junk.db >/dev/null 2>err.txt
check "report of a non-SQLite file: exit 2" [ $? = 2 ]
sqlite3 other.db 'CREATE TABLE t (x); INSERT INTO t VALUES (1)'
"$renkei" analyze --db other.db d1.pcap >/dev/null 2>err.txt
check "foreign SQLite file: exit 2, 'not a renkei store'" grep -q "not a renkei store" err.txt
cp s.db new.db && sqlite3 new.db 'PRAGMA user_version = 7'
"$renkei" report --db new.db >/dev/null 2>err.txt
check "newer store: exit 2, 'newer renkei'" grep -q "newer renkei" err.txt
"$renkei" report --db missing.db >/dev/null 2>err.txt
check "missing store: exit 2" [ $? = 2 ]

# 7. kill -9 during analyze --db
"$gen" --hours 6 --packets 200000 --seed 5 -o big.pcap
"$renkei" analyze --db k.db --flush 10 big.pcap >/dev/null 2>&1 &
kpid=$!
sleep 1.5
kill -9 $kpid 2>/dev/null
wait $kpid 2>/dev/null
mkdir -p ro && cp k.db ro/ && { [ ! -e k.db-wal ] || cp k.db-wal ro/; }
check "killed mid-run: integrity_check ok" [ "$(sqlite3 k.db 'PRAGMA integrity_check')" = ok ]
"$renkei" report --db k.db --json >k.json
check "killed mid-run: report works" [ $? = 0 ]
check "killed mid-run: some flushes were stored" \
    [ "$(sqlite3 k.db 'SELECT flushes > 0 FROM runs')" = 1 ]
# The run row counts the packets read up to the last flush (it said 0 while
# the services and edges of those packets were stored).
check "killed mid-run: the run counts the packets read so far" \
    [ "$(sqlite3 k.db 'SELECT packets > 0 AND bytes > 0 FROM runs')" = 1 ]
# A reader that cannot write next to the store (no -shm to share) reads the
# main file only: it must say that changes in the WAL are not shown.
if [ "$(id -u)" = 0 ]; then
	check "killed mid-run: the write-ahead log holds the last flushes" [ -s ro/k.db-wal ]
	chmod 755 "$work" ro && chmod 644 ro/k.db*
	as_user "$renkei" report --db ro/k.db >/dev/null 2>err.txt
	check "read-only reader: warns of the unread write-ahead log" \
	    grep -q "recent changes in its write-ahead log are not shown" err.txt
fi

# 8. report --explain, --stats, --sessions.  The endpoints are picked from
# analyze's own output (the busiest TCP service of both days, a client's
# port, an endpoint that served and was a client too), not hard-wired.
"$renkei" analyze --sessions --json d1.pcap >d1-sess.json
set -- $(python3 - <<'PY'
import json
d1, d2, ss = (json.load(open(f)) for f in ("d1.json", "d2.json", "d1-sess.json"))
key = lambda s: (s["ip"], s["proto"], s["port"])
both = {key(s) for s in d2["services"]}
srv = max((s for s in d1["services"] if s["proto"] == "tcp" and key(s) in both),
          key=lambda s: (s["sessions"], s["ip"]))
svcs = {key(s) for s in d1["services"]}
cli = next(s for s in ss["sessions"] if s["proto"] == "tcp" and s["kind"] == "established"
           and ":" not in s["client"] and (s["client"], "tcp", s["client_port"]) not in svcs)
print(f'{srv["ip"]}:{srv["port"]}/tcp {cli["client"]}:{cli["client_port"]}/tcp {cli["client"]}')
PY
)
srv=$1 cep=$2 cip=$3
echo "     server endpoint $srv, client endpoint $cep"
"$renkei" analyze --db ex.db --explain "$srv" d1.pcap >ae1.txt 2>/dev/null
"$renkei" analyze --db ex.db --explain "$srv" d2.pcap >ae2.txt 2>/dev/null
"$renkei" report --db ex.db --explain "$srv" --until '2023-11-15 12:00' >re1.txt
check "report --explain (server endpoint): exit 0" [ $? = 0 ]
upto_decision() { sed '/^Decision: /q' "$1"; }
check "report --explain == analyze --explain of the same run, up to the decision (day 1)" \
    cmp -s <(upto_decision ae1.txt) <(upto_decision re1.txt)
"$renkei" report --db ex.db --explain "$srv" --since '2023-11-15 12:00' >re2.txt
check "report --explain == analyze --explain of the same run, up to the decision (day 2)" \
    cmp -s <(upto_decision ae2.txt) <(upto_decision re2.txt)
check "report --explain: the evidence of run 1 alone in day 1" \
    grep -q "^Stored evidence: 1 run overlapping" re1.txt
check "report --explain: the decisions by rule, its clients and who they are (day 1)" \
    python3 - "$srv" <<'PY'
import json, re, sys
ip, port = sys.argv[1].rsplit("/", 1)[0].rsplit(":", 1)
d = json.load(open("d1.json"))
svc = next(s for s in d["services"] if (s["ip"], s["proto"], str(s["port"])) == (ip, "tcp", port))
clients = {e["client"] for e in d["edges"] if (e["server"], e["proto"], str(e["port"])) == (ip, "tcp", port)}
t = open("re1.txt").read()
m = re.search(r"^Sessions it served: (\d+), decided by (.*)$", t, re.M)
rules = sum(int(n) for n in re.findall(r" (\d+)", " " + m.group(2)))
listed = re.findall(r"^    (\S+)(?: \([^)]*\))? +\d+ +\S+ +\d{4}-", t.split("\nClients: ")[1], re.M)
more = re.search(r"\.\.\. (\d+) more", t)
ok = (int(m.group(1)) == svc["sessions"] == rules and
      re.search(rf"^Clients: {len(clients)} ", t, re.M) and set(listed) <= clients and
      len(listed) + (int(more.group(1)) if more else 0) == len(clients))
print(f"  {m.group(1)} sessions served, {len(clients)} clients, {len(listed)} listed")
sys.exit(0 if ok else 1)
PY
"$renkei" report --db ex.db --explain "$srv" >re-all.txt
check "report --explain over two runs: sessions summed, peer IPs the largest of one run" \
    python3 - <<'PY'
import re, sys
def ev(f):
    t = open(f).read()
    return (int(re.search(r"^  sessions +(\d+)", t, re.M).group(1)),
            int(re.search(r"^  distinct peer IPs +(\d+)", t, re.M).group(1)))
(s1, p1), (s2, p2), (sa, pa) = ev("ae1.txt"), ev("ae2.txt"), ev("re-all.txt")
t = open("re-all.txt").read()
ok = (sa == s1 + s2 and pa == max(p1, p2) and "Stored evidence: 2 runs" in t and
      re.search(r"^  run 1 ", t, re.M) and re.search(r"^  run 2 ", t, re.M))
sys.exit(0 if ok else 1)
PY
# With one flush at the end, analyze --db judges as analyze does: the same text.
"$renkei" analyze --db f0.db --flush 0 d1.pcap >/dev/null
"$renkei" analyze --explain "$srv" d1.pcap >ap1.txt
"$renkei" report --db f0.db --explain "$srv" >rf0.txt
check "report --explain (--flush 0 store) == analyze --explain without a store" \
    cmp -s <(upto_decision ap1.txt) <(upto_decision rf0.txt)
"$renkei" report --db f0.db --explain "$cep" >rc.txt 2>err.txt
check "report --explain of a client's port: exit 2" [ $? = 2 ]
check "report --explain of a client's port: the cause and the fix" \
    grep -qx "renkei: no stored evidence for $cep; analyze it with renkei analyze --explain $cep FILE" err.txt
n_uses=$(python3 -c 'import json,sys; print(sum(e["client"] == sys.argv[1] for e in json.load(open("d1.json"))["edges"]))' "$cip")
check "report --explain of a client's port: what the store knows of its host" \
    grep -q "^  $cip in the range: offers .*, uses $n_uses\$" rc.txt
"$renkei" report --db f0.db --explain 192.0.2.1:9/tcp >ru.txt 2>err.txt
check "report --explain of an unknown endpoint: exit 2, said so" \
    [ $? = 2 -a "$(grep -c 'no stored evidence for 192.0.2.1:9/tcp' err.txt)" = 1 ]
check "report --explain of an unknown endpoint: its host not seen" \
    grep -q "^  192.0.2.1: not seen in the range" ru.txt
mixed=$(sqlite3 f0.db "SELECT h.ip_text || ':' || e.port || '/' || CASE e.proto WHEN 6 THEN 'tcp'
    ELSE 'udp' END FROM endpoints e JOIN hosts h ON h.id = e.host
    WHERE e.as_client > 0 AND e.proto IN (6, 17) AND h.ip_text NOT LIKE '%:%' LIMIT 1")
if [ -n "$mixed" ]; then
	"$renkei" report --db f0.db --explain "$mixed" >rm.txt
	check "report --explain of $mixed (served, and was a client): the services its host used" \
	    python3 - "$mixed" <<'PY'
import json, re, sys
ip, proto = sys.argv[1].split(":")[0], sys.argv[1].split("/")[1]
n = sum(e["client"] == ip and e["proto"] == proto for e in json.load(open("d1.json"))["edges"])
sys.exit(0 if re.search(rf"^Services {re.escape(ip)} used over {proto}: {n} ",
                        open("rm.txt").read(), re.M) else 1)
PY
fi
"$renkei" report --db f0.db --explain 10.0.0.1:http/tcp >/dev/null 2>&1
check "report --explain with a bad endpoint: exit 1" [ $? = 1 ]
"$renkei" report --db f0.db --explain "$srv" --diff - - - - >/dev/null 2>&1
check "report --explain with --diff: exit 1" [ $? = 1 ]

# --stats: the counters of analyze --stats that the store keeps, equal.
"$renkei" analyze --stats d1.pcap >as1.txt
"$renkei" report --db f0.db --stats >rs1.txt
check "report --stats: exit 0" [ $? = 0 ]
check "report --stats == analyze --stats for every counter stored" python3 - <<'PY'
import re, sys
def counters(f):
    out, sec = {}, None
    for line in open(f):
        if line == "\n":
            break
        if not line.startswith(" "):
            sec = line.strip()
        elif m := re.match(r"^  (\S+) +(\d+)(?:  |$)", line):
            out[(sec, m.group(1))] = int(m.group(2))
    return out
a, r = counters("as1.txt"), counters("rs1.txt")
missing = {k for k in a if k not in r}
diff = {k: (a[k], r[k]) for k in r if k in a and a[k] != r[k]}
extra = {k for k in r if k not in a}
print(f"  {len(r)} counters equal; not stored: {sorted(k[1] for k in missing)}")
sys.exit(0 if not diff and not extra and
         missing == {("Session table", n) for n in ("reused", "expired", "capacity", "memory")}
         else 1)
PY
pk=$(python3 -c 'import json; print(format(json.load(open("d1.json"))["summary"]["packets"], ","))')
check "report --stats: a line per run" \
    grep -Eq "^  #1 +file  2023-11-14 [0-9:]+ \.\. 2023-11-14 [0-9:]+ UTC +$pk packets  d1.pcap\$" rs1.txt
"$renkei" report --db f0.db >r-f0.txt
check "report --stats: then the report" cmp -s <(sed '1,/^$/d' rs1.txt) r-f0.txt
"$renkei" report --db s.db --stats >rs-all.txt
check "report --stats of two runs: both listed, frames summed" python3 - <<'PY'
import json, re, sys
t = open("rs-all.txt").read()
n = sum(json.load(open(f))["summary"]["packets"] for f in ("d1.json", "d2.json"))
sys.exit(0 if re.search(r"^  #1 ", t, re.M) and re.search(r"^  #2 ", t, re.M) and
         int(re.search(r"^  frames +(\d+)", t, re.M).group(1)) == n else 1)
PY
"$renkei" report --db s.db --json --stats >rs.json
check "report --json --stats is the JSON report, as for analyze" cmp -s rs.json r-all.json

# --sessions: refused in one line that names the cause and the fix.
"$renkei" report --db s.db --sessions >/dev/null 2>err.txt
check "report --sessions: exit 1" [ $? = 1 ]
check "report --sessions: one line, the cause and the fix" [ "$(cat err.txt)" = \
    "renkei: report --sessions: the store keeps no individual conversations; run 'renkei analyze --sessions --json FILE' on the capture" ]

# 9. one-way mirror
"$gen" --hours 1 --packets 20000 --seed 3 --start-ts 1700000000 -o ow.pcap --truth ow.truth.json \
    >/dev/null
python3 "$top/tests/traps/variants.py" ow.truth.json ow.pcap ow c2s
"$renkei" analyze --json ow-c2s.pcap >ow.json
"$renkei" analyze --json --db ow.db ow-c2s.pcap >/dev/null
"$renkei" report --db ow.db --json >r-ow.json
check "one-way mirror: report of the store == analyze (servers' bytes null, blind counts)" \
    compare ow.json r-ow.json
check "one-way mirror: every edge's server-to-client bytes null, every session blind" python3 - <<'PY'
import json, sys
d = json.load(open("r-ow.json"))
ok = d["edges"] and all(e["bytes_s2c"] is None and e["blind"]["s2c"] == e["sessions"] and
                        isinstance(e["bytes_c2s"], int) for e in d["edges"])
ok = ok and all(s["bytes_out"] is None for s in d["services"])
ok = ok and d["summary"]["blind"]["s2c"] == sum(e["sessions"] for e in d["edges"])
sys.exit(0 if ok else 1)
PY
"$renkei" report --db ow.db >r-ow.txt
check "one-way mirror: the text report says ? and why" \
    grep -q "sessions seen one way only" r-ow.txt
check "one-way mirror: blind columns stored" \
    [ "$(sqlite3 ow.db 'SELECT sum(blind_s2c) = sum(sessions) AND sum(blind_c2s) = 0 FROM edges')" = 1 ]
"$renkei" analyze --db ow.db --retention 0 ow-c2s.pcap >/dev/null
check "one-way mirror: rolled up into a day" \
    [ "$(sqlite3 ow.db 'SELECT count(*) > 0 FROM edges WHERE span = 1')" = 1 ]
"$renkei" report --db ow.db --json >r-ow2.json
check "one-way mirror: two runs sum (still null, blind doubled)" compare ow.json+ow.json r-ow2.json

echo "store-e2e: $n_ok passed, $n_fail failed"
[ $n_fail = 0 ]
