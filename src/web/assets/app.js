// The muxd live journal page: history over fetch, live records over EventSource, batched rendering, filters, send box,
// syslog severity badges, a per-second rate sparkline and counts per source.
const MAX_ROWS = 2000; // rows kept while following the tail
const HARD_MAX_ROWS = 10000; // rows kept even while reading older history
const PAGE = 200;
const RATE_SECONDS = 300; // the sparkline's window: one bar per second
const SOURCE_ROWS = 8; // sources listed in the counts panel
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

const $ = (id) => document.getElementById(id);
const list = $('messages');
const scroller = $('scroller');
const token = takeToken();
// Not `Authorization`: that header is the browser's, which sends basic auth credentials in it when up has --auth.
const authHeaders = token ? { 'X-Muxd-Token': token } : {};

// The token arrives as #token=… (or a legacy ?token=…). It is kept for this tab in sessionStorage, removed from the
// address bar at once, and sent only as a header; the event stream gets an HttpOnly cookie instead (see startSession).
function takeToken() {
  const hash = new URLSearchParams(location.hash.slice(1));
  const query = new URLSearchParams(location.search);
  const given = hash.get('token') ?? query.get('token');
  if (given !== null) {
    hash.delete('token');
    query.delete('token');
    const q = query.toString();
    const h = hash.toString();
    history.replaceState(history.state, '', `${location.pathname}${q ? `?${q}` : ''}${h ? `#${h}` : ''}`);
    try {
      sessionStorage.setItem('muxd-token', given);
    } catch {
      // storage disabled: the token lives only as long as this page
    }
    return given;
  }
  try {
    return sessionStorage.getItem('muxd-token');
  } catch {
    return null;
  }
}

async function startSession() {
  if (!token) return;
  const res = await fetch('/_muxd/session', { method: 'POST', headers: authHeaders, cache: 'no-store' });
  if (!res.ok) throw new Error(`session: HTTP ${res.status}`);
}

let queue = []; // records waiting for the next animation frame
let scheduled = false;
let lastSeq = 0;
let oldestSeq = null;
let hasOlder = true;
let received = 0;
const sources = new Set();
const filter = { src: '', text: '', sev: -1 };
/** Live records per second, oldest first; the last slot is the current second. */
const rates = new Array(RATE_SECONDS).fill(0);
/** Records seen per source (history and live), for the counts panel. */
const perSource = new Map();

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });

function hue(text) {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h % 360;
}

function srcKind(src) {
  const i = src.indexOf(':');
  return i === -1 ? src : src.slice(0, i);
}

function matches(row) {
  if (filter.sev >= 0 && !(row.dataset.sev !== undefined && Number(row.dataset.sev) <= filter.sev)) return false;
  if (filter.src && !row.dataset.src.toLowerCase().includes(filter.src)) return false;
  if (filter.text && !row.dataset.text.toLowerCase().includes(filter.text)) return false;
  return true;
}

function makeRow(rec) {
  const li = document.createElement('li');
  li.className = 'row';
  li.dataset.seq = String(rec.seq);
  li.dataset.src = rec.src;
  const seq = document.createElement('span');
  seq.className = 'seq';
  seq.textContent = rec.seq;
  const time = document.createElement('time');
  time.className = 'time';
  const d = new Date(rec.ts);
  time.dateTime = rec.ts;
  time.title = rec.ts;
  time.textContent = Number.isNaN(d.getTime()) ? rec.ts : `${timeFmt.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  const src = document.createElement('button');
  src.type = 'button';
  src.className = 'src';
  src.dataset.kind = srcKind(rec.src);
  src.style.setProperty('--h', String(hue(srcKind(rec.src) === 'tcp' ? rec.src : srcKind(rec.src))));
  src.textContent = rec.src;
  src.title = `Show only ${rec.src}`;
  const msg = document.createElement('span');
  msg.className = 'msg';
  let text;
  if (rec.b64 !== undefined) {
    li.classList.add('is-b64');
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.textContent = 'b64';
    badge.title = 'Not valid UTF-8: kept losslessly as base64';
    msg.append(badge, document.createTextNode(rec.b64));
    text = rec.b64;
  } else {
    text = rec.msg ?? '';
    msg.textContent = text;
  }
  if (rec.partial) {
    li.classList.add('is-partial');
    const badge = document.createElement('span');
    badge.className = 'badge warn';
    badge.textContent = 'partial';
    badge.title = 'The sender disconnected before the end of this line';
    msg.prepend(badge);
  }
  if (rec.syslog) {
    const code = SEVERITIES.indexOf(rec.syslog.severity);
    if (code >= 0) li.dataset.sev = String(code);
    const head = document.createElement('span');
    head.className = 'sev';
    head.dataset.sev = rec.syslog.severity;
    head.textContent = rec.syslog.severity;
    head.title = `syslog ${rec.syslog.facility}.${rec.syslog.severity}${rec.syslog.host ? ` from ${rec.syslog.host}` : ''}${rec.syslog.time ? ` at ${rec.syslog.time}` : ''}`;
    const parts = [head];
    if (rec.syslog.app) {
      const app = document.createElement('span');
      app.className = 'app';
      app.textContent = `${rec.syslog.app}${rec.syslog.procid ? `[${rec.syslog.procid}]` : ''}:`;
      parts.push(app);
    }
    msg.prepend(...parts);
  }
  li.dataset.text = text;
  li.append(seq, time, src, msg);
  perSource.set(rec.src, (perSource.get(rec.src) ?? 0) + 1);
  li.hidden = !matches(li);
  if (!sources.has(rec.src) && sources.size < 200) {
    sources.add(rec.src);
    const opt = document.createElement('option');
    opt.value = rec.src;
    $('sources').append(opt);
  }
  return li;
}

function makeGapRow(from, to) {
  const li = document.createElement('li');
  li.className = 'row gap';
  li.dataset.src = '';
  li.dataset.text = '';
  li.dataset.gapFrom = String(from);
  li.dataset.gapTo = String(to);
  const note = document.createElement('span');
  note.className = 'msg';
  note.textContent = `${to - from + 1} record${to === from ? '' : 's'} (${from}–${to}) were not streamed live; they are in the journal. `;
  const btn = document.createElement('button');
  btn.type = 'button';
  btn.textContent = 'Show newest of them';
  btn.addEventListener('click', () => fillGap(li));
  note.append(btn);
  li.append(note);
  return li;
}

const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;

function enqueue(item) {
  queue.push(item);
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(render);
  }
}

/** One DOM update per frame, however many records arrived. */
function render() {
  scheduled = false;
  const items = queue;
  queue = [];
  const stick = $('follow').checked && atBottom();
  // Only the newest MAX_ROWS of a burst can stay on screen; skip building the rest.
  const start = Math.max(0, items.length - MAX_ROWS);
  const frag = document.createDocumentFragment();
  for (let i = start; i < items.length; i++) {
    const it = items[i];
    frag.append(it.gap ? makeGapRow(it.from, it.to) : makeRow(it));
  }
  list.append(frag);
  const limit = stick ? MAX_ROWS : HARD_MAX_ROWS;
  let extra = list.childElementCount - limit;
  if (extra > 0) {
    const before = scroller.scrollHeight;
    while (extra-- > 0) list.firstElementChild.remove();
    hasOlder = true;
    if (!stick) scroller.scrollTop -= before - scroller.scrollHeight;
  }
  const first = list.querySelector('.row[data-seq]');
  oldestSeq = first ? Number(first.dataset.seq) : oldestSeq;
  if (stick) scroller.scrollTop = scroller.scrollHeight;
  updateCounts();
}

function updateCounts() {
  $('stat-seq').textContent = lastSeq ? String(lastSeq) : '–';
  $('stat-rows').textContent = String(list.childElementCount);
  $('empty').hidden = list.childElementCount > 0;
  $('load-older').disabled = !hasOlder;
  $('older-note').textContent = hasOlder ? '' : 'Start of the journal';
}

async function fetchPage(before, limit) {
  const q = new URLSearchParams({ limit: String(limit) });
  if (before !== null && before !== undefined) q.set('before', String(before));
  const res = await fetch(`/_muxd/journal?${q}`, { headers: authHeaders, cache: 'no-store' });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new Error(body.error?.code ? `${body.error.code}: ${body.error.message}` : `HTTP ${res.status}`);
  }
  return res.json();
}

async function loadOlder() {
  const btn = $('load-older');
  btn.disabled = true;
  try {
    const page = await fetchPage(oldestSeq, PAGE);
    hasOlder = page.next !== null;
    const before = scroller.scrollHeight;
    const frag = document.createDocumentFragment();
    for (const rec of page.records) frag.append(makeRow(rec));
    list.prepend(frag);
    if (page.records.length) oldestSeq = page.records[0].seq;
    scroller.scrollTop += scroller.scrollHeight - before;
  } catch (err) {
    $('older-note').textContent = String(err.message);
  }
  updateCounts();
}

async function fillGap(li) {
  const from = Number(li.dataset.gapFrom);
  const to = Number(li.dataset.gapTo);
  const page = await fetchPage(to + 1, Math.min(1000, to - from + 1)).catch(() => null);
  if (!page) return;
  const frag = document.createDocumentFragment();
  const first = page.records[0]?.seq ?? to + 1;
  if (first > from) frag.append(makeGapRow(from, first - 1));
  for (const rec of page.records) frag.append(makeRow(rec));
  li.replaceWith(frag);
  updateCounts();
}

function setStatus(state, text) {
  const el = $('status');
  el.dataset.state = state;
  el.textContent = text;
}

function connect() {
  const q = lastSeq ? `?lastEventId=${lastSeq}` : '';
  const es = new EventSource(`/_muxd/events${q}`);
  es.addEventListener('open', () => setStatus('live', 'live'));
  es.addEventListener('error', () => setStatus('down', es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting'));
  es.addEventListener('message', (ev) => {
    const rec = JSON.parse(ev.data);
    if (rec.seq <= lastSeq) return;
    lastSeq = rec.seq;
    received++;
    rates[RATE_SECONDS - 1]++;
    enqueue(rec);
  });
  es.addEventListener('gap', (ev) => {
    const gap = JSON.parse(ev.data);
    if (gap.to <= lastSeq) return;
    lastSeq = gap.to;
    enqueue({ gap: true, from: Math.max(gap.from, 1), to: gap.to });
  });
}

function applyFilter() {
  filter.src = $('filter-src').value.trim().toLowerCase();
  filter.text = $('filter-text').value.trim().toLowerCase();
  filter.sev = $('filter-sev').value === '' ? -1 : Number($('filter-sev').value);
  for (const row of list.children) row.hidden = !matches(row);
  document.body.classList.toggle('filtered', Boolean(filter.src || filter.text || filter.sev >= 0));
}

async function send(ev) {
  ev.preventDefault();
  const box = $('send-text');
  const text = box.value;
  const out = $('send-status');
  if (!text.trim()) return;
  $('send-button').disabled = true;
  out.dataset.state = '';
  out.textContent = 'sending…';
  try {
    const res = await fetch('/_muxd/messages', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain; charset=utf-8', ...authHeaders },
      body: text,
    });
    const body = await res.json().catch(() => ({}));
    if (res.ok) {
      out.dataset.state = 'ok';
      out.textContent = body.seq !== undefined ? `ok ${body.seq}` : `ok ${body.seqs.length} messages (${body.seqs[0]}–${body.seqs.at(-1)})`;
      box.value = '';
      autosize();
    } else {
      out.dataset.state = 'error';
      out.textContent = `error ${body.error?.code ?? res.status} ${body.error?.message ?? ''}`;
    }
  } catch (err) {
    out.dataset.state = 'error';
    out.textContent = `error ${err.message}`;
  } finally {
    $('send-button').disabled = false;
    box.focus();
  }
}

function autosize() {
  const box = $('send-text');
  box.style.height = 'auto';
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

/** Draws the per-second rate of the last RATE_SECONDS seconds as bars, scaled to the peak. */
function drawRates() {
  const canvas = $('rate-chart');
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const peak = Math.max(1, ...rates);
  const bar = w / RATE_SECONDS;
  ctx.fillStyle = getComputedStyle(canvas).color;
  for (let i = 0; i < RATE_SECONDS; i++) {
    if (rates[i] === 0) continue;
    const bh = Math.max(ratio, (rates[i] / peak) * (h - ratio));
    ctx.fillRect(i * bar, h - bh, Math.max(ratio, bar - ratio * 0.25), bh);
  }
  canvas.dataset.peak = String(Math.max(...rates));
  canvas.dataset.total = String(rates.reduce((a, b) => a + b, 0));
  $('rate-peak').textContent = String(Math.max(...rates));
}

/** The busiest sources first, with their record counts; a click filters by that source. */
function drawSourceCounts() {
  const top = [...perSource].sort((a, b) => b[1] - a[1]).slice(0, SOURCE_ROWS);
  const frag = document.createDocumentFragment();
  for (const [src, n] of top) {
    const li = document.createElement('li');
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'src';
    btn.style.setProperty('--h', String(hue(srcKind(src) === 'tcp' ? src : srcKind(src))));
    btn.textContent = src;
    btn.title = `Show only ${src}`;
    const count = document.createElement('b');
    count.className = 'count';
    count.textContent = String(n);
    li.dataset.src = src;
    li.append(btn, count);
    frag.append(li);
  }
  $('source-counts').replaceChildren(frag);
}

setInterval(() => {
  $('stat-rate').textContent = String(received);
  received = 0;
  drawRates();
  drawSourceCounts();
  rates.shift();
  rates.push(0);
}, 1000);

$('filter-src').addEventListener('input', applyFilter);
$('filter-text').addEventListener('input', applyFilter);
$('filter-sev').addEventListener('change', applyFilter);
$('source-counts').addEventListener('click', (ev) => {
  const chip = ev.target.closest('.src');
  if (!chip) return;
  const input = $('filter-src');
  input.value = input.value === chip.textContent ? '' : chip.textContent;
  applyFilter();
});
$('load-older').addEventListener('click', loadOlder);
$('send').addEventListener('submit', send);
$('send-text').addEventListener('input', autosize);
$('send-text').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    $('send').requestSubmit();
  }
});
list.addEventListener('click', (ev) => {
  const chip = ev.target.closest('.src');
  if (!chip) return;
  const input = $('filter-src');
  input.value = input.value === chip.textContent ? '' : chip.textContent;
  applyFilter();
});
$('follow').addEventListener('change', () => {
  if ($('follow').checked) scroller.scrollTop = scroller.scrollHeight;
});

(async () => {
  try {
    await startSession();
    const page = await fetchPage(null, PAGE);
    hasOlder = page.next !== null;
    for (const rec of page.records) enqueue(rec);
    if (page.records.length) lastSeq = page.records.at(-1).seq;
  } catch (err) {
    setStatus('down', String(err.message));
  }
  updateCounts();
  drawSourceCounts();
  drawRates();
  connect();
})();
