// Puts records into the list: live records batched once per animation frame, pages of history above or below, and
// gap rows filled from the journal; the list is trimmed to its row limits.
import { getJson } from './api.js';
import { $, atBottom, list, scroller } from './dom.js';
import { firstSeq, lastShownSeq, makeGapRow, makeRow, rowsOf } from './rows.js';
import { showView } from './show.js';
import { HARD_MAX_ROWS, MAX_ROWS, view } from './state.js';

let queue = []; // live records waiting for the next animation frame
let scheduled = false;

/** Drops the live records not rendered yet (a new view starts). */
export function clearQueue() {
  queue = [];
}

/** Queues a live record or gap for the next frame. */
export function enqueue(item) {
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

/** Older records above the rows shown, keeping what is on screen in place. */
export function prependRows(records) {
  if (!records.length) return;
  const before = scroller.scrollHeight;
  list.prepend(rowsOf(records));
  scroller.scrollTop += scroller.scrollHeight - before;
}

/** Newer records below the rows shown (those not shown yet), trimmed to HARD_MAX_ROWS from the top. */
export function appendRows(records) {
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

/** Replaces a gap row with the newest of its records (up to 1,000), and a smaller gap row for the rest. */
export async function fillGap(li) {
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
