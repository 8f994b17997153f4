// The fair batcher: per-source budget per batch, batch caps, ordered replies (errors in place), ERR_IO, pause/resume at caps.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Batcher } from '../../src/collector/batcher.js';
import type { SourceHandler } from '../../src/collector/batcher.js';
import { IoError } from '../../src/errors.js';
import type { MessageInput, Sink } from '../../src/journal/sink.js';

/** A sink whose appends the test settles by hand. */
class ManualSink implements Sink {
  seq = 0;
  pending: Array<{ batch: MessageInput[]; resolve: (n: number) => void; reject: (e: Error) => void }> = [];
  append(batch: MessageInput[]): Promise<number> {
    return new Promise((resolve, reject) => this.pending.push({ batch, resolve, reject }));
  }
  /** Settles the oldest pending append (or the one at `index`). */
  ok(index = 0): void {
    const [p] = this.pending.splice(index, 1);
    const first = this.seq + 1;
    this.seq += p!.batch.length;
    p!.resolve(first);
  }
  fail(): void {
    this.pending.shift()!.reject(new IoError('fdatasync failed'));
  }
  async close(): Promise<void> {}
}

function recorder(): SourceHandler & { text: string; pauses: number; resumes: number; settledCount: number } {
  const h = {
    text: '',
    pauses: 0,
    resumes: 0,
    settledCount: 0,
    reply: (lines: Buffer) => (h.text += lines.toString('utf8')),
    pause: () => h.pauses++,
    resume: () => h.resumes++,
    settled: () => h.settledCount++,
  };
  return h;
}

test('a flooding source gets at most `budget` messages per batch; the others ride along in the same batch', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { budget: 10, maxInflight: 1 });
  const flood = b.createSource('flood', recorder());
  const paced = [b.createSource('p1', recorder()), b.createSource('p2', recorder())];
  for (let i = 0; i < 1000; i++) flood.push(Buffer.from(`f${i}`));
  for (const p of paced) p.push(Buffer.from(p.src));
  b.kick();
  await tick();
  assert.equal(sink.pending.length, 1);
  const first = sink.pending[0]!.batch;
  assert.equal(first.filter((m) => m.src === 'flood').length, 10);
  assert.deepEqual(
    first.filter((m) => m.src !== 'flood').map((m) => m.src),
    ['p1', 'p2'],
  );
  sink.ok();
  await tick();
  assert.equal(sink.pending[0]!.batch.length, 10, 'the flooder waits for the next batch, 10 at a time');
});

test('a batch closes at maxBatchMessages / maxBatchBytes; the rest waits its turn', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { budget: 100, maxBatchMessages: 5, maxBatchBytes: 1_000_000, maxInflight: 1 });
  const sources = Array.from({ length: 4 }, (_, i) => b.createSource(`s${i}`, recorder()));
  for (const s of sources) for (let i = 0; i < 3; i++) s.push(Buffer.from('x'));
  b.kick();
  await tick();
  assert.equal(sink.pending[0]!.batch.length, 5);
  sink.ok();
  await tick();
  assert.equal(sink.pending[0]!.batch.length, 5);
  sink.ok();
  await tick();
  assert.equal(sink.pending[0]!.batch.length, 2);
  const small = new Batcher(new ManualSink(), { maxBatchBytes: 10, maxInflight: 1 });
  const s = small.createSource('s', recorder());
  for (let i = 0; i < 5; i++) s.push(Buffer.alloc(4));
  small.kick();
  await tick();
  assert.equal((small as unknown as { sink: ManualSink }).sink.pending[0]!.batch.length, 3);
});

test('replies keep the order of the input, errors in place, across batches', async () => {
  const sink = new ManualSink();
  sink.seq = 99;
  const b = new Batcher(sink, { budget: 2 });
  const h = recorder();
  const s = b.createSource('s', h);
  s.push(Buffer.from('a'));
  s.pushError('ERR_MESSAGE_TOO_LONG', 'message longer than 5 bytes');
  s.push(Buffer.from('b'));
  s.push(Buffer.from('c'));
  s.pushError('ERR_MESSAGE_TOO_LONG', 'again');
  b.kick();
  await tick();
  while (sink.pending.length > 0) {
    sink.ok();
    await tick();
    await tick();
  }
  assert.equal(h.text, 'ok 100\nerror ERR_MESSAGE_TOO_LONG message longer than 5 bytes\nok 101\nok 102\nerror ERR_MESSAGE_TOO_LONG again\n');
  assert.equal(h.settledCount, 1);
  assert.ok(b.idle);
  assert.deepEqual(b.stats, { received: 3, acked: 3, rejected: { ERR_MESSAGE_TOO_LONG: 2 } });
});

test('a sink that answers out of order still yields in-order replies', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { budget: 1, maxInflight: 2 });
  const h = recorder();
  const s = b.createSource('s', h);
  s.push(Buffer.from('a'));
  b.kick();
  await tick();
  s.push(Buffer.from('b'));
  b.kick();
  await tick();
  assert.equal(sink.pending.length, 2);
  sink.seq = 1;
  sink.ok(1); // batch 2 gets seq 2 first
  await tick();
  assert.equal(h.text, '', 'no reply may overtake an earlier one');
  sink.seq = 0;
  sink.ok(0);
  await tick();
  await tick();
  assert.equal(h.text, 'ok 1\nok 2\n');
});

test('a failed append answers each of its messages ERR_IO and the next batch goes through', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { maxInflight: 1 });
  const h = recorder();
  const s = b.createSource('s', h);
  s.push(Buffer.from('a'));
  s.push(Buffer.from('b'));
  b.kick();
  await tick();
  sink.fail();
  await tick();
  await tick();
  assert.equal(h.text, 'error ERR_IO journal write failed; message not stored, resend it\n'.repeat(2));
  s.push(Buffer.from('c'));
  b.kick();
  await tick();
  sink.ok();
  await tick();
  await tick();
  assert.match(h.text, /ok 1\n$/);
  assert.deepEqual(b.stats.rejected, { ERR_IO: 2 });
});

test('a source pauses past its caps and resumes below half of them', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { maxSourceMessages: 4, budget: 100, maxInflight: 1 });
  const h = recorder();
  const s = b.createSource('s', h);
  for (let i = 0; i < 5; i++) s.push(Buffer.from('m'));
  s.checkCaps();
  assert.equal(h.pauses, 1);
  s.checkCaps();
  assert.equal(h.pauses, 1, 'pause is signalled once');
  b.kick();
  await tick();
  sink.ok();
  await tick();
  await tick();
  assert.equal(h.resumes, 1);
});

test('the global byte cap pauses every source that pushes and resumes them together', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { maxPendingBytes: 100, maxInflight: 1 });
  const hs = [recorder(), recorder()];
  const ss = hs.map((h, i) => b.createSource(`s${i}`, h));
  ss[0]!.push(Buffer.alloc(80));
  ss[0]!.checkCaps();
  ss[1]!.push(Buffer.alloc(40));
  ss[1]!.checkCaps();
  assert.deepEqual(
    hs.map((h) => h.pauses),
    [0, 1],
  );
  ss[0]!.push(Buffer.alloc(1));
  ss[0]!.checkCaps();
  assert.deepEqual(
    hs.map((h) => h.pauses),
    [1, 1],
  );
  b.kick();
  await tick();
  sink.ok();
  await tick();
  await tick();
  assert.deepEqual(
    hs.map((h) => h.resumes),
    [1, 1],
  );
});

test('with acks off nothing is written back, but the messages are journaled and settle', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink);
  const h = recorder();
  const s = b.createSource('s', h, false);
  s.push(Buffer.from('a'));
  s.pushError('ERR_MESSAGE_TOO_LONG', 'x');
  b.kick();
  await tick();
  assert.equal(sink.pending[0]!.batch.length, 1);
  sink.ok();
  await b.drain();
  assert.equal(h.text, '');
  assert.equal(h.settledCount, 1);
});
