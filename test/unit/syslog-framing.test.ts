// Syslog framing as the syslog port detects it: LF, CRLF, NUL trailers (Python's SysLogHandler), octet counting; byte by byte and in random splits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createFrameDecoder, Framing } from '../../src/protocol/framing.js';
import { Delimiters, LineDecoder } from '../../src/protocol/line-decoder.js';
import { datagramEnd } from '../../src/collector/udp-source.js';

type Event = { msg: string } | { tooLong: number } | { partial: string } | { bad: true };

/** Decodes `input` cut at `splits` with the syslog port's decoder; overwrites every chunk after push(). */
function decode(input: Buffer, splits: number[], max = 40): Event[] {
  const d = createFrameDecoder(Framing.AUTO, max, Delimiters.SYSLOG);
  const out: Event[] = [];
  const sink = {
    line: (b: Buffer) => out.push({ msg: b.toString('latin1') }),
    tooLong: (n: number) => out.push({ tooLong: n }),
    badFrame: () => out.push({ bad: true }),
  };
  let at = 0;
  for (const s of [...splits, input.length]) {
    const chunk = Buffer.from(input.subarray(at, s));
    let used = 0;
    while (used < chunk.length) used += d.push(chunk.subarray(used), sink);
    chunk.fill(0x2a); // no view into a chunk may outlive push()
    at = s;
  }
  const rest = d.end(sink);
  if (rest) out.push({ partial: rest.toString('latin1') });
  return out;
}

function everySplit(input: Buffer, max = 40): Event[] {
  const whole = decode(input, [], max);
  assert.deepEqual(decode(input, Array.from({ length: input.length }, (_, i) => i), max), whole, 'byte by byte');
  let seed = 11;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let trial = 0; trial < 200; trial++) {
    const cuts = new Set<number>();
    for (let i = rand(6); i > 0; i--) cuts.add(rand(input.length + 1));
    const splits = [...cuts].sort((a, b) => a - b);
    assert.deepEqual(decode(input, splits, max), whole, `splits ${splits.join(',')}`);
  }
  return whole;
}

const cases: Array<{ name: string; input: string; want: Event[] }> = [
  { name: 'LF lines', input: '<13>a\n<13>bb\n', want: [{ msg: '<13>a' }, { msg: '<13>bb' }] },
  { name: 'CRLF lines', input: '<13>a\r\n<13>b\r\n', want: [{ msg: '<13>a' }, { msg: '<13>b' }] },
  {
    name: 'issue 14: NUL trailers (Python SysLogHandler over TCP) are separate messages, not one partial record',
    input: '<14>one\0<14>two\0<14>three\0<14>four\0<14>five\0',
    want: ['one', 'two', 'three', 'four', 'five'].map((w) => ({ msg: `<14>${w}` })),
  },
  {
    name: 'a NUL-framed connection keeps LFs inside a message (a traceback is one record)',
    input: '<11>first\0<11>Traceback:\n  File x\nValueError\0',
    want: [{ msg: '<11>first' }, { msg: '<11>Traceback:\n  File x\nValueError' }],
  },
  { name: 'LF or CRLF right before a NUL is cut', input: '<11>a\n\0<11>b\r\n\0', want: [{ msg: '<11>a' }, { msg: '<11>b' }] },
  {
    name: 'an LF-first connection still splits at a stray NUL (never glues two messages)',
    input: '<11>a\n<11>b\0<11>c\n',
    want: [{ msg: '<11>a' }, { msg: '<11>b' }, { msg: '<11>c' }],
  },
  { name: 'octet counting is detected and may carry LF and NUL', input: '9 <13>a\nb\0c5 <13>d', want: [{ msg: '<13>a\nb\0c' }, { msg: '<13>d' }] },
  { name: 'an oversized NUL message is skipped to its NUL', input: `<11>${'x'.repeat(40)}\0<11>ok\0`, want: [{ tooLong: 44 }, { msg: '<11>ok' }] },
  { name: 'an unfinished NUL message is partial at the end', input: '<11>a\0<11>cut', want: [{ msg: '<11>a' }, { partial: '<11>cut' }] },
  { name: 'empty messages between trailers are skipped', input: '\0\0<11>x\0\0', want: [{ msg: '<11>x' }] },
];

for (const c of cases) {
  test(`syslog framing: ${c.name}`, () => {
    assert.deepEqual(everySplit(Buffer.from(c.input, 'latin1')), c.want);
  });
}

test('syslog framing: 20,000 LF messages without a NUL scan their chunk for NUL once, not once per message', () => {
  // Pins the cached NUL position: a chunk of 20,000 lines decodes with one indexOf(NUL) over it.
  const lines = Array.from({ length: 20_000 }, (_, i) => `<13>m${i}\n`).join('');
  const chunk = Buffer.from(lines);
  let calls = 0;
  const original = Buffer.prototype.indexOf;
  Buffer.prototype.indexOf = function (this: Buffer, value: unknown, ...rest: unknown[]) {
    if (value === 0) calls++;
    return original.call(this, value as number, ...(rest as [number]));
  } as typeof Buffer.prototype.indexOf;
  let n = 0;
  try {
    new LineDecoder(64, Delimiters.SYSLOG).push(chunk, { line: () => n++, tooLong: () => {} });
  } finally {
    Buffer.prototype.indexOf = original;
  }
  assert.equal(n, 20_000);
  assert.equal(calls, 1);
});

test('the muxd port keeps LF-only framing: a NUL is part of the line', () => {
  const out: string[] = [];
  new LineDecoder(64).push(Buffer.from('a\0b\n'), { line: (b) => out.push(b.toString('latin1')), tooLong: () => {} });
  assert.deepEqual(out, ['a\0b']);
});

test('UDP: a trailing NUL, LF, CRLF or LF+NUL is cut from a datagram (issue 14: msg kept a trailing \\u0000)', () => {
  const cut = (s: string) => Buffer.from(s, 'latin1').subarray(0, datagramEnd(Buffer.from(s, 'latin1'))).toString('latin1');
  assert.equal(cut('<14>py\0'), '<14>py');
  assert.equal(cut('<14>a\n'), '<14>a');
  assert.equal(cut('<14>a\r\n'), '<14>a');
  assert.equal(cut('<14>a\n\0'), '<14>a');
  assert.equal(cut('<14>a\0b'), '<14>a\0b');
  assert.equal(cut('\0'), '');
});
