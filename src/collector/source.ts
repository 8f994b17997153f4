// One producer's queue for the batcher (a TCP connection, the terminal, an HTTP request): its items, its caps, its ordered answers.
import { codeOf } from '../errors.js';
import type { MessageInput } from '../journal/sink.js';
import type { BatcherLimits } from './caps.js';
import { MESSAGE_OVERHEAD } from './caps.js';

/** What a source needs from the batcher that owns the shared accounting (implemented by Batcher). */
export interface SourceHost {
  readonly limits: BatcherLimits;
  /** True while the charged bytes of every source together reach `maxPendingBytes`. */
  readonly full: boolean;
  /** True once the charged bytes are back at half of `maxPendingBytes` or below. */
  readonly belowHalf: boolean;
  /** One item was queued: charge `bytes`; `message` is false for a queued error reply. */
  admit(bytes: number, message: boolean): void;
  /** The source has items for the next batch. */
  ready(source: Source): void;
  /** A settled run freed `items` items and `bytes` charged bytes; `messages` of them were answered, `ok` or with `errCode`. */
  release(bytes: number, items: number, messages: number, errCode: string | null): void;
  /** Counts `n` refusals with `code`. */
  countRejected(code: string, n?: number): void;
  /** Remembers a source paused by a cap, to offer it a resume when the global cap eases. */
  park(source: Source): void;
  unpark(source: Source): void;
}

/** What a source does with its results. Reply methods are not called when acks are off or the peer is gone. */
export interface SourceHandler {
  /** `count` messages are stored, with the consecutive seqs from `first`. */
  ok(first: number, count: number): void;
  /** `count` messages (or one queued refusal) are not stored. */
  error(code: string, reason: string, count: number): void;
  /** The answers of one settled batch are all given: send them. */
  flush(): void;
  /** Stop reading input: a cap is reached. */
  pause(): void;
  /** Read input again. */
  resume(): void;
  /** Every item pushed so far is answered (or journaled, with acks off). */
  settled?(): void;
}

/** An error reply decided before the journal, queued so that it keeps its place among the answers. */
class Refusal {
  constructor(
    readonly code: string,
    readonly reason: string,
    readonly charge: number,
  ) {}
}

/**
 * A queued item: the bare line bytes, a MessageInput for a partial line, or a refusal. The MessageInput of
 * a whole line is only built when a batch takes it, so a waiting message costs one object instead of two.
 */
type Item = Buffer | MessageInput | Refusal;

/** The reason every message of a failed batch is answered with. */
const FAILED_REASON = 'journal write failed; message not stored, resend it';

/** One producer of messages: its queue (waiting and in batches in flight), caps, and answers in input order. */
export class Source {
  /** Items not yet answered: [head, next) are in batches in flight, [next, length) are waiting. */
  private items: Item[] = [];
  private head = 0;
  private next = 0;
  /** Per batch in flight, oldest first: where this source's items end, and its first message's index in the batch. */
  private takenEnds: number[] = [];
  private offsets: number[] = [];
  private inReady = false;
  /** Items not answered yet, and their charged bytes. */
  private count = 0;
  private bytes = 0;
  private paused = false;
  private closed = false;

  constructor(
    private readonly host: SourceHost,
    readonly src: string,
    private readonly handler: SourceHandler,
    readonly ack: boolean,
  ) {}

  /** Items (messages and error replies) not answered yet. */
  get outstanding(): number {
    return this.items.length - this.head;
  }

  /**
   * Queues one message (a view is fine: it is not copied). Returns false once a cap is reached: the
   * source is then paused (`handler.pause()`), and the caller stops feeding it until `handler.resume()`.
   * Call `batcher.kick()` after a run of pushes.
   */
  push(msg: Buffer): boolean {
    this.items.push(msg);
    return this.admit(msg.length + MESSAGE_OVERHEAD, true);
  }

  /** Queues a line cut off by a disconnect or shutdown; journaled with `partial: true`. */
  pushPartial(msg: Buffer): boolean {
    this.items.push({ src: this.src, msg, partial: true });
    return this.admit(msg.length + MESSAGE_OVERHEAD, true);
  }

  /** Queues an error reply that must come after the replies for earlier messages; counts the refusal. */
  refuse(code: string, reason: string): boolean {
    this.host.countRejected(code);
    if (!this.ack) return !this.paused;
    const charge = reason.length + MESSAGE_OVERHEAD;
    this.items.push(new Refusal(code, reason, charge));
    return this.admit(charge, false);
  }

  /** The peer is gone: keep journaling what it sent, drop its replies. */
  close(): void {
    this.closed = true;
  }

  private admit(charge: number, message: boolean): boolean {
    this.count++;
    this.bytes += charge;
    const host = this.host;
    host.admit(charge, message);
    if (!this.inReady) {
      this.inReady = true;
      host.ready(this);
    }
    if (this.paused) return false;
    const l = host.limits;
    if (this.count < l.maxSourceMessages && this.bytes < l.maxSourceBytes && !host.full) return true;
    this.paused = true;
    host.park(this);
    this.handler.pause();
    return false;
  }

  /** Resumes if every cap is back at half or below; true when not paused afterwards. */
  maybeResume(): boolean {
    if (!this.paused) return true;
    const l = this.host.limits;
    if (this.count > l.maxSourceMessages / 2 || this.bytes > l.maxSourceBytes / 2 || !this.host.belowHalf) return false;
    this.paused = false;
    this.host.unpark(this);
    // The handler may push again right away (held input), and pause again.
    this.handler.resume();
    return !this.paused;
  }

  /** Moves up to `budget` messages into `batch`; returns the message bytes taken. */
  take(batch: MessageInput[], budget: number, maxMessages: number, maxBytes: number, bytesSoFar: number): number {
    this.offsets.push(batch.length);
    const items = this.items;
    let j = this.next;
    let n = 0;
    let bytes = bytesSoFar;
    while (j < items.length && n < budget && batch.length < maxMessages && bytes < maxBytes) {
      const it = items[j++]!;
      if (it instanceof Uint8Array) {
        batch.push({ src: this.src, msg: it });
        bytes += it.length;
        n++;
      } else if (!(it instanceof Refusal)) {
        batch.push(it);
        bytes += it.msg.length;
        n++;
      }
    }
    this.next = j;
    this.takenEnds.push(j);
    this.inReady = j < items.length;
    return bytes - bytesSoFar;
  }

  /** True while items wait for a later batch. */
  get waiting(): boolean {
    return this.inReady;
  }

  /** Answers the oldest batch's items with seqs from `first` (or the error), frees their memory. */
  settle(first: number, err: unknown): void {
    const items = this.items;
    const end = this.takenEnds.shift()!;
    let seq = first + this.offsets.shift()!;
    const failCode = err === null ? null : codeOf(err);
    const answer = this.ack && !this.closed;
    const h = this.handler;
    let freed = 0;
    let messages = 0;
    let run = 0;
    for (let i = this.head; i < end; i++) {
      const it = items[i]!;
      if (it instanceof Refusal) {
        freed += it.charge;
        if (!answer) continue;
        if (run > 0) this.answerRun(seq - run, run, failCode);
        run = 0;
        h.error(it.code, it.reason, 1);
        continue;
      }
      freed += (it instanceof Uint8Array ? it.length : it.msg.length) + MESSAGE_OVERHEAD;
      messages++;
      run++;
      seq++;
    }
    if (answer) {
      if (run > 0) this.answerRun(seq - run, run, failCode);
      h.flush();
    }
    this.count -= end - this.head;
    this.bytes -= freed;
    this.host.release(freed, end - this.head, messages, failCode);
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
    if (this.paused) this.maybeResume();
    if (this.items.length === 0) h.settled?.();
  }

  private answerRun(first: number, count: number, failCode: string | null): void {
    if (failCode === null) this.handler.ok(first, count);
    else this.handler.error(failCode, FAILED_REASON, count);
  }
}
