// Readable formatting for muxd tail; its filters are the shared journal queries of src/journal/query.ts.
import type { JournalRecord } from '../journal/record.js';
import type { Query } from '../journal/query.js';

export type { JournalRecord } from '../journal/record.js';
export { hasRecordFilters, matchRaw, matchRecord, parseGrep, parseRecord, parseSeverity, parseSince, recordText } from '../journal/query.js';

/** tail's filter: the shared {@link Query} (`--src --since --until --grep --severity --app`). */
export type TailFilter = Query;

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
