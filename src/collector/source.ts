// One producer's queue for the batcher (a TCP connection, the terminal, an HTTP request): its items, its caps, its ordered answers.
import { codeOf, ErrorCode } from '../errors.js';
import type { MessageInput } from '../journal/sink.js';
import type { MessageBatch } from '../journal/message-batch.js';
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
 * A queued item: the buffer that holds a message (its span is in `spans`), a MessageInput for a partial
 * line, or a refusal. A waiting message is a ring slot pointing at its socket chunk plus two offsets: no
 * object of its own; a batch takes it as the same buffer and offsets (MessageBatch), so it never gets one.
 */
type Item = Buffer | MessageInput | Refusal;

/** First ring size; it doubles when full and never shrinks (a connection's caps bound it). */
const INITIAL_SLOTS = 8;

/** The reason every message of a failed batch is answered with. */
/** The reason sent with a failed batch's error replies: every failure means "not stored", only ERR_IO names the disk. */
function failedReason(code: string): string {
  return code === ErrorCode.IO ? 'journal write failed; message not stored, resend it' : 'message not stored, resend it';
}

/** One producer of messages: its queue (waiting and in batches in flight), caps, and answers in input order. */
export class Source {
  /**
   * A ring of items, indexed by ever-growing counters masked to its size: [head, next) are in batches in
   * flight, [next, tail) are waiting. Reusing the ring (instead of arrays that grow and are dropped) keeps
   * the old generation free of queue garbage under a flood.
   */
  private items: Array<Item | undefined> = new Array<Item | undefined>(INITIAL_SLOTS);
  /** Two numbers per slot: where its message starts and ends in its buffer (0, length for the others). */
  private spans = new Int32Array(2 * INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  private head = 0;
  private next = 0;
  private tail = 0;
  /** Per batch in flight, oldest first: where this source's items end, and its first message's index in the batch. */
  private takenEnds: number[] = [];
  private offsets: number[] = [];
  private inReady = false;
  /** Charged bytes of the items not answered yet. */
  private bytes = 0;
  private paused = false;
  private closed = false;

  constructor(
    private readonly host: SourceHost,
    readonly src: string,
    private readonly handler: SourceHandler,
    private answering: boolean,
    private readonly capped = true,
  ) {}

  /** True while answers are sent (`--ack on`, and not silenced). */
  get ack(): boolean {
    return this.answering;
  }

  /**
   * From now on nothing is answered (refusals are still counted): the producer turned out to be a sender that
   * never reads its socket. Called before its first message.
   */
  silence(): void {
    this.answering = false;
  }

  /** Items (messages and error replies) not answered yet. */
  get outstanding(): number {
    return this.tail - this.head;
  }

  /**
   * Queues one message (a view is fine: it is not copied). Returns false once a cap is reached: the
   * source is then paused (`handler.pause()`), and the caller stops feeding it until `handler.resume()`.
   * Call `batcher.kick()` after a run of pushes.
   */
  push(msg: Buffer): boolean {
    return this.pushSpan(msg, 0, msg.length);
  }

  /** Like `push`, for the message `buf[start, end)`; the buffer is kept, not copied. */
  pushSpan(buf: Buffer, start: number, end: number): boolean {
    this.put(buf, start, end);
    return this.admit(end - start + MESSAGE_OVERHEAD, true);
  }

  /** Queues a line cut off by a disconnect or shutdown; journaled with `partial: true`. */
  pushPartial(msg: Buffer): boolean {
    this.put({ src: this.src, msg, partial: true }, 0, msg.length);
    return this.admit(msg.length + MESSAGE_OVERHEAD, true);
  }

  /** Queues an error reply that must come after the replies for earlier messages; counts the refusal. */
  refuse(code: string, reason: string): boolean {
    this.host.countRejected(code);
    if (!this.ack) return !this.paused;
    const charge = reason.length + MESSAGE_OVERHEAD;
    this.put(new Refusal(code, reason, charge), 0, 0);
    return this.admit(charge, false);
  }

  /** The peer is gone: keep journaling what it sent, drop its replies. */
  close(): void {
    this.closed = true;
  }

  private put(it: Item, start: number, end: number): void {
    if (this.tail - this.head > this.mask) this.grow();
    const k = this.tail++ & this.mask;
    this.items[k] = it;
    this.spans[2 * k] = start;
    this.spans[2 * k + 1] = end;
  }

  /** Doubles the ring, keeping the items in order at the same counters. */
  private grow(): void {
    const size = 2 * (this.mask + 1);
    const items = new Array<Item | undefined>(size);
    const spans = new Int32Array(2 * size);
    for (let i = this.head; i < this.tail; i++) {
      const from = i & this.mask;
      const to = i & (size - 1);
      items[to] = this.items[from];
      spans[2 * to] = this.spans[2 * from]!;
      spans[2 * to + 1] = this.spans[2 * from + 1]!;
    }
    this.items = items;
    this.spans = spans;
    this.mask = size - 1;
  }

  private admit(charge: number, message: boolean): boolean {
    this.bytes += charge;
    const host = this.host;
    host.admit(charge, message);
    if (!this.inReady) {
      this.inReady = true;
      host.ready(this);
    }
    if (this.paused) return false;
    const l = host.limits;
    if ((!this.capped || (this.tail - this.head < l.maxSourceMessages && this.bytes < l.maxSourceBytes)) && !host.full) return true;
    this.paused = true;
    host.park(this);
    this.handler.pause();
    return false;
  }

  /** Resumes if every cap is back at half or below; true when not paused afterwards. */
  maybeResume(): boolean {
    if (!this.paused) return true;
    const l = this.host.limits;
    if (this.capped && (this.tail - this.head > l.maxSourceMessages / 2 || this.bytes > l.maxSourceBytes / 2)) return false;
    if (!this.host.belowHalf) return false;
    this.paused = false;
    this.host.unpark(this);
    // The handler may push again right away (held input), and pause again.
    this.handler.resume();
    return !this.paused;
  }

  /**
   * Moves up to `budget` messages and about `budgetBytes` message bytes into `batch`, stopping at the batch's
   * caps (`bytesSoFar` is what the batch holds already); returns the message bytes taken.
   */
  take(batch: MessageBatch, budget: number, budgetBytes: number, maxMessages: number, maxBytes: number, bytesSoFar: number): number {
    this.offsets.push(batch.length);
    const { items, spans, mask, tail, src } = this;
    let j = this.next;
    let n = 0;
    let bytes = bytesSoFar;
    const stopAt = Math.min(maxBytes, bytesSoFar + budgetBytes);
    while (j < tail && n < budget && batch.length < maxMessages && bytes < stopAt) {
      const k = j++ & mask;
      const it = items[k]!;
      if (it instanceof Uint8Array) {
        const start = spans[2 * k]!;
        const end = spans[2 * k + 1]!;
        batch.add(src, it, start, end);
        bytes += end - start;
        n++;
      } else if (!(it instanceof Refusal)) {
        batch.addPartial(src, it.msg);
        bytes += it.msg.length;
        n++;
      }
    }
    this.next = j;
    this.takenEnds.push(j);
    this.inReady = j < tail;
    return bytes - bytesSoFar;
  }

  /** True while items wait for a later batch. */
  get waiting(): boolean {
    return this.inReady;
  }

  /** Answers the oldest batch's items with seqs from `first` (or the error), frees their memory. */
  settle(first: number, err: unknown): void {
    const { items, spans, mask } = this;
    const end = this.takenEnds.shift()!;
    let seq = first + this.offsets.shift()!;
    const failCode = err === null ? null : codeOf(err);
    const answer = this.ack && !this.closed;
    const h = this.handler;
    let freed = 0;
    let messages = 0;
    let run = 0;
    for (let i = this.head; i < end; i++) {
      const k = i & mask;
      const it = items[k]!;
      items[k] = undefined; // let its chunk go
      if (it instanceof Refusal) {
        freed += it.charge;
        if (!answer) continue;
        if (run > 0) this.answerRun(seq - run, run, failCode);
        run = 0;
        h.error(it.code, it.reason, 1);
        continue;
      }
      freed += spans[2 * k + 1]! - spans[2 * k]! + MESSAGE_OVERHEAD;
      messages++;
      run++;
      seq++;
    }
    if (answer) {
      if (run > 0) this.answerRun(seq - run, run, failCode);
      h.flush();
    }
    const settled = end - this.head;
    this.head = end;
    // Empty and nothing in flight: restart the counters, so they stay small integers.
    if (end === this.tail && this.takenEnds.length === 0) this.head = this.next = this.tail = 0;
    this.bytes -= freed;
    this.host.release(freed, settled, messages, failCode);
    if (this.paused) this.maybeResume();
    if (this.tail === this.head) h.settled?.();
  }

  private answerRun(first: number, count: number, failCode: string | null): void {
    if (failCode === null) this.handler.ok(first, count);
    else this.handler.error(failCode, failedReason(failCode), count);
  }
}
