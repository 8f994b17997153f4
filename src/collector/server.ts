// The collector: one batcher, the muxd port and the optional syslog, RELP and UDP inputs on one lifecycle, and submit() for HTTP.
import { ErrorCode, MessageTooLongError, defaultMessageOf } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import type { Sink } from '../journal/sink.js';
import { Batcher } from './batcher.js';
import type { BatcherLimits, CollectStats } from './caps.js';
import { StreamListener } from './listener.js';
import type { InputListener, ListenInfo } from './listener.js';
import { DEFAULT_COLLECTOR_OPTIONS } from './options.js';
import type { CollectorOptions } from './options.js';
import { muxdProtocol, RELP_PROTOCOL, SYSLOG_PROTOCOL } from './reply-policy.js';
import { UdpListener } from './udp-source.js';
import { FdName, ListenFds } from '../systemd/listen-fds.js';
import type { UdpStats } from './udp-source.js';
import type { InputStats } from './input-counters.js';

export type { ListenInfo } from './listener.js';

/** Counters for metrics and tests: the batcher's, plus connections. */
export interface CollectorStats extends CollectStats {
  /** Connections open now, on every stream port. */
  connectionsCurrent: number;
  /** Connections accepted since the start, on every stream port. */
  connectionsTotal: number;
  /** UDP datagrams dropped because a cap was reached (UDP cannot be paused); 0 without a UDP listener. */
  dropped: number;
  /** UDP datagrams the kernel dropped before muxd read them (a full receive buffer); 0 without a UDP listener. */
  kernelDropped: number;
  /** Per input: the muxd port, then the syslog port, RELP and UDP when they listen. */
  inputs: InputStats[];
}

/**
 * The collector: one fair {@link Batcher} in front of the sink, and every input that feeds it through the narrow
 * {@link Ingest} interface: the muxd port, and (when asked) the syslog port, RELP and UDP. Also the entry point
 * for the terminal (`batcher`) and HTTP (`submit()`).
 */
export class CollectorServer {
  readonly opts: CollectorOptions;
  readonly batcher: Batcher;
  readonly closable: Closable;
  /** The muxd port. */
  private readonly main: StreamListener;
  /** The syslog port, RELP and UDP listeners, in that order. */
  private readonly others: InputListener[] = [];
  private readonly udp: UdpListener | null = null;
  /** The other listeners once listening, in order. */
  readonly listening: Array<{ kind: string; info: ListenInfo }> = [];
  private stopping = false;

  constructor(
    opts: Partial<CollectorOptions> & { limits?: Partial<BatcherLimits> },
    readonly sink: Sink,
    log: LogFn,
    fds: ListenFds = new ListenFds(new Map()),
  ) {
    this.opts = { ...DEFAULT_COLLECTOR_OPTIONS, ...opts };
    const o = this.opts;
    this.batcher = new Batcher(sink, opts.limits ?? {}, log);
    const common = { host: o.host, maxConns: o.maxConns, maxMessage: o.maxMessage, idleTimeout: o.idleTimeout };
    this.main = new StreamListener(muxdProtocol(o.framing, o.ack), { ...common, port: o.port, tls: o.tls, fd: fds.take(FdName.COLLECT) }, this.batcher, log);
    if (o.syslogPort !== null) {
      const tls = o.tls?.syslog === true ? o.tls : null;
      this.others.push(new StreamListener(SYSLOG_PROTOCOL, { ...common, port: o.syslogPort, tls, fd: fds.take(FdName.SYSLOG) }, this.batcher, log));
    }
    if (o.relpPort !== null) {
      const tls = o.tls?.relp === true ? o.tls : null;
      this.others.push(new StreamListener(RELP_PROTOCOL, { ...common, port: o.relpPort, tls, fd: fds.take(FdName.RELP) }, this.batcher, log));
    }
    if (o.udpPort !== null) {
      this.udp = new UdpListener(this.batcher, { host: o.host, port: o.udpPort, maxMessage: o.maxMessage, recvBuffer: o.udpRecvBuffer, fd: fds.take(FdName.UDP) }, log);
      this.others.push(this.udp);
    }
    this.closable = {
      name: 'collector',
      stopAccepting: () => this.stopAccepting(),
      drain: (deadline) => this.drain(deadline),
      close: () => this.close(),
      reload: () => {
        for (const l of [this.main, ...this.others]) l.closable.reload?.();
      },
    };
  }

  /** Live counters. */
  get stats(): CollectorStats {
    const listeners = [this.main, ...this.others];
    const udp = this.udp?.udpStats;
    let connectionsTotal = 0;
    for (const l of listeners) if (l instanceof StreamListener) connectionsTotal += l.connectionsTotal;
    return {
      connectionsCurrent: this.connectionsCurrent,
      connectionsTotal,
      dropped: udp?.dropped ?? 0,
      kernelDropped: udp?.kernelDropped ?? 0,
      inputs: listeners.map((l) => l.stats),
      ...this.batcher.stats,
    };
  }

  /** Connections open now on every stream port (cheap: no snapshot, no /proc read). */
  get connectionsCurrent(): number {
    let n = this.main.connections;
    for (const l of this.others) n += l.connections;
    return n;
  }

  /** The UDP listener's counters, or null without one. */
  get udpStats(): UdpStats | null {
    return this.udp?.udpStats ?? null;
  }

  /** Starts every listener: the muxd port first (its address is returned), then the others (in `listening`). */
  async listen(): Promise<ListenInfo> {
    const info = await this.main.listen();
    for (const l of this.others) this.listening.push({ kind: l.kind, info: await l.listen() });
    return info;
  }

  /**
   * Journals messages from a non-TCP source (the HTTP ingest endpoint) with the same limits, batching and
   * durability as TCP lines. Resolves with one result per message, in order.
   */
  submit(src: string, messages: Buffer[]): Promise<SubmitResult[]> {
    return new Promise((resolve) => {
      if (this.stopping) {
        resolve(messages.map(() => ({ code: ErrorCode.SHUTTING_DOWN, message: defaultMessageOf(ErrorCode.SHUTTING_DOWN) })));
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

  private stopAccepting(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.main.closable.stopAccepting?.();
    for (const l of this.others) l.closable.stopAccepting?.();
  }

  /** Stops reading everywhere, journals what was received, writes every answer owed, then ends each connection. */
  private async drain(deadline: number): Promise<void> {
    this.stopAccepting();
    await Promise.all([this.main, ...this.others].map((l) => l.closable.drain?.(deadline)));
  }

  private async close(): Promise<void> {
    this.stopAccepting();
    await Promise.all([this.main, ...this.others].map((l) => l.closable.close?.()));
  }
}

/** One result of {@link CollectorServer.submit}: the seq of a durable message, or why it was refused. */
export type SubmitResult = { seq: number } | { code: string; message: string };
