#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# Abuse tests of `renkei serve` as real clients on loopback (issue 15, items
# 2, 3 and 10), each bounded in time and connections:
#   - slowloris: 300 connections from 127.0.0.1 trickle a header line every
#     second for 15 s while a normal client on 127.0.0.2 (Linux routes all of
#     127/8 on lo) must keep getting 200s, and the trickles must be cut by the
#     header deadline, not served for ever;
#   - DNS rebinding: a foreign Host gets 421, our names (and --allow-host) 200;
#   - a NUL in the target (%00 or a byte) is a 400, not a truncated path;
#   - 405 carries Allow; HSTS under TLS; --auth over plain HTTP off loopback
#     warns; "incomplete request" log lines are rate-limited.
# usage: abuse-test.py RENKEI DB     TAP output; exit 1 if any check failed.
# OLD=1 leaves out the options the fixed server has (to show the failures on
# a binary from before the fix).
import os
import selectors
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

renkei, db = sys.argv[1:3]
old = os.environ.get('OLD') == '1'
n = 0
failed = 0


def check(cond, what):
    global n, failed
    n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, what), flush=True)
    if not cond:
        failed += 1


def serve(*args, listen='127.0.0.1:0', stderr=subprocess.DEVNULL):
    p = subprocess.Popen([renkei, 'serve', '--db', db, '--listen', listen] + list(args),
                         stdout=subprocess.PIPE, stderr=stderr, text=True)
    line = p.stdout.readline()
    if 'serving' not in line:
        p.kill()
        raise SystemExit('renkei serve did not start: %r' % line)
    return p, int(line.strip().rstrip('/').rsplit(':', 1)[1])


def stop(p):
    p.terminate()
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait(5)


def raw(port, data, src='127.0.0.1', timeout=5.0, tls=False):
    """Send data, return the status line's code (0 if none) and the head."""
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout, source_address=(src, 0))
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s)
    try:
        s.sendall(data)
        got = b''
        while b'\r\n\r\n' not in got and len(got) < 65536:
            b = s.recv(4096)
            if not b:
                break
            got += b
    except OSError:
        got = b''
    finally:
        s.close()
    head = got.split(b'\r\n\r\n')[0].decode('latin-1')
    try:
        return int(head.split(' ')[1]), head
    except (IndexError, ValueError):
        return 0, head


def req(path, host='127.0.0.1', method='GET', extra=''):
    return ('%s %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n%s\r\n' %
            (method, path, host, extra)).encode('latin-1')


# ---- slowloris ----
TRICKLE_S = 15
HEADER_S = 3
opts = [] if old else ['--header-timeout', str(HEADER_S), '--max-conns-per-ip', '64']
p, port = serve(*opts)
try:
    sel = selectors.DefaultSelector()
    socks = []
    t0 = time.monotonic()
    for i in range(300):
        try:
            s = socket.create_connection(('127.0.0.1', port), timeout=2)
            s.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n')
            s.setblocking(False)
            socks.append(s)
            sel.register(s, selectors.EVENT_READ)
        except OSError:
            pass
    ok = bad = 0
    lat = []
    cut = {}  # socket -> seconds it lived
    last_trickle = time.monotonic()
    next_get = time.monotonic()
    while time.monotonic() - t0 < TRICKLE_S:
        now = time.monotonic()
        if now - last_trickle >= 1.0:
            for s in socks:
                if s not in cut:
                    try:
                        s.send(b'X-Slow: %d\r\n' % int(now))
                    except OSError:
                        cut[s] = now - t0
            last_trickle = now
        if now >= next_get:
            t = time.monotonic()
            st, _ = raw(port, req('/api/summary'), src='127.0.0.2', timeout=3)
            lat.append(time.monotonic() - t)
            ok, bad = (ok + 1, bad) if st == 200 else (ok, bad + 1)
            next_get = time.monotonic() + 0.5
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                if s.recv(4096) == b'' and s not in cut:
                    cut[s] = time.monotonic() - t0
            except OSError:
                cut.setdefault(s, time.monotonic() - t0)
            if s in cut:
                sel.unregister(s)
    for s in socks:
        s.close()
    sel.close()
    lat.sort()
    check(ok > 0 and bad == 0,
          'slowloris: normal client got %d of %d answers (max %.0f ms) under %d trickling '
          'connections' % (ok, ok + bad, (lat[-1] if lat else 0) * 1000, len(socks)))
    held = [s for s in socks if s not in cut]
    check(not held, 'slowloris: every trickling connection was cut (%d of %d still held '
          'after %d s)' % (len(held), len(socks), TRICKLE_S))
    check(len(cut) > 0 and max(cut.values()) < HEADER_S + 3,
          'slowloris: cut within the header deadline + slack (last at %.1f s)' %
          (max(cut.values()) if cut else -1))
    st, _ = raw(port, req('/api/summary'))
    check(st == 200, 'slowloris: 127.0.0.1 itself is served again afterwards')
finally:
    stop(p)

# ---- DNS rebinding, NUL, 405 Allow ----
p, port = serve(*([] if old else ['--allow-host', 'Renkei.Example']))
try:
    for host in ['evil.example', 'evil.example:%d' % port, '127.0.0.1.evil.example',
                 'localhost.evil.example:%d' % port, '[::2]', '::1']:
        st, head = raw(port, req('/api/summary', host=host))
        check(st in (403, 421), 'rebinding: Host %s -> %d' % (host, st))
    for host in ['127.0.0.1:%d' % port, 'localhost:%d' % port, 'LOCALHOST', '127.0.0.1',
                 'renkei.example', 'renkei.example:8443']:
        st, _ = raw(port, req('/api/summary', host=host))
        check(st == 200, 'Host %s -> %d' % (host, st))
    for path in [b'/assets/renkei.js%00.html', b'/assets/renkei.js\x00.html',
                 b'/api/host?ip=10.0.0.1%00x', b'/%00']:
        st, _ = raw(port, b'GET ' + path + b' HTTP/1.1\r\nHost: 127.0.0.1\r\n'
                    b'Connection: close\r\n\r\n')
        check(st == 400, 'NUL in %r -> %d' % (path, st))
    st, head = raw(port, req('/api/summary', method='POST', extra='Content-Length: 0\r\n'))
    check(st == 405 and 'Allow: GET, HEAD' in head, '405 carries Allow')
    # Incomplete requests: their log lines are limited (5 a second + a count).
finally:
    stop(p)

with tempfile.TemporaryDirectory() as tmp:
    log = os.path.join(tmp, 'err')
    with open(log, 'w') as ef:
        p, port = serve(stderr=ef)
        try:
            t0 = time.monotonic()
            for i in range(200):
                s = socket.create_connection(('127.0.0.1', port), timeout=2)
                s.sendall(b'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Half')
                time.sleep(0.002)  # let the server read it before the close
                s.close()
            time.sleep(1.5)
            took = time.monotonic() - t0
        finally:
            stop(p)
    with open(log) as ef:
        text = ef.read()
    lines = [l for l in text.splitlines() if 'incomplete' in l]
    check(0 < len(lines) <= 5 * (int(took) + 2) and 'not shown' in text,
          'log: %d "incomplete request" lines for 200 incomplete requests in %.1f s, and a '
          'count of the rest' % (len(lines), took))

    # HSTS under TLS, none over plain HTTP.
    key, cert = os.path.join(tmp, 'k.pem'), os.path.join(tmp, 'c.pem')
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key,
                    '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1'],
                   capture_output=True, check=True, timeout=60)
    p, port = serve('--tls-cert', cert, '--tls-key', key)
    try:
        st, head = raw(port, req('/api/summary'), tls=True)
        check(st == 200 and 'Strict-Transport-Security: max-age=' in head, 'HSTS under TLS')
    finally:
        stop(p)
    p, port = serve()
    try:
        st, head = raw(port, req('/api/summary'))
        check(st == 200 and 'Strict-Transport-Security' not in head, 'no HSTS over HTTP')
    finally:
        stop(p)

    # --auth over plain HTTP off loopback: a warning at start.
    tok = os.path.join(tmp, 'token')
    with open(tok, 'w') as f:
        f.write('s3cret-token-value\n')
    with open(log, 'w') as ef:
        p, port = serve('--auth', tok, listen='0.0.0.0:0', stderr=ef)
        stop(p)
    with open(log) as ef:
        err = ef.read()
    check('warning' in err and 'clear' in err, '--auth over HTTP off loopback warns')

print('1..%d' % n)
print('# all passed' if failed == 0 else '# %d failed' % failed)
sys.exit(1 if failed else 0)
