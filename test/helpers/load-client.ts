// A windowed load client for crash tests: unique payloads, and which seq each acked one got.
import assert from 'node:assert/strict';
import net from 'node:net';

const WINDOW = 16;

/**
 * A client that keeps sending unique lines (`TAG-mN-ppp…`) with a window of unacked ones, and records which payload
 * got which seq in `acked`. For crash tests: `stop()` ends it; `done` resolves once its socket closed.
 */
export function loadClient(port: number, tag: string, acked: Map<number, string>, window = WINDOW): { stop: () => void; done: Promise<void> } {
  const sock = net.connect(port, '127.0.0.1');
  sock.setEncoding('utf8');
  let sent = 0;
  const inflight: string[] = [];
  let carry = '';
  let stopped = false;
  const pump = (): void => {
    let chunk = '';
    while (!stopped && inflight.length < window) {
      const payload = `${tag}-m${sent++}-${'p'.repeat(40)}`;
      inflight.push(payload);
      chunk += `${payload}\n`;
    }
    if (chunk) sock.write(chunk);
  };
  sock.on('connect', pump);
  sock.on('data', (d: string) => {
    carry += d;
    let i;
    while ((i = carry.indexOf('\n')) !== -1) {
      const line = carry.slice(0, i);
      carry = carry.slice(i + 1);
      const payload = inflight.shift();
      const m = /^ok (\d+)$/.exec(line);
      if (m && payload !== undefined) {
        const seq = Number(m[1]);
        assert.equal(acked.has(seq), false, `seq ${seq} acked twice`);
        acked.set(seq, payload);
      }
    }
    pump();
  });
  const done = new Promise<void>((resolve) => {
    sock.on('close', () => resolve());
    sock.on('error', () => {});
  });
  return {
    stop: () => {
      stopped = true;
      sock.destroy();
    },
    done,
  };
}
