// One stream listener for every collector port (muxd, syslog, RELP; plain or TLS): accept within --max-conns, survive EMFILE, drain and close in order.
import type net from 'node:net';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { ErrorCode, defaultMessageOf } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { StreamConnection } from './connection.js';
import { LINGER_MS } from '../lifecycle.js';
import type { Ingest } from './ingest.js';
import { countRefused, inputCounters } from './input-counters.js';
import type { InputStats } from './input-counters.js';
import type { StreamProtocol } from './reply-policy.js';
import { createStreamServer, reloadServerTls } from './tls.js';
import type { CollectorTls } from './tls.js';

/** Where a listener listens, once it does. */
export interface ListenInfo {
  host: string;
  port: number;
  /** `tcp://HOST:PORT` (`tls://` over TLS, `udp://` for the UDP listener) */
  url: string;
}

/** What every collector input that listens has: a kind, a listen(), a place in the shutdown, counters. */
export interface InputListener {
  /** `collect`, `syslog`, `relp` or `udp`: the kind in the `listening <kind> <url>` line. */
  readonly kind: string;
  listen(): Promise<ListenInfo>;
  readonly closable: Closable;
  /** Connections open now (0 for UDP). */
  readonly connections: number;
  /** What this input read, refused and holds open. */
  readonly stats: InputStats;
}

/** Settings of one stream listener. */
export interface StreamListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Connections past this are refused (the policy's refusal, then closed). */
  maxConns: number;
  maxMessage: number;
  /** Seconds; 0: never. */
  idleTimeout: number;
  /** TLS settings, or null for plain TCP. */
  tls: CollectorTls | null;
  /** A listening socket passed by systemd (socket activation) to use instead of binding `host:port`; null: bind. */
  fd: number | null;
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
 * Accepts the clients of one port and gives each a {@link StreamConnection} speaking `protocol`. The muxd port,
 * the syslog port and RELP are this same class with different protocols (decoder + reply policy).
 */
export class StreamListener implements InputListener {
  readonly kind: string;
  readonly closable: Closable;
  private readonly server: net.Server;
  private readonly scheme: 'tcp' | 'tls';
  private readonly open = new Set<StreamConnection>();
  private accepted = 0;
  private stopping = false;
  private lastAcceptError = 0;
  private acceptErrors = 0;
  private readonly fdLimit = openFileLimit();
  private readonly counters;

  constructor(
    private readonly protocol: StreamProtocol,
    private readonly opts: StreamListenerOptions,
    private readonly ingest: Ingest,
    private readonly log: LogFn,
  ) {
    this.kind = protocol.kind;
    this.counters = inputCounters(protocol.kind);
    const { server, scheme } = createStreamServer(opts.tls, (socket) => this.serverOnConnection(socket), log);
    this.server = server;
    this.scheme = scheme;
    this.server.on('error', (err: NodeJS.ErrnoException) => this.serverOnError(err));
    this.closable = {
      name: protocol.kind,
      stopAccepting: () => this.stopAccepting(),
      drain: () => this.drain(),
      close: async () => this.close(),
      reload: () => this.reload(),
    };
  }

  /** SIGHUP: new handshakes get the certificate files as they are now; open connections keep theirs. */
  private reload(): void {
    if (this.opts.tls !== null) this.opts.tls = reloadServerTls(this.server, this.opts.tls, (line) => this.log(`${this.kind} port: ${line}`));
  }

  /** {@inheritDoc InputListener.connections} */
  get connections(): number {
    return this.open.size;
  }

  /** {@inheritDoc InputListener.stats} */
  get stats(): InputStats {
    return { ...this.counters, refused: { ...this.counters.refused }, connections: this.open.size };
  }

  /** Connections accepted since the start. */
  get connectionsTotal(): number {
    return this.accepted;
  }

  /** Starts listening with a large backlog so that a burst of connects is not dropped into SYN retries. */
  async listen(): Promise<ListenInfo> {
    const listening = once(this.server, 'listening');
    if (this.opts.fd !== null) this.server.listen({ fd: this.opts.fd });
    else this.server.listen({ host: this.opts.host, port: this.opts.port, backlog: LISTEN_BACKLOG });
    await listening;
    if (this.opts.maxConns + FD_RESERVE > this.fdLimit) {
      this.log(`--max-conns ${this.opts.maxConns} is above the open-file limit (${this.fdLimit}); raise it with ulimit -n`, 'warn');
    }
    const addr = this.server.address() as net.AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `${this.scheme}://${host}:${addr.port}` };
  }

  private serverOnConnection(socket: net.Socket): void {
    socket.on('error', () => {});
    if (this.stopping || this.open.size >= this.opts.maxConns) {
      const [code, message] = this.stopping
        ? [ErrorCode.SHUTTING_DOWN, defaultMessageOf(ErrorCode.SHUTTING_DOWN)]
        : [ErrorCode.BUSY, `too many connections (max ${this.opts.maxConns})`];
      if (!this.stopping) {
        countRefused(this.counters, code);
        this.ingest.countRejected(code);
      }
      const last = this.protocol.policy.refusal(code, message);
      if (last === null) socket.end();
      else socket.end(last);
      setTimeout(() => socket.destroy(), LINGER_MS).unref();
      return;
    }
    this.accepted++;
    // libuv sheds connections by itself when accept() hits EMFILE (it never reports it), so warn as the limit nears.
    if (this.open.size + FD_RESERVE >= this.fdLimit) this.fdPressure();
    const conn = new StreamConnection(socket, this.ingest, this.protocol, this.opts, this.counters, this.log, (c) => this.open.delete(c));
    this.open.add(conn);
  }

  /** EMFILE/ENFILE on accept: libuv keeps listening; log (at most once a second) and keep serving. */
  private serverOnError(err: NodeJS.ErrnoException): void {
    if (err.code === 'EMFILE' || err.code === 'ENFILE') return this.fdPressure(err.code);
    this.log(`${this.kind} listener error: ${err.code ?? err.message}`, 'error');
  }

  /** Out of (or nearly out of) file descriptors: new connections are refused until some close. */
  private fdPressure(code = 'EMFILE'): void {
    this.acceptErrors++;
    const now = Date.now();
    if (now - this.lastAcceptError < 1000) return;
    this.log(
      `${this.kind} port, ${code}: ${this.open.size} connections, open-file limit ${this.fdLimit}; new connections are dropped ` +
        `until some close (${this.acceptErrors} since the last report); existing clients are still served`,
    );
    this.lastAcceptError = now;
    this.acceptErrors = 0;
  }

  private stopAccepting(): void {
    if (this.stopping) return;
    this.stopping = true;
    if (this.server.listening) this.server.close();
  }

  /** Stops reading, journals what was received, writes every answer owed and the policy's last words, then ends each connection. */
  private async drain(): Promise<void> {
    this.stopAccepting();
    for (const c of this.open) c.stop();
    await this.ingest.drain();
    await Promise.all([...this.open].map((c) => once(c.socket, 'close').catch(() => {})));
  }

  private close(): void {
    this.stopAccepting();
    for (const c of this.open) c.destroy();
    this.open.clear();
  }
}
