// Collector limits in-process: ERR_BUSY past --max-conns, ERR_IDLE_TIMEOUT, per-connection caps pause the socket, shutdown answers everything.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { CollectorServer } from '../../src/collector/server.js';
import type { CollectorOptions } from '../../src/collector/options.js';
import type { BatcherLimits } from '../../src/collector/caps.js';
import { silentLog } from '../../src/logger.js';
import { exchange, readJournal, startCollector } from '../helpers/collect.js';
import type { InProcessCollector } from '../helpers/collect.js';

const teardown: Array<() => Promise<void>> = [];
after(async () => {
  for (const t of teardown.reverse()) await t();
});

async function start(opts: Partial<CollectorOptions> & { limits?: Partial<BatcherLimits> }): Promise<InProcessCollector> {
  const c = await startCollector(opts);
  teardown.push(c.stop);
  return c;
}

function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  s.setEncoding('utf8');
  return once(s, 'connect').then(() => s);
}

test('past --max-conns a new connection gets ERR_BUSY and is closed; the others keep working', async () => {
  const { server, port } = await start({ maxConns: 2 });
  const a = await connect(port);
  const b = await connect(port);
  while (server.stats.connectionsCurrent < 2) await new Promise((r) => setTimeout(r, 5));
  const third = await exchange(port, '');
  assert.equal(third.replies.length, 1);
  assert.match(third.replies[0]!, /^error ERR_BUSY \S/);
  assert.ok(third.closedByServer);
  a.write('still fine\n');
  const [reply] = (await once(a, 'data')) as [string];
  assert.match(reply, /^ok \d+\n$/);
  assert.equal(server.stats.rejected.ERR_BUSY, 1);
  a.destroy();
  b.destroy();
});

test('an idle connection gets ERR_IDLE_TIMEOUT and is closed; a partial line it left is journaled', async () => {
  const { port, file } = await start({ idleTimeout: 1 });
  const sock = await connect(port);
  sock.write('first\nleft-hanging');
  let text = '';
  sock.on('data', (d: string) => (text += d));
  const t0 = Date.now();
  await once(sock, 'end');
  assert.ok(Date.now() - t0 >= 900, 'not closed before the timeout');
  // The cut-off line is journaled as partial and answered before the last line (one ending for every protocol).
  assert.match(text, /^ok \d+\nok \d+\nerror ERR_IDLE_TIMEOUT \S.*\n$/);
  sock.end();
  await once(sock, 'close');
  for (let i = 0; i < 50 && (await readJournal(file)).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  const records = await readJournal(file);
  assert.deepEqual(
    records.map((r) => [r.msg, r.partial]),
    [
      ['first', undefined],
      ['left-hanging', true],
    ],
  );
});

test('while the disk holds a batch, a sender is paused at its in-flight cap (memory stays bounded), then resumes', async () => {
  // A sink that holds every append until released, like a disk that stalls.
  let hold = true;
  let seq = 0;
  const waiting: Array<() => void> = [];
  const sink = {
    append: (batch: unknown[]): Promise<number> =>
      new Promise<number>((resolve) => {
        const go = (): void => {
          const first = seq + 1;
          seq += batch.length;
          resolve(first);
        };
        if (hold) waiting.push(go);
        else go();
      }),
    close: async () => {},
  };
  const server = new CollectorServer({ port: 0, limits: { maxSourceMessages: 500, maxSourceBytes: 1024 * 1024 } }, sink, silentLog);
  const { port } = await server.listen();
  teardown.push(async () => {
    server.closable.stopAccepting?.();
    await server.closable.close?.();
  });
  const sock = await connect(port);
  let replies = 0;
  sock.on('data', (d: string) => {
    for (let i = d.indexOf('\n'); i >= 0; i = d.indexOf('\n', i + 1)) replies++;
  });
  const total = 50_000;
  sock.write(`${'p'.repeat(99)}\n`.repeat(total));
  await new Promise((r) => setTimeout(r, 200));
  const received = server.stats.received;
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(server.stats.received, received, 'the server stopped reading');
  // The caps are checked per line: not one line past the cap (it used to be one read's worth, 660 more).
  assert.ok(received <= 500, `received ${received} lines while the disk was stuck`);
  hold = false;
  for (const go of waiting.splice(0)) go();
  while (replies < total) await new Promise((r) => setTimeout(r, 20));
  assert.equal(server.stats.acked, total);
  sock.destroy();
});

test('shutdown: stop accepting, journal and answer what was received, then close every connection', async () => {
  const { server, port, file, journal } = await start({});
  const sock = await connect(port);
  let text = '';
  sock.on('data', (d: string) => (text += d));
  sock.write('x1\nx2\nx3-partial');
  while (server.stats.received < 2) await new Promise((r) => setTimeout(r, 5));
  server.closable.stopAccepting?.();
  await server.closable.drain?.(Date.now() + 2000);
  assert.equal(text.split('\n').filter(Boolean).length, 3);
  assert.ok(sock.readableEnded || sock.destroyed);
  await assert.rejects(connect(port));
  await journal.drain();
  assert.deepEqual(
    (await readJournal(file)).map((r) => [r.msg, r.partial ?? false]),
    [
      ['x1', false],
      ['x2', false],
      ['x3-partial', true],
    ],
  );
  sock.destroy();
});

test('submit() refuses with ERR_BUSY while the bytes waiting for the disk are over the global cap (regression: HTTP posts ignored the cap)', { timeout: 10_000 }, async () => {
  const waiting: Array<() => void> = [];
  let seq = 0;
  const sink = {
    append: (batch: unknown[]): Promise<number> =>
      new Promise<number>((resolve) => {
        waiting.push(() => {
          const first = seq + 1;
          seq += batch.length;
          resolve(first);
        });
      }),
    close: async () => {},
  };
  const server = new CollectorServer({ port: 0, limits: { maxPendingBytes: 4096 } }, sink, silentLog);
  teardown.push(async () => {
    server.closable.stopAccepting?.();
    await server.closable.close?.();
  });
  const big = Array.from({ length: 100 }, () => Buffer.alloc(100, 0x61));
  const first = server.submit('http:127.0.0.1', big);
  await new Promise((r) => setImmediate(r));
  const refused = await server.submit('http:127.0.0.1', [Buffer.from('one more')]);
  assert.deepEqual(refused.map((r) => ('code' in r ? r.code : 'ok')), ['ERR_BUSY']);
  let done = false;
  const settled = first.then((r) => ((done = true), r));
  while (!done) {
    for (const go of waiting.splice(0)) go();
    await new Promise((r) => setTimeout(r, 5));
  }
  const results = await settled;
  assert.equal(results.length, 100);
  assert.ok(results.every((r) => 'seq' in r));
});
