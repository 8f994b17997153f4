// Shows the view's state on the page: body state, banner text, progress, buttons, the error and the counters.
import { $, list, nf, setText } from './dom.js';
import { FILTERS, queryParams } from './query.js';
import { HARD_MAX_ROWS, live, view } from './state.js';

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
export function showView() {
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
  for (const name of FILTERS) $(`q-${name}`).setAttribute('aria-invalid', String(name === bad));
  setText($('stat-seq'), live.seq ? String(live.seq) : '–');
  setText($('stat-rows'), String(rows));
}

let showScheduled = false;

/** {@link showView} on the next animation frame, once however often it is asked for. */
export function showSoon() {
  if (showScheduled) return;
  showScheduled = true;
  requestAnimationFrame(() => {
    showScheduled = false;
    showView();
  });
}
