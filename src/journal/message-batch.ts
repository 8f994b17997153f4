// A batch of messages as spans of the buffers they arrived in: no view or object per message until a reader asks for one.
import type { MessageInput } from './sink.js';

/**
 * The messages of one batch, in order: message `i` is `bufs[i][starts(i), ends(i))` from `srcs[i]`. The batcher
 * fills it straight from its sources' queues (socket chunks and two offsets), and the record encoder copies from
 * the spans, so the hot path builds no `{ src, msg }` object and no Buffer view per message. `inputs()` builds
 * those for the readers that want them (the 'durable' event, sinks without `appendBatch`).
 */
export class MessageBatch {
  /** Messages in the batch. */
  length = 0;
  /** Message bytes in the batch. */
  bytes = 0;
  /** The buffer holding each message (indexes from `length` on are free room). */
  readonly bufs: Array<Buffer | undefined> = [];
  /** Where each message came from. */
  readonly srcs: string[] = [];
  /** Start and end of each message in its buffer, two numbers per message. */
  spans: Int32Array;
  /** Indexes of the partial messages (lines cut off by a disconnect), in order; usually empty. */
  readonly partials: number[] = [];

  constructor(capacity = 64) {
    this.spans = new Int32Array(2 * Math.max(1, capacity));
  }

  /** Adds the message `buf[start, end)` (kept, not copied). */
  add(src: string, buf: Buffer, start: number, end: number): void {
    const i = this.length++;
    if (2 * i >= this.spans.length) {
      const spans = new Int32Array(2 * this.spans.length);
      spans.set(this.spans);
      this.spans = spans;
    }
    this.bufs[i] = buf;
    this.srcs[i] = src;
    this.spans[2 * i] = start;
    this.spans[2 * i + 1] = end;
    this.bytes += end - start;
  }

  /** Adds a line cut off by a disconnect; journaled with `partial: true`. */
  addPartial(src: string, msg: Buffer): void {
    this.partials.push(this.length);
    this.add(src, msg, 0, msg.length);
  }

  /** Every message as a MessageInput, for sinks that take arrays. */
  inputs(): MessageInput[] {
    const out = new Array<MessageInput>(this.length);
    let p = 0;
    for (let i = 0; i < this.length; i++) {
      const partial = p < this.partials.length && this.partials[p] === i;
      if (partial) p++;
      out[i] = this.build(i, partial);
    }
    return out;
  }

  private build(i: number, partial: boolean): MessageInput {
    const buf = this.bufs[i]!;
    const start = this.spans[2 * i]!;
    const end = this.spans[2 * i + 1]!;
    const msg = start === 0 && end === buf.length ? buf : buf.subarray(start, end);
    return partial ? { src: this.srcs[i]!, msg, partial: true } : { src: this.srcs[i]!, msg };
  }

  /** Empties the batch for reuse, letting go of its buffers; its arrays keep their room. */
  clear(): void {
    this.bufs.fill(undefined, 0, this.length);
    this.srcs.fill('', 0, this.length);
    this.length = 0;
    this.bytes = 0;
    this.partials.length = 0;
  }

  /** A batch holding `inputs` (their buffers kept, not copied). */
  static from(inputs: readonly MessageInput[]): MessageBatch {
    const batch = new MessageBatch(inputs.length);
    for (const m of inputs) {
      if (m.partial === true) batch.addPartial(m.src, m.msg);
      else batch.add(m.src, m.msg, 0, m.msg.length);
    }
    return batch;
  }
}
