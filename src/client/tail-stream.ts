// muxd tail for a NATS JetStream stream: the last N matching records of every collector, then (with follow) new ones, with output backpressure.
import type { Writable } from 'node:stream';
import { CAUGHT_UP, readStream } from '../nats/reader.js';
import type { StreamStart } from '../nats/reader.js';
import { formatRecord, matchRecord, plainPainter } from './tail-filter.js';
import type { Painter, TailFilter } from './tail-filter.js';

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
  const stop = new AbortController();
  const outerAbort = (): void => stop.abort();
  options.signal?.addEventListener('abort', outerAbort, { once: true });
  const outputOnError = (): void => stop.abort();
  output.on('error', outputOnError);
  let ring: string[] = [];
  let head = 0;
  let caughtUp = false;
  let printed = 0;
  const write = async (parts: string[]): Promise<void> => {
    if (parts.length === 0 || stop.signal.aborted) return;
    printed += parts.length;
    if (!output.write(parts.join('')) && !stop.signal.aborted) await drained(output, stop.signal);
  };
  const unfiltered = filter.src === undefined && filter.grep === undefined && filter.since === undefined;
  // Without filters only the last N records need reading; --since starts at that time; otherwise from the first.
  const start: StreamStart =
    options.lines !== null && unfiltered
      ? { kind: 'lastRecords', n: options.lines }
      : filter.since !== undefined
        ? { kind: 'time', since: new Date(filter.since) }
        : { kind: 'all' };
  try {
    for await (const item of readStream({ servers: options.servers, stream: options.stream, start, follow: options.follow, signal: stop.signal, ...(options.onNotice ? { onNotice: options.onNotice } : {}) })) {
      if (item === CAUGHT_UP) {
        caughtUp = true;
        const backlog = ring.slice(head);
        ring = [];
        head = 0;
        await write(backlog);
        continue;
      }
      const parts: string[] = [];
      for (const r of item) {
        if (!matchRecord(r.record, filter)) continue;
        parts.push(`${json ? JSON.stringify({ ...r.record, collector: r.collector }) : formatRecord(r.record, painter, r.collector)}\n`);
      }
      if (caughtUp || options.lines === null) await write(parts);
      else if (options.lines > 0) {
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

/** Resolves on 'drain', 'close' or abort. */
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
