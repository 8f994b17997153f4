// Fair group commit: gathers messages from every source into batches (each source capped per batch, one batch in flight by default) and settles them in order.
import { codeOf, IoError } from '../errors.js';
import type { LogFn } from '../logger.js';
import type { Sink } from '../journal/sink.js';
import { MessageBatch } from '../journal/message-batch.js';
import { countRejected, DEFAULT_BATCHER_LIMITS } from './caps.js';
import type { BatcherLimits, CollectStats } from './caps.js';
import { Source } from './source.js';
import type { SourceHandler, SourceHost } from './source.js';
import type { Ingest } from './ingest.js';

/**
 * Keeps at most `maxInflight` `sink.append` calls in flight. Each new batch takes up to `budget`
 * messages and `budgetBytes` bytes from each waiting source in round-robin order, until the batch caps are
 * reached. A batch is cut at the first check phase after input arrives while a slot is free, or the moment a
 * batch in flight settles: it never waits to fill, so it is bounded in time as well as in size.
 */
export class Batcher implements SourceHost, Ingest {
  readonly limits: BatcherLimits;
  private readySources: Source[] = [];
  private readonly pausedSources = new Set<Source>();
  private received = 0;
  private acked = 0;
  private readonly rejected: Record<string, number> = {};
  private queuedMessages = 0;
  private queuedBytes = 0;
  private peakMessages = 0;
  private peakBytes = 0;
  private inflight = 0;
  private tail: Promise<void> = Promise.resolve();
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];
  /** Settled batches, emptied, to be filled again: their arrays keep the room a batch grew them to. */
  private spare: MessageBatch[] = [];

  constructor(
    private readonly sink: Sink,
    limits: Partial<BatcherLimits> = {},
    private readonly log: LogFn = () => {},
  ) {
    this.limits = { ...DEFAULT_BATCHER_LIMITS, ...limits };
  }

  /** The counters (a snapshot). */
  get stats(): CollectStats {
    return {
      received: this.received,
      acked: this.acked,
      rejected: { ...this.rejected },
      queuedMessages: this.queuedMessages,
      queuedBytes: this.queuedBytes,
      peakQueuedMessages: this.peakMessages,
      peakQueuedBytes: this.peakBytes,
    };
  }

  /** {@inheritDoc SourceHost.full} */
  get full(): boolean {
    return this.queuedBytes >= this.limits.maxPendingBytes;
  }

  /** {@inheritDoc SourceHost.belowHalf} */
  get belowHalf(): boolean {
    return this.queuedBytes <= this.limits.maxPendingBytes / 2;
  }

  /** {@inheritDoc SourceHost.admit} */
  admit(bytes: number, message: boolean): void {
    if (message) this.received++;
    const n = ++this.queuedMessages;
    const b = (this.queuedBytes += bytes);
    if (n > this.peakMessages) this.peakMessages = n;
    if (b > this.peakBytes) this.peakBytes = b;
  }

  /** {@inheritDoc SourceHost.ready} */
  ready(source: Source): void {
    this.readySources.push(source);
  }

  /** {@inheritDoc SourceHost.release} */
  release(bytes: number, items: number, messages: number, errCode: string | null): void {
    this.queuedBytes -= bytes;
    this.queuedMessages -= items;
    if (errCode === null) this.acked += messages;
    else if (messages > 0) countRejected(this.rejected, errCode, messages);
  }

  /** {@inheritDoc SourceHost.countRejected} */
  countRejected(code: string, n = 1): void {
    countRejected(this.rejected, code, n);
  }

  /** {@inheritDoc SourceHost.park} */
  park(source: Source): void {
    this.pausedSources.add(source);
  }

  /** {@inheritDoc SourceHost.unpark} */
  unpark(source: Source): void {
    this.pausedSources.delete(source);
  }

  /** A new source; `ack: false` drops reply lines (the `--ack off` mode); `capped: false` drops the per-source caps (see Ingest). */
  createSource(src: string, handler: SourceHandler, ack = true, capped = true): Source {
    return new Source(this, src, handler, ack, capped);
  }

  /** Schedules a batch after the current I/O callbacks, so that one poll's reads share it. */
  kick(): void {
    if (this.scheduled || this.inflight >= this.limits.maxInflight || this.readySources.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** True when nothing is queued or in flight. */
  get idle(): boolean {
    return this.inflight === 0 && this.readySources.length === 0;
  }

  /** Resolves once everything queued so far is answered. */
  drain(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    if (this.inflight >= this.limits.maxInflight || this.readySources.length === 0) return this.notifyIdle();
    const { budget, budgetBytes, maxBatchMessages, maxBatchBytes } = this.limits;
    const batch = this.spare.pop() ?? new MessageBatch(1024);
    const taken: Source[] = [];
    const ready = this.readySources;
    const carry: Source[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < ready.length && batch.length < maxBatchMessages && bytes < maxBatchBytes; i++) {
      const s = ready[i]!;
      bytes += s.take(batch, budget, budgetBytes, maxBatchMessages, maxBatchBytes, bytes);
      taken.push(s);
      if (s.waiting) carry.push(s);
    }
    this.readySources = i < ready.length ? ready.slice(i).concat(carry) : carry;
    this.inflight++;
    // Batches settle strictly in order (replies of one source must stay ordered), whatever order the sink answers in.
    const result: Promise<{ first: number; err: unknown }> =
      batch.length === 0
        ? Promise.resolve({ first: 0, err: null })
        : (this.sink.appendBatch !== undefined ? this.sink.appendBatch(batch) : this.sink.append(batch.inputs())).then(
            (first) => ({ first, err: null }),
            (err: unknown) => {
              this.log(`${batch.length} messages answered ${codeOf(err)}: ${err instanceof Error ? err.message : String(err)}`, 'warn');
              return { first: 0, err: err ?? new IoError('the journal refused the batch without a reason') };
            },
          );
    this.tail = this.tail
      .then(() => result)
      .then((r) => {
        this.settle(taken, r.first, r.err);
        // The sink is done with it (a journal drops a job once it resolved or rejected it).
        batch.clear();
        if (this.spare.length <= this.limits.maxInflight) this.spare.push(batch);
      })
      .catch((err: unknown) => this.log(`internal error while answering a batch: ${String(err)}`, 'error'));
  }

  private settle(taken: Source[], first: number, err: unknown): void {
    this.inflight--;
    for (const s of taken) {
      // One source's failure must not leave the others in this batch unanswered.
      try {
        s.settle(first, err);
      } catch (e) {
        this.log(`settling a source failed: ${String(e)}`, 'error');
      }
    }
    // A snapshot: a source that resumes may take in held input and pause (park) again.
    if (this.pausedSources.size > 0 && this.belowHalf) for (const s of [...this.pausedSources]) s.maybeResume();
    if (this.readySources.length > 0) this.flush();
    else this.notifyIdle();
  }

  private notifyIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
