#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""check-truth.py - cross-check a renkei-gen capture against its truth, with tshark.

Usage: check-truth.py OUT.pcap TRUTH.json [--no-handshake]

Independent of renkei: reads the capture with tshark and checks that
  1. tshark reports no malformed packet;
  2. every truth edge has packets in both directions (syslog: client to server);
  3. every TCP/UDP packet not involving the noise hosts (scanner 192.168.77.66,
     backscatter source 198.51.100.7) belongs to a truth edge;
  4. every server endpoint that sends a SYN-ACK (noise excluded) is a truth
     service, and (handshake variant) every truth TCP service but those reached
     only by pre-established connections sent one; with --no-handshake, no real
     session shows a SYN;
  5. the packet count and the first/last timestamps match.
Prints a summary; exits 1 on any failure.  Meant for captures up to a few
million packets (tshark speed).
"""
import ipaddress
import json
import subprocess
import sys

NOISE = {"192.168.77.66", "198.51.100.7"}


def norm(a):
    return str(ipaddress.ip_address(a)) if a else a


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    pcap, truth_path = sys.argv[1], sys.argv[2]
    no_hs = "--no-handshake" in sys.argv[3:]
    truth = json.load(open(truth_path))
    fails = []

    mal = subprocess.run(["tshark", "-r", pcap, "-Y", "_ws.malformed", "-T", "fields",
                          "-e", "frame.number"], capture_output=True, text=True).stdout.split()
    if mal:
        fails.append("%d malformed packets, first %s" % (len(mal), mal[0]))

    fields = ["frame.time_epoch", "ip.src", "ip.dst", "ipv6.src", "ipv6.dst", "tcp.srcport",
              "tcp.dstport", "udp.srcport", "udp.dstport", "tcp.flags", "ntp.flags.mode"]
    cmd = ["tshark", "-r", pcap, "-n", "-T", "fields", "-E", "separator=\t",
           "-o", "tcp.desegment_tcp_streams:FALSE"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout

    edges = {(e["client"], e["server"], e["proto"], e["port"]): 0 for e in truth["edges"]}
    services = {(s["ip"], s["proto"], s["port"]) for s in truth["services"]}
    synack = set()
    n = 0
    first = last = None
    stray = 0
    syn_real = 0
    for line in out.splitlines():
        n += 1
        f = line.split("\t")
        ts = f[0]
        first = first or ts
        last = ts
        src = norm(f[1].split(",")[0] or f[3])
        dst = norm(f[2].split(",")[0] or f[4])
        if f[5]:
            proto, sp, dp = "tcp", int(f[5]), int(f[6])
            flags = int(f[9], 16)
        elif f[7]:
            proto, sp, dp = "udp", int(f[7]), int(f[8])
            flags = 0
        else:
            continue  # ARP, ICMP
        if src in NOISE or dst in NOISE:
            continue
        if flags & 0x12 == 0x12:
            synack.add((src, proto, sp))
        fwd, rev = (src, dst, proto, dp), (dst, src, proto, sp)
        if fwd in edges and rev in edges and sp == dp:
            # NTP 123 <-> 123 between two hosts that both serve: the mode tells.
            if f[10] == "4":
                fwd = None
        if fwd in edges:
            edges[fwd] |= 1
            if flags & 0x02:
                syn_real += 1
        elif rev in edges:
            edges[rev] |= 2
        else:
            stray += 1
    one_way = {(e["client"], e["server"], e["proto"], e["port"])
               for e in truth["edges"] if e["proto"] == "udp" and e["port"] == 514}
    bad = [k for k, v in edges.items() if v != (1 if k in one_way else 3)]
    if bad:
        fails.append("%d truth edges without both directions, e.g. %s" % (len(bad), bad[0]))
    if stray:
        fails.append("%d packets outside every truth edge" % stray)
    if synack - services:
        fails.append("SYN-ACK senders not in services: %s" % sorted(synack - services)[:5])
    tcp_svcs = {s for s in services if s[1] == "tcp"}
    if no_hs:
        if synack or syn_real:
            fails.append("--no-handshake capture has %d SYN-ACK senders, %d SYNs"
                         % (len(synack), syn_real))
    if n != truth["packets"]:
        fails.append("packets: tshark %d, truth %d" % (n, truth["packets"]))
    if first and abs(float(first) * 1e6 - truth["first_ts"]) > 1:
        fails.append("first_ts differs")
    if last and abs(float(last) * 1e6 - truth["last_ts"]) > 1:
        fails.append("last_ts differs")
    print("packets %d, truth edges %d, services %d (tcp %d), SYN-ACK servers %d, "
          "TCP services without a handshake in the capture %d"
          % (n, len(edges), len(services), len(tcp_svcs), len(synack),
             len(tcp_svcs - synack)))
    for f in fails:
        print("FAIL:", f)
    print("OK" if not fails else "FAILED")
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
