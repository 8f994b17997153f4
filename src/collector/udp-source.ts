// The UDP listener (`--udp-port`): one message per datagram, one ingest source per sender, no acks; what a cap or the kernel drops is counted.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import { ErrorCode } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import type { Ingest } from './ingest.js';
import { countRefused, inputCounters } from './input-counters.js';
import type { InputStats } from './input-counters.js';
import type { InputListener, ListenInfo } from './listener.js';
import type { Source, SourceHandler } from './source.js';

/** Default receive buffer asked of the kernel (`--udp-recv-buffer`; Linux caps it at net.core.rmem_max): room for a burst while a batch syncs. */
export const DEFAULT_UDP_RECV_BUFFER = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const NUL = 0x00;

/** Settings of the UDP listener. */
export interface UdpListenerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  maxMessage: number;
  /** SO_RCVBUF asked for, in bytes. */
  recvBuffer: number;
  /** A bound datagram socket passed by systemd to use instead of binding `host:port`; null: bind. */
  fd: number | null;
}

/** The UDP listener's counters. */
export interface UdpStats {
  /** Datagrams read (empty ones included). */
  datagrams: number;
  /** Datagrams muxd dropped: too long, or their sender's queue or the global cap was full. */
  dropped: number;
  /** Datagrams the kernel dropped before muxd read them (the socket's `drops` in /proc/net/udp). */
  kernelDropped: number;
}

/**
 * The end of a datagram's message: a trailer of NUL, LF or CRLF (in any of the orders senders use: `msg\n`,
 * `msg\r\n`, `msg\0`, `msg\n\0`) is cut. Pure.
 */
export function datagramEnd(msg: Uint8Array): number {
  let end = msg.length;
  if (end > 0 && msg[end - 1] === NUL) end--;
  if (end > 0 && msg[end - 1] === LF) end--;
  if (end > 0 && msg[end - 1] === CR) end--;
  return end;
}

/**
 * The kernel's drop count for the UDP socket bound to `address:port`, from the `drops` column of /proc/net/udp
 * (udp6 for IPv6); null where that file does not exist (not Linux). Pure but for the file read.
 */
export function kernelDrops(address: string, port: number, family: string): number | null {
  let text: string;
  try {
    text = readFileSync(family === 'IPv6' ? '/proc/net/udp6' : '/proc/net/udp', 'utf8');
  } catch {
    return null;
  }
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const addrHex = family === 'IPv6' ? null : ipv4Hex(address);
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const local = cols[1];
    if (local === undefined || cols.length < 13) continue;
    const [a, p] = local.split(':');
    if (p !== portHex || (addrHex !== null && a !== addrHex)) continue;
    return Number(cols[cols.length - 1]);
  }
  return null;
}

/** `127.0.0.1` → `0100007F`, as /proc/net/udp prints a little-endian IPv4 address. */
function ipv4Hex(address: string): string {
  return address
    .split('.')
    .reverse()
    .map((b) => Number(b).toString(16).toUpperCase().padStart(2, '0'))
    .join('');
}

/** One sender's queue. A datagram cannot be paused: while its source is paused by a cap, its datagrams are dropped. */
class Peer implements SourceHandler {
  readonly source: Source;
  paused = false;

  constructor(
    private readonly owner: UdpListener,
    readonly key: string,
    ingest: Ingest,
  ) {
    // A datagram cannot wait: per-source caps would only drop a burst that the global cap has room for.
    this.source = ingest.createSource(`udp:${key}`, this, false, false);
  }

  ok(): void {}
  error(): void {}
  flush(): void {}
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
  }
  settled(): void {
    this.owner.forget(this);
  }
}

/**
 * Takes syslog (or any) messages over UDP: each datagram is one message (a trailing NUL, LF or CRLF is cut),
 * journaled as src `udp:HOST:PORT`. There are no acks. A datagram that arrives while its sender's queue or the
 * server's pending bytes are at their cap, or that is longer than `--max-message`, is dropped and counted; so are
 * the datagrams the kernel dropped for want of buffer (asked for with `--udp-recv-buffer`).
 */
export class UdpListener implements InputListener {
  readonly kind = 'udp';
  readonly closable: Closable;
  readonly connections = 0;
  private socket: dgram.Socket | null = null;
  private bound: { address: string; port: number; family: string } | null = null;
  private readonly peers = new Map<string, Peer>();
  private stopping = false;
  private datagrams = 0;
  private dropped = 0;
  /** The kernel's count when the socket closed (it can no longer be read then). */
  private finalKernelDrops = 0;
  private readonly counters = inputCounters('udp');

  constructor(
    private readonly ingest: Ingest,
    private readonly opts: UdpListenerOptions,
    private readonly log: LogFn,
  ) {
    this.closable = {
      name: 'udp',
      stopAccepting: () => this.stopAccepting(),
      drain: () => this.ingest.drain(),
      close: async () => this.stopAccepting(),
    };
  }

  /** The UDP counters; the kernel's drops are read from /proc now. */
  get udpStats(): UdpStats {
    return { datagrams: this.datagrams, dropped: this.dropped, kernelDropped: this.readKernelDrops() };
  }

  /** {@inheritDoc InputListener.stats} */
  get stats(): InputStats {
    return { ...this.counters, refused: { ...this.counters.refused }, connections: 0 };
  }

  /** {@inheritDoc InputListener.listen} */
  async listen(): Promise<ListenInfo> {
    const { host, port, recvBuffer, fd } = this.opts;
    // A passed socket's family is unknown here; udp4 binds it either way (libuv takes the descriptor as it is).
    const socket = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: recvBuffer });
    this.socket = socket;
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => this.socketOnMessage(msg, rinfo));
    socket.on('error', (err: NodeJS.ErrnoException) => this.log(`UDP listener error: ${err.code ?? err.message}`, 'error'));
    // Bound before the call: with a passed descriptor, 'listening' is emitted inside bind() itself.
    const listening = once(socket, 'listening');
    if (fd !== null) socket.bind({ fd });
    else socket.bind({ address: host, port });
    await listening;
    const addr = socket.address();
    this.bound = { address: addr.address, port: addr.port, family: addr.family };
    const granted = socket.getRecvBufferSize();
    // Linux doubles the asked size for its bookkeeping and caps the ask at net.core.rmem_max.
    if (granted < recvBuffer) this.log(`receive buffer ${granted} bytes, less than --udp-recv-buffer ${recvBuffer} (raise net.core.rmem_max)`);
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `udp://${shown}:${addr.port}` };
  }

  /** A peer with nothing queued is let go (settled); it comes back with its next datagram. */
  forget(peer: Peer): void {
    if (this.peers.get(peer.key) === peer && peer.source.outstanding === 0 && !peer.paused) this.peers.delete(peer.key);
  }

  private readKernelDrops(): number {
    if (this.bound === null || this.stopping) return this.finalKernelDrops;
    return kernelDrops(this.bound.address, this.bound.port, this.bound.family) ?? 0;
  }

  private socketOnMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.stopping) return;
    this.datagrams++;
    const end = datagramEnd(msg);
    if (end === 0) return;
    if (end > this.opts.maxMessage) {
      countRefused(this.counters, ErrorCode.MESSAGE_TOO_LONG);
      this.ingest.countRejected(ErrorCode.MESSAGE_TOO_LONG);
      this.dropped++;
      return;
    }
    const key = `${rinfo.family === 'IPv6' ? `[${rinfo.address}]` : rinfo.address}:${rinfo.port}`;
    let peer = this.peers.get(key);
    if (peer?.paused || (peer === undefined && this.ingest.full)) {
      this.dropped++;
      return;
    }
    if (peer === undefined) {
      peer = new Peer(this, key, this.ingest);
      this.peers.set(key, peer);
    }
    this.counters.messages++;
    this.counters.bytes += end;
    peer.source.pushSpan(msg, 0, end);
    this.ingest.kick();
  }

  private stopAccepting(): void {
    if (this.stopping) return;
    this.finalKernelDrops = this.readKernelDrops();
    this.stopping = true;
    if (this.socket !== null) {
      this.socket.close();
      const url = this.bound ? `udp://${this.bound.address}:${this.bound.port}` : 'udp';
      this.log(`udp ${url}: ${this.datagrams} datagrams, ${this.dropped} dropped by muxd, ${this.finalKernelDrops} dropped by the kernel`);
    }
  }
}
