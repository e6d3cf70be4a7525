#!/usr/bin/env python3
"""Direction of dependencies on real captures cut the way real networks cut them.

usage: direction.py RENKEI DATA_DIR [--min-payload-accuracy X] [--seed N] [--max-files N]
                    [--variants V,...] [--modes plain,peek] [--peek-variants V,...]
                    [--verbose]

For every Ethernet capture under DATA_DIR (classic pcap; others are
skipped) whose TCP conversations show their whole handshake, the
handshake is the truth: the side that sent SYN+ACK serves.  renkei
analyze --sessions of the original gives those conversations (rule
"handshake").  Then three imperfect captures are made of each file, and
renkei must still name the same direction for each dependency (client,
server, proto, server port) that the imperfect capture still holds:

  nosyn-cut   every SYN and SYN+ACK removed, and every conversation cut at
              a random point (its first k packets dropped, k uniform in
              [0, n-1], seeded): captures that began mid-conversation
  c2s, s2c    only the clients' / only the servers' packets of the
              handshake conversations (everything else kept): a mirror of
              one direction

A dependency counts as "with payload" when the imperfect capture still
holds a packet with payload of it.  For each variant the script prints
how many dependencies came out right, reversed or missing, overall and
with payload, and the same for a naive rule (the lower port serves) as a
yardstick.  Each imperfect capture is analysed without and with --peek
(payload hints; rows "+peek").  Exits 1 if the accuracy with payload of
any variant and mode is below --min-payload-accuracy (default 0: report
only).

Standard library only; the imperfect captures are written to a temporary
directory and removed.
"""

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "traps"))
from variants import NotACapture, flow_of, norm, records, tcp_flags  # noqa: E402


def read_pcap(path):
    """(header, [(record header, frame)]) of an Ethernet classic pcap, or None."""
    try:
        it = records(path)
        hdr = next(it)[0]
        return hdr, [(rec, fr) for _, rec, fr in it]
    except (OSError, NotACapture):
        return None


def conv_key(src, sport, dst, dport):
    a, b = (src, sport), (dst, dport)
    return a + b if a <= b else b + a


def truth_of(renkei, path):
    """{conversation key: (client, cport, server, sport)} decided by their handshake."""
    p = subprocess.run([renkei, "analyze", "--sessions", "--json", path],
                       capture_output=True, timeout=300)
    if p.returncode not in (0, 3):
        return {}
    try:
        doc = json.loads(p.stdout)
    except ValueError:
        return {}
    out = {}
    for s in doc.get("sessions", []):
        if s.get("proto") != "tcp" or s.get("rule") != "handshake":
            continue
        c, cp, sv, sp = norm(s["client"]), s["client_port"], norm(s["server"]), s["server_port"]
        out[conv_key(c, cp, sv, sp)] = (c, cp, sv, sp)
    return out


def make_variant(recs, truth, variant, rng):
    """The records to keep, and {dependency: has payload} of what is left."""
    keep, left, seen, cut = [], {}, {}, {}
    if variant == "nosyn-cut":
        counts = {}
        for rec, fr in recs:
            f = flow_of(fr)
            if f and f[2] == "tcp":
                k = conv_key(f[0], f[3], f[1], f[4])
                counts[k] = counts.get(k, 0) + 1
        cut = {k: rng.randrange(n) for k, n in counts.items()}
    for rec, fr in recs:
        f = flow_of(fr)
        k = conv_key(f[0], f[3], f[1], f[4]) if f and f[2] == "tcp" else None
        t = truth.get(k) if k else None
        if variant == "nosyn-cut" and k is not None:
            fl = tcp_flags(fr)
            n = seen.get(k, 0)
            seen[k] = n + 1
            if n < cut.get(k, 0) or (fl is not None and fl & 0x02):
                continue
        elif variant in ("c2s", "s2c") and t is not None:
            from_client = (f[0], f[3]) == (t[0], t[1])
            if from_client != (variant == "c2s"):
                continue
        keep.append((rec, fr))
        if t is not None:
            dep = (t[0], t[2], t[3], t[1])
            left[dep] = left.get(dep, False) or bool(f[5])
    return keep, left


def edges_of(renkei, path, opts):
    p = subprocess.run([renkei, "analyze", "--json"] + opts + [path], capture_output=True,
                       timeout=300)
    if p.returncode not in (0, 3):
        return None
    doc = json.loads(p.stdout)
    return {(norm(e["client"]), norm(e["server"]), e["port"])
            for e in doc.get("edges", []) if e.get("proto") == "tcp"}


def judge(left, edges):
    """Counters: right / reversed / missing, overall and with payload; and the naive rule's."""
    c = {k: 0 for k in ("n", "right", "rev", "miss", "pn", "pright", "prev", "pmiss",
                        "naive", "pnaive")}
    for (cl, sv, sp, cp), payload in left.items():
        if (cl, sv, sp) in edges:
            r = "right"
        elif (sv, cl, cp) in edges:
            r = "rev"
        else:
            r = "miss"
        naive = sp < cp or (sp == cp and sv < cl)
        c["n"] += 1
        c[r] += 1
        c["naive"] += naive
        if payload:
            c["pn"] += 1
            c["p" + r] += 1
            c["pnaive"] += naive
    return c


def main(argv):
    ap = argparse.ArgumentParser()
    ap.add_argument("renkei")
    ap.add_argument("data")
    ap.add_argument("--min-payload-accuracy", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--max-files", type=int, default=100000)
    ap.add_argument("--verbose", action="store_true")
    ap.add_argument("--variants", default="nosyn-cut,c2s,s2c")
    ap.add_argument("--modes", default="plain,peek")
    ap.add_argument("--peek-variants", default=None,
                    help="the variants also run with --peek (default: all of --variants)")
    a = ap.parse_args(argv[1:])
    modes = {"plain": ("", []), "peek": ("+peek", ["--peek"])}
    peeked = set((a.peek_variants or a.variants).split(","))
    runs = [(v, m) for v in a.variants.split(",") for m in a.modes.split(",")
            if m != "peek" or v in peeked]
    if any(m not in modes for _, m in runs):
        ap.error("--modes: plain, peek")
    files = []
    for root, _, names in os.walk(a.data):
        for n in sorted(names):
            if n.endswith((".pcap", ".cap", ".dmp", ".trace")):
                files.append(os.path.join(root, n))
    files.sort()
    totals = {v + modes[m][0]: None for v, m in runs}
    used = 0
    with tempfile.TemporaryDirectory(prefix="renkei-dir-") as tmp:
        for path in files[:a.max_files]:
            cap = read_pcap(path)
            if cap is None:
                continue
            hdr, recs = cap
            truth = truth_of(a.renkei, path)
            if not truth:
                continue
            used += 1
            for v in a.variants.split(","):
                rng = random.Random("%s:%s:%d" % (os.path.basename(path), v, a.seed))
                keep, left = make_variant(recs, truth, v, rng)
                if not left:
                    continue
                out = os.path.join(tmp, "v.pcap")
                with open(out, "wb") as fh:
                    fh.write(hdr)
                    for rec, fr in keep:
                        fh.write(rec)
                        fh.write(fr)
                for m in (m for vv, m in runs if vv == v):
                    judge_run(a, path, v + modes[m][0], left, edges_of(a.renkei, out, modes[m][1]),
                              totals)
    return summary(used, totals, a.min_payload_accuracy)


def judge_run(a, path, run, left, edges, totals):
    """Add one analysed imperfect capture to totals[run]."""
    if edges is None:
        return
    c = judge(left, edges)
    if a.verbose and c["pright"] < c["pn"]:
        print("  %s %s: %d/%d with payload right" % (
            os.path.relpath(path, a.data), run, c["pright"], c["pn"]))
        for dep, payload in sorted(left.items()):
            if payload and (dep[0], dep[1], dep[2]) not in edges:
                print("      %s -> %s:%d (client port %d)%s" % (
                    dep[0], dep[1], dep[2], dep[3],
                    " reversed" if (dep[1], dep[0], dep[3]) in edges else ""))
    if totals[run] is None:
        totals[run] = c
    else:
        for k in c:
            totals[run][k] += c[k]


def summary(used, totals, min_payload_accuracy):
    """Print the table; 1 if a run's accuracy with payload is below the floor."""
    print("direction of dependencies on %d real captures (truth: their handshakes)" % used)
    print("%-15s %6s %8s %8s %8s %8s | %6s %8s %8s" % (
        "variant", "deps", "right", "reversed", "missing", "naive", "w/pay", "right", "naive"))
    worst = 1.0
    for v, c in totals.items():
        if c is None or c["n"] == 0:
            continue
        pacc = c["pright"] / c["pn"] if c["pn"] else 1.0
        worst = min(worst, pacc)
        print("%-15s %6d %8.3f %8.3f %8.3f %8.3f | %6d %8.3f %8.3f" % (
            v, c["n"], c["right"] / c["n"], c["rev"] / c["n"], c["miss"] / c["n"],
            c["naive"] / c["n"], c["pn"], pacc, c["pnaive"] / c["pn"] if c["pn"] else 1.0))
    if worst < min_payload_accuracy:
        print("FAIL: accuracy with payload %.3f < %.3f" % (worst, min_payload_accuracy))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
