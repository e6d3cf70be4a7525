#!/usr/bin/env python3
"""A deliberately naive classifier, to show what the traps catch.

  baseline.py analyze --json CAPTURE.pcap

Same command line and JSON shape as `renkei analyze --json`.  Rule per
conversation: the side that sends SYN+ACK is the server; else the side that
receives a bare SYN; else (no handshake seen, or UDP) the lower port.
Run the traps against it with:  tests/traps/run-traps.sh tests/traps/baseline.py
It fails the backscatter, scan, low-port and no-handshake traps by design.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from trapnet import packets  # noqa: E402


def main(argv):
    if len(argv) < 3 or argv[1] != "analyze":
        print(__doc__, file=sys.stderr)
        return 2
    files = [a for a in argv[2:] if not a.startswith("--")]
    sessions = {}
    for path in files:
        for src, dst, proto, sport, dport, flags in packets(path):
            a, b = sorted([(src, sport), (dst, dport)])
            s = sessions.setdefault((a, b, proto), {"server": None})
            if proto == "tcp" and s["server"] is None:
                if flags & 0x12 == 0x12:
                    s["server"] = (src, sport)
                elif flags & 0x12 == 0x02:
                    s["server"] = (dst, dport)
    services, edges = set(), set()
    for (a, b, proto), s in sessions.items():
        srv = s["server"] or (a if a[1] < b[1] else b)
        cli = b if srv == a else a
        services.add((srv[0], proto, srv[1]))
        edges.add((cli[0], srv[0], proto, srv[1]))
    json.dump({"services": [{"ip": i, "proto": p, "port": n} for i, p, n in sorted(services)],
               "edges": [{"client": c, "server": s, "proto": p, "port": n}
                         for c, s, p, n in sorted(edges)]}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
