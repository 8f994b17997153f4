// The fair batcher: per-source budget per batch, batch caps, ordered replies (errors in place), ERR_IO, pause/resume at caps, charged bytes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Batcher } from '../../src/collector/batcher.js';
import { MESSAGE_OVERHEAD } from '../../src/collector/caps.js';
import type { SourceHandler } from '../../src/collector/source.js';
import { ReplyEncoder } from '../../src/protocol/replies.js';
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

/** A handler that encodes its answers as the TCP wire text and counts the other calls. */
function recorder(): SourceHandler & { text: string; pauses: number; resumes: number; settledCount: number } {
  const enc = new ReplyEncoder();
  const h = {
    text: '',
    pauses: 0,
    resumes: 0,
    settledCount: 0,
    ok: (first: number, count: number) => enc.ok(first, count),
    error: (code: string, reason: string, count: number) => enc.error(code, reason, count),
    flush: () => (h.text += enc.take().toString('utf8')),
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

test('a source with long lines gets about `budgetBytes` per batch; a paced source rides along in the same batch', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { budget: 1000, budgetBytes: 250, maxInflight: 1 });
  const flood = b.createSource('flood', recorder());
  const paced = b.createSource('paced', recorder());
  for (let i = 0; i < 20; i++) flood.push(Buffer.alloc(100, 0x66));
  paced.push(Buffer.from('p'));
  b.kick();
  await tick();
  const first = sink.pending[0]!.batch;
  // 0, 100 and 200 bytes taken are below the budget, so the third line still goes in; the fourth waits.
  assert.equal(first.filter((m) => m.src === 'flood').length, 3);
  assert.deepEqual(first.filter((m) => m.src === 'paced').map((m) => m.msg.toString()), ['p']);
  sink.ok();
  await tick();
  assert.equal(sink.pending[0]!.batch.length, 3, 'the rest of the long lines waits, 3 per batch');
  const huge = new Batcher(new ManualSink(), { budgetBytes: 10, maxInflight: 1 });
  const big = huge.createSource('big', recorder());
  big.push(Buffer.alloc(1000));
  big.push(Buffer.alloc(1000));
  huge.kick();
  await tick();
  assert.equal((huge as unknown as { sink: ManualSink }).sink.pending[0]!.batch.length, 1, 'a line longer than the budget still goes, alone');
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
  s.refuse('ERR_MESSAGE_TOO_LONG', 'message longer than 5 bytes');
  s.push(Buffer.from('b'));
  s.push(Buffer.from('c'));
  s.refuse('ERR_MESSAGE_TOO_LONG', 'again');
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
  const peakBytes = 3 * (1 + MESSAGE_OVERHEAD) + ('message longer than 5 bytes'.length + MESSAGE_OVERHEAD) + ('again'.length + MESSAGE_OVERHEAD);
  assert.deepEqual(b.stats, {
    received: 3,
    acked: 3,
    rejected: { ERR_MESSAGE_TOO_LONG: 2 },
    queuedMessages: 0,
    queuedBytes: 0,
    peakQueuedMessages: 5,
    peakQueuedBytes: peakBytes,
  });
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

test('a source pauses at its message cap (push says stop) and resumes at half of it', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { maxSourceMessages: 4, budget: 100, maxInflight: 1 });
  const h = recorder();
  const s = b.createSource('s', h);
  assert.deepEqual(
    [1, 2, 3, 4].map(() => s.push(Buffer.from('m'))),
    [true, true, true, false],
  );
  assert.equal(h.pauses, 1);
  assert.equal(s.push(Buffer.from('m')), false, 'a paused source keeps saying stop');
  assert.equal(h.pauses, 1, 'pause is signalled once');
  b.kick();
  await tick();
  sink.ok();
  await tick();
  await tick();
  assert.equal(h.resumes, 1);
});

test('each message is charged MESSAGE_OVERHEAD toward the per-source byte cap (regression: tiny lines counted 2 bytes each)', () => {
  const b = new Batcher(new ManualSink(), { maxSourceBytes: 10 * (2 + MESSAGE_OVERHEAD), maxSourceMessages: 1_000_000 });
  const h = recorder();
  const s = b.createSource('s', h);
  let pushed = 0;
  while (s.push(Buffer.from('a\n'))) pushed++;
  assert.equal(pushed + 1, 10, 'the tenth two-byte message reaches the cap');
  assert.equal(h.pauses, 1);
  assert.equal(b.stats.queuedBytes, 10 * (2 + MESSAGE_OVERHEAD));
});

test('the global byte cap pauses every source that pushes and resumes them together', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { maxPendingBytes: 2 * MESSAGE_OVERHEAD + 120, maxInflight: 1 });
  const hs = [recorder(), recorder()];
  const ss = hs.map((h, i) => b.createSource(`s${i}`, h));
  assert.equal(ss[0]!.push(Buffer.alloc(80)), true);
  assert.equal(ss[1]!.push(Buffer.alloc(40)), false, 'this one reaches the global cap');
  assert.deepEqual(
    hs.map((h) => h.pauses),
    [0, 1],
  );
  assert.equal(ss[0]!.push(Buffer.alloc(1)), false);
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
  s.refuse('ERR_MESSAGE_TOO_LONG', 'x');
  b.kick();
  await tick();
  assert.equal(sink.pending[0]!.batch.length, 1);
  sink.ok();
  await b.drain();
  assert.equal(h.text, '');
  assert.equal(h.settledCount, 1);
});

test('a source queue wraps around its ring and grows while wrapped without reordering anything', async () => {
  const sink = new ManualSink();
  const b = new Batcher(sink, { budget: 3, maxInflight: 1 });
  const h = recorder();
  const s = b.createSource('s', h);
  let n = 0;
  const push = (k: number): void => {
    for (let i = 0; i < k; i++) s.push(Buffer.from(`m${++n}`));
  };
  const journaled: string[] = [];
  const step = async (): Promise<void> => {
    b.kick();
    await tick();
    journaled.push(...sink.pending[0]!.batch.map((m) => m.msg.toString()));
    sink.ok();
    await tick();
    await tick();
  };
  push(6);
  await step(); // answers m1..m3: the ring's head moves to slot 3
  push(5); // m7..m11 fill slots 6, 7, then wrap to 0, 1, 2: the ring of 8 is full
  push(4); // grows to 16 while wrapped
  while (s.outstanding > 0) await step();
  assert.deepEqual(
    journaled,
    Array.from({ length: 15 }, (_, i) => `m${i + 1}`),
  );
  assert.equal(h.text, Array.from({ length: 15 }, (_, i) => `ok ${i + 1}\n`).join(''));
  assert.equal(b.stats.queuedMessages, 0);
});
