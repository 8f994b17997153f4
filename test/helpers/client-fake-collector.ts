// A tiny in-test collector for client tests: speaks the reply protocol over node:net, with scripted misbehaviour.
import net from 'node:net';
import { once } from 'node:events';
import { LineDecoder } from '../../src/protocol/line-decoder.js';

/** How the fake server treats each message. */
export interface FakeCollectorOptions {
  /** Reply `error <code> …` instead of ok when this returns a code. */
  errorFor?: (line: string) => string | null;
  /** Destroy the connection after this many replies (0: right after the first message arrives, without replying). */
  closeAfter?: number;
  /** Never reply. */
  silent?: boolean;
  /** Max message length; longer lines get ERR_MESSAGE_TOO_LONG. Default 65536. */
  maxMessage?: number;
  /** Prepend this raw text before the first reply (to test protocol errors). */
  garbage?: string;
  /** Broken numbering for checkers: each connection counts from 1, or counts down. Default: one global counter. */
  seqMode?: 'global' | 'per-connection' | 'descending';
  /** Hold each reply this long after the previous one (a slow, steady server). */
  replyEveryMs?: number;
}

/** A running fake collector. */
export interface FakeCollector {
  port: number;
  /** Every message received, in order, across connections. */
  received: string[];
  close(): Promise<void>;
}

/** Starts a fake collector on 127.0.0.1, port 0. */
export async function startFakeCollector(options: FakeCollectorOptions = {}): Promise<FakeCollector> {
  let seq = 0;
  const received: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const decoder = new LineDecoder(options.maxMessage ?? 65_536);
    let replies = 0;
    let ownSeq = 0;
    let down = 1_000_000;
    const nextSeq = (): number =>
      options.seqMode === 'per-connection' ? ++ownSeq : options.seqMode === 'descending' ? down-- : ++seq;
    let garbageSent = false;
    let paced = Promise.resolve();
    const reply = (text: string): void => {
      if (socket.destroyed) return;
      if (options.closeAfter !== undefined && replies >= options.closeAfter) {
        socket.destroy();
        return;
      }
      if (options.garbage !== undefined && !garbageSent) {
        garbageSent = true;
        socket.write(options.garbage);
      }
      replies++;
      if (options.silent) return;
      if (options.replyEveryMs === undefined) {
        socket.write(`${text}\n`);
        return;
      }
      paced = paced.then(
        () =>
          new Promise<void>((resolve) =>
            setTimeout(() => {
              if (!socket.destroyed) socket.write(`${text}\n`);
              resolve();
            }, options.replyEveryMs),
          ),
      );
    };
    socket.on('data', (chunk: Buffer) => {
      decoder.push(chunk, {
        line: (b) => {
          const line = b.toString('utf8');
          received.push(line);
          const code = options.errorFor?.(line) ?? null;
          reply(code ? `error ${code} scripted failure` : `ok ${nextSeq()}`);
        },
        tooLong: () => reply('error ERR_MESSAGE_TOO_LONG message too long'),
      });
    });
    socket.on('end', () => {
      const rest = decoder.end({ line: () => {}, tooLong: () => {} });
      if (rest) {
        received.push(rest.toString('utf8'));
        reply(`ok ${nextSeq()}`);
      }
      socket.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}
