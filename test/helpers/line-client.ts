// A persistent collector connection for tests: each sent line resolves with its own reply line, in order (the protocol answers in order).
import { once } from 'node:events';
import net from 'node:net';

/** One open connection to a collector. */
export interface LineClient {
  /** Sends one line; resolves with its reply (`ok N` or `error CODE …`), or rejects when the connection closes first. */
  send(line: string): Promise<string>;
  /** Replies still awaited. */
  readonly waiting: number;
  close(): void;
}

/** Connects to 127.0.0.1:port. */
export async function lineClient(port: number): Promise<LineClient> {
  const sock = net.connect(port, '127.0.0.1');
  sock.setEncoding('utf8');
  await once(sock, 'connect');
  const queue: Array<{ resolve: (r: string) => void; reject: (e: Error) => void }> = [];
  let carry = '';
  sock.on('data', (d: string) => {
    carry += d;
    let i;
    while ((i = carry.indexOf('\n')) !== -1) {
      const line = carry.slice(0, i);
      carry = carry.slice(i + 1);
      queue.shift()?.resolve(line);
    }
  });
  const fail = (): void => {
    for (const w of queue.splice(0)) w.reject(new Error('connection closed before the reply'));
  };
  sock.on('close', fail);
  sock.on('error', fail);
  return {
    send(line) {
      return new Promise<string>((resolve, reject) => {
        queue.push({ resolve, reject });
        sock.write(`${line}\n`);
      });
    },
    get waiting() {
      return queue.length;
    },
    close: () => sock.destroy(),
  };
}

/**
 * Keeps `window` lines in flight on one connection until `stop()` or `total` lines were sent; records every
 * acked payload by seq, and every error reply. Resolves `done` when all sent lines are answered or the connection ended.
 */
export function windowedSender(
  client: LineClient,
  tag: string,
  opts: { window: number; total?: number },
): { acked: Array<{ seq: number; payload: string }>; errors: string[]; stop: () => void; done: Promise<void> } {
  const acked: Array<{ seq: number; payload: string }> = [];
  const errors: string[] = [];
  let sent = 0;
  let stopped = false;
  let inflight = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const pump = (): void => {
    while (!stopped && inflight < opts.window && (opts.total === undefined || sent < opts.total)) {
      const payload = `${tag}-m${sent++}`;
      inflight++;
      client.send(payload).then(
        (reply) => {
          inflight--;
          const m = /^ok (\d+)$/.exec(reply);
          if (m) acked.push({ seq: Number(m[1]), payload });
          else errors.push(reply);
          pump();
          if (inflight === 0) finish();
        },
        () => {
          inflight--;
          stopped = true;
          if (inflight === 0) finish();
        },
      );
    }
  };
  pump();
  return {
    acked,
    errors,
    stop: () => {
      stopped = true;
      if (inflight === 0) finish();
    },
    done,
  };
}

/** Sends one line on a fresh connection, half-closes, and resolves with everything the collector answered, trimmed. */
export async function sendLine(port: number, line: string): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.end(`${line}\n`);
  let text = '';
  sock.setEncoding('utf8');
  for await (const chunk of sock) text += chunk as string;
  return text.trim();
}
