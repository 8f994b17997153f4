// A real sender process that never reads while it sends (test/fixtures/never-read-sender.py), driven until a collector has journaled it all.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { Journal } from '../../src/journal/journal.js';

const script = fileURLToPath(new URL('../../../test/fixtures/never-read-sender.py', import.meta.url));

/**
 * Sends `count` messages (`<13>m<i>`, framed `octet`, `lf` or `nul`) to 127.0.0.1:`port` from a Python process with a
 * small fixed receive buffer, as rsyslog and ncat have (Node's own sockets autotune theirs up to 32 MiB), waits on the
 * journal's 'sync' events until its last seq reaches `count`, then lets the sender read what came back.
 * Resolves with the number of bytes the server wrote to it. A collector that stalls leaves this pending (use a test timeout).
 */
export async function sendFromNeverReader(port: number, count: number, framing: 'octet' | 'lf' | 'nul', journal: Journal): Promise<number> {
  const sender = spawn('python3', [script, String(port), String(count), framing]);
  try {
    let out = '';
    sender.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    const exited = once(sender, 'close');
    while (journal.stats.lastSeq < count) await once(journal, 'sync');
    sender.stdin.end();
    await exited;
    const m = /^sent\nreceived (\d+)\n$/.exec(out);
    if (m === null) throw new Error(`unexpected sender output: ${JSON.stringify(out)}`);
    return Number(m[1]);
  } finally {
    sender.kill();
  }
}
