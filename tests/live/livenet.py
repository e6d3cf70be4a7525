#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Helpers of tests/live/run-live.sh.

  livenet.py truth IN OUT.json       "service IP PROTO PORT" / "edge C S PROTO PORT"
                                     lines -> the JSON tests/score.py reads
  livenet.py report RENKEI DB OUT.json
                                     the store's services and edges as JSON:
                                     `renkei report --db DB --json` when that
                                     command exists, else read with sqlite3
                                     (the store schema of src/store/migrate.c); says which
  livenet.py rules DB                per stored service: sessions and how its
                                     sessions were decided (handshake, one-way ...)
  livenet.py flood N DST DPORT OUT.pcap
                                     N TCP SYNs from random IPv4 sources (never
                                     10.88/16) and ports to DST:DPORT, Ethernet to
                                     a MAC no host has, as a classic pcap
"""

import ipaddress
import json
import random
import sqlite3
import struct
import subprocess
import sys

PROTO = {6: "tcp", 17: "udp", 132: "sctp"}


def truth(src, out):
    doc = {"services": [], "edges": []}
    with open(src) as f:
        for line in f:
            w = line.split()
            if not w:
                continue
            if w[0] == "service":
                doc["services"].append({"ip": w[1], "proto": w[2], "port": int(w[3])})
            elif w[0] == "edge":
                doc["edges"].append({"client": w[1], "server": w[2], "proto": w[3],
                                     "port": int(w[4])})
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)


def ip_of(blob, text):
    if text:
        return text
    a = ipaddress.IPv6Address(bytes(blob))
    return str(a.ipv4_mapped or a)


def from_sqlite(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    doc = {"source": "sqlite3 " + db, "services": [], "edges": []}
    for ip, proto, port, sess in con.execute(
            "SELECT h.ip_text, s.proto, s.port, s.sessions FROM services s "
            "JOIN hosts h ON h.id = s.host"):
        doc["services"].append({"ip": ip, "proto": PROTO.get(proto, proto), "port": port,
                                "sessions": sess})
    for c, s, proto, port, sess in con.execute(
            "SELECT hc.ip_text, hs.ip_text, e.proto, e.port, SUM(e.sessions) FROM edges e "
            "JOIN hosts hc ON hc.id = e.client JOIN hosts hs ON hs.id = e.server "
            "GROUP BY e.client, e.server, e.proto, e.port"):
        doc["edges"].append({"client": c, "server": s, "proto": PROTO.get(proto, proto),
                             "port": port, "sessions": sess})
    row = con.execute("SELECT COUNT(*), SUM(packets), SUM(evicted), SUM(kernel_drops) "
                      "FROM runs").fetchone()
    doc["summary"] = {"runs": row[0], "packets": row[1], "sessions_evicted": row[2],
                      "kernel_drops": row[3]}
    return doc


def report(renkei, db, out):
    try:
        p = subprocess.run([renkei, "report", "--db", db, "--json"], capture_output=True,
                           timeout=60)
        if p.returncode == 0:
            doc = json.loads(p.stdout)
            doc["source"] = "renkei report --json"
            with open(out, "w") as f:
                json.dump(doc, f, indent=1)
            print("renkei report --json")
            return
        if b"unknown command" not in p.stderr:
            sys.stderr.write(p.stderr.decode(errors="replace"))
            sys.exit(1)
    except FileNotFoundError:
        pass
    with open(out, "w") as f:
        json.dump(from_sqlite(db), f, indent=1)
    print("sqlite3 (renkei report not built yet)")


def rules(db):
    con = sqlite3.connect("file:%s?mode=ro" % db, uri=True)
    res = {}
    for ip, proto, port, sess, hs, ow, ev in con.execute(
            "SELECT h.ip_text, s.proto, s.port, s.sessions, s.r_handshake + s.r_synack + "
            "s.r_syn, s.r_oneway, s.r_evidence + s.r_tie FROM services s "
            "JOIN hosts h ON h.id = s.host"):
        res["%s %s/%s" % (ip, port, PROTO.get(proto, proto))] = {
            "sessions": sess, "handshake": hs, "oneway": ow, "evidence": ev}
    print(json.dumps(res, sort_keys=True))


def csum(b):
    s = sum(struct.unpack("!10H", b))
    s = (s & 0xffff) + (s >> 16)
    s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def flood(n, dst, dport, out):
    rnd = random.Random(88)
    dst4 = ipaddress.IPv4Address(dst).packed
    eth = bytes.fromhex("02000000009902000000009a0800")
    ts = 1700000000
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 256, 1))
        for i in range(n):
            while True:
                src = rnd.getrandbits(32)
                if src >> 16 != 0x0a58 and src >> 24 not in (0, 127, 224, 240, 255):
                    break
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xffff, 0, 64, 6, 0,
                             struct.pack("!I", src), dst4)
            ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
            tcp = struct.pack("!HHIIBBHHH", 1024 + rnd.getrandbits(15), dport,
                              rnd.getrandbits(32), 0, 0x50, 0x02, 8192, 0, 0)
            frame = eth + ip + tcp
            f.write(struct.pack("<IIII", ts + i // 1000000, i % 1000000, len(frame),
                                len(frame)))
            f.write(frame)


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "truth" and len(sys.argv) == 4:
        truth(sys.argv[2], sys.argv[3])
    elif cmd == "report" and len(sys.argv) == 5:
        report(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "rules" and len(sys.argv) == 3:
        rules(sys.argv[2])
    elif cmd == "flood" and len(sys.argv) == 6:
        flood(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
