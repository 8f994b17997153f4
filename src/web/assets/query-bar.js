// The page's controls: the query bar (typing runs a search, kept in the address bar and history), the keyboard
// shortcuts, clicks in the list (permalinks, source chips, gaps), the paging buttons and the download link.
import { getBlob, token } from './api.js';
import { $, el, list, scroller, toast } from './dom.js';
import { EMPTY_QUERY, normaliseTime, queryFromParams, readForm, urlFor, writeForm } from './query.js';
import { fillGap } from './tail.js';
import { applyLocation, forgetLocation, jumpTo, loadNewer, loadOlder } from './views.js';

const TYPING_DELAY = 400; // ms of quiet typing before a search runs

let typing = false; // the current run of keystrokes already has its own history entry
let typingTimer = 0;

/** Puts the form's query into the address bar (a new history entry with `push`) and runs it. */
function commit(push, force = false) {
  clearTimeout(typingTimer);
  const url = urlFor(readForm());
  if (url !== `${location.pathname}${location.search}${location.hash}`) history[push ? 'pushState' : 'replaceState'](null, '', url);
  if (force) forgetLocation();
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

/** A click on a source chip searches that source (a second click on the same one clears it). */
function onSourceClick(ev) {
  const chip = ev.target.closest('.src');
  if (!chip) return false;
  $('q-src').value = $('q-src').value === chip.textContent ? '' : chip.textContent;
  typing = false;
  commit(true);
  return true;
}

function listOnClick(ev) {
  const link = ev.target.closest('a.seq');
  if (link && ev.button === 0 && !(ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey)) {
    ev.preventDefault();
    navigator.clipboard?.writeText(link.href).then(() => toast(`Link to #${link.textContent} copied`), () => {});
    history.pushState(null, '', `${location.pathname}#seq=${link.textContent}`);
    applyLocation();
    return;
  }
  const gap = ev.target.closest('.gap .fill-gap');
  if (gap) {
    fillGap(gap.closest('.gap'));
    return;
  }
  onSourceClick(ev);
}

function documentOnKeydown(ev) {
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
}

/**
 * "Download these results": a plain link streams /_muxd/journal.jsonl. With a token the link alone would be refused
 * (a link cannot carry the header, and the token stays out of URLs), so the page fetches it with the header instead.
 */
async function download(ev) {
  if (!token) return;
  ev.preventDefault();
  const a = ev.currentTarget;
  try {
    const url = URL.createObjectURL(await getBlob(a.href));
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

/** Wires the query bar, the shortcuts, the list's clicks, the paging buttons and the address bar's history. */
export function wireQueryBar() {
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
  document.addEventListener('keydown', documentOnKeydown);
  list.addEventListener('click', listOnClick);
  $('source-counts').addEventListener('click', onSourceClick);
  $('follow').addEventListener('change', () => {
    if ($('follow').checked) scroller.scrollTop = scroller.scrollHeight;
  });
}
