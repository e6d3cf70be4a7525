#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
# API tests of `renkei serve`: every route with good and bad parameters,
# headers (CSP), auth, the XSS capture, (optionally) timings at scale, and
# (optionally) a store of a one-way mirror: the bytes of the direction it
# never carried are null (unknown), not 0, and the pages say "?" / "&ge;".
#
# usage: api-test.py RENKEI DB XSS_DB [--max-ms N] [--oneway ONEWAY_DB]
# Starts `renkei serve --db DB --listen 127.0.0.1:0` itself (the port is the
# one it prints), then checks.  TAP output; exit 1 if any check failed.
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

renkei, db, xss_db = sys.argv[1:4]
max_ms = int(sys.argv[sys.argv.index('--max-ms') + 1]) if '--max-ms' in sys.argv else None
oneway_db = sys.argv[sys.argv.index('--oneway') + 1] if '--oneway' in sys.argv else None
n = 0
failed = 0


def check(cond, what):
    global n, failed
    n += 1
    print('%s %d - %s' % ('ok' if cond else 'not ok', n, what))
    if not cond:
        failed += 1


def serve(*args):
    p = subprocess.Popen([renkei, 'serve', '--listen', '127.0.0.1:0'] + list(args),
                         stdout=subprocess.PIPE, text=True)
    line = p.stdout.readline()
    if 'serving' not in line:
        p.kill()
        raise SystemExit('renkei serve did not start: %r' % line)
    return p, line.split('serving ')[1].strip().rstrip('/')


def get(base, path, headers=None):
    req = urllib.request.Request(base + path, headers=headers or {})
    t = time.monotonic()
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
            return r.status, dict(r.headers), body, (time.monotonic() - t) * 1000
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read(), (time.monotonic() - t) * 1000


def get_json(base, path):
    st, h, body, ms = get(base, path)
    try:
        return st, json.loads(body), ms
    except ValueError:
        return st, None, ms


p, base = serve('--db', db)
try:
    st, s, ms = get_json(base, '/api/summary')
    check(st == 200 and s['hosts'] > 0 and s['server_hosts'] > 0, 'summary %d ms' % ms)
    svc = s['top_services'][0]
    server = svc['ip']
    st, nets, _ = get_json(base, '/api/networks')
    check(st == 200 and len(nets['networks']) > 0, 'networks')
    net = nets['networks'][0]['network']
    st, nn, _ = get_json(base, '/api/network?net=' + net.replace('/', '%2F'))
    check(st == 200 and len(nn['hosts']) > 0, 'network ' + net)
    st, hs, _ = get_json(base, '/api/hosts?sort=bytes&order=desc&per_page=10&page=1')
    check(st == 200 and len(hs['hosts']) == 10 and hs['total'] == s['hosts'], 'hosts sorted, paged')
    b = [h['bytes_sent'] + h['bytes_recv'] for h in hs['hosts']]
    # One writer for the host object: the API's hosts have the JSON report's fields.
    check(all(set(h) == {'ip', 'name', 'network', 'role', 'services', 'uses', 'bytes_sent',
                         'bytes_recv', 'first', 'last'} and
              h['role'] == ('server' if h['services'] else 'client') for h in hs['hosts']),
          'hosts: the fields of the JSON report (role, uses)')
    check(b == sorted(b, reverse=True), 'hosts sorted by traffic')
    st, hq, _ = get_json(base, '/api/hosts?q=' + server)
    check(st == 200 and any(h['ip'] == server for h in hq['hosts']), 'hosts search')
    st, hv, _ = get_json(base, '/api/hosts?servers=1&per_page=1000')
    check(st == 200 and all(h['services'] > 0 for h in hv['hosts']), 'hosts servers only')
    st, h, _ = get_json(base, '/api/host?ip=' + server)
    check(st == 200 and len(h['offered']) > 0 and 'evidence' in h['offered'][0], 'host (table 1)')
    q = '/api/service?ip=%s&proto=%s&port=%d' % (server, svc['proto'], svc['port'])
    st, sv, _ = get_json(base, q)
    check(st == 200 and sv['clients'] == len(sv['clients']) if False else
          st == 200 and len(sv['clients']) == svc['clients'], 'service clients')
    check(st == 200 and sum(x['bytes'] for x in sv['hours']) > 0, 'service hourly traffic')
    check(isinstance(sv['bytes_in'], int) and isinstance(sv['bytes_out'], int) and
          all(isinstance(e['bytes_s2c'], int) for e in sv['clients']),
          'two-way capture: a TCP service\'s bytes both ways are numbers')
    st, m, _ = get_json(base, '/api/map')
    check(st == 200 and len(m['nodes']) > 0, 'map json: %d nodes %d edges' % (len(m['nodes']), len(m['edges'])))
    st, m, _ = get_json(base, '/api/map?host=' + server)
    check(st == 200 and any(x.get('seed') for x in m['nodes']), 'map json by host')
    st, m, _ = get_json(base, '/api/map?net=' + net.replace('/', '%2F'))
    check(st == 200 and any(x['kind'] == 'network' for x in m['nodes']), 'map json by network')
    st, m, _ = get_json(base, '/api/map?service=%s&proto=%s&port=%d' % (server, svc['proto'], svc['port']))
    check(st == 200 and len(m['nodes']) > 0, 'map json by service')
    for path in ['/', '/networks', '/network?net=' + net.replace('/', '%2F'), '/hosts',
                 '/hosts?q=10&sort=name&order=desc&page=1', '/host?ip=' + server,
                 q.replace('/api', ''), '/map', '/map?host=' + server, '/map.svg',
                 '/assets/renkei.css', '/assets/renkei.js']:
        st, hd, body, ms = get(base, path)
        check(st == 200 and len(body) > 0, 'GET %s %d ms' % (path, ms))
        if max_ms is not None:
            limit = 1000 if path.startswith('/map') else max_ms
            check(ms < limit, '%s under %d ms (%d)' % (path, limit, ms))
        if not path.startswith('/assets'):
            csp = hd.get('Content-Security-Policy', '')
            check("script-src 'self'" in csp and 'unsafe-inline' not in csp, path + ' has a strict CSP')
            check(hd.get('X-Content-Type-Options') == 'nosniff', path + ' nosniff')
    # Time ranges.
    first = s['first']
    st, r, _ = get_json(base, '/api/summary?since=' + first[:10] + '&until=2100-01-01')
    check(st == 200 and r['hosts'] == s['hosts'], 'range covering everything')
    st, r, _ = get_json(base, '/api/summary?since=2000-01-01&until=2000-01-02')
    check(st == 200 and r['hosts'] == 0, 'range with nothing in it')
    # Bad parameters: 400 with a message, never a crash.
    bad = ['/api/host', '/api/host?ip=', '/api/host?ip=10.0.0.300', '/api/host?ip=%3Cscript%3E',
           '/api/service?ip=10.0.0.1', '/api/service?ip=10.0.0.1&proto=tcp&port=70000',
           '/api/service?ip=10.0.0.1&proto=xyz&port=80', '/api/network?net=10.1.2.3%2F24',
           '/api/network?net=10.1.2.0%2F8', '/api/hosts?page=0', '/api/hosts?page=abc',
           '/api/hosts?per_page=100000', '/api/hosts?sort=evil', '/api/hosts?order=up',
           '/api/hosts?servers=2', '/api/hosts?q=' + 'a' * 300, '/api/map?net=1.2.3.0%2F24&host=1.2.3.4',
           '/api/map?host=nope', '/api/map?infra=yes', '/api/summary?since=yesterday',
           '/api/summary?until=2023-13-45', '/api/summary?since=1700000000&until=1600000000',
           '/host?ip=%22%3E%3Cscript%3E', '/hosts?page=-1', '/map?service=1.2.3.4&proto=tcp']
    for path in bad:
        st, hd, body, _ = get(base, path)
        ok = st == 400 and len(body) > 0
        if path.startswith('/api/'):
            try:
                ok = ok and 'error' in json.loads(body)
            except ValueError:
                ok = False
        else:
            ok = ok and b'<script>' not in body
        check(ok, 'bad %s -> %d' % (path, st))
    for path in ['/api/host?ip=192.0.2.99', '/host?ip=192.0.2.99', '/api/network?net=192.0.2.0%2F24',
                 '/api/service?ip=192.0.2.99&proto=tcp&port=1', '/nope', '/api/nope', '/assets/nope.js']:
        st, _, _, _ = get(base, path)
        check(st == 404, 'unknown %s -> 404' % path)
    # Impact and needs: the API's document is renkei impact --json's, byte for byte.
    def cli(*args):
        return subprocess.run([renkei] + list(args) + ['--db', db, '--json'],
                              capture_output=True, text=True).stdout
    svc_t = '%s:%d/%s' % (server, svc['port'], svc['proto'])
    for route, args, query in [
            ('impact', [server], 'target=' + server),
            ('impact', [svc_t], 'target=' + urllib.parse.quote(svc_t, safe='')),
            ('impact', ['--depth', '1', server, net], 'target=%s+%s&depth=1' % (
                server, urllib.parse.quote(net, safe=''))),
            ('needs', [server], 'target=' + server),
            ('needs', [server, net], 'target=%s&target=%s' % (server, urllib.parse.quote(net, safe='')))]:
        st, _, body, _ = get(base, '/api/%s?%s' % (route, query))
        want = cli(route, *args)
        check(st == 200 and want and body.decode() == want,
              '/api/%s?%s == renkei %s --json %s' % (route, query, route, ' '.join(args)))
    st, imp, _ = get_json(base, '/api/impact?target=' + server)
    check(st == 200 and imp['summary']['lost'] >= 1 and imp['failed_services'] and
          imp['summary']['users'] + imp['summary']['servers'] > 0, 'impact of a server: counts')
    st, _, body, _ = get(base, '/impact?target=' + server)
    check(st == 200 and b'id="impact-counts"' in body and b'If these fail' in body,
          'impact page: counts and the form')
    st, _, body, _ = get(base, '/needs?target=' + server)
    check(st == 200 and b'Needed services' in body, 'needs page')
    st, _, body, _ = get(base, '/impact')
    check(st == 200 and b'name="target"' in body, 'impact page without targets: the form')
    st, _, body, _ = get(base, '/host?ip=' + server)
    check(b'href="/impact?target=' + server.encode() + b'"' in body and
          b'href="/needs?target=' in body, 'host page links to impact and needs')
    for path in ['/api/impact', '/api/impact?target=', '/api/impact?target=nosuchhost.example',
                 '/api/impact?target=%3Cscript%3E', '/api/impact?target=192.0.2.99',
                 '/api/impact?target=10.0.0.1%3A99999%2Ftcp', '/api/impact?target=@nosite',
                 '/api/impact?target=' + server + '&depth=0', '/api/needs?target=%22x',
                 '/api/impact?' + '&'.join(['target=' + server] * 65),
                 '/impact?target=%3Cscript%3Ealert(1)%3C%2Fscript%3E']:
        st, _, body, _ = get(base, path)
        ok = st == 400 and b'<script>' not in body
        if path.startswith('/api/'):
            try:
                ok = ok and 'error' in json.loads(body)
            except ValueError:
                ok = False
        check(ok, 'bad target %s -> %d' % (path[:80], st))
    st, e, _ = get_json(base, '/api/impact?target=nosuchhost.example')
    check(st == 400 and 'nosuchhost.example' in e['error'], '400 names the bad target')
    st, _, _, _ = get(base, '/api/summary')
    check(st == 200, 'still serving after the bad requests')
    req = urllib.request.Request(base + '/api/summary', method='POST', data=b'x')
    try:
        urllib.request.urlopen(req, timeout=10)
        check(False, 'POST refused')
    except urllib.error.HTTPError as e:
        check(e.code == 405, 'POST refused (405)')
finally:
    p.terminate()
    p.wait(10)

# Off loopback without --auth: refused.
r = subprocess.run([renkei, 'serve', '--db', db, '--listen', '0.0.0.0:0'], capture_output=True,
                   text=True, timeout=30)
check(r.returncode == 1 and '--auth' in r.stderr, 'non-loopback listen needs --auth')
# Token auth.
with tempfile.NamedTemporaryFile('w', suffix='.token', delete=False) as f:
    f.write('s3cret-token-value\n')
    token_file = f.name
p, base = serve('--db', db, '--auth', token_file)
try:
    st, _, _, _ = get(base, '/api/summary')
    check(st == 401, 'no token: 401')
    st, _, _, _ = get(base, '/api/summary', {'Authorization': 'Bearer wrong-token-value'})
    check(st == 401, 'wrong token: 401')
    st, _, _, _ = get(base, '/api/summary', {'Authorization': 'Bearer s3cret-token-value'})
    check(st == 200, 'bearer token: 200')
    # ?token= becomes a cookie, and the browser is sent on without it (history).
    import http.client
    hc = http.client.HTTPConnection(base.split('//')[1], timeout=30)
    hc.request('GET', '/hosts?token=s3cret-token-value&sort=bytes')
    r = hc.getresponse()
    r.read()
    hc.close()
    check(r.status == 303 and 'renkei_token' in (r.getheader('Set-Cookie') or '') and
          r.getheader('Location') == '/hosts?sort=bytes',
          '?token= sets a cookie, 303 to the URL without it (%d %s)' % (r.status, r.getheader('Location')))
    st, _, _, _ = get(base, '/', {'Cookie': 'renkei_token=s3cret-token-value'})
    check(st == 200, 'cookie: 200')
finally:
    p.terminate()
    p.wait(10)
with open(token_file, 'w') as f:
    f.write('admin:correct-horse\n')
p, base = serve('--db', db, '--auth', token_file)
try:
    import base64
    st, hd, _, _ = get(base, '/')
    check(st == 401 and 'Basic' in hd.get('WWW-Authenticate', ''), 'basic auth asked')
    cred = base64.b64encode(b'admin:correct-horse').decode()
    st, _, _, _ = get(base, '/', {'Authorization': 'Basic ' + cred})
    check(st == 200, 'basic auth: 200')
finally:
    p.terminate()
    p.wait(10)
os.unlink(token_file)

# A stranger's markup in DNS names: escaped in pages and JSON.
p, base = serve('--db', xss_db)
try:
    st, _, body, _ = get(base, '/hosts?q=evil')
    check(st == 200 and b'&lt;img/src=x/onerror=alert(1)&gt;evil.example' in body, 'hosts: name escaped')
    check(b'<img' not in body and b'<script>alert' not in body, 'hosts: no raw markup')
    st, _, body, _ = get(base, '/host?ip=10.9.0.20')
    check(st == 200 and b'<img' not in body, 'host page: no raw markup')
    st, _, body, _ = get(base, '/map?host=10.9.0.20')
    check(st == 200 and b'<img' not in body and b'<script>alert' not in body, 'map: no raw markup')
    st, _, body, _ = get(base, '/api/host?ip=10.9.0.20')
    check(st == 200 and b'<' not in body and json.loads(body)['name'].startswith('<img'),
          'JSON: name escaped to \\u003c, same value')
finally:
    p.terminate()
    p.wait(10)

# A mirror of the clients' direction only: what it never carried is unknown.
if oneway_db:
    p, base = serve('--db', oneway_db)
    try:
        st, s, _ = get_json(base, '/api/summary')
        check(st == 200 and s['blind']['s2c'] > 0 and s['blind']['c2s'] == 0,
              'one-way: summary counts the sessions seen without the servers\' side')
        top = s['top_services']
        check(top and all(v['bytes_out'] is None and isinstance(v['bytes_in'], int) and
                          v['blind']['out'] == v['sessions'] for v in top),
              'one-way: top services: bytes_out null, blind.out = sessions')
        check(all(e['bytes_s2c'] is None and e['blind']['s2c'] == e['sessions']
                  for e in s['newest_edges']), 'one-way: newest edges: bytes_s2c null')
        svc = top[0]
        q = '/api/service?ip=%s&proto=%s&port=%d' % (svc['ip'], svc['proto'], svc['port'])
        st, sv, _ = get_json(base, q)
        check(st == 200 and sv['bytes_out'] is None and sv['clients'] and
              all(e['bytes_s2c'] is None and isinstance(e['bytes_c2s'], int)
                  for e in sv['clients']), 'one-way: service and its clients: s2c null')
        check(any(h.get('lower_bound') for h in sv['hours']) and
              all(isinstance(h['bytes'], int) for h in sv['hours']),
              'one-way: hourly traffic marked a lower bound')
        st, h, _ = get_json(base, '/api/host?ip=' + svc['ip'])
        check(st == 200 and all(v['bytes_out'] is None for v in h['offered']) and
              all(e['bytes_s2c'] is None for e in h['used']), 'one-way: host: offered, used null')
        st, m, _ = get_json(base, '/api/map?service=%s&proto=%s&port=%d' % (
            svc['ip'], svc['proto'], svc['port']))
        check(st == 200 and m['edges'] and all(e.get('lower_bound') for e in m['edges']),
              'one-way: map edges say their bytes are a lower bound')
        st, _, body, _ = get(base, q.replace('/api', ''))
        check(st == 200 and b'from clients, ? to clients' in body and b'&ge;' in body,
              'one-way: service page shows ? and &ge;')
        st, _, body, _ = get(base, '/')
        check(st == 200 and b'>&ge;' in body, 'one-way: overview shows &ge; totals')
    finally:
        p.terminate()
        p.wait(10)

print('1..%d' % n)
sys.exit(1 if failed else 0)
