// @kata/realtime-client: the browser / Node / React Native client of kata-rt.
//
// It mirrors the C++ reconnecting client (core/client) and implements the "Reconnecting client
// behaviour" of the protocol (docs/protocol.md): full-jitter backoff reset after min_uptime,
// resubscribe with `since` = the last eventId per channel, de-duplication by eventId, terminal
// close codes, and a dead-connection timeout driven by the application `ping` (browsers cannot
// see WebSocket pings).
//
// Plain ES module, zero runtime dependencies, no build step. Apache-2.0.

/** The package's version: the same as kata-rt's (a test checks they agree). */
export const VERSION = '0.1.0';

/** Defaults of the protocol, in milliseconds. */
export const DEFAULTS = Object.freeze({
  minDelayMs: 500,
  maxDelayMs: 30000,
  minUptimeMs: 5000,
  // 2 x the server's default 20 s heartbeat + 5 s.
  serverTimeoutMs: 45000,
  // Bound on one connection attempt (TCP + upgrade).
  connectTimeoutMs: 10000,
  // eventIds remembered per channel to drop replayed duplicates.
  dedupeWindow: 1024,
});

/** Close codes after which retrying cannot help (docs/protocol.md "Close codes", column "no"). */
export const TERMINAL_CLOSE_CODES = Object.freeze([1000, 1002, 1007, 1009, 4401, 4403]);

const CHANNEL_RE = /^(spec|agent|team):[A-Za-z0-9._-]{1,128}$/;
const CONTROL_TYPES = new Set(['subscribed', 'unsubscribed', 'error', 'pong']);
const EVENTS = new Set([
  'connecting',
  'connected',
  'reconnecting',
  'disconnected',
  'error',
  'resync',
  'subscribed',
]);
// RFC 6455: "closed without a close frame", what a transport failure or a timeout is.
const ABNORMAL_CLOSURE = 1006;

/** True when `channel` matches the channel grammar of the protocol: (spec|agent|team):ID. */
export function isValidChannel(channel) {
  return typeof channel === 'string' && CHANNEL_RE.test(channel);
}

/** True when a connection closed with `code` must not be retried. */
export function isTerminalCloseCode(code) {
  return TERMINAL_CLOSE_CODES.includes(code);
}

/**
 * Delay before reconnect attempt `attempt` (0 for the first retry):
 *   min(maxDelay, minDelay + U(0, min(maxDelay, minDelay * 2^attempt)))
 * `unitRandom` is the U(0,1) draw in [0, 1); values outside are clamped.
 */
export function backoffDelay(policy, attempt, unitRandom) {
  const minMs = Math.max(0, policy.minDelayMs);
  const maxMs = Math.max(minMs, policy.maxDelayMs);
  let window = minMs;
  for (let i = 0; i < attempt && window < maxMs; i++) window = Math.min(maxMs, window * 2);
  let u = Number(unitRandom);
  if (!(u >= 0)) u = 0;
  if (!(u < 1)) u = 1 - Number.EPSILON;
  const jitter = Math.floor(u * window);
  return Math.min(maxMs, minMs + jitter);
}

/** The attempt counter around backoffDelay; time is passed in, randomness injected. */
export class Backoff {
  constructor(policy, random = Math.random) {
    this.policy = {
      minDelayMs: policy.minDelayMs ?? DEFAULTS.minDelayMs,
      maxDelayMs: policy.maxDelayMs ?? DEFAULTS.maxDelayMs,
      minUptimeMs: policy.minUptimeMs ?? DEFAULTS.minUptimeMs,
    };
    this._random = random;
    this.attempt = 0;
    this._connectedAt = null;
  }

  /** The delay to wait before the next attempt; advances the attempt counter. */
  nextDelay() {
    const delay = backoffDelay(this.policy, this.attempt, this._random());
    this.attempt++;
    return delay;
  }

  /** A connection was established at `now` (ms). */
  connected(now) {
    this._connectedAt = now;
  }

  /** The last connection ended at `now`: the counter resets if it stayed up for minUptime. */
  disconnected(now) {
    if (this._connectedAt !== null && now - this._connectedAt >= this.policy.minUptimeMs) {
      this.attempt = 0;
    }
    this._connectedAt = null;
  }
}

/** The last `capacity` eventIds delivered on one channel. */
class DedupeWindow {
  constructor(capacity) {
    this.capacity = Math.max(1, capacity);
    this.seen = new Set(); // insertion order = age
  }

  /** True when `id` is new (and now remembered). */
  insert(id) {
    if (this.seen.has(id)) return false;
    if (this.seen.size >= this.capacity) this.seen.delete(this.seen.values().next().value);
    this.seen.add(id);
    return true;
  }
}

const realTimers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (id) => globalThis.clearTimeout(id),
};

// A listener's exception: the browser's reportError (console, window.onerror), else rethrown
// from a microtask (Node: uncaughtException), never into the client's own state machine.
function defaultReportError(err) {
  if (typeof globalThis.reportError === 'function') {
    globalThis.reportError(err);
    return;
  }
  queueMicrotask(() => {
    throw err;
  });
}

function isReactNative() {
  return typeof navigator !== 'undefined' && navigator.product === 'ReactNative';
}

// A browser's (or Electron renderer's) own WebSocket, which cannot carry request headers.
function isBrowserWebSocket(impl) {
  return (
    typeof document !== 'undefined' &&
    typeof window !== 'undefined' &&
    !isReactNative() &&
    impl === globalThis.WebSocket
  );
}

// Why a connection attempt failed before it opened, from its error event: ws (Node) and React
// Native carry the system's error ("connect ECONNREFUSED 127.0.0.1:8080", code ECONNREFUSED);
// a browser says nothing.
function connectFailure(event) {
  const err = event?.error;
  const code = typeof err?.code === 'string' ? err.code : null;
  if (code) return `connect failed: ${code}`;
  const text = String(event?.message ?? err?.message ?? '');
  const m = /\b(E[A-Z]{3,})\b/.exec(text);
  if (m) return `connect failed: ${m[1]}`;
  return text ? `connect failed: ${text}` : 'connect failed';
}

// ws (Node) reports a refused upgrade as "Unexpected server response: 403".
function refusedUpgradeStatus(event) {
  const text = String(event?.message ?? event?.error?.message ?? '');
  const m = /Unexpected server response: (\d{3})/.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * Keeps an application subscribed to kata-rt channels across connection loss.
 * `new RealtimeClient(url, options)` connects at once (in a microtask, so listeners added right
 * after the constructor see `connecting`).
 */
export class RealtimeClient {
  constructor(url, options = {}) {
    if (typeof url !== 'string' || !/^wss?:\/\//.test(url)) {
      throw new TypeError(`RealtimeClient: url must start with ws:// or wss://, got ${url}`);
    }
    const WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    if (typeof WebSocketImpl !== 'function') {
      throw new TypeError(
        'RealtimeClient: no WebSocket implementation here; pass one as options.WebSocket ' +
          "(in Node: import WebSocket from 'ws')",
      );
    }
    if (options.apiKey && isBrowserWebSocket(WebSocketImpl)) {
      throw new Error(
        'RealtimeClient: apiKey cannot be used in a browser: a browser WebSocket carries no ' +
          'Authorization header. Browsers authenticate with the session cookie (log in, then ' +
          'connect from an allowed origin); use apiKey only with ws in Node or in React Native.',
      );
    }
    this.url = url;
    this._WebSocket = WebSocketImpl;
    this._apiKey = options.apiKey || null;
    this._timers = options.timers ?? realTimers;
    this._serverTimeoutMs = options.serverTimeoutMs ?? DEFAULTS.serverTimeoutMs;
    this._connectTimeoutMs = options.connectTimeoutMs ?? DEFAULTS.connectTimeoutMs;
    this._dedupeWindow = options.dedupeWindow ?? DEFAULTS.dedupeWindow;
    this._backoff = new Backoff(
      {
        minDelayMs: options.minDelayMs ?? DEFAULTS.minDelayMs,
        maxDelayMs: options.maxDelayMs ?? DEFAULTS.maxDelayMs,
        minUptimeMs: options.minUptimeMs ?? DEFAULTS.minUptimeMs,
      },
      options.random ?? Math.random,
    );
    this._reportError = options.reportError ?? defaultReportError;
    // Where `online`/`offline`, navigator.onLine and `visibilitychange` come from; null: nowhere.
    this._env = 'environment' in options ? options.environment : globalThis;
    this._listeners = new Map();
    this._channels = new Map(); // channel -> { handlers: Set, lastEventId, seen: DedupeWindow }
    this._state = 'connecting';
    this._ws = null;
    this._wsOpen = false; // the socket is open (the server may still refuse the credential)
    this._retryTimer = null;
    this._retryAt = null;
    this._lastEnd = null; // { code, reason } of the connection that ended last
    this._connectTimer = null;
    this._livenessTimer = null;
    this._lastFrameAt = 0;
    this._pingSentAt = null;
    this._nextRequestId = 1;
    this._closed = false;
    this._installEnvironmentHooks();
    queueMicrotask(() => {
      if (this._closed) return;
      this._emit('connecting');
      this._connect();
    });
  }

  /** 'connecting' | 'connected' | 'reconnecting' | 'disconnected' */
  get state() {
    return this._state;
  }

  /** Registers `fn` for `event`; returns a function that removes it. */
  on(event, fn) {
    if (!EVENTS.has(event)) {
      throw new TypeError(`RealtimeClient.on: unknown event '${event}'`);
    }
    if (typeof fn !== 'function') throw new TypeError('RealtimeClient.on: listener must be a function');
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(fn);
    return () => this.off(event, fn);
  }

  off(event, fn) {
    this._listeners.get(event)?.delete(fn);
  }

  /**
   * Wants `channel` from now on, on this connection and every later one; `onEvent` gets each
   * event envelope (parsed JSON) at most once per eventId, and the frame's text as it arrived
   * (where numbers keep every digit). Returns { channel, unsubscribe() }.
   */
  subscribe(channel, onEvent) {
    if (!isValidChannel(channel)) {
      throw new TypeError(`RealtimeClient.subscribe: invalid channel '${channel}'`);
    }
    if (typeof onEvent !== 'function') {
      throw new TypeError('RealtimeClient.subscribe: onEvent must be a function');
    }
    const handler = (env, raw) => onEvent(env, raw);
    let entry = this._channels.get(channel);
    const isNew = !entry;
    if (!this._closed) {
      if (isNew) {
        entry = { handlers: new Set(), lastEventId: null, seen: new DedupeWindow(this._dedupeWindow) };
        this._channels.set(channel, entry);
      }
      entry.handlers.add(handler);
      if (isNew && this._wsOpen) this._sendSubscribe(channel, entry);
    }
    let active = !this._closed;
    return {
      channel,
      unsubscribe: () => {
        if (!active) return;
        active = false;
        const current = this._channels.get(channel);
        if (!current || !current.handlers.delete(handler)) return;
        if (current.handlers.size > 0) return;
        this._channels.delete(channel);
        if (this._wsOpen) this._send({ type: 'unsubscribe', channel });
      },
    };
  }

  /** The channels currently wanted (what a reconnect resubscribes). */
  channels() {
    return [...this._channels.keys()];
  }

  /** Closes with 1000 and ends in `disconnected`; nothing is retried afterwards. */
  close() {
    if (this._closed) return;
    this._finish(1000, 'closed by client', /*sendClose=*/ true);
  }

  // ---- internals ----

  _emit(event, ...args) {
    const set = this._listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        // A throwing listener must not break the state machine: report it, carry on.
        this._reportError(err);
      }
    }
  }

  _installEnvironmentHooks() {
    const env = this._env;
    if (typeof env?.addEventListener !== 'function') return;
    this._onOnline = () => this._handleOnline();
    this._onOffline = () => this._handleOffline();
    this._onVisibility = () => this._handleVisibility();
    env.addEventListener('online', this._onOnline);
    env.addEventListener('offline', this._onOffline);
    const doc = env.document;
    if (typeof doc?.addEventListener === 'function') {
      doc.addEventListener('visibilitychange', this._onVisibility);
    }
  }

  _removeEnvironmentHooks() {
    const env = this._env;
    if (typeof env?.removeEventListener !== 'function' || !this._onOnline) return;
    env.removeEventListener('online', this._onOnline);
    env.removeEventListener('offline', this._onOffline);
    env.document?.removeEventListener?.('visibilitychange', this._onVisibility);
  }

  _isOffline() {
    return this._env?.navigator?.onLine === false;
  }

  _connect() {
    if (this._closed) return;
    if (this._isOffline()) {
      // No attempt while the device says it has no network: `online` resumes.
      this._waitForNetwork();
      return;
    }
    let ws;
    try {
      const protocols = ['kata-rt.v1'];
      // A browser's WebSocket takes no headers; ws (Node) and React Native take them here.
      if (isBrowserWebSocket(this._WebSocket)) {
        ws = new this._WebSocket(this.url, protocols);
      } else {
        const headers = { 'User-Agent': `kata-rt-js/${VERSION}` };
        if (this._apiKey) headers.Authorization = `Bearer ${this._apiKey}`;
        ws = new this._WebSocket(this.url, protocols, { headers });
      }
    } catch (err) {
      // e.g. a URL the implementation refuses: retrying the same URL cannot help.
      this._finish(ABNORMAL_CLOSURE, `cannot open WebSocket: ${err?.message ?? err}`, false);
      return;
    }
    this._ws = ws;
    this._wsOpen = false;
    if ('binaryType' in ws) ws.binaryType = 'arraybuffer';
    let refusedStatus = null;
    let failure = null; // why it failed before opening, from the error event
    ws.onopen = () => {
      if (this._ws !== ws) return;
      this._onOpen();
    };
    ws.onmessage = (ev) => {
      if (this._ws !== ws) return;
      this._onFrame(ev.data);
    };
    ws.onerror = (ev) => {
      if (this._ws !== ws) return;
      refusedStatus = refusedUpgradeStatus(ev) ?? refusedStatus;
      if (!this._wsOpen) failure = connectFailure(ev);
    };
    ws.onclose = (ev) => {
      if (this._ws !== ws) return;
      if (refusedStatus !== null && refusedStatus >= 400 && refusedStatus < 500) {
        // Only ws (Node) can see a refused upgrade; as the C++ client: 4000 + HTTP status.
        const terminal = refusedStatus !== 408 && refusedStatus !== 429;
        this._connectionEnded(4000 + refusedStatus, `upgrade refused: HTTP ${refusedStatus}`, terminal);
        return;
      }
      const code = ev?.code ?? ABNORMAL_CLOSURE;
      let reason = ev?.reason ?? '';
      // A socket that never opened: say so, with the system's reason when there is one.
      if (!reason && !this._wsOpen) reason = failure ?? 'connect failed';
      this._connectionEnded(code, reason, isTerminalCloseCode(code));
    };
    this._connectTimer = this._timers.setTimeout(() => {
      this._connectTimer = null;
      if (this._ws !== ws || this._state === 'connected') return;
      this._dropSocket(ws);
      this._connectionEnded(ABNORMAL_CLOSURE, `connect timeout after ${this._connectTimeoutMs} ms`, false);
    }, this._connectTimeoutMs);
  }

  // The server closes a refused credential (4401, 4403) right after the upgrade, before it answers
  // any command: so `connected` waits for the pong to a ping sent on open. The subscriptions go
  // out behind the ping at once, so this costs no round trip. The connect timeout runs until then.
  _onOpen() {
    this._wsOpen = true;
    this._lastFrameAt = this._timers.now();
    try {
      this._ws.send(JSON.stringify({ type: 'ping' }));
    } catch {
      // The close event that follows reconnects.
    }
    for (const [channel, entry] of this._channels) this._sendSubscribe(channel, entry);
  }

  _onAccepted() {
    this._clearConnectTimer();
    this._state = 'connected';
    this._backoff.connected(this._timers.now());
    this._pingSentAt = null;
    this._armLiveness(this._serverTimeoutMs / 2);
    this._emit('connected');
  }

  _sendSubscribe(channel, entry) {
    const cmd = { type: 'subscribe', channel };
    if (entry.lastEventId) cmd.since = entry.lastEventId;
    this._send(cmd);
  }

  _send(cmd) {
    const ws = this._ws;
    if (!ws || !this._wsOpen) return;
    cmd.requestId = `r${this._nextRequestId++}`;
    try {
      ws.send(JSON.stringify(cmd));
    } catch {
      // The close event that follows reconnects and resubscribes.
    }
  }

  _onFrame(data) {
    this._lastFrameAt = this._timers.now();
    this._pingSentAt = null;
    if (typeof data !== 'string') {
      this._emit('error', { kind: 'unsupported_frame', message: 'binary frame skipped' });
      return;
    }
    let env;
    try {
      env = JSON.parse(data);
    } catch {
      this._emit('error', { kind: 'malformed_frame', message: 'frame is not JSON' });
      return;
    }
    if (env === null || typeof env !== 'object' || typeof env.type !== 'string') {
      this._emit('error', { kind: 'malformed_frame', message: 'frame is not an envelope' });
      return;
    }
    if (this._state !== 'connected') {
      // Any answer proves the credential was accepted; the pong is normally the first.
      this._onAccepted();
      if (this._state !== 'connected') return; // a listener closed the client
    }
    switch (env.type) {
      case 'pong':
        return;
      case 'subscribed':
        return this._onSubscribed(env);
      case 'unsubscribed':
        return this._onUnsubscribed(env);
      case 'error':
        return this._onServerError(env);
      default:
        return this._onEvent(env, data);
    }
  }

  _onSubscribed(env) {
    if (!this._channels.has(env.channel)) return; // unsubscribed meanwhile
    const recovered = typeof env.payload?.recovered === 'boolean' ? env.payload.recovered : undefined;
    this._emit('subscribed', env.channel, recovered);
    if (recovered === false) this._emit('resync', env.channel);
  }

  _onUnsubscribed(env) {
    // An answer to our own unsubscribe needs nothing; a server-initiated revocation ends the subscription for good: never resubscribed, and the application is told.
    if (env.payload?.reason !== 'revoked' || !this._channels.has(env.channel)) return;
    this._channels.delete(env.channel);
    this._emit('error', {
      kind: 'revoked',
      code: 'revoked',
      channel: env.channel,
      message: `subscription to ${env.channel} was revoked by the server`,
    });
  }

  _onServerError(env) {
    const p = env.payload && typeof env.payload === 'object' ? env.payload : {};
    const err = {
      kind: 'server_error',
      code: typeof p.code === 'string' ? p.code : '',
      message: typeof p.message === 'string' ? p.message : '',
    };
    if (typeof env.channel === 'string') err.channel = env.channel;
    if (typeof p.requestId === 'string') err.requestId = p.requestId;
    this._emit('error', err);
  }

  _onEvent(env, raw) {
    if (CONTROL_TYPES.has(env.type) || typeof env.channel !== 'string') return;
    if (typeof env.eventId !== 'string' || env.eventId === '') {
      this._emit('error', { kind: 'malformed_frame', message: 'event without eventId skipped' });
      return;
    }
    const entry = this._channels.get(env.channel);
    if (!entry) return; // in flight when the channel was unsubscribed
    if (!entry.seen.insert(env.eventId)) return; // replayed after a resubscribe
    entry.lastEventId = env.eventId;
    for (const handler of [...entry.handlers]) {
      try {
        handler(env, raw);
      } catch (err) {
        this._reportError(err);
      }
    }
  }

  // Liveness: the server's WebSocket pings are invisible here, so after half of serverTimeout
  // without a frame the client sends `ping`; no frame at all during the next half (so none for
  // serverTimeout) means the connection is dead. Measuring from the ping actually sent keeps a
  // throttled timer (background tab) from declaring a live connection dead.
  _armLiveness(ms) {
    if (this._livenessTimer !== null) this._timers.clearTimeout(this._livenessTimer);
    this._livenessTimer = this._timers.setTimeout(() => {
      this._livenessTimer = null;
      this._checkLiveness();
    }, Math.max(0, ms));
  }

  _checkLiveness() {
    if (this._state !== 'connected') return;
    const now = this._timers.now();
    const half = this._serverTimeoutMs / 2;
    const idle = now - this._lastFrameAt;
    if (this._pingSentAt === null) {
      if (idle >= half) {
        this._pingSentAt = now;
        this._send({ type: 'ping' });
        this._armLiveness(half);
      } else {
        this._armLiveness(half - idle);
      }
      return;
    }
    // Any frame resets _pingSentAt, so it being set means nothing arrived since the ping.
    const sincePing = now - this._pingSentAt;
    if (sincePing >= half) {
      const ws = this._ws;
      this._dropSocket(ws);
      this._connectionEnded(
        ABNORMAL_CLOSURE,
        `server timeout: no frame for ${this._serverTimeoutMs} ms`,
        false,
      );
      return;
    }
    this._armLiveness(half - sincePing);
  }

  // Detaches and closes a socket this client gives up on, without waiting for its close event.
  _dropSocket(ws) {
    if (!ws) return;
    if (this._ws === ws) {
      this._ws = null;
      this._wsOpen = false;
    }
    ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
    try {
      if (typeof ws.terminate === 'function') ws.terminate(); // ws: no closing handshake to wait for
      else ws.close();
    } catch {
      // already closed
    }
  }

  _clearConnectTimer() {
    if (this._connectTimer !== null) this._timers.clearTimeout(this._connectTimer);
    this._connectTimer = null;
  }

  _clearTimers() {
    this._clearConnectTimer();
    if (this._livenessTimer !== null) this._timers.clearTimeout(this._livenessTimer);
    this._livenessTimer = null;
    if (this._retryTimer !== null) this._timers.clearTimeout(this._retryTimer);
    this._retryTimer = null;
    this._retryAt = null;
  }

  _connectionEnded(code, reason, terminal) {
    const wasConnected = this._state === 'connected';
    this._ws = null;
    this._wsOpen = false;
    this._clearTimers();
    if (wasConnected) this._backoff.disconnected(this._timers.now());
    if (this._closed) return;
    if (terminal) {
      this._finish(code, reason, false);
      return;
    }
    this._lastEnd = { code, reason };
    this._scheduleRetry();
  }

  _scheduleRetry() {
    this._state = 'reconnecting';
    if (this._isOffline()) {
      this._waitForNetwork();
      return;
    }
    const attempt = this._backoff.attempt;
    const delayMs = this._backoff.nextDelay();
    this._retryAt = this._timers.now() + delayMs;
    this._retryTimer = this._timers.setTimeout(() => {
      this._retryTimer = null;
      this._retryAt = null;
      this._connect();
    }, delayMs);
    const { code, reason } = this._lastEnd ?? { code: ABNORMAL_CLOSURE, reason: '' };
    this._emit('reconnecting', { attempt, delayMs, retryAt: this._retryAt, code, reason, offline: false });
  }

  _waitForNetwork() {
    this._state = 'reconnecting';
    this._clearTimers();
    const { code, reason } = this._lastEnd ?? { code: ABNORMAL_CLOSURE, reason: 'offline' };
    this._emit('reconnecting', {
      attempt: this._backoff.attempt,
      delayMs: null,
      retryAt: null,
      code,
      reason,
      offline: true,
    });
  }

  // Retry now instead of at the end of the current wait (network back, tab visible again): one
  // attempt, through the same backoff, so a flapping network cannot cause a storm.
  _retryNow() {
    if (this._closed || this._state !== 'reconnecting' || this._ws) return;
    this._clearTimers();
    this._connect();
  }

  _handleOnline() {
    if (this._state === 'reconnecting') this._retryNow();
    else if (this._state === 'connected') this._probe();
  }

  _handleOffline() {
    // A pending retry would only fail: park until `online`. An open socket is left alone (it may
    // survive a short blip); the liveness check decides.
    if (this._state === 'reconnecting' && this._retryTimer !== null) this._waitForNetwork();
  }

  _handleVisibility() {
    const doc = this._env?.document;
    if (doc?.visibilityState !== 'visible') return;
    // Timers of hidden tabs are throttled: on return, check the connection at once.
    // One immediate attempt per return to the tab; a failure goes on with the grown backoff.
    if (this._state === 'reconnecting' && this._retryAt !== null) {
      this._retryNow();
    } else if (this._state === 'connected') {
      this._probe();
    }
  }

  // Asks the server for a pong now; the liveness check then declares the connection dead if
  // none comes.
  _probe() {
    if (this._pingSentAt !== null) return;
    this._pingSentAt = this._timers.now();
    this._send({ type: 'ping' });
    this._armLiveness(this._serverTimeoutMs / 2);
  }

  _finish(code, reason, sendClose) {
    this._closed = true;
    const ws = this._ws;
    this._ws = null;
    this._wsOpen = false;
    this._clearTimers();
    this._removeEnvironmentHooks();
    if (ws) {
      ws.onopen = ws.onmessage = ws.onerror = ws.onclose = null;
      if (sendClose) {
        try {
          ws.close(1000, 'client closed');
        } catch {
          // already closed
        }
      }
    }
    this._state = 'disconnected';
    this._emit('disconnected', { code, reason });
  }
}

export default RealtimeClient;
