// Fair group commit: gathers messages from every source into one batch at a time, each source capped per batch, and routes replies back in order.
import { codeOf, ErrorCode } from '../errors.js';
import type { LogFn } from '../logger.js';
import type { MessageInput, Sink } from '../journal/sink.js';
import { errorLine } from '../protocol/replies.js';

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

/** What a source does with its results. */
export interface SourceHandler {
  /** Reply lines, in order (`ok <seq>\n`, `error <CODE> <reason>\n`), as ASCII bytes. Not called when acks are off. */
  reply(lines: Buffer): void;
  /** Stop reading input: a cap is reached. */
  pause(): void;
  /** Read input again. */
  resume(): void;
  /** Every message pushed so far is answered (or journaled, with acks off). */
  settled?(): void;
}

/** Counters shared by every source. */
export interface CollectStats {
  received: number;
  acked: number;
  rejected: Record<string, number>;
}

/** A queued reply line (an error decided before the journal) or a message to journal. */
type Item = MessageInput | string;

/** Longest `ok <seq>\n` line: "ok " + 16 digits + LF. */
const OK_LINE_MAX = 20;

/**
 * The replies for items[from, to) as one buffer: `ok <seq>` with consecutive seqs from `firstSeq` for
 * messages (or `failLine` for each when the batch failed), queued error lines in place. Built by hand:
 * one socket write per connection per batch, no string per reply.
 */
function replyBytes(items: Item[], from: number, to: number, firstSeq: number, failLine: string | null): Buffer {
  let size = 0;
  for (let i = from; i < to; i++) {
    const it = items[i]!;
    size += typeof it === 'string' ? Buffer.byteLength(it) : failLine !== null ? failLine.length : OK_LINE_MAX;
  }
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  let seq = firstSeq;
  for (let i = from; i < to; i++) {
    const it = items[i]!;
    if (typeof it === 'string') o += out.write(it, o, 'utf8');
    else if (failLine !== null) o += out.write(failLine, o, 'latin1');
    else {
      out[o++] = 0x6f; // o
      out[o++] = 0x6b; // k
      out[o++] = 0x20;
      let digits = 1;
      for (let t = seq; t >= 10; t = Math.floor(t / 10)) digits++;
      let n = seq++;
      o += digits;
      let d = o;
      do {
        out[--d] = 0x30 + (n % 10);
        n = Math.floor(n / 10);
      } while (n > 0);
      out[o++] = 0x0a;
    }
  }
  return out.subarray(0, o);
}

/** One producer of messages (a TCP connection, the terminal, an HTTP request). */
export class Source {
  /** Items not yet answered: [head, next) are in batches in flight, [next, length) are waiting. */
  private items: Item[] = [];
  private head = 0;
  private next = 0;
  /** Per batch in flight, oldest first: where this source's items end, and its first message's index in the batch. */
  private takenEnds: number[] = [];
  private offsets: number[] = [];
  /** @internal */ inReady = false;
  private bytes = 0;
  private messages = 0;
  private paused = false;
  private closed = false;

  constructor(
    private readonly batcher: Batcher,
    readonly src: string,
    private readonly handler: SourceHandler,
    readonly ack: boolean,
  ) {}

  /** Messages and error lines not answered yet. */
  get outstanding(): number {
    return this.items.length - this.head;
  }

  /** Queues one message. Call `batcher.kick()` after a run of pushes. */
  push(msg: Buffer, partial = false): void {
    this.items.push(partial ? { src: this.src, msg, partial: true } : { src: this.src, msg });
    this.bytes += msg.length;
    this.messages++;
    this.batcher.pendingBytes += msg.length;
    this.batcher.stats.received++;
    this.enqueued();
  }

  /** Queues an error reply that must come after the replies for earlier messages. */
  pushError(code: string, reason: string): void {
    this.batcher.stats.rejected[code] = (this.batcher.stats.rejected[code] ?? 0) + 1;
    if (!this.ack) return;
    this.items.push(errorLine(code, reason));
    this.enqueued();
  }

  /** Checks the caps after pushes; pauses the input past them. */
  checkCaps(): void {
    const b = this.batcher;
    const l = b.limits;
    if (this.paused) return;
    if (this.messages > l.maxSourceMessages || this.bytes > l.maxSourceBytes || b.pendingBytes > l.maxPendingBytes) {
      this.paused = true;
      b.pausedSources.add(this);
      this.handler.pause();
    }
  }

  /** The peer is gone: keep journaling what it sent, drop its replies. */
  close(): void {
    this.closed = true;
  }

  /** @internal Resumes if every cap is back under its low-water mark. */
  maybeResume(): boolean {
    const l = this.batcher.limits;
    if (!this.paused) return true;
    if (this.messages > l.maxSourceMessages / 2 || this.bytes > l.maxSourceBytes / 2 || this.batcher.pendingBytes > l.maxPendingBytes / 2) {
      return false;
    }
    this.paused = false;
    this.handler.resume();
    return true;
  }

  private enqueued(): void {
    if (!this.inReady) {
      this.inReady = true;
      this.batcher.ready.push(this);
    }
  }

  /** @internal Moves up to `budget` messages into `batch`; returns the message bytes taken. */
  take(batch: MessageInput[], budget: number, maxMessages: number, maxBytes: number, bytesSoFar: number): number {
    this.offsets.push(batch.length);
    const items = this.items;
    let j = this.next;
    let n = 0;
    let bytes = bytesSoFar;
    while (j < items.length && n < budget && batch.length < maxMessages && bytes < maxBytes) {
      const it = items[j++]!;
      if (typeof it !== 'string') {
        batch.push(it);
        bytes += it.msg.length;
        n++;
      }
    }
    this.next = j;
    this.takenEnds.push(j);
    return bytes - bytesSoFar;
  }

  /** @internal True while items wait for a later batch. */
  get waiting(): boolean {
    return this.next < this.items.length;
  }

  /** @internal Answers the oldest batch's items with seqs from `first` (or the error), frees their memory. */
  settle(first: number, err: unknown): void {
    const items = this.items;
    const end = this.takenEnds.shift()!;
    const seq = first + this.offsets.shift()!;
    let freed = 0;
    let count = 0;
    for (let i = this.head; i < end; i++) {
      const it = items[i]!;
      if (typeof it === 'string') continue;
      freed += it.msg.length;
      count++;
    }
    const failLine = err === null ? null : errorLine(codeOf(err), 'journal write failed; message not stored, resend it');
    const lines = this.ack && !this.closed && end > this.head ? replyBytes(items, this.head, end, seq, failLine) : null;
    const stats = this.batcher.stats;
    if (err === null) stats.acked += count;
    else stats.rejected[codeOf(err)] = (stats.rejected[codeOf(err)] ?? 0) + count;
    this.bytes -= freed;
    this.messages -= count;
    this.batcher.pendingBytes -= freed;
    if (end === items.length) {
      this.items = [];
      this.head = 0;
      this.next = 0;
    } else if (end > 4096) {
      this.items = items.slice(end);
      this.head = 0;
      this.next -= end;
      for (let i = 0; i < this.takenEnds.length; i++) this.takenEnds[i]! -= end;
    } else this.head = end;
    if (lines !== null) this.handler.reply(lines);
    if (this.paused && this.maybeResume()) this.batcher.pausedSources.delete(this);
    if (this.items.length === 0) this.handler.settled?.();
  }
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
    for (const s of taken) s.settle(first, err);
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
