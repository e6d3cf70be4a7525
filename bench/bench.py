#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""bench/bench.py - renkei's benchmark (run it through bench/run-bench.sh).

For every capture size (BENCH_SIZES, default "1M 10M"):
  1. generate the capture once with renkei-gen (seed 1), cached in
     bench/cache/ and regenerated only when the generator's sources change;
  2. run every tool on the same file, interleaved (round-robin) for
     BENCH_ROUNDS rounds: the bare libpcap loop, tcpdump, renkei with one
     thread and with every core, argus (+ ra), softflowd, pmacctd, tshark;
  3. print medians of wall time, CPU time, peak RSS, packets/s and the
     ratio of each to the bare libpcap loop, renkei's session-table memory
     per tracked session, and the targets as PASS/MISS lines.
Then a callgrind instruction count of renkei on a 100k-packet capture, and
(as root, with tcpreplay) a live benchmark between two network namespaces.
Everything ends in bench/cache/results.json.

Every external command has a timeout; a tool that fails shows
'failed: REASON' in its row and the run goes on.
"""

import hashlib
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "bench", "cache")
BUILD = os.environ.get("BUILD", os.path.join(ROOT, "build"))
if not os.path.isabs(BUILD):
    BUILD = os.path.join(ROOT, BUILD)
try:
    NPROC = len(os.sched_getaffinity(0))     # what nproc(1) says
except (AttributeError, OSError):
    NPROC = os.cpu_count() or 1
TIME = "/usr/bin/time"
SEED = 1

notes = []          # printed at the end and stored in the JSON
started = []        # Popen objects of long-running processes (live part)


def note(msg, echo=True):
    notes.append(msg)
    if echo:
        print("note: " + msg, flush=True)


def env_int(name, default):
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        note(f"{name}={os.environ.get(name)!r} is not a number; using {default}")
        return default


def parse_size(s):
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([kKmM]?)", s.strip())
    if not m:
        raise ValueError(s)
    mult = {"": 1, "k": 1000, "K": 1000, "m": 1000000, "M": 1000000}[m.group(2)]
    return int(float(m.group(1)) * mult)


def size_label(n):
    if n % 1000000 == 0:
        return f"{n // 1000000}M"
    if n % 1000 == 0:
        return f"{n // 1000}k"
    return str(n)


def which(name):
    return shutil.which(name)


def loadavg():
    try:
        with open("/proc/loadavg") as f:
            return " ".join(f.read().split()[:3])
    except OSError:
        return "?"


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def record_pid(pid):
    path = os.environ.get("BENCH_PIDFILE")
    if path:
        with open(path, "a") as f:
            f.write(f"{pid}\n")


def kill_group(p):
    """Kill a process we started (and its process group: it was started in
    a session of its own, so the group holds only its descendants)."""
    try:
        os.killpg(p.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def run(cmd, timeout, stdout=subprocess.DEVNULL, cwd=None, env=None):
    """Run a command bounded by timeout; returns (rc, out, err, timed_out)."""
    try:
        p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE,
                             cwd=cwd, env=env, start_new_session=True)
    except OSError as e:
        return 127, "", str(e), False
    try:
        out, err = p.communicate(timeout=timeout)
        return (p.returncode, (out or b"").decode(errors="replace"),
                (err or b"").decode(errors="replace"), False)
    except subprocess.TimeoutExpired:
        kill_group(p)
        return -9, "", "", True
    except BaseException:
        kill_group(p)       # interrupted: leave nothing running behind
        raise


def last_line(s):
    lines = [l.strip() for l in s.strip().splitlines() if l.strip()]
    return lines[-1][:120] if lines else ""


def timed(cmd, timeout, capture_stdout=False, cwd=None):
    """Run cmd under /usr/bin/time; returns a sample dict or raises Failed."""
    fd, tf = tempfile.mkstemp(prefix="time-", dir=TMP)
    os.close(fd)
    full = [TIME, "-f", "%e %U %S %M", "-o", tf, "--"] + cmd
    t0 = time.perf_counter()
    rc, out, err, to = run(full, timeout,
                           stdout=subprocess.PIPE if capture_stdout else subprocess.DEVNULL,
                           cwd=cwd)
    hires = time.perf_counter() - t0
    try:
        with open(tf) as f:
            tlines = f.read().strip().splitlines()
    finally:
        os.unlink(tf)
    if to:
        raise Failed(f"timeout after {timeout}s", fatal=True)
    if rc != 0:
        why = last_line(err) or f"exit status {rc}"
        if tlines and tlines[0].startswith("Command"):
            why = tlines[0] + ": " + why
        raise Failed(f"exit {rc}: {why}")
    try:
        e, u, s, m = tlines[-1].split()
        # wall: measured here to the microsecond (it includes the ~1 ms
        # of starting /usr/bin/time); %e has only 10 ms steps, too coarse
        # for tools that read 1M packets in 0.2 s.  wall_time_e is kept.
        sample = {"wall": round(hires, 4), "wall_time_e": float(e), "user": float(u),
                  "sys": float(s), "cpu": float(u) + float(s), "rss_kb": int(m)}
    except (IndexError, ValueError):
        raise Failed("could not read /usr/bin/time output")
    sample["_out"] = out
    sample["_err"] = err
    return sample


class Failed(Exception):
    def __init__(self, reason, fatal=False):
        super().__init__(reason)
        self.reason = reason
        self.fatal = fatal    # do not retry in later rounds (timeouts)


# ---------------------------------------------------------------- captures

def gen_fingerprint(gen):
    h = hashlib.sha256()
    gdir = os.path.join(ROOT, "tools", "gen")
    try:
        for name in sorted(os.listdir(gdir)):
            if name.endswith((".c", ".h")):
                with open(os.path.join(gdir, name), "rb") as f:
                    h.update(name.encode() + b"\0" + f.read())
    except OSError:
        with open(gen, "rb") as f:
            h.update(f.read())
    return h.hexdigest()


def ensure_capture(gen, packets):
    """The cached capture of `packets` packets, generated if missing/stale.
    Returns the path, or None (with a note) when it cannot be made."""
    label = size_label(packets)
    pcap = os.path.join(CACHE, f"capture-{label}.pcap")
    truth = os.path.join(CACHE, f"capture-{label}.truth.json")
    stamp = os.path.join(CACHE, f"capture-{label}.stamp")
    want = {"packets": packets, "seed": SEED, "generator": gen_fingerprint(gen)}
    try:
        with open(stamp) as f:
            have = json.load(f)
        if have == want and os.path.exists(pcap):
            return pcap
    except (OSError, ValueError):
        pass
    for p in (pcap, stamp):
        if os.path.exists(p):
            os.unlink(p)
    free = shutil.disk_usage(CACHE).free
    need = 15e9 if packets >= 10000000 else max(2e9, packets * 600 * 2.5)
    if free < need:
        note(f"{label}: skipped, only {free / 1e9:.1f} GB free in bench/cache "
             f"(needs {need / 1e9:.0f} GB)")
        return None
    tmp = pcap + ".tmp"
    cmd = [gen, "--packets", str(packets), "--seed", str(SEED), "-o", tmp, "--truth", truth]
    print(f"generating {label} capture: {' '.join(cmd)}", flush=True)
    t0 = time.time()
    rc, _, err, to = run(cmd, timeout=max(300, packets // 10000))
    if rc != 0 or to:
        if os.path.exists(tmp):
            os.unlink(tmp)
        note(f"{label}: renkei-gen failed: {'timeout' if to else last_line(err)}")
        return None
    os.rename(tmp, pcap)
    with open(stamp, "w") as f:
        json.dump(want, f)
    print(f"  {os.path.getsize(pcap) / 1e9:.2f} GB in {time.time() - t0:.1f}s", flush=True)
    return pcap


# ---------------------------------------------------------------- the tools

def parse_renkei_stats(text):
    def num(name, section=None):
        m = re.search(r"^\s+" + name + r"\s+(\d+)\b", text, re.M)
        return int(m.group(1)) if m else None
    return {"frames": num("frames"), "sessions": num("created"),
            "evicted": num("evicted"), "capacity": num("capacity"),
            "table_bytes": num("memory")}


class Tool:
    """One column-set of the round-robin.  run() returns {row: sample}."""
    rows = ()

    def __init__(self):
        self.cmds = {}       # row -> command line shown in the report

    def available(self):
        return None          # or a reason for skipping

    def run(self, f, packets, timeout):
        raise NotImplementedError


class PcapLoop(Tool):
    rows = ("libpcap loop",)

    def __init__(self):
        super().__init__()
        self.exe = os.path.join(BUILD, "bench", "pcap-loop")

    def available(self):
        return None if os.access(self.exe, os.X_OK) else f"{self.exe} not built"

    def run(self, f, packets, timeout):
        cmd = [self.exe, f]
        self.cmds["libpcap loop"] = " ".join(cmd)
        s = timed(cmd, timeout, capture_stdout=True)
        m = re.match(r"(\d+) packets", s["_out"])
        if not m or int(m.group(1)) != packets:
            raise Failed(f"read {m.group(1) if m else '?'} of {packets} packets")
        return {"libpcap loop": s}


class Tcpdump(Tool):
    rows = ("tcpdump",)

    def available(self):
        return None if which("tcpdump") else "tcpdump not installed"

    def run(self, f, packets, timeout):
        cmd = ["tcpdump", "-r", f, "-w", "/dev/null"]
        self.cmds["tcpdump"] = " ".join(cmd)
        return {"tcpdump": timed(cmd, timeout)}


class Renkei(Tool):
    def __init__(self, threads):
        super().__init__()
        self.threads = threads
        self.row = "renkei 1 thread" if threads == 1 else f"renkei {threads} threads"
        self.rows = (self.row,)
        self.exe = os.path.join(BUILD, "renkei")

    def run(self, f, packets, timeout):
        out = os.path.join(TMP, f"renkei-{self.threads}.txt")
        cmd = [self.exe, "analyze", "--threads", str(self.threads), "--stats", "-o", out, f]
        self.cmds[self.row] = " ".join(cmd)
        s = timed(cmd, timeout)
        try:
            with open(out) as fh:
                st = parse_renkei_stats(fh.read())
        except OSError:
            raise Failed("no report written")
        if st["frames"] != packets:
            raise Failed(f"read {st['frames']} of {packets} frames")
        s["stats"] = st
        return {self.row: s}


class Argus(Tool):
    rows = ("argus", "argus+ra")

    def available(self):
        if not which("argus"):
            return "argus not installed (argus-server)"
        return None

    def run(self, f, packets, timeout):
        af = os.path.join(TMP, "out.argus")
        if os.path.exists(af):
            os.unlink(af)     # argus appends to an existing file
        # -X: argus' own defaults, not whatever /etc/argus.conf says.
        cmd = ["argus", "-X", "-r", f, "-w", af]
        self.cmds["argus"] = " ".join(cmd)
        a = timed(cmd, timeout)
        res = {"argus": a}
        if not which("ra"):
            res["argus+ra"] = Failed("ra not installed (argus-client)")
            return res
        rcmd = ["ra", "-r", af, "-n"]
        self.cmds["argus+ra"] = " ".join(cmd) + " && " + " ".join(rcmd) + " > /dev/null"
        try:
            r = timed(rcmd, timeout, capture_stdout=True)
            flows = max(0, len(r["_out"].splitlines()) - 1)
            if flows == 0:
                raise Failed("ra printed no flows")
            res["argus+ra"] = {"wall": a["wall"] + r["wall"],
                               "wall_time_e": a["wall_time_e"] + r["wall_time_e"], "user": a["user"] + r["user"],
                               "sys": a["sys"] + r["sys"], "cpu": a["cpu"] + r["cpu"],
                               "rss_kb": max(a["rss_kb"], r["rss_kb"]), "flows": flows}
            a["flows"] = flows
        except Failed as e:
            res["argus+ra"] = e
        return res


class Softflowd(Tool):
    rows = ("softflowd",)

    def available(self):
        return None if which("softflowd") else "softflowd not installed"

    def run(self, f, packets, timeout):
        # NetFlow v9 to a UDP port on 127.0.0.1 that nobody listens on
        # (the kernel picked it free a moment ago): nothing leaves the host.
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        # (No -c: with a control socket named, softflowd waits for
        # softflowctl after the end of the file instead of exiting.)
        cmd = ["softflowd", "-d", "-r", f, "-n", f"127.0.0.1:{port}", "-v", "9"]
        self.cmds["softflowd"] = " ".join(cmd)
        r = timed(cmd, timeout, capture_stdout=True)
        text = r["_out"] + r["_err"]
        m = re.search(r"Packets processed: (\d+)", text)
        e = re.search(r"Flows exported: (\d+)", text)
        if not m:
            raise Failed("no 'Packets processed' in its output: " + last_line(text))
        r["flows"] = int(e.group(1)) if e else None
        return {"softflowd": r}


class Pmacctd(Tool):
    rows = ("pmacctd",)

    def available(self):
        return None if which("pmacctd") else "pmacctd not installed (pmacct)"

    def run(self, f, packets, timeout):
        conf = os.path.join(TMP, "pmacctd.conf")
        csv = os.path.join(TMP, "pmacctd.csv")
        if os.path.exists(csv):
            os.unlink(csv)
        with open(conf, "w") as fh:
            fh.write(f"""daemonize: false
pcap_savefile: {f}
pcap_savefile_wait: false
pcap_savefile_delay: 1
plugin_pipe_size: 102400000
plugin_buffer_size: 102400
aggregate: src_host, dst_host, src_port, dst_port, proto
plugins: print
print_output: csv
print_output_file: {csv}
print_refresh_time: 86400
print_output_file_append: true
""")
        cmd = ["pmacctd", "-f", conf]
        self.cmds["pmacctd"] = " ".join(cmd) + "   (" + conf_summary(conf) + ")"
        r = timed(cmd, timeout)
        try:
            # The print plugin's cache (default print_cache_entries) fills
            # up on big captures and is purged early, appending to the file.
            with open(csv) as fh:
                r["flows"] = sum(1 for l in fh if l.strip() and not l.startswith("SRC_IP"))
        except OSError:
            raise Failed("no output file: " + last_line(r["_err"]))
        if r["flows"] == 0:
            raise Failed("wrote no flows")
        return {"pmacctd": r}


def conf_summary(conf):
    with open(conf) as fh:
        return "; ".join(l.strip() for l in fh if l.strip() and not l.startswith("pcap_savefile:"))


class Tshark(Tool):
    rows = ("tshark",)

    def available(self):
        return None if which("tshark") else "tshark not installed"

    def run(self, f, packets, timeout):
        cmd = ["tshark", "-q", "-r", f, "-z", "conv,tcp"]
        self.cmds["tshark"] = " ".join(cmd) + " > /dev/null"
        r = timed(cmd, timeout, capture_stdout=True)
        if "TCP Conversations" not in r["_out"]:
            raise Failed("no conversation table: " + last_line(r["_err"]))
        return {"tshark": r}


# ---------------------------------------------------------------- one size

def median(xs):
    return statistics.median(xs) if xs else None


def bench_size(f, packets, rounds):
    label = size_label(packets)
    tools = [PcapLoop(), Tcpdump(), Renkei(1)]
    if NPROC > 1:
        tools.append(Renkei(NPROC))
    tools += [Argus(), Softflowd(), Pmacctd()]
    tshark = Tshark()
    if packets <= 1000000 or os.environ.get("BENCH_TSHARK_10M") == "1":
        tools.append(tshark)
    else:
        tshark.skip = "skipped above 1M packets (BENCH_TSHARK_10M=1 to run it)"
    timeout = int(60 + 40 * packets / 1e6)

    rows = {}            # row -> {"samples": [], "errors": [], "skip": str|None}
    order = []
    for t in tools + ([tshark] if tshark not in tools else []):
        skip = getattr(t, "skip", None) or t.available()
        t.skip = skip
        if skip and t is not tshark:
            note(f"{label}: {', '.join(t.rows)}: {skip}")
        for r in t.rows:
            rows[r] = {"samples": [], "errors": [], "skip": skip, "tool": t}
            order.append(r)

    print(f"\n== {label}: {f} ({os.path.getsize(f) / 1e9:.2f} GB), {rounds} rounds, "
          f"timeout {timeout}s per command (tshark {4 * timeout}s), load {loadavg()}", flush=True)
    # Warm the page cache so no tool pays for the first read.
    run(["cat", f], timeout=timeout)
    load_start = loadavg()
    dead = set()
    for rnd in range(1, rounds + 1):
        line = [f"round {rnd}:"]
        for t in tools:
            if t.skip or t in dead:
                continue
            to = timeout * (4 if isinstance(t, Tshark) else 1)
            try:
                res = t.run(f, packets, to)
            except Failed as e:
                res = {r: e for r in t.rows}
                if e.fatal:
                    dead.add(t)
            for r, s in res.items():
                if isinstance(s, Failed):
                    rows[r]["errors"].append(f"round {rnd}: {s.reason}")
                    line.append(f"{r}=FAILED")
                else:
                    s.pop("_out", None)
                    s.pop("_err", None)
                    rows[r]["samples"].append(s)
                    line.append(f"{r}={s['wall']:.3f}s")
        print("  " + " ".join(line), flush=True)
    load_end = loadavg()

    result = {"label": label, "packets": packets, "file": f,
              "file_bytes": os.path.getsize(f), "rounds": rounds,
              "load_start": load_start, "load_end": load_end, "rows": {}}
    for r in order:
        d = rows[r]
        ss = d["samples"]
        row = {"command": d["tool"].cmds.get(r), "samples": ss, "errors": d["errors"],
               "skipped": d["skip"]}
        if ss:
            row.update({k: median([s[k] for s in ss])
                        for k in ("wall", "wall_time_e", "user", "sys", "cpu")})
            row["rss_kb"] = median([s["rss_kb"] for s in ss])
            row["pps"] = packets / row["wall"] if row["wall"] > 0 else None
            if "stats" in ss[0]:
                row["stats"] = ss[-1]["stats"]
            if "flows" in ss[0]:
                row["flows"] = ss[-1]["flows"]
        result["rows"][r] = row
    base = result["rows"].get("libpcap loop", {})
    for r, row in result["rows"].items():
        if row.get("wall") and base.get("wall"):
            row["wall_ratio"] = row["wall"] / base["wall"]
        if row.get("cpu") is not None and base.get("cpu"):
            row["cpu_ratio"] = row["cpu"] / base["cpu"]
    result["targets"] = targets(result["rows"])
    print_table(result)
    return result


def targets(rows):
    out = []
    r1 = rows.get("renkei 1 thread", {})
    rn = next((v for k, v in rows.items() if k.startswith("renkei ") and k != "renkei 1 thread"), None)
    ar = rows.get("argus", {})

    def t(name, value, ok, fmt):
        out.append({"target": name, "value": value,
                    "result": "n/a" if value is None else ("PASS" if ok(value) else "MISS"),
                    "shown": "n/a" if value is None else fmt.format(value)})
    t("renkei 1 thread wall / libpcap loop wall <= 1.0", r1.get("wall_ratio"),
      lambda v: v <= 1.0, "{:.2f}")
    sp = ar["wall"] / r1["wall"] if ar.get("wall") and r1.get("wall") else None
    t("argus wall / renkei 1 thread wall >= 10", sp, lambda v: v >= 10, "{:.1f}x")
    if rn is not None:
        t(f"renkei {NPROC} threads wall / libpcap loop wall <= 0.5", rn.get("wall_ratio"),
          lambda v: v <= 0.5, "{:.2f}")
        spn = ar["wall"] / rn["wall"] if ar.get("wall") and rn.get("wall") else None
        t(f"argus wall / renkei {NPROC} threads wall >= 10", spn, lambda v: v >= 10, "{:.1f}x")
    else:
        t("renkei all cores wall / libpcap loop wall <= 0.5 (one core only)", None, None, "")
    return out


def fmt_num(v, fmt):
    return "-" if v is None else fmt.format(v)


def print_table(res):
    print(f"\n{res['label']} packets ({res['file_bytes'] / 1e9:.2f} GB), median of "
          f"{res['rounds']} interleaved rounds; load average {res['load_start']} -> {res['load_end']}")
    print("wall: elapsed, to the ms; CPU: user+sys and peak RSS from /usr/bin/time -f '%e %U %S %M'; "
          "ratios: to the libpcap loop")
    hdr = f"{'tool':<18} {'wall s':>8} {'CPU s':>8} {'peak RSS':>10} {'Mpkt/s':>8} {'wall/loop':>9} {'CPU/loop':>9}  notes"
    print(hdr)
    print("-" * len(hdr))
    for name, r in res["rows"].items():
        if not r["samples"]:
            why = r["skipped"] and ("skipped: " + r["skipped"]) or \
                ("failed: " + (r["errors"][0].split(": ", 1)[1] if r["errors"] else "?"))
            print(f"{name:<18} {why}")
            continue
        notes_ = []
        if len(r["samples"]) < res["rounds"]:
            notes_.append(f"{len(r['samples'])}/{res['rounds']} rounds ok; {r['errors'][0]}")
        if r.get("flows") is not None:
            notes_.append(f"{r['flows']:,} flows")
        if r.get("stats"):
            notes_.append(f"{r['stats']['sessions']:,} sessions")
        if name == "pmacctd":
            notes_.append("incl. 3 s built-in sleeps")
        if name.startswith("argus"):
            notes_.append("argus exits on a 1 s tick")
        if name.startswith("renkei"):
            notes_.append("RSS: mostly the session table, sized for --max-sessions")
        print(f"{name:<18} {r['wall']:>8.3f} {r['cpu']:>8.2f} {r['rss_kb'] / 1024:>8.0f}MB "
              f"{fmt_num(r.get('pps') and r['pps'] / 1e6, '{:.2f}'):>8} "
              f"{fmt_num(r.get('wall_ratio'), '{:.2f}'):>9} {fmt_num(r.get('cpu_ratio'), '{:.2f}'):>9}  "
              + "; ".join(notes_))
    for name, r in res["rows"].items():
        st = r.get("stats")
        if st and st.get("table_bytes") and st.get("sessions"):
            print(f"{name}: session table {st['table_bytes']:,} bytes / {st['sessions']:,} sessions "
                  f"tracked = {st['table_bytes'] / st['sessions']:,.0f} bytes per tracked session "
                  f"(capacity {st['capacity']:,}: {st['table_bytes'] / st['capacity']:.0f} bytes per slot)")
    for t in res["targets"]:
        print(f"{t['result']:<4}  {t['target']}: {t['shown']}")


# ---------------------------------------------------------------- callgrind

def callgrind(gen):
    res = {}
    if not which("valgrind"):
        note("callgrind: skipped, valgrind not installed")
        return None
    f = ensure_capture(gen, 100000)
    if not f:
        return None
    print("\n== callgrind (instruction counts, repeatable on a busy machine)", flush=True)
    for name, cmd in (("renkei analyze --threads 1",
                       [os.path.join(BUILD, "renkei"), "analyze", "--threads", "1", "-o", "/dev/null", f]),
                      ("libpcap loop", [os.path.join(BUILD, "bench", "pcap-loop"), f])):
        out = os.path.join(CACHE, "callgrind-" + ("renkei" if name.startswith("renkei") else "pcap-loop") + ".out")
        full = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}"] + cmd
        rc, _, err, to = run(full, timeout=900)
        total = None
        try:
            with open(out) as fh:
                for line in fh:
                    if line.startswith(("summary:", "totals:")):
                        total = int(line.split()[1])
        except (OSError, ValueError, IndexError):
            pass
        if rc != 0 or to or total is None:
            why = "timeout" if to else (last_line(err) or f"exit {rc}")
            print(f"  {name}: failed: {why}")
            res[name] = {"command": " ".join(full), "error": why}
            continue
        print(f"  {name:<28} Ir {total:>14,}  = {total / 100000:,.0f} per packet   ({' '.join(full)})")
        res[name] = {"command": " ".join(full), "ir": total, "ir_per_packet": total / 100000,
                     "packets": 100000}
    return res


# ---------------------------------------------------------------- live

def sh(cmd, timeout=20):
    rc, out, err, to = run(cmd, timeout, stdout=subprocess.PIPE)
    if rc != 0 or to:
        raise Failed(f"{' '.join(cmd)}: {'timeout' if to else last_line(err) or rc}")
    return out


def start(cmd):
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         start_new_session=True)
    started.append(p)
    record_pid(p.pid)
    return p


def wait_for_line(p, pattern, timeout):
    """Read p's stderr until a line matches (tcpdump says 'listening on')."""
    import select
    end = time.time() + timeout
    buf = b""
    while time.time() < end:
        r, _, _ = select.select([p.stderr], [], [], 0.2)
        if r:
            chunk = os.read(p.stderr.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
            if re.search(pattern, buf.decode(errors="replace")):
                return buf.decode(errors="replace")
        if p.poll() is not None:
            break
    raise Failed(f"did not start: {last_line(buf.decode(errors='replace'))}")


def stop(p, timeout=15):
    """SIGINT a process we started and collect its stderr."""
    if p.poll() is None:
        try:
            os.kill(p.pid, signal.SIGINT)
        except ProcessLookupError:
            pass
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_group(p)
        err = b""
    return (err or b"").decode(errors="replace")


def live(gen):
    if os.geteuid() != 0:
        note("live: skipped, needs root (network namespaces)")
        return None
    if not which("tcpreplay"):
        note("live: skipped, tcpreplay not installed")
        return None
    if not which("ip") or not which("tcpdump"):
        note("live: skipped, ip (iproute2) or tcpdump missing")
        return None
    f = ensure_capture(gen, 100000)
    if not f:
        return None
    bid = os.environ.get("BENCH_ID", str(os.getpid()))
    nsa, nsb = f"rkbench-{bid}-a", f"rkbench-{bid}-b"
    va, vb = f"rkb{bid}a"[:15], f"rkb{bid}b"[:15]
    res = {"namespaces": [nsa, nsb], "veth": [va, vb], "steps": []}
    print(f"\n== live: tcpreplay in netns {nsa} ({va}, 10.99.0.1/30) -> veth -> "
          f"netns {nsb} ({vb}, 10.99.0.2/30)", flush=True)
    try:
        sh(["ip", "netns", "add", nsa])
        sh(["ip", "netns", "add", nsb])
        sh(["ip", "link", "add", va, "netns", nsa, "type", "veth", "peer", "name", vb, "netns", nsb])
        sh(["ip", "-n", nsa, "addr", "add", "10.99.0.1/30", "dev", va])
        sh(["ip", "-n", nsb, "addr", "add", "10.99.0.2/30", "dev", vb])
        # MTU 9000: the capture holds VLAN-tagged and tunnelled frames
        # longer than 1514 bytes, which a 1500-MTU veth would drop silently.
        sh(["ip", "-n", nsa, "link", "set", va, "mtu", "9000", "up"])
        sh(["ip", "-n", nsb, "link", "set", vb, "mtu", "9000", "up"])

        rc, out, err, _ = run([os.path.join(BUILD, "renkei"), "help"], 10, stdout=subprocess.PIPE)
        has_capture = re.search(r"^\s+capture\b", out + err, re.M) is not None
        if has_capture:
            # renkei capture (in progress as this is written): counters from
            # its closing lines on stderr, "stopped ...: N packets" and
            # "final flush: N packets, ... M dropped".  A fresh store per step.
            try:
                rx_cmd = [os.path.join(BUILD, "renkei"), "capture", "-i", vb,
                          "--no-status", "--db", os.path.join(TMP, "live.db")]
                res["renkei"] = live_steps(nsa, nsb, va, vb, f, "renkei", rx_cmd)
                if NPROC > 1:
                    # One fanout socket and reader thread per core.
                    who = f"renkei --threads {NPROC}"
                    res[who] = live_steps(nsa, nsb, va, vb, f, who,
                                          rx_cmd[:-1] + [os.path.join(TMP, "live-n.db"),
                                                         "--threads", str(NPROC)])
            except Failed as e:
                print(f"live: renkei capture: failed: {e.reason}")
                res["renkei"] = "failed: " + e.reason
        else:
            print("live: skipped, renkei capture not implemented yet")
            note("live: skipped, renkei capture not implemented yet", echo=False)
            res["renkei"] = "skipped: renkei capture not implemented yet"
        print("reference: tcpdump -i VETH -w /dev/null in the receiving namespace")
        res["tcpdump"] = live_steps(nsa, nsb, va, vb, f, "tcpdump",
                                    ["tcpdump", "-n", "-i", vb, "-w", "/dev/null"])
    except Failed as e:
        print(f"live: failed: {e.reason}")
        res["error"] = e.reason
    finally:
        for p in started:
            if p.poll() is None:
                kill_group(p)
        for ns in (nsa, nsb):
            run(["ip", "netns", "del", ns], 20)
    return res


def live_steps(nsa, nsb, va, vb, f, who, rx_cmd, duration=3):
    steps = []
    best = None
    todo = [100000, 200000, 400000, 800000, 1600000]
    last_ok = None
    while todo:
        pps = todo.pop(0)
        rx = start(["ip", "netns", "exec", nsb] + rx_cmd)
        try:
            if who == "tcpdump":
                wait_for_line(rx, r"listening on", 10)
            else:
                time.sleep(1.0)
                if rx.poll() is not None:
                    raise Failed("receiver exited: " + last_line(stop(rx)))
            tx = ["ip", "netns", "exec", nsa, "tcpreplay", "-i", va, "--preload-pcap",
                  f"--pps={pps}", "--loop=0", f"--duration={duration}", f]
            rc, out, err, to = run(tx, duration + 60, stdout=subprocess.PIPE)
            # libpcap's TPACKET_V3 ring hands a block over only when it is
            # full or its 1 s timeout passes: wait that out before stopping,
            # or the last block counts as received but never captured.
            time.sleep(2.0)
        finally:
            rxerr = stop(rx)
        if rc != 0 or to:
            raise Failed(f"tcpreplay: {'timeout' if to else last_line(err)}")
        sent = re.search(r"Successful packets:\s+(\d+)", out)
        rated = re.search(r"Rated:.*?([\d.]+) pps", out)
        failed = re.search(r"Failed packets:\s+(\d+)", out)
        sent = int(sent.group(1)) if sent else None
        rate = float(rated.group(1)) if rated else None
        if who == "tcpdump":
            cap = re.search(r"(\d+) packets captured", rxerr)
            drop = re.search(r"(\d+) packets dropped by kernel", rxerr)
            cap = int(cap.group(1)) if cap else None
            drop = int(drop.group(1)) if drop else None
        else:
            m = re.search(r"stopped[^:\n]*: (\d+) packets", rxerr) or \
                re.search(r"final flush: (\d+) packets", rxerr)
            d = re.search(r"final flush: .*?(\d+) dropped", rxerr)
            cap = int(m.group(1)) if m else None
            drop = int(d.group(1)) if d else None
            for ext in ("", "-wal", "-shm"):
                if os.path.exists(os.path.join(TMP, "live.db" + ext)):
                    os.unlink(os.path.join(TMP, "live.db" + ext))
            if cap is None:
                raise Failed("no packet count in its output: " + last_line(rxerr))
        ok = drop == 0 and cap is not None and sent is not None and cap >= sent
        step = {"target_pps": pps, "achieved_pps": rate, "sent": sent,
                "send_failures": int(failed.group(1)) if failed else None,
                "captured": cap, "dropped_by_kernel": drop, "ok": ok,
                "tx_command": " ".join(tx), "rx_command": " ".join(["ip", "netns", "exec", nsb] + rx_cmd)}
        steps.append(step)
        print(f"  {who}: target {pps:>9,} pps: tcpreplay sent {fmt_num(sent, '{:,}')} at "
              f"{fmt_num(rate, '{:,.0f}')} pps; {who} captured {fmt_num(cap, '{:,}')}, "
              f"kernel dropped {fmt_num(drop, '{:,}')} -> {'OK' if ok else 'LOSS'}", flush=True)
        if ok:
            best = max(best or 0, rate or 0)
            last_ok = pps
        if not ok:
            # one step halfway back, for a finer answer than a factor of 2
            mid = (last_ok + pps) // 2 if last_ok else pps // 2
            if todo and mid not in [s["target_pps"] for s in steps]:
                todo = [mid]
                continue
            break
        if rate is not None and rate < 0.9 * pps:
            print(f"  (tcpreplay reaches only {rate:,.0f} pps here: the sender is the limit)")
            break
    if best:
        print(f"  {who}: highest rate with 0 packets lost: {best:,.0f} pps (achieved by tcpreplay)")
    else:
        print(f"  {who}: lost packets even at the lowest step")
    return {"steps": steps, "best_lossless_pps": best}


# ---------------------------------------------------------------- main

def main():
    global TMP
    os.makedirs(CACHE, exist_ok=True)
    TMP = tempfile.mkdtemp(prefix=f"tmp-{os.getpid()}-", dir=CACHE)
    t0 = time.time()
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    gen = os.path.join(BUILD, "renkei-gen")
    if not os.access(gen, os.X_OK):
        gen = os.path.join(BUILD, "tools", "renkei-gen")   # older trees
    if not os.access(os.path.join(BUILD, "renkei"), os.X_OK) or not os.access(gen, os.X_OK):
        print(f"bench: renkei or renkei-gen missing in {BUILD}: build first", file=sys.stderr)
        return 1
    if not os.access(TIME, os.X_OK):
        print("bench: /usr/bin/time missing (Debian package 'time')", file=sys.stderr)
        return 1
    sizes = os.environ.get("BENCH_SIZES", "1M 10M").replace(",", " ").split()
    rounds = env_int("BENCH_ROUNDS", 3)
    if rounds < 1:
        rounds = 1
    rv = subprocess.run([os.path.join(BUILD, "renkei"), "version"], capture_output=True,
                        text=True, timeout=10).stdout.strip()
    info = {"renkei": rv, "build": BUILD, "cpu": cpu_model(), "nproc": NPROC,
            "kernel": platform.release(), "load_start": loadavg(),
            "mem_total_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    print(f"renkei bench: {rv}; {info['cpu']}, {NPROC} cores, {info['mem_total_gb']} GB; "
          f"load average {info['load_start']}", flush=True)
    print("(wall times on a shared machine move with the load; CPU seconds and the "
          "callgrind counts move less)", flush=True)
    results = {"machine": info, "sizes": [], "callgrind": None, "live": None, "notes": notes}
    try:
        for s in sizes:
            try:
                packets = parse_size(s)
            except ValueError:
                note(f"BENCH_SIZES: cannot read {s!r}; skipped")
                continue
            f = ensure_capture(gen, packets)
            if f:
                results["sizes"].append(bench_size(f, packets, rounds))
        if os.environ.get("BENCH_CALLGRIND", "1") != "0":
            results["callgrind"] = callgrind(gen)
        if os.environ.get("BENCH_LIVE", "1") != "0":
            results["live"] = live(gen)
    finally:
        for p in started:
            if p.poll() is None:
                kill_group(p)
        shutil.rmtree(TMP, ignore_errors=True)
        info["load_end"] = loadavg()
        info["seconds"] = round(time.time() - t0, 1)
        for sz in results["sizes"]:
            for row in sz["rows"].values():
                row.pop("tool", None)
        out = os.path.join(CACHE, "results.json")
        with open(out + ".tmp", "w") as fh:
            json.dump(results, fh, indent=1, default=str)
        os.rename(out + ".tmp", out)
    if notes:
        print("\nnotes:")
        for n in notes:
            print("  " + n)
    print(f"\nbench: done in {info['seconds']:.0f}s; load average {info['load_end']}; "
          f"results in bench/cache/results.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
