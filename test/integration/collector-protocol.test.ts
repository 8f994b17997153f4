// The collector wire protocol over real sockets: framing, ordered replies, oversized lines, invalid UTF-8, half-close, partial lines, --ack off.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { CollectorServer } from '../../src/collector/server.js';
import { openJournal } from '../../src/journal/journal.js';
import type { Journal } from '../../src/journal/journal.js';
import { silentLog } from '../../src/logger.js';
import { exchange, readJournal, tempDir } from '../helpers/collect.js';

let journal: Journal;
let server: CollectorServer;
let port: number;
let file: string;
let cleanup: () => Promise<void>;

before(async () => {
  const t = await tempDir();
  cleanup = t.cleanup;
  file = path.join(t.dir, 'journal.jsonl');
  journal = await openJournal({ path: file });
  server = new CollectorServer({ host: '127.0.0.1', port: 0, maxMessage: 16 }, journal, silentLog);
  port = (await server.listen()).port;
});

after(async () => {
  server.closable.stopAccepting?.();
  await server.closable.drain?.(Date.now() + 1000);
  await server.closable.close?.();
  await journal.close();
  await cleanup();
});

async function recordsFor(src: string): Promise<ReturnType<typeof readJournal>> {
  return (await readJournal(file)).filter((r) => r.src === src);
}

test('each non-empty line gets one reply in order; CR before LF is stripped; empty lines get none', async () => {
  const { replies } = await exchange(port, 'one\r\n\n\r\ntwo\nthree\r\n', { halfClose: true });
  assert.equal(replies.length, 3);
  const seqs = replies.map((r) => Number(/^ok (\d+)$/.exec(r)?.[1]));
  assert.ok(seqs[0]! > 0 && seqs[1] === seqs[0]! + 1 && seqs[2] === seqs[1]! + 1, replies.join('|'));
  const records = await readJournal(file);
  const mine = records.filter((r) => seqs.includes(r.seq));
  assert.deepEqual(
    mine.map((r) => r.msg),
    ['one', 'two', 'three'],
  );
  assert.match(mine[0]!.src, /^tcp:127\.0\.0\.1:\d+$/);
  assert.match(mine[0]!.ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

test('an oversized line gets ERR_MESSAGE_TOO_LONG in its place, is not journaled, and the connection stays usable', async () => {
  const long = 'L'.repeat(100_000);
  const { replies } = await exchange(port, `before\n${long}\nafter\n${'x'.repeat(17)}\n${'y'.repeat(16)}\n`, { halfClose: true });
  assert.equal(replies.length, 5);
  assert.match(replies[0]!, /^ok \d+$/);
  assert.match(replies[1]!, /^error ERR_MESSAGE_TOO_LONG \S/);
  assert.match(replies[2]!, /^ok \d+$/);
  assert.match(replies[3]!, /^error ERR_MESSAGE_TOO_LONG /);
  assert.match(replies[4]!, /^ok \d+$/, 'exactly --max-message bytes is accepted');
  const records = await readJournal(file);
  assert.equal(records.some((r) => (r.msg ?? '').startsWith('L') || (r.msg ?? '').startsWith('xxx')), false);
  assert.equal(server.stats.rejected.ERR_MESSAGE_TOO_LONG, 2);
});

test('invalid UTF-8 is journaled losslessly as b64', async () => {
  const bad = Buffer.from([0x61, 0xff, 0xfe, 0x62]);
  const { replies } = await exchange(port, Buffer.concat([bad, Buffer.from('\n')]), { halfClose: true });
  const seq = Number(/^ok (\d+)$/.exec(replies[0] ?? '')?.[1]);
  const rec = (await readJournal(file)).find((r) => r.seq === seq);
  assert.equal(rec?.b64, bad.toString('base64'));
  assert.equal(rec?.msg, undefined);
});

test('half-close: a client that shuts down its write side right after sending still gets every reply, then the server closes', async () => {
  const lines = Array.from({ length: 2000 }, (_, i) => `h${i}`);
  const { replies, closedByServer } = await exchange(port, `${lines.join('\n')}\n`, { halfClose: true });
  assert.equal(replies.length, 2000);
  assert.ok(replies.every((r) => r.startsWith('ok ')));
  assert.ok(closedByServer);
});

test('a line cut off by the client half-closing is journaled with "partial":true and answered', async () => {
  const { replies } = await exchange(port, 'whole\ncut-off', { halfClose: true });
  assert.equal(replies.length, 2);
  const seq = Number(/^ok (\d+)$/.exec(replies[1] ?? '')?.[1]);
  const rec = (await readJournal(file)).find((r) => r.seq === seq);
  assert.deepEqual([rec?.msg, rec?.partial], ['cut-off', true]);
});

test('a line cut off by an abrupt disconnect is still journaled, marked partial', async () => {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  const local = `tcp:127.0.0.1:${sock.localPort}`;
  sock.write('abrupt-partial');
  await new Promise((r) => setTimeout(r, 50));
  sock.resetAndDestroy();
  await journalHas(local, 1);
  const [rec] = await recordsFor(local);
  assert.deepEqual([rec?.msg, rec?.partial], ['abrupt-partial', true]);
});

test('lines from concurrent clients never interleave inside a record', async () => {
  const clients = Array.from({ length: 20 }, (_, c) =>
    exchange(port, Array.from({ length: 200 }, (_, i) => `c${c}-${i}-${'z'.repeat(15 - `c${c}-${i}-`.length)}`).join('\n') + '\n', { halfClose: true }),
  );
  const results = await Promise.all(clients);
  for (const r of results) assert.equal(r.replies.length, 200);
  const records = await readJournal(file);
  for (let c = 0; c < 20; c++) {
    const mine = records.filter((r) => r.msg?.startsWith(`c${c}-`)).map((r) => r.msg);
    assert.deepEqual(
      mine,
      Array.from({ length: 200 }, (_, i) => `c${c}-${i}-${'z'.repeat(15 - `c${c}-${i}-`.length)}`),
    );
  }
});

async function journalHas(src: string, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await readJournal(file)).filter((r) => r.src === src).length >= n) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`journal never got ${n} records from ${src}`);
}

test('--ack off: nothing is sent back, everything is journaled', async () => {
  const t = await tempDir();
  const f = path.join(t.dir, 'j.jsonl');
  const j = await openJournal({ path: f });
  const s = new CollectorServer({ port: 0, ack: false, maxMessage: 8 }, j, silentLog);
  const p = (await s.listen()).port;
  try {
    const { replies, closedByServer } = await exchange(p, 'a\nb\nthis-is-too-long\nc', { halfClose: true });
    assert.deepEqual(replies, []);
    assert.ok(closedByServer);
    await s.batcher.drain();
    assert.deepEqual(
      (await readJournal(f)).map((r) => r.msg),
      ['a', 'b', 'c'],
    );
  } finally {
    s.closable.stopAccepting?.();
    await s.closable.drain?.(Date.now() + 1000);
    await j.close();
    await t.cleanup();
  }
});

test('submit(): the HTTP twin answers per message with the same limits', async () => {
  const results = await server.submit('http:127.0.0.1:1', [Buffer.from('via http'), Buffer.alloc(17, 0x41), Buffer.from('two')]);
  assert.equal(results.length, 3);
  assert.ok('seq' in results[0]! && 'seq' in results[2]!);
  assert.deepEqual(results[1], { code: 'ERR_MESSAGE_TOO_LONG', message: 'message longer than 16 bytes' });
  assert.deepEqual(await server.submit('http:x', []), []);
});
