// The record encoder's fast path (one scan, one copy, counted-up seq digits, per-source heads) is byte-identical to its slow path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, RecordEncoder, recordBytes, scanMessage, toRecord } from '../../src/journal/record.js';
import type { MessageInput } from '../../src/journal/sink.js';
import { MessageBatch } from '../../src/journal/message-batch.js';

const TS = '2026-11-30T03:04:05.678Z';

let state = 20261130;
/** mulberry32: seeded, so a failure repeats; its low bits are as random as its high ones. */
function rand(n: number): number {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n >>> 0;
}

/** Random code points of every UTF-8 width (no surrogates), U+2028 and U+2029 included. */
function utf8Text(len: number): string {
  let s = '';
  while (Buffer.byteLength(s) < len) {
    const kind = rand(5);
    if (kind === 0) s += String.fromCharCode(0x20 + rand(95));
    else if (kind === 1) s += String.fromCharCode(0x80 + rand(0x780));
    else if (kind === 2) s += String.fromCharCode(0x800 + rand(0xd000 - 0x800));
    else if (kind === 3) s += String.fromCodePoint(0x10000 + rand(0x100000));
    else s += rand(2) === 0 ? '\u2028' : '\u2029';
  }
  return s;
}

const kinds = {
  ascii: (len: number) => Buffer.from(Array.from({ length: len }, () => 0x20 + rand(95)).map((b) => (b === 0x22 || b === 0x5c ? 0x41 : b))),
  escapes: (len: number) => Buffer.from(Array.from({ length: len }, () => [0x22, 0x5c, 0x41, 0x7f][rand(4)]!)),
  control: (len: number) => Buffer.from(Array.from({ length: len }, () => (rand(3) === 0 ? rand(0x20) : 0x61))),
  utf8: (len: number) => Buffer.from(utf8Text(len)),
  utf8WithEscapes: (len: number) => Buffer.from(`${utf8Text(len)}"\\\n${utf8Text(len)}`),
  invalidUtf8: (len: number) => {
    const b = Buffer.from(utf8Text(len));
    if (b.length > 0) b[rand(b.length)] = [0x80, 0xc0, 0xff, 0xed][rand(4)]!;
    else return Buffer.from([0xff]);
    return b;
  },
  truncatedUtf8: (len: number) => Buffer.from(`${'a'.repeat(len)}é`).subarray(0, len + 1),
  anyBytes: (len: number) => Buffer.from(Array.from({ length: len }, () => rand(256))),
};
const SOURCES = ['stdin', 'tcp:127.0.0.1:5000', 'tcp:[::1]:9', 'http:10.0.0.1:80', 'we"ird\\src', 'ünï\u2028src'];

/** Random messages of every kind, lengths 0 … 300 (every remainder of the four-byte scan step). */
function randomInputs(count: number): MessageInput[] {
  const names = Object.keys(kinds) as Array<keyof typeof kinds>;
  const out: MessageInput[] = [];
  for (let i = 0; i < count; i++) {
    const len = rand(8) === 0 ? rand(300) : rand(24);
    const m: MessageInput = { src: SOURCES[rand(4) === 0 ? rand(SOURCES.length) : i % 2]!, msg: kinds[names[rand(names.length)]!](len) };
    if (rand(10) === 0) m.partial = true;
    // Messages as views into a larger chunk, at odd offsets, like lines cut from a socket read.
    const chunk = Buffer.concat([Buffer.from('xyz'.slice(0, rand(3))), m.msg, Buffer.from('\n')]);
    out.push({ ...m, msg: chunk.subarray(chunk.length - 1 - m.msg.length, chunk.length - 1) });
  }
  return out;
}

function encodeWith(enc: RecordEncoder, firstSeq: number, inputs: MessageInput[], batch: boolean): Buffer {
  enc.begin(TS);
  if (batch) enc.addBatch(firstSeq, inputs);
  else inputs.forEach((m, i) => enc.add(firstSeq + i, m));
  const bytes = Buffer.from(enc.bytes());
  enc.reset();
  return bytes;
}

test('scanMessage: 0 only for printable ASCII without " and \\, HIGH for bytes >= 0x80, ESCAPE otherwise', () => {
  for (let b = 0; b < 256; b++) {
    const expected = b >= 0x80 ? 2 : b < 0x20 || b === 0x22 || b === 0x5c ? 1 : 0;
    for (const len of [1, 4, 5, 9]) {
      const msg = Buffer.alloc(len, 0x61);
      msg[len - 1] = b;
      assert.equal(scanMessage(msg), expected, `byte 0x${b.toString(16)} at the end of ${len}`);
      msg[len - 1] = 0x61;
      msg[0] = b;
      assert.equal(scanMessage(msg), expected, `byte 0x${b.toString(16)} at the start of ${len}`);
    }
  }
  assert.equal(scanMessage(Buffer.alloc(0)), 0);
});

test('fast path, add() and addBatch(), is byte-identical to the slow path on random inputs of every kind', () => {
  const fast = new RecordEncoder('json', 64);
  const slow = new RecordEncoder('json', 64, false);
  for (let round = 0; round < 40; round++) {
    const inputs = randomInputs(1 + rand(200));
    const first = 1 + rand(2) * rand(1_000_000);
    const reference = encodeWith(slow, first, inputs, false);
    assert.deepEqual(encodeWith(fast, first, inputs, false), reference, `add(), round ${round}`);
    assert.deepEqual(encodeWith(fast, first, inputs, true), reference, `addBatch(), round ${round}`);
  }
});

test('every fast-path line parses back to the record of its message (msg or b64, partial)', () => {
  const inputs = randomInputs(2000);
  const enc = new RecordEncoder('json');
  const bytes = encodeWith(enc, 7, inputs, true);
  const lines = bytes.toString('latin1').split('\n');
  assert.equal(lines.pop(), '');
  assert.equal(lines.length, inputs.length);
  lines.forEach((latin1, i) => {
    const rec = decodeRecord(Buffer.from(latin1, 'latin1'));
    assert.deepEqual(rec, toRecord(7 + i, TS, inputs[i]!));
    assert.deepEqual(recordBytes(rec), inputs[i]!.msg);
  });
});

test('seq digits counted up in place: carries at 9, 99, 999…, jumps, and widths up to 2^53 - 1', () => {
  const enc = new RecordEncoder('json', 64);
  const seqs = [1, 2, 9, 10, 11, 99, 100, 101, 999, 1000, 5, 6, 99_999_999, 100_000_000, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 2, 2 ** 53 - 1];
  enc.begin(TS);
  for (const seq of seqs) enc.add(seq, { src: 's', msg: Buffer.from('m') });
  const got = enc
    .bytes()
    .toString()
    .trimEnd()
    .split('\n')
    .map((l) => decodeRecord(l).seq);
  assert.deepEqual(got, seqs);
  enc.reset();
  enc.begin(TS);
  enc.addBatch(98, Array.from({ length: 5 }, () => ({ src: 's', msg: Buffer.from('m') })));
  assert.match(enc.bytes().toString(), /^\{"seq":98,.*\n\{"seq":99,.*\n\{"seq":100,.*\n\{"seq":101,.*\n\{"seq":102,/s);
});

test('per-source heads follow a new ts, and many sources in one batch stay right', () => {
  const enc = new RecordEncoder('json', 64);
  const inputs = Array.from({ length: 5000 }, (_, i) => ({ src: `tcp:10.0.${i % 250}.${i % 7}:${i}`, msg: Buffer.from(`m${i}`) }));
  enc.begin(TS);
  enc.addBatch(1, inputs);
  const first = enc.bytes().toString().trimEnd().split('\n');
  first.forEach((l, i) => assert.deepEqual(decodeRecord(l), toRecord(1 + i, TS, inputs[i]!)));
  enc.reset();
  const later = '2026-11-30T03:04:05.679Z';
  enc.begin(later);
  enc.add(5001, inputs[0]!);
  assert.equal(decodeRecord(enc.bytes().toString()).ts, later);
});

/**
 * Syslog headers of every shape the field writer meets: nil fields, SD (a name that is an array index, which
 * JSON.stringify writes first; repeated names), tokens with `"` or `\`, RFC 3164 tags with high bytes.
 */
function syslogHeader(i: number): Buffer {
  const pri = `<${rand(192)}>`;
  const app = ['app', 'a"pp', 'a\\pp', '-'][rand(4)]!;
  const shapes = [
    () => `${pri}1 2026-11-30T03:04:05Z host ${app} ${i} - - `,
    () => `${pri}1 - - - - - - `,
    () => `${pri}1 2026-11-30T03:04:05.123+01:00 h"st ${app} - ID${i} [x@1 k="v\\"q" k="w"][y@2] `,
    () => `${pri}Nov  3 04:05:06 box ${app}[${i}]: `,
    () => `${pri}1 2026-11-30T03:04:05Z host ${app} ${i} ID [meta@1 client="${i}" seq="${rand(9)}"][e@2][n@3 z="1" ${['9', 'nine'][rand(2)]}="${['a', 'x"y', 'é'][rand(3)]}"] `,
  ];
  const text = Buffer.from(shapes[rand(shapes.length)]!(), 'latin1');
  // A high byte in an RFC 3164 tag: JSON.stringify writes the latin1 character as UTF-8.
  return rand(8) === 0 ? Buffer.concat([Buffer.from(`${pri}Nov  3 04:05:06 box t`), Buffer.from([0xe9]), Buffer.from(': ')]) : text;
}

/** The inputs as a MessageBatch of spans into one shared chunk (messages at odd offsets, LF between them), as the batcher builds it. */
function asSpans(inputs: MessageInput[], batch: MessageBatch): MessageBatch {
  const parts: Buffer[] = [Buffer.from('x'.repeat(rand(5)))];
  const at: number[] = [];
  let o = parts[0]!.length;
  for (const m of inputs) {
    at.push(o);
    parts.push(m.msg, Buffer.from('\n'));
    o += m.msg.length + 1;
  }
  const chunk = Buffer.concat(parts);
  batch.clear();
  inputs.forEach((m, i) => {
    // Partial lines arrive as buffers of their own; the others as spans of the chunk.
    if (m.partial === true) batch.addPartial(m.src, Buffer.from(m.msg));
    else batch.add(m.src, chunk, at[i]!, at[i]! + m.msg.length);
  });
  return batch;
}

test('addSpans() (straight from the buffers messages arrived in) is byte-identical to the slow path: json, raw and syslog', () => {
  // One batch reused across rounds, as the batcher does: clear() must leave nothing of the last one behind.
  const batch = new MessageBatch(4);
  for (const [format, syslog] of [['json', false], ['raw', false], ['json', true]] as const) {
    const fast = new RecordEncoder(format, 64, true, syslog);
    const slow = new RecordEncoder(format, 64, false, syslog);
    for (let round = 0; round < 30; round++) {
      let inputs = randomInputs(1 + rand(200));
      // Longer messages too: past the length where the copy stops being a loop.
      if (round % 3 === 0) inputs = inputs.map((m) => ({ ...m, msg: Buffer.concat([m.msg, kinds.ascii(400 + rand(800)), m.msg]) }));
      if (syslog) inputs = inputs.map((m, i) => (i % 2 === 0 ? { ...m, msg: Buffer.concat([syslogHeader(i), m.msg]) } : m));
      if (format === 'raw') inputs = inputs.map((m) => ({ src: m.src, msg: Buffer.from(m.msg.toString('latin1').replaceAll('\n', ' '), 'latin1') }));
      const first = 1 + rand(1_000_000);
      const reference = encodeWith(slow, first, inputs, false);
      fast.begin(TS);
      fast.addSpans(first, asSpans(inputs, batch));
      assert.deepEqual(Buffer.from(fast.bytes()), reference, `${format}${syslog ? ' --syslog' : ''}, round ${round}`);
      fast.reset();
      assert.equal(batch.length, inputs.length);
      batch.inputs().forEach((m, i) => {
        assert.deepEqual(m.msg, inputs[i]!.msg);
        assert.equal(m.partial === true, inputs[i]!.partial === true);
      });
    }
  }
});
