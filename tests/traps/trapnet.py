#!/usr/bin/env python3
"""Small helpers for run-traps.sh (standard library only).

  trapnet.py pool-server ADDR PORT SECONDS
      A toy "database": a threaded TCP server; every request line
      "Q <n>\\n" is answered by one line of about n bytes.  Dual-stack
      when ADDR is "::".  Exits by itself after SECONDS.

  trapnet.py pool-client HOST PORT CONNS SECONDS
      A connection pool: opens CONNS connections at once, then for
      SECONDS keeps sending a request on every connection in turn
      (each connection is used at least every ~0.4 s) and reads the
      answers.  Exits by itself.

  trapnet.py truth LINES.txt OUT.json
      Turns the truth lines written by run-traps.sh
        service IP PROTO PORT
        edge CLIENT SERVER PROTO PORT
        ignore-service IP PROTO PORT
        ignore-edge CLIENT SERVER PROTO PORT
        note TEXT...
      into the truth JSON read by tests/score.py.

  trapnet.py check TRUTH.json CAPTURE.pcap
      Checks the capture against its truth, so that a program that failed
      to start shows up as a broken test rather than as renkei's error:
      every truth edge must have at least one packet from the client to
      the server's port.  Prints "ok syn=N handshakes=M" (pure SYNs, and
      SYN+ACKs, seen on truth edges) or the missing edges; exit 1 if any.

  trapnet.py slow-server ADDR PORT SECONDS
      A toy database that mostly listens: every connection first gets a
      greeting line; then request lines are read and acknowledged all at
      once ("OK <count>"), by one short line only every 2.5-6 s (a random
      period per connection): a bulk load that the server confirms in
      batches.  Between two acknowledgements only the client sends
      payload.  Dual-stack when ADDR is "::".

  trapnet.py burst-client HOST PORT CONNS SECONDS
      The bulk loader: CONNS connections; on each in turn, every ~0.1 s,
      a request line of 60-400 bytes, never waiting for an answer (a
      thread per connection reads whatever the server sends).

  trapnet.py reflect VICTIM COUNT SPACING TARGET...
      A UDP reflection attack, bounded: COUNT spoofed queries in all,
      SPACING seconds apart, round robin over the TARGETs, each with the
      source address VICTIM (raw sockets, IP header built here).  TARGET
      is dns:ADDR (a DNS A query for example.test, sent to ADDR:53 from
      the victim's fixed port 41000) or ntp:ADDR (an NTP v4 client
      request to ADDR:123 from a random victim port, as when an attacker
      varies it).  IPv4 or IPv6 per ADDR; VICTIM is "V4,V6".

  trapnet.py no-service RESULT.json IP...
      Extra assertion for reflection: no service of renkei's result (and
      no edge's server) is on one of the IPs.  Prints what is; exit 1 if
      anything.
"""

import ipaddress
import json
import random
import struct
import socket
import socketserver
import sys
import threading
import time

from variants import NotACapture, flow_of, records, tcp_flags


def pool_server(addr, port, seconds):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            end = time.monotonic() + seconds
            while time.monotonic() < end:
                line = self.rfile.readline(256)
                if not line:
                    return
                try:
                    size = max(1, min(4000, int(line.split()[1])))
                except (IndexError, ValueError):
                    size = 16
                self.wfile.write(b"R " + b"r" * size + b"\n")
                self.wfile.flush()

    dual_server(addr, port, seconds, Handler)


def pool_client(host, port, conns, seconds):
    socks = []
    for _ in range(conns):
        s = socket.create_connection((host, port), timeout=5)
        socks.append((s, s.makefile("rb")))
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        order = list(socks)
        random.shuffle(order)
        for s, rf in order:
            n += 1
            s.sendall(b"Q %d %d\n" % (random.randint(40, 1500), n))
            if not rf.readline(8192):
                return 1
        time.sleep(random.uniform(0.05, 0.2))
    for s, rf in socks:
        rf.close()
        s.close()
    return 0


def dual_server(addr, port, seconds, handler):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET

    class Server(socketserver.ThreadingTCPServer):
        address_family = family
        allow_reuse_address = True
        daemon_threads = True

        def server_bind(self):
            if family == socket.AF_INET6:
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    srv = Server((addr, port), handler)
    threading.Timer(seconds, srv.shutdown).start()
    srv.serve_forever(poll_interval=0.2)


def slow_server(addr, port, seconds):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            start = time.monotonic()
            end = start + seconds
            period = random.uniform(2.5, 6.0)
            last, pending = start, 0
            self.wfile.write(b"READY\n")
            self.wfile.flush()
            while time.monotonic() < end:
                line = self.rfile.readline(1024)
                if not line:
                    return
                pending += 1
                now = time.monotonic()
                if now - last >= period:
                    self.wfile.write(b"OK %d\n" % pending)
                    self.wfile.flush()
                    last, pending = now, 0

    dual_server(addr, port, seconds, Handler)


def burst_client(host, port, conns, seconds):
    socks = [socket.create_connection((host, port), timeout=5) for _ in range(conns)]

    def drain(s):
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass

    for s in socks:
        threading.Thread(target=drain, args=(s,), daemon=True).start()
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        for s in socks:
            n += 1
            body = b"x" * random.randint(40, 380)
            try:
                s.sendall(b"INSERT %d %s\n" % (n, body))
            except OSError:
                return 1
        time.sleep(0.1)
    for s in socks:
        s.close()
    return 0


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def udp_packet(src, dst, sport, dport, data):
    """An IP packet (v4 or v6 after dst) carrying UDP with a right checksum."""
    s, d = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    length = 8 + len(data)
    udp = struct.pack("!HHHH", sport, dport, length, 0) + data
    if d.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, 17, length)
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", length, 17)
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    if d.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, random.randint(1, 65535),
                         0, 64, 17, 0, s.packed, d.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    else:
        ip = struct.pack("!IHBB16s16s", 6 << 28, length, 17, 64, s.packed, d.packed)
    return ip + udp


def dns_query():
    qid = random.randint(0, 65535)
    name = b"".join(bytes([len(p)]) + p for p in (b"example", b"test")) + b"\0"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 1, 1)


def ntp_query():
    # LI 0, version 4, mode 3 (client); the transmit timestamp is random
    return bytes([0x23, 0, 6, 0x20]) + bytes(36) + random.randbytes(8)


def reflect(victims, count, spacing, targets):
    v4, v6 = victims.split(",")
    raw4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    raw6 = None
    plan = []
    for t in targets:
        kind, addr = t.split(":", 1)
        if kind not in ("dns", "ntp"):
            raise SystemExit(f"trapnet.py reflect: bad target {t!r}")
        plan.append((kind, addr))
        if ":" in addr and raw6 is None:
            raw6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    sent = 0
    deadline = time.monotonic() + 30
    while sent < count and time.monotonic() < deadline:
        kind, addr = plan[sent % len(plan)]
        six = ":" in addr
        if kind == "dns":
            pkt = udp_packet(v6 if six else v4, addr, 41000, 53, dns_query())
        else:
            pkt = udp_packet(v6 if six else v4, addr, random.randint(1024, 65535), 123, ntp_query())
        (raw6 if six else raw4).sendto(pkt, (addr, 0))
        sent += 1
        time.sleep(spacing)
    print(f"reflect: {sent} spoofed queries sent")
    return 0


def no_service(result_path, ips):
    with open(result_path, encoding="utf-8") as fh:
        doc = json.load(fh)
    bad = {str(ipaddress.ip_address(i)) for i in ips}
    found = 0
    for s in doc.get("services", []):
        if str(ipaddress.ip_address(s["ip"])) in bad:
            print(f"victim service: {s['proto']} {s['ip']}:{s['port']}")
            found += 1
    for e in doc.get("edges", []):
        if str(ipaddress.ip_address(e["server"])) in bad:
            print(f"victim edge: {e['client']} -> {e['proto']} {e['server']}:{e['port']}")
            found += 1
    if not found:
        print("ok: no service and no edge to " + " ".join(sorted(bad)))
    return 1 if found else 0


def truth(lines_path, out_path):
    doc = {"services": [], "edges": [], "ignore_services": [],
           "ignore_edges": [], "notes": []}
    seen = set()
    with open(lines_path, encoding="utf-8") as fh:
        for raw in fh:
            f = raw.split()
            if not f:
                continue
            kind = f[0]
            if kind == "note":
                doc["notes"].append(raw.split(None, 1)[1].strip())
                continue
            if (kind, *f[1:]) in seen:
                continue
            seen.add((kind, *f[1:]))
            if kind in ("service", "ignore-service") and len(f) == 4:
                entry = {"ip": f[1], "proto": f[2], "port": int(f[3])}
                doc["services" if kind == "service" else "ignore_services"].append(entry)
            elif kind in ("edge", "ignore-edge") and len(f) == 5:
                entry = {"client": f[1], "server": f[2], "proto": f[3], "port": int(f[4])}
                doc["edges" if kind == "edge" else "ignore_edges"].append(entry)
            else:
                raise SystemExit(f"trapnet.py truth: bad line {raw!r}")
    for key in ("ignore_services", "ignore_edges", "notes"):
        if not doc[key]:
            del doc[key]
    with open(out_path, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    return 0


def packets(path):
    """Yield (src, dst, proto, sport, dport, tcpflags) of the TCP and UDP
    packets of an Ethernet pcap (variants.py reads it)."""
    try:
        for hdr, _, frame in records(path):
            f = None if hdr is not None else flow_of(frame)
            if f is None or f[2] not in ("tcp", "udp") or not (f[3] | f[4]):
                continue
            yield f[0], f[1], f[2], f[3], f[4], tcp_flags(frame) or 0
    except NotACapture as e:
        raise SystemExit(str(e)) from e


def check(truth_path, pcap_path):
    with open(truth_path, encoding="utf-8") as fh:
        doc = json.load(fh)
    want = {}
    for e in doc["edges"]:
        key = (str(ipaddress.ip_address(e["client"])), str(ipaddress.ip_address(e["server"])),
               e["proto"], int(e["port"]))
        want[key] = 0
    syn = synack = 0
    for src, dst, proto, sport, dport, flags in packets(pcap_path):
        if (src, dst, proto, dport) in want:
            want[(src, dst, proto, dport)] += 1
            if flags & 0x12 == 0x02:
                syn += 1
        elif proto == "tcp" and (dst, src, proto, sport) in want and flags & 0x12 == 0x12:
            synack += 1
    missing = [k for k, n in want.items() if n == 0]
    for c, s, proto, port in missing:
        print(f"missing: no packet {c} -> {proto} {s}:{port}")
    if missing:
        return 1
    print(f"ok syn={syn} synack={synack}")
    return 0


def main(argv):
    if len(argv) >= 2 and argv[1] == "check" and len(argv) == 4:
        return check(argv[2], argv[3])
    if len(argv) >= 2 and argv[1] == "pool-server" and len(argv) == 5:
        return pool_server(argv[2], int(argv[3]), float(argv[4]))
    if len(argv) >= 2 and argv[1] == "pool-client" and len(argv) == 6:
        return pool_client(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    if len(argv) >= 2 and argv[1] == "slow-server" and len(argv) == 5:
        return slow_server(argv[2], int(argv[3]), float(argv[4]))
    if len(argv) >= 2 and argv[1] == "burst-client" and len(argv) == 6:
        return burst_client(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    if len(argv) >= 6 and argv[1] == "reflect":
        return reflect(argv[2], min(int(argv[3]), 2000), float(argv[4]), argv[5:])
    if len(argv) >= 4 and argv[1] == "no-service":
        return no_service(argv[2], argv[3:])
    if len(argv) >= 2 and argv[1] == "truth" and len(argv) == 4:
        return truth(argv[2], argv[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
