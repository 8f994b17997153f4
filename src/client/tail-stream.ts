// muxd tail for a NATS JetStream stream: the last N matching records of every collector, then (with follow) new ones, with output backpressure.
import type { Writable } from 'node:stream';
import { CAUGHT_UP, readStream } from '../nats/reader.js';
import type { StreamStart } from '../nats/reader.js';
import { formatRecord, hasRecordFilters, matchRecord, plainPainter } from './tail-filter.js';
import type { Painter, TailFilter } from './tail-filter.js';
import { TailPrinter } from './tail-printer.js';

/** Options for {@link tailStream}. */
export interface TailStreamOptions {
  servers: string[];
  stream: string;
  /** How many of the last matching records to print before following; null prints all. */
  lines: number | null;
  follow: boolean;
  /** Print each record as JSON with a `collector` field instead of the readable form. */
  json: boolean;
  filter: TailFilter;
  output: Writable;
  painter?: Painter;
  signal?: AbortSignal;
  onNotice?: (text: string) => void;
}

/** Prints the stream as asked; resolves when done (or, when following, once `signal` aborts or the output closes). */
export async function tailStream(options: TailStreamOptions): Promise<{ printed: number }> {
  const { output, filter, json } = options;
  const painter = options.painter ?? plainPainter;
  const printer = new TailPrinter(output, options.lines, options.signal);
  // Without record filters only the last N records need reading; --since starts at that time; otherwise from the first.
  const start: StreamStart =
    options.lines !== null && !hasRecordFilters(filter) && filter.grep === undefined
      ? { kind: 'lastRecords', n: options.lines }
      : filter.since !== undefined
        ? { kind: 'time', since: new Date(filter.since) }
        : { kind: 'all' };
  try {
    for await (const item of readStream({ servers: options.servers, stream: options.stream, start, follow: options.follow, signal: printer.signal, ...(options.onNotice ? { onNotice: options.onNotice } : {}) })) {
      if (item === CAUGHT_UP) {
        await printer.catchUp();
        continue;
      }
      const parts: string[] = [];
      for (const r of item) {
        if (!matchRecord(r.record, filter)) continue;
        parts.push(`${json ? JSON.stringify({ ...r.record, collector: r.collector }) : formatRecord(r.record, painter, r.collector)}\n`);
      }
      await printer.add(parts);
      if (printer.signal.aborted) break;
    }
  } finally {
    printer.dispose();
  }
  return { printed: printer.printed };
}
