// The small interface between the collector and wherever messages become durable (the journal today, JetStream later).
import type { MessageBatch } from './message-batch.js';

/** One message to make durable. `msg` holds the raw bytes of the line, without its LF (it must contain none: raw journals are line-based). */
export interface MessageInput {
  /** Where the message came from: `tcp:IP:PORT`, `stdin`, `http:IP:PORT`, … */
  src: string;
  msg: Buffer;
  /** True for a line cut off by a disconnect before its LF arrived. */
  partial?: boolean;
}

/**
 * A destination for batches of messages. The collector keeps at most one `append` in flight and
 * answers its clients from the result, so an implementation only has to make one batch durable at a time.
 */
export interface Sink {
  /**
   * Makes the batch durable in order. Resolves with the sequence number of the FIRST message once the
   * batch is durable under the sink's sync policy; the batch has consecutive numbers. Rejects with an
   * `IoError` when nothing of the batch may be acknowledged.
   */
  append(batch: MessageInput[]): Promise<number>;
  /**
   * The same for a batch held as spans of the buffers its messages arrived in (see MessageBatch): the batcher
   * uses it when a sink has it, and spares a view and an object per message.
   */
  appendBatch?(batch: MessageBatch): Promise<number>;
  /** Waits for appends in flight, makes everything durable and releases the sink. Safe to call twice. */
  close(): Promise<void>;
}
