// RFC 6587 octet counting and the per-connection framing detection: byte by byte, random splits, embedded LF, caps, bad frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OctetDecoder } from '../../src/protocol/octet-decoder.js';
import type { FrameSink } from '../../src/protocol/octet-decoder.js';
import { AutoFrameDecoder, createFrameDecoder, detectFraming, Framing } from '../../src/protocol/framing.js';
import type { FrameDecoder } from '../../src/protocol/framing.js';

type Event = { line: string } | { tooLong: number } | { bad: string } | { partial: string };

/** Decodes `input` cut at `splits`, overwriting every chunk after push() to prove no view into it is kept. */
function decode(make: () => FrameDecoder, input: Buffer, splits: number[], useSpan: boolean): Event[] {
  const d = make();
  const out: Event[] = [];
  const sink: FrameSink = {
    line: (b: Buffer) => out.push({ line: b.toString('latin1') }),
    tooLong: (n: number) => out.push({ tooLong: n }),
    badFrame: (reason: string) => out.push({ bad: reason.replace(/^.*: /, '') }),
  };
  // A sink that keeps spans (as the collector's queues do) and reads them only at the end.
  const kept: Array<[Buffer, number, number]> = [];
  if (useSpan) sink.span = (buf, start, end) => kept.push([buf, start, end]) > 0 && out.push({ line: '' }) > 0;
  let at = 0;
  for (const s of [...splits, input.length]) {
    const chunk = Buffer.from(input.subarray(at, s));
    let used = 0;
    while (used < chunk.length) used += d.push(chunk.subarray(used), sink);
    if (!useSpan) chunk.fill(0x2a);
    at = s;
  }
  const rest = d.end(sink);
  if (rest) out.push({ partial: rest.toString('latin1') });
  if (useSpan) {
    let k = 0;
    for (const e of out) if ('line' in e) e.line = kept[k]![0].toString('latin1', kept[k]![1], kept[k++]![2]);
  }
  return out;
}

function everySplit(make: () => FrameDecoder, input: Buffer, want: Event[]): void {
  for (const useSpan of [false, true]) {
    assert.deepEqual(decode(make, input, [], useSpan), want, 'whole');
    const bytewise = Array.from({ length: input.length }, (_, i) => i);
    assert.deepEqual(decode(make, input, bytewise, useSpan), want, 'byte by byte');
    let seed = 11;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    for (let trial = 0; trial < 200; trial++) {
      const cuts = new Set<number>();
      const count = 1 + rand(6);
      for (let i = 0; i < count; i++) cuts.add(rand(input.length + 1));
      const splits = [...cuts].sort((a, b) => a - b);
      assert.deepEqual(decode(make, input, splits, useSpan), want, `splits ${splits.join(',')}`);
    }
  }
}

const frame = (msg: string) => `${Buffer.byteLength(msg, 'latin1')} ${msg}`;

const octetCases: Array<{ name: string; input: string; want: Event[] }> = [
  { name: 'two frames', input: frame('<13>1 - - - - a') + frame('<13>b'), want: [{ line: '<13>1 - - - - a' }, { line: '<13>b' }] },
  { name: 'embedded LF kept', input: frame('<13>one\ntwo\nsix') + frame('<13>x'), want: [{ line: '<13>one\ntwo\nsix' }, { line: '<13>x' }] },
  { name: 'one trailing LF or CRLF dropped', input: frame('<13>a\n') + frame('<13>b\r\n'), want: [{ line: '<13>a' }, { line: '<13>b' }] },
  { name: 'LF between frames tolerated', input: `${frame('<13>a')}\n${frame('<13>b')}\r\n`, want: [{ line: '<13>a' }, { line: '<13>b' }] },
  { name: 'frame of exactly the cap', input: frame(`<1>${'x'.repeat(13)}`), want: [{ line: `<1>${'x'.repeat(13)}` }] },
  { name: 'oversized frame skipped by its length', input: frame(`<1>${'y'.repeat(40)}`) + frame('<13>ok'), want: [{ tooLong: 43 }, { line: '<13>ok' }] },
  { name: 'oversized frame cut off', input: `${frame('<13>ok')}100 <1>zz`, want: [{ line: '<13>ok' }, { tooLong: 100 }] },
  { name: 'body cut off is partial', input: `${frame('<13>ok')}12 <13>half`, want: [{ line: '<13>ok' }, { partial: '<13>half' }] },
  { name: 'malformed length ends the stream', input: `${frame('<13>ok')}x5 <13>abcd${frame('<13>lost')}`, want: [{ line: '<13>ok' }, { bad: 'expected a frame length (1-9 digits, no leading zero)' }] },
  { name: 'leading zero is malformed', input: '05 <13>a', want: [{ bad: 'expected a frame length (1-9 digits, no leading zero)' }] },
  { name: 'no space after the length', input: '5x<13>a', want: [{ bad: 'expected a space after the frame length' }] },
  { name: 'ten digits', input: '1234567890 <13>a', want: [{ bad: 'frame length has more than 9 digits' }] },
];

for (const c of octetCases) {
  test(`octet decoder: ${c.name}`, () => {
    everySplit(() => new OctetDecoder(16), Buffer.from(c.input, 'latin1'), c.want);
  });
}

test('framing detection: the rule and its edges', () => {
  const d = (s: string) => detectFraming(Buffer.from(s, 'latin1'));
  assert.equal(d('12 <13>'), 'octet');
  assert.equal(d('123456789 <'), 'octet');
  assert.equal(d('1234567890 <'), 'lf', 'ten digits are not a length');
  assert.equal(d('12 apples\n'), 'lf', 'digits and a space without < are a plain line');
  assert.equal(d('0 <'), 'lf', 'no leading zero');
  assert.equal(d('<13>hello'), 'lf');
  assert.equal(d('hello'), 'lf');
  assert.equal(d('12'), null);
  assert.equal(d('12 '), null);
  assert.equal(d(''), null);
});

const autoCases: Array<{ name: string; input: string; want: Event[] }> = [
  { name: 'octet frames with embedded LF', input: frame('<13>a\nb') + frame('<14>c'), want: [{ line: '<13>a\nb' }, { line: '<14>c' }] },
  { name: 'plain lines', input: 'hello\nworld\n', want: [{ line: 'hello' }, { line: 'world' }] },
  { name: 'lines starting with digits', input: '12 apples\n3 <pears\n', want: [{ line: '12 apples' }, { line: '3 <pears' }] },
  { name: 'LF-framed syslog', input: '<13>1 - h app - - - hi\n<13>x\n', want: [{ line: '<13>1 - h app - - - hi' }, { line: '<13>x' }] },
  { name: 'a lone number is a partial line', input: '42', want: [{ partial: '42' }] },
  { name: 'the first line decides for the whole connection', input: `a\n${frame('<13>b')}\n`, want: [{ line: 'a' }, { line: frame('<13>b') }] },
];

for (const c of autoCases) {
  test(`auto framing: ${c.name}`, () => {
    everySplit(() => new AutoFrameDecoder(64), Buffer.from(c.input, 'latin1'), c.want);
  });
}

test('auto framing: a sink that stops right after the held prefix gets the rest on the next push', () => {
  const d = new AutoFrameDecoder(64);
  const got: string[] = [];
  const sink: FrameSink = { line: (b) => got.push(b.toString()) && false, tooLong: () => assert.fail('not too long') };
  assert.equal(d.push(Buffer.from('1'), sink), 1, 'undecided bytes are taken');
  assert.equal(d.framing, null);
  const chunk = Buffer.from(' <2 <x');
  let used = d.push(chunk, sink);
  assert.equal(used, 2, 'stopped after the first frame');
  assert.equal(d.framing, 'octet');
  while (used < chunk.length) used += d.push(chunk.subarray(used), sink);
  assert.deepEqual(got, ['<', '<x']);
});

test('createFrameDecoder honours --framing', () => {
  const lines: string[] = [];
  const sink: FrameSink = { line: (b) => lines.push(b.toString()), tooLong: () => {}, badFrame: (r) => lines.push(`bad ${r.length > 0}`) };
  createFrameDecoder(Framing.LF, 64).push(Buffer.from('5 <13>x\n'), sink);
  createFrameDecoder(Framing.OCTET, 64).push(Buffer.from('hello\n'), sink);
  createFrameDecoder(Framing.AUTO, 64).push(Buffer.from('5 <13>x'), sink);
  assert.deepEqual(lines, ['5 <13>x', 'bad true', '<13>x']);
});
