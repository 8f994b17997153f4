// The output side shared by `muxd tail` on files and on a stream: the last N lines held until caught up, then written with backpressure.
import type { Writable } from 'node:stream';

/** One rendered output: text, or raw bytes written as they are. */
export type TailOut = string | Buffer;

/**
 * Holds the last `lines` outputs (all with null) until {@link TailPrinter.catchUp}, then writes every output as it
 * comes, waiting for 'drain'. Its `signal` aborts when the caller's signal does or the output fails (EPIPE from
 * `muxd tail -f | head` ends the tail quietly). Call {@link TailPrinter.dispose} when done.
 */
export class TailPrinter {
  /** Outputs written so far. */
  printed = 0;
  private readonly stop = new AbortController();
  // The last N outputs: a window [head, length) over an array trimmed now and then, O(1) per line.
  private ring: TailOut[] = [];
  private head = 0;
  private caughtUp = false;
  private readonly outerAbort = (): void => this.stop.abort();
  private readonly outputOnError = (): void => this.stop.abort();

  constructor(
    private readonly output: Writable,
    private readonly lines: number | null,
    private readonly outer?: AbortSignal,
  ) {
    outer?.addEventListener('abort', this.outerAbort, { once: true });
    output.on('error', this.outputOnError);
  }

  /** Aborts when the tail must end: the caller aborted, or the output failed. */
  get signal(): AbortSignal {
    return this.stop.signal;
  }

  /** Takes the outputs of one read: written at once after catching up (or with no limit), else kept in the window. */
  async add(parts: TailOut[]): Promise<void> {
    if (this.caughtUp || this.lines === null) return this.write(parts);
    if (this.lines === 0) return;
    for (const p of parts) this.ring.push(p);
    if (this.ring.length - this.head > this.lines) this.head = this.ring.length - this.lines;
    if (this.head > 1024 && this.head > this.lines) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
  }

  /** The history is read: writes the kept window, then every later output as it comes. */
  async catchUp(): Promise<void> {
    this.caughtUp = true;
    const backlog = this.ring.slice(this.head);
    this.ring = [];
    this.head = 0;
    await this.write(backlog);
  }

  /** Removes the listeners on the output and the caller's signal. Safe to call twice. */
  dispose(): void {
    this.outer?.removeEventListener('abort', this.outerAbort);
    this.output.removeListener('error', this.outputOnError);
  }

  private async write(parts: TailOut[]): Promise<void> {
    if (parts.length === 0 || this.stop.signal.aborted) return;
    let ok = true;
    if (parts.every((p) => typeof p === 'string')) ok = this.output.write(parts.join(''));
    else for (const p of parts) ok = this.output.write(p);
    this.printed += parts.length;
    if (!ok && !this.stop.signal.aborted) await drained(this.output, this.stop.signal);
  }
}

/** Resolves on 'drain', 'close' or abort; removes every listener either way. */
function drained(output: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      output.removeListener('drain', done);
      output.removeListener('close', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    output.once('drain', done);
    output.once('close', done);
    signal.addEventListener('abort', done, { once: true });
  });
}
