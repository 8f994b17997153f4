// One collector stream connection, whatever its protocol: the socket under a LineSource, its reply policy, half-close, idle timeout, linger.
import type { Socket } from 'node:net';
import { ErrorCode } from '../errors.js';
import type { LogFn, LogLevelValue } from '../logger.js';
import { LINGER_MS } from '../lifecycle.js';
import type { Ingest } from './ingest.js';
import { countRefused } from './input-counters.js';
import type { InputCounters } from './input-counters.js';
import { LineSource } from './line-source.js';
import type { LineInput } from './line-source.js';
import { SILENT } from './reply-policy.js';
import type { ConnectionHost, ReplyPolicy, StreamProtocol } from './reply-policy.js';


/** Per-connection settings taken from the collector options. */
export interface ConnectionOptions {
  maxMessage: number;
  /** Seconds; 0 disables the idle timeout. */
  idleTimeout: number;
}


/**
 * The state of one client socket of any stream input (the muxd port, the syslog port, RELP, each plain or TLS):
 * the protocol gives the decoder and the reply policy, the {@link LineSource} owns queueing and every pause reason.
 * Created by StreamListener for every accepted connection.
 */
export class StreamConnection implements LineInput, ConnectionHost {
  readonly lines: LineSource;
  private policy: ReplyPolicy;
  /** The last bytes to send once every answer is out; undefined until the connection starts to end. */
  private final: Buffer | null | undefined = undefined;
  private peerEnded = false;
  private ending = false;
  /** True while a chunk is being decoded: a protocol that ends the session from inside its decoder must wait. */
  private decoding = false;
  /** Silenced (an octet-counted sender): nothing is answered. */
  private muted = false;

  constructor(
    readonly socket: Socket,
    private readonly ingest: Ingest,
    protocol: StreamProtocol,
    private readonly opts: ConnectionOptions,
    private readonly counters: InputCounters,
    private readonly logFn: LogFn,
    private readonly onGone: (conn: StreamConnection) => void,
  ) {
    this.policy = protocol.policy;
    const src = `${protocol.srcPrefix}:${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    const session = protocol.open(this, opts.maxMessage);
    const lineOpts = { maxMessage: opts.maxMessage, ack: session.ack && !this.muted, counters, ...(session.replies ? { replies: session.replies } : {}) };
    this.lines = new LineSource(ingest, src, this, lineOpts, session.decoder);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.socketOnData(chunk));
    socket.on('end', () => this.socketOnEnd());
    socket.on('close', () => this.socketOnClose());
    socket.on('drain', () => this.lines.writable());
    socket.on('error', () => {});
    if (opts.idleTimeout > 0) {
      socket.setTimeout(opts.idleTimeout * 1000);
      socket.on('timeout', () => this.socketOnTimeout());
    }
  }

  private socketOnData(chunk: Buffer): void {
    this.decoding = true;
    try {
      this.lines.data(chunk);
    } finally {
      this.decoding = false;
    }
  }

  /** The client half-closed: journal a cut-off message as partial, answer everything, then close our side. */
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
    this.countRejected(ErrorCode.IDLE_TIMEOUT);
    this.endAfterAnswers(this.policy.idle(this.opts.idleTimeout));
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
    if (this.peerEnded || this.final !== undefined) this.finish();
  }

  /** {@inheritDoc LineInput.abort} */
  abort(reason: string): void {
    this.endAfterAnswers(this.policy.badFrame(reason, this.lines.acking));
  }

  /** {@inheritDoc ConnectionHost.send} */
  send(bytes: Buffer): void {
    this.write(bytes);
  }

  /** {@inheritDoc ConnectionHost.silence} */
  silence(): void {
    this.policy = SILENT;
    this.muted = true;
    // A forced `--framing octet` is known inside open(), before the LineSource exists: it is then created silent.
    (this.lines as LineSource | undefined)?.silence();
  }

  /** {@inheritDoc ConnectionHost.countRejected} */
  countRejected(code: string): void {
    countRefused(this.counters, code);
    this.ingest.countRejected(code);
  }

  /** {@inheritDoc ConnectionHost.log} */
  log(message: string, level?: LogLevelValue): void {
    this.logFn(`${this.lines.src}: ${message}`, level);
  }

  /** {@inheritDoc ConnectionHost.endAfterAnswers} */
  endAfterAnswers(last: Buffer | null): void {
    if (this.final !== undefined) return;
    this.final = last;
    // A protocol may end the session from inside its decoder: the LineSource must finish that push first.
    if (this.decoding) queueMicrotask(() => this.lines.stop());
    else this.lines.stop();
  }

  /** Shutdown: stop reading, journal a cut-off message, and close once every answer (and the policy's last words) is written. */
  stop(): void {
    this.endAfterAnswers(this.policy.shutdown());
  }

  private finish(): void {
    if (this.ending) return;
    this.ending = true;
    const last = this.final ?? null;
    if (last !== null && !this.socket.destroyed && !this.socket.writableEnded) this.socket.end(last);
    else this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }

  /** Closes the socket now. */
  destroy(): void {
    this.socket.destroy();
  }
}
