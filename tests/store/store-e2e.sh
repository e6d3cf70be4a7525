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
#      passes PRAGMA integrity_check and report works.
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
compare() {
	python3 - "$@" <<'PY'
import json, sys
def load(arg):
    docs = [json.load(open(f)) for f in arg.split("+")]
    if len(docs) == 1:
        return docs[0]
    edges, svcs, summ = {}, {}, {k: 0 for k in ("packets", "bytes", "records", "files")}
    for d in docs:
        for k in summ: summ[k] += d["summary"][k]
        for e in d["edges"]:
            key = (e["client"], e["server"], e["proto"], e["port"])
            m = edges.setdefault(key, dict(e, bytes=0, bytes_c2s=0, bytes_s2c=0,
                                           packets=0, sessions=0))
            for c in ("bytes", "bytes_c2s", "bytes_s2c", "packets", "sessions"): m[c] += e[c]
            m["first"], m["last"] = min(m["first"], e["first"]), max(m["last"], e["last"])
        for v in d["services"]:
            key = (v["ip"], v["proto"], v["port"])
            m = svcs.setdefault(key, dict(v, bytes=0, bytes_in=0, bytes_out=0, packets=0,
                                          sessions=0))
            for c in ("bytes", "bytes_in", "bytes_out", "packets", "sessions"): m[c] += v[c]
            m["first"], m["last"] = min(m["first"], v["first"]), max(m["last"], v["last"])
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
check "store schema 2" [ "$(sqlite3 s.db 'PRAGMA user_version')" = 2 ]
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
check "killed mid-run: integrity_check ok" [ "$(sqlite3 k.db 'PRAGMA integrity_check')" = ok ]
"$renkei" report --db k.db --json >k.json
check "killed mid-run: report works" [ $? = 0 ]
check "killed mid-run: some flushes were stored" \
    [ "$(sqlite3 k.db 'SELECT flushes > 0 FROM runs')" = 1 ]

echo "store-e2e: $n_ok passed, $n_fail failed"
[ $n_fail = 0 ]
