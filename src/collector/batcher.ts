// Fair group commit: gathers messages from every source into batches (each source capped per batch, two batches in flight) and settles them in order.
import { codeOf, ErrorCode } from '../errors.js';
import type { LogFn } from '../logger.js';
import type { MessageInput, Sink } from '../journal/sink.js';
import { Source } from './source.js';
import type { SourceHandler } from './source.js';

export { Source } from './source.js';
export type { SourceHandler } from './source.js';

/** Limits of the batcher; see docs/protocol.md ("Fairness and memory"). */
export interface BatcherLimits {
  /** Most messages one source may put into one batch. */
  budget: number;
  /** A batch closes at this many messages… */
  maxBatchMessages: number;
  /** …or at this many message bytes. */
  maxBatchBytes: number;
  /** A source stops reading past this many unanswered messages… */
  maxSourceMessages: number;
  /** …or this many unanswered bytes; it resumes below half of both. */
  maxSourceBytes: number;
  /** Every source stops reading while the whole server holds this many unanswered bytes; resume below half. */
  maxPendingBytes: number;
  /** Batches handed to the sink and not settled yet: 2 lets one batch be written while the previous one syncs. */
  maxInflight: number;
}

/** Defaults chosen so that one flooder cannot make a batch (and everyone's ack latency) grow without bound. */
export const DEFAULT_BATCHER_LIMITS: BatcherLimits = {
  budget: 256,
  maxBatchMessages: 16_384,
  maxBatchBytes: 1024 * 1024,
  // Enough for two full batches per source; more would only keep chunks alive longer (GC work, memory).
  maxSourceMessages: 1024,
  maxSourceBytes: 256 * 1024,
  maxPendingBytes: 64 * 1024 * 1024,
  maxInflight: 2,
};

/** Counters shared by every source. */
export interface CollectStats {
  received: number;
  acked: number;
  rejected: Record<string, number>;
}

/**
 * Keeps at most `maxInflight` `sink.append` calls in flight. Each new batch takes up to `budget`
 * messages from each waiting source in round-robin order, until the batch caps are reached.
 */
export class Batcher {
  /** @internal */ ready: Source[] = [];
  /** @internal */ pendingBytes = 0;
  /** @internal */ readonly pausedSources = new Set<Source>();
  readonly stats: CollectStats = { received: 0, acked: 0, rejected: {} };
  readonly limits: BatcherLimits;
  private inflight = 0;
  private tail: Promise<void> = Promise.resolve();
  private scheduled = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly sink: Sink,
    limits: Partial<BatcherLimits> = {},
    private readonly log: LogFn = () => {},
  ) {
    this.limits = { ...DEFAULT_BATCHER_LIMITS, ...limits };
  }

  /** A new source; `ack: false` drops reply lines (the `--ack off` mode). */
  createSource(src: string, handler: SourceHandler, ack = true): Source {
    return new Source(this, src, handler, ack);
  }

  /** Schedules a batch after the current I/O callbacks, so that one poll's reads share it. */
  kick(): void {
    if (this.scheduled || this.inflight >= this.limits.maxInflight || this.ready.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /** True when nothing is queued or in flight. */
  get idle(): boolean {
    return this.inflight === 0 && this.ready.length === 0;
  }

  /** Resolves once everything queued so far is answered. */
  drain(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private flush(): void {
    if (this.inflight >= this.limits.maxInflight || this.ready.length === 0) return this.notifyIdle();
    const { budget, maxBatchMessages, maxBatchBytes } = this.limits;
    const batch: MessageInput[] = [];
    const taken: Source[] = [];
    const ready = this.ready;
    const carry: Source[] = [];
    let bytes = 0;
    let i = 0;
    for (; i < ready.length && batch.length < maxBatchMessages && bytes < maxBatchBytes; i++) {
      const s = ready[i]!;
      bytes += s.take(batch, budget, maxBatchMessages, maxBatchBytes, bytes);
      taken.push(s);
      if (s.waiting) carry.push(s);
      else s.inReady = false;
    }
    this.ready = i < ready.length ? ready.slice(i).concat(carry) : carry;
    this.inflight++;
    // Batches settle strictly in order (replies of one source must stay ordered), whatever order the sink answers in.
    const result: Promise<{ first: number; err: unknown }> =
      batch.length === 0
        ? Promise.resolve({ first: 0, err: null })
        : this.sink.append(batch).then(
            (first) => ({ first, err: null }),
            (err: unknown) => {
              this.log(`${batch.length} messages answered ${codeOf(err)}: ${err instanceof Error ? err.message : String(err)}`);
              return { first: 0, err: err ?? new Error(ErrorCode.IO) };
            },
          );
    this.tail = this.tail
      .then(() => result)
      .then((r) => this.settle(taken, r.first, r.err))
      .catch((err: unknown) => this.log(`internal error while answering a batch: ${String(err)}`));
  }

  private settle(taken: Source[], first: number, err: unknown): void {
    this.inflight--;
    for (const s of taken) {
      // One source's failure must not leave the others in this batch unanswered.
      try {
        s.settle(first, err);
      } catch (e) {
        this.log(`settling a source failed: ${String(e)}`);
      }
    }
    if (this.pausedSources.size > 0 && this.pendingBytes <= this.limits.maxPendingBytes / 2) {
      for (const s of this.pausedSources) if (s.maybeResume()) this.pausedSources.delete(s);
    }
    if (this.ready.length > 0) this.flush();
    else this.notifyIdle();
  }

  private notifyIdle(): void {
    if (!this.idle) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}
