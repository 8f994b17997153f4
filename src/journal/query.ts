// Pure journal queries shared by `muxd tail` and `/_muxd/journal`: parse the filters once, match records, and prefilter raw lines by bytes.
import { BadQueryError, InvalidOptionError } from '../errors.js';
import { SEVERITIES, severityCode } from '../protocol/syslog.js';
import { decodeRecord } from './record.js';
import type { JournalRecord } from './record.js';

/** A query built from `--src --since --until --grep --severity --app` (or the same URL parameters); absent fields match everything. */
export interface Query {
  /** Exact source, or a prefix ending at a `:` boundary (`tcp`, `tcp:127.0.0.1`). */
  src?: string;
  /** Epoch ms, inclusive: records with an earlier `ts` are skipped. */
  since?: number;
  /** Epoch ms, exclusive: records at or after it are skipped (`since` and `until` make a half-open range). */
  until?: number;
  /** Matches message text (binary messages: their bytes decoded as UTF-8). */
  grep?: (text: string) => boolean;
  /** The substring of a `grep` that is not a regular expression: lets a scan search bytes before parsing. */
  grepText?: string;
  /** Syslog severity code 0-7: only records of this severity or more severe (a lower code). */
  severity?: number;
  /** Syslog APP-NAME (RFC 3164: the TAG), exactly. */
  app?: string;
}

/** The filters as text, as flags or URL parameters give them; absent or empty strings mean no filter. */
export interface QueryText {
  src?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  grep?: string | undefined;
  severity?: string | undefined;
  app?: string | undefined;
}

/** The names of the query's parameters (flags without `--`). */
export const QUERY_PARAMS = ['grep', 'src', 'since', 'until', 'severity', 'app'] as const;

/** True when the query has parts that only records can pass (raw lines are matched by `grep` alone). */
export function hasRecordFilters(q: Query): boolean {
  return q.src !== undefined || q.since !== undefined || q.until !== undefined || q.severity !== undefined || q.app !== undefined;
}

/** True when the query matches everything. */
export function isEmptyQuery(q: Query): boolean {
  return !hasRecordFilters(q) && q.grep === undefined;
}

/** Parses `--severity`: a syslog severity name (`warning`) or alias (`warn`, `error`), or its code 0-7. */
export function parseSeverity(raw: string, label = '--severity'): number {
  const code = /^[0-7]$/.test(raw) ? Number(raw) : severityCode(raw);
  if (code < 0) throw new InvalidOptionError(`${label} must be one of ${SEVERITIES.join(', ')} (or 0-7), not ${JSON.stringify(raw)}`);
  return code;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `--since`/`--until`: an ISO-8601 time, or a relative age like `90s`, `10m`, `2h`, `1d`. Returns epoch ms. */
export function parseSince(raw: string, now: number = Date.now(), label = '--since'): number {
  const rel = /^(\d+)(ms|s|m|h|d)$/.exec(raw.trim());
  if (rel) return now - Number(rel[1]) * (UNITS[rel[2] as string] as number);
  // Only accept things that look like a date: Date.parse alone takes surprising inputs ("1", "May").
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(raw.trim())) {
    const t = Date.parse(raw.trim());
    if (!Number.isNaN(t)) return t;
  }
  throw new InvalidOptionError(`${label} must be an ISO-8601 time or an age like 10m, 2h, 1d, not ${JSON.stringify(raw)}`);
}

/** Parses `--grep`: `/regex/flags` is a regular expression, anything else a case-sensitive substring. */
export function parseGrep(raw: string, label = '--grep'): (text: string) => boolean {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(raw);
  if (re) {
    let compiled: RegExp;
    try {
      compiled = new RegExp(re[1] as string, (re[2] as string).replace('g', ''));
    } catch (err) {
      throw new InvalidOptionError(`${label} has an invalid regular expression: ${(err as Error).message}`);
    }
    return (text) => compiled.test(text);
  }
  return (text) => text.includes(raw);
}

/** True when `--grep TEXT` is a substring, not `/regex/flags`. */
export function isGrepSubstring(raw: string): boolean {
  return !/^\/(.*)\/([a-z]*)$/s.test(raw);
}

/**
 * Builds one query from text filters. `style` picks how errors read: `flag` throws InvalidOptionError naming
 * `--grep` (tail, exit 2), `param` throws BadQueryError naming `grep` (HTTP 400).
 */
export function parseQuery(text: QueryText, now: number = Date.now(), style: 'flag' | 'param' = 'flag'): Query {
  const q: Query = {};
  const label = (name: string): string => (style === 'flag' ? `--${name}` : name);
  const get = (name: (typeof QUERY_PARAMS)[number]): string | undefined => {
    const v = text[name];
    return v === undefined || (style === 'param' && v === '') ? undefined : v;
  };
  const wrap = <T>(name: string, fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (style === 'param' && err instanceof InvalidOptionError) throw new BadQueryError(name, err.message);
      throw err;
    }
  };
  const src = get('src');
  if (src !== undefined) q.src = src;
  const since = get('since');
  if (since !== undefined) q.since = wrap('since', () => parseSince(since, now, label('since')));
  const until = get('until');
  if (until !== undefined) q.until = wrap('until', () => parseSince(until, now, label('until')));
  const grep = get('grep');
  if (grep !== undefined) {
    q.grep = wrap('grep', () => parseGrep(grep, label('grep')));
    if (isGrepSubstring(grep)) q.grepText = grep;
  }
  const severity = get('severity');
  if (severity !== undefined) q.severity = wrap('severity', () => parseSeverity(severity, label('severity')));
  const app = get('app');
  if (app !== undefined) q.app = app;
  return q;
}

/** Parses one journal line; null when it is not a json record (a raw-format line, a torn record). */
export function parseRecord(line: string): JournalRecord | null {
  if (!line.startsWith('{')) return null;
  try {
    return decodeRecord(line);
  } catch {
    return null;
  }
}

/** The message text a record carries; binary messages decode (lossily) as UTF-8 for matching. */
export function recordText(rec: JournalRecord): string {
  return rec.msg ?? Buffer.from(rec.b64 ?? '', 'base64').toString('utf8');
}

/** True when `src` is the query's source or lies under it at a `:` boundary. */
function srcMatches(src: string, want: string): boolean {
  return src === want || src.startsWith(want.endsWith(':') ? want : `${want}:`);
}

/** True when a record passes every filter. */
export function matchRecord(rec: JournalRecord, q: Query): boolean {
  if (q.src !== undefined && !srcMatches(rec.src, q.src)) return false;
  if (q.since !== undefined || q.until !== undefined) {
    const t = Date.parse(rec.ts);
    if (Number.isNaN(t) || (q.since !== undefined && t < q.since) || (q.until !== undefined && t >= q.until)) return false;
  }
  if (q.severity !== undefined) {
    // Records without a syslog field have no severity: they do not pass.
    const code = rec.syslog === undefined ? -1 : severityCode(rec.syslog.severity);
    if (code < 0 || code > q.severity) return false;
  }
  if (q.app !== undefined && rec.syslog?.app !== q.app) return false;
  if (q.grep && !q.grep(recordText(rec))) return false;
  return true;
}

/** True when a raw (non-record) line passes: only `grep` applies to raw lines. */
export function matchRaw(line: string, q: Query): boolean {
  return q.grep ? q.grep(line) : true;
}

/** JSON string content of `text` when JSON.stringify would write it unchanged (no `"`, `\`, control characters); else null. */
function plainJsonText(text: string): string | null {
  // eslint-disable-next-line no-control-regex
  return /["\\\u0000-\u001f]/.test(text) ? null : text;
}

/**
 * A b64 record's key: its message is base64, so a text needle cannot be seen in the line. Without its opening quote:
 * `Buffer.indexOf` looks for a short needle's first byte with memchr, and `"` is every few bytes of a JSON line
 * (`b64":"` scans at about 2.2 GB/s here, `"b64":"` at 0.8). A quote inside a message is escaped, so only the key matches.
 */
const B64_NEEDLE = Buffer.from('b64":"', 'latin1');

/**
 * Byte needles for a fast scan: every journal line whose record can match the query contains at least one of them
 * (checked then by {@link matchLine}); null when no such set is known and every line must be parsed. The grep
 * substring appears in the line as written when JSON escapes none of its characters (plus the `"b64":"` key, since
 * binary messages are matched decoded); else the app or the source, as JSON text.
 */
export function queryNeedles(q: Query): Buffer[] | null {
  if (q.grepText !== undefined && q.grepText !== '') {
    const plain = plainJsonText(q.grepText);
    if (plain !== null) return [Buffer.from(plain, 'utf8'), B64_NEEDLE];
  }
  if (q.app !== undefined) return [Buffer.from(`"app":${JSON.stringify(q.app)}`, 'utf8')];
  if (q.src !== undefined && q.src !== '' && plainJsonText(q.src) !== null) return [Buffer.from(`"src":"${q.src}`, 'utf8')];
  return null;
}

/** True when `line` contains one of `needles` (null: every line may match). */
export function lineMayMatch(line: Buffer, needles: Buffer[] | null): boolean {
  if (needles === null) return true;
  for (const n of needles) if (line.includes(n)) return true;
  return false;
}

const TS_KEY = Buffer.from(',"ts":"', 'latin1');
/** `since`/`until` as ISO text, per query: comparing a line's `ts` text with them needs no parse. */
const isoBounds = new WeakMap<Query, { since: string | null; until: string | null }>();

/** A time as `toISOString()` writes it when that text sorts like the time (years 0000-9999); else null. */
function sortableIso(t: number | undefined): string | null {
  if (t === undefined) return null;
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return null;
  const iso = d.toISOString();
  return iso.length === 24 ? iso : null;
}

/**
 * True when the line's `ts`, read as text where the codec writes it (right after the seq), is surely outside the
 * query's `[since, until)`: ISO-8601 times of one shape sort as text. False when unsure (the record decides).
 */
function tsOutside(line: Buffer, q: Query): boolean {
  let b = isoBounds.get(q);
  if (b === undefined) {
    b = { since: sortableIso(q.since), until: sortableIso(q.until) };
    isoBounds.set(q, b);
  }
  if (b.since === null && b.until === null) return false;
  const i = line.indexOf(TS_KEY);
  if (i < 0 || i > 32 || line[i + TS_KEY.length + 24] !== 0x22 || line[i + TS_KEY.length + 23] !== 0x5a) return false;
  const ts = line.toString('latin1', i + TS_KEY.length, i + TS_KEY.length + 24);
  return (b.since !== null && ts < b.since) || (b.until !== null && ts >= b.until);
}

/** The record of a journal line when it passes the query, else null (a line that is not a record never passes). */
export function matchLine(line: Buffer, q: Query): JournalRecord | null {
  if ((q.since !== undefined || q.until !== undefined) && tsOutside(line, q)) return null;
  let rec: JournalRecord;
  try {
    rec = decodeRecord(line);
  } catch {
    return null;
  }
  return matchRecord(rec, q) ? rec : null;
}
