#!/usr/bin/env python3
"""An independent impact / needs walk over a generator's truth, to check renkei's.

usage: walk.py impact|needs TRUTH.json TARGET_IP... > expected.json

TRUTH is renkei-gen's --truth (services and edges).  The walk follows
README's rules (impact: a service on a target fails; its clients are
affected one level deeper; a client that serves degrades every service it
offers, unless it was reached only through soft services; needs: the
reverse).  Soft services: udp/514, udp/123, udp/161, udp/162 and the
others listed in src/impact/impact.c, checked against its list by the
test.  Prints {"hosts": {ip: depth}, "services": {"ip:port/proto": depth}}.
"""
import json
import sys

SOFT = {("udp", 514), ("tcp", 601), ("tcp", 6514), ("udp", 123), ("udp", 161), ("udp", 162),
        ("udp", 2055), ("udp", 4739), ("tcp", 4739), ("udp", 6343), ("tcp", 9100),
        ("tcp", 10050), ("tcp", 10051)}


def key(ip, port, proto):
    return "%s:%d/%s" % (ip, port, proto)


def impact(truth, targets):
    offers, clients = {}, {}
    for s in truth["services"]:
        offers.setdefault(s["ip"], []).append((s["ip"], s["port"], s["proto"]))
    for e in truth["edges"]:
        clients.setdefault((e["server"], e["port"], e["proto"]), []).append(e["client"])
    hosts = {h: 0 for h in set(offers) | {e["client"] for e in truth["edges"]} if h in targets}
    svcs = {s: 0 for h in hosts for s in offers.get(h, [])}
    queue, degraded = list(svcs), set()
    while queue:
        s = queue.pop(0)
        d = svcs[s]
        for c in clients.get(s, []):
            if c not in hosts:
                hosts[c] = d + 1
            if (s[2], s[1]) in SOFT or c in targets or c in degraded:
                continue
            degraded.add(c)
            for t in offers.get(c, []):
                if t not in svcs:
                    svcs[t] = d + 1
                    queue.append(t)
    return hosts, svcs


def needs(truth, targets):
    uses = {}
    for e in truth["edges"]:
        uses.setdefault(e["client"], []).append((e["server"], e["port"], e["proto"]))
    hosts = {h: 0 for h in targets}
    svcs, queue = {}, list(targets)
    while queue:
        h = queue.pop(0)
        for s in uses.get(h, []):
            if s in svcs:
                continue
            svcs[s] = hosts[h] + 1
            if (s[2], s[1]) in SOFT or s[0] in hosts:
                continue
            hosts[s[0]] = hosts[h] + 1
            queue.append(s[0])
    return hosts, svcs


def main(argv):
    truth = json.load(open(argv[2]))
    hosts, svcs = (impact if argv[1] == "impact" else needs)(truth, set(argv[3:]))
    json.dump({"hosts": hosts, "services": {key(*s): d for s, d in svcs.items()}}, sys.stdout,
              sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
