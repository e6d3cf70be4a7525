#!/usr/bin/env python3
"""zeek-compare.py RENKEI_BINARY [DATA_DIR] - renkei's orientation vs Zeek's.

What it checks, and why:
  Zeek's own test baselines (zeek-traces/_zeek_baselines/, listed in
  _index.tsv: test, test_script, traces, baseline_logs) hold the conn.log that
  Zeek wrote for each of its test traces.  Zeek is an independent view of who
  opened each conversation.  For every TCP connection in which Zeek saw the
  full handshake - history starts with 'S' (originator SYN) and contains 'h'
  (responder SYN-ACK), conn_state not S0/REJ/OTH - the answer is not a
  guess: the originator is the client.  renkei must agree:
    * it must have a session with the same 5-tuple (either orientation,
      addresses normalised with ipaddress), and
    * its client must be Zeek's id.orig_h:id.orig_p and its server Zeek's
      id.resp_h:id.resp_p.
  Tunnelled connections (tunnel_parents set) count: renkei analyses the inner
  conversation.  A connection renkei does not have at all is reported as
  MISSING with the trace and renkei's non-zero decoder counters (usually an
  encapsulation or link type renkei does not decode); it is counted apart
  from a wrong orientation.

  Baselines come in several shapes: full Zeek logs with a '#fields' line, and
  zeek-cut output (conn.log.cut, or a conn.log reduced to a few columns) whose
  first non-comment line names the columns; some tests rename the id columns
  (id_orig_h, src/src_port, src_ip, ...).  Rows without all four id fields
  are matched on the fields they do have.

  Exit 1 if any connection has the opposite orientation, or if fewer than
  99 % of the handshake connections are matched with the same orientation.

  For information only, renkei's services are compared with Zeek's
  known_services.log (host, port_num, port_proto) where a test has one.

Usage: tests/shared/zeek-compare.py build-shared/renkei [../shared/data]
       (DATA_DIR defaults to $RENKEI_TESTDATA, then ../shared/data from the
       repository root; exit 77 = skipped when it is absent)
"""
import collections
import concurrent.futures
import ipaddress
import json
import os
import subprocess
import sys

MIN_MATCHED_SHARE = 0.99

# Column aliases seen in the baselines (tests that rename the id fields).
ALIASES = {
    "orig_h": ("id.orig_h", "id_orig_h", "src", "src_ip"),
    "orig_p": ("id.orig_p", "id_orig_p", "src_port"),
    "resp_h": ("id.resp_h", "id_resp_h", "dst", "dst_ip"),
    "resp_p": ("id.resp_p", "id_resp_p", "dst_port"),
}


def norm_ip(s):
    try:
        return str(ipaddress.ip_address(s.split("%")[0]))
    except ValueError:
        return s


def read_zeek_log(path):
    """Rows of a Zeek log (ASCII with #fields, or zeek-cut output) as dicts."""
    fields, rows = None, []
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("#fields\t"):
                fields = line.split("\t")[1:]
                continue
            if line.startswith("#") or not line.strip():
                continue
            if fields is None:          # zeek-cut: first line is the header
                fields = line.split("\t")
                continue
            rows.append(dict(zip(fields, line.split("\t"))))
    return rows


def col(row, name):
    for alias in ALIASES.get(name, (name,)):
        v = row.get(alias)
        if v not in (None, "", "-", "(empty)"):
            return v
    return None


def is_handshake(row):
    """TCP, Zeek saw originator SYN then responder SYN-ACK."""
    hist = row.get("history") or ""
    if not (hist.startswith("S") and "h" in hist):
        return False
    proto = row.get("proto")
    if proto not in (None, "tcp"):      # 'S'/'h' are TCP-only letters anyway
        return False
    if row.get("conn_state") in ("S0", "REJ", "OTH"):
        return False
    return True


# An ASan/UBSan build reports through these exit codes (ignored otherwise).
SAN_ENV = dict(os.environ,
               ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=86",
               UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:exitcode=87")


def run_renkei(binary, trace):
    """-> (rc, json-or-None, stderr)."""
    try:
        p = subprocess.run([binary, "analyze", "--json", "--sessions", trace],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=300, env=SAN_ENV)
    except subprocess.TimeoutExpired:
        return -1, None, "timeout"
    err = p.stderr.decode("utf-8", "replace")
    doc = None
    if p.returncode in (0, 3):
        try:
            doc = json.loads(p.stdout)
        except ValueError as e:
            err += "\n(invalid JSON: %s)" % e
    return p.returncode, doc, err


# UDP ports of tunnels: if renkei reports a session on one of them, the
# inner conversation was probably not decoded.
TUNNEL_PORTS = {2152: "GTP-U", 3544: "Teredo", 5072: "AYIYA",
                4754: "GRE-in-UDP", 4789: "VXLAN", 6081: "Geneve",
                6635: "MPLS-in-UDP", 4790: "VXLAN-GPE", 1701: "L2TP"}


def decoder_hint(doc):
    """Why renkei may lack a connection: non-zero decoder counters, session
    kinds that are not reported as conversations, tunnel ports seen."""
    if not doc:
        return ""
    bad = ["%s=%s" % (k, v) for k, v in sorted(doc.get("decode", {}).items())
           if k != "OK" and v]
    s = doc.get("summary", {})
    for k in ("unsupported_link", "non_ip", "malformed"):
        if s.get(k):
            bad.append("summary.%s=%s" % (k, s[k]))
    for k in ("multicast", "noports"):
        v = s.get("sessions_by_kind", {}).get(k)
        if v:
            bad.append("sessions_by_kind.%s=%s" % (k, v))
    ports = sorted({p for x in doc.get("sessions", []) if x.get("proto") ==
                    "udp" for p in (x.get("server_port"), x.get("client_port"))
                    if p in TUNNEL_PORTS})
    for p in ports:
        bad.append("outer udp/%d (%s) seen as a plain session"
                   % (p, TUNNEL_PORTS[p]))
    return ", ".join(bad) if bad else "no decoder counter set"


def main():
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 1
    binary = os.path.abspath(sys.argv[1])
    root = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    data = (sys.argv[2] if len(sys.argv) > 2 else
            os.environ.get("RENKEI_TESTDATA",
                           os.path.join(root, "..", "shared", "data")))
    base = os.path.join(data, "zeek-traces", "_zeek_baselines")
    traces_dir = os.path.join(data, "zeek-traces", "testing", "btest",
                              "Traces")
    index = os.path.join(base, "_index.tsv")
    if not os.path.isfile(index):
        print("SKIP: Zeek baselines not found at %s (set RENKEI_TESTDATA)"
              % base)
        return 77

    # --- which tests: those with a conn.log baseline and at least one trace
    tests, no_trace = [], 0
    with open(index, encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n").split("\t")
        for line in fh:
            row = dict(zip(header, line.rstrip("\n").split("\t")))
            tdir = os.path.join(base, row["test"])
            logs = sorted(f for f in os.listdir(tdir)
                          if f.startswith("conn.log")) \
                if os.path.isdir(tdir) else []
            traces = (row.get("traces") or "").split()
            has_ks = os.path.isfile(os.path.join(tdir, "known_services.log"))
            if (logs or has_ks) and traces:
                tests.append((row["test"], tdir, logs, traces))
            elif logs or has_ks:
                no_trace += 1

    # --- run renkei once per distinct trace (2 at a time)
    all_traces = sorted({t for _, _, _, trs in tests for t in trs})
    results = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futs = {pool.submit(run_renkei, binary,
                            os.path.join(traces_dir, t)): t
                for t in all_traces}
        for f in concurrent.futures.as_completed(futs):
            results[futs[f]] = f.result()

    # --- compare
    n = collections.Counter()
    missing, opposite, unreadable, crashes = [], [], [], []
    traces_compared = set()
    seen = set()        # several tests share a trace: count a connection once
    for test, tdir, logs, traces in tests:
        # renkei sessions of all traces of the test, keyed by unordered tuple
        sess = collections.defaultdict(list)
        docs = []
        for t in traces:
            rc, doc, err = results[t]
            if rc not in (0, 2, 3) or "runtime error:" in err \
                    or "Sanitizer" in err:
                crashes.append((t, rc, err))
            if doc is None:
                unreadable.append((test, t, rc, err.strip().splitlines()[:1]))
                continue
            docs.append((t, doc))
            for s in doc.get("sessions", []):
                if s.get("proto") != "tcp":
                    continue
                c = (norm_ip(s["client"]), s.get("client_port"))
                v = (norm_ip(s["server"]), s.get("server_port"))
                sess[frozenset((c, v))].append((c, v))
        traces_compared.update(t for t, _ in docs)
        hint = "; ".join("%s: %s" % (t, decoder_hint(d)) for t, d in docs)
        tracename = " ".join(traces)

        for log in logs:
            for row in read_zeek_log(os.path.join(tdir, log)):
                if not is_handshake(row):
                    continue
                oh, op = col(row, "orig_h"), col(row, "orig_p")
                rh, rp = col(row, "resp_h"), col(row, "resp_p")
                key = (tracename, oh, op, rh, rp, row.get("history"),
                       row.get("uid") if oh is None and rh is None else None)
                if key in seen:
                    continue
                seen.add(key)
                if oh is None and rh is None:
                    n["no_tuple"] += 1      # cut baseline without addresses
                    continue
                n["handshake"] += 1
                orig = (norm_ip(oh) if oh else None,
                        int(op) if op else None)
                resp = (norm_ip(rh) if rh else None,
                        int(rp) if rp else None)
                tunnel = col(row, "tunnel_parents") is not None
                desc = "%s:%s -> %s:%s history=%s state=%s%s" % (
                    oh, op, rh, rp, row.get("history"),
                    row.get("conn_state", "?"),
                    " (tunnelled)" if tunnel else "")

                def fits(e, want):
                    return all(w is None or w == g for w, g in zip(want, e))
                if None in orig + resp:     # partial tuple: scan everything
                    cands = [cv for lst in sess.values() for cv in lst
                             if (fits(cv[0], orig) and fits(cv[1], resp)) or
                             (fits(cv[1], orig) and fits(cv[0], resp))]
                    n["partial_tuple"] += 1
                else:
                    cands = sess.get(frozenset((orig, resp)), [])
                if any(fits(c, orig) and fits(v, resp) for c, v in cands):
                    n["same"] += 1
                elif cands:
                    n["opposite"] += 1
                    opposite.append((test, tracename, desc))
                else:
                    n["missing"] += 1
                    if not docs:
                        n["missing_unreadable"] += 1
                    missing.append((test, tracename, desc,
                                    hint or "trace not read by renkei"))

    # --- known_services (information only)
    ks_lines = []
    for test, tdir, logs, traces in tests:
        ksf = os.path.join(tdir, "known_services.log")
        if not os.path.isfile(ksf):
            continue
        zeek = {(norm_ip(r["host"]), int(r["port_num"]), r["port_proto"])
                for r in read_zeek_log(ksf)}
        ren = set()
        for t in traces:
            doc = results[t][1]
            for s in (doc or {}).get("services", []):
                ren.add((norm_ip(s["ip"]), s["port"], s["proto"]))
        both = zeek & ren
        prec = len(both) / len(ren) if ren else float("nan")
        rec = len(both) / len(zeek) if zeek else float("nan")
        ks_lines.append("  %s (%s): zeek %d, renkei %d, common %d, "
                        "precision %.2f, recall %.2f"
                        % (test, " ".join(traces), len(zeek), len(ren),
                           len(both), prec, rec))
        for x in sorted(zeek - ren):
            ks_lines.append("      only zeek:   %s %s/%s" % x)
        for x in sorted(ren - zeek):
            ks_lines.append("      only renkei: %s %s/%s" % x)

    # --- report
    hs = n["handshake"]
    share = n["same"] / hs if hs else 1.0
    print("renkei vs Zeek conn.log baselines (%s)" % base)
    print("  tests with conn.log and trace(s)      %6d"
          % sum(1 for t in tests if t[2]))
    print("  tests skipped: no trace in _index.tsv %6d" % no_trace)
    print("  traces run / compared                 %6d / %d"
          % (len(all_traces), len(traces_compared)))
    print("  Zeek TCP handshake connections        %6d  (distinct per trace)"
          % hs)
    print("    matched, same orientation           %6d  (%.2f %%)"
          % (n["same"], 100 * share))
    print("    OPPOSITE orientation (failure)      %6d" % n["opposite"])
    print("    missing in renkei                   %6d  (of which trace"
          " unreadable: %d)" % (n["missing"], n["missing_unreadable"]))
    print("    matched on a partial tuple          %6d  (cut baselines)"
          % n["partial_tuple"])
    print("  handshake rows without addresses      %6d  (cut baselines,"
          " not compared)" % n["no_tuple"])
    if crashes:
        print("\nCRASHES / SANITIZER REPORTS / BAD EXIT:")
        for t, rc, err in crashes:
            print("  %s exit %s\n%s" % (t, rc, "\n".join(
                "      " + l for l in err.strip().splitlines()[:20])))
    if unreadable:
        print("\nTraces renkei did not read (no report):")
        for test, t, rc, first in unreadable:
            print("  %s [%s] exit %s: %s" % (t, test, rc,
                                             first[0] if first else ""))
    if opposite:
        print("\nOPPOSITE ORIENTATION:")
        for test, t, desc in opposite:
            print("  %s [%s] %s" % (t, test, desc))
    if missing:
        print("\nMISSING in renkei (grouped by trace; decoder counters as a"
              " hint of why):")
        by_trace = collections.OrderedDict()
        for test, t, desc, hint in missing:
            by_trace.setdefault((t, test, hint), []).append(desc)
        for (t, test, hint), descs in by_trace.items():
            print("  %s [%s] %d connection(s); renkei: %s"
                  % (t, test, len(descs), hint))
            for d in descs[:10]:
                print("      " + d)
            if len(descs) > 10:
                print("      ... %d more" % (len(descs) - 10))
    if ks_lines:
        print("\nknown_services.log vs renkei services (information only):")
        print("\n".join(ks_lines))

    failed = bool(opposite) or share < MIN_MATCHED_SHARE or bool(crashes)
    print("\nRESULT: %s (opposite %d, matched share %.4f, threshold %.2f)"
          % ("FAIL" if failed else "PASS", n["opposite"], share,
             MIN_MATCHED_SHARE))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
