// Runs a view's requests: starting a view (aborting the last), paging through /_muxd/journal with 429 waits, and
// settling a run into the view's busy and error state.
import { getJson } from './api.js';
import { list } from './dom.js';
import { showView } from './show.js';
import { PAGE, live, view } from './state.js';
import { clearQueue } from './tail.js';

/** Starts an empty view of `mode`; returns its generation. */
export function startView(mode) {
  view.abort.abort();
  view.abort = new AbortController();
  view.gen++;
  Object.assign(view, { mode, before: null, hasOlder: false, after: null, busy: true, scanned: { records: 0, bytes: 0 }, complete: true, pending: 0, error: null, note: '' });
  clearQueue();
  live.buffer = null;
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
export async function scan(gen, params, dir, { autos = 0, want = PAGE, onPage, head = live.seq }) {
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

/** Shows a failed run's error, unless the view changed or the run was aborted. */
export function failView(gen, err) {
  if (gen !== view.gen || err.name === 'AbortError') return;
  view.busy = false;
  view.error = err;
  showView();
}

/** Awaits one run of requests of view `gen`; true when it finished and the view is still the same. */
export async function settle(gen, work) {
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
