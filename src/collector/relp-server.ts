// The RELP listener (`--relp-port`): each session's syslog frames enter the collector's batcher; `rsp 200` goes out after the covering fdatasync.
import { once } from 'node:events';
import type net from 'node:net';
import { ErrorCode } from '../errors.js';
import type { MessageTooLongError, RelpFrameError } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { closeResponse, errorResponse, SERVER_CLOSE } from '../protocol/relp-replies.js';
import type { Batcher } from './batcher.js';
import { LineSource } from './line-source.js';
import type { LineInput } from './line-source.js';
import { RelpSession } from './relp-session.js';
import type { AttachedListener, CollectorServer, ListenInfo } from './server.js';
import { createStreamServer } from './tls.js';

/** How long a session may stay half-closed by us before it is destroyed. */
const LINGER_MS = 2000;

/** What muxd calls itself in the `open` answer (`relp_software=`). */
const SOFTWARE = 'muxd';

/** One RELP client socket: a {@link RelpSession} under a {@link LineSource}, ended by `close`, an error, idleness or shutdown. */
export class RelpConnection implements LineInput {
  readonly lines: LineSource;
  private readonly session: RelpSession;
  /** The last bytes to write once every earlier message is answered (close answer, error answer, serverclose). */
  private final: Buffer | null = null;
  private peerEnded = false;
  private ending = false;

  constructor(
    readonly socket: net.Socket,
    private readonly batcher: Batcher,
    private readonly opts: { maxMessage: number; idleTimeout: number },
    private readonly log: LogFn,
    private readonly onGone: (conn: RelpConnection) => void,
  ) {
    const src = `relp:${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.session = new RelpSession(
      opts.maxMessage,
      {
        send: (bytes) => this.write(bytes),
        close: (txnr) => this.endAfterAnswers(Buffer.concat([closeResponse(txnr), SERVER_CLOSE])),
        fail: (err, txnr) => this.sessionOnFail(err, txnr),
      },
      SOFTWARE,
    );
    // RELP always answers: --ack off does not apply (a client without answers would resend forever).
    this.lines = new LineSource(batcher, src, this, { maxMessage: opts.maxMessage, ack: true, replies: this.session.replies }, this.session);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.lines.data(chunk));
    socket.on('end', () => {
      this.peerEnded = true;
      this.lines.end();
    });
    socket.on('close', () => {
      this.lines.close();
      this.onGone(this);
    });
    socket.on('drain', () => this.lines.writable());
    socket.on('error', () => {});
    if (opts.idleTimeout > 0) {
      socket.setTimeout(opts.idleTimeout * 1000);
      socket.on('timeout', () => this.socketOnTimeout());
    }
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
  write(bytes: Buffer): boolean {
    if (this.socket.destroyed || this.socket.writableEnded) return true;
    return this.socket.write(bytes);
  }

  /** {@inheritDoc LineInput.settled} */
  settled(): void {
    if (this.final !== null || this.peerEnded) this.finish();
  }

  /** Shutdown: stop reading; answer what was read, then send `serverclose` and close (as librelp's server does). */
  stop(): void {
    this.endAfterAnswers(SERVER_CLOSE);
  }

  /** Closes the socket now. */
  destroy(): void {
    this.socket.destroy();
  }

  private sessionOnFail(err: RelpFrameError | MessageTooLongError, txnr: number | null): void {
    this.batcher.countRejected(err.code);
    this.log(`RELP session ${this.lines.src} closed: ${err.code} ${err.message}`, 'warn');
    const answer = txnr === null ? SERVER_CLOSE : Buffer.concat([errorResponse(txnr, `${err.code} ${err.message}`), SERVER_CLOSE]);
    this.endAfterAnswers(answer);
  }

  private socketOnTimeout(): void {
    if (this.lines.busy) {
      this.socket.setTimeout(this.opts.idleTimeout * 1000);
      return;
    }
    this.batcher.countRejected(ErrorCode.IDLE_TIMEOUT);
    this.endAfterAnswers(SERVER_CLOSE);
  }

  /**
   * Stops reading and ends with `last` once every message read so far is journaled and answered. Deferred to a
   * microtask: the session calls this from inside the decoder, and the LineSource must finish that push first.
   */
  private endAfterAnswers(last: Buffer): void {
    if (this.final !== null) return;
    this.final = last;
    queueMicrotask(() => this.lines.stop());
  }

  private finish(): void {
    if (this.ending) return;
    this.ending = true;
    if (this.final !== null && !this.socket.destroyed && !this.socket.writableEnded) this.socket.end(this.final);
    else this.socket.end();
    setTimeout(() => this.socket.destroy(), LINGER_MS).unref();
  }
}

/**
 * Listens for RELP clients on `--relp-port` (over TLS with `--relp-tls`), within `--max-conns` of its own, and
 * feeds their messages to the collector's batcher with the same caps, fairness and failure rules as TCP lines.
 */
export class RelpServer implements AttachedListener {
  readonly kind = 'relp';
  readonly closable: Closable;
  private readonly server: net.Server;
  private readonly scheme: 'tcp' | 'tls';
  private readonly connections = new Set<RelpConnection>();
  private stopping = false;

  constructor(
    private readonly collector: CollectorServer,
    private readonly port: number,
    private readonly log: LogFn,
  ) {
    const tls = collector.opts.tls?.relp === true ? collector.opts.tls : null;
    const { server, scheme } = createStreamServer(tls, (socket) => this.serverOnConnection(socket), log);
    this.server = server;
    this.scheme = scheme;
    this.server.on('error', (err: NodeJS.ErrnoException) => this.log(`RELP listener error: ${err.code ?? err.message}`, 'error'));
    this.closable = {
      name: 'relp',
      stopAccepting: () => this.stopAccepting(),
      drain: () => this.drain(),
      close: async () => {
        this.stopAccepting();
        for (const c of this.connections) c.destroy();
        this.connections.clear();
      },
    };
  }

  /** Sessions open now. */
  get sessions(): number {
    return this.connections.size;
  }

  /** {@inheritDoc AttachedListener.listen} */
  async listen(): Promise<ListenInfo> {
    this.server.listen({ host: this.collector.opts.host, port: this.port, backlog: 511 });
    await once(this.server, 'listening');
    const addr = this.server.address() as net.AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `${this.scheme}://${host}:${addr.port}` };
  }

  private serverOnConnection(socket: net.Socket): void {
    socket.on('error', () => {});
    const batcher = this.collector.batcher;
    if (this.stopping || this.connections.size >= this.collector.opts.maxConns) {
      if (!this.stopping) batcher.countRejected(ErrorCode.BUSY);
      socket.end(SERVER_CLOSE);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
      return;
    }
    const conn = new RelpConnection(socket, batcher, this.collector.opts, this.log, (c) => this.connections.delete(c));
    this.connections.add(conn);
  }

  private stopAccepting(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.server.close();
  }

  /** Answers every message read, sends `serverclose` and waits for every session to close. */
  private async drain(): Promise<void> {
    this.stopAccepting();
    for (const c of this.connections) c.stop();
    await this.collector.batcher.drain();
    await Promise.all([...this.connections].map((c) => once(c.socket, 'close').catch(() => {})));
  }
}
