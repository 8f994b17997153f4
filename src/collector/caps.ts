// The collector's caps and counters: batcher limits, the memory charged per queued message, the stats every source feeds.

/** Limits of the batcher; see docs/protocol.md ("Fairness and memory"). */
export interface BatcherLimits {
  /** Most messages one source may put into one batch… */
  budget: number;
  /** …and most message bytes (a source always gets at least one message into a batch it takes from). */
  budgetBytes: number;
  /** A batch closes at this many messages… */
  maxBatchMessages: number;
  /** …or at this many message bytes. */
  maxBatchBytes: number;
  /** A source stops reading when it holds this many unanswered messages… */
  maxSourceMessages: number;
  /** …or this many unanswered bytes (each message charged MESSAGE_OVERHEAD on top); it resumes at half of both. */
  maxSourceBytes: number;
  /** Every source stops reading while the whole server holds this many charged bytes; they resume at half. */
  maxPendingBytes: number;
  /**
   * Batches handed to the sink and not settled yet. 2 lets one batch be written while the previous one syncs;
   * 1 (the default) lets the next batch gather everything that arrives during a write and its sync.
   */
  maxInflight: number;
}

/** Defaults chosen so that one flooder cannot make a batch (and everyone's ack latency) grow without bound. */
export const DEFAULT_BATCHER_LIMITS: BatcherLimits = {
  budget: 256,
  // What a flooder puts into one batch bounds how long everyone else's batch takes to write and sync.
  // Measured with 1 KiB lines (1 flooder + 50 paced clients, alternating runs): 64 KiB against 256 KiB gave
  // batch times p90 0.9-1.8 ms instead of 2.3-4.4, p99 4.8-6.9 instead of 8.7-12, and 5-20% fewer flooder msgs/s.
  budgetBytes: 64 * 1024,
  maxBatchMessages: 16_384,
  maxBatchBytes: 1024 * 1024,
  // Enough for two full batches per source; more would only keep chunks alive longer (GC work, memory).
  maxSourceMessages: 1024,
  maxSourceBytes: 256 * 1024,
  maxPendingBytes: 64 * 1024 * 1024,
  // Measured against 2 (alternating runs, 16 clients x 20,000 x 100 B, window 64): the same msgs/s within the
  // noise, 7-15% less collector CPU (a third fewer batches, twice the median size: fewer writes, syncs and reply
  // writes), and a waiting message is behind at most one batch, not two (see docs/protocol.md, "Group commit").
  maxInflight: 1,
};

/**
 * Bytes charged for each queued message on top of its payload, toward every byte cap. Measured on Node 20
 * (`--expose-gc`, 1e6 messages, heap + array buffers): a waiting message is a ring slot and two Int32
 * offsets into its socket chunk, 16.8 bytes, up to twice that while its ring is half empty after doubling.
 * Its reply line adds about 10. 64 covers both with room to spare. (A batch holds a message as two array
 * slots and two Int32 offsets, about 24 bytes more, bounded by the batch caps instead: at most
 * maxBatchMessages × maxInflight of them live at once.) So a flood of two-byte lines is capped by what it
 * costs, not by its two bytes.
 */
export const MESSAGE_OVERHEAD = 64;

/** Counters shared by every source. */
export interface CollectStats {
  /** Messages queued for the journal since the start. */
  received: number;
  /** Messages answered `ok` (journaled, with acks off). */
  acked: number;
  /** Refusals by error code. */
  rejected: Record<string, number>;
  /** Messages and queued error replies not answered yet, across every source. */
  queuedMessages: number;
  /** Their charged bytes (payload + MESSAGE_OVERHEAD each): what maxPendingBytes caps. */
  queuedBytes: number;
  /** The highest queuedMessages seen. */
  peakQueuedMessages: number;
  /** The highest queuedBytes seen. */
  peakQueuedBytes: number;
}

/** Adds `n` to the count of rejections with `code`. */
export function countRejected(rejected: Record<string, number>, code: string, n = 1): void {
  rejected[code] = (rejected[code] ?? 0) + n;
}
