// Windowed line sender over one TCP connection: batches writes, caps unacknowledged messages, matches replies in order.
import net from 'node:net';
import type { Socket } from 'node:net';
import tls from 'node:tls';
import { ConnectFailedError, ConnectionClosedError, IoError, ProtocolError, ReplyTimeoutError } from '../errors.js';
import type { MuxdError } from '../errors.js';
import { ReplyKind, ReplyReader } from './reply-parser.js';
import type { Reply } from './reply-parser.js';

/** Options for {@link WindowedSender}. */
export interface SenderOptions {
  /** Most messages sent but not yet answered. Default 64. */
  window?: number;
  /** Give up when messages are outstanding and no reply came for this long; 0 waits forever. Default 30 000. */
  replyTimeoutMs?: number;
  /** Called for every reply, in order, with the time since that message was handed to send(). */
  onReply?: (reply: Reply, latencyMs: number) => void;
  /** Flush the write batch once it holds this many bytes. Default 64 KiB. */
  batchBytes?: number;
  /**
   * False for a collector run with `--ack off`: expect no replies, count nothing as unanswered, and
   * succeed once every byte is handed to the kernel and the server closed after our half-close. Default true.
   */
  ack?: boolean;
}

/** What happened to the messages handed to a sender. */
export interface SendSummary {
  sent: number;
  ok: number;
  failed: number;
  /** Sent but never answered (connection closed, timeout, protocol error). */
  unanswered: number;
  /** Error replies by code. */
  errors: Record<string, number>;
  /** Why the sender stopped before every reply arrived, or null. */
  stoppedBy: MuxdError | null;
  /** Set by pipe mode when the connection ended before all of the input was read. */
  inputLeft?: boolean;
  /** False when no replies were requested (`--no-ack`): `ok` and `failed` stay 0 and nothing is unanswered. */
  acks: boolean;
}

/** Default window of unacknowledged messages. */
export const DEFAULT_WINDOW = 64;
/** Default reply timeout. */
export const DEFAULT_REPLY_TIMEOUT_MS = 30_000;

const LF = Buffer.from('\n');

/** TLS for {@link connectTo}: the server's certificate is verified against `ca` (default: the system CAs). */
export interface ClientTls {
  /** PEM CA bundle that the collector's certificate must chain to. */
  ca?: Buffer;
  /** PEM client certificate and key, for a collector started with --tls-client-auth. */
  cert?: Buffer;
  key?: Buffer;
}

/** Why a connect or handshake failed, in words without stack or path. */
function connectFailure(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNREFUSED') return 'connection refused';
  if (err.code === 'ENOTFOUND') return 'unknown host';
  if (err.code === 'ECONNRESET') return 'connection reset during the TLS handshake (is it a TLS port? does it want a client certificate?)';
  // TLS verification errors carry their reason in the message (e.g. "self-signed certificate", "certificate has expired").
  if (err.code?.startsWith('ERR_SSL') || err.code?.includes('CERT') || err.code?.includes('SIGNATURE')) return `TLS: ${err.message}`;
  return err.code ?? err.message;
}

/**
 * Connects to a collector, over TLS when `tlsOptions` is given (the server's certificate must be valid for
 * `host`); rejects with ConnectFailedError carrying a message without stack or path.
 */
export function connectTo(host: string, port: number, tlsOptions?: ClientTls): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket: Socket = tlsOptions
      ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, ...tlsOptions })
      : net.connect({ host, port });
    const socketOnError = (err: NodeJS.ErrnoException): void => {
      socket.destroy();
      reject(new ConnectFailedError(`cannot connect to ${host}:${port}: ${connectFailure(err)}`, { cause: err }));
    };
    socket.once('error', socketOnError);
    socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
      socket.removeListener('error', socketOnError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

/**
 * Sends LF-terminated messages over a connected socket with at most `window` unanswered.
 * Callers check `writable` (or await `waitWritable()`) before each `send()`, then call `finish()`.
 * Messages are coalesced into one socket.write per batch; a full socket buffer pauses the caller until 'drain'.
 */
export class WindowedSender {
  readonly window: number;
  private readonly replyTimeoutMs: number;
  private readonly batchBytes: number;
  private readonly ack: boolean;
  private readonly onReply: ((reply: Reply, latencyMs: number) => void) | undefined;
  private readonly reader = new ReplyReader();
  private readonly stamps: number[] = [];
  private stampHead = 0;
  private batch: Buffer[] = [];
  private batchSize = 0;
  private flushScheduled = false;
  private blocked = false;
  private waiter: ((ok: boolean) => void) | null = null;
  private finishing = false;
  private done = false;
  private doneResolve: (() => void) | null = null;
  private readonly donePromise: Promise<void>;
  private timer: NodeJS.Timeout | null = null;
  private lastProgress = 0;
  private sendClock = -1;
  private replyClock = 0;
  private readonly resetSendClock = (): void => {
    this.sendClock = -1;
  };
  private counts = { sent: 0, ok: 0, failed: 0 };
  private readonly errors: Record<string, number> = {};
  private stoppedBy: MuxdError | null = null;

  constructor(
    private readonly socket: Socket,
    options: SenderOptions = {},
  ) {
    this.window = options.window ?? DEFAULT_WINDOW;
    if (!Number.isInteger(this.window) || this.window < 1) throw new RangeError('window must be a positive integer');
    this.replyTimeoutMs = options.replyTimeoutMs ?? DEFAULT_REPLY_TIMEOUT_MS;
    this.batchBytes = options.batchBytes ?? 65_536;
    this.ack = options.ack ?? true;
    this.onReply = options.onReply;
    this.donePromise = new Promise((resolve) => (this.doneResolve = resolve));
    socket.on('data', (chunk: Buffer) => this.socketOnData(chunk));
    socket.on('drain', () => this.socketOnDrain());
    socket.on('end', () => this.socketOnEnd());
    socket.on('close', () => this.socketOnEnd());
    socket.on('error', (err: NodeJS.ErrnoException) => this.socketOnError(err));
  }

  /** Messages sent and not yet answered. */
  get inFlight(): number {
    if (!this.ack) return 0;
    return this.counts.sent - this.counts.ok - this.counts.failed;
  }

  /** True when send() may be called now: connection usable, window open, socket buffer not full. */
  get writable(): boolean {
    return !this.done && !this.blocked && this.inFlight < this.window;
  }

  /** True once the sender stopped (all answered after finish(), or a failure). */
  get stopped(): boolean {
    return this.done;
  }

  /** Resolves true when send() may be called, false when the connection is gone. */
  waitWritable(): Promise<boolean> {
    if (this.done) return Promise.resolve(false);
    if (this.writable) return Promise.resolve(true);
    return new Promise((resolve) => (this.waiter = resolve));
  }

  /** Queues one message (without its LF). Ignored once stopped; the caller checks `writable` first. */
  send(message: Buffer): void {
    if (this.done) return;
    this.batch.push(message, LF);
    this.batchSize += message.length + 1;
    if (!this.ack) {
      this.counts.sent++;
      if (this.batchSize >= this.batchBytes) this.flush();
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
      return;
    }
    // One clock read per synchronous burst of sends: they leave in the same write anyway.
    if (this.sendClock < 0) {
      this.sendClock = performance.now();
      queueMicrotask(this.resetSendClock);
    }
    const now = this.sendClock;
    this.stamps.push(now);
    this.counts.sent++;
    if (this.inFlight === 1) {
      this.lastProgress = now;
      this.armTimer();
    }
    if (this.batchSize >= this.batchBytes || this.inFlight >= this.window) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Flushes, waits until every message is answered (or the sender stops), half-closes, and reports. */
  async finish(): Promise<SendSummary> {
    this.flush();
    this.finishing = true;
    if (!this.ack) {
      // Nothing to wait for but our bytes: half-close, and the server's close ends it (socketOnEnd).
      if (!this.done) this.socket.end();
    } else if (this.inFlight === 0) this.complete();
    await this.donePromise;
    return this.summary();
  }

  /** Stops at once: unanswered messages stay unanswered. */
  abort(reason: MuxdError): void {
    this.stop(reason);
  }

  /** The counts so far. */
  summary(): SendSummary {
    const { sent, ok, failed } = this.counts;
    const unanswered = this.ack ? sent - ok - failed : 0;
    return { sent, ok, failed, unanswered, errors: { ...this.errors }, stoppedBy: this.stoppedBy, acks: this.ack };
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.batchSize === 0 || this.done) return;
    const chunk = Buffer.concat(this.batch, this.batchSize);
    this.batch = [];
    this.batchSize = 0;
    if (!this.socket.write(chunk)) this.blocked = true;
  }

  private socketOnEnd(): void {
    // Without acks, the server closing after our half-close is the normal end, and everything was written.
    if (!this.ack && this.finishing && this.socket.writableFinished) this.complete();
    else this.stop(new ConnectionClosedError('connection closed by server'));
  }

  private socketOnData(chunk: Buffer): void {
    // Without acks, anything the server says is not ours to match; a server that does answer is not an error.
    if (!this.ack) return;
    // Every reply in one chunk arrived at the same moment.
    this.replyClock = performance.now();
    this.reader.push(chunk, this.replySink);
    if (this.done) return;
    if (this.finishing && this.inFlight === 0) this.complete();
    else this.wake();
  }

  private readonly replySink = {
    reply: (reply: Reply): void => {
      if (this.done) return;
      if (this.inFlight === 0) {
        // An error nobody asked for is the server saying goodbye (ERR_IDLE_TIMEOUT, ERR_BUSY, ERR_SHUTTING_DOWN).
        if (reply.kind === ReplyKind.ERROR) {
          this.stop(new ConnectionClosedError(`server closed the connection: ${reply.code}${reply.reason ? ` ${reply.reason}` : ''}`));
        } else {
          this.stop(new ProtocolError('ok reply without a message: protocol out of step'));
        }
        return;
      }
      const sentAt = this.stamps[this.stampHead] as number;
      this.stampHead++;
      if (this.stampHead >= 4096 && this.stampHead * 2 >= this.stamps.length) {
        this.stamps.splice(0, this.stampHead);
        this.stampHead = 0;
      }
      if (reply.kind === ReplyKind.OK) this.counts.ok++;
      else {
        this.counts.failed++;
        this.errors[reply.code] = (this.errors[reply.code] ?? 0) + 1;
      }
      const now = this.replyClock;
      this.lastProgress = now;
      try {
        this.onReply?.(reply, now - sentAt);
      } catch {
        // A caller's callback must not break the reply stream.
      }
    },
    protocolError: (err: ProtocolError): void => this.stop(err),
  };

  private socketOnDrain(): void {
    this.blocked = false;
    this.wake();
  }

  private socketOnError(err: NodeJS.ErrnoException): void {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') this.stop(new ConnectionClosedError('connection reset by server', { cause: err }));
    else this.stop(new IoError(`socket error: ${err.code ?? err.message}`, { cause: err }));
  }

  private wake(): void {
    if (this.waiter && (this.done || this.writable)) {
      const w = this.waiter;
      this.waiter = null;
      w(!this.done);
    }
  }

  /**
   * One lazy timer instead of a refresh per reply (which costs a clock read and a timer-list insert each):
   * when it fires it re-arms for whatever is left since the last reply.
   */
  private armTimer(): void {
    if (this.replyTimeoutMs <= 0 || this.timer) return;
    this.timer = setTimeout(this.timerOnTimeout, this.replyTimeoutMs);
    this.timer.unref();
  }

  private readonly timerOnTimeout = (): void => {
    this.timer = null;
    if (this.done || this.inFlight === 0) return;
    const idle = performance.now() - this.lastProgress;
    if (idle >= this.replyTimeoutMs - 1) {
      this.stop(new ReplyTimeoutError(this.replyTimeoutMs / 1000));
      return;
    }
    this.timer = setTimeout(this.timerOnTimeout, this.replyTimeoutMs - idle);
    this.timer.unref();
  };

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Every message answered after finish(): half-close politely and let the server close. */
  private complete(): void {
    if (this.done) return;
    this.done = true;
    this.clearTimer();
    this.socket.end();
    // The server closes after our FIN; do not let a server that never does keep the process alive.
    setTimeout(() => this.socket.destroy(), 2000).unref();
    this.wake();
    this.doneResolve?.();
  }

  private stop(reason: MuxdError): void {
    if (this.done) return;
    this.done = true;
    this.stoppedBy = reason;
    this.clearTimer();
    this.batch = [];
    this.batchSize = 0;
    this.socket.destroy();
    this.wake();
    this.doneResolve?.();
  }
}
