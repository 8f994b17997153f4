// One collector TCP connection: frames lines, feeds its source, writes ordered replies, pauses on every cap, idles out.
import type { Socket } from 'node:net';
import { ErrorCode, IdleTimeoutError, MessageTooLongError } from '../errors.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import type { LineSink } from '../protocol/line-decoder.js';
import { errorLine } from '../protocol/replies.js';
import type { Batcher, Source, SourceHandler } from './batcher.js';
import { countRejected } from './source.js';

/** Why reading is paused; reading resumes only when no reason is left. */
const Pause = { CAPS: 1, WRITE: 2, STOP: 4 } as const;

/** How long a connection may stay half-closed by us before it is destroyed. */
const LINGER_MS = 2000;

/** Per-connection settings taken from the collector options. */
export interface ConnectionOptions {
  maxMessage: number;
  /** Seconds; 0 disables the idle timeout. */
  idleTimeout: number;
  ack: boolean;
}

/** The state of one client socket. Created by CollectorServer for every accepted connection. */
export class Connection implements LineSink, SourceHandler {
  readonly source: Source;
  private readonly decoder: LineDecoder;
  private pauseMask = 0;
  private peerEnded = false;
  private ending = false;
  private readonly socketOnDrain = (): void => this.unpause(Pause.WRITE);

  constructor(
    readonly socket: Socket,
    private readonly batcher: Batcher,
    private readonly opts: ConnectionOptions,
    private readonly onGone: (conn: Connection) => void,
  ) {
    const src = `tcp:${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.source = batcher.createSource(src, this, opts.ack);
    this.decoder = new LineDecoder(opts.maxMessage);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.socketOnData(chunk));
    socket.on('end', () => this.socketOnEnd());
    socket.on('close', () => this.socketOnClose());
    socket.on('error', () => {});
    if (opts.idleTimeout > 0) {
      socket.setTimeout(opts.idleTimeout * 1000);
      socket.on('timeout', () => this.socketOnTimeout());
    }
  }

  /** {@inheritDoc LineSink.line} */
  line(bytes: Buffer): void {
    this.source.push(bytes);
  }

  /** {@inheritDoc LineSink.tooLong} */
  tooLong(_length: number): void {
    this.source.pushError(ErrorCode.MESSAGE_TOO_LONG, new MessageTooLongError(this.opts.maxMessage).message);
  }

  private socketOnData(chunk: Buffer): void {
    this.decoder.push(chunk, this);
    this.source.checkCaps();
    this.batcher.kick();
  }

  /** The client half-closed: journal a cut-off line as partial, answer everything, then close our side. */
  private socketOnEnd(): void {
    this.peerEnded = true;
    this.flushPartial();
    if (this.source.outstanding === 0) this.finish();
  }

  private socketOnClose(): void {
    this.flushPartial();
    this.source.close();
    this.onGone(this);
  }

  private socketOnTimeout(): void {
    // Not idle while we still owe replies or hold its input back.
    if (this.source.outstanding > 0 || this.pauseMask !== 0) {
      this.socket.setTimeout(this.opts.idleTimeout * 1000);
      return;
    }
    this.endWith(errorLine(ErrorCode.IDLE_TIMEOUT, new IdleTimeoutError(this.opts.idleTimeout).message));
    countRejected(this.batcher.stats.rejected, ErrorCode.IDLE_TIMEOUT);
  }

  private flushPartial(): void {
    const rest = this.decoder.end(this);
    if (rest !== null) this.source.push(rest, true);
    this.batcher.kick();
  }

  /** {@inheritDoc SourceHandler.reply} */
  reply(lines: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    // One 'drain' listener per blocked period, not one per blocked write.
    if (!this.socket.write(lines) && (this.pauseMask & Pause.WRITE) === 0) {
      this.pause(Pause.WRITE);
      this.socket.once('drain', this.socketOnDrain);
    }
  }

  /** {@inheritDoc SourceHandler.pause} */
  pause(reason: number = Pause.CAPS): void {
    if (this.pauseMask === 0) this.socket.pause();
    this.pauseMask |= reason;
  }

  /** {@inheritDoc SourceHandler.resume} */
  resume(): void {
    this.unpause(Pause.CAPS);
  }

  /** {@inheritDoc SourceHandler.settled} */
  settled(): void {
    if (this.peerEnded || this.pauseMask & Pause.STOP) this.finish();
  }

  private unpause(reason: number): void {
    if ((this.pauseMask & reason) === 0) return;
    this.pauseMask &= ~reason;
    if (this.pauseMask === 0 && !this.socket.destroyed) this.socket.resume();
  }

  /** Shutdown: stop reading, journal a cut-off line, and close once every reply is written. */
  stop(): void {
    this.pause(Pause.STOP);
    this.flushPartial();
    if (this.source.outstanding === 0) this.finish();
  }

  /** Sends a last line and closes. */
  endWith(text: string): void {
    if (this.ending) return;
    this.ending = true;
    this.pause(Pause.STOP);
    this.socket.end(text);
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  private finish(): void {
    if (this.ending) return;
    this.ending = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  /** Closes the socket now. */
  destroy(): void {
    this.socket.destroy();
  }
}
