// The page's three views and their moves: following the tail, search results, the records around one seq (or a
// time); the address bar names the view, and applyLocation builds the view it names.
import { getJson } from './api.js';
import { list, scroller } from './dom.js';
import { EMPTY_QUERY, isEmptyQuery, queryFromParams, queryParams, readForm, sameQuery, writeForm } from './query.js';
import { countShownOnce } from './rates.js';
import { lastShownSeq, rowsOf } from './rows.js';
import { failView, scan, settle, startView } from './scan.js';
import { showView } from './show.js';
import { AUTO_CONTINUE, CONTEXT, PAGE, live, view } from './state.js';
import { appendRows, enqueue, prependRows } from './tail.js';

let appliedKey = null; // the location (search + hash) the current view was built from

/** Following: the newest page, then live records as they come. */
async function follow() {
  const gen = startView('following');
  view.query = EMPTY_QUERY;
  live.buffer = [];
  const ok = await settle(gen, () => scan(gen, {}, 'older', { onPage: prependRows }));
  if (gen !== view.gen) return;
  const buffered = live.buffer ?? [];
  live.buffer = null;
  if (!ok) return;
  const top = lastShownSeq();
  live.seq = Math.max(live.seq, top);
  for (const it of buffered) {
    if (it.gap && it.to > top) enqueue({ ...it, from: Math.max(it.from, top + 1) });
    else if (!it.gap && it.seq > top) enqueue(it);
  }
  countShownOnce();
  scroller.scrollTop = scroller.scrollHeight;
}

/** Search: the newest matches first (pages of PAGE through `next`), over the whole journal on the server. */
async function runSearch(q) {
  const gen = startView('search');
  view.query = q;
  view.after = live.seq;
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
export async function jumpTo(when) {
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

/** "Load older" and "Continue": the next page below the rows shown (search: the next matches). */
export async function loadOlder() {
  const gen = view.gen;
  view.busy = true;
  showView();
  const search = view.mode === 'search';
  await settle(gen, () => scan(gen, search ? queryParams(view.query) : {}, 'older', { autos: search ? AUTO_CONTINUE : 0, onPage: prependRows }));
}

/** Context: the records after the newest shown. Search: the matches among the records that arrived since. */
export async function loadNewer() {
  const gen = view.gen;
  const head = live.seq;
  view.busy = true;
  view.pending = 0;
  showView();
  const search = view.mode === 'search';
  // New matches: all of them (up to a page of 1,000); the records around a seq: one more page.
  await settle(gen, () => scan(gen, search ? queryParams(view.query) : {}, 'newer', { autos: AUTO_CONTINUE, want: search ? 1000 : PAGE, onPage: appendRows, head }));
}

/** Makes the next {@link applyLocation} rebuild the view even when the address bar did not change. */
export function forgetLocation() {
  appliedKey = null;
}

/** Builds the view the address bar names: #seq=N the records around N, a query its search, else following. */
export function applyLocation() {
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

/** The newest seq in the journal, so that a search counts only the records written after it as new. */
export async function fetchHead() {
  const head = await getJson('/_muxd/journal', { limit: '1' }).catch(() => null);
  live.seq = head?.records?.at(-1)?.seq ?? 0;
}
