// The one narrow interface every input (stream connections, UDP, the terminal, HTTP) uses to reach the collector's batcher.
import type { Source, SourceHandler } from './source.js';

/**
 * What an input may do with the collector: open a queue per producer, ask for a batch, count a refusal, see
 * whether the global byte cap is reached, and wait until everything queued is answered. Implemented by Batcher;
 * no input reaches the collector's options or internals.
 */
export interface Ingest {
  /**
   * A new producer queue; `ack: false` answers nothing (the caller gets `settled` only). `capped: false` lifts the
   * per-source caps for a producer that cannot be paused (a UDP sender: pausing it only drops its datagrams); the
   * global byte cap and the per-batch budget (fairness) still apply.
   */
  createSource(src: string, handler: SourceHandler, ack?: boolean, capped?: boolean): Source;
  /** Schedules a batch after the current I/O callbacks; call after a run of pushes. */
  kick(): void;
  /** Counts `n` refusals with `code` in the stats and metrics. */
  countRejected(code: string, n?: number): void;
  /** True while every queued byte together reaches the global cap: an input that cannot pause drops instead. */
  readonly full: boolean;
  /** Resolves once everything queued so far is answered. */
  drain(): Promise<void>;
}
