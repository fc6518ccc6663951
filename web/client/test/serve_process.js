// Test harness: runs the real built `kata-rt serve` (path in $KATA_RT_BINARY, set by ctest) on a
// loopback port, waits on its output (never on a sleep), and kills everything it started.
import { spawn, execFile } from 'node:child_process';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const started = new Set();
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

export function binary() {
  const path = process.env.KATA_RT_BINARY;
  if (!path) throw new Error('KATA_RT_BINARY is not set: run through ctest (label web), or export it');
  return path;
}

export function randomKey() {
  return `dev_test_${randomBytes(16).toString('hex')}`;
}

/** A loopback port that was free a moment ago (the server is then started on it, and restarted). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Starts `kata-rt serve --listen 127.0.0.1:PORT [args]` with KATA_RT_API_KEY = apiKey (dev mode
 * without --config). Resolves once it prints its listening line.
 */
export function startServe({ port, apiKey, args = [], timeoutMs = 15000 }) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env };
    if (apiKey) env.KATA_RT_API_KEY = apiKey;
    else delete env.KATA_RT_API_KEY;
    const child = spawn(binary(), ['serve', '--listen', `127.0.0.1:${port}`, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    started.add(child);
    let output = '';
    const timer = setTimeout(() => {
      stop(child);
      reject(new Error(`kata-rt serve did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      output += chunk;
      const m = /listening on ws:\/\/127\.0\.0\.1:(\d+)\/v1\/ws/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), output: () => output });
      }
    });
    child.once('exit', (code, signal) => {
      started.delete(child);
      clearTimeout(timer);
      reject(new Error(`kata-rt serve exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
}

/** SIGKILL (no graceful close: the clients see the TCP connection die) and wait for the exit. */
export function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      started.delete(child);
      resolve();
      return;
    }
    child.once('exit', () => {
      started.delete(child);
      resolve();
    });
    child.kill('SIGKILL');
  });
}

/** `kata-rt publish` against the server; resolves with the eventId it prints. */
export function publish({ port, apiKey, channel, type, payload }) {
  return new Promise((resolve, reject) => {
    execFile(
      binary(),
      ['publish', '--url', `http://127.0.0.1:${port}`, '--channel', channel, '--type', type,
        '--payload', typeof payload === 'string' ? payload : JSON.stringify(payload)],
      { env: { ...process.env, KATA_RT_API_KEY: apiKey }, timeout: 15000 },
      (err, stdout, stderr) => {
        if (err) reject(new Error(`kata-rt publish failed: ${err.message}\n${stderr}`));
        else resolve(stdout.trim());
      },
    );
  });
}

/** Resolves with the arguments of the next `event` of `client` that satisfies `pred`. */
export function nextEvent(client, event, pred = () => true, timeoutMs = 15000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no '${event}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const off = client.on(event, (...args) => {
      if (!pred(...args)) return;
      clearTimeout(timer);
      off();
      resolve(args);
    });
  });
}

/**
 * A TCP relay on a free loopback port in front of `targetPort`: cut() drops every relayed
 * connection (a network loss the server does not see as a restart); block(true) refuses new ones.
 */
export async function startRelay(targetPort) {
  const pairs = new Set();
  let blocked = false;
  const server = net.createServer((inbound) => {
    if (blocked) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(targetPort, '127.0.0.1');
    const pair = [inbound, outbound];
    pairs.add(pair);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
      pairs.delete(pair);
    };
    inbound.on('error', end).on('close', end);
    outbound.on('error', end).on('close', end);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    cut() {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      pairs.clear();
    },
    block(value) {
      blocked = value;
    },
    close() {
      this.cut();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}
