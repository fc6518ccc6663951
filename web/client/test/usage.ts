// Compiled with `tsc --noEmit --strict` by types.test.js: typical uses of the package must type-check
// against index.d.ts, and the misuses marked @ts-expect-error must not.
import WebSocket from 'ws';
import RealtimeClientDefault, {
  RealtimeClient,
  backoffDelay,
  isValidChannel,
  type Envelope,
  type ReconnectInfo,
  type ClientError,
  type ConnectionState,
} from '../index.js';

const client = new RealtimeClient('ws://127.0.0.1:8080/v1/ws', {
  WebSocket,
  apiKey: process.env.KATA_RT_API_KEY,
  minDelayMs: 500,
  maxDelayMs: 30000,
  minUptimeMs: 5000,
});
const same: RealtimeClient = new RealtimeClientDefault('ws://127.0.0.1:8080/v1/ws');
same.close();

const off: () => void = client.on('reconnecting', (info: ReconnectInfo) => {
  const wait: number | null = info.delayMs;
  console.log(info.attempt, wait, info.code, info.reason, info.retryAt, info.offline);
});
off();
client.on('connected', () => {});
client.on('disconnected', ({ code, reason }) => console.log(code.toFixed(0), reason.length));
client.on('error', (err: ClientError) => console.log(err.kind, err.code, err.channel, err.message));
client.on('resync', (channel: string) => console.log(channel.toUpperCase()));
client.on('subscribed', (channel, recovered) => console.log(channel, recovered === false));

const sub = client.subscribe<{ status: string }>('agent:123', (ev: Envelope<{ status: string }>) => {
  console.log(ev.type, ev.channel, ev.eventId, ev.timestamp, ev.payload.status);
});
const name: string = sub.channel;
sub.unsubscribe();
const state: ConnectionState = client.state;
const wanted: string[] = client.channels();
console.log(name, state, wanted, isValidChannel('spec:7'), backoffDelay({ minDelayMs: 1, maxDelayMs: 2 }, 0, 0.5));

// @ts-expect-error: unknown event name
client.on('open', () => {});
// @ts-expect-error: the resync listener gets a channel string
client.on('resync', (channel: number) => channel);
// @ts-expect-error: minDelayMs is a number
new RealtimeClient('ws://x', { minDelayMs: '500' });
// @ts-expect-error: subscribe needs a handler
client.subscribe('spec:7');
client.close();
