#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# bench/web-load.py - `renkei serve` under load (issue 15, item 4): N clients
# keep asking maps that are not cached while one client times a cached page.
# Half the map clients filter on a different host each time (a new Graphviz
# layout), half give a new since= each time (a new snapshot built from the
# store, then the whole map laid out: the worst case).  A
# benchmark that prints figures, not a pass/fail test.
#
# usage: bench/web-load.py [--build DIR] [--clients N] [--seconds S]
#                          [--scale small|paper] [--renkei BIN]
# It generates a capture (tools/renkei-gen), stores it (renkei analyze --db)
# under DIR/web-load/, starts `renkei serve` on 127.0.0.1:0, and prints for
# the cached page (/api/summary, a new connection each time, every 50 ms)
# the median, p95 and max latency, and for the map clients the answers by
# status (200, or 503 + Retry-After when too many layouts already run) and
# their latencies.  --renkei runs another binary (e.g. one from before the
# thread pool) on the same store.  Everything is on loopback; every loop is
# bounded by --seconds; only the server it started is stopped, by its PID.
import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time

ap = argparse.ArgumentParser()
ap.add_argument('--build', default='build')
ap.add_argument('--clients', type=int, default=16)
ap.add_argument('--seconds', type=float, default=20)
ap.add_argument('--scale', choices=['small', 'paper'], default='paper')
ap.add_argument('--renkei')
a = ap.parse_args()
build = os.path.abspath(a.build)
renkei = a.renkei or os.path.join(build, 'renkei')
work = os.path.join(build, 'web-load')
os.makedirs(work, exist_ok=True)
sizes = {'small': ['--clients', '300', '--servers', '24', '--subnets', '12'],
         'paper': ['--clients', '16075', '--servers', '382', '--subnets', '285']}[a.scale]
pcap, db = os.path.join(work, a.scale + '.pcap'), os.path.join(work, a.scale + '.db')
if not os.path.exists(db):
    gen = os.path.join(build, 'tools', 'renkei-gen')
    if not os.path.exists(gen):
        gen = os.path.join(build, 'renkei-gen')
    subprocess.run([gen] + sizes + ['-o', pcap, '-q'], check=True, timeout=600)
    subprocess.run([os.path.join(build, 'renkei'), 'analyze', pcap, '--db', db, '-o', os.devnull],
                   check=True, timeout=600, stderr=subprocess.DEVNULL)

p = subprocess.Popen([renkei, 'serve', '--db', db, '--listen', '127.0.0.1:0'],
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
line = p.stdout.readline()
if 'serving' not in line:
    p.kill()
    sys.exit('renkei serve did not start: %r' % line)
port = int(line.strip().rstrip('/').rsplit(':', 1)[1])


def get(path, timeout):
    t = time.monotonic()
    c = http.client.HTTPConnection('127.0.0.1', port, timeout=timeout)
    try:
        c.request('GET', path)
        r = c.getresponse()
        r.read()
        st = r.status
    except OSError:
        st = 0
    finally:
        c.close()
    return st, (time.monotonic() - t) * 1000


import json
st, _ = get('/api/summary', 120)
_c = http.client.HTTPConnection('127.0.0.1', port, timeout=120)
_c.request('GET', '/api/hosts?servers=1&per_page=1000')
servers = [h['ip'] for h in json.loads(_c.getresponse().read())['hosts']]
_c.close()
end = time.monotonic() + a.seconds
maps = {}          # status -> [ms]
cached = []        # ms
lock = threading.Lock()
next_host = [0]


def map_client(whole):
    while time.monotonic() < end:
        with lock:
            i = next_host[0]
            next_host[0] += 1
        if whole:  # since= before the data: the whole map, but a range never cached
            path = '/map.svg?since=%d' % (1000 + i)
        else:
            path = '/map.svg?host=%s&infra=%d' % (servers[i % len(servers)],
                                                  i // len(servers) % 2)
        st, ms = get(path, max(1.0, end - time.monotonic() + 30))
        with lock:
            maps.setdefault(st, []).append(ms)
        if st == 503:
            time.sleep(0.2)


def cached_client():
    time.sleep(0.5)  # let the map clients start
    while time.monotonic() < end:
        st, ms = get('/api/summary', max(1.0, end - time.monotonic() + 30))
        cached.append(ms if st == 200 else float('inf'))
        time.sleep(0.05)


ts = [threading.Thread(target=map_client, args=(k % 2 == 1,)) for k in range(a.clients)]
ts.append(threading.Thread(target=cached_client))
for t in ts:
    t.start()
for t in ts:
    t.join(a.seconds + 60)
p.terminate()
try:
    p.wait(10)
except subprocess.TimeoutExpired:
    p.kill()


def fig(v):
    v = sorted(v)
    if not v:
        return 'none'
    p95 = v[min(len(v) - 1, int(len(v) * 0.95))]
    return 'n=%d median %.1f ms, p95 %.1f ms, max %.1f ms' % (len(v), statistics.median(v),
                                                           p95, v[-1])


print('web-load: %s, %s scale (%d server hosts), %d map clients, %.0f s' %
      (os.path.basename(renkei), a.scale, len(servers), a.clients, a.seconds))
print('  cached page /api/summary: %s%s' % (fig(cached), '' if all(
    x != float('inf') for x in cached) else ' (some failed)'))
for st in sorted(maps):
    print('  uncached /map.svg -> %s: %s' % (st or 'no answer', fig(maps[st])))
