// The dev page of `kata-rt serve` in Debian's headless Chromium, driven by playwright-core (no
// browser download: executablePath). Logs in, subscribes, shows an event published with
// `kata-rt publish`, survives a server restart without duplicates, shows a session ended by
// POST /v1/disconnect and logs in again without a reload, and a page from an origin that is not
// allowed cannot connect (403 before the upgrade). Screenshots are kept as artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort, startServe, stop, publish, randomKey } from '../client/test/serve_process.js';

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch {
  throw new Error('playwright-core is missing: run `npm ci` in web/browser-test (scripts/test.sh does)');
}

const executablePath = process.env.KATA_RT_CHROMIUM || '/usr/bin/chromium';
const artifacts = process.env.KATA_RT_WEB_ARTIFACTS || path.join(process.cwd(), 'artifacts');
const WAIT = { timeout: 20000 };

const apiKey = randomKey();
let port;
let server;
let browser;
let profile;
let foreign;

before(async () => {
  if (!existsSync(executablePath)) {
    throw new Error(`${executablePath} not found: scripts/setup.sh installs Debian's chromium`);
  }
  mkdirSync(artifacts, { recursive: true });
  port = await freePort();
  server = await startServe({ port, apiKey });
  profile = mkdtempSync(path.join(tmpdir(), 'kata-rt-chromium-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    chromiumSandbox: false,
    viewport: { width: 1280, height: 900 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
});

after(async () => {
  await browser?.close();
  if (server) await stop(server.child);
  if (foreign) await new Promise((resolve) => foreign.close(resolve));
  if (profile) rmSync(profile, { recursive: true, force: true });
});

const rowIds = (page) =>
  page.$$eval('#events tr', (rows) => rows.map((r) => r.dataset.eventId));

test('the dev page logs in, subscribes, shows published events, and survives a restart', async () => {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('pageerror', (err) => consoleErrors.push(String(err)));

  // Without a session the page offers the login; the login sets the cookie and comes back.
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.click('#login');
  await page.waitForURL(`http://127.0.0.1:${port}/`, WAIT);
  const cookies = await browser.cookies(`http://127.0.0.1:${port}`);
  const session = cookies.find((c) => c.name === 'kata_session');
  assert.ok(session, 'the login set kata_session');
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, 'Strict');
  await page.waitForSelector('#state.state-connected', WAIT);

  await page.fill('#channel-input', 'team:dev');
  await page.click('#subscribe-btn');
  await page.waitForSelector('#subs li.confirmed[data-channel="team:dev"]', WAIT);

  const e1 = await publish({ port, apiKey, channel: 'team:dev', type: 'agent_status_changed', payload: { status: 'running', agent: 'a-42' } });
  const row1 = await page.waitForSelector(`#events tr[data-event-id="${e1}"]`, WAIT);
  const text1 = await row1.innerText();
  assert.match(text1, /team:dev/);
  assert.match(text1, /agent_status_changed/);
  assert.match(text1, /\{"status":"running","agent":"a-42"\}/, 'a compact row: the payload as it arrived');
  assert.match(text1, /\b\d{2}:\d{2}:\d{2}\.\d{3}\b/, 'the time has milliseconds');
  const latency = Number(await row1.getAttribute('data-latency-ms'));
  assert.ok(Number.isFinite(latency) && latency > -1000 && latency < 20000, `latency ${latency} ms`);
  assert.match(text1, new RegExp(`\\b${latency} ms\\b`), 'the delivery latency is shown');
  // A click expands the payload, indented; another folds it.
  await row1.click();
  assert.match(await row1.innerText(), /"status": "running",\n\s+"agent": "a-42"/);
  await row1.click();
  assert.equal(await row1.$eval('pre.payload-full', (el) => el.hidden), true);
  // The page has its own icon (no 404 for /favicon.ico).
  assert.match(await page.getAttribute('link[rel="icon"]', 'href'), /^data:image\/svg\+xml/);

  // The screenshot artifact, taken while the page shows the event.
  const shot = path.join(artifacts, 'dev-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  assert.ok(existsSync(shot));
  const body = await page.innerText('body');
  assert.ok(body.includes(e1) && body.includes('agent_status_changed') && body.includes('"agent":"a-42"'),
    'the screenshotted page shows the event');

  // kill -9 and restart on the same port with the same key: the page's cookie still works.
  await stop(server.child);
  server = null;
  await page.waitForSelector('#state.state-reconnecting', WAIT);
  assert.match(await page.innerText('#countdown'), /retry|retrying/);
  server = await startServe({ port, apiKey });
  await page.waitForSelector('#state.state-connected', WAIT);
  await page.waitForSelector('#subs li.confirmed[data-channel="team:dev"]', WAIT);
  // A restarted server has no history: the page says the channel must be reloaded.
  await page.waitForSelector('#notices li.resync', WAIT);

  // Publish from the page's own publish box, with the printed dev key.
  await page.fill('#publish-key', apiKey);
  await page.fill('#publish-channel', 'team:dev');
  await page.selectOption('#publish-type', 'log_entry');
  await page.fill('#publish-payload', '{"line":"from the page"}');
  await page.click('#publish-btn');
  await page.waitForFunction(() => /^published evt_/.test(document.querySelector('#publish-result').textContent), null, WAIT);
  const e2 = (await page.innerText('#publish-result')).replace('published ', '').trim();
  await page.waitForSelector(`#events tr[data-event-id="${e2}"]`, WAIT);

  // Numbers as they were typed and as they arrive: no rounding, 1.50 stays 1.50 (page publish
  // and CLI publish).
  const exact = '{"big":123456789012345678901234567890,"price":1.50}';
  await page.fill('#publish-payload', exact);
  await page.click('#publish-btn');
  await page.waitForFunction((prev) => {
    const t = document.querySelector('#publish-result').textContent;
    return /^published evt_/.test(t) && !t.includes(prev);
  }, e2, WAIT);
  const e2b = (await page.innerText('#publish-result')).replace('published ', '').trim();
  const rowExact = await page.waitForSelector(`#events tr[data-event-id="${e2b}"]`, WAIT);
  assert.ok((await rowExact.innerText()).includes(exact), await rowExact.innerText());
  const e2c = await publish({ port, apiKey, channel: 'team:dev', type: 'spec_updated', payload: exact });
  const rowCli = await page.waitForSelector(`#events tr[data-event-id="${e2c}"]`, WAIT);
  assert.ok((await rowCli.innerText()).includes(exact), await rowCli.innerText());

  // Copy puts the envelope, as it arrived, on the clipboard.
  await browser.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: `http://127.0.0.1:${port}` });
  await (await rowCli.$('button.copy')).click();
  await page.waitForFunction((id) => document.querySelector(`#events tr[data-event-id="${id}"] button.copy`).textContent === 'copied', e2c, WAIT);
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(JSON.parse(copied).eventId, e2c);
  assert.ok(copied.includes(`"payload":${exact}`), copied);
  assert.equal(await rowCli.$eval('pre.payload-full', (el) => el.hidden), true, 'copy does not expand the row');

  const e3 = await publish({ port, apiKey, channel: 'team:dev', type: 'task_completed', payload: { n: 3 } });
  await page.waitForSelector(`#events tr[data-event-id="${e3}"]`, WAIT);
  assert.deepEqual(await rowIds(page), [e3, e2c, e2b, e2, e1], 'each event once, newest first');
  assert.equal(await page.innerText('#event-count'), '5');

  // The filter hides rows that do not match; the pause button holds events back.
  const visible = () =>
    page.$$eval('#events tr:not([hidden])', (rows) => rows.map((r) => r.dataset.eventId));
  await page.fill('#filter', 'from the page');
  assert.deepEqual(await visible(), [e2]);
  await page.fill('#filter', '');
  // Filters by type and by channel, from the values seen.
  await page.selectOption('#filter-type', 'log_entry');
  assert.deepEqual(await visible(), [e2b, e2]);
  await page.selectOption('#filter-type', '');
  await page.fill('#channel-input', 'spec:77');
  await page.click('#subscribe-btn');
  await page.waitForSelector('#subs li.confirmed[data-channel="spec:77"]', WAIT);
  const e5 = await publish({ port, apiKey, channel: 'spec:77', type: 'spec_updated', payload: { v: 5 } });
  await page.waitForSelector(`#events tr[data-event-id="${e5}"]`, WAIT);
  assert.deepEqual(
    await page.$$eval('#filter-channel option', (opts) => opts.map((o) => o.value)),
    ['', 'spec:77', 'team:dev'],
    'the channels that delivered events are offered',
  );
  await page.selectOption('#filter-channel', 'team:dev');
  assert.deepEqual(await visible(), [e3, e2c, e2b, e2, e1]);
  await page.selectOption('#filter-channel', 'spec:77');
  assert.deepEqual(await visible(), [e5]);
  await page.selectOption('#filter-type', 'spec_updated');
  assert.deepEqual(await visible(), [e5], 'channel and type filters together');
  await page.selectOption('#filter-channel', '');
  assert.deepEqual(await visible(), [e5, e2c]);
  await page.selectOption('#filter-type', '');
  await page.click('#pause-btn');
  const e4 = await publish({ port, apiKey, channel: 'team:dev', type: 'log_entry', payload: { n: 4 } });
  await page.waitForFunction(() => document.querySelector('#paused-info').textContent === '1 held', null, WAIT);
  assert.equal((await rowIds(page)).includes(e4), false, 'paused: not shown yet');
  await page.click('#pause-btn');
  await page.waitForSelector(`#events tr[data-event-id="${e4}"]`, WAIT);

  await page.screenshot({ path: path.join(artifacts, 'dev-page-after-restart.png'), fullPage: true });

  // A reload keeps the typed channels and subscribes again.
  await page.reload();
  await page.waitForSelector('#subs li.confirmed[data-channel="team:dev"]', WAIT);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('after POST /v1/disconnect the page shows its session ended (4401) and logs in again without a reload', async () => {
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('pageerror', (err) => consoleErrors.push(String(err)));
  await page.goto(`http://127.0.0.1:${port}/dev/login`);
  await page.waitForURL(`http://127.0.0.1:${port}/`, WAIT);
  await page.fill('#channel-input', 'team:dev');
  await page.click('#subscribe-btn');
  await page.waitForSelector('#subs li.confirmed[data-channel="team:dev"]', WAIT);
  // A marker that a reload would lose.
  await page.evaluate(() => { window.__sameDocument = true; });

  // The dev key holds the admin scope.
  const res = await fetch(`http://127.0.0.1:${port}/v1/disconnect`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ user: 'dev' }),
  });
  const doc = await res.json();
  assert.equal(res.status, 200, JSON.stringify(doc));
  assert.ok(doc.matched >= 1, JSON.stringify(doc));

  await page.waitForSelector('#state.state-disconnected', WAIT);
  await page.waitForSelector('#session-ended:not([hidden])', WAIT);
  assert.match(await page.innerText('#session-ended'), /session ended \(4401 credential revoked\)/);
  await page.screenshot({ path: path.join(artifacts, 'dev-page-session-ended.png'), fullPage: true });

  const renewed = page.waitForRequest((r) => new URL(r.url()).pathname === '/dev/login', WAIT);
  await page.click('#relogin');
  await renewed;
  await page.waitForSelector('#state.state-connected', WAIT);
  await page.waitForSelector('#subs li.confirmed[data-channel="team:dev"]', WAIT);
  assert.equal(await page.isHidden('#session-ended'), true);
  assert.equal(await page.evaluate(() => window.__sameDocument), true, 'renewed without a reload');

  // And the renewed connection delivers.
  const id = await publish({ port, apiKey, channel: 'team:dev', type: 'log_entry', payload: { after: 'renewal' } });
  await page.waitForSelector(`#events tr[data-event-id="${id}"]`, WAIT);
  assert.deepEqual(consoleErrors, []);
  await page.close();
});

test('Chromium negotiates permessage-deflate and reads what a client offering nothing reads', async () => {
  // A plain client (ws with perMessageDeflate off) on the same channel, from the client's folder.
  const { default: WebSocket } = await import(new URL('../client/node_modules/ws/wrapper.mjs', import.meta.url));
  const plain = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, ['kata-rt.v1'], {
    headers: { Authorization: `Bearer ${apiKey}` },
    perMessageDeflate: false,
  });
  const plainMessages = [];
  const plainSubscribed = new Promise((resolve, reject) => {
    plain.on('error', reject);
    plain.on('message', (data) => {
      const text = data.toString('utf8');
      plainMessages.push(text);
      if (JSON.parse(text).type === 'subscribed') resolve();
    });
    plain.on('open', () => plain.send(JSON.stringify({ type: 'subscribe', channel: 'team:dev', requestId: 'p' })));
  });

  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${port}/`);
  // The page's own socket (cookie session); its subscribe is long enough to go compressed.
  const extensions = await page.evaluate(async (url) => {
    const ws = new WebSocket(url, ['kata-rt.v1']);
    const state = { ws, messages: [] };
    window.__deflate = state;
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = () => reject(new Error('the socket failed'));
    });
    ws.onmessage = (e) => state.messages.push(e.data);
    ws.send(JSON.stringify({ type: 'subscribe', channel: 'team:dev', requestId: 'r'.repeat(120) }));
    return ws.extensions;
  }, `ws://127.0.0.1:${port}/v1/ws`);
  assert.match(extensions, /permessage-deflate/);
  assert.match(extensions, /server_no_context_takeover/);
  await page.waitForFunction(() => window.__deflate.messages.some((m) => JSON.parse(m).type === 'subscribed'), null, WAIT);
  await plainSubscribed;

  const line = Array.from({ length: 30 }, (_, i) => `2026-12-07T20:41:${String(i).padStart(2, '0')}Z INFO [agent-7f3a] Compiling tokio v1.${i}`).join('\n');
  const id = await publish({ port, apiKey, channel: 'team:dev', type: 'log_entry', payload: { line } });
  const inPage = await page.waitForFunction(
    (eventId) => window.__deflate.messages.find((m) => JSON.parse(m).eventId === eventId),
    id,
    WAIT,
  );
  const pageText = await inPage.jsonValue();
  // Polls with a deadline: the plain client's copy may come before or after the page's.
  const deadline = Date.now() + WAIT.timeout;
  let plainText;
  while (!(plainText = plainMessages.find((m) => JSON.parse(m).eventId === id)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(pageText, plainText, 'byte-identical to the plain client');
  assert.equal(JSON.parse(pageText).payload.line, line);
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  assert.match(metrics, /^kata_rt_event_compressions_total [1-9]/m);
  plain.terminate();
  await page.close();
});

test('a page from an origin that is not allowed cannot connect: 403 before the upgrade', async () => {
  // Another loopback origin, in the same browser: the kata_session cookie is sent along, so the
  // server's Origin check is what refuses it.
  const otherPort = await freePort();
  const target = `ws://127.0.0.1:${port}/v1/ws`;
  foreign = http.createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end(`<!doctype html><title>foreign</title><pre id="out"></pre><script>
      const out = document.getElementById('out');
      const ws = new WebSocket(${JSON.stringify(target)}, ['kata-rt.v1']);
      ws.onopen = () => { out.textContent += 'open;'; };
      ws.onclose = (e) => { out.textContent += 'close ' + e.code + ';'; };
    </script>`);
  });
  await new Promise((resolve) => foreign.listen(otherPort, '127.0.0.1', resolve));

  const cookies = await browser.cookies(`http://127.0.0.1:${port}`);
  assert.ok(cookies.some((c) => c.name === 'kata_session'), 'the browser holds the session cookie');

  const page = await browser.newPage();
  const consoleLines = [];
  const saw403 = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no 403 in the console: ${JSON.stringify(consoleLines)}`)),
      WAIT.timeout,
    );
    page.on('console', (msg) => {
      consoleLines.push(msg.text());
      if (/Unexpected response code: 403/.test(msg.text())) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  await page.goto(`http://127.0.0.1:${otherPort}/`);
  await saw403; // Chromium's own report of the refused upgrade
  await page.waitForFunction(() => document.getElementById('out').textContent.includes('close'), null, WAIT);
  assert.equal(await page.innerText('#out'), 'close 1006;', 'never opened');
  await page.close();
});
