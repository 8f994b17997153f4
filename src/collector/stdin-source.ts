// The terminal as a source: lines typed or piped into stdin are journaled as src "stdin" and answered on stdout.
import type { Readable, Writable } from 'node:stream';
import { ErrorCode, MessageTooLongError } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import type { LineSink } from '../protocol/line-decoder.js';
import type { Source, SourceHandler } from './batcher.js';
import type { CollectorServer } from './server.js';

/** The src of every terminal line. */
export const STDIN_SRC = 'stdin';

/**
 * Reads lines from `input` (usually process.stdin) into the collector and prints each reply to `output`.
 * Pauses the input while the output or the collector's caps push back. EOF only ends this source.
 */
export class StdinSource implements LineSink, SourceHandler {
  readonly closable: Closable;
  private readonly source: Source;
  private readonly decoder: LineDecoder;
  private capsPaused = false;
  private writePaused = false;
  private stopped = false;
  private readonly inputOnData = (chunk: Buffer | string): void => {
    this.decoder.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk, this);
    this.source.checkCaps();
    this.server.batcher.kick();
  };
  private readonly inputOnEnd = (): void => {
    this.flushPartial();
    this.log('stdin closed; still serving TCP clients');
  };

  constructor(
    private readonly server: CollectorServer,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly log: LogFn,
  ) {
    this.source = server.batcher.createSource(STDIN_SRC, this, server.opts.ack);
    this.decoder = new LineDecoder(server.opts.maxMessage);
    this.closable = {
      name: 'stdin',
      stopAccepting: () => this.stop(),
      drain: () => server.batcher.drain(),
      close: async () => {
        this.input.destroy();
      },
    };
  }

  /** Starts reading. */
  start(): void {
    this.input.on('data', this.inputOnData);
    this.input.on('end', this.inputOnEnd);
    this.input.on('error', (err: Error) => this.log(`stdin error: ${err.message}`));
    this.output.on('error', () => {});
  }

  /** {@inheritDoc LineSink.line} */
  line(bytes: Buffer): void {
    this.source.push(bytes);
  }

  /** {@inheritDoc LineSink.tooLong} */
  tooLong(_length: number): void {
    this.source.pushError(ErrorCode.MESSAGE_TOO_LONG, new MessageTooLongError(this.server.opts.maxMessage).message);
  }

  /** {@inheritDoc SourceHandler.reply} */
  reply(lines: Buffer): void {
    if (!this.output.write(lines) && !this.writePaused) {
      this.writePaused = true;
      this.update();
      this.output.once('drain', () => {
        this.writePaused = false;
        this.update();
      });
    }
  }

  /** {@inheritDoc SourceHandler.pause} */
  pause(): void {
    this.capsPaused = true;
    this.update();
  }

  /** {@inheritDoc SourceHandler.resume} */
  resume(): void {
    this.capsPaused = false;
    this.update();
  }

  private update(): void {
    if (this.stopped || this.capsPaused || this.writePaused) this.input.pause();
    else this.input.resume();
  }

  private flushPartial(): void {
    const rest = this.decoder.end(this);
    if (rest !== null) this.source.push(rest, true);
    this.server.batcher.kick();
  }

  /** Stops reading; a line cut off by shutdown is journaled as partial. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.input.off('data', this.inputOnData);
    this.input.pause();
    this.flushPartial();
  }
}
