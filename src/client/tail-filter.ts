// Pure journal-record parsing, filters (--src, --since, --grep, --severity, --app) and readable formatting for muxd tail.
import { InvalidOptionError } from '../errors.js';
import { decodeRecord } from '../journal/record.js';
import { SEVERITIES, severityCode } from '../protocol/syslog.js';
import type { JournalRecord } from '../journal/record.js';

export type { JournalRecord } from '../journal/record.js';

/** A filter built from `--src`, `--since`, `--grep`, `--severity` and `--app`; absent fields match everything. */
export interface TailFilter {
  /** Exact source, or a prefix ending at a `:` boundary (`tcp`, `tcp:127.0.0.1`). */
  src?: string;
  /** Epoch ms: records with an earlier `ts` are skipped. */
  since?: number;
  /** Matches message text (binary messages: their bytes decoded as UTF-8). */
  grep?: (text: string) => boolean;
  /** Syslog severity code 0-7: only records of this severity or more severe (a lower code). */
  severity?: number;
  /** Syslog APP-NAME (RFC 3164: the TAG), exactly. */
  app?: string;
}

/** True when the filter has parts that only records can pass (raw lines are matched by `--grep` alone). */
export function hasRecordFilters(filter: TailFilter): boolean {
  return filter.src !== undefined || filter.since !== undefined || filter.severity !== undefined || filter.app !== undefined;
}

/** Parses `--severity`: a syslog severity name (`warning`) or alias (`warn`, `error`), or its code 0-7. */
export function parseSeverity(raw: string): number {
  const code = /^[0-7]$/.test(raw) ? Number(raw) : severityCode(raw);
  if (code < 0) throw new InvalidOptionError(`--severity must be one of ${SEVERITIES.join(', ')} (or 0-7), not ${JSON.stringify(raw)}`);
  return code;
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

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `--since`: an ISO-8601 time, or a relative age like `90s`, `10m`, `2h`, `1d`. Returns epoch ms. */
export function parseSince(raw: string, now: number = Date.now()): number {
  const rel = /^(\d+)(ms|s|m|h|d)$/.exec(raw.trim());
  if (rel) return now - Number(rel[1]) * (UNITS[rel[2] as string] as number);
  // Only accept things that look like a date: Date.parse alone takes surprising inputs ("1", "May").
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?(Z|[+-]\d{2}:?\d{2})?$/.test(raw.trim())) {
    const t = Date.parse(raw.trim());
    if (!Number.isNaN(t)) return t;
  }
  throw new InvalidOptionError(`--since must be an ISO-8601 time or an age like 10m, 2h, 1d, not ${JSON.stringify(raw)}`);
}

/** Parses `--grep`: `/regex/flags` is a regular expression, anything else a case-sensitive substring. */
export function parseGrep(raw: string): (text: string) => boolean {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(raw);
  if (re) {
    let compiled: RegExp;
    try {
      compiled = new RegExp(re[1] as string, (re[2] as string).replace('g', ''));
    } catch (err) {
      throw new InvalidOptionError(`--grep has an invalid regular expression: ${(err as Error).message}`);
    }
    return (text) => compiled.test(text);
  }
  return (text) => text.includes(raw);
}

/** The message text a record carries; binary messages decode (lossily) as UTF-8 for matching. */
export function recordText(rec: JournalRecord): string {
  return rec.msg ?? Buffer.from(rec.b64 ?? '', 'base64').toString('utf8');
}

/** True when a record passes every filter. */
export function matchRecord(rec: JournalRecord, filter: TailFilter): boolean {
  if (filter.src !== undefined && rec.src !== filter.src && !rec.src.startsWith(filter.src.endsWith(':') ? filter.src : `${filter.src}:`)) {
    return false;
  }
  if (filter.since !== undefined) {
    const t = Date.parse(rec.ts);
    if (Number.isNaN(t) || t < filter.since) return false;
  }
  if (filter.severity !== undefined) {
    // Records without a syslog field have no severity: they do not pass.
    const code = rec.syslog === undefined ? -1 : severityCode(rec.syslog.severity);
    if (code < 0 || code > filter.severity) return false;
  }
  if (filter.app !== undefined && rec.syslog?.app !== filter.app) return false;
  if (filter.grep && !filter.grep(recordText(rec))) return false;
  return true;
}

/** True when a raw (non-record) line passes: only --grep applies to raw lines. */
export function matchRaw(line: string, filter: TailFilter): boolean {
  return filter.grep ? filter.grep(line) : true;
}

/** Replaces control characters (ESC, CR, C1…) with visible escapes so a message cannot drive the terminal. */
export function escapeControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Colours for the readable form; identity functions when colour is off. */
export interface Painter {
  ts(s: string): string;
  seq(s: string): string;
  src(s: string): string;
  mark(s: string): string;
}

/** A painter that adds nothing. */
export const plainPainter: Painter = { ts: (s) => s, seq: (s) => s, src: (s) => s, mark: (s) => s };

/**
 * Readable form: `2026-11-26T18:00:00.123Z  #42  tcp:127.0.0.1:5555  hello`.
 * Binary messages show as `[binary N bytes] <base64>`; lines cut by a disconnect carry `[partial]`. Syslog
 * records put their severity and app before the message: `… tcp:127.0.0.1:5555  warning app[42]: disk full`.
 * Readable form: `2026-11-26T18:00:00.123Z  #42  tcp:127.0.0.1:5555  hello`, or with a collector (records read
 * from a NATS stream) `2026-11-26T18:00:00.123Z  web-1#42  tcp:…  hello`.
 * Binary messages show as `[binary N bytes] <base64>`; lines cut by a disconnect carry `[partial]`.
 */
export function formatRecord(rec: JournalRecord, paint: Painter = plainPainter, collector?: string): string {
  let body: string;
  if (rec.b64 !== undefined) {
    const bytes = Buffer.from(rec.b64, 'base64').length;
    body = `${paint.mark(`[binary ${bytes} bytes]`)} ${rec.b64}`;
  } else {
    body = escapeControl(rec.msg ?? '');
  }
  if (rec.partial) body = `${paint.mark('[partial]')} ${body}`;
  const sl = rec.syslog;
  if (sl !== undefined) {
    const app = sl.app === undefined ? '' : ` ${escapeControl(sl.app)}${sl.procid === undefined ? '' : `[${escapeControl(sl.procid)}]`}:`;
    body = `${paint.mark(escapeControl(sl.severity))}${app} ${body}`;
  }
  return `${paint.ts(escapeControl(rec.ts))}  ${paint.seq(`${collector === undefined ? '' : escapeControl(collector)}#${rec.seq}`)}  ${paint.src(escapeControl(rec.src))}  ${body}`;
}
