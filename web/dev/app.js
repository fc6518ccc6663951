// The dev page: the browser client of kata-rt (served by `kata-rt serve` in dev mode).
// Authenticated by the HttpOnly session cookie that GET /dev/login set; no key in the page.
import { RealtimeClient, isValidChannel } from '/realtime-client.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
const client = new RealtimeClient(wsUrl);
const handles = new Map(); // channel -> subscription handle
const MAX_ROWS = 500;
let paused = false;
let held = []; // events that arrived while paused
let shown = 0;
let countdownTimer = null;

function setState(state, detail = '') {
  const el = $('state');
  el.textContent = state;
  el.className = `state state-${state}`;
  el.title = detail;
}

function notice(kind, text) {
  const li = document.createElement('li');
  li.className = kind;
  li.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $('notices').prepend(li);
  while ($('notices').children.length > 20) $('notices').lastChild.remove();
}

function stopCountdown() {
  if (countdownTimer !== null) clearInterval(countdownTimer);
  countdownTimer = null;
  $('countdown').textContent = '';
}

client.on('connecting', () => setState('connecting'));
client.on('connected', () => {
  stopCountdown();
  setState('connected');
});
client.on('reconnecting', (info) => {
  setState('reconnecting', `${info.code} ${info.reason}`);
  stopCountdown();
  const why = info.reason ? ` (${info.code} ${info.reason})` : ` (${info.code})`;
  if (info.offline) {
    $('countdown').textContent = `offline: waiting for the network${why}`;
    return;
  }
  const tick = () => {
    const left = Math.max(0, info.retryAt - Date.now());
    $('countdown').textContent =
      left > 0 ? `retry ${info.attempt + 1} in ${(left / 1000).toFixed(1)} s${why}` : 'retrying…';
  };
  tick();
  countdownTimer = setInterval(tick, 100);
});
client.on('disconnected', (info) => {
  stopCountdown();
  setState('disconnected');
  $('countdown').textContent = `${info.code} ${info.reason} `;
  if (info.code === 4401) {
    // E.g. the dev server restarted with another key: its session token changed too.
    const a = document.createElement('a');
    a.href = '/dev/login';
    a.textContent = 'log in again';
    $('countdown').append(a);
  }
});
client.on('error', (err) => {
  notice('error', `error${err.channel ? ` on ${err.channel}` : ''}: ${err.code || err.kind} ${err.message}`);
  if (err.kind === 'revoked' || (err.channel && err.code === 'forbidden')) dropChannel(err.channel);
});
// The server confirmed a channel (also after each reconnect): mark it in the list.
const confirmed = new Set();
client.on('subscribed', (channel) => {
  confirmed.add(channel);
  renderSubs();
});
client.on('reconnecting', () => {
  confirmed.clear();
  renderSubs();
});
client.on('resync', (channel) =>
  notice('resync', `${channel}: history could not be replayed (recovered: false); reload its state`),
);

function matchesFilter(row) {
  const f = $('filter').value.trim().toLowerCase();
  return !f || row.dataset.search.includes(f);
}

function addRow(env) {
  const tr = document.createElement('tr');
  tr.dataset.eventId = env.eventId;
  const payload = JSON.stringify(env.payload, null, 2);
  tr.dataset.search = `${env.channel} ${env.type} ${payload}`.toLowerCase();
  const time = new Date(env.timestamp);
  const cells = [
    Number.isNaN(time.getTime()) ? env.timestamp : time.toLocaleTimeString(undefined, { hour12: false }),
    env.channel,
    env.type,
    null,
    env.eventId,
  ];
  for (const [i, text] of cells.entries()) {
    const td = document.createElement('td');
    if (i === 3) {
      const pre = document.createElement('pre');
      pre.textContent = payload;
      td.append(pre);
    } else {
      td.textContent = text;
      if (i === 4) td.className = 'id';
    }
    tr.append(td);
  }
  tr.hidden = !matchesFilter(tr);
  $('events').prepend(tr);
  while ($('events').children.length > MAX_ROWS) $('events').lastChild.remove();
  shown++;
  $('event-count').textContent = String(shown);
}

function onEvent(env) {
  if (paused) {
    held.push(env);
    $('paused-info').textContent = `${held.length} held`;
    return;
  }
  addRow(env);
}

function renderSubs() {
  const ul = $('subs');
  ul.replaceChildren();
  for (const channel of handles.keys()) {
    const li = document.createElement('li');
    const name = document.createElement('span');
    name.textContent = channel;
    li.dataset.channel = channel;
    li.className = confirmed.has(channel) ? 'confirmed' : 'pending';
    li.title = confirmed.has(channel) ? 'subscribed' : 'waiting for the server';
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.textContent = '×';
    btn.title = `unsubscribe ${channel}`;
    btn.addEventListener('click', () => {
      handles.get(channel)?.unsubscribe();
      dropChannel(channel);
    });
    li.append(name, btn);
    ul.append(li);
  }
}

// The channels survive a reload of the page (this browser only).
const STORAGE_KEY = 'kata-rt-dev-channels';
function saveChannels() {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify([...handles.keys()]));
  } catch {
    // storage disabled: the list just does not survive a reload
  }
}

function addChannel(channel) {
  if (!isValidChannel(channel)) {
    notice('error', `not a channel: ${channel} (spec:ID, agent:ID or team:ID)`);
    return;
  }
  if (!handles.has(channel)) handles.set(channel, client.subscribe(channel, onEvent));
  if (!$('publish-channel').value) $('publish-channel').value = channel;
}

function dropChannel(channel) {
  handles.get(channel)?.unsubscribe();
  handles.delete(channel);
  confirmed.delete(channel);
  renderSubs();
  saveChannels();
}

$('subscribe-form').addEventListener('submit', (e) => {
  e.preventDefault();
  for (const channel of $('channel-input').value.split(/[\s,]+/).filter(Boolean)) addChannel(channel);
  $('channel-input').value = '';
  renderSubs();
  saveChannels();
});

try {
  for (const channel of JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]')) addChannel(channel);
} catch {
  // nothing stored, or not a list
}
renderSubs();

$('filter').addEventListener('input', () => {
  for (const tr of $('events').children) tr.hidden = !matchesFilter(tr);
});

$('pause-btn').addEventListener('click', () => {
  paused = !paused;
  $('pause-btn').textContent = paused ? 'Resume' : 'Pause';
  if (!paused) {
    for (const env of held) addRow(env);
    held = [];
    $('paused-info').textContent = '';
  } else {
    $('paused-info').textContent = '0 held';
  }
});

$('clear-btn').addEventListener('click', () => {
  $('events').replaceChildren();
  shown = 0;
  $('event-count').textContent = '0';
});

$('publish-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = $('publish-result');
  let payload;
  try {
    payload = JSON.parse($('publish-payload').value || '{}');
  } catch (err) {
    out.textContent = `payload is not JSON: ${err.message}`;
    return;
  }
  const body = JSON.stringify({ channel: $('publish-channel').value.trim(), type: $('publish-type').value, payload });
  out.textContent = 'publishing…';
  try {
    const res = await fetch('/v1/publish', {
      method: 'POST',
      headers: { Authorization: `Bearer ${$('publish-key').value.trim()}`, 'Content-Type': 'application/json' },
      body,
    });
    const doc = await res.json().catch(() => ({}));
    out.textContent = res.ok ? `published ${doc.eventId}` : `HTTP ${res.status}: ${doc.error?.message ?? res.statusText}`;
  } catch (err) {
    out.textContent = `cannot reach the server: ${err.message}`;
  }
});
