// The UDP listener (`--udp-port`): one message per datagram, one batcher source per sender, no acks; what a cap turns away is counted.
import dgram from 'node:dgram';
import { once } from 'node:events';
import { isIPv6 } from 'node:net';
import { ErrorCode } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import type { Source, SourceHandler } from './source.js';
import type { AttachedListener, CollectorServer, ListenInfo } from './server.js';

/** Receive buffer asked of the kernel (capped by net.core.rmem_max): room for a burst while a batch syncs. */
const RECV_BUFFER = 4 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;

/** One sender's queue. A datagram cannot be paused: while its source is paused by a cap, its datagrams are dropped. */
class Peer implements SourceHandler {
  readonly source: Source;
  paused = false;

  constructor(
    private readonly owner: UdpListener,
    readonly key: string,
    collector: CollectorServer,
  ) {
    this.source = collector.batcher.createSource(`udp:${key}`, this, false);
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
 * Takes syslog (or any) messages over UDP: each datagram is one message (one trailing LF or CRLF is cut), journaled
 * as src `udp:HOST:PORT` through the collector's batcher. There are no acks. A datagram that arrives while its
 * sender's queue or the server's pending bytes are at their cap, or that is longer than `--max-message`, is dropped
 * and counted (`dropped` in the stats, `muxd_udp_dropped_total`); datagrams the kernel drops before muxd reads
 * them (a full socket buffer) show in `netstat -su`, not here.
 */
export class UdpListener implements AttachedListener {
  readonly kind = 'udp';
  readonly closable: Closable;
  private socket: dgram.Socket | null = null;
  private readonly peers = new Map<string, Peer>();
  private stopping = false;

  constructor(
    private readonly collector: CollectorServer,
    private readonly port: number,
    private readonly log: LogFn,
  ) {
    this.closable = {
      name: 'udp',
      stopAccepting: () => this.stopAccepting(),
      drain: () => this.collector.batcher.drain(),
      close: async () => this.stopAccepting(),
    };
  }

  /** {@inheritDoc AttachedListener.listen} */
  async listen(): Promise<ListenInfo> {
    const host = this.collector.opts.host;
    const socket = dgram.createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', recvBufferSize: RECV_BUFFER });
    this.socket = socket;
    socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => this.socketOnMessage(msg, rinfo));
    socket.on('error', (err: NodeJS.ErrnoException) => this.log(`UDP listener error: ${err.code ?? err.message}`, 'error'));
    socket.bind({ address: host, port: this.port });
    await once(socket, 'listening');
    const addr = socket.address();
    const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `udp://${shown}:${addr.port}` };
  }

  /** A peer with nothing queued is let go (settled); it comes back with its next datagram. */
  forget(peer: Peer): void {
    if (this.peers.get(peer.key) === peer && peer.source.outstanding === 0 && !peer.paused) this.peers.delete(peer.key);
  }

  private socketOnMessage(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.stopping) return;
    let end = msg.length;
    if (end > 0 && msg[end - 1] === LF) end--;
    if (end > 0 && msg[end - 1] === CR) end--;
    if (end === 0) return;
    const collector = this.collector;
    if (end > collector.opts.maxMessage) {
      collector.batcher.countRejected(ErrorCode.MESSAGE_TOO_LONG);
      collector.countDropped();
      return;
    }
    const key = `${rinfo.family === 'IPv6' ? `[${rinfo.address}]` : rinfo.address}:${rinfo.port}`;
    let peer = this.peers.get(key);
    if (peer?.paused || (peer === undefined && collector.batcher.full)) {
      collector.countDropped();
      return;
    }
    if (peer === undefined) {
      peer = new Peer(this, key, collector);
      this.peers.set(key, peer);
    }
    peer.source.pushSpan(msg, 0, end);
    collector.batcher.kick();
  }

  private stopAccepting(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.socket?.close();
  }
}
