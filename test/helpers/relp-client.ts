// A raw RELP client for tests: writes frames byte for byte, reads the server's frames with the pure decoder, sees how the server closes.
import { once } from 'node:events';
import net from 'node:net';
import tls from 'node:tls';
import { encodeRelpFrame, RelpFrameDecoder } from '../../src/protocol/relp-frame.js';

/** One frame from the server. */
export interface Frame {
  txnr: number;
  command: string;
  data: string;
}

/** The offers librelp's client sends with `open`. */
export const CLIENT_OFFERS = 'relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog';

/** A RELP session from the client side. */
export class RelpTestClient {
  readonly frames: Frame[] = [];
  /** True once the server ended its side. */
  serverEnded = false;
  readonly closed: Promise<void>;
  private txnr = 1;
  private readonly decoder = new RelpFrameDecoder(1 << 20);
  private notify: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk, { frame: (txnr, command, buf, s, e) => this.frames.push({ txnr, command, data: buf.toString('utf8', s, e) }) });
      this.notify?.();
    });
    socket.on('end', () => {
      this.serverEnded = true;
      socket.end();
    });
    socket.on('error', () => {});
    this.closed = once(socket, 'close').then(() => this.notify?.());
  }

  /** Connects over TCP, or TLS with `tlsOptions`. */
  static async connect(port: number, tlsOptions?: tls.ConnectionOptions): Promise<RelpTestClient> {
    if (tlsOptions) {
      const socket = tls.connect({ host: '127.0.0.1', port, ...tlsOptions });
      await once(socket, 'secureConnect');
      return new RelpTestClient(socket);
    }
    const socket = net.connect(port, '127.0.0.1');
    await once(socket, 'connect');
    return new RelpTestClient(socket);
  }

  /** Sends one frame with the next transaction number; returns that number. */
  send(command: string, data: string | Buffer = ''): number {
    const t = this.txnr++;
    this.socket.write(encodeRelpFrame(t, command, data));
    return t;
  }

  /** Sends bytes as they are. */
  raw(bytes: string | Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends `open` and waits for its answer. */
  async open(): Promise<Frame> {
    const before = this.frames.length;
    this.send('open', CLIENT_OFFERS);
    return (await this.waitFrames(before + 1))[before] as Frame;
  }

  /** Resolves once `n` frames have arrived in all; rejects if the connection closes first. */
  async waitFrames(n: number): Promise<Frame[]> {
    let gone = false;
    void this.closed.then(() => (gone = true));
    while (this.frames.length < n) {
      if (gone || this.socket.destroyed) throw new Error(`connection closed after ${this.frames.length} of ${n} frames: ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.notify = resolve;
      });
      this.notify = null;
    }
    return this.frames;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
