// The muxd journal page: follows the journal live (history over fetch, records over EventSource, batched rendering),
// searches the whole journal on the server (query bar kept in the URL), opens a record's surroundings (#seq=N), and
// draws the per-second rate (seeded from /_muxd/stats) and the counts per source.
const MAX_ROWS = 2000; // rows kept while following the tail
const HARD_MAX_ROWS = 10000; // rows kept even while reading older history or search results
const PAGE = 200;
const CONTEXT = 100; // records on each side of a permalinked record
const AUTO_CONTINUE = 4; // extra requests a search makes on its own when the server's budget ran out
const TYPING_DELAY = 400; // ms of quiet typing before a search runs
const RATE_SECONDS = 300; // the sparkline's window: one bar per second
const SOURCE_ROWS = 8; // sources listed in the counts panel
const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const SEVERITY_ALIASES = { panic: 'emerg', emergency: 'emerg', critical: 'crit', error: 'err', warn: 'warning', informational: 'info' };
/** The search filters, in URL order; the same names and meaning as `muxd tail --grep/--src/--app/--severity/--since/--until`. */
const FILTERS = ['grep', 'src', 'app', 'severity', 'since', 'until'];

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

/** A failed request: the server's error code and message, or the HTTP status. */
class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? `HTTP_${status}`;
  }
}

/** GET `path?params` as JSON; 429 answers resolve with `{ retryAfter }` so the caller can wait and try again. */
async function getJson(path, params, signal) {
  const q = new URLSearchParams(params).toString();
  const res = await fetch(`${path}${q ? `?${q}` : ''}`, { headers: authHeaders, cache: 'no-store', signal });
  if (res.status === 429) {
    await res.body?.cancel();
    const s = Number(res.headers.get('Retry-After'));
    return { retryAfter: Number.isFinite(s) && s > 0 ? Math.min(s, 60) : 1 };
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

// ---- The query: one object, the form and the URL ----

const EMPTY_QUERY = Object.freeze({ grep: '', src: '', app: '', severity: '', since: '', until: '' });

function queryFromParams(params) {
  const q = { ...EMPTY_QUERY };
  for (const k of FILTERS) q[k] = params.get(k) ?? '';
  return q;
}

function queryParams(q) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (q[k] !== '') p.set(k, q[k]);
  return p;
}

const isEmptyQuery = (q) => FILTERS.every((k) => q[k] === '');

/** A date-time without a zone means the browser's local time: sent (and shared) as UTC, so a link means one instant. */
function normaliseTime(raw) {
  const v = raw.trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$/.exec(v);
  if (!m) return v;
  const d = new Date(`${m[1]}T${m[2] ?? '00:00'}`);
  return Number.isNaN(d.getTime()) ? v : d.toISOString();
}

function readForm() {
  const range = $('q-range').value;
  const custom = range === 'custom';
  return {
    grep: $('q-grep').value,
    src: $('q-src').value.trim(),
    app: $('q-app').value.trim(),
    severity: $('q-severity').value,
    since: custom ? normaliseTime($('q-since').value) : range,
    until: custom ? normaliseTime($('q-until').value) : '',
  };
}

/** Shows `q` in the form; values the selects do not list (`severity=4`, `since=2h`) get an option of their own. */
function writeForm(q) {
  $('q-grep').value = q.grep;
  $('q-src').value = q.src;
  $('q-app').value = q.app;
  const sev = /^[0-7]$/.test(q.severity) ? SEVERITIES[Number(q.severity)] : (SEVERITY_ALIASES[q.severity.toLowerCase()] ?? q.severity.toLowerCase());
  ensureOption($('q-severity'), sev, `${q.severity} and worse`);
  $('q-severity').value = sev;
  // The server gets the value as written: q.severity may be an alias or a code, kept in the URL too.
  $('q-severity').dataset.raw = q.severity;
  const preset = q.until === '' && [...$('q-range').options].some((o) => o.value === q.since && o.value !== 'custom');
  $('q-range').value = preset ? q.since : 'custom';
  $('q-since').value = preset ? '' : q.since;
  $('q-until').value = preset ? '' : q.until;
  document.body.classList.toggle('custom-range', !preset);
}

function ensureOption(select, value, label) {
  if ([...select.options].some((o) => o.value === value)) return;
  const opt = document.createElement('option');
  opt.value = value;
  opt.textContent = label;
  select.append(opt);
}

const urlFor = (q) => {
  const p = queryParams(q).toString();
  return `${location.pathname}${p ? `?${p}` : ''}`;
};

// ---- Rows ----

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
const sources = new Set();

function hue(text) {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) >>> 0;
  return h % 360;
}

function srcKind(src) {
  const i = src.indexOf(':');
  return i === -1 ? src : src.slice(0, i);
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function srcChip(src) {
  const btn = el('button', 'src', src);
  btn.type = 'button';
  btn.dataset.kind = srcKind(src);
  btn.style.setProperty('--h', String(hue(srcKind(src) === 'tcp' ? src : srcKind(src))));
  btn.title = `Search ${src}`;
  return btn;
}

function fieldChip(name, value) {
  const chip = el('span', 'kv');
  chip.dataset.name = name;
  chip.append(el('b', '', name), document.createTextNode('='), el('span', 'v', value));
  return chip;
}

/** The syslog header fields and the structured data: chips under the message, one group per SD-ID. */
function makeFields(sl) {
  const box = el('div', 'fields');
  for (const name of ['facility', 'host', 'msgid']) if (sl[name] !== undefined) box.append(fieldChip(name, sl[name]));
  for (const [id, params] of Object.entries(sl.sd ?? {})) {
    const group = el('span', 'sd');
    group.dataset.sdId = id;
    group.append(el('span', 'sd-id', id));
    for (const [name, value] of Object.entries(params)) {
      for (const one of Array.isArray(value) ? value : [value]) group.append(fieldChip(name, one));
    }
    box.append(group);
  }
  return box;
}

function makeRow(rec) {
  const li = el('li', 'row');
  li.dataset.seq = String(rec.seq);
  li.dataset.src = rec.src;
  const seq = el('a', 'seq', String(rec.seq));
  seq.href = `${location.pathname}#seq=${rec.seq}`;
  seq.title = `Permalink: the records around #${rec.seq} (a click also copies the link)`;
  const time = el('time', 'time');
  const d = new Date(rec.ts);
  time.dateTime = rec.ts;
  time.title = rec.ts;
  time.textContent = Number.isNaN(d.getTime()) ? rec.ts : `${timeFmt.format(d)}.${String(d.getMilliseconds()).padStart(3, '0')}`;
  const msg = el('span', 'msg');
  if (rec.b64 !== undefined) {
    li.classList.add('is-b64');
    const badge = el('span', 'badge', 'b64');
    badge.title = 'Not valid UTF-8: kept losslessly as base64';
    msg.append(badge, document.createTextNode(rec.b64));
  } else {
    msg.textContent = rec.msg ?? '';
  }
  if (rec.partial) {
    li.classList.add('is-partial');
    const badge = el('span', 'badge warn', 'partial');
    badge.title = 'The sender disconnected before the end of this line';
    msg.prepend(badge);
  }
  li.append(seq, time, srcChip(rec.src), msg);
  const sl = rec.syslog;
  if (sl) {
    const code = SEVERITIES.indexOf(sl.severity);
    if (code >= 0) li.dataset.sev = String(code);
    const head = el('span', 'sev', sl.severity);
    head.dataset.sev = sl.severity;
    head.title = `syslog ${sl.facility}.${sl.severity}${sl.time ? ` sent at ${sl.time}` : ''}`;
    const parts = [head];
    if (sl.app) parts.push(el('span', 'app', `${sl.app}${sl.procid ? `[${sl.procid}]` : ''}:`));
    msg.prepend(...parts);
    li.append(makeFields(sl));
  }
  if (!sources.has(rec.src) && sources.size < 200) {
    sources.add(rec.src);
    const opt = document.createElement('option');
    opt.value = rec.src;
    $('sources').append(opt);
  }
  return li;
}

function makeGapRow(from, to) {
  const li = el('li', 'row gap');
  li.dataset.gapFrom = String(from);
  li.dataset.gapTo = String(to);
  const note = el('span', 'msg', `${to - from + 1} record${to === from ? '' : 's'} (${from}–${to}) were not streamed live; they are in the journal. `);
  const btn = el('button', '', 'Show newest of them');
  btn.type = 'button';
  btn.addEventListener('click', () => fillGap(li));
  note.append(btn);
  li.append(note);
  return li;
}

const rowsOf = (records) => {
  const frag = document.createDocumentFragment();
  for (const rec of records) frag.append(makeRow(rec));
  return frag;
};
const firstSeq = () => Number(list.querySelector('.row[data-seq]')?.dataset.seq ?? NaN);
const lastShownSeq = () => {
  const rows = list.querySelectorAll('.row[data-seq]');
  return rows.length ? Number(rows[rows.length - 1].dataset.seq) : 0;
};

// ---- Views: following the tail, search results, the records around one seq ----

/** What the list shows. Every new view bumps `gen` and aborts the old one's requests; late answers are dropped. */
const view = {
  mode: 'following', // 'following' | 'search' | 'context'
  gen: 0,
  abort: new AbortController(),
  query: EMPTY_QUERY,
  target: 0, // context: the permalinked seq
  before: null, // "Load older" continues below this seq (the answer's `next`); null with hasOlder false: the start
  hasOlder: false,
  after: null, // newer records continue above this seq (context: "Load newer"; search: new matches)
  busy: false,
  scanned: { records: 0, bytes: 0 },
  complete: true, // false: the server's budget ran out before a page was full
  pending: 0, // search and context: live records that arrived since
  error: null,
  note: '',
};
let liveSeq = 0; // the newest seq the page knows of (history and the event stream)
let liveBuffer = null; // following: live records that arrive while the newest page loads
let appliedKey = null; // the location (search + hash) the current view was built from
let queue = []; // live records waiting for the next animation frame
let scheduled = false;

function startView(mode) {
  view.abort.abort();
  view.abort = new AbortController();
  view.gen++;
  Object.assign(view, { mode, before: null, hasOlder: false, after: null, busy: true, scanned: { records: 0, bytes: 0 }, complete: true, pending: 0, error: null, note: '' });
  queue = [];
  liveBuffer = null;
  list.replaceChildren();
  showView();
  return view.gen;
}

function sleep(ms, signal) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });
}

/**
 * Pages through the journal with `params` (older: newest first below view.before; newer: oldest first above
 * view.after), handing each page's records to `onPage`, until `want` records came, the journal ends, or the server's
 * budget ran out more than `autos` times. A 429 is waited out (its Retry-After) and retried. Returns the number of
 * records, or null when the view changed meanwhile.
 */
async function scan(gen, params, dir, { autos = 0, want = PAGE, onPage, head = liveSeq }) {
  const older = dir === 'older';
  let cursor = older ? view.before : view.after;
  let got = 0;
  let last = 0;
  for (;;) {
    const p = Object.fromEntries(new URLSearchParams(params));
    p.limit = String(Math.min(1000, want - got));
    if (cursor !== null) p[older ? 'before' : 'after'] = String(cursor);
    const page = await getJson('/_muxd/journal', p, view.abort.signal);
    if (gen !== view.gen) return null;
    if (page.retryAfter !== undefined) {
      view.note = `The server is running too many searches: trying again in ${page.retryAfter} s…`;
      showView();
      await sleep(page.retryAfter * 1000, view.abort.signal);
      if (gen !== view.gen) return null;
      view.note = '';
      continue;
    }
    view.scanned.records += page.scanned?.records ?? 0;
    view.scanned.bytes += page.scanned?.bytes ?? 0;
    view.complete = page.complete !== false;
    cursor = page.next ?? null;
    got += page.records.length;
    if (page.records.length) last = Math.max(last, page.records.at(-1).seq);
    onPage(page.records);
    showView();
    if (cursor === null || got >= want || view.complete || autos-- <= 0) break;
  }
  if (older) {
    view.before = cursor;
    view.hasOlder = cursor !== null;
  } else {
    // Without a cursor every record up to `head` (durable before the request) was scanned.
    view.after = cursor ?? Math.max(view.after ?? 0, head, last);
  }
  return got;
}

function prependRows(records) {
  if (!records.length) return;
  const before = scroller.scrollHeight;
  list.prepend(rowsOf(records));
  scroller.scrollTop += scroller.scrollHeight - before;
}

function appendRows(records) {
  const top = lastShownSeq();
  const fresh = records.filter((r) => r.seq > top);
  if (!fresh.length) return;
  const stick = atBottom();
  list.append(rowsOf(fresh));
  let extra = list.childElementCount - HARD_MAX_ROWS;
  if (extra > 0) {
    while (extra-- > 0) list.firstElementChild.remove();
    view.before = firstSeq();
    view.hasOlder = true;
  }
  if (stick) scroller.scrollTop = scroller.scrollHeight;
}

function failView(gen, err) {
  if (gen !== view.gen || err.name === 'AbortError') return;
  view.busy = false;
  view.error = err;
  showView();
}

/** Awaits one run of requests of view `gen`; true when it finished and the view is still the same. */
async function settle(gen, work) {
  try {
    if ((await work()) === null) return false;
  } catch (err) {
    failView(gen, err);
    return false;
  }
  view.busy = false;
  showView();
  return true;
}

/** Following: the newest page, then live records as they come. */
async function follow() {
  const gen = startView('following');
  view.query = EMPTY_QUERY;
  liveBuffer = [];
  const ok = await settle(gen, () => scan(gen, {}, 'older', { onPage: prependRows }));
  if (gen !== view.gen) return;
  const buffered = liveBuffer ?? [];
  liveBuffer = null;
  if (!ok) return;
  const top = lastShownSeq();
  liveSeq = Math.max(liveSeq, top);
  for (const it of buffered) {
    if (it.gap && it.to > top) enqueue({ ...it, from: Math.max(it.from, top + 1) });
    else if (!it.gap && it.seq > top) enqueue(it);
  }
  if (!countedHistory) {
    countedHistory = true;
    for (const row of list.querySelectorAll('.row[data-seq]')) perSource.set(row.dataset.src, (perSource.get(row.dataset.src) ?? 0) + 1);
    drawSourceCounts();
  }
  scroller.scrollTop = scroller.scrollHeight;
}

/** Search: the newest matches first (pages of PAGE through `next`), over the whole journal on the server. */
async function runSearch(q) {
  const gen = startView('search');
  view.query = q;
  view.after = liveSeq;
  const done = await settle(gen, () => scan(gen, queryParams(q), 'older', { autos: AUTO_CONTINUE, onPage: prependRows }));
  if (done) scroller.scrollTop = scroller.scrollHeight;
}

/** The records around `seq` (a permalink, #seq=N): CONTEXT before it and CONTEXT after it, whatever the query. */
async function openContext(seq) {
  const gen = startView('context');
  view.target = seq;
  view.before = seq + 1;
  view.after = seq;
  const older = [];
  const newer = [];
  try {
    const done = await Promise.all([
      scan(gen, {}, 'older', { want: CONTEXT, onPage: (r) => older.unshift(...r) }),
      scan(gen, {}, 'newer', { want: CONTEXT, onPage: (r) => newer.push(...r) }),
    ]);
    if (done.includes(null)) return;
  } catch (err) {
    return failView(gen, err);
  }
  list.append(rowsOf(older), rowsOf(newer));
  const row = list.querySelector(`.row[data-seq="${seq}"]`);
  if (row) row.classList.add('is-target');
  else view.note = `Record #${seq} is not in the journal (rotated away, or not written yet).`;
  view.busy = false;
  showView();
  (row ?? list.lastElementChild)?.scrollIntoView({ block: 'center' });
}

/** Jump to a time: the last record at or before it, shown with its surroundings (and linked as #seq=N). */
async function jumpTo(when) {
  const gen = startView('context');
  view.target = 0;
  let found = null;
  try {
    const n = await scan(gen, { until: when }, 'older', { autos: AUTO_CONTINUE, want: 1, onPage: (r) => (found = r.at(-1) ?? found) });
    if (n === null) return;
  } catch (err) {
    return failView(gen, err);
  }
  if (found === null) {
    view.busy = false;
    view.note = `No record at or before ${new Date(when).toLocaleString()}${view.hasOlder ? ' in the part of the journal searched so far' : ''}.`;
    return showView();
  }
  history.pushState(null, '', `${location.pathname}#seq=${found.seq}`);
  applyLocation();
}

async function loadOlder() {
  const gen = view.gen;
  view.busy = true;
  showView();
  const search = view.mode === 'search';
  await settle(gen, () => scan(gen, search ? queryParams(view.query) : {}, 'older', { autos: search ? AUTO_CONTINUE : 0, onPage: prependRows }));
}

/** Context: the records after the newest shown. Search: the matches among the records that arrived since. */
async function loadNewer() {
  const gen = view.gen;
  const head = liveSeq;
  view.busy = true;
  view.pending = 0;
  showView();
  const search = view.mode === 'search';
  // New matches: all of them (up to a page of 1,000); the records around a seq: one more page.
  await settle(gen, () => scan(gen, search ? queryParams(view.query) : {}, 'newer', { autos: AUTO_CONTINUE, want: search ? 1000 : PAGE, onPage: appendRows, head }));
}

async function fillGap(li) {
  const from = Number(li.dataset.gapFrom);
  const to = Number(li.dataset.gapTo);
  const page = await getJson('/_muxd/journal', { before: String(to + 1), limit: String(Math.min(1000, to - from + 1)) }).catch(() => null);
  if (!page?.records) return;
  const frag = document.createDocumentFragment();
  const first = page.records[0]?.seq ?? to + 1;
  if (first > from) frag.append(makeGapRow(from, first - 1));
  frag.append(rowsOf(page.records));
  li.replaceWith(frag);
  showView();
}

// ---- Showing the view's state ----

const nf = new Intl.NumberFormat();
function scannedText() {
  const { records, bytes } = view.scanned;
  if (!records && !bytes) return '';
  const size = bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
  return `searched ${nf.format(records)} records (${size})`;
}

function stateOf(rows) {
  if (view.error) return 'error';
  if (view.mode === 'following') return rows ? 'following' : view.busy ? 'loading' : 'empty';
  if (view.mode === 'context') return view.busy && !rows ? 'loading' : 'context';
  if (view.busy) return 'searching';
  if (rows) return 'results';
  return view.hasOlder ? 'paused' : 'none';
}

/** Puts the view on the page: state, banner, buttons, counts. Cheap: called after every page and live batch. */
function showView() {
  const rows = list.querySelectorAll('.row[data-seq]').length;
  const state = stateOf(rows);
  document.body.dataset.state = state;
  document.body.dataset.mode = view.mode;
  list.setAttribute('aria-busy', String(view.busy));
  const search = view.mode === 'search';
  let text = 'Following the journal live';
  if (search) {
    if (state === 'error') text = 'The search could not run';
    else if (state === 'searching') text = 'Searching the journal…';
    else if (state === 'none') text = 'No matches in the whole journal';
    else if (state === 'paused') text = 'No matches yet';
    else text = `${nf.format(rows)} match${rows === 1 ? '' : 'es'} shown, newest at the bottom`;
  }
  else if (view.mode === 'context') text = view.target ? `The records around #${view.target}` : 'Jumping to a time…';
  setText($('mode-text'), text);
  let scanned = search ? scannedText() : '';
  if (scanned && !view.busy && view.hasOlder && !view.complete) scanned += ' so far…';
  setText($('progress'), [scanned, view.note].filter(Boolean).join(' · '));
  $('spinner').hidden = !view.busy;
  $('continue').hidden = !(search && !view.busy && view.hasOlder && !view.complete && !view.error);
  const newer = view.mode !== 'following' && !view.error && (view.pending > 0 || (view.mode === 'context' && view.after !== null));
  $('new-matches').hidden = !(search && view.pending > 0);
  setText($('new-matches'), `${nf.format(view.pending)} new record${view.pending === 1 ? '' : 's'} since this search · show new matches`);
  $('new-matches').disabled = view.busy;
  $('load-newer').hidden = !newer;
  $('load-newer').disabled = view.busy;
  $('load-newer').textContent = search ? 'Show new matches' : `Load newer${view.pending ? ` (${nf.format(view.pending)} new)` : ''}`;
  $('download').hidden = !search || Boolean(view.error);
  $('download').href = `/_muxd/journal.jsonl?${queryParams(view.query)}`;
  $('back-live').hidden = view.mode === 'following';
  $('follow-toggle').hidden = view.mode !== 'following';
  const capped = rows >= HARD_MAX_ROWS && view.mode !== 'following';
  $('load-older').disabled = !view.hasOlder || view.busy || capped || Boolean(view.error);
  $('load-older').textContent = search && !view.complete ? 'Continue searching older records' : 'Load older';
  let older = '';
  if (capped) older = `${nf.format(HARD_MAX_ROWS)} rows shown: narrow the search, or download the results`;
  else if (!view.hasOlder && !view.busy && rows) older = search ? 'Searched back to the start of the journal' : 'Start of the journal';
  $('older-note').textContent = older;
  $('empty').hidden = state !== 'empty';
  $('none').hidden = state !== 'none';
  const err = $('q-error');
  err.hidden = !view.error;
  err.textContent = view.error ? `${view.error.message}${view.error.code ? ` (${view.error.code})` : ''}` : '';
  // A 400 names its parameter first ("grep has an invalid regular expression: …"): mark that field.
  const bad = view.error?.code === 'ERR_BAD_QUERY' ? /^\w+/.exec(view.error.message)?.[0] : undefined;
  for (const name of ['grep', 'src', 'app', 'severity', 'since', 'until']) $(`q-${name}`).setAttribute('aria-invalid', String(name === bad));
  setText($('stat-seq'), liveSeq ? String(liveSeq) : '–');
  setText($('stat-rows'), String(rows));
}

/** Writes only changes: the banner is a live region, and a rewrite of the same text would be announced again. */
function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

let showScheduled = false;
function showSoon() {
  if (showScheduled) return;
  showScheduled = true;
  requestAnimationFrame(() => {
    showScheduled = false;
    showView();
  });
}

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (t.textContent = ''), 2500);
}

// ---- Following: live records, batched per frame ----

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
  if (view.mode !== 'following' || !items.length) return;
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
    view.before = firstSeq();
    view.hasOlder = true;
    if (!stick) scroller.scrollTop -= before - scroller.scrollHeight;
  }
  if (stick) scroller.scrollTop = scroller.scrollHeight;
  showView();
}

/** A live record or gap: rendered while following, counted as new otherwise. */
function onLive(item) {
  if (view.mode === 'following') {
    if (liveBuffer) liveBuffer.push(item);
    else enqueue(item);
    return;
  }
  view.pending += item.gap ? item.to - item.from + 1 : 1;
  showSoon();
}

function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

function connect() {
  const q = liveSeq ? `?lastEventId=${liveSeq}` : '';
  const es = new EventSource(`/_muxd/events${q}`);
  es.addEventListener('open', () => setStatus('live', 'live'));
  es.addEventListener('error', () => setStatus('down', es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting'));
  es.addEventListener('message', (ev) => {
    const rec = JSON.parse(ev.data);
    if (rec.seq <= liveSeq) return;
    liveSeq = rec.seq;
    received++;
    // Records older than the stats snapshot are already in its counts.
    if (!(Date.parse(rec.ts) < seededUntil)) rates[RATE_SECONDS - 1]++;
    perSource.set(rec.src, (perSource.get(rec.src) ?? 0) + 1);
    onLive(rec);
  });
  es.addEventListener('gap', (ev) => {
    const gap = JSON.parse(ev.data);
    if (gap.to <= liveSeq) return;
    liveSeq = gap.to;
    onLive({ gap: true, from: Math.max(gap.from, 1), to: gap.to });
  });
}

// ---- Rate chart (seeded from /_muxd/stats) and counts per source ----

/** Records per second, oldest first; the last slot is the current second. */
const rates = new Array(RATE_SECONDS).fill(0);
/** Records seen per source (the first page while following, then live), for the counts panel. */
const perSource = new Map();
let countedHistory = false;
let received = 0;
let seededUntil = -Infinity;

/** Fills the chart with the server's per-second counts of the last 5 minutes, so a reload does not start empty. */
async function seedRates() {
  try {
    const s = await getJson('/_muxd/stats', { since: '5m' });
    if (!Array.isArray(s?.counts)) return;
    const step = s.step || 1000;
    for (let i = 0; i < s.counts.length; i++) {
      const slot = RATE_SECONDS - 1 - Math.floor((s.now - (s.start + i * step)) / 1000);
      if (slot >= 0 && slot < RATE_SECONDS) rates[slot] += s.counts[i];
    }
    seededUntil = s.now;
  } catch {
    // a server without /_muxd/stats: the chart counts from now on
  }
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

/** The busiest sources first, with their record counts; a click searches that source. */
function drawSourceCounts() {
  const top = [...perSource].sort((a, b) => b[1] - a[1]).slice(0, SOURCE_ROWS);
  const frag = document.createDocumentFragment();
  for (const [src, n] of top) {
    const li = el('li');
    li.dataset.src = src;
    li.append(srcChip(src), el('b', 'count', String(n)));
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

// ---- Navigation: the URL is the view ----

const sameQuery = (a, b) => FILTERS.every((k) => a[k] === b[k]);

/** Builds the view the address bar names: #seq=N the records around N, a query its search, else following. */
function applyLocation() {
  const key = `${location.search}${location.hash}`;
  if (key === appliedKey) return Promise.resolve();
  appliedKey = key;
  const seq = Number(new URLSearchParams(location.hash.slice(1)).get('seq'));
  const q = Number.isSafeInteger(seq) && seq > 0 ? EMPTY_QUERY : queryFromParams(new URLSearchParams(location.search));
  // Never rewrite what the user is typing when it already says the same.
  if (!sameQuery(readForm(), q)) writeForm(q);
  if (Number.isSafeInteger(seq) && seq > 0) return openContext(seq);
  if (!isEmptyQuery(q)) return runSearch(q);
  return follow();
}

let typing = false; // the current run of keystrokes already has its own history entry
let typingTimer = 0;

/** Puts the form's query into the address bar (a new history entry with `push`) and runs it. */
function commit(push, force = false) {
  clearTimeout(typingTimer);
  const url = urlFor(readForm());
  if (url !== `${location.pathname}${location.search}${location.hash}`) history[push ? 'pushState' : 'replaceState'](null, '', url);
  if (force) appliedKey = null;
  applyLocation();
}

function clearQuery() {
  clearTimeout(typingTimer);
  typing = false;
  writeForm(EMPTY_QUERY);
  commit(true);
}

function onTyping() {
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => {
    commit(!typing);
    typing = true;
  }, TYPING_DELAY);
}

for (const id of ['q-grep', 'q-src', 'q-app', 'q-since', 'q-until']) {
  $(id).addEventListener('input', onTyping);
  $(id).addEventListener('change', () => (typing = false));
}
$('q-severity').addEventListener('change', () => commit(true));
$('q-range').addEventListener('change', () => {
  const custom = $('q-range').value === 'custom';
  document.body.classList.toggle('custom-range', custom);
  if (custom) {
    // The custom range starts from the range in force (an age such as 15m stays an age).
    const now = queryFromParams(new URLSearchParams(location.search));
    if (!$('q-since').value && !$('q-until').value) [$('q-since').value, $('q-until').value] = [now.since, now.until];
    $('q-since').focus();
  }
  else commit(true);
});
$('query').addEventListener('submit', (ev) => {
  ev.preventDefault();
  typing = false;
  commit(true, true);
});
$('q-clear').addEventListener('click', clearQuery);
$('back-live').addEventListener('click', clearQuery);
$('jump').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const when = normaliseTime($('jump-time').value);
  if (when) jumpTo(when);
});
$('load-older').addEventListener('click', loadOlder);
$('continue').addEventListener('click', loadOlder);
$('load-newer').addEventListener('click', loadNewer);
$('new-matches').addEventListener('click', loadNewer);
$('download').addEventListener('click', download);
window.addEventListener('popstate', () => applyLocation());
window.addEventListener('hashchange', () => applyLocation());

document.addEventListener('keydown', (ev) => {
  if (ev.defaultPrevented || ev.ctrlKey || ev.metaKey || ev.altKey || ev.isComposing) return;
  const inField = ev.target instanceof Element && ev.target.closest('input, textarea, select, [contenteditable]') !== null;
  if (ev.key === '/' && !inField) {
    ev.preventDefault();
    $('q-grep').focus();
    $('q-grep').select();
  } else if (ev.key === 'Escape' && ev.target !== $('send-text')) {
    ev.preventDefault();
    clearQuery();
  }
});

/** A click on a source chip searches that source (a second click on the same one clears it). */
function onSourceClick(ev) {
  const chip = ev.target.closest('.src');
  if (!chip) return false;
  $('q-src').value = $('q-src').value === chip.textContent ? '' : chip.textContent;
  typing = false;
  commit(true);
  return true;
}

list.addEventListener('click', (ev) => {
  const link = ev.target.closest('a.seq');
  if (link && ev.button === 0 && !(ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey)) {
    ev.preventDefault();
    navigator.clipboard?.writeText(link.href).then(() => toast(`Link to #${link.textContent} copied`), () => {});
    history.pushState(null, '', `${location.pathname}#seq=${link.textContent}`);
    applyLocation();
    return;
  }
  onSourceClick(ev);
});
$('source-counts').addEventListener('click', onSourceClick);
$('follow').addEventListener('change', () => {
  if ($('follow').checked) scroller.scrollTop = scroller.scrollHeight;
});

/**
 * "Download these results": a plain link streams /_muxd/journal.jsonl. With a token the link alone would be refused
 * (a link cannot carry the header, and the token stays out of URLs), so the page fetches it with the header instead.
 */
async function download(ev) {
  if (!token) return;
  ev.preventDefault();
  const a = ev.currentTarget;
  try {
    const res = await fetch(a.href, { headers: authHeaders, cache: 'no-store' });
    if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
    const url = URL.createObjectURL(await res.blob());
    const tmp = el('a');
    tmp.href = url;
    tmp.download = a.download;
    document.body.append(tmp);
    tmp.click();
    tmp.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  } catch (err) {
    toast(`Download failed: ${err.message}`);
  }
}

// ---- The send box ----

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

$('send').addEventListener('submit', send);
$('send-text').addEventListener('input', autosize);
$('send-text').addEventListener('keydown', (ev) => {
  if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
    ev.preventDefault();
    $('send').requestSubmit();
  }
});

// ---- Start ----

(async () => {
  try {
    await startSession();
  } catch (err) {
    setStatus('down', String(err.message));
  }
  await seedRates();
  drawRates();
  const following = !location.search && !/(^#|&)seq=/.test(location.hash);
  if (!following) {
    // The newest seq first: a search then counts only the records written after it as new.
    const head = await getJson('/_muxd/journal', { limit: '1' }).catch(() => null);
    liveSeq = head?.records?.at(-1)?.seq ?? 0;
  }
  const first = applyLocation();
  // Following resumes the event stream from its newest record; the other views only count what comes.
  if (view.mode === 'following') await first;
  connect();
})();
