#!/usr/bin/env bash
# run-shared.sh [RENKEI_BINARY] - robustness run over the shared real captures.
#
# What it checks, and why:
#   Every file under $RENKEI_TESTDATA (default: ../shared/data from the repo
#   root) goes through `renkei analyze --json --sessions FILE` (64k-session
#   table) with a binary
#   built with AddressSanitizer + UndefinedBehaviorSanitizer.  The data holds
#   ~2000 captures from public repositories, many of them malformed, fuzzed,
#   truncated or of odd link types, plus the sets' own metadata (conn.log,
#   .tsv, .json, .md).  renkei must survive all of them:
#     * no sanitizer report (ASan exit 86, UBSan exit 87, or the report text),
#       no timeout (60 s per file), no death by signal;
#     * exit status 0 (ok), 2 (input unusable) or 3 (report written, input
#       truncated) only;
#     * exit 0/3: stdout is one valid JSON document with summary.packets > 0,
#       unless capinfos (the set's _stats.tsv) says the file has no packets;
#     * exit 2/3: stderr carries a "renkei: ..." line that names the file;
#       exit 2 must be exactly ONE line on stderr;
#     * files that are not captures by content (no pcap/pcapng/gzip magic:
#       logs, tables, documents, empty files, pcaps with a broken header)
#       must be REJECTED: exit 2 with that one clear line.  A gzip capture may
#       be read (exit 0/3) or rejected cleanly (exit 2) - renkei may not read
#       .gz yet.
#   Files run two at a time (xargs -P2).  Prints a summary table and every
#   failure with its stderr; exits 1 if anything failed, 77 (skip) if the
#   data folder is absent (a user's own clone).
#
# Usage: tests/shared/run-shared.sh [path/to/renkei]   (RENKEI_TESTDATA=DIR)
#        RENKEI_JOBS=N overrides the parallelism (default 2);
#        RENKEI_KEEP=1 keeps the per-file outputs (N.out/N.err/N.rc/N.path).
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)

bin=${1:-${RENKEI:-}}
if [ -z "$bin" ]; then
    for b in "$root/build-shared/renkei" "$root/build/renkei"; do
        [ -x "$b" ] && { bin=$b; break; }
    done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "run-shared: no renkei binary (pass it as the first argument)" >&2
    exit 1
fi
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")

data=${RENKEI_TESTDATA:-$root/../shared/data}
if [ ! -d "$data" ]; then
    echo "SKIP: shared test data not found at $data (set RENKEI_TESTDATA)"
    exit 77
fi
data=$(cd "$data" && pwd)

jobs=${RENKEI_JOBS:-2}
work=$(mktemp -d "${TMPDIR:-/tmp}/renkei-shared.XXXXXX")
# RENKEI_KEEP=1 keeps the per-file stdout/stderr for a closer look.
if [ -n "${RENKEI_KEEP:-}" ]; then
    echo "run-shared: keeping outputs in $work"
else
    trap 'rm -rf "$work"' EXIT
fi

# --- run every file ------------------------------------------------------
# One worker per file: writes N.out, N.err, N.rc and N.path into $work.
export RENKEI_BIN=$bin WORK=$work
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
worker() {
    local n=$1 f=$2
    printf '%s' "$f" > "$WORK/$n.path"
    # A 64k-session table: these captures are small, and under ASan the
    # default 1M table's setup was two thirds of each run (a bigger
    # capture evicts, which is tested too).
    timeout -k 5 60 "$RENKEI_BIN" analyze --json --sessions --max-sessions 65536 "$f" \
        > "$WORK/$n.out" 2> "$WORK/$n.err" < /dev/null
    echo $? > "$WORK/$n.rc"
}
export -f worker

start=$(date +%s)
find "$data" -type f -print0 | sort -z |
    awk 'BEGIN { RS = "\0"; ORS = "\0" } { print NR; print $0 }' |
    xargs -0 -n2 -P"$jobs" bash -c 'worker "$1" "$2"' _
elapsed=$(( $(date +%s) - start ))

# --- judge the results ---------------------------------------------------
python3 - "$work" "$data" "$elapsed" <<'EOF'
import csv, glob, json, os, sys

work, data, elapsed = sys.argv[1], sys.argv[2], sys.argv[3]

# capinfos packet counts from each set's _stats.tsv (paths relative to set)
stats = {}
for st in glob.glob(os.path.join(data, "*", "_stats.tsv")):
    base = os.path.dirname(st)
    with open(st, newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            p = (row.get("packets") or "").strip()
            if p.isdigit():
                stats[os.path.join(base, row["file"])] = int(p)

PCAP = {b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1",       # usec
        b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1",       # nsec
        b"\xa1\xb2\xcd\x34", b"\x34\xcd\xb2\xa1"}       # Kuznetzov
def kind_of(path):
    with open(path, "rb") as fh:
        head = fh.read(24)
    if head[:4] in PCAP:
        return "pcap"
    if head[:4] == b"\x0a\x0d\x0d\x0a":
        return "pcapng"
    if head[:2] == b"\x1f\x8b":
        return "gzip"
    return "other"

def expects_packets(path, kind):
    if path in stats:
        return stats[path] > 0
    if kind == "pcap":          # more than a file header + one record header
        return os.path.getsize(path) > 24 + 16
    return False                # unknown: do not demand packets

def tail(text, n=25):
    lines = text.rstrip("\n").split("\n")
    if len(lines) > n:
        lines = lines[:n] + ["... (%d more lines)" % (len(lines) - n)]
    return "\n".join("      " + l for l in lines)

count = {"files": 0, "ok": 0, "truncated": 0, "rejected": 0, "failures": 0}
by_kind = {}
failures = []
for rcf in sorted(glob.glob(os.path.join(work, "*.rc")),
                  key=lambda p: int(os.path.basename(p)[:-3])):
    n = rcf[:-3]
    path = open(n + ".path", encoding="utf-8", errors="replace").read()
    rc = int(open(rcf).read().strip() or -1)
    err = open(n + ".err", encoding="utf-8", errors="replace").read()
    out = open(n + ".out", "rb").read()
    kind = kind_of(path)
    rel = os.path.relpath(path, data)
    count["files"] += 1
    by_kind[kind] = by_kind.get(kind, 0) + 1

    problems = []
    if rc == 86 or "ERROR: AddressSanitizer" in err or "ERROR: LeakSanitizer" in err:
        problems.append("AddressSanitizer/LeakSanitizer report")
    if rc == 87 or "runtime error:" in err:
        problems.append("UndefinedBehaviorSanitizer report")
    if rc == 124:
        problems.append("timeout (60 s)")
    elif rc >= 128:
        problems.append("killed by signal %d" % (rc - 128))
    elif rc not in (0, 2, 3) and not problems:
        problems.append("unexpected exit status %d" % rc)

    renkei_lines = [l for l in err.splitlines() if l.startswith("renkei: ")]
    names_file = any(path in l for l in renkei_lines)
    if not problems:
        if kind == "other" and rc != 2:
            problems.append("not a capture by content, but exit %d (must be"
                            " rejected with exit 2)" % rc)
        if rc in (0, 3):
            try:
                doc = json.loads(out)
                pk = doc["summary"]["packets"]
                if not isinstance(pk, int):
                    problems.append("summary.packets is not an integer")
                elif pk <= 0 and expects_packets(path, kind):
                    problems.append("summary.packets = %d, but the file has"
                                    " packets (capinfos: %s)"
                                    % (pk, stats.get(path, "?")))
            except (ValueError, KeyError, TypeError) as e:
                problems.append("stdout is not a valid report: %s" % e)
        if rc in (2, 3) and not names_file:
            problems.append("no 'renkei: FILE: ...' line naming the file"
                            " on stderr")
        if rc == 2 and len([l for l in err.splitlines() if l.strip()]) != 1:
            problems.append("rejected with %d stderr lines (want exactly one)"
                            % len([l for l in err.splitlines() if l.strip()]))

    if problems:
        count["failures"] += 1
        failures.append((rel, kind, rc, problems, err))
    elif rc == 0:
        count["ok"] += 1
    elif rc == 3:
        count["truncated"] += 1
    else:
        count["rejected"] += 1

print("renkei shared-data run: %s (%s s on the wall clock)" % (data, elapsed))
print("  by content: " + ", ".join("%s %d" % kv for kv in sorted(by_kind.items())))
print()
print("  %-28s %6s" % ("files", count["files"]))
print("  %-28s %6s" % ("ok (exit 0)", count["ok"]))
print("  %-28s %6s" % ("truncated (exit 3)", count["truncated"]))
print("  %-28s %6s" % ("rejected with message (2)", count["rejected"]))
print("  %-28s %6s" % ("FAILURES", count["failures"]))
for rel, kind, rc, problems, err in failures:
    print()
    print("FAIL %s [%s] exit %d" % (rel, kind, rc))
    for p in problems:
        print("    - " + p)
    if err.strip():
        print("    stderr:")
        print(tail(err))
sys.exit(1 if failures else 0)
EOF
