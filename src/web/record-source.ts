// Where `up`'s page gets its records: the journal with its history index, or the NATS stream with its feed.
import type { EventEmitter } from 'node:events';
import type { Journal } from '../journal/journal.js';
import type { Closable } from '../lifecycle.js';
import { StreamFeed } from '../nats/feed.js';
import type { NatsSink } from '../nats/sink.js';
import type { WaitOptions } from '../nats/startup.js';
import { searchJournal } from '../journal/search.js';
import { searchStream } from '../nats/feed-search.js';
import { JournalHistory } from './history.js';
import type { Searcher } from './search.js';
import type { MetricsSources } from './metrics.js';
import type { LiveRecord } from '../http/core/sse.js';

/** Records the resume ring is seeded with at start. */
const PREFILL_RECORDS = 1000;

/** One source of records for the SSE hub and the history pages. */
export interface RecordSource {
  /** Emits `'durable'` with `LiveRecord[]` as records become durable (the hub listens). */
  readonly events: EventEmitter;
  /** The newest seq (or stream position) so far. */
  lastSeq(): number;
  /** Pages of older records; null when the journal format holds none (`--format raw`). */
  readonly history: Pick<JournalHistory, 'page'> | null;
  /** Filtered searches over the whole history; null when the journal format holds no records (`--format raw`). */
  readonly searcher: Searcher | null;
  /** True while the page cannot trust what it shows (journal writes fail, the sink or the stream is down): health 503. */
  failing(): boolean;
  /** What the metrics read from this source. */
  readonly metrics: Pick<MetricsSources, 'journal' | 'sink'>;
  /** Builds the history index if any, then resolves with the newest records, oldest first, as objects. */
  newest(): Promise<LiveRecord[]>;
  /** A component to stop at shutdown, if the source owns a connection. */
  readonly closable: Closable | null;
}

/** The file journal: live records from its `'durable'` events, history by scanning its files (`--format json` only). */
export function journalSource(journal: Journal, format: string): RecordSource {
  const history = format === 'json' ? new JournalHistory({ listFiles: () => journal.files(), maxSeq: () => journal.stats.lastSeq }) : null;
  // Only durable records are searched: a failed write is cut back and its seqs handed out again.
  const searcher: Searcher | null =
    history === null
      ? null
      : {
          slices: (query, order, after, before, signal) =>
            searchJournal({
              file: journal.path,
              order,
              query,
              ...(after === undefined ? {} : { after }),
              before: Math.min(before ?? Number.MAX_SAFE_INTEGER, journal.stats.lastSeq + 1),
              signal,
            }),
        };
  return {
    events: journal,
    lastSeq: () => journal.stats.lastSeq,
    history,
    searcher,
    failing: () => !journal.healthy,
    metrics: { journal },
    // The journal holds text: its lines are parsed once here, for the ring, and never stringified again.
    newest: async () => {
      if (history === null) return [];
      await history.start();
      const page = await history.page(journal.stats.lastSeq + 1, PREFILL_RECORDS);
      return page.lines.map((l) => JSON.parse(l) as LiveRecord);
    },
    closable: null,
  };
}

/**
 * The NATS stream (`--sink nats://…`): every collector's records, history by stream position. `sink` is null for a pure
 * viewer. Waits for NATS and the stream as the sink does (`wait.timeoutMs` is `--sink-timeout`; see StreamFeed.open).
 */
export async function streamSource(servers: string[], stream: string, sink: NatsSink | null, wait: WaitOptions): Promise<RecordSource> {
  const feed = await StreamFeed.open(servers, stream, wait);
  return {
    events: feed,
    lastSeq: () => feed.lastPosition,
    history: feed,
    searcher: { slices: (query, order, after, before, signal) => searchStream(feed, query, order, after, before, signal) },
    // Down while the sink cannot publish, or the viewer has lost the stream.
    failing: () => (sink !== null && !sink.healthy) || !feed.healthy,
    metrics: sink === null ? {} : { sink },
    newest: async () => (await feed.records(feed.lastPosition + 1, PREFILL_RECORDS)).records,
    closable: feed,
  };
}
