// The page's rows: one <li> per journal record (source chip, syslog severity, app and SD chips) and gap rows.
import { $, el, list } from './dom.js';
import { SEVERITIES } from './query.js';

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

/** A source as a button (a click searches it), coloured by its kind (each TCP peer its own colour). */
export function srcChip(src) {
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

/** The row of one record; its source joins the source field's suggestions. */
export function makeRow(rec) {
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

/** The row standing for records from..to that were not streamed live; its button (see fillGap) loads them. */
export function makeGapRow(from, to) {
  const li = el('li', 'row gap');
  li.dataset.gapFrom = String(from);
  li.dataset.gapTo = String(to);
  const note = el('span', 'msg', `${to - from + 1} record${to === from ? '' : 's'} (${from}–${to}) were not streamed live; they are in the journal. `);
  const btn = el('button', 'fill-gap', 'Show newest of them');
  btn.type = 'button';
  note.append(btn);
  li.append(note);
  return li;
}

/** The rows of `records` in one fragment. */
export const rowsOf = (records) => {
  const frag = document.createDocumentFragment();
  for (const rec of records) frag.append(makeRow(rec));
  return frag;
};

/** The seq of the first record row shown (NaN: none). */
export const firstSeq = () => Number(list.querySelector('.row[data-seq]')?.dataset.seq ?? NaN);

/** The seq of the last record row shown (0: none). */
export const lastShownSeq = () => {
  const rows = list.querySelectorAll('.row[data-seq]');
  return rows.length ? Number(rows[rows.length - 1].dataset.seq) : 0;
};
