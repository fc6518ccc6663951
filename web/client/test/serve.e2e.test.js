// The client from Node (with ws) against the real built `kata-rt serve` in dev mode.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import { RealtimeClient } from '../index.js';
import { freePort, startServe, stop, publish, nextEvent, randomKey, startRelay } from './serve_process.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const ENVELOPE_KEYS = ['channel', 'encoding', 'eventId', 'payload', 'timestamp', 'type'];
const fast = { minDelayMs: 20, maxDelayMs: 200, minUptimeMs: 5000 };

/** Collects what a subscription delivers and wakes waiters on each event. */
function collector(client, channel) {
  const events = [];
  let wake = () => {};
  client.subscribe(channel, (env) => {
    events.push(env);
    wake();
  });
  return {
    events,
    ids: () => events.map((e) => e.eventId),
    waitFor(eventId, timeoutMs = 15000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`event ${eventId} not delivered; got ${this.ids()}`)), timeoutMs);
        wake = () => {
          const found = events.find((e) => e.eventId === eventId);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          }
        };
        wake();
      });
    },
  };
}

describe('RealtimeClient (Node, ws) against kata-rt serve', () => {
  const apiKey = randomKey();
  let port;
  let server;
  const clients = [];
  const newClient = (url, options) => {
    const c = new RealtimeClient(url, { WebSocket, ...options });
    clients.push(c);
    return c;
  };

  before(async () => {
    port = await freePort();
    server = await startServe({ port, apiKey });
  });
  after(async () => {
    for (const c of clients) c.close();
    if (server) await stop(server.child);
  });

  test('subscribes and receives the exact envelope of a published event', async () => {
    const client = newClient(`ws://127.0.0.1:${port}/v1/ws`, { apiKey, ...fast });
    const sub = collector(client, 'agent:123');
    await nextEvent(client, 'subscribed', (ch) => ch === 'agent:123');
    const payload = { status: 'running', nested: { n: 1, list: [true, null, 'x'] } };
    const eventId = await publish({ port, apiKey, channel: 'agent:123', type: 'agent_status_changed', payload });
    assert.match(eventId, /^evt_/);
    const env = await sub.waitFor(eventId);
    assert.deepEqual(Object.keys(env).sort(), ENVELOPE_KEYS);
    assert.equal(env.type, 'agent_status_changed');
    assert.equal(env.channel, 'agent:123');
    assert.equal(env.eventId, eventId);
    assert.equal(env.encoding, 'json');
    assert.deepEqual(env.payload, payload);
    assert.match(env.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.ok(Math.abs(Date.parse(env.timestamp) - Date.now()) < 60000);
    client.close();
  });

  test('a network cut: reconnects, resumes with since (recovered: true), nothing lost or twice', async () => {
    const relay = await startRelay(port);
    try {
      const client = newClient(`ws://127.0.0.1:${relay.port}/v1/ws`, { apiKey, ...fast });
      const sub = collector(client, 'spec:resume');
      const recovered = [];
      client.on('subscribed', (ch, r) => recovered.push(r));
      let resyncs = 0;
      client.on('resync', () => resyncs++);
      await nextEvent(client, 'subscribed');
      const send = (n) => publish({ port, apiKey, channel: 'spec:resume', type: 'log_entry', payload: { n } });
      const e1 = await send(1);
      const e2 = await send(2);
      await sub.waitFor(e2);

      relay.block(true);
      const lost = nextEvent(client, 'reconnecting');
      relay.cut();
      await lost;
      const e3 = await send(3); // published while the client is away
      const e4 = await send(4);
      const back = nextEvent(client, 'subscribed', (ch, r) => r !== undefined);
      relay.block(false);
      const [, wasRecovered] = await back;
      assert.equal(wasRecovered, true, 'the resubscribe carried since and the history served it');
      const e5 = await send(5);
      await sub.waitFor(e5);
      assert.deepEqual(sub.ids(), [e1, e2, e3, e4, e5]);
      assert.deepEqual(sub.events.map((e) => e.payload.n), [1, 2, 3, 4, 5]);
      assert.equal(resyncs, 0);
      assert.deepEqual(recovered, [undefined, true]);
      client.close();
    } finally {
      await relay.close();
    }
  });

  test('kill -9 and restart with KATA_RT_API_KEY kept: reconnects, resyncs, nothing twice', async () => {
    const client = newClient(`ws://127.0.0.1:${port}/v1/ws`, { apiKey, ...fast });
    const sub = collector(client, 'team:dev');
    const states = [];
    for (const s of ['connected', 'reconnecting', 'disconnected']) client.on(s, () => states.push(s));
    await nextEvent(client, 'subscribed');
    const e1 = await publish({ port, apiKey, channel: 'team:dev', type: 'task_completed', payload: { n: 1 } });
    await sub.waitFor(e1);

    const lost = nextEvent(client, 'reconnecting');
    await stop(server.child);
    server = null;
    const [info] = await lost;
    assert.equal(info.code, 1006);

    const resync = nextEvent(client, 'resync');
    server = await startServe({ port, apiKey });
    const [channel] = await resync; // a restarted server has no history: recovered false
    assert.equal(channel, 'team:dev');
    const e2 = await publish({ port, apiKey, channel: 'team:dev', type: 'task_completed', payload: { n: 2 } });
    await sub.waitFor(e2);
    assert.deepEqual(sub.ids(), [e1, e2]);
    assert.equal(new Set(sub.ids()).size, sub.ids().length, 'nothing delivered twice');
    assert.equal(states[0], 'connected');
    assert.ok(states.includes('reconnecting'));
    assert.equal(states.at(-1), 'connected');
    assert.ok(!states.includes('disconnected'));
    client.close();
  });

  test('a wrong API key ends in disconnected 4401 without retrying, never connected', async () => {
    const client = newClient(`ws://127.0.0.1:${port}/v1/ws`, { apiKey: 'not-the-key', ...fast });
    let retries = 0;
    let connected = 0;
    client.on('reconnecting', () => retries++);
    client.on('connected', () => connected++);
    const [info] = await nextEvent(client, 'disconnected');
    assert.deepEqual(info, { code: 4401, reason: 'unauthorized' });
    assert.equal(retries, 0);
    assert.equal(connected, 0, 'a refused key is never reported connected');
    assert.equal(client.state, 'disconnected');
  });

  test('nothing listening: reconnecting says connect failed: ECONNREFUSED', async () => {
    const closedPort = await freePort(); // bound and released: nothing listens there
    const client = newClient(`ws://127.0.0.1:${closedPort}/v1/ws`, { apiKey, ...fast });
    const [info] = await nextEvent(client, 'reconnecting');
    assert.equal(info.code, 1006);
    assert.equal(info.reason, 'connect failed: ECONNREFUSED');
    client.close();
  });

  test('dev mode serves the page, the client module and the cookie login', async () => {
    const base = `http://127.0.0.1:${port}`;
    const module = await fetch(`${base}/realtime-client.js`);
    assert.equal(module.status, 200);
    assert.match(module.headers.get('content-type'), /^text\/javascript/);
    assert.equal(await module.text(), readFileSync(path.join(here, '..', 'index.js'), 'utf8'));

    const anonymous = await fetch(`${base}/`);
    assert.equal(anonymous.status, 200);
    assert.match(await anonymous.text(), /href="\/dev\/login"/, 'no session: the login is offered');

    const login = await fetch(`${base}/dev/login`, { redirect: 'manual' });
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/');
    const cookie = login.headers.get('set-cookie');
    const token = createHash('sha256').update(`kata-rt dev session v1\n${apiKey}`).digest('hex');
    assert.match(cookie, new RegExp(`^kata_session=${token};`));
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);

    const page = await fetch(`${base}/`, { headers: { cookie: `kata_session=${token}` } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-security-policy'), /connect-src 'self'/);
    assert.match(await page.text(), /<script type="module" src="\/dev\/app.js">/);
  });

  test('the page cookie connects from the dev origins only (403 before the upgrade otherwise)', async () => {
    const token = createHash('sha256').update(`kata-rt dev session v1\n${apiKey}`).digest('hex');
    const tryOrigin = (origin) =>
      new Promise((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, {
          headers: { Cookie: `kata_session=${token}`, Origin: origin },
        });
        ws.on('open', () => {
          ws.close();
          resolve('open');
        });
        ws.on('unexpected-response', (_req, res) => {
          resolve(res.statusCode);
          ws.terminate();
        });
        ws.on('error', () => {});
      });
    assert.equal(await tryOrigin(`http://127.0.0.1:${port}`), 'open');
    assert.equal(await tryOrigin(`http://localhost:${port}`), 'open');
    assert.equal(await tryOrigin('http://127.0.0.1:1'), 403);
    assert.equal(await tryOrigin('http://evil.example'), 403);
  });
});

describe('outside dev mode', () => {
  test('GET / and GET /dev/login do not exist (404)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kata-rt-web-'));
    const config = path.join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ directory: { api_keys: [] } }));
    const port = await freePort();
    const server = await startServe({ port, args: ['--config', config] });
    try {
      for (const p of ['/', '/dev/login', '/realtime-client.js', '/dev/app.js']) {
        const res = await fetch(`http://127.0.0.1:${port}${p}`, { redirect: 'manual' });
        assert.equal(res.status, 404, p);
        assert.equal((await res.json()).error.code, 'not_found');
      }
    } finally {
      await stop(server.child);
    }
  });
});
