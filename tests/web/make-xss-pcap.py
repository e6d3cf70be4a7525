#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Write a small pcap whose DNS answers give hosts names that carry markup,
# and whose TCP sessions make those hosts a client and a server, so the
# web report has to show a stranger's "<img/src=x/onerror=alert(1)>" as text.
# usage: make-xss-pcap.py OUT.pcap
import struct
import sys

T0 = 1700000000


def csum(b):
    if len(b) % 2:
        b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ip(a):
    return bytes(int(x) for x in a.split('.'))


def ipv4(src, dst, proto, payload):
    h = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(payload), 1, 0, 64, proto, 0,
                    ip(src), ip(dst))
    h = h[:10] + struct.pack('!H', csum(h)) + h[12:]
    return h + payload


def eth(payload):
    return b'\x02\0\0\0\0\x01' + b'\x02\0\0\0\0\x02' + b'\x08\x00' + payload


def udp(src, sp, dst, dp, data):
    return eth(ipv4(src, dst, 17, struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data))


def tcp(src, sp, dst, dp, flags, seq, ack, data=b''):
    h = struct.pack('!HHIIBBHHH', sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0)
    return eth(ipv4(src, dst, 6, h + data))


def qname(name):
    return b''.join(bytes([len(l)]) + l for l in name.encode().split(b'.')) + b'\0'


def dns_answer(name, addr):
    q = qname(name)
    hdr = struct.pack('!HHHHHH', 0x1234, 0x8180, 1, 1, 0, 0)
    question = q + struct.pack('!HH', 1, 1)
    answer = b'\xc0\x0c' + struct.pack('!HHIH', 1, 1, 300, 4) + ip(addr)
    return hdr + question + answer


EVIL = {
    '10.9.0.20': '<img/src=x/onerror=alert(1)>evil.example',
    '10.9.0.10': '"><script>alert(2)</script>evil.example',
}
SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01

pkts = []
t = T0
for addr, name in EVIL.items():
    pkts.append((t, udp('10.9.0.53', 53, '10.9.0.10', 40000 + len(pkts),
                        dns_answer(name, addr))))
    t += 1
# Clients 10.9.0.10 .. 10.9.0.14 use the web server 10.9.0.20, which uses 10.9.0.30:5432.
sessions = [('10.9.0.%d' % c, 41000 + c, '10.9.0.20', 80) for c in range(10, 15)]
sessions.append(('10.9.0.20', 42000, '10.9.0.30', 5432))
for (c, cp, s, sp) in sessions:
    pkts += [(t, tcp(c, cp, s, sp, SYN, 100, 0)),
             (t + 0.001, tcp(s, sp, c, cp, SYN | ACK, 500, 101)),
             (t + 0.002, tcp(c, cp, s, sp, ACK, 101, 501)),
             (t + 0.003, tcp(c, cp, s, sp, PSH | ACK, 101, 501, b'GET / HTTP/1.0\r\n\r\n')),
             (t + 0.004, tcp(s, sp, c, cp, PSH | ACK, 501, 119, b'x' * 300)),
             (t + 0.005, tcp(c, cp, s, sp, FIN | ACK, 119, 801)),
             (t + 0.006, tcp(s, sp, c, cp, FIN | ACK, 801, 120)),
             (t + 0.007, tcp(c, cp, s, sp, ACK, 120, 802))]
    t += 1

with open(sys.argv[1], 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for ts, p in pkts:
        sec = int(ts)
        f.write(struct.pack('<IIII', sec, int((ts - sec) * 1e6), len(p), len(p)))
        f.write(p)
