// muxd tail's engine: last N matching records across rotated files, then (with follow) every new one, with output backpressure.
import type { Writable } from 'node:stream';
import { CAUGHT_UP, readJournal } from '../journal/reader.js';
import { escapeControl, formatRecord, hasRecordFilters, matchRaw, matchRecord, parseRecord, plainPainter } from './tail-filter.js';
import type { Painter, TailFilter } from './tail-filter.js';

/** Options for {@link tailJournal}. */
export interface TailOptions {
  file: string;
  /** How many of the last matching lines to print before following; null prints all. */
  lines: number | null;
  follow: boolean;
  /** Print records exactly as stored instead of the readable form. */
  json: boolean;
  filter: TailFilter;
  output: Writable;
  /** Colours for the readable form. */
  painter?: Painter;
  /** Escape control characters in raw lines (on a terminal). Raw lines are otherwise written byte for byte. */
  escapeRaw?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
  onNotice?: (text: string) => void;
}

type Out = string | Buffer;

/** Prints the journal as asked; resolves when done (or, when following, once `signal` aborts or the output closes). */
export async function tailJournal(options: TailOptions): Promise<{ printed: number }> {
  const { output, filter, json } = options;
  const painter = options.painter ?? plainPainter;
  const notice = options.onNotice ?? (() => {});
  const stop = new AbortController();
  const outerAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', outerAbort, { once: true });
  // EPIPE (`muxd tail -f | head`) ends the tail quietly.
  const outputOnError = (): void => stop.abort();
  output.on('error', outputOnError);
  const rawFiltersIgnored = hasRecordFilters(filter);
  let warnedRaw = false;

  // The last N outputs: a window [head, length) over an array trimmed now and then, O(1) per line.
  let ring: Out[] = [];
  let head = 0;
  let caughtUp = false;
  let printed = 0;

  const render = (line: Buffer): Out | null => {
    const text = line.toString('utf8');
    const rec = parseRecord(text);
    if (rec) {
      if (!matchRecord(rec, filter)) return null;
      return `${json ? text : formatRecord(rec, painter)}\n`;
    }
    if (rawFiltersIgnored && !warnedRaw) {
      warnedRaw = true;
      notice('raw (non-record) lines found: --src and --since do not apply to them (nor --severity and --app), only --grep does');
    }
    if (!matchRaw(text, filter)) return null;
    if (options.escapeRaw) return `${escapeControl(text)}\n`;
    return Buffer.concat([line, Buffer.from('\n')]);
  };

  const write = async (parts: Out[]): Promise<void> => {
    if (parts.length === 0 || stop.signal.aborted) return;
    let ok = true;
    if (parts.every((p) => typeof p === 'string')) ok = output.write(parts.join(''));
    else for (const p of parts) ok = output.write(p);
    printed += parts.length;
    if (!ok && !stop.signal.aborted) await drained(output, stop.signal);
  };

  try {
    const reader = readJournal({
      file: options.file,
      follow: options.follow,
      // Without filters the last N lines are the last N records: no need to read the whole history.
      ...(options.lines !== null && !hasRecordFilters(filter) && !filter.grep ? { lastLines: options.lines } : {}),
      signal: stop.signal,
      onNotice: notice,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    });
    for await (const item of reader) {
      if (item === CAUGHT_UP) {
        caughtUp = true;
        const backlog = ring.slice(head);
        ring = [];
        head = 0;
        await write(backlog);
        continue;
      }
      const parts: Out[] = [];
      for (const line of item) {
        const out = render(line);
        if (out !== null) parts.push(out);
      }
      if (caughtUp || options.lines === null) {
        await write(parts);
      } else if (options.lines > 0) {
        for (const p of parts) ring.push(p);
        if (ring.length - head > options.lines) head = ring.length - options.lines;
        if (head > 1024 && head > options.lines) {
          ring = ring.slice(head);
          head = 0;
        }
      }
      if (stop.signal.aborted) break;
    }
  } finally {
    options.signal?.removeEventListener('abort', outerAbort);
    output.removeListener('error', outputOnError);
  }
  return { printed };
}

/** Resolves on 'drain', or at once when the signal aborts; removes both listeners either way. */
function drained(output: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      output.removeListener('drain', done);
      output.removeListener('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    output.once('drain', done);
    output.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
