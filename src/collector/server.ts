// The collector's TCP server: accepts connections within --max-conns, survives EMFILE, shares one batcher with every source, shuts down in order.
import type net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { ErrorCode, MessageTooLongError } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import type { Sink } from '../journal/sink.js';
import { errorLine } from '../protocol/replies.js';
import { Batcher } from './batcher.js';
import type { BatcherLimits, CollectStats } from './caps.js';
import { Connection } from './connection.js';
import { DEFAULT_COLLECTOR_OPTIONS } from './options.js';
import type { CollectorOptions } from './options.js';
import { createStreamServer } from './tls.js';

/** Where the collector listens, once it does. */
export interface ListenInfo {
  host: string;
  port: number;
  /** `tcp://HOST:PORT` (`tls://` over TLS, `udp://` for the UDP listener) */
  url: string;
}

/** Another listener that feeds this collector's batcher (RELP, UDP): listened, stopped and closed with it. */
export interface AttachedListener {
  /** `relp` or `udp`: the kind in the `listening <kind> <url>` line. */
  readonly kind: string;
  listen(): Promise<ListenInfo>;
  readonly closable: Closable;
}

/** Counters for metrics and tests: the batcher's, plus connections. */
export interface CollectorStats extends CollectStats {
  connectionsCurrent: number;
  connectionsTotal: number;
  /** UDP datagrams dropped because a cap was reached (UDP cannot be paused); 0 without a UDP listener. */
  dropped: number;
}

/** Listen backlog asked for; the kernel caps it at net.core.somaxconn. */
const LISTEN_BACKLOG = 65_535;

/** Descriptors kept for the journal, the listener, stdio and Node itself. */
const FD_RESERVE = 32;

/** The soft open-file limit of this process (Linux), or Infinity when unknown. */
function openFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m && m[1] !== 'unlimited' ? Number(m[1]) : Infinity;
  } catch {
    return Infinity;
  }
}

/**
 * Accepts TCP clients and turns their lines into journal batches through one fair {@link Batcher}.
 * Also the entry point for other sources: `batcher` (the terminal) and `submit()` (HTTP).
 */
export class CollectorServer {
  readonly opts: CollectorOptions;
  readonly batcher: Batcher;
  readonly closable: Closable;
  private readonly server: net.Server;
  private readonly scheme: 'tcp' | 'tls';
  private readonly attached: AttachedListener[] = [];
  /** The attached listeners once listening, in attach order. */
  readonly listening: Array<{ kind: string; info: ListenInfo }> = [];
  private dropped = 0;
  private readonly connections = new Set<Connection>();
  private connectionsTotal = 0;
  private stopping = false;
  private lastAcceptError = 0;
  private acceptErrors = 0;
  private readonly fdLimit = openFileLimit();

  constructor(
    opts: Partial<CollectorOptions> & { limits?: Partial<BatcherLimits> },
    readonly sink: Sink,
    private readonly log: LogFn,
  ) {
    this.opts = { ...DEFAULT_COLLECTOR_OPTIONS, ...opts };
    this.batcher = new Batcher(sink, opts.limits ?? {}, log);
    const { server, scheme } = createStreamServer(this.opts.tls, (socket) => this.serverOnConnection(socket), log);
    this.server = server;
    this.scheme = scheme;
    this.server.on('error', (err: NodeJS.ErrnoException) => this.serverOnError(err));
    this.closable = {
      name: 'collector',
      stopAccepting: () => this.stopAccepting(),
      drain: (deadline) => this.drain(deadline),
      close: () => this.close(),
    };
  }

  /** Live counters. */
  get stats(): CollectorStats {
    return { connectionsCurrent: this.connections.size, connectionsTotal: this.connectionsTotal, dropped: this.dropped, ...this.batcher.stats };
  }

  /** Adds a listener (RELP, UDP) that shares the batcher; `listen()` starts it and the collector's shutdown stops it. */
  attach(listener: AttachedListener): void {
    this.attached.push(listener);
  }

  /** Counts `n` messages dropped because a cap was reached by a source that cannot be paused (UDP). */
  countDropped(n = 1): void {
    this.dropped += n;
  }

  /** Starts listening with a large backlog so that a burst of connects is not dropped into SYN retries. */
  async listen(): Promise<ListenInfo> {
    this.server.listen({ host: this.opts.host, port: this.opts.port, backlog: LISTEN_BACKLOG });
    await once(this.server, 'listening');
    if (this.opts.maxConns + FD_RESERVE > this.fdLimit) {
      this.log(`--max-conns ${this.opts.maxConns} is above the open-file limit (${this.fdLimit}); raise it with ulimit -n`, 'warn');
    }
    const addr = this.server.address() as net.AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    for (const l of this.attached) this.listening.push({ kind: l.kind, info: await l.listen() });
    return { host: addr.address, port: addr.port, url: `${this.scheme}://${host}:${addr.port}` };
  }

  /**
   * Journals messages from a non-TCP source (the HTTP ingest endpoint) with the same limits, batching and
   * durability as TCP lines. Resolves with one result per message, in order.
   */
  submit(src: string, messages: Buffer[]): Promise<SubmitResult[]> {
    return new Promise((resolve) => {
      if (this.stopping) {
        resolve(messages.map(() => ({ code: ErrorCode.SHUTTING_DOWN, message: 'server is shutting down' })));
        return;
      }
      // HTTP bodies cannot be paused like a socket: past the global cap on bytes waiting for the disk, refuse.
      if (this.batcher.full) {
        resolve(messages.map(() => ({ code: ErrorCode.BUSY, message: 'too much waiting for the disk, try again' })));
        return;
      }
      if (messages.length === 0) {
        resolve([]);
        return;
      }
      const results: SubmitResult[] = [];
      // Pause and resume are moot: the whole body is queued at once, within the ingest's --max-body-messages.
      const source = this.batcher.createSource(src, {
        ok: (first, count) => {
          for (let i = 0; i < count; i++) results.push({ seq: first + i });
        },
        error: (code, message, count) => {
          for (let i = 0; i < count; i++) results.push({ code, message });
        },
        flush: () => {},
        pause: () => {},
        resume: () => {},
        settled: () => resolve(results),
      });
      const tooLong = new MessageTooLongError(this.opts.maxMessage).message;
      for (const m of messages) {
        if (m.length > this.opts.maxMessage) source.refuse(ErrorCode.MESSAGE_TOO_LONG, tooLong);
        else source.push(m);
      }
      this.batcher.kick();
    });
  }

  private serverOnConnection(socket: net.Socket): void {
    socket.on('error', () => {});
    if (this.stopping) {
      socket.end(errorLine(ErrorCode.SHUTTING_DOWN, 'server is shutting down'));
      return;
    }
    if (this.connections.size >= this.opts.maxConns) {
      this.batcher.countRejected(ErrorCode.BUSY);
      socket.end(errorLine(ErrorCode.BUSY, `too many connections (max ${this.opts.maxConns})`));
      setTimeout(() => socket.destroy(), 2000).unref();
      return;
    }
    this.connectionsTotal++;
    // libuv sheds connections by itself when accept() hits EMFILE (it never reports it), so warn as the limit nears.
    if (this.connections.size + FD_RESERVE >= this.fdLimit) this.fdPressure();
    const conn = new Connection(socket, this.batcher, this.opts, (c) => this.connections.delete(c));
    this.connections.add(conn);
  }

  /** EMFILE/ENFILE on accept: libuv keeps listening; log (at most once a second) and keep serving. */
  private serverOnError(err: NodeJS.ErrnoException): void {
    if (err.code === 'EMFILE' || err.code === 'ENFILE') return this.fdPressure(err.code);
    this.log(`listener error: ${err.code ?? err.message}`, 'error');
  }

  /** Out of (or nearly out of) file descriptors: new connections are refused until some close. */
  private fdPressure(code = 'EMFILE'): void {
    this.acceptErrors++;
    const now = Date.now();
    if (now - this.lastAcceptError < 1000) return;
    this.log(
      `${code}: ${this.connections.size} connections, open-file limit ${this.fdLimit}; new connections are dropped ` +
        `until some close (${this.acceptErrors} since the last report); existing clients are still served`,
    );
    this.lastAcceptError = now;
    this.acceptErrors = 0;
  }

  private stopAccepting(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.server.close();
    for (const l of this.attached) l.closable.stopAccepting?.();
  }

  /** Stops reading, journals what was received, writes every pending reply, then ends each connection. */
  private async drain(deadline: number): Promise<void> {
    this.stopAccepting();
    for (const c of this.connections) c.stop();
    const others = this.attached.map((l) => l.closable.drain?.(deadline));
    await this.batcher.drain();
    await Promise.all(others);
    const closing = [...this.connections].map((c) => once(c.socket, 'close').catch(() => {}));
    await Promise.all(closing);
  }

  private async close(): Promise<void> {
    this.stopAccepting();
    for (const c of this.connections) c.destroy();
    this.connections.clear();
    await Promise.all(this.attached.map((l) => l.closable.close?.()));
  }
}

/** One result of {@link CollectorServer.submit}: the seq of a durable message, or why it was refused. */
export type SubmitResult = { seq: number } | { code: string; message: string };
