// Unit tests of the client's logic (docs/protocol.md "Reconnecting client behaviour"), with an injected
// clock, random source and WebSocket: no sockets, no sleeps.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';

import {
  RealtimeClient,
  Backoff,
  backoffDelay,
  isTerminalCloseCode,
  isValidChannel,
  DEFAULTS,
  VERSION,
} from '../index.js';
import { FakeTimers, makeFakeWebSocket, sequence, FakeEnvironment, event, control } from './fakes.js';

const URL = 'ws://127.0.0.1:1/v1/ws';

/** A client on fakes, with every emitted event recorded in `log`. */
async function setup(options = {}) {
  const timers = new FakeTimers();
  const { FakeWebSocket, sockets } = makeFakeWebSocket();
  const client = new RealtimeClient(URL, {
    WebSocket: FakeWebSocket,
    timers,
    random: options.random ?? (() => 0.5),
    environment: options.environment ?? null,
    ...options.client,
  });
  const log = [];
  for (const name of ['connecting', 'connected', 'reconnecting', 'disconnected', 'error', 'resync']) {
    client.on(name, (...args) => log.push([name, ...args]));
  }
  await Promise.resolve(); // the constructor connects in a microtask
  const last = () => sockets[sockets.length - 1];
  const named = (name) => log.filter((e) => e[0] === name);
  return { client, timers, sockets, last, log, named };
}

describe('backoff', () => {
  const policy = { minDelayMs: 500, maxDelayMs: 30000 };

  test('full-jitter table: min(max, min + U * min(max, min * 2^n))', () => {
    const table = [
      // attempt, delay for U = 0, 0.5, 0.999
      [0, 500, 750, 999],
      [1, 500, 1000, 1499],
      [2, 500, 1500, 2498],
      [3, 500, 2500, 4496],
      [4, 500, 4500, 8492],
      [5, 500, 8500, 16484],
      [6, 500, 15500, 30000],
      [7, 500, 15500, 30000],
      [40, 500, 15500, 30000],
    ];
    for (const [n, d0, dHalf, dMax] of table) {
      assert.equal(backoffDelay(policy, n, 0), d0, `attempt ${n}, U=0`);
      assert.equal(backoffDelay(policy, n, 0.5), dHalf, `attempt ${n}, U=0.5`);
      assert.equal(backoffDelay(policy, n, 0.999), dMax, `attempt ${n}, U=0.999`);
    }
  });

  test('out-of-range draws are clamped, never below min or above max', () => {
    assert.equal(backoffDelay(policy, 0, -1), 500);
    assert.equal(backoffDelay(policy, 0, NaN), 500);
    assert.equal(backoffDelay(policy, 0, 1), 999);
    assert.equal(backoffDelay(policy, 10, 7), 30000);
  });

  test('the attempt counter resets only after min_uptime', () => {
    const b = new Backoff({ minDelayMs: 100, maxDelayMs: 10000, minUptimeMs: 5000 }, () => 0);
    b.nextDelay();
    b.nextDelay();
    assert.equal(b.attempt, 2);
    b.connected(0);
    b.disconnected(4999);
    assert.equal(b.attempt, 2, 'a short connection keeps backing off');
    b.connected(10000);
    b.disconnected(15000);
    assert.equal(b.attempt, 0, 'a connection up for min_uptime resets');
  });

  test('the client waits exactly the table delays between attempts (injected clock and random)', async () => {
    const draws = [0.25, 0.5, 0.75, 0.1];
    const { sockets, last, timers, named } = await setup({ random: sequence(...draws) });
    assert.equal(sockets.length, 1, 'first attempt is not delayed');
    for (let n = 0; n < draws.length; n++) {
      last().fail();
      const expected = backoffDelay({ minDelayMs: 500, maxDelayMs: 30000 }, n, draws[n]);
      const info = named('reconnecting')[n][1];
      assert.equal(info.attempt, n);
      assert.equal(info.delayMs, expected);
      assert.equal(info.retryAt, timers.now() + expected);
      timers.advance(expected - 1);
      assert.equal(sockets.length, n + 1, `no attempt before ${expected} ms`);
      timers.advance(1);
      assert.equal(sockets.length, n + 2, `attempt ${n + 1} after exactly ${expected} ms`);
    }
  });

  test('a connection up for min_uptime resets the client to attempt 0', async () => {
    const { last, timers, named } = await setup({ random: () => 0 });
    last().fail();
    timers.advance(500);
    last().fail();
    timers.advance(500);
    assert.equal(named('reconnecting')[1][1].attempt, 1);
    last().open();
    timers.advance(4999);
    last().serverClose(1001, 'shutting down');
    assert.equal(named('reconnecting')[2][1].attempt, 2, 'up 4999 ms: still backing off');
    timers.advance(500);
    last().open();
    timers.advance(5000);
    last().serverClose(1001, 'shutting down');
    assert.equal(named('reconnecting')[3][1].attempt, 0, 'up 5000 ms: reset');
  });
});

describe('lifecycle', () => {
  test('connects at once: connecting, then connected once the ping sent on open is answered', async () => {
    const { last, log, client } = await setup();
    assert.deepEqual(log, [['connecting']]);
    assert.deepEqual(last().protocols, ['kata-rt.v1']);
    last().openOnly();
    assert.deepEqual(last().sent, [{ type: 'ping' }], 'a ping goes out on open');
    assert.deepEqual(log, [['connecting']], 'open alone is not connected');
    assert.equal(client.state, 'connecting');
    last().receive(control('pong'));
    assert.deepEqual(log, [['connecting'], ['connected']]);
  });

  test('a key the server refuses is never reported connected: connecting, then disconnected 4401', async () => {
    const { client, last, log } = await setup({ client: { apiKey: 'bad' } });
    client.subscribe('team:dev', () => {});
    last().openOnly();
    last().serverClose(4401, 'unauthorized');
    assert.deepEqual(log, [['connecting'], ['disconnected', { code: 4401, reason: 'unauthorized' }]]);
  });

  test('subscriptions go out behind the ping, before the pong', async () => {
    const { client, last } = await setup();
    client.subscribe('spec:7', () => {});
    last().openOnly();
    assert.deepEqual(last().sent.map((c) => c.type), ['ping', 'subscribe']);
    client.subscribe('spec:8', () => {}); // between open and pong: sent at once too
    assert.deepEqual(last().commands('subscribe').map((c) => c.channel), ['spec:7', 'spec:8']);
  });

  test('a refused connection reaches reconnecting with the system reason', async () => {
    const { last, named } = await setup();
    last().onerror?.({ message: 'connect ECONNREFUSED 127.0.0.1:1', error: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) });
    last().onclose?.({ code: 1006, reason: '' });
    assert.equal(named('reconnecting')[0][1].reason, 'connect failed: ECONNREFUSED');
    assert.equal(named('reconnecting')[0][1].code, 1006);
  });

  test('a browser-like failure without detail still says the connection failed', async () => {
    const { last, named } = await setup();
    last().onerror?.({});
    last().onclose?.({ code: 1006, reason: '' });
    assert.equal(named('reconnecting')[0][1].reason, 'connect failed');
  });

  test('apiKey goes out as Authorization: Bearer (ws, React Native), with the User-Agent', async () => {
    const { last } = await setup({ client: { apiKey: 'k1' } });
    assert.deepEqual(last().options, {
      headers: { 'User-Agent': `kata-rt-js/${VERSION}`, Authorization: 'Bearer k1' },
    });
  });

  test('apiKey is refused with a clear error in a browser', () => {
    const { FakeWebSocket } = makeFakeWebSocket();
    const saved = { window: globalThis.window, document: globalThis.document, WebSocket: globalThis.WebSocket };
    globalThis.window = globalThis;
    globalThis.document = {};
    globalThis.WebSocket = FakeWebSocket;
    try {
      assert.throws(() => new RealtimeClient(URL, { apiKey: 'k1' }), /apiKey cannot be used in a browser.*session cookie/s);
      const ok = new RealtimeClient(URL); // the cookie path is fine
      ok.close();
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete globalThis[k];
        else globalThis[k] = v;
      }
    }
  });

  test('no WebSocket implementation: a clear error naming the option', () => {
    const saved = globalThis.WebSocket;
    delete globalThis.WebSocket;
    try {
      assert.throws(() => new RealtimeClient(URL), /options\.WebSocket/);
    } finally {
      if (saved !== undefined) globalThis.WebSocket = saved;
    }
  });

  test('close() sends 1000, ends in disconnected and never reconnects', async () => {
    const { client, last, timers, sockets, named } = await setup();
    last().open();
    client.close();
    assert.deepEqual(last().closedWith, { code: 1000, reason: 'client closed' });
    assert.deepEqual(named('disconnected'), [['disconnected', { code: 1000, reason: 'closed by client' }]]);
    assert.equal(client.state, 'disconnected');
    timers.advance(600000);
    assert.equal(sockets.length, 1);
    assert.equal(timers.nextIn(), null, 'no timer left behind');
  });

  for (const code of [1000, 1002, 1007, 1009, 4401, 4403]) {
    test(`close code ${code} is terminal: disconnected with the reason, no retry`, async () => {
      const { last, timers, sockets, named, client } = await setup();
      last().open();
      last().serverClose(code, 'why');
      assert.deepEqual(named('disconnected'), [['disconnected', { code, reason: 'why' }]]);
      assert.equal(named('reconnecting').length, 0);
      assert.equal(client.state, 'disconnected');
      timers.advance(600000);
      assert.equal(sockets.length, 1);
    });
  }

  for (const code of [1001, 1006, 1011, 4008, 4408, 4429, 4503, 4999]) {
    test(`close code ${code} is retried`, async () => {
      const { last, named, client } = await setup();
      last().open();
      last().serverClose(code, 'why');
      assert.equal(named('disconnected').length, 0);
      assert.deepEqual(named('reconnecting')[0][1], {
        attempt: 0,
        delayMs: 750,
        retryAt: named('reconnecting')[0][1].retryAt,
        code,
        reason: 'why',
        offline: false,
      });
      assert.equal(client.state, 'reconnecting');
      assert.equal(isTerminalCloseCode(code), false);
    });
  }

  test('a refused upgrade seen by ws (HTTP 403) ends as 4403 without retry; 429 is retried', async () => {
    const a = await setup();
    a.last().fail('Unexpected server response: 403');
    assert.deepEqual(a.named('disconnected'), [['disconnected', { code: 4403, reason: 'upgrade refused: HTTP 403' }]]);
    const b = await setup();
    b.last().fail('Unexpected server response: 429');
    assert.equal(b.named('reconnecting')[0][1].code, 4429);
  });

  test('a connection attempt that hangs is abandoned after connectTimeoutMs', async () => {
    const { last, timers, sockets, named } = await setup({ client: { connectTimeoutMs: 1000 } });
    timers.advance(999);
    assert.equal(named('reconnecting').length, 0);
    timers.advance(1);
    assert.equal(sockets[0].terminated, true);
    assert.match(named('reconnecting')[0][1].reason, /connect timeout/);
    timers.advance(750);
    assert.equal(sockets.length, 2);
    assert.notEqual(last(), sockets[0]);
  });
});

describe('subscriptions', () => {
  test('subscribe sends the command once connected; the handler gets the parsed envelope', async () => {
    const { client, last } = await setup();
    const got = [];
    client.subscribe('spec:7', (env) => got.push(env));
    last().open();
    assert.deepEqual(last().commands('subscribe'), [{ type: 'subscribe', channel: 'spec:7', requestId: 'r1' }]);
    const ev = event('spec:7', 'evt_a_1', { status: 'running' });
    last().receive(ev);
    assert.deepEqual(got, [ev]);
  });

  test('the handler also gets the frame as it arrived: big numbers and 1.50 kept', async () => {
    const { client, last } = await setup();
    const got = [];
    client.subscribe('spec:7', (env, raw) => got.push([env.payload, raw]));
    last().open();
    const frame = '{"type":"log_entry","channel":"spec:7","timestamp":"2026-11-26T12:00:00.000Z","eventId":"evt_b_1","encoding":"json","payload":{"n":123456789012345678901234567890,"price":1.50}}';
    last().receive(frame);
    assert.equal(got.length, 1);
    assert.equal(got[0][1], frame);
    assert.equal(got[0][0].price, 1.5);
  });

  test('invalid channels are refused at once', async () => {
    const { client } = await setup();
    assert.throws(() => client.subscribe('nope', () => {}), /invalid channel/);
    assert.equal(isValidChannel('team:dev'), true);
    assert.equal(isValidChannel('team:'), false);
  });

  test('after a reconnect every channel is resubscribed with since = its last eventId', async () => {
    const { client, last, timers } = await setup();
    client.subscribe('spec:7', () => {});
    client.subscribe('agent:1', () => {});
    last().open();
    last().receive(event('spec:7', 'evt_a_1'));
    last().receive(event('spec:7', 'evt_a_2'));
    last().serverClose(1001, 'shutting down');
    timers.advance(750);
    last().open();
    const subs = last().commands('subscribe').map(({ channel, since }) => ({ channel, since }));
    assert.deepEqual(subs, [
      { channel: 'spec:7', since: 'evt_a_2' },
      { channel: 'agent:1', since: undefined },
    ]);
  });

  test('replayed events are dropped by eventId: each reaches the handler once', async () => {
    const { client, last, timers } = await setup();
    const got = [];
    client.subscribe('spec:7', (env) => got.push(env.eventId));
    last().open();
    last().receive(event('spec:7', 'e1'));
    last().receive(event('spec:7', 'e2'));
    last().receive(event('spec:7', 'e2')); // duplicate on the same connection
    last().serverClose(1011, 'internal');
    timers.advance(750);
    last().open();
    last().receive(control('subscribed', 'spec:7', { requestId: 'r3', recovered: true }));
    last().receive(event('spec:7', 'e1'));
    last().receive(event('spec:7', 'e2'));
    last().receive(event('spec:7', 'e3'));
    assert.deepEqual(got, ['e1', 'e2', 'e3']);
  });

  test('the dedupe window is bounded per channel', async () => {
    const { client, last } = await setup({ client: { dedupeWindow: 2 } });
    const got = [];
    client.subscribe('spec:7', (env) => got.push(env.eventId));
    last().open();
    for (const id of ['e1', 'e2', 'e3', 'e1']) last().receive(event('spec:7', id));
    assert.deepEqual(got, ['e1', 'e2', 'e3', 'e1'], 'e1 fell out of a window of 2');
  });

  test('recovered: false emits resync with the channel', async () => {
    const { client, last, named } = await setup();
    client.subscribe('spec:7', () => {});
    last().open();
    last().receive(control('subscribed', 'spec:7', { requestId: 'r1', recovered: true }));
    assert.equal(named('resync').length, 0);
    last().receive(control('subscribed', 'spec:7', { requestId: 'r1', recovered: false }));
    assert.deepEqual(named('resync'), [['resync', 'spec:7']]);
  });

  test('unsubscribe stops the handler, sends unsubscribe, and is not resubscribed', async () => {
    const { client, last, timers } = await setup();
    const got = [];
    const sub = client.subscribe('spec:7', (env) => got.push(env.eventId));
    client.subscribe('spec:8', () => {});
    last().open();
    sub.unsubscribe();
    sub.unsubscribe();
    assert.deepEqual(last().commands('unsubscribe').map((c) => c.channel), ['spec:7']);
    last().receive(event('spec:7', 'e1'));
    assert.deepEqual(got, []);
    last().serverClose(1001);
    timers.advance(750);
    last().open();
    assert.deepEqual(last().commands('subscribe').map((c) => c.channel), ['spec:8']);
  });

  test('two handlers on one channel: one subscribe; the channel stays until both unsubscribe', async () => {
    const { client, last } = await setup();
    const a = [];
    const b = [];
    const ha = client.subscribe('team:dev', (e) => a.push(e.eventId));
    const hb = client.subscribe('team:dev', (e) => b.push(e.eventId));
    last().open();
    assert.equal(last().commands('subscribe').length, 1);
    last().receive(event('team:dev', 'e1'));
    ha.unsubscribe();
    assert.equal(last().commands('unsubscribe').length, 0);
    last().receive(event('team:dev', 'e2'));
    hb.unsubscribe();
    assert.equal(last().commands('unsubscribe').length, 1);
    assert.deepEqual([a, b], [['e1'], ['e1', 'e2']]);
  });

  test('a revoked subscription (issue #14) is dropped and reported as an error naming the channel', async () => {
    const { client, last, timers, named } = await setup();
    const got = [];
    client.subscribe('spec:7', (env) => got.push(env.eventId));
    client.subscribe('spec:8', () => {});
    last().open();
    last().receive(control('unsubscribed', 'spec:7', { reason: 'revoked' }));
    const [[, err]] = named('error');
    assert.equal(err.kind, 'revoked');
    assert.equal(err.code, 'revoked');
    assert.equal(err.channel, 'spec:7');
    assert.match(err.message, /spec:7/);
    assert.deepEqual(client.channels(), ['spec:8']);
    last().receive(event('spec:7', 'late'));
    assert.deepEqual(got, [], 'no event after the revocation');
    last().serverClose(1001);
    timers.advance(750);
    last().open();
    assert.deepEqual(last().commands('subscribe').map((c) => c.channel), ['spec:8']);
  });

  test('the answer to our own unsubscribe is not an error', async () => {
    const { client, last, named } = await setup();
    client.subscribe('spec:7', () => {});
    last().open();
    last().receive(control('unsubscribed', 'spec:7', { requestId: 'r2' }));
    assert.equal(named('error').length, 0);
    assert.deepEqual(client.channels(), ['spec:7']);
  });

  test('server errors, malformed and binary frames are error events, never a crash', async () => {
    const { client, last, named } = await setup();
    client.subscribe('spec:7', () => {});
    last().open();
    last().receive(control('error', 'spec:7', { code: 'forbidden', message: 'no', requestId: 'r1' }));
    last().receive('{not json');
    last().receive('[1,2]');
    last().receiveBinary();
    last().receive({ type: 'something_new', channel: 'spec:7' }); // no eventId: skipped
    const kinds = named('error').map((e) => [e[1].kind, e[1].code ?? null, e[1].channel ?? null]);
    assert.deepEqual(kinds, [
      ['server_error', 'forbidden', 'spec:7'],
      ['malformed_frame', null, null],
      ['malformed_frame', null, null],
      ['unsupported_frame', null, null],
      ['malformed_frame', null, null],
    ]);
    assert.equal(client.state, 'connected');
  });

  test('a listener or handler that throws is reported and does not break the client', async () => {
    const reported = [];
    const { client, last } = await setup({ client: { reportError: (e) => reported.push(e.message) } });
    const got = [];
    client.on('connected', () => {
      throw new Error('listener bug');
    });
    client.subscribe('spec:7', () => {
      throw new Error('handler bug');
    });
    client.subscribe('spec:7', (env) => got.push(env.eventId));
    last().open();
    last().receive(event('spec:7', 'e1'));
    assert.deepEqual(got, ['e1']);
    assert.deepEqual(reported, ['listener bug', 'handler bug']);
    assert.equal(last().commands('subscribe').length, 1, 'resubscribed despite the listener');
  });
});

describe('liveness (application ping)', () => {
  const half = DEFAULTS.serverTimeoutMs / 2;

  test('ping after half of server_timeout of silence; dead after a whole one', async () => {
    const { last, timers, named, sockets } = await setup();
    last().open(); // the ping on open is answered
    timers.advance(half - 1);
    assert.equal(last().commands('ping').length, 1);
    timers.advance(1);
    assert.equal(last().commands('ping').length, 2);
    timers.advance(half - 1);
    assert.equal(named('reconnecting').length, 0);
    timers.advance(1);
    const [[, info]] = named('reconnecting');
    assert.equal(info.code, 1006);
    assert.match(info.reason, /server timeout: no frame for 45000 ms/);
    assert.equal(sockets[0].terminated, true, 'the dead socket is cut, not waited for');
    timers.advance(info.delayMs);
    assert.equal(sockets.length, 2);
  });

  test('a pong (or any frame) keeps the connection alive', async () => {
    const { last, timers, named } = await setup();
    last().open();
    for (let i = 0; i < 5; i++) {
      timers.advance(half);
      const ping = last().commands('ping').at(-1);
      assert.ok(ping, `ping ${i} sent`);
      timers.advance(1000);
      last().receive(control('pong', null, { requestId: ping.requestId }));
    }
    timers.advance(half - 1);
    assert.equal(named('reconnecting').length, 0);
  });

  test('a short server_timeout option is honoured', async () => {
    const { last, timers, named } = await setup({ client: { serverTimeoutMs: 1000 } });
    last().open();
    timers.advance(500);
    assert.equal(last().commands('ping').length, 2, 'the one on open and the liveness one');
    timers.advance(500);
    assert.equal(named('reconnecting').length, 1);
  });
});

describe('network and visibility', () => {
  test('offline: no retries until online, then one attempt at once', async () => {
    const environment = new FakeEnvironment();
    const { last, timers, sockets, named } = await setup({ environment });
    last().open();
    environment.goOffline();
    last().serverClose(1006);
    const [[, info]] = named('reconnecting');
    assert.equal(info.offline, true);
    assert.equal(info.delayMs, null);
    timers.advance(600000);
    assert.equal(sockets.length, 1, 'no retry storm while offline');
    environment.goOnline();
    assert.equal(sockets.length, 2);
  });

  test('going offline during a backoff wait parks the retry', async () => {
    const environment = new FakeEnvironment();
    const { last, timers, sockets } = await setup({ environment });
    last().fail();
    environment.goOffline();
    timers.advance(600000);
    assert.equal(sockets.length, 1);
    environment.goOnline();
    assert.equal(sockets.length, 2);
  });

  test('a tab that becomes visible retries at once instead of finishing a long wait', async () => {
    const environment = new FakeEnvironment();
    const { last, sockets } = await setup({ environment, random: () => 0.99 });
    for (let i = 0; i < 6; i++) {
      environment.setVisibility('hidden');
      last().fail();
      environment.setVisibility('visible');
    }
    assert.equal(sockets.length, 7, 'one attempt per return to the tab');
    environment.setVisibility('visible');
    assert.equal(sockets.length, 7, 'no attempt while one is in flight');
  });

  test('back to a visible tab while connected: a ping probes the connection', async () => {
    const environment = new FakeEnvironment();
    const { last, timers, named } = await setup({ environment });
    last().open();
    timers.advance(1000);
    environment.setVisibility('hidden');
    environment.setVisibility('visible');
    assert.equal(last().commands('ping').length, 2, 'the one on open and the probe');
    timers.advance(DEFAULTS.serverTimeoutMs / 2);
    assert.equal(named('reconnecting').length, 1, 'no answer: dead');
  });

  test('close() removes the online/visibility listeners', async () => {
    const environment = new FakeEnvironment();
    const { client, sockets } = await setup({ environment });
    client.close();
    environment.goOnline();
    environment.setVisibility('visible');
    assert.equal(sockets.length, 1);
  });
});
