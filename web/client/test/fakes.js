// Test doubles for the unit tests: a manual clock with timers, and a scripted WebSocket.

/** A clock that only moves when the test says so; timers fire in due order. */
export class FakeTimers {
  constructor(start = 1_000_000) {
    this.t = start;
    this.nextId = 1;
    this.pending = new Map(); // id -> { at, fn }
  }
  now() {
    return this.t;
  }
  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(id) {
    this.pending.delete(id);
  }
  /** Moves the clock forward by `ms`, running every timer that falls due, in order. */
  advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let due = null;
      for (const [id, timer] of this.pending) {
        if (timer.at <= end && (due === null || timer.at < due[1].at)) due = [id, timer];
      }
      if (!due) break;
      this.pending.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
  /** Milliseconds until the next timer, or null. */
  nextIn() {
    let min = null;
    for (const { at } of this.pending.values()) if (min === null || at < min) min = at;
    return min === null ? null : min - this.t;
  }
}

/** A WebSocket the test drives: `open()`, `receive(obj)`, `serverClose(code)`, `fail(msg)`. */
export function makeFakeWebSocket() {
  const sockets = [];
  class FakeWebSocket {
    constructor(url, protocols, options) {
      this.url = url;
      this.protocols = protocols;
      this.options = options;
      this.sent = [];
      this.closedWith = null;
      this.terminated = false;
      this.binaryType = 'blob';
      sockets.push(this);
    }
    send(data) {
      if (this.closedWith) throw new Error('send after close');
      this.sent.push(JSON.parse(data));
    }
    close(code, reason) {
      this.closedWith = { code, reason };
    }
    terminate() {
      this.terminated = true;
    }
    // ---- driven by the test ----
    /** Opens, and answers the ping the client sends on open, as a server that accepted the
     *  credential does. */
    open() {
      this.openOnly();
      if (this.sent.some((c) => c.type === 'ping')) this.receive({ type: 'pong', timestamp: '2026-11-26T12:00:00.000Z', eventId: 'ctl_pong', encoding: 'json', payload: {} });
    }
    /** Opens without answering: the server has not shown yet that it accepted the credential. */
    openOnly() {
      this.onopen?.({});
    }
    receive(obj) {
      this.onmessage?.({ data: typeof obj === 'string' ? obj : JSON.stringify(obj) });
    }
    receiveBinary() {
      this.onmessage?.({ data: new ArrayBuffer(4) });
    }
    serverClose(code, reason = '') {
      this.onclose?.({ code, reason });
    }
    fail(message = 'connect ECONNREFUSED') {
      this.onerror?.({ message });
      this.onclose?.({ code: 1006, reason: '' });
    }
    commands(type) {
      return this.sent.filter((c) => !type || c.type === type);
    }
  }
  return { FakeWebSocket, sockets };
}

/** A fixed sequence of U(0,1) draws, repeated. */
export function sequence(...values) {
  let i = 0;
  return () => values[i++ % values.length];
}

/** A `window`-like environment: navigator.onLine, online/offline events, document visibility. */
export class FakeEnvironment extends EventTarget {
  constructor() {
    super();
    this.navigator = { onLine: true };
    const doc = new EventTarget();
    doc.visibilityState = 'visible';
    this.document = doc;
  }
  goOffline() {
    this.navigator.onLine = false;
    this.dispatchEvent(new Event('offline'));
  }
  goOnline() {
    this.navigator.onLine = true;
    this.dispatchEvent(new Event('online'));
  }
  setVisibility(state) {
    this.document.visibilityState = state;
    this.document.dispatchEvent(new Event('visibilitychange'));
  }
}

let seq = 0;
/** A domain event envelope as the server sends it. */
export function event(channel, eventId, payload = {}) {
  seq++;
  return {
    type: 'log_entry',
    channel,
    timestamp: '2026-11-26T12:00:00.000Z',
    eventId,
    encoding: 'json',
    payload,
  };
}

export function control(type, channel, payload = {}) {
  seq++;
  const env = { type, timestamp: '2026-11-26T12:00:00.000Z', eventId: `ctl_${seq}`, encoding: 'json', payload };
  if (channel) env.channel = channel;
  return env;
}
