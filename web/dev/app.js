// The dev page: the browser client of kata-rt (served by `kata-rt serve` in dev mode).
// Authenticated by the HttpOnly session cookie that GET /dev/login set; no key in the page.
import { RealtimeClient, isValidChannel } from '/realtime-client.js';

const $ = (id) => document.getElementById(id);
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
let client = null; // replaced by a new one when the session is renewed
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

// The server accepted the session: also after a renewal.
const confirmed = new Set();

function startClient() {
  client = new RealtimeClient(wsUrl);
  client.on('connecting', () => setState('connecting'));
  client.on('connected', () => {
    stopCountdown();
    $('session-ended').hidden = true;
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
    $('countdown').textContent = `${info.code} ${info.reason}`;
    if (info.code === 4401) {
      // The session expired or was revoked (POST /v1/disconnect), or the dev server restarted
      // with another key. Renewing the cookie and connecting again needs no reload.
      $('countdown').textContent = '';
      $('session-reason').textContent = `${info.code} ${info.reason}`;
      $('session-ended').hidden = false;
      confirmed.clear();
      renderSubs();
    }
  });
  client.on('error', (err) => {
    notice('error', `error${err.channel ? ` on ${err.channel}` : ''}: ${err.code || err.kind} ${err.message}`);
    if (err.kind === 'revoked' || (err.channel && err.code === 'forbidden')) dropChannel(err.channel);
  });
  // The server confirmed a channel (also after each reconnect): mark it in the list.
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
  // A renewed session keeps the channels it had.
  for (const channel of handles.keys()) handles.set(channel, client.subscribe(channel, onEvent));
}

// GET /dev/login sets a fresh session cookie (its redirect to / is followed and ignored).
async function renewSession() {
  $('relogin').disabled = true;
  try {
    const res = await fetch('/dev/login', { credentials: 'same-origin', cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    $('session-ended').hidden = true;
    startClient();
  } catch (err) {
    notice('error', `could not log in again: ${err.message}`);
  } finally {
    $('relogin').disabled = false;
  }
}
$('relogin').addEventListener('click', renewSession);
startClient();

// ---- raw JSON text: shown as it arrived, so 123456789012345678901234567890 and 1.50 stay as sent.

const SPACE = ' \t\r\n';

// Index just past the JSON string starting at text[i] (a '"').
function skipString(text, i) {
  i++;
  while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
  return i + 1;
}

// Index just past the JSON value starting at text[i].
function skipValue(text, i) {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const d = text[i];
      if (d === '"') {
        i = skipString(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if ((d === '}' || d === ']') && --depth === 0) return i + 1;
      i++;
    }
    return i;
  }
  while (i < text.length && !',}]'.includes(text[i]) && !SPACE.includes(text[i])) i++;
  return i;
}

// The text of member `key` of the JSON object `text`, exactly as sent; null when absent.
function rawMember(text, key) {
  let i = 0;
  const ws = () => {
    while (i < text.length && SPACE.includes(text[i])) i++;
  };
  ws();
  if (text[i] !== '{') return null;
  i++;
  for (;;) {
    ws();
    if (text[i] !== '"') return null;
    const keyStart = i;
    i = skipString(text, i);
    const name = JSON.parse(text.slice(keyStart, i));
    ws();
    if (text[i] !== ':') return null;
    i++;
    ws();
    const valueStart = i;
    i = skipValue(text, i);
    if (name === key) return text.slice(valueStart, i);
    ws();
    if (text[i] !== ',') return null;
    i++;
  }
}

// Indents JSON text token by token: no value is parsed, so every number keeps its digits.
function indentJson(raw) {
  let out = '';
  let depth = 0;
  const newline = () => `\n${'  '.repeat(depth)}`;
  for (let i = 0; i < raw.length; ) {
    const c = raw[i];
    if (c === '"') {
      const end = skipString(raw, i);
      out += raw.slice(i, end);
      i = end;
    } else if (SPACE.includes(c)) {
      i++;
    } else if (c === '{' || c === '[') {
      let j = i + 1;
      while (j < raw.length && SPACE.includes(raw[j])) j++;
      if (raw[j] === (c === '{' ? '}' : ']')) {
        out += c + raw[j];
        i = j + 1;
      } else {
        depth++;
        out += c + newline();
        i++;
      }
    } else if (c === '}' || c === ']') {
      depth--;
      out += newline() + c;
      i++;
    } else if (c === ',') {
      out += `,${newline()}`;
      i++;
    } else if (c === ':') {
      out += ': ';
      i++;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// ---- the event table

const pad = (n, width = 2) => String(n).padStart(width, '0');
function clockTime(ms) {
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

function matchesFilter(row) {
  const f = $('filter').value.trim().toLowerCase();
  const channel = $('filter-channel').value;
  const type = $('filter-type').value;
  return (
    (!f || row.dataset.search.includes(f)) &&
    (!channel || row.dataset.channel === channel) &&
    (!type || row.dataset.type === type)
  );
}

function applyFilter() {
  for (const tr of $('events').children) tr.hidden = !matchesFilter(tr);
}

// Adds `value` to a filter's choices the first time it is seen, in sorted order.
function offerChoice(select, value) {
  if ([...select.options].some((o) => o.value === value)) return;
  const option = document.createElement('option');
  option.value = value;
  option.textContent = value;
  const after = [...select.options].slice(1).find((o) => o.value > value);
  select.insertBefore(option, after ?? null);
}

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No clipboard API (or no permission): the old way, through a selected textarea.
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    const ok = document.execCommand('copy');
    area.remove();
    return ok;
  }
}

function addRow({ env, raw, receivedAt }) {
  const tr = document.createElement('tr');
  tr.className = 'event';
  tr.dataset.eventId = env.eventId;
  tr.dataset.channel = env.channel;
  tr.dataset.type = env.type;
  const payload = (raw && rawMember(raw, 'payload')) ?? JSON.stringify(env.payload);
  tr.dataset.search = `${env.channel} ${env.type} ${payload}`.toLowerCase();
  const sent = Date.parse(env.timestamp);
  const latency = Number.isNaN(sent) ? null : receivedAt - sent;
  if (latency !== null) tr.dataset.latencyMs = String(latency);

  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    tr.append(td);
    return td;
  };
  cell(Number.isNaN(sent) ? env.timestamp : clockTime(sent), 'time').title =
    `sent ${env.timestamp}, received ${new Date(receivedAt).toISOString()}`;
  cell(latency === null ? '' : `${latency} ms`, 'latency').title =
    'delivery latency: received here minus the envelope timestamp';
  cell(env.channel, 'channel');
  cell(env.type, 'type');
  const body = cell('', 'payload');
  const line = document.createElement('code');
  line.className = 'payload-line';
  line.textContent = payload;
  const full = document.createElement('pre');
  full.className = 'payload-full';
  full.hidden = true;
  full.textContent = indentJson(payload);
  body.append(line, full);
  cell(env.eventId, 'id');
  const actions = cell('', 'actions');
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'copy';
  copy.textContent = 'copy';
  copy.title = 'copy the envelope as it arrived';
  copy.addEventListener('click', async (e) => {
    e.stopPropagation();
    copy.textContent = (await copyText(raw ?? JSON.stringify(env))) ? 'copied' : 'copy failed';
  });
  actions.append(copy);
  // A click on the row shows the whole payload, indented; another folds it again.
  tr.addEventListener('click', () => {
    const open = tr.classList.toggle('expanded');
    full.hidden = !open;
    line.hidden = open;
  });

  offerChoice($('filter-channel'), env.channel);
  offerChoice($('filter-type'), env.type);
  tr.hidden = !matchesFilter(tr);
  $('events').prepend(tr);
  while ($('events').children.length > MAX_ROWS) $('events').lastChild.remove();
  shown++;
  $('event-count').textContent = String(shown);
}

function onEvent(env, raw) {
  const item = { env, raw, receivedAt: Date.now() };
  if (paused) {
    held.push(item);
    $('paused-info').textContent = `${held.length} held`;
    return;
  }
  addRow(item);
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

$('filter').addEventListener('input', applyFilter);
$('filter-channel').addEventListener('change', applyFilter);
$('filter-type').addEventListener('change', applyFilter);

$('pause-btn').addEventListener('click', () => {
  paused = !paused;
  $('pause-btn').textContent = paused ? 'Resume' : 'Pause';
  if (!paused) {
    for (const item of held) addRow(item);
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
  // Checked here, but sent as typed: parsing and re-serializing would round big numbers and turn
  // 1.50 into 1.5.
  const payload = $('publish-payload').value.trim() || '{}';
  try {
    const parsed = JSON.parse(payload);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      out.textContent = 'payload must be a JSON object';
      return;
    }
  } catch (err) {
    out.textContent = `payload is not JSON: ${err.message}`;
    return;
  }
  const channel = JSON.stringify($('publish-channel').value.trim());
  const body = `{"channel":${channel},"type":${JSON.stringify($('publish-type').value)},"payload":${payload}}`;
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
