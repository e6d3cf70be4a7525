#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""End-to-end tests of `renkei analyze` on generated captures.

Each test runs the real binary on a real capture made by renkei-gen (whose
ground truth we know) and checks what a user would see: services and edges
scored against the truth (precision and recall must be 1.0, with and without
the handshakes in the capture), identical output whatever the thread count,
standard input, filters, truncated and bogus files, --explain, --host,
--hosts, a too-small session table.  Prints TAP lines and a closing
"N passed, N failed" line; exits 1 if anything failed.

usage: e2e.py BUILD_DIR [WORK_DIR]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import score  # noqa: E402  (tests/score.py)

BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
WORK = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="renkei-e2e-")
RENKEI = os.path.join(BUILD, "renkei")
GEN = os.path.join(BUILD, "renkei-gen")
SITE_SERVICES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tools", "gen",
                             "site-services")

results = []


def compare(truth, doc):
    """Score doc against truth with tests/score.py's rules; a dict per category."""
    out = {}
    for cat, keyfn in (("services", score.service_key), ("edges", score.edge_key)):
        t = score.key_set(truth, cat, keyfn, "truth", True)
        ign = score.key_set(truth, "ignore_" + cat, keyfn, "truth", False)
        r = score.key_set(doc, cat, keyfn, "renkei", True)
        tp, fp, fn, prec, rec = score.score(t, ign, r)
        out[cat] = {"tp": tp, "fp": fp, "fn": fn, "precision": prec, "recall": rec}
    return out


def run(args, stdin=None, check_rc=None):
    p = subprocess.run(args, input=stdin, capture_output=True, timeout=600)
    if check_rc is not None and p.returncode != check_rc:
        raise AssertionError("%s exited %d, want %d\nstderr: %s" % (
            " ".join(args), p.returncode, check_rc, p.stderr.decode(errors="replace")[:2000]))
    return p


def test(fn):
    name = fn.__name__
    try:
        fn()
        results.append((name, None))
        print("ok %d - %s" % (len(results), name), flush=True)
    except Exception as e:  # report every failure, keep going
        results.append((name, e))
        print("not ok %d - %s\n  # %s" % (len(results), name,
              str(e).replace("\n", "\n  # ")), flush=True)
    return fn


def gen(name, *extra):
    pcap = os.path.join(WORK, name + ".pcap")
    truth = os.path.join(WORK, name + ".truth.json")
    if not os.path.exists(pcap):
        run([GEN, "-o", pcap, "--truth", truth] + list(extra), check_rc=0)
    return pcap, truth


def analyze(*args, rc=0, stdin=None):
    p = run([RENKEI, "analyze"] + list(args), stdin=stdin, check_rc=rc)
    return p


def analyze_json(*args, rc=0):
    return json.loads(analyze("--json", *args, rc=rc).stdout)


def assert_perfect(truth_path, doc, label):
    with open(truth_path) as f:
        truth = json.load(f)
    res = compare(truth, doc)
    for cat in ("services", "edges"):
        r = res[cat]
        print("  # %s %s: P=%.4f R=%.4f (tp=%d fp=%d fn=%d)" % (
            label, cat, r["precision"], r["recall"], r["tp"], len(r["fp"]), len(r["fn"])))
        if r["precision"] < 1.0 or r["recall"] < 1.0:
            raise AssertionError("%s %s not perfect: fp=%s fn=%s" % (
                label, cat, r["fp"][:10], r["fn"][:10]))


@test
def generated_with_handshakes_is_perfect():
    pcap, truth = gen("hs", "--seed", "11", "--packets", "300000")
    assert_perfect(truth, analyze_json(pcap), "handshake")


@test
def generated_without_handshakes_is_perfect():
    pcap, truth = gen("nohs", "--seed", "11", "--packets", "300000", "--no-handshake")
    assert_perfect(truth, analyze_json(pcap), "no-handshake")


@test
def generated_other_seed_and_shape_is_perfect():
    pcap, truth = gen("shape2", "--seed", "5", "--packets", "200000", "--clients", "900",
                      "--servers", "60", "--subnets", "30", "--no-handshake")
    assert_perfect(truth, analyze_json(pcap), "seed5-no-handshake")


@test
def output_is_identical_for_any_thread_count():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    outs = [analyze("--json", "--sessions", "--threads", str(n), pcap).stdout
            for n in (1, 2, 3, 4)]
    for n, o in zip((2, 3, 4), outs[1:]):
        if o != outs[0]:
            raise AssertionError("--threads %d output differs from --threads 1" % n)


@test
def standard_input_reads_like_a_file():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    with open(pcap, "rb") as f:
        data = f.read()
    a = json.loads(analyze("--json", pcap).stdout)
    b = json.loads(analyze("--json", "-", stdin=data).stdout)
    if a["services"] != b["services"] or a["edges"] != b["edges"]:
        raise AssertionError("stdin gives another result than the file")
    if a["summary"]["packets"] != b["summary"]["packets"]:
        raise AssertionError("packet counts differ")


@test
def two_files_make_one_analysis():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    one = analyze_json(pcap)
    two = analyze_json(pcap, pcap)
    if two["summary"]["packets"] != 2 * one["summary"]["packets"]:
        raise AssertionError("packets not summed over the inputs")
    key = lambda d: sorted((s["ip"], s["proto"], s["port"]) for s in d["services"])
    if key(one) != key(two):
        raise AssertionError("the same capture twice changed the services")


@test
def bpf_filter_applies():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    doc = analyze_json("-f", "udp", pcap)
    protos = {s["proto"] for s in doc["services"]}
    if protos - {"udp"} or not doc["services"]:
        raise AssertionError("filter 'udp' left services %s" % protos)
    p = analyze("-f", "this is not bpf", pcap, rc=2)
    if b"renkei:" not in p.stderr or b"filter" not in p.stderr:
        raise AssertionError("bad filter message: %r" % p.stderr)


def pcap_to_pcapng(src, dst):
    """Rewrite a little-endian classic pcap as pcapng (SHB, IDB, one EPB a frame)."""
    import struct
    with open(src, "rb") as f, open(dst, "wb") as g:
        hdr = f.read(24)
        linktype = struct.unpack("<I", hdr[20:24])[0]
        shb_body = struct.pack("<IHHq", 0x1a2b3c4d, 1, 0, -1)
        g.write(struct.pack("<II", 0x0a0d0d0a, 12 + len(shb_body)) + shb_body +
                struct.pack("<I", 12 + len(shb_body)))
        idb_body = struct.pack("<HHI", linktype, 0, 65535)
        g.write(struct.pack("<II", 1, 12 + len(idb_body)) + idb_body +
                struct.pack("<I", 12 + len(idb_body)))
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                break
            sec, usec, caplen, wirelen = struct.unpack("<IIII", rec)
            data = f.read(caplen)
            ts = sec * 1000000 + usec
            pad = (4 - caplen % 4) % 4
            body = struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, caplen, wirelen) + \
                data + b"\0" * pad
            g.write(struct.pack("<II", 6, 12 + len(body)) + body +
                    struct.pack("<I", 12 + len(body)))


@test
def pcapng_reads_like_pcap():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    ng = os.path.join(WORK, "hs.pcapng")
    pcap_to_pcapng(pcap, ng)
    a = analyze("--json", "--sessions", pcap).stdout
    b = analyze("--json", "--sessions", ng).stdout
    if a != b:
        raise AssertionError("the pcapng copy gives another report than the pcap")


@test
def truncated_file_is_analysed_up_to_the_cut():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    cut = os.path.join(WORK, "cut.pcap")
    size = os.path.getsize(pcap)
    with open(pcap, "rb") as f, open(cut, "wb") as g:
        g.write(f.read(size // 2 + 7))
    p = analyze("--json", cut, rc=3)
    doc = json.loads(p.stdout)
    if b"truncated" not in p.stderr or cut.encode() not in p.stderr:
        raise AssertionError("no clear truncation message: %r" % p.stderr)
    if doc["summary"]["truncated_files"] != 1 or doc["summary"]["packets"] < 1000:
        raise AssertionError("the part before the cut was not analysed")


@test
def bogus_inputs_get_a_clear_error():
    junk = os.path.join(WORK, "junk.txt")
    with open(junk, "w") as f:
        f.write("this is not a capture file\n" * 10)
    empty = os.path.join(WORK, "empty.pcap")
    open(empty, "w").close()
    for path, want in ((junk, b"junk.txt"), (empty, b"empty"),
                       (os.path.join(WORK, "missing.pcap"), b"missing.pcap"),
                       (WORK, b"")):
        p = analyze(path, rc=2)
        err = p.stderr.strip().splitlines()
        if not err or not err[0].startswith(b"renkei: ") or want not in p.stderr:
            raise AssertionError("unclear error for %s: %r" % (path, p.stderr))
    analyze("--threads", "0", junk, rc=1)
    analyze("--max-sessions", "lots", junk, rc=1)
    analyze("--explain", "10.0.0.1", junk, rc=1)
    analyze(rc=1)


@test
def explain_shows_evidence_and_decision():
    pcap, truth = gen("nohs", "--seed", "11", "--packets", "300000", "--no-handshake")
    with open(truth) as f:
        svc = json.load(f)["services"][0]
    ip = svc["ip"] if ":" not in svc["ip"] else "[%s]" % svc["ip"]
    out = analyze("--explain", "%s:%d/%s" % (ip, svc["port"], svc["proto"]), pcap).stdout
    for want in (b"distinct peer IPs", b"server score", b"Decision: a SERVICE"):
        if want not in out:
            raise AssertionError("--explain lacks %r:\n%s" % (want, out.decode()[:1500]))


@test
def host_filter_and_names():
    pcap, truth = gen("hs", "--seed", "11", "--packets", "300000")
    with open(truth) as f:
        svc = json.load(f)["services"][0]
    hosts = os.path.join(WORK, "hosts")
    with open(hosts, "w") as f:
        f.write("# site names\n%s  server-under-test.example alias\n" % svc["ip"])
    doc = analyze_json("--host", svc["ip"], "--hosts", hosts, pcap)
    if any(s["ip"] != svc["ip"] for s in doc["services"]) or not doc["services"]:
        raise AssertionError("--host left other hosts in services")
    names = {h["ip"]: h["name"] for h in doc["hosts"]}
    if names.get(svc["ip"]) != "server-under-test.example":
        raise AssertionError("--hosts name missing: %s" % names.get(svc["ip"]))
    text = analyze("--host", svc["ip"], "--hosts", hosts, pcap).stdout
    if b"server-under-test.example" not in text or b"Services offered" not in text:
        raise AssertionError("text report lacks the host's table")


@test
def site_service_names_are_used():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    if not os.path.exists(SITE_SERVICES):
        raise AssertionError("missing %s" % SITE_SERVICES)
    doc = analyze_json("--services", SITE_SERVICES, pcap)
    named = {s["port"]: s["name"] for s in doc["services"] if s["name"]}
    if named.get(50020) != "order-api":
        raise AssertionError("site name for 50020 not used: %s" % named.get(50020))
    analyze("--services", os.path.join(WORK, "nope"), pcap, rc=2)


@test
def small_session_table_evicts_and_counts():
    pcap, truth = gen("hs", "--seed", "11", "--packets", "300000")
    doc = analyze_json("--max-sessions", "500", pcap)
    if doc["summary"]["sessions_evicted"] == 0:
        raise AssertionError("no evictions counted with a 500-session table")
    with open(truth) as f:
        t = json.load(f)
    r = compare(t, doc)["services"]
    print("  # 500-session table: services P=%.3f R=%.3f" % (r["precision"], r["recall"]))
    if r["recall"] < 0.9:
        raise AssertionError("evicted sessions were lost: service recall %.3f" % r["recall"])


@test
def evidence_outlives_a_full_classifier():
    # A 2,000-session cap makes the classifier hold at most 4,000 endpoints
    # of evidence: it must judge what it has before forgetting the
    # client-like ones, or servers seen without a handshake lose their
    # evidence and half their sessions come out reversed (was P=0.25).
    pcap, truth = gen("nohs", "--seed", "11", "--packets", "300000", "--no-handshake")
    for threads in ("1", "2"):
        doc = analyze_json("--max-sessions", "2000", "--threads", threads, pcap)
        assert_perfect(truth, doc, "no-handshake, 2000 sessions, %s threads" % threads)


@test
def text_report_has_summary_and_tables():
    pcap, _ = gen("hs", "--seed", "11", "--packets", "300000")
    out = analyze("--services", SITE_SERVICES, pcap).stdout.decode()
    for want in ("Summary", "measured", "networks", "server hosts", "Services offered",
                 "Services used", "order-api"):
        if want not in out:
            raise AssertionError("text report lacks %r" % want)
    stats = analyze("--stats", pcap).stdout.decode()
    for want in ("Decoder", "IPV4_SHORT", "Session table", "Sessions by kind"):
        if want not in stats:
            raise AssertionError("--stats lacks %r" % want)


VARIANTS = os.path.join(os.path.dirname(HERE), "traps", "variants.py")


def variant(pcap, truth, name, v):
    """The variant v of pcap (tests/traps/variants.py) and its truth."""
    base = os.path.join(WORK, name)
    run([sys.executable, VARIANTS, truth, pcap, base, v], check_rc=0)
    return base + "-" + v + ".pcap", base + "-" + v + ".truth.json"


def assert_unseen_direction_is_null(pcap, doc, seen, label):
    """A mirror of one direction: the other direction's bytes are unknown (null), not 0,
    where no session showed it, and "blind" counts the sessions that hid it; the seen
    direction stays a number.  (The variant keeps both directions of what goes between
    two servers on no service, or two NTP servers 123 <-> 123: those few are two-way.)"""
    hidden = "s2c" if seen == "c2s" else "c2s"
    svc_dir = {"c2s": "in", "s2c": "out"}
    n_null = 0
    for kind, items, hid, saw, bk in (
            ("edge", doc["edges"], "bytes_" + hidden, "bytes_" + seen, hidden),
            ("service", doc["services"], "bytes_" + svc_dir[hidden], "bytes_" + svc_dir[seen],
             svc_dir[hidden])):
        for x in items:
            blind = x.get("blind", {}).get(bk, 0)
            if ((x[hid] is None) != (blind == x["sessions"]) or
                    not isinstance(x[saw], int) or not isinstance(x["bytes"], int)):
                raise AssertionError("%s: %s %s" % (label, kind, json.dumps(x)))
            n_null += kind == "edge" and x[hid] is None
    print("  # %s: %d of %d edges with %s bytes null" % (label, n_null, len(doc["edges"]),
                                                          hidden))
    if n_null * 100 < 95 * len(doc["edges"]):
        raise AssertionError("%s: only %d of %d edges report %s bytes unknown" % (
            label, n_null, len(doc["edges"]), hidden))
    want = sum(e.get("blind", {}).get(hidden, 0) for e in doc["edges"])
    if doc["summary"].get("blind", {}).get(hidden) != want:
        raise AssertionError("%s: summary blind %s, want %s: %d" % (
            label, doc["summary"].get("blind"), hidden, want))
    text = analyze(pcap).stdout.decode()
    if "sessions seen one way only" not in text or " ? " not in text:
        raise AssertionError("%s: the text report does not say what it cannot know" % label)


@test
def one_way_mirrors_and_cut_conversations_are_perfect():
    # A mirror that carries only the clients' or only the servers' direction,
    # and conversations that lost their first packets: the same services and
    # dependencies as the two-way capture (less what the variant no longer holds).
    for name, extra in (("v-hs", ()), ("v-nohs", ("--no-handshake",))):
        pcap, truth = gen(name, "--seed", "23", "--packets", "120000", "--clients", "200",
                          "--servers", "25", "--subnets", "6", *extra)
        for v in ("c2s", "s2c", "cut3", "cut10"):
            vp, vt = variant(pcap, truth, name, v)
            doc = analyze_json(vp)
            assert_perfect(vt, doc, name + "-" + v)
            if v in ("c2s", "s2c") and not doc["summary"]["sessions_by_kind"].get("oneway"):
                raise AssertionError("%s-%s: no one-way sessions counted" % (name, v))
            if v in ("c2s", "s2c"):
                assert_unseen_direction_is_null(vp, doc, v, name + "-" + v)


def write_pcap(path, frames):
    """A classic Ethernet pcap of (µs timestamp, frame bytes)."""
    import struct
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, fr in frames:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
            f.write(fr)


def udp4(src, dst, sport, dport, payload):
    """An Ethernet/IPv4/UDP frame (checksums zero: renkei does not need them)."""
    import ipaddress
    import struct
    ip_len = 20 + 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0, 64, 17, 0,
                     ipaddress.ip_address(src).packed, ipaddress.ip_address(dst).packed)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0)
    return b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + udp + payload


@test
def reflection_floods_add_nothing_to_the_map():
    # A victim gets answers it never asked for from 40 DNS reflectors (to
    # random ports) and 30 NTP reflectors (to one port), around real DNS
    # and NTP traffic of four clients.  The flood is counted as
    # reflection; no service on the victim, no edge touching it; the real
    # services and their clients stay.
    victim, ts, frames = "10.9.9.9", 1700000000 * 1000000, []
    for i in range(40):
        for k in range(3):
            ts += 997
            frames.append((ts, udp4("192.0.2.%d" % (i + 1), victim, 53, 1024 + 37 * i + k,
                                    b"A" * 900)))
    for i in range(30):
        for k in range(4):
            ts += 1013
            frames.append((ts, udp4("198.51.100.%d" % (i + 1), victim, 123, 40000, b"N" * 440)))
    for c in range(4):
        cli = "10.1.0.%d" % (10 + c)
        for k in range(5):
            ts += 50000
            port = 33000 + 100 * c + k
            frames.append((ts, udp4(cli, "10.0.0.53", port, 53, b"q" * 30)))
            frames.append((ts + 300, udp4("10.0.0.53", cli, 53, port, b"r" * 90)))
            frames.append((ts + 600, udp4(cli, "10.0.0.123", 123, 123, b"t" * 48)))
            frames.append((ts + 900, udp4("10.0.0.123", cli, 123, 123, b"T" * 48)))
    pcap = os.path.join(WORK, "reflection.pcap")
    write_pcap(pcap, frames)
    doc = analyze_json(pcap)
    svcs = {(s["ip"], s["proto"], s["port"]) for s in doc["services"]}
    if svcs != {("10.0.0.53", "udp", 53), ("10.0.0.123", "udp", 123)}:
        raise AssertionError("services: %s" % sorted(svcs))
    bad = [e for e in doc["edges"] if victim in (e["client"], e["server"])]
    if bad or len(doc["edges"]) != 8:
        raise AssertionError("edges touching the victim: %s; edges: %d" % (bad[:5], len(doc["edges"])))
    refl = doc["summary"]["sessions_by_kind"].get("reflection", 0)
    if refl < 70:
        raise AssertionError("reflection sessions counted: %d, want >= 70" % refl)


def main():
    for tool in (RENKEI, GEN):
        if not os.access(tool, os.X_OK):
            print("Bail out! %s not built" % tool)
            return 1
    print("1..%d" % len(results))
    failed = sum(1 for _, e in results if e)
    passed = len(results) - failed
    print("e2e: %d passed, %d failed" % (passed, failed))
    if not os.environ.get("RENKEI_KEEP_WORK") and len(sys.argv) <= 2:
        shutil.rmtree(WORK, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
