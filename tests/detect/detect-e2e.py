#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""tests/detect/detect-e2e.py BUILD - attacks mixed into generated traffic.

A capture from renkei-gen (seed 7: 50 clients, 8 servers) is analysed
alone (no alert may fire), then with five attacks crafted here and merged
in packet-time order: a spoofed SYN flood against one of its services, a
horizontal scan (one source, port 22, 200 addresses, unanswered), a
vertical scan (one source, 300 ports of one server, refused), SYN+ACK
backscatter (one address, from 30 servers) and a DNS reflection (one
address, from port 53 of 40 resolvers).  Each must be alerted with the
right kind and target, and nothing else.  The pcap reader/writer is the
classic microsecond format, Ethernet, as renkei-gen writes it.
"""
import json
import os
import random
import struct
import subprocess
import sys
import tempfile

BUILD = sys.argv[1] if len(sys.argv) > 1 else "build"
RENKEI = os.path.join(BUILD, "renkei")
GEN = os.path.join(BUILD, "renkei-gen")
MAC = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02"


def read_pcap(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        assert struct.unpack("<I", hdr[:4])[0] == 0xA1B2C3D4, "µs little-endian pcap"
        out = []
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return hdr, out
            sec, usec, incl, orig = struct.unpack("<IIII", rec)
            out.append((sec * 1000000 + usec, f.read(incl), orig))


def write_pcap(path, hdr, frames):
    with open(path, "wb") as f:
        f.write(hdr)
        for ts, data, orig in frames:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(data), orig))
            f.write(data)


def ip4(s):
    return bytes(int(x) for x in s.split("."))


def frame(src, dst, proto, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                     ip4(src), ip4(dst))
    data = MAC + b"\x08\x00" + ip + l4
    return data


def tcp(src, sport, dst, dport, flags):
    return frame(src, dst, 6, struct.pack("!HHIIBBHHH", sport, dport, 1000, 0 if flags == 0x02
                                          else 1, 0x50, flags, 65535, 0, 0))


def udp(src, sport, dst, dport, payload):
    return frame(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)


SYN, SYNACK, RST_ACK = 0x02, 0x12, 0x14


def attacks(t0, t1, victim_svc, vscan_host):
    rnd = random.Random(13)
    out = []

    def at():
        return rnd.randint(t0, t1)

    vip, vport = victim_svc
    for _ in range(3000):  # spoofed SYN flood, half answered
        src = "%d.%d.%d.%d" % (rnd.randint(1, 223), rnd.randint(0, 255), rnd.randint(0, 255),
                               rnd.randint(1, 254))
        sp, t = rnd.randint(1024, 65535), at()
        out.append((t, tcp(src, sp, vip, vport, SYN)))
        if rnd.random() < 0.5:
            out.append((t + 50, tcp(vip, vport, src, sp, SYNACK)))
    for i in range(200):  # horizontal scan of ssh, nobody answers
        out.append((at(), tcp("10.99.0.66", 40000 + i, "10.77.%d.%d" % (i // 200, i % 200 + 1),
                              22, SYN)))
    for p in range(1, 301):  # vertical scan of one server, refused
        t = at()
        out.append((t, tcp("10.99.0.77", 50000, vscan_host, p, SYN)))
        out.append((t + 30, tcp(vscan_host, p, "10.99.0.77", 50000, RST_ACK)))
    for i in range(30):  # backscatter: SYN+ACKs to a spoofed source
        for k in range(3):
            out.append((at(), tcp("198.51.100.%d" % (i + 1), 443 if i % 2 else 80,
                                  "10.99.0.88", 20000 + i * 3 + k, SYNACK)))
    for i in range(40):  # DNS reflection: large answers nobody asked for
        for k in range(5):
            out.append((at(), udp("203.0.113.%d" % (i + 1), 53, "10.99.0.99", 33333 + k,
                                  b"\x12\x34\x81\x80" + b"\0" * 1200)))
    return [(t, d, len(d)) for t, d in out]


def analyze(pcap):
    p = subprocess.run([RENKEI, "analyze", "-q", "--json", pcap], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    return json.loads(p.stdout)


def check(label, cond, detail=""):
    print("%s - %s%s" % ("ok" if cond else "not ok", label, "" if cond else ": " + detail))
    return cond


def main():
    good = True
    with tempfile.TemporaryDirectory() as tmp:
        base, truth = os.path.join(tmp, "x.pcap"), os.path.join(tmp, "x.json")
        subprocess.run([GEN, "--seed", "7", "--clients", "50", "--servers", "8", "--subnets",
                        "3", "--packets", "20000", "-o", base, "--truth", truth],
                       check=True, capture_output=True)
        doc = analyze(base)
        good &= check("plain generated capture raises no alert", doc["alerts"] == [],
                      json.dumps(doc["alerts"])[:500])
        with open(truth) as f:
            t = json.load(f)
        svc = next(s for s in t["services"] if s["proto"] == "tcp")
        other = next(s["ip"] for s in t["services"] if s["ip"] != svc["ip"])
        hdr, frames = read_pcap(base)
        mixed = sorted(frames + attacks(frames[0][0], frames[-1][0], (svc["ip"], svc["port"]),
                                        other), key=lambda x: x[0])
        path = os.path.join(tmp, "mixed.pcap")
        write_pcap(path, hdr, mixed)
        al = analyze(path)["alerts"]
        want = [
            ("syn_flood", svc["ip"], svc["port"], None),
            ("backscatter", "10.99.0.88", None, None),
            ("horizontal_scan", None, 22, "10.99.0.66"),
            ("vertical_scan", other, None, "10.99.0.77"),
            ("reflection", "10.99.0.99", 53, None),
        ]
        got = [(a["kind"], a["ip"], a["port"], a["source"]) for a in al]
        for w in want:
            good &= check("%s alerted on %s" % (w[0], w[1] or w[3]), w in got, repr(got))
        good &= check("no other alert", len(got) == len(want), repr(got))
        flood = next((a for a in al if a["kind"] == "syn_flood"), None)
        good &= check("the flood is called spoofed", flood is not None and flood["spoofed"]
                      and flood["top_sources"] == [], json.dumps(flood))
        bs = next((a for a in al if a["kind"] == "backscatter"), {"top_sources": []})
        good &= check("backscatter names the servers' services",
                      {s["port"] for s in bs["top_sources"]} <= {80, 443}
                      and len(bs["top_sources"]) == 5, json.dumps(bs))
        txt = subprocess.run([RENKEI, "analyze", "-q", path], capture_output=True, text=True)
        good &= check("the text report has an Alerts section", "\nAlerts (5)\n" in txt.stdout,
                      txt.stdout[-2000:])
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
