// Type declarations of @kata/realtime-client (index.js). Checked against the code by
// test/types.test.js: test/usage.ts compiles with `tsc --noEmit --strict`, and every name and
// member declared here exists at run time (and the other way round).

/** The server -> client envelope (docs/protocol.md; the package README). */
export interface Envelope<P = Record<string, unknown>> {
  type: string;
  channel: string;
  /** UTC, ISO-8601 with milliseconds and `Z`. */
  timestamp: string;
  /** Unique and stable: the same event carries the same id on every connection and replay. */
  eventId: string;
  encoding: 'json';
  payload: P;
  [field: string]: unknown;
}

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** Before the wait that precedes a reconnect attempt. */
export interface ReconnectInfo {
  /** 0 for the first retry after a connection ended. */
  attempt: number;
  /** How long the client waits; null while it waits for the network (`offline`). */
  delayMs: number | null;
  /** Epoch milliseconds of the attempt (for a countdown); null while offline. */
  retryAt: number | null;
  /** Why the last connection ended: close code, 1006 for a transport failure or timeout. */
  code: number;
  /** The server's close reason; for an attempt that never opened, `connect failed` with the
   *  system's code where the platform tells it (e.g. `connect failed: ECONNREFUSED` in Node). */
  reason: string;
  /** True while `navigator.onLine` is false: the attempt waits for the `online` event. */
  offline: boolean;
}

/** The client stopped for good: 1000 after close(), a terminal close code, or 4000 + HTTP status
 *  of a refused upgrade (seen only with ws in Node; browsers cannot see it). */
export interface DisconnectInfo {
  code: number;
  /** The server's close reason. With 4401: `credential expired` (its `expires_at` passed),
   *  `credential revoked` (a reload removed it, or POST /v1/disconnect named it), or empty for a
   *  credential refused at connect. After renewing the session cookie, a new RealtimeClient
   *  connects with it: no page reload is needed. */
  reason: string;
}

export interface ClientError {
  /** `server_error`: an `error` envelope; `revoked`: the server ended a subscription (the
   *  channel is not resubscribed); `malformed_frame` / `unsupported_frame`: a skipped frame. */
  kind: 'server_error' | 'revoked' | 'malformed_frame' | 'unsupported_frame';
  /** The server's error code (docs/protocol.md), `revoked`, or absent for a skipped frame. */
  code?: string;
  message: string;
  /** The channel the error is about, when known. */
  channel?: string;
  requestId?: string;
}

/** The constructor of a WebSocket: the browser's, React Native's, or `ws` in Node. */
export interface WebSocketConstructor {
  new (url: string, protocols?: string | string[], options?: any): any;
}

/** Injected time source and timers (tests); defaults to Date.now and the global timers. */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
}

export interface RealtimeClientOptions {
  /** The WebSocket implementation; default `globalThis.WebSocket`. In Node 20 pass `ws`. */
  WebSocket?: WebSocketConstructor;
  /** Sent as `Authorization: Bearer` (ws in Node, React Native). Refused in a browser, where the
   *  session cookie authenticates. */
  apiKey?: string;
  /** Smallest reconnect delay and base of its growth. Default 500. */
  minDelayMs?: number;
  /** Largest reconnect delay. Default 30000. */
  maxDelayMs?: number;
  /** A connection up this long resets the backoff attempt counter. Default 5000. */
  minUptimeMs?: number;
  /** No frame from the server this long: the connection is dead. A `ping` goes out after half.
   *  Default 45000 (2 x the server's 20 s heartbeat + 5 s). */
  serverTimeoutMs?: number;
  /** Bound on one connection attempt. Default 10000. */
  connectTimeoutMs?: number;
  /** eventIds remembered per channel to drop replayed duplicates. Default 1024. */
  dedupeWindow?: number;
  /** U(0,1) source for the backoff jitter. Default Math.random. */
  random?: () => number;
  /** Time source and timers. */
  timers?: Timers;
  /** Receives an exception thrown by a listener or an onEvent handler (the client carries on).
   *  Default: the platform's reportError, else rethrown from a microtask. */
  reportError?: (error: unknown) => void;
  /** Where `online`/`offline`, `navigator.onLine` and `document`'s `visibilitychange` come from;
   *  null for none. Default globalThis (the window in a browser). */
  environment?: any;
}

export interface Subscription {
  readonly channel: string;
  /** Stops this handler; the channel is unsubscribed when its last handler goes. Idempotent. */
  unsubscribe(): void;
}

export interface RealtimeClientEvents {
  connecting: () => void;
  /** The server accepted the credential (it answered the ping sent on open); also after each
   *  reconnect. A refused key or session never reaches this: it ends in `disconnected` 4401. */
  connected: () => void;
  reconnecting: (info: ReconnectInfo) => void;
  disconnected: (info: DisconnectInfo) => void;
  error: (error: ClientError) => void;
  /** A resume answered `recovered: false`: events may be lost, reload the channel's state. */
  resync: (channel: string) => void;
  /** The server confirmed a subscription; `recovered` is set when it carried `since`. */
  subscribed: (channel: string, recovered: boolean | undefined) => void;
}

/** The package's version, the same as the kata-rt server's. */
export declare const VERSION: string;

export declare const DEFAULTS: Readonly<{
  minDelayMs: number;
  maxDelayMs: number;
  minUptimeMs: number;
  serverTimeoutMs: number;
  connectTimeoutMs: number;
  dedupeWindow: number;
}>;

/** Close codes that end in `disconnected` without a retry. */
export declare const TERMINAL_CLOSE_CODES: readonly number[];

export declare function isValidChannel(channel: string): boolean;
export declare function isTerminalCloseCode(code: number): boolean;

export interface BackoffPolicy {
  minDelayMs?: number;
  maxDelayMs?: number;
  minUptimeMs?: number;
}

/** min(maxDelay, minDelay + U(0, min(maxDelay, minDelay * 2^attempt))) for a draw in [0, 1). */
export declare function backoffDelay(
  policy: { minDelayMs: number; maxDelayMs: number },
  attempt: number,
  unitRandom: number,
): number;

export declare class Backoff {
  constructor(policy: BackoffPolicy, random?: () => number);
  readonly policy: Required<BackoffPolicy>;
  /** The attempt number the next nextDelay() uses. */
  attempt: number;
  nextDelay(): number;
  connected(now: number): void;
  disconnected(now: number): void;
}

export declare class RealtimeClient {
  /** Connects at once (in a microtask, so listeners added right away see `connecting`). */
  constructor(url: string, options?: RealtimeClientOptions);
  readonly url: string;
  readonly state: ConnectionState;
  /** Returns a function that removes the listener. */
  on<E extends keyof RealtimeClientEvents>(event: E, listener: RealtimeClientEvents[E]): () => void;
  off<E extends keyof RealtimeClientEvents>(event: E, listener: RealtimeClientEvents[E]): void;
  /** Wants `channel` on this connection and every later one; each event reaches `onEvent` once,
   *  with the frame's text as it arrived (`raw`: numbers keep every digit there). */
  subscribe<P = Record<string, unknown>>(
    channel: string,
    onEvent: (event: Envelope<P>, raw: string) => void,
  ): Subscription;
  /** The channels currently wanted. */
  channels(): string[];
  /** Closes with 1000; ends in `disconnected`, nothing retried. */
  close(): void;
}

export default RealtimeClient;
