// The page's search query: one object, kept in the form and in the URL with the same names as `muxd tail`'s filters.
import { $ } from './dom.js';

/** Syslog severities by code. */
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const SEVERITY_ALIASES = { panic: 'emerg', emergency: 'emerg', critical: 'crit', error: 'err', warn: 'warning', informational: 'info' };
/** The search filters, in URL order; the same names and meaning as `muxd tail --grep/--src/--app/--severity/--since/--until`. */
export const FILTERS = ['grep', 'src', 'app', 'severity', 'since', 'until'];

/** The query that filters nothing. */
export const EMPTY_QUERY = Object.freeze({ grep: '', src: '', app: '', severity: '', since: '', until: '' });

/** The query named by URL parameters. */
export function queryFromParams(params) {
  const q = { ...EMPTY_QUERY };
  for (const k of FILTERS) q[k] = params.get(k) ?? '';
  return q;
}

/** The URL parameters of a query (empty filters left out). */
export function queryParams(q) {
  const p = new URLSearchParams();
  for (const k of FILTERS) if (q[k] !== '') p.set(k, q[k]);
  return p;
}

/** True when no filter is set. */
export const isEmptyQuery = (q) => FILTERS.every((k) => q[k] === '');

/** True when both queries set the same filters. */
export const sameQuery = (a, b) => FILTERS.every((k) => a[k] === b[k]);

/** A date-time without a zone means the browser's local time: sent (and shared) as UTC, so a link means one instant. */
export function normaliseTime(raw) {
  const v = raw.trim();
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?$/.exec(v);
  if (!m) return v;
  const d = new Date(`${m[1]}T${m[2] ?? '00:00'}`);
  return Number.isNaN(d.getTime()) ? v : d.toISOString();
}

/** The query the form says. */
export function readForm() {
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
export function writeForm(q) {
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

/** The page's URL for a query. */
export const urlFor = (q) => {
  const p = queryParams(q).toString();
  return `${location.pathname}${p ? `?${p}` : ''}`;
};
