// permessage-deflate between Node's `ws` (which offers it by default) and the real built
// `kata-rt serve`: the extension is negotiated, a large log event arrives compressed and
// byte-identical to what a client that offered nothing receives on the same channel, and the
// RealtimeClient reads compressed events without any option of its own.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { RealtimeClient } from '../index.js';
import { freePort, startServe, stop, publish, nextEvent, randomKey } from './serve_process.js';

const logLine = (n) =>
  Array.from({ length: n }, (_, i) =>
    `2026-12-07T20:41:${String(i % 60).padStart(2, '0')}.123Z INFO [agent-7f3a] Compiling serde v1.0.${i} (/workspace/agent-7f3a)`,
  ).join('\n');

/** Opens a raw `ws` socket, subscribes to `channel` and collects its text frames. */
function rawSubscriber(port, apiKey, channel, options) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/v1/ws`, ['kata-rt.v1'], {
      headers: { Authorization: `Bearer ${apiKey}` },
      ...options,
    });
    const messages = [];
    const waiters = [];
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const text = data.toString('utf8');
      messages.push(text);
      for (const w of waiters.splice(0)) w();
      if (JSON.parse(text).type === 'subscribed') resolve(sub);
    });
    ws.once('error', reject);
    ws.once('open', () => {
      ws.send(JSON.stringify({ type: 'subscribe', channel, requestId: 's' }));
    });
    const sub = {
      ws,
      messages,
      next(type, timeoutMs = 15000) {
        return new Promise((res, rej) => {
          const timer = setTimeout(() => rej(new Error(`no ${type} within ${timeoutMs} ms`)), timeoutMs);
          const look = () => {
            const i = messages.findIndex((m) => JSON.parse(m).type === type);
            if (i >= 0) {
              clearTimeout(timer);
              res(messages.splice(i, 1)[0]);
            } else {
              waiters.push(look);
            }
          };
          look();
        });
      },
    };
  });
}

describe('permessage-deflate with Node ws', () => {
  const apiKey = randomKey();
  let port;
  let server;
  const sockets = [];

  before(async () => {
    port = await freePort();
    server = await startServe({ port, apiKey });
  });
  after(async () => {
    for (const ws of sockets) ws.terminate();
    if (server) await stop(server.child);
  });

  test('negotiated by default; events byte-identical to a plain subscriber on the same channel', async () => {
    // threshold 0: ws compresses every message it sends, the subscribe included.
    const deflated = await rawSubscriber(port, apiKey, 'team:dev', { perMessageDeflate: { threshold: 0 } });
    const plain = await rawSubscriber(port, apiKey, 'team:dev', { perMessageDeflate: false });
    sockets.push(deflated.ws, plain.ws);
    assert.match(deflated.ws.extensions, /permessage-deflate/);
    assert.match(deflated.ws.extensions, /server_no_context_takeover/);
    assert.equal(plain.ws.extensions, '');

    // Large enough to be compressed (min_bytes 256), then a small one that goes plain.
    await publish({ port, apiKey, channel: 'team:dev', type: 'log_entry', payload: { line: logLine(20) } });
    const big = await deflated.next('log_entry');
    assert.equal(big, await plain.next('log_entry'));
    assert.equal(JSON.parse(big).payload.line, logLine(20));
    await publish({ port, apiKey, channel: 'team:dev', type: 'log_entry', payload: { n: 1 } });
    assert.equal(await deflated.next('log_entry'), await plain.next('log_entry'));

    // A compressed command (requestId: at most 128 bytes).
    deflated.ws.send(JSON.stringify({ type: 'ping', requestId: 'p'.repeat(120) }), { compress: true });
    assert.equal(JSON.parse(await deflated.next('pong')).payload.requestId, 'p'.repeat(120));

    // The server counted one compression for the two events (the small one went plain).
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    assert.match(metrics, /^kata_rt_event_compressions_total 1$/m);
  });

  test('the RealtimeClient reads compressed events with no option of its own', async () => {
    const client = new RealtimeClient(`ws://127.0.0.1:${port}/v1/ws`, { WebSocket, apiKey });
    try {
      const subscribed = nextEvent(client, 'subscribed');
      const got = new Promise((resolve) => {
        client.subscribe('team:dev', (env) => {
          if (env.type === 'log_entry') resolve(env);
        });
      });
      await subscribed;
      const id = await publish({ port, apiKey, channel: 'team:dev', type: 'log_entry', payload: { line: logLine(30) } });
      const env = await got;
      assert.equal(env.eventId, id);
      assert.equal(env.payload.line, logLine(30));
    } finally {
      client.close();
    }
  });
});
