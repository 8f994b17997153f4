// The one ingest path for byte streams: caps checked per line, held input decoded first on resume, WRITE holds decoding, end/close journal everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { Batcher } from '../../src/collector/batcher.js';
import { LineSource } from '../../src/collector/line-source.js';
import type { LineInput } from '../../src/collector/line-source.js';
import type { MessageInput, Sink } from '../../src/journal/sink.js';

/** A sink that journals in memory and answers every append on the next tick. */
class MemorySink implements Sink {
  records: Array<{ msg: string; partial: boolean }> = [];
  async append(batch: MessageInput[]): Promise<number> {
    const first = this.records.length + 1;
    for (const m of batch) this.records.push({ msg: m.msg.toString(), partial: m.partial === true });
    return first;
  }
  async close(): Promise<void> {}
}

/** A transport that records what the LineSource asks of it. */
function fakeInput(writable = true): LineInput & { paused: boolean; text: string; settledCount: number; writable: boolean } {
  const input = {
    paused: false,
    text: '',
    settledCount: 0,
    writable,
    pause: () => void (input.paused = true),
    resume: () => void (input.paused = false),
    write: (b: Buffer) => ((input.text += b.toString()), input.writable),
    settled: () => void input.settledCount++,
  };
  return input;
}

async function settleAll(b: Batcher): Promise<void> {
  for (let i = 0; i < 50 && !b.idle; i++) await b.drain();
}

test('at its message cap the source stops mid-chunk, pauses the input, and decodes the held rest first once answered', async () => {
  const sink = new MemorySink();
  const b = new Batcher(sink, { maxSourceMessages: 4 });
  const input = fakeInput();
  const ls = new LineSource(b, 't', input, { maxMessage: 100, ack: true });
  ls.data(Buffer.from('1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n'));
  assert.equal(input.paused, true, 'paused at the fourth line');
  assert.equal(b.stats.queuedMessages, 4);
  assert.ok(ls.busy);
  await settleAll(b);
  assert.equal(input.paused, false, 'resumed once the held input is decoded');
  assert.deepEqual(
    sink.records.map((r) => r.msg),
    ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'],
  );
  assert.equal(input.text, Array.from({ length: 10 }, (_, i) => `ok ${i + 1}\n`).join(''));
  assert.ok(b.stats.peakQueuedMessages <= 4);
});

test('while replies cannot be written (WRITE), held input is not decoded; drain lets it through', async () => {
  const sink = new MemorySink();
  const b = new Batcher(sink, { maxSourceMessages: 2 });
  const input = fakeInput(false);
  const ls = new LineSource(b, 't', input, { maxMessage: 100, ack: true });
  ls.data(Buffer.from('a\nb\nc\nd\n'));
  await settleAll(b);
  assert.deepEqual(
    sink.records.map((r) => r.msg),
    ['a', 'b'],
  );
  assert.equal(input.paused, true);
  input.writable = true;
  ls.writable();
  await settleAll(b);
  assert.deepEqual(
    sink.records.map((r) => r.msg),
    ['a', 'b', 'c', 'd'],
  );
  assert.equal(input.paused, false);
});

test('end of input with held bytes: every held line, then the cut-off line as partial, then settled', async () => {
  const sink = new MemorySink();
  const b = new Batcher(sink, { maxSourceMessages: 2 });
  const input = fakeInput();
  const ls = new LineSource(b, 't', input, { maxMessage: 100, ack: true });
  ls.data(Buffer.from('a\nb\nc\nd\ncut'));
  ls.end();
  assert.equal(sink.records.length, 0, 'the partial line waits for the held lines');
  await settleAll(b);
  assert.deepEqual(
    sink.records.map((r) => [r.msg, r.partial]),
    [
      ['a', false],
      ['b', false],
      ['c', false],
      ['d', false],
      ['cut', true],
    ],
  );
  assert.ok(input.settledCount >= 1);
  assert.equal(ls.busy, false);
});

test('a closed peer gets no replies, but what it sent (held bytes too) is journaled', async () => {
  const sink = new MemorySink();
  const b = new Batcher(sink, { maxSourceMessages: 1 });
  const input = fakeInput(false);
  const ls = new LineSource(b, 't', input, { maxMessage: 4, ack: true });
  ls.data(Buffer.from('a\ntoo long\nb\npart'));
  await tick();
  ls.close();
  await settleAll(b);
  assert.deepEqual(
    sink.records.map((r) => [r.msg, r.partial]),
    [
      ['a', false],
      ['b', false],
      ['part', true],
    ],
  );
  assert.equal(b.stats.rejected.ERR_MESSAGE_TOO_LONG, 1);
});
