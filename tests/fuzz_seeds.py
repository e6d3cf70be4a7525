#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Write seed inputs for a fuzz target from capture files found at test time.

usage: fuzz_seeds.py TARGET OUT_DIR SOURCE...   (SOURCE: capture files or folders)

The project does not carry other people's captures: make check seeds the
fuzzers from ../shared/data (and from captures renkei-gen makes) when it
runs.  For each target:
  fuzz_pcapfile  whole small capture files, and the first 8 KiB of larger ones
  fuzz_decode    the first frames of each capture, prefixed with the byte that
                 selects its link type in fuzz/fuzz_decode.c's table
  fuzz_dns       UDP and TCP payloads to or from port 53
  fuzz_namefiles none (services, hosts and nmap-services files are not in
                 captures: fuzz/corpus/fuzz_namefiles holds its seeds)
  fuzz_peek      none yet (fuzz/corpus/fuzz_peek holds its seeds)
  fuzz_webquery  none (query strings are not in captures: fuzz/corpus/fuzz_webquery
                 holds its seeds)
At most MAX_SEEDS files are written; unreadable captures are skipped.
"""
import os
import random
import re
import struct
import sys

MAX_SEEDS = 400
HERE = os.path.dirname(os.path.abspath(__file__))

# The order of fuzz_decode.c's linktypes[] table (append only there too).
DECODE_LINKTYPES = [1, 0, 108, 101, 12, 14, 228, 229, 113, 276, 105, 127, 239, 10, 9, 50, 104]


def captures(sources):
    """Every file of the sources, in a shuffled but fixed order (all sets get a turn)."""
    paths = []
    for src in sources:
        if os.path.isdir(src):
            for root, _, files in os.walk(src):
                paths += [os.path.join(root, f) for f in sorted(files)]
        elif os.path.isfile(src):
            paths.append(src)
    random.Random(1).shuffle(paths)
    return paths


def magic(path):
    try:
        with open(path, "rb") as f:
            return f.read(4)
    except OSError:
        return b""


def frames(path, limit):
    """(linktype, bytes) of the first frames of a classic pcap or pcapng file."""
    with open(path, "rb") as f:
        data = f.read(1 << 20)
    m = data[:4]
    out = []
    if m in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if m[0] in (0xd4, 0x4d) else ">"
        if len(data) < 24:
            return out
        lt = struct.unpack(e + "I", data[20:24])[0] & 0xffff
        off = 24
        while off + 16 <= len(data) and len(out) < limit:
            caplen = struct.unpack(e + "I", data[off + 8:off + 12])[0]
            if caplen > 65535 or off + 16 + caplen > len(data):
                break
            out.append((lt, data[off + 16:off + 16 + caplen]))
            off += 16 + caplen
    elif m == b"\x0a\x0d\x0d\x0a" and len(data) >= 12:
        e = "<" if data[8:12] == b"\x4d\x3c\x2b\x1a" else ">"
        ifs, off = [], 0
        while off + 12 <= len(data) and len(out) < limit:
            bt, bl = struct.unpack(e + "II", data[off:off + 8])
            if bl < 12 or off + bl > len(data):
                break
            body = data[off + 8:off + bl - 4]
            if bt == 1 and len(body) >= 4:
                ifs.append(struct.unpack(e + "H", body[:2])[0])
            elif bt == 6 and len(body) >= 20:
                iid, _, _, caplen = struct.unpack(e + "IIII", body[:16])
                if iid < len(ifs) and caplen <= len(body) - 20:
                    out.append((ifs[iid], body[20:20 + caplen]))
            elif bt == 0x0a0d0d0a:
                ifs = []
            off += bl
    return out


def l4_payload(lt, fr):
    """(proto, sport, dport, payload) of Ethernet/raw IPv4/IPv6 TCP or UDP, else None."""
    off = 0
    if lt == 1:
        if len(fr) < 14:
            return None
        et, off = struct.unpack(">H", fr[12:14])[0], 14
        while et == 0x8100 and len(fr) >= off + 4:
            et, off = struct.unpack(">H", fr[off + 2:off + 4])[0], off + 4
        if et not in (0x0800, 0x86dd):
            return None
    elif lt not in (101, 228, 229):
        return None
    if len(fr) < off + 1:
        return None
    if fr[off] >> 4 == 4 and len(fr) >= off + 20:
        proto, off = fr[off + 9], off + (fr[off] & 15) * 4
    elif fr[off] >> 4 == 6 and len(fr) >= off + 40:
        proto, off = fr[off + 6], off + 40
    else:
        return None
    if proto == 17 and len(fr) >= off + 8:
        sp, dp = struct.unpack(">HH", fr[off:off + 4])
        return proto, sp, dp, fr[off + 8:]
    if proto == 6 and len(fr) >= off + 20:
        sp, dp = struct.unpack(">HH", fr[off:off + 4])
        return proto, sp, dp, fr[off + (fr[off + 12] >> 4) * 4:]
    return None


def target_limit():
    """4 DNS seeds per capture, unless FUZZ_SEEDS_ALL is set (one generated capture)."""
    return not os.environ.get("FUZZ_SEEDS_ALL")


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 1
    target, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    if target == "fuzz_namefiles":
        print("%s: name files are not captures; its seeds are committed" % target)
        return 0
    if target == "fuzz_peek":
        print("%s: no seeds from captures yet; its seeds are committed" % target)
        return 0
    if target == "fuzz_webquery":
        print("%s: query strings are not captures; its seeds are committed" % target)
        return 0
    n = 0
    for path in captures(sys.argv[3:]):
        if n >= MAX_SEEDS:
            break
        m = magic(path)
        if m not in (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1",
                     b"\xa1\xb2\x3c\x4d", b"\x0a\x0d\x0d\x0a"):
            continue
        parts = os.path.normpath(path).split(os.sep)[-3:]
        name = re.sub(r"[^A-Za-z0-9._-]", "_", "_".join(parts)).lstrip("._")[-80:]
        try:
            if target == "fuzz_pcapfile":
                with open(path, "rb") as f:
                    data = f.read(8192)
                seeds = [data]
            elif target == "fuzz_decode":
                seeds = [bytes([DECODE_LINKTYPES.index(lt)]) + fr[:2048]
                         for lt, fr in frames(path, 3) if lt in DECODE_LINKTYPES]
            elif target == "fuzz_dns":
                seeds = []
                for lt, fr in frames(path, 5000):
                    p = l4_payload(lt, fr)
                    if p and 53 in (p[1], p[2]) and len(p[3]) >= 12:
                        seeds.append(p[3][:4096])
                seeds = seeds[:4] if target_limit() else seeds
            else:
                print("unknown target %s" % target, file=sys.stderr)
                return 1
        except (OSError, struct.error, ValueError):
            continue
        for i, s in enumerate(seeds):
            with open(os.path.join(out, "%s-%d" % (name, i)), "wb") as f:
                f.write(s)
            n += 1
    print("%s: %d seeds in %s" % (target, n, out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
