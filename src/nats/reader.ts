// Reads a muxd stream back in order with an ordered consumer: batches decoded into records, a CAUGHT_UP mark at the tail, then live ones.
import { DeliverPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager, OrderedConsumerOptions } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { CAUGHT_UP } from '../journal/reader.js';
import { BatchHeader, decodeBatch } from './batch.js';
import type { StreamRecord } from './batch.js';
import { connectNats } from './stream.js';

export { CAUGHT_UP } from '../journal/reader.js';

/** Where reading starts. */
export type StreamStart = { kind: 'all' } | { kind: 'seq'; seq: number } | { kind: 'time'; since: Date } | { kind: 'lastRecords'; n: number };

/** Options for {@link readStream}. */
export interface ReadStreamOptions {
  /** An open connection (kept open), or servers to connect to (closed when done). */
  nc?: NatsConnection;
  servers?: string[];
  stream: string;
  start: StreamStart;
  /** Keep yielding new batches after CAUGHT_UP, until `signal` aborts. */
  follow: boolean;
  signal?: AbortSignal;
  /** Told about messages that are not muxd batches (skipped). */
  onNotice?: (text: string) => void;
}

/** Most stream messages looked at backwards to find where the last N records start; past it, reading starts at the first. */
const MAX_LOOKBACK = 10_000;

/**
 * The stream sequence from which the last `n` records are reachable: walks back from the newest message summing
 * `Muxd-Count`, so `tail -n N` does not read the whole stream.
 */
export async function startForLastRecords(jsm: JetStreamManager, stream: string, n: number, firstSeq: number, lastSeq: number): Promise<number> {
  let need = n;
  let seq = lastSeq;
  for (let looked = 0; seq >= firstSeq && need > 0 && looked < MAX_LOOKBACK; looked++, seq--) {
    const m = await jsm.streams.getMessage(stream, { seq });
    if (m === null) continue;
    need -= Number(m.header.get(BatchHeader.COUNT)) || 1;
  }
  return Math.max(seq + 1, firstSeq);
}

/**
 * Yields each batch's records (oldest first), then CAUGHT_UP once the stream's tail at the start has been read;
 * with `follow`, new batches after that. Without `follow` it returns at CAUGHT_UP.
 */
export async function* readStream(o: ReadStreamOptions): AsyncGenerator<StreamRecord[] | typeof CAUGHT_UP> {
  const own = o.nc === undefined;
  const nc = o.nc ?? (await connectNats(o.servers ?? [], 'muxd reader'));
  const notice = o.onNotice ?? (() => {});
  let messages: { stop(): void; close(): Promise<void | Error> } | null = null;
  const onAbort = (): void => messages?.stop();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    // No account-info probe: a reader must work while a cluster re-elects its meta leader.
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const { state } = await jsm.streams.info(o.stream);
    const tail = state.last_seq;
    const opts: Partial<OrderedConsumerOptions> = {};
    if (o.start.kind === 'seq') Object.assign(opts, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, o.start.seq) });
    else if (o.start.kind === 'time') Object.assign(opts, { deliver_policy: DeliverPolicy.StartTime, opt_start_time: o.start.since.toISOString() });
    else if (o.start.kind === 'lastRecords') {
      const from = state.messages === 0 ? tail + 1 : await startForLastRecords(jsm, o.stream, o.start.n, state.first_seq, tail);
      Object.assign(opts, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, from) });
    }
    let caughtUp = state.messages === 0 || (o.start.kind === 'seq' && o.start.seq > tail) || (o.start.kind === 'lastRecords' && o.start.n === 0);
    if (caughtUp) {
      yield CAUGHT_UP;
      if (!o.follow) return;
      // Only what arrives from now on.
      Object.assign(opts, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: tail + 1 });
    }
    if (o.signal?.aborted) return;
    const consumer = await jetstream(nc).consumers.get(o.stream, opts);
    // A start time past every message delivers nothing: ask the consumer whether anything is pending at all.
    if (!caughtUp && (await consumer.info()).num_pending === 0) {
      caughtUp = true;
      yield CAUGHT_UP;
      if (!o.follow) return;
    }
    const iter = await consumer.consume({ max_messages: 64 });
    messages = iter;
    if (o.signal?.aborted) iter.stop();
    for await (const m of iter) {
      const collector = m.headers?.get(BatchHeader.COLLECTOR) || m.subject.slice(m.subject.lastIndexOf('.') + 1);
      let records: StreamRecord[] | null = null;
      try {
        records = decodeBatch(m.data, collector, m.seq);
      } catch {
        notice(`stream message ${m.seq} on ${m.subject} is not a muxd batch; skipped`);
      }
      if (records !== null && records.length > 0) yield records;
      if (!caughtUp && (m.seq >= tail || m.info.pending === 0)) {
        caughtUp = true;
        yield CAUGHT_UP;
        if (!o.follow) break;
      }
      if (o.signal?.aborted) break;
    }
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    messages?.stop();
    if (own) await nc.close();
  }
}
