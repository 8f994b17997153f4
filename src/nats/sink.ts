// The JetStream sink: one message per group-commit batch, acked only after its PubAck; republished with the same id until acked or timed out.
import { EventEmitter } from 'node:events';
import { headers } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { JetStreamClient, PubAck } from '@nats-io/jetstream';
import { SinkUnavailableError } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { silentLog } from '../logger.js';
import { JournalFormat, RecordEncoder } from '../journal/record.js';
import type { MessageInput, Sink } from '../journal/sink.js';
import { BatchHeader, batchMsgId, batchSubject } from './batch.js';
import { settleSink } from './startup.js';

/** Options for {@link openNatsSink}. */
export interface NatsSinkOptions {
  servers: string[];
  stream: string;
  /** Subject prefix; batches go to `<prefix>.<collectorId>`. */
  subjectPrefix: string;
  replicas: number;
  collectorId: string;
  /** A batch without a PubAck after this long is answered ERR_SINK_UNAVAILABLE; startup waits this long for the stream too. */
  sinkTimeoutMs: number;
  /** How long one publish waits for its PubAck before it is sent again (default min(2000, sinkTimeoutMs)). */
  publishTimeoutMs?: number;
  /** `--syslog`: records carry the parsed `syslog` field, exactly as in the file journal. */
  syslog?: boolean;
  log?: LogFn;
  /** Aborted by shutdown: a startup still waiting for the stream gives up. */
  signal?: AbortSignal;
}

/** Counters for metrics and tests. */
export interface NatsSinkStats {
  /** Last collector seq handed out. */
  lastSeq: number;
  /** Batches acknowledged by JetStream. */
  batchesPublished: number;
  /** Publishes sent again after a failure or timeout. */
  republishes: number;
  /** Batches answered ERR_SINK_UNAVAILABLE. */
  timedOut: number;
  /** PubAcks marked duplicate (a republish whose first copy had landed). */
  duplicates: number;
}

/** `up` or `down`: down from the first failed publish or disconnect until a PubAck arrives again. */
export const SinkState = { UP: 'up', DOWN: 'down' } as const;
/** One of SinkState's values. */
export type SinkStateValue = (typeof SinkState)[keyof typeof SinkState];

interface Job {
  first: number;
  count: number;
  payload: Uint8Array;
  msgId: string;
  resolve: (first: number) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
  sending: boolean;
  attempts: number;
  done: boolean;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 2000;

/**
 * A `Sink` on a JetStream stream. `append` numbers the batch, encodes it exactly as the file journal would and
 * publishes it as one message; the promise resolves only with the PubAck, so while NATS is down or slow it stays
 * pending and the batcher's caps pause every source. A failed or timed-out publish goes out again with the same
 * `Nats-Msg-Id`, in order, so the stream's duplicate window drops copies. Seqs are never handed out twice: a batch
 * given up on may still have landed. Emits `'publish'` (durationMs, messages, bytes), `'failing'` and `'recovered'`.
 */
export class NatsSink extends EventEmitter implements Sink, Closable {
  readonly name = 'nats-sink';
  readonly stats: NatsSinkStats;
  readonly collectorId: string;
  readonly subject: string;
  private state: SinkStateValue = SinkState.UP;
  private readonly pending: Job[] = [];
  private readonly encoder: RecordEncoder;
  private readonly js: JetStreamClient;
  private readonly log: LogFn;
  private readonly publishTimeoutMs: number;
  private retryTimer: NodeJS.Timeout | null = null;
  /** False between a 'disconnect' and a 'reconnect': republishing then would only pile copies into the client's buffer. */
  private connected = true;
  private retryDelay = RETRY_MIN_MS;
  private closePromise: Promise<void> | null = null;

  /** Use {@link openNatsSink}. */
  constructor(
    private readonly nc: NatsConnection,
    private readonly opts: NatsSinkOptions,
    lastSeq: number,
  ) {
    super();
    this.encoder = new RecordEncoder(JournalFormat.JSON, undefined, true, opts.syslog === true);
    this.js = jetstream(nc);
    this.collectorId = opts.collectorId;
    this.subject = batchSubject(opts.subjectPrefix, opts.collectorId);
    this.stats = { lastSeq, batchesPublished: 0, republishes: 0, timedOut: 0, duplicates: 0 };
    this.log = opts.log ?? silentLog;
    this.publishTimeoutMs = opts.publishTimeoutMs ?? Math.min(2000, opts.sinkTimeoutMs);
    void this.watchStatus();
  }

  /** False while publishes fail or the connection is lost (health answers 503). */
  get healthy(): boolean {
    return this.state === SinkState.UP;
  }

  /** `up` or `down`. */
  get sinkState(): SinkStateValue {
    return this.state;
  }

  /** {@inheritDoc Sink.append} */
  append(batch: MessageInput[]): Promise<number> {
    if (this.closePromise) return Promise.reject(new SinkUnavailableError('the sink is closed'));
    const first = this.stats.lastSeq + 1;
    this.stats.lastSeq += batch.length;
    this.encoder.begin(new Date().toISOString());
    this.encoder.addBatch(first, batch);
    // The encoder's buffer is reused for the next batch; a publish in flight (or a republish) needs its own copy.
    const payload = Uint8Array.prototype.slice.call(this.encoder.bytes());
    this.encoder.reset();
    return new Promise<number>((resolve, reject) => {
      const job: Job = { first, count: batch.length, payload, msgId: batchMsgId(this.collectorId, first), resolve, reject, timer: null as unknown as NodeJS.Timeout, sending: false, attempts: 0, done: false };
      job.timer = setTimeout(() => this.giveUp(job), this.opts.sinkTimeoutMs);
      job.timer.unref();
      this.pending.push(job);
      // While down, the retry pass sends it after the older batches, keeping the stream in seq order.
      if (this.state === SinkState.UP) this.publish(job);
    });
  }

  private publish(job: Job): void {
    job.sending = true;
    if (job.attempts++ > 0) this.stats.republishes++;
    const h = headers();
    h.set(BatchHeader.COUNT, String(job.count));
    h.set(BatchHeader.COLLECTOR, this.collectorId);
    const started = performance.now();
    this.js.publish(this.subject, job.payload, { msgID: job.msgId, headers: h, timeout: this.publishTimeoutMs, retries: 0 }).then(
      (ack) => this.onAck(job, ack, performance.now() - started),
      (err: unknown) => this.onFail(job, err),
    );
  }

  private onAck(job: Job, ack: PubAck, ms: number): void {
    job.sending = false;
    if (ack.duplicate) this.stats.duplicates++;
    if (job.done) return;
    this.finish(job);
    if (ack.duplicate && job.attempts === 1) {
      // A first publish can only be a duplicate if another collector publishes under the same id: the payload was dropped.
      job.reject(new SinkUnavailableError(`the stream already holds batch ${job.msgId}: is another collector running with --collector-id ${this.collectorId}?`));
      return;
    }
    this.stats.batchesPublished++;
    this.emit('publish', ms, job.count, job.payload.length);
    job.resolve(job.first);
    if (this.state === SinkState.DOWN) {
      this.setState(SinkState.UP);
      // Batches appended while down were held back (to keep seq order); they go out now.
      this.republishAll();
    }
  }

  private onFail(job: Job, err: unknown): void {
    job.sending = false;
    if (job.done) return;
    if (this.state === SinkState.UP) this.log(`publish of batch ${job.msgId} failed (${err instanceof Error ? err.message : String(err)}); holding input and retrying`, 'warn');
    this.setState(SinkState.DOWN);
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.retryTimer !== null) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
      // In order, with the same ids: JetStream drops any copy that had landed. Disconnected, the 'reconnect' status does it.
      if (this.connected) this.republishAll();
    }, this.retryDelay);
    this.retryTimer.unref();
  }

  private republishAll(): void {
    for (const job of this.pending) if (!job.sending) this.publish(job);
  }

  private giveUp(job: Job): void {
    if (job.done) return;
    this.finish(job);
    this.stats.timedOut++;
    job.reject(new SinkUnavailableError(`no acknowledgement from NATS JetStream within ${this.opts.sinkTimeoutMs / 1000}s`));
  }

  private finish(job: Job): void {
    job.done = true;
    clearTimeout(job.timer);
    const i = this.pending.indexOf(job);
    if (i !== -1) this.pending.splice(i, 1);
  }

  private setState(next: SinkStateValue): void {
    if (next === this.state) return;
    this.state = next;
    if (next === SinkState.UP) {
      this.retryDelay = RETRY_MIN_MS;
      this.log('NATS JetStream acknowledges again');
      this.emit('recovered');
    } else this.emit('failing');
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        this.setState(SinkState.DOWN);
      } else if (s.type === 'reconnect') {
        this.connected = true;
        // A PubAck proves the stream takes writes again; with nothing to send, a reconnect is the best evidence there is.
        if (this.pending.length === 0) this.setState(SinkState.UP);
        else this.republishAll();
      }
    }
  }

  /**
   * Closes the connection. The collector's drain has already waited for the batches in flight; any still without a
   * PubAck (the drain deadline passed) are answered ERR_SINK_UNAVAILABLE, never ok. Safe to call twice.
   */
  close(): Promise<void> {
    this.closePromise ??= (async () => {
      for (const job of [...this.pending]) {
        this.finish(job);
        job.reject(new SinkUnavailableError('shutting down before NATS JetStream acknowledged'));
      }
      if (this.retryTimer !== null) clearTimeout(this.retryTimer);
      await this.nc.close();
    })();
    return this.closePromise;
  }
}

/**
 * Connects, makes sure the stream exists, reads this collector's last seq and returns the sink. While the cluster is
 * unreachable or unsettled it keeps trying, logging why, for up to `sinkTimeoutMs`; then it throws ERR_SINK_UNAVAILABLE.
 */
export async function openNatsSink(opts: NatsSinkOptions): Promise<NatsSink> {
  const { nc, lastSeq } = await settleSink({
    servers: opts.servers,
    stream: opts.stream,
    prefix: opts.subjectPrefix,
    replicas: opts.replicas,
    collectorId: opts.collectorId,
    timeoutMs: opts.sinkTimeoutMs,
    log: opts.log ?? silentLog,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
  });
  return new NatsSink(nc, opts, lastSeq);
}
