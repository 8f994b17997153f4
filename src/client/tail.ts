// muxd tail's engine: last N matching records across rotated files, then (with follow) every new one, with output backpressure.
import type { Writable } from 'node:stream';
import { CAUGHT_UP, readJournal } from '../journal/reader.js';
import { escapeControl, formatRecord, hasRecordFilters, matchRaw, matchRecord, parseRecord, plainPainter } from './tail-filter.js';
import type { Painter, TailFilter } from './tail-filter.js';
import { TailPrinter } from './tail-printer.js';
import type { TailOut } from './tail-printer.js';

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

/** Prints the journal as asked; resolves when done (or, when following, once `signal` aborts or the output closes). */
export async function tailJournal(options: TailOptions): Promise<{ printed: number }> {
  const { output, filter, json } = options;
  const painter = options.painter ?? plainPainter;
  const notice = options.onNotice ?? (() => {});
  const printer = new TailPrinter(output, options.lines, options.signal);
  const rawFiltersIgnored = hasRecordFilters(filter);
  let warnedRaw = false;

  const render = (line: Buffer): TailOut | null => {
    const text = line.toString('utf8');
    const rec = parseRecord(text);
    if (rec) {
      if (!matchRecord(rec, filter)) return null;
      return `${json ? text : formatRecord(rec, painter)}\n`;
    }
    if (rawFiltersIgnored && !warnedRaw) {
      warnedRaw = true;
      notice('raw (non-record) lines found: --src, --since and --until do not apply to them (nor --severity and --app), only --grep does');
    }
    if (!matchRaw(text, filter)) return null;
    if (options.escapeRaw) return `${escapeControl(text)}\n`;
    return Buffer.concat([line, Buffer.from('\n')]);
  };

  try {
    const reader = readJournal({
      file: options.file,
      follow: options.follow,
      // Without filters the last N lines are the last N records: no need to read the whole history.
      ...(options.lines !== null && !hasRecordFilters(filter) && !filter.grep ? { lastLines: options.lines } : {}),
      signal: printer.signal,
      onNotice: notice,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
    });
    for await (const item of reader) {
      if (item === CAUGHT_UP) {
        await printer.catchUp();
        continue;
      }
      const parts: TailOut[] = [];
      for (const line of item) {
        const out = render(line);
        if (out !== null) parts.push(out);
      }
      await printer.add(parts);
      if (printer.signal.aborted) break;
    }
  } finally {
    printer.dispose();
  }
  return { printed: printer.printed };
}
