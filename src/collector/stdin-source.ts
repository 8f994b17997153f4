// The terminal as a source: lines typed or piped into stdin are journaled as src "stdin" and answered on its output (stderr).
import type { Readable, Writable } from 'node:stream';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { LineSource } from './line-source.js';
import type { LineInput } from './line-source.js';
import type { Ingest } from './ingest.js';
import { inputCounters } from './input-counters.js';
import type { InputStats } from './input-counters.js';

/** The src of every terminal line. */
const STDIN_SRC = 'stdin';

/**
 * Reads lines from `input` (usually process.stdin) into the collector through a {@link LineSource} and
 * prints each reply to `output`. The input pauses while the output or the caps push back. EOF only ends this source.
 */
export class StdinSource implements LineInput {
  readonly closable: Closable;
  private readonly lines: LineSource;
  private readonly counters = inputCounters('stdin');
  private stopped = false;
  private readonly inputOnData = (chunk: Buffer | string): void => {
    this.lines.data(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  };
  private readonly inputOnEnd = (): void => {
    this.lines.end();
    this.log('stdin closed; still serving TCP clients');
  };

  constructor(
    ingest: Ingest,
    opts: { maxMessage: number; ack: boolean },
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly log: LogFn,
  ) {
    this.lines = new LineSource(ingest, STDIN_SRC, this, { ...opts, counters: this.counters });
    this.closable = {
      name: 'stdin',
      stopAccepting: () => this.stop(),
      drain: () => ingest.drain(),
      close: async () => {
        this.input.destroy();
      },
    };
  }

  /** What the terminal sent and had refused. */
  get stats(): InputStats {
    return { ...this.counters, refused: { ...this.counters.refused }, connections: 0 };
  }

  /** Starts reading. */
  start(): void {
    this.input.on('data', this.inputOnData);
    this.input.on('end', this.inputOnEnd);
    this.input.on('error', (err: Error) => this.log(`stdin error: ${err.message}`, 'warn'));
    this.output.on('error', () => {});
    this.output.on('drain', () => this.lines.writable());
  }

  /** {@inheritDoc LineInput.pause} */
  pause(): void {
    this.input.pause();
  }

  /** {@inheritDoc LineInput.resume} */
  resume(): void {
    if (!this.stopped) this.input.resume();
  }

  /** {@inheritDoc LineInput.write} */
  write(replies: Buffer): boolean {
    return this.output.write(replies);
  }

  /** {@inheritDoc LineInput.settled} */
  settled(): void {}

  /** Stops reading; a line cut off by shutdown is journaled as partial. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.input.off('data', this.inputOnData);
    this.input.pause();
    this.lines.stop();
  }
}
