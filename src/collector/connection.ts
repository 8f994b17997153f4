// One collector TCP connection: the socket under a LineSource (which frames, queues and answers), half-close, idle timeout, linger.
import type { Socket } from 'node:net';
import { ErrorCode, IdleTimeoutError } from '../errors.js';
import { createFrameDecoder } from '../protocol/framing.js';
import type { FramingValue } from '../protocol/framing.js';
import { errorLine } from '../protocol/replies.js';
import type { Batcher } from './batcher.js';
import { LineSource } from './line-source.js';
import type { LineInput } from './line-source.js';

/** How long a connection may stay half-closed by us before it is destroyed. */
const LINGER_MS = 2000;

/** Per-connection settings taken from the collector options. */
export interface ConnectionOptions {
  maxMessage: number;
  /** Seconds; 0 disables the idle timeout. */
  idleTimeout: number;
  ack: boolean;
  /** `--framing`: LF lines, RFC 6587 octet counting, or detected from the first bytes. */
  framing: FramingValue;
}

/** The state of one client socket. Created by CollectorServer for every accepted connection. */
export class Connection implements LineInput {
  readonly lines: LineSource;
  private peerEnded = false;
  private stopping = false;
  private ending = false;

  constructor(
    readonly socket: Socket,
    private readonly batcher: Batcher,
    private readonly opts: ConnectionOptions,
    private readonly onGone: (conn: Connection) => void,
  ) {
    const src = `tcp:${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.lines = new LineSource(batcher, src, this, opts, createFrameDecoder(opts.framing, opts.maxMessage));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.lines.data(chunk));
    socket.on('end', () => this.socketOnEnd());
    socket.on('close', () => this.socketOnClose());
    socket.on('drain', () => this.lines.writable());
    socket.on('error', () => {});
    if (opts.idleTimeout > 0) {
      socket.setTimeout(opts.idleTimeout * 1000);
      socket.on('timeout', () => this.socketOnTimeout());
    }
  }

  /** The client half-closed: journal a cut-off line as partial, answer everything, then close our side. */
  private socketOnEnd(): void {
    this.peerEnded = true;
    this.lines.end();
  }

  private socketOnClose(): void {
    this.lines.close();
    this.onGone(this);
  }

  private socketOnTimeout(): void {
    // Not idle while we still owe replies or hold its input back.
    if (this.lines.busy) {
      this.socket.setTimeout(this.opts.idleTimeout * 1000);
      return;
    }
    this.batcher.countRejected(ErrorCode.IDLE_TIMEOUT);
    this.endWith(errorLine(ErrorCode.IDLE_TIMEOUT, new IdleTimeoutError(this.opts.idleTimeout).message));
  }

  /** {@inheritDoc LineInput.pause} */
  pause(): void {
    this.socket.pause();
  }

  /** {@inheritDoc LineInput.resume} */
  resume(): void {
    if (!this.socket.destroyed) this.socket.resume();
  }

  /** {@inheritDoc LineInput.write} */
  write(replies: Buffer): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return true;
    return this.socket.write(replies);
  }

  /** {@inheritDoc LineInput.settled} */
  settled(): void {
    if (this.peerEnded || this.stopping) this.finish();
  }

  /** {@inheritDoc LineInput.abort} */
  abort(lastLine: string | null): void {
    if (lastLine !== null) return this.endWith(lastLine);
    this.stop();
  }

  /** Shutdown: stop reading, journal a cut-off line, and close once every reply is written. */
  stop(): void {
    this.stopping = true;
    this.lines.stop();
  }

  /** Sends a last line and closes. */
  endWith(text: string): void {
    if (this.ending) return;
    this.ending = true;
    this.lines.stop();
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
