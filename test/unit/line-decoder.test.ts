// The pure line decoder: byte-by-byte and random chunk splits, CRLF, empty lines, oversized lines, invalid UTF-8.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LineDecoder } from '../../src/protocol/line-decoder.js';

type Event = { line: string } | { tooLong: number } | { partial: string };

function decode(input: Buffer, splits: number[], max = 16): Event[] {
  const d = new LineDecoder(max);
  const out: Event[] = [];
  const sink = {
    line: (b: Buffer) => out.push({ line: b.toString('latin1') }),
    tooLong: (n: number) => out.push({ tooLong: n }),
  };
  let at = 0;
  for (const s of [...splits, input.length]) {
    const chunk = Buffer.from(input.subarray(at, s));
    d.push(chunk, sink);
    chunk.fill(0x2a); // the decoder must not keep views into a chunk after push() returns
    at = s;
  }
  const rest = d.end(sink);
  if (rest) out.push({ partial: rest.toString('latin1') });
  return out;
}

function everySplit(input: Buffer, max = 16): void {
  const whole = decode(input, [], max);
  const bytewise = decode(input, Array.from({ length: input.length }, (_, i) => i), max);
  assert.deepEqual(bytewise, whole, 'byte by byte');
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let trial = 0; trial < 200; trial++) {
    const cuts = new Set<number>();
    const count = rand(6);
    for (let i = 0; i < count; i++) cuts.add(rand(input.length + 1));
    const splits = [...cuts].sort((a, b) => a - b);
    assert.deepEqual(decode(input, splits, max), whole, `splits ${splits.join(',')}`);
  }
}

const cases: Array<{ name: string; input: string; want: Event[] }> = [
  { name: 'plain lines', input: 'a\nbb\nccc\n', want: [{ line: 'a' }, { line: 'bb' }, { line: 'ccc' }] },
  { name: 'CRLF stripped', input: 'a\r\nb\r\n', want: [{ line: 'a' }, { line: 'b' }] },
  { name: 'only the CR before LF is stripped', input: 'a\rb\r\r\n', want: [{ line: 'a\rb\r' }] },
  { name: 'empty lines skipped', input: '\n\r\n\nx\n\n', want: [{ line: 'x' }] },
  { name: 'partial tail returned', input: 'a\nhalf', want: [{ line: 'a' }, { partial: 'half' }] },
  { name: 'line of exactly the cap', input: `${'x'.repeat(16)}\n`, want: [{ line: 'x'.repeat(16) }] },
  { name: 'line of exactly the cap with CRLF', input: `${'x'.repeat(16)}\r\n`, want: [{ line: 'x'.repeat(16) }] },
  { name: 'one over the cap', input: `${'x'.repeat(17)}\nok\n`, want: [{ tooLong: 17 }, { line: 'ok' }] },
  { name: 'far over the cap, then usable', input: `${'y'.repeat(100)}\nnext\n`, want: [{ tooLong: 100 }, { line: 'next' }] },
  { name: 'oversized unfinished tail', input: `ok\n${'z'.repeat(40)}`, want: [{ line: 'ok' }, { tooLong: 40 }] },
];

for (const c of cases) {
  test(`line decoder: ${c.name}`, () => {
    assert.deepEqual(decode(Buffer.from(c.input, 'latin1'), []), c.want);
    everySplit(Buffer.from(c.input, 'latin1'));
  });
}

test('line decoder: invalid UTF-8 bytes pass through unchanged', () => {
  const bad = Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0x28, 0x0a, 0xe2, 0x82, 0x0a]);
  const d = new LineDecoder(64);
  const lines: Buffer[] = [];
  d.push(bad, { line: (b) => lines.push(Buffer.from(b)), tooLong: () => assert.fail('not too long') });
  assert.deepEqual(lines, [Buffer.from([0xff, 0xfe, 0x41, 0xc3, 0x28]), Buffer.from([0xe2, 0x82])]);
  everySplit(bad, 64);
});

test('line decoder: carries at most the cap plus one byte between chunks', () => {
  const d = new LineDecoder(1024);
  let tooLong = 0;
  const sink = { line: () => assert.fail('no line expected'), tooLong: (n: number) => (tooLong = n) };
  for (let i = 0; i < 10_000; i++) d.push(Buffer.alloc(1000, 0x61), sink);
  assert.equal(d.hasPartial, false, 'the oversized line is being discarded, not held');
  d.push(Buffer.from('\n'), sink);
  assert.equal(tooLong, 10_000_000);
});

test('line decoder: rejects a nonsensical cap', () => {
  assert.throws(() => new LineDecoder(0), RangeError);
});

/** Decodes like `decode`, but the sink says stop after every `every`-th event; the unconsumed rest is fed again. */
function decodeStopping(input: Buffer, splits: number[], every: number, max = 16): { events: Event[]; stops: number } {
  const d = new LineDecoder(max);
  const out: Event[] = [];
  let n = 0;
  let stops = 0;
  const more = (): boolean => ++n % every !== 0;
  const sink = {
    line: (b: Buffer) => (out.push({ line: b.toString('latin1') }), more()),
    tooLong: (len: number) => (out.push({ tooLong: len }), more()),
  };
  let at = 0;
  for (const s of [...splits, input.length]) {
    let chunk = Buffer.from(input.subarray(at, s));
    for (;;) {
      const used = d.push(chunk, sink);
      assert.ok(used >= 0 && used <= chunk.length);
      if (used === chunk.length) break;
      stops++;
      assert.equal(chunk[used - 1], 0x0a, 'it stops right after a line feed');
      chunk = chunk.subarray(used);
    }
    at = s;
  }
  const rest = d.end(sink);
  if (rest) out.push({ partial: rest.toString('latin1') });
  return { events: out, stops };
}

test('line decoder: a sink that says stop halts mid-chunk; feeding the rest later gives the same lines (byte by byte and random splits)', () => {
  const input = Buffer.from(`a\nbb\r\n\n${'x'.repeat(20)}\nccc\nd\ne\nf\n${'y'.repeat(17)}\ntail`, 'latin1');
  const whole = decode(input, []);
  for (const every of [1, 2, 3]) {
    const once = decodeStopping(input, [], every);
    assert.deepEqual(once.events, whole, `stop every ${every}`);
    assert.ok(once.stops > 0);
    const bytewise = Array.from({ length: input.length }, (_, i) => i);
    assert.deepEqual(decodeStopping(input, bytewise, every).events, whole, `byte by byte, stop every ${every}`);
    let seed = 11;
    const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % k);
    for (let trial = 0; trial < 200; trial++) {
      const splits = [...new Set(Array.from({ length: rand(6) }, () => rand(input.length + 1)))].sort((x, y) => x - y);
      assert.deepEqual(decodeStopping(input, splits, every).events, whole, `splits ${splits.join(',')}, stop every ${every}`);
    }
  }
});

test('line decoder: a sink with span() gets the same lines as offsets, byte by byte and in random splits', () => {
  const input = Buffer.from(`a\nbb\r\n\n${'x'.repeat(20)}\nccc\r\nd\n${'y'.repeat(16)}\r\ntail`, 'latin1');
  const viaSpans = (splits: number[]): Event[] => {
    const d = new LineDecoder(16);
    const out: Event[] = [];
    const sink = {
      line: () => assert.fail('span() is used instead'),
      span: (buf: Buffer, start: number, end: number) => out.push({ line: buf.toString('latin1', start, end) }),
      tooLong: (n: number) => out.push({ tooLong: n }),
    };
    let at = 0;
    for (const s of [...splits, input.length]) {
      const chunk = Buffer.from(input.subarray(at, s));
      d.push(chunk, sink);
      chunk.fill(0x2a);
      at = s;
    }
    const rest = d.end(sink);
    if (rest) out.push({ partial: rest.toString('latin1') });
    return out;
  };
  const whole = decode(input, []);
  assert.deepEqual(viaSpans([]), whole);
  assert.deepEqual(
    viaSpans(Array.from({ length: input.length }, (_, i) => i)),
    whole,
  );
  let seed = 3;
  const rand = (k: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % k);
  for (let trial = 0; trial < 200; trial++) {
    const splits = [...new Set(Array.from({ length: rand(6) }, () => rand(input.length + 1)))].sort((x, y) => x - y);
    assert.deepEqual(viaSpans(splits), whole, `splits ${splits.join(',')}`);
  }
});
