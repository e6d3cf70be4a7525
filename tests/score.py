#!/usr/bin/env python3
"""Score renkei's service/edge output against a known truth.

usage: score.py TRUTH.json RESULT.json [--min-precision X] [--min-recall X]
                [--label NAME] [--quiet]

Both documents carry two arrays:
  "services": [{"ip": ..., "proto": "tcp"|"udp", "port": N}, ...]
  "edges":    [{"client": ip, "server": ip, "proto": ..., "port": N}, ...]
Extra fields in either document (renkei adds name, clients, bytes, packets,
sessions, confidence, ...) are ignored.  The truth may also carry
"ignore_services" / "ignore_edges": entries that are neither required nor
forbidden (they count neither as true positives nor as false positives).

IP addresses are normalised with the ipaddress module (so "fd77::0001" and
"fd77::1" are equal, and an IPv4-mapped IPv6 address is NOT folded into
IPv4: the two are different hosts on the wire).  Protocols compare
case-insensitively.  Entries are compared as sets; duplicates in either
document count once.

Prints one line per category:
  LABEL services: P=1.000 R=1.000 (tp=.. fp=.. fn=..)
followed by up to 10 false positives and false negatives, and exits 1 if
precision or recall of either category is below the thresholds (default
1.0), 2 on unreadable input, 0 otherwise.  With nothing expected and
nothing reported, precision and recall are both 1.0.
"""

import argparse
import ipaddress
import json
import sys

MAX_LISTED = 10


class BadInput(Exception):
    pass


def norm_ip(value, where):
    try:
        return str(ipaddress.ip_address(str(value).strip()))
    except ValueError as exc:
        raise BadInput(f"{where}: bad IP address {value!r}") from exc


def norm_proto(value, where):
    if isinstance(value, int):
        return {6: "tcp", 17: "udp"}.get(value, str(value))
    if not isinstance(value, str) or not value:
        raise BadInput(f"{where}: bad proto {value!r}")
    return value.strip().lower()


def norm_port(value, where):
    try:
        port = int(value)
    except (TypeError, ValueError) as exc:
        raise BadInput(f"{where}: bad port {value!r}") from exc
    if not 0 <= port <= 65535:
        raise BadInput(f"{where}: port out of range {value!r}")
    return port


def service_key(entry, where):
    if not isinstance(entry, dict):
        raise BadInput(f"{where}: not an object: {entry!r}")
    try:
        return (norm_ip(entry["ip"], where), norm_proto(entry["proto"], where),
                norm_port(entry["port"], where))
    except KeyError as exc:
        raise BadInput(f"{where}: missing field {exc}") from exc


def edge_key(entry, where):
    if not isinstance(entry, dict):
        raise BadInput(f"{where}: not an object: {entry!r}")
    try:
        return (norm_ip(entry["client"], where), norm_ip(entry["server"], where),
                norm_proto(entry["proto"], where), norm_port(entry["port"], where))
    except KeyError as exc:
        raise BadInput(f"{where}: missing field {exc}") from exc


def key_set(doc, field, keyfn, name, required):
    if field not in doc:
        if required:
            raise BadInput(f"{name}: no \"{field}\" array")
        return set()
    items = doc[field]
    if not isinstance(items, list):
        raise BadInput(f"{name}: \"{field}\" is not an array")
    return {keyfn(item, f"{name} {field}[{i}]") for i, item in enumerate(items)}


def fmt_ip(ip):
    return f"[{ip}]" if ":" in ip else ip


def fmt_service(key):
    ip, proto, port = key
    return f"{proto} {fmt_ip(ip)}:{port}"


def fmt_edge(key):
    client, server, proto, port = key
    return f"{client} -> {proto} {fmt_ip(server)}:{port}"


def ratio(num, den):
    return 1.0 if den == 0 else num / den


def score(truth, ignore, result):
    """Return (tp, fp, fn, precision, recall) with fp/fn as sorted lists."""
    tp = truth & result
    fp = sorted(result - truth - ignore)
    fn = sorted(truth - result)
    precision = ratio(len(tp), len(tp) + len(fp))
    recall = ratio(len(tp), len(truth))
    return len(tp), fp, fn, precision, recall


def load(path):
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except (OSError, ValueError) as exc:
        raise BadInput(f"{path}: {exc}") from exc
    if not isinstance(doc, dict):
        raise BadInput(f"{path}: top level is not an object")
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("truth")
    ap.add_argument("result")
    ap.add_argument("--min-precision", type=float, default=1.0)
    ap.add_argument("--min-recall", type=float, default=1.0)
    ap.add_argument("--label", default="")
    ap.add_argument("--quiet", action="store_true",
                    help="do not list false positives / negatives")
    args = ap.parse_args(argv)

    try:
        tdoc = load(args.truth)
        rdoc = load(args.result)
        cats = [
            ("services", fmt_service,
             key_set(tdoc, "services", service_key, args.truth, True),
             key_set(tdoc, "ignore_services", service_key, args.truth, False),
             key_set(rdoc, "services", service_key, args.result, True)),
            ("edges", fmt_edge,
             key_set(tdoc, "edges", edge_key, args.truth, True),
             key_set(tdoc, "ignore_edges", edge_key, args.truth, False),
             key_set(rdoc, "edges", edge_key, args.result, True)),
        ]
    except BadInput as exc:
        print(f"score.py: {exc}", file=sys.stderr)
        return 2

    label = f"{args.label} " if args.label else ""
    ok = True
    for name, fmt, truth, ignore, result in cats:
        # an entry both required and ignored is required
        ignore = ignore - truth
        tp, fp, fn, p, r = score(truth, ignore, result)
        print(f"{label}{name}: P={p:.3f} R={r:.3f} "
              f"(tp={tp} fp={len(fp)} fn={len(fn)})")
        if not args.quiet:
            for tag, lst in (("fp", fp), ("fn", fn)):
                for key in lst[:MAX_LISTED]:
                    print(f"    {tag} {fmt(key)}")
                if len(lst) > MAX_LISTED:
                    print(f"    {tag} ... and {len(lst) - MAX_LISTED} more")
        if p < args.min_precision or r < args.min_recall:
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
