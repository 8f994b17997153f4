// The muxd live journal page: history over fetch, live records over EventSource, batched rendering, filters, send box.
const MAX_ROWS = 2000; // rows kept while following the tail
const HARD_MAX_ROWS = 10000; // rows kept even while reading older history
const PAGE = 200;

const $ = (id) => document.getElementById(id);
const list = $('messages');
const scroller = $('scroller');
const token = takeToken();
const authHeaders = token ? { Authorization: `Bearer ${token}` } : {};

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
const filter = { src: '', text: '' };

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
  li.dataset.text = text;
  li.append(seq, time, src, msg);
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
  for (const row of list.children) row.hidden = !matches(row);
  document.body.classList.toggle('filtered', Boolean(filter.src || filter.text));
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

setInterval(() => {
  $('stat-rate').textContent = String(received);
  received = 0;
}, 1000);

$('filter-src').addEventListener('input', applyFilter);
$('filter-text').addEventListener('input', applyFilter);
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
  connect();
})();
