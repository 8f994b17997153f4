// The live page's source on a stream: an ordered consumer from the tail re-emitting records as 'durable' events, and history pages by stream position.
import { EventEmitter } from 'node:events';
import { jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { JournalRecord } from '../journal/record.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { BatchHeader, decodeBatch, POSITION_STRIDE } from './batch.js';
import type { StreamRecord } from './batch.js';
import { CAUGHT_UP, readStream } from './reader.js';
import { retryUntilReady, REQUEST_TIMEOUT_MS } from './startup.js';
import type { WaitOptions } from './startup.js';
import { connectNats, NATS_CONNECT_TIMEOUT_MS } from './stream.js';

/**
 * A stream record as the live page shows it: `seq` is its global position in the stream (so ids grow across every
 * collector, for Last-Event-ID and paging), `src` is `<collector>/<src>`, and `cseq` the collector's own seq.
 */
export type FeedRecord = JournalRecord & { cseq: number };

/** The page's form of a stream record. */
export function toFeedRecord(r: StreamRecord): FeedRecord {
  const out: FeedRecord = { seq: r.position, ts: r.record.ts, src: `${r.collector}/${r.record.src}`, cseq: r.record.seq };
  if (r.record.b64 !== undefined) out.b64 = r.record.b64;
  else out.msg = r.record.msg ?? '';
  if (r.record.partial) out.partial = true;
  if (r.record.syslog !== undefined) out.syslog = r.record.syslog;
  return out;
}

/** One page of history, shaped like JournalHistory's: JSON lines in ascending position, their positions, and whether older ones exist. */
export interface StreamPage {
  lines: string[];
  seqs: number[];
  more: boolean;
}

/**
 * Follows a stream from its tail and emits `'durable'` (FeedRecord[]) per batch, the event SseHub listens to; answers
 * history pages with the stream API. `healthy` is false while the connection is lost.
 */
export class StreamFeed extends EventEmitter implements Closable {
  readonly name = 'nats-feed';
  /** Position of the newest record seen (0 for an empty stream). */
  lastPosition = 0;
  private connected = true;
  private readonly stop = new AbortController();
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    readonly stream: string,
    private readonly log: LogFn,
  ) {
    super();
  }

  /**
   * Connects, reads where the stream ends now, and starts following it. Like the sink, it waits for NATS (not up yet,
   * electing leaders, or no stream until a collector creates it) for up to `wait.timeoutMs` (`--sink-timeout`),
   * logging why; then, or when `wait.signal` aborts, it throws ERR_SINK_UNAVAILABLE.
   */
  static async open(servers: string[], stream: string, wait: WaitOptions): Promise<StreamFeed> {
    let nc: NatsConnection | null = null;
    const { feed, next } = await retryUntilReady(
      wait,
      async (budget) => {
        const conn = (nc ??= await connectNats(servers, 'muxd up viewer', budget(NATS_CONNECT_TIMEOUT_MS)));
        const probe = await jetstreamManager(conn, { timeout: budget(REQUEST_TIMEOUT_MS) });
        const { state } = await probe.streams.info(stream);
        // The feed's own requests (history pages) get the full timeout, not what was left of the startup's.
        const feed = new StreamFeed(conn, await jetstreamManager(conn, { timeout: REQUEST_TIMEOUT_MS, checkAPI: false }), stream, wait.log);
        if (state.messages > 0) feed.lastPosition = await feed.lastPositionUpTo(state.last_seq, state.first_seq);
        return { feed, next: state.last_seq + 1 };
      },
      async () => {
        await nc?.close();
      },
    );
    feed.follow(next);
    return feed;
  }

  /** False while the connection to NATS is lost. */
  get healthy(): boolean {
    return this.connected;
  }

  private async lastPositionUpTo(seq: number, firstSeq: number): Promise<number> {
    for (let s = seq; s >= firstSeq; s--) {
      const m = await this.jsm.streams.getMessage(this.stream, { seq: s });
      if (m !== null) return s * POSITION_STRIDE + Math.max(1, Number(m.header.get(BatchHeader.COUNT)) || 1) - 1;
    }
    return 0;
  }

  private follow(fromSeq: number): void {
    void (async () => {
      for await (const s of this.nc.status()) {
        if (s.type === 'disconnect') this.connected = false;
        else if (s.type === 'reconnect') this.connected = true;
      }
    })();
    this.loop = (async () => {
      try {
        const items = readStream({ nc: this.nc, stream: this.stream, start: { kind: 'seq', seq: fromSeq }, follow: true, signal: this.stop.signal, onNotice: this.log });
        for await (const item of items) {
          if (item === CAUGHT_UP) continue;
          const last = item[item.length - 1];
          if (last !== undefined) this.lastPosition = last.position;
          this.emit('durable', item.map(toFeedRecord));
        }
      } catch (err) {
        if (!this.stop.signal.aborted) this.log(`reading stream ${this.stream} stopped: ${err instanceof Error ? err.message : String(err)}`, 'warn');
      }
    })();
  }

  /** The `limit` records before position `before` (or the newest), oldest first, as JSON lines for a history page. */
  async page(before: number | undefined, limit: number): Promise<StreamPage> {
    const { records, more } = await this.records(before, limit);
    return { lines: records.map((r) => JSON.stringify(r)), seqs: records.map((r) => r.seq), more };
  }

  /** The `limit` records before position `before` (or the newest), oldest first, as objects (`up`'s resume ring takes them). */
  async records(before: number | undefined, limit: number): Promise<{ records: FeedRecord[]; more: boolean }> {
    const { state } = await this.jsm.streams.info(this.stream);
    const end = before ?? (state.last_seq + 1) * POSITION_STRIDE;
    let seq = Math.min(Math.floor((end - 1) / POSITION_STRIDE), state.last_seq);
    let found: StreamRecord[] = [];
    for (; seq >= state.first_seq && found.length < limit && state.messages > 0; seq--) {
      const m = await this.jsm.streams.getMessage(this.stream, { seq });
      if (m === null) continue;
      try {
        found = decodeBatch(m.data, m.header.get(BatchHeader.COLLECTOR), m.seq)
          .filter((r) => r.position < end)
          .concat(found);
      } catch {
        // Not a muxd batch: nothing of it is shown.
      }
    }
    const more = found.length > limit || (seq >= state.first_seq && state.messages > 0);
    const kept = found.slice(Math.max(0, found.length - limit));
    return { records: kept.map(toFeedRecord), more };
  }

  /** The stream's first and last message sequence now (first > last when it is empty). */
  async bounds(): Promise<{ first: number; last: number }> {
    const { state } = await this.jsm.streams.info(this.stream);
    return state.messages > 0 ? { first: state.first_seq, last: state.last_seq } : { first: 1, last: 0 };
  }

  /** The records of the message at stream sequence `seq` (one batch), oldest first; empty when it is gone or not a muxd batch. */
  async batchAt(seq: number): Promise<{ records: StreamRecord[]; bytes: number }> {
    const m = await this.jsm.streams.getMessage(this.stream, { seq });
    if (m === null) return { records: [], bytes: 0 };
    try {
      return { records: decodeBatch(m.data, m.header.get(BatchHeader.COLLECTOR), m.seq), bytes: m.data.length };
    } catch {
      return { records: [], bytes: m.data.length };
    }
  }

  /** Stops following and closes the connection. Safe to call twice. */
  async close(): Promise<void> {
    if (this.stop.signal.aborted) return;
    this.stop.abort();
    await this.loop;
    await this.nc.close();
  }
}
