// SPDX-License-Identifier: BSD-2-Clause
// Browser test of `renkei serve` in headless Debian chromium (playwright-core).
//
// usage: node browser-test.mjs RENKEI CAPTURE SHOTS_DIR [XSS_CAPTURE] [EXPORT_DIR] [ONEWAY]
// (a CAPTURE ending in .db is a store, served with --db)
// Starts `renkei serve --pcap CAPTURE --listen 127.0.0.1:0`, walks overview ->
// network -> host -> service -> map -> click a node, asserting on what is
// shown, and keeps a screenshot of every step in SHOTS_DIR.  With an XSS
// capture, checks that a DNS name carrying markup is shown as text and runs
// no script.  With EXPORT_DIR, opens the static export from disk and checks
// it shows the same content.  With ONEWAY (a capture of the clients' direction
// only), checks that a service page shows the servers' bytes as "?" and the
// totals as "≥".  Exits non-zero if a check failed.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

const [renkei, capture, shots, xssCapture, exportDir, oneway] = process.argv.slice(2);
if (!renkei || !capture || !shots) {
  console.error('usage: node browser-test.mjs RENKEI CAPTURE SHOTS_DIR [XSS_CAPTURE] [EXPORT_DIR]');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
let failures = 0;
function check(cond, what) {
  console.log(`${cond ? 'ok' : 'not ok'} - ${what}`);
  if (!cond) failures++;
}

function serve(pcap) {
  return new Promise((resolve, reject) => {
    const src = pcap.endsWith('.db') ? '--db' : '--pcap';
    const p = spawn(renkei, ['serve', src, pcap, '--listen', '127.0.0.1:0'],
      { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/serving (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) resolve({ proc: p, base: m[1] });
    });
    p.on('exit', (code) => reject(new Error(`renkei serve exited ${code}`)));
  });
}

const profile = mkdtempSync(path.join(tmpdir(), 'renkei-chromium-'));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1400, height: 1000 },
});
const page = browser.pages()[0] || await browser.newPage();
const cspErrors = [];
const jsErrors = [];
page.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) cspErrors.push(m.text()); });
page.on('pageerror', (e) => jsErrors.push(String(e)));
let dialogs = 0;
page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });

const srv = await serve(capture);
try {
  const t0 = Date.now();
  await page.goto(srv.base + '/', { timeout: 120000 });
  console.log(`# first page (analysis included) ${Date.now() - t0} ms`);
  check(await page.locator('h1').innerText() === 'Overview', 'overview has its title');
  const summary = await page.locator('#summary').innerText();
  check(/server hosts/.test(summary) && /client hosts/.test(summary), 'overview shows the summary');
  check(await page.locator('section h2', { hasText: 'Top services' }).count() === 1, 'top services');
  await page.screenshot({ path: path.join(shots, '1-overview.png'), fullPage: false });

  await page.click('header a:has-text("Networks")');
  await page.waitForSelector('#networks');
  const nets = await page.locator('#networks tbody tr').count();
  check(nets > 1, `networks page lists ${nets} networks`);
  await page.screenshot({ path: path.join(shots, '2-networks.png') });
  await page.locator('#networks a.net').first().click();
  await page.waitForSelector('h1:has-text("Network")');
  check(await page.locator('#hosts tbody tr').count() > 0, 'a network lists its hosts');
  await page.screenshot({ path: path.join(shots, '3-network.png') });

  // A server: the first host of the overview's top service.
  await page.click('header a:has-text("Overview")');
  await page.locator('section:has(h2:has-text("Top services")) a.ip').first().click();
  await page.waitForSelector('#host');
  const title = await page.locator('h1').innerText();
  check(/^Host /.test(title), `host page: ${title}`);
  check(await page.locator('#offered tbody tr').count() > 0, 'host page lists services offered');
  await page.locator('#offered details.evidence summary').first().click();
  check(await page.locator('#offered details.evidence[open] li').count() > 0, 'evidence on demand');
  await page.screenshot({ path: path.join(shots, '4-host.png'), fullPage: true });

  // "If this fails" from the host page: the counts, the sites, the chains.
  const hostUrl = page.url();
  const hostIp = title.replace(/^Host /, '');
  await page.click('p.impact-links a.impact');
  await page.waitForSelector('#impact-counts');
  check(await page.locator('h1').innerText() === `Impact of ${hostIp}`, 'impact page title');
  const cnt = await page.locator('#impact-counts').innerText();
  const num = (k) => Number((cnt.match(new RegExp(`${k}\\s+([\\d,]+)`)) || [0, '0'])[1].replace(/,/g, ''));
  check(num('users') + num('servers') > 0 && num('lost with the targets') === 1,
    `impact counts: ${cnt.replace(/\s+/g, ' ')}`);
  check(await page.locator('#impact-sites tbody tr').count() > 0, 'impact per-site table');
  check(await page.locator('#impact-failed tbody tr').count() > 0, 'impact failed services');
  const inodes = await page.locator('#map svg g.node').count();
  check(inodes > 1, `impact: map of the affected part draws ${inodes} nodes`);
  await page.click('#zin');
  await page.click('#zfit');
  await page.screenshot({ path: path.join(shots, '4b-impact.png'), fullPage: false });
  // The form: two targets, "what these need".
  await page.fill('form.impact input[name=target]', `${hostIp}  ${hostIp}`);
  await page.click('form.impact button[formaction="/needs"]');
  await page.waitForSelector('h1:has-text("Needs of")');
  check(/^Needs of /.test(await page.locator('h1').innerText()) &&
    await page.locator('#impact-counts').count() === 1, 'impact form: needs of two targets');
  await page.goto(hostUrl);
  await page.waitForSelector('#host');

  await page.locator('#offered a.svc').first().click();
  await page.waitForSelector('#service');
  check(/^Service /.test(await page.locator('h1').innerText()), 'service page');
  check(await page.locator('#chart rect').count() > 0, 'service page draws its traffic chart');
  check(await page.locator('#client-nets tbody tr').count() > 0, 'service lists clients by network');
  await page.screenshot({ path: path.join(shots, '5-service.png'), fullPage: true });

  await page.click('header a:has-text("Hosts")');
  await page.waitForSelector('#hosts');
  await page.fill('form.filter input[name=q]', '10.0.0.1');
  await page.click('form.filter button');
  await page.waitForSelector('#count');
  const rows = await page.locator('#hosts tbody td:first-child').allInnerTexts();
  check(rows.length > 0 && rows.every((r) => r.includes('10.0.0.1')), `host search: ${rows.length} rows`);
  await page.click('#hosts thead a:has-text("traffic")');
  await page.waitForSelector('th.desc');
  check(true, 'hosts sort by traffic');

  const tm = Date.now();
  await page.click('header a:has-text("Map")');
  await page.waitForSelector('#map svg g.node');
  console.log(`# map ${Date.now() - tm} ms`);
  const nodes = await page.locator('#map svg g.node').count();
  check(nodes > 1, `map draws ${nodes} nodes`);
  await page.click('#zin');
  await page.click('#zfit');
  await page.screenshot({ path: path.join(shots, '6-map.png') });
  const node = page.locator('#map svg g.node a').first();
  const href = await node.getAttribute('xlink:href') || await node.getAttribute('href');
  await node.click();
  await page.waitForSelector('#host');
  check(/^Host /.test(await page.locator('h1').innerText()), `clicking a map node opens ${href}`);
  await page.click('#maplink');
  await page.waitForSelector('#map svg g.node');
  await page.screenshot({ path: path.join(shots, '7-map-host.png') });
  check(await page.locator('#map svg g.node').count() >= 1, 'map filtered by a host');

  await page.goto(srv.base + '/host?ip=not-an-ip');
  check(/ip: an IPv4 or IPv6 address/.test(await page.locator('body').innerText()), 'bad parameter: 400 page');
} finally {
  srv.proc.kill('SIGTERM');
}

if (xssCapture) {
  const x = await serve(xssCapture);
  try {
    await page.goto(x.base + '/hosts?q=evil');
    const names = await page.locator('#hosts td.name').allInnerTexts();
    check(names.some((n) => n.includes('<img')), `XSS name shown as text: ${names[0]}`);
    check(await page.locator('#hosts img, #hosts script').count() === 0, 'no element made from the name');
    await page.locator('#hosts a.ip').first().click();
    await page.waitForSelector('#hostname');
    check((await page.locator('#hostname').innerText()).includes('<'), 'host page shows the markup as text');
    await page.click('#maplink');
    await page.waitForSelector('#map svg g.node');
    await page.screenshot({ path: path.join(shots, '8-xss.png') });
    check(dialogs === 0, 'no script ran (no dialog)');
  } finally {
    x.proc.kill('SIGTERM');
  }
}

if (oneway) {
  const o = await serve(oneway);
  try {
    await page.goto(o.base + '/');
    const top = await page.locator('section:has(h2:has-text("Top services")) td.num[title]')
      .allInnerTexts();
    check(top.length > 0 && top.every((t) => t.startsWith('≥')), `one-way: top services' traffic ${top[0]}`);
    await page.locator('section:has(h2:has-text("Top services")) a.svc').first().click();
    await page.waitForSelector('#service');
    const traffic = await page.locator('#traffic').innerText();
    check(/ \? to clients/.test(traffic), `one-way: service traffic: ${traffic}`);
    check(await page.locator('#chart-note').count() === 1, 'one-way: the chart says its bars are lower bounds');
    const cl = await page.locator('#clients tbody td.num[title]').allInnerTexts();
    check(cl.length > 0 && cl.every((t) => t.startsWith('≥')), `one-way: clients' traffic ${cl[0]}`);
    await page.screenshot({ path: path.join(shots, '10-oneway-service.png'), fullPage: true });
  } finally {
    o.proc.kill('SIGTERM');
  }
}

if (exportDir) {
  await page.goto('file://' + path.resolve(exportDir, 'index.html'));
  check(await page.locator('h1').innerText() === 'Overview', 'export: overview opens from disk');
  // No server sends a CSP header for files: the pages carry it as a meta tag
  // (its script and style still load under it: "no CSP violations" below).
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content').catch(() => null);
  check(csp !== null && /default-src 'none'/.test(csp) && /script-src 'self'/.test(csp),
    `export: CSP meta tag (${csp})`);
  check(/server hosts/.test(await page.locator('#summary').innerText()), 'export: summary');
  await page.locator('section:has(h2:has-text("Top services")) a.ip').first().click();
  await page.waitForSelector('#host');
  check(await page.locator('#offered tbody tr').count() > 0, 'export: host page');
  check(await page.locator('a.impact, a.needs').count() === 0,
    'export: no impact links (no server to walk the graph)');
  await page.click('header a:has-text("Map")');
  await page.waitForSelector('#map svg g.node');
  await page.locator('#map svg g.node a').first().click();
  await page.waitForSelector('#host');
  check(true, 'export: a map node opens its host page');
  await page.screenshot({ path: path.join(shots, '9-export-host.png') });
}

check(jsErrors.length === 0, `no script errors ${jsErrors.join('; ')}`);
check(cspErrors.length === 0, `no CSP violations ${cspErrors.join('; ')}`);
await browser.close();
rmSync(profile, { recursive: true, force: true });
console.log(failures ? `# ${failures} failed` : '# all passed');
process.exit(failures ? 1 : 0);
