// One producer of messages for the batcher (a TCP connection, the terminal, an HTTP request): its queue, caps and ordered replies.
import { codeOf } from '../errors.js';
import type { MessageInput } from '../journal/sink.js';
import { errorLine } from '../protocol/replies.js';
import type { Batcher } from './batcher.js';

/** Adds `n` to the count of rejections with `code`. */
export function countRejected(rejected: Record<string, number>, code: string, n = 1): void {
  rejected[code] = (rejected[code] ?? 0) + n;
}

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

/**
 * A queued reply line (an error decided before the journal) or a message to journal: the bare line
 * bytes, or a MessageInput for a partial line. The MessageInput of a whole line is only built when a
 * batch takes it, so a message waiting in the queue costs one object instead of two (less GC work
 * while queues are deep, as with `--ack off`).
 */
type Item = Buffer | MessageInput | string;

/** The message bytes of a non-string item. */
function bytesOf(it: Buffer | MessageInput): Buffer {
  return it instanceof Uint8Array ? it : it.msg;
}

/** Longest `ok <seq>\n` line: "ok " + 16 digits + LF. */
const OK_LINE_MAX = 20;

/** Decimal digits of a non-negative integer. */
function digitsOf(n: number): number {
  let digits = 1;
  for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
  return digits;
}

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
  // Seqs are consecutive: count the digits once and bump the count at each power of ten.
  let digits = digitsOf(seq);
  let nextPow = 10 ** digits;
  for (let i = from; i < to; i++) {
    const it = items[i]!;
    if (typeof it === 'string') o += out.write(it, o, 'utf8');
    else if (failLine !== null) o += out.write(failLine, o, 'latin1');
    else {
      out[o] = 0x6f; // o
      out[o + 1] = 0x6b; // k
      out[o + 2] = 0x20;
      if (seq >= nextPow) {
        digits++;
        nextPow *= 10;
      }
      o += 3 + digits;
      let d = o;
      let n = seq++;
      if (n <= 0x7fffffff) {
        // Int32 arithmetic is much cheaper than float division; every realistic seq fits.
        do {
          out[--d] = 0x30 + (n % 10);
          n = (n / 10) | 0;
        } while (n > 0);
      } else {
        do {
          out[--d] = 0x30 + (n % 10);
          n = Math.floor(n / 10);
        } while (n > 0);
      }
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
    this.items.push(partial ? { src: this.src, msg, partial: true } : msg);
    this.bytes += msg.length;
    this.messages++;
    this.batcher.pendingBytes += msg.length;
    this.batcher.stats.received++;
    this.enqueued();
  }

  /** Queues an error reply that must come after the replies for earlier messages. */
  pushError(code: string, reason: string): void {
    countRejected(this.batcher.stats.rejected, code);
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
        if (it instanceof Uint8Array) {
          batch.push({ src: this.src, msg: it });
          bytes += it.length;
        } else {
          batch.push(it);
          bytes += it.msg.length;
        }
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
      freed += bytesOf(it).length;
      count++;
    }
    const failLine = err === null ? null : errorLine(codeOf(err), 'journal write failed; message not stored, resend it');
    const lines = this.ack && !this.closed && end > this.head ? replyBytes(items, this.head, end, seq, failLine) : null;
    const stats = this.batcher.stats;
    if (err === null) stats.acked += count;
    else countRejected(stats.rejected, codeOf(err), count);
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
