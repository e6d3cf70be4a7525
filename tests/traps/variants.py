#!/usr/bin/env python3
"""Make the imperfect captures real networks deliver from a two-way one.

usage: variants.py TRUTH.json IN.pcap OUTDIR/NAME VARIANT...

VARIANT is one of
  c2s     only what the clients send (a mirror of one direction: SPAN rx,
          one fibre of a tap, asymmetric routing across a switch pair)
  s2c     only what the servers send
  cutK    every conversation loses its first K packets (the capture began
          while it was going on; K a number)

and each is written to OUTDIR/NAME-VARIANT.pcap, same link type, same
records, only fewer, with its truth OUTDIR/NAME-VARIANT.truth.json: the
truth of the two-way capture less what the variant no longer holds.  An
edge stays required when a packet of it is left (c2s, s2c: the push
client's bare ACKs are the dependency seen one way) or, for cutK, when a
packet with payload is left (the bar the issue sets: what still carries
data after the cut); an edge with only bare packets left after a cut is
ignored (neither required nor forbidden), one with nothing left is gone.
A service stays required while one of its required edges does.

Direction of a packet, from the truth (never from the capture's flags):
its source endpoint (IP, proto, port) is a service of the truth (or an
ignored one): the server's direction; its destination endpoint is: the
client's.  Packets on no service (scan probes to closed ports, ARP,
backscatter) go by host: from a host that offers a service to one that
does not is the servers' direction, the reverse the clients'; between two
such hosts, or two neither, the packet is kept in both (the mirror is not
what removes them).  Non-IP frames are kept in both.

A conversation for cutK is the normalised (proto, address, port,
address, port); non-IP frames and IP without ports are never cut.

Standard library only; classic pcap of any link type whose frames start
with Ethernet (1), in either byte order and time resolution.
"""

import ipaddress
import json
import struct
import sys


def norm(ip):
    return str(ipaddress.ip_address(ip))


def load_truth(path):
    with open(path, encoding="utf-8") as fh:
        doc = json.load(fh)
    svcs = set()
    for key in ("services", "ignore_services"):
        for s in doc.get(key, []):
            svcs.add((norm(s["ip"]), s["proto"].lower(), int(s["port"])))
    hosts = {ip for ip, _, _ in svcs}
    return doc, svcs, hosts


def edge_key(e):
    return (norm(e["client"]), norm(e["server"]), e["proto"].lower(), int(e["port"]))


def write_truth(doc, left, path):
    """The variant's truth: left maps an edge key to 0 (gone), 1 (bare), 2 (kept)."""
    out = {"services": [], "edges": [], "ignore_services": list(doc.get("ignore_services", [])),
           "ignore_edges": list(doc.get("ignore_edges", []))}
    kept_svcs = set()
    for e in doc.get("edges", []):
        k = edge_key(e)
        state = left.get(k, 0)
        if state == 2:
            out["edges"].append(e)
            kept_svcs.add((k[1], k[2], k[3]))
        elif state == 1:
            out["ignore_edges"].append(e)
    for s in doc.get("services", []):
        k = (norm(s["ip"]), s["proto"].lower(), int(s["port"]))
        if k in kept_svcs:
            out["services"].append(s)
        else:
            out["ignore_services"].append(s)
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)
        fh.write("\n")


class NotACapture(ValueError):
    """The file is not a classic Ethernet pcap (the message says why)."""


def records(path):
    """Yield (header bytes, None, None), then (None, record header, frame) of
    each record of a classic Ethernet pcap; NotACapture if it is none."""
    with open(path, "rb") as fh:
        hdr = fh.read(24)
        if len(hdr) < 24:
            raise NotACapture(f"{path}: not a pcap file")
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            end = ">"
        else:
            raise NotACapture(f"{path}: not a classic pcap file")
        if struct.unpack(end + "I", hdr[20:24])[0] & 0xFFFF != 1:
            raise NotACapture(f"{path}: not Ethernet")
        yield hdr, None, None
        while True:
            rec = fh.read(16)
            if len(rec) < 16:
                return
            incl = struct.unpack(end + "IIII", rec)[2]
            frame = fh.read(incl)
            if len(frame) < incl:
                return
            yield None, rec, frame


def l4_of(frame):
    """(ethertype, IP offset, transport offset (-1: a fragment), IP proto,
    source, destination) of an Ethernet frame with IP, or None."""
    off, etype = 14, struct.unpack("!H", frame[12:14])[0] if len(frame) >= 14 else 0
    while etype in (0x8100, 0x88A8) and len(frame) >= off + 4:
        etype = struct.unpack("!H", frame[off + 2:off + 4])[0]
        off += 4
    if etype == 0x0800 and len(frame) >= off + 20:
        frag = struct.unpack("!H", frame[off + 6:off + 8])[0] & 0x1FFF
        l4 = off + (frame[off] & 15) * 4 if not frag else -1
        return etype, off, l4, frame[off + 9], frame[off + 12:off + 16], frame[off + 16:off + 20]
    if etype == 0x86DD and len(frame) >= off + 40:
        return etype, off, off + 40, frame[off + 6], frame[off + 8:off + 24], frame[off + 24:off + 40]
    return None


def tcp_flags(frame):
    """TCP flags of an Ethernet/IP(v6)/TCP frame, or None."""
    x = l4_of(frame)
    if x is None or x[3] != 6 or x[2] < 0 or len(frame) <= x[2] + 13:
        return None
    return frame[x[2] + 13]


def flow_of(frame):
    """(src, dst, proto, sport, dport, has payload) of an Ethernet frame, or None."""
    x = l4_of(frame)
    if x is None:
        return None
    etype, off, l4, proto, src, dst = x
    src, dst = str(ipaddress.ip_address(src)), str(ipaddress.ip_address(dst))
    name = {6: "tcp", 17: "udp", 132: "sctp"}.get(proto, str(proto))
    if l4 < 0 or proto not in (6, 17, 132) or len(frame) < l4 + 4:
        return (src, dst, name, 0, 0, 1)
    sport, dport = struct.unpack("!HH", frame[l4:l4 + 4])
    return (src, dst, name, sport, dport, payload(frame, etype, off, l4, proto))


def payload(frame, etype, off, l4, proto):
    """1 if the transport carries payload (from the IP lengths: snaplen-proof)."""
    if etype == 0x0800:
        total = struct.unpack("!H", frame[off + 2:off + 4])[0] - (l4 - off)
    else:
        total = struct.unpack("!H", frame[off + 4:off + 6])[0]
    if proto == 6:
        if len(frame) < l4 + 13:
            return 0
        return int(total - (frame[l4 + 12] >> 4) * 4 > 0)
    return int(total - 8 > 0) if proto == 17 else 1


def direction(flow, svcs, hosts):
    """'s2c', 'c2s' or 'both' (see the module doc)."""
    if flow is None:
        return "both"
    src, dst, proto, sport, dport, _ = flow
    if (src, proto, sport) in svcs:
        return "s2c"
    if (dst, proto, dport) in svcs:
        return "c2s"
    if (src in hosts) != (dst in hosts):
        return "s2c" if src in hosts else "c2s"
    return "both"


def conv_key(flow):
    src, dst, proto, sport, dport, _ = flow
    a, b = (src, sport), (dst, dport)
    return (proto,) + (a + b if a <= b else b + a)


def main(argv):
    if len(argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    truth, inp, base, variants = argv[1], argv[2], argv[3], argv[4:]
    doc, svcs, hosts = load_truth(truth)
    for v in variants:
        if v not in ("c2s", "s2c") and not (v.startswith("cut") and v[3:].isdigit()):
            print(f"variants.py: unknown variant {v!r}", file=sys.stderr)
            return 2
    try:
        return write_variants(doc, svcs, hosts, inp, base, variants)
    except NotACapture as e:
        print("variants.py: %s" % e, file=sys.stderr)
        return 2


def write_variants(doc, svcs, hosts, inp, base, variants):
    """Write every variant of inp and its truth (see the module doc)."""
    edges = {edge_key(e) for e in doc.get("edges", [])}
    outs, cuts, seen = {}, {}, {}
    left = {v: {} for v in variants}
    for v in variants:
        outs[v] = open(f"{base}-{v}.pcap", "wb")
        if v.startswith("cut"):
            cuts[v] = int(v[3:])
    for hdr, rec, frame in records(inp):
        if hdr is not None:
            for fh in outs.values():
                fh.write(hdr)
            continue
        flow = flow_of(frame)
        d = direction(flow, svcs, hosts)
        n = 0
        if flow is not None and flow[3] | flow[4]:
            k = conv_key(flow)
            n = seen.get(k, 0)
            seen[k] = n + 1
        for v, fh in outs.items():
            if v in cuts:
                keep = flow is None or not (flow[3] | flow[4]) or n >= cuts[v]
            else:
                keep = d in (v, "both")
            if keep:
                fh.write(rec)
                fh.write(frame)
                note_left(left[v], edges, flow, v in cuts)
    for v, fh in outs.items():
        fh.close()
        write_truth(doc, left[v], f"{base}-{v}.truth.json")
    return 0


def note_left(left, edges, flow, need_payload):
    """Record that a packet of flow's edge (if it is one) is in the variant."""
    if flow is None:
        return
    src, dst, proto, sport, dport, has_payload = flow
    for k in ((src, dst, proto, dport), (dst, src, proto, sport)):
        if k in edges:
            state = 2 if has_payload or not need_payload else 1
            left[k] = max(left.get(k, 0), state)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
