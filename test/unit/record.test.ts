// The journal record codec: every input round-trips through JSON.parse, invalid UTF-8 becomes b64, raw stays raw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, JournalFormat, RecordEncoder, recordBytes, toRecord } from '../../src/journal/record.js';
import type { MessageInput } from '../../src/journal/sink.js';

const TS = '2026-01-02T03:04:05.678Z';

/** Encodes a batch and splits it at LF; each line stays bytes so that UTF-8 is decoded only once. */
function encodeLines(inputs: MessageInput[], firstSeq = 1): Buffer[] {
  const enc = new RecordEncoder('json', 64);
  enc.begin(TS);
  inputs.forEach((m, i) => enc.add(firstSeq + i, m));
  const bytes = enc.bytes();
  assert.equal(bytes[bytes.length - 1], 0x0a);
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) {
    lines.push(Buffer.from(bytes.subarray(start, i)));
    start = i + 1;
  }
  return lines;
}

const nasty: Array<[string, Buffer]> = [
  ['plain ASCII', Buffer.from('hello world')],
  ['quotes and backslashes', Buffer.from('say "hi" \\ back\\slash \\"')],
  ['every control character', Buffer.from(Array.from({ length: 32 }, (_, i) => i))],
  ['DEL and tilde', Buffer.from([0x7e, 0x7f])],
  ['valid multi-byte UTF-8', Buffer.from('héllo wörld ✓ 日本 🎉', 'utf8')],
  ['U+2028 and U+2029', Buffer.from('a\u2028b\u2029c', 'utf8')],
  ['invalid UTF-8 (lone continuation)', Buffer.from([0x61, 0x80, 0x62])],
  ['invalid UTF-8 (truncated sequence)', Buffer.from([0xe2, 0x82])],
  ['invalid UTF-8 (overlong)', Buffer.from([0xc0, 0xaf])],
  ['invalid UTF-8 (surrogate)', Buffer.from([0xed, 0xa0, 0x80])],
  ['0xff 0xfe', Buffer.from([0xff, 0xfe])],
  ['an empty message', Buffer.alloc(0)],
];

for (const [name, msg] of nasty) {
  test(`json: ${name} round-trips losslessly through JSON.parse`, () => {
    const [line] = encodeLines([{ src: 'tcp:127.0.0.1:5000', msg }], 41);
    const rec = decodeRecord(line!);
    assert.deepEqual(rec, toRecord(41, TS, { src: 'tcp:127.0.0.1:5000', msg }));
    assert.deepEqual(recordBytes(rec), msg);
    assert.equal(rec.seq, 41);
    assert.equal(rec.ts, TS);
    assert.equal(line!.includes(0x0d), false);
  });
}

test('json: invalid UTF-8 is stored as b64 and never replaced', () => {
  const msg = Buffer.from([0x66, 0x6f, 0xff, 0x6f]);
  const rec = decodeRecord(encodeLines([{ src: 'stdin', msg }])[0]!);
  assert.equal(rec.msg, undefined);
  assert.equal(rec.b64, msg.toString('base64'));
});

test('json: valid UTF-8 is stored as msg, and keys come in the documented order', () => {
  const [line] = encodeLines([{ src: 'stdin', msg: Buffer.from('ünï') }], 7);
  assert.equal(line!.toString('utf8'), `{"seq":7,"ts":"${TS}","src":"stdin","msg":"ünï"}`);
});

test('json: a partial line carries "partial":true', () => {
  const [a, b] = encodeLines([
    { src: 'tcp:1.2.3.4:5', msg: Buffer.from('cut'), partial: true },
    { src: 'tcp:1.2.3.4:5', msg: Buffer.from([0xff]), partial: true },
  ]);
  assert.equal(decodeRecord(a!).partial, true);
  assert.equal(decodeRecord(b!).partial, true);
  assert.equal(decodeRecord(b!).b64, '/w==');
});

test('json: src with characters that need escaping, and changing src within a batch', () => {
  const srcs = ['tcp:[::1]:9', 'we"ird\\src', 'stdin'];
  const lines = encodeLines(srcs.map((src) => ({ src, msg: Buffer.from('x') })));
  assert.deepEqual(
    lines.map((l) => decodeRecord(l).src),
    srcs,
  );
});

test('json: sequence numbers of every width are written as plain integers', () => {
  const seqs = [1, 9, 10, 99, 100, 123456789, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
  for (const seq of seqs) {
    const [line] = encodeLines([{ src: 's', msg: Buffer.from('m') }], seq);
    assert.equal(decodeRecord(line!).seq, seq);
  }
});

test('json: random byte strings round-trip (fuzz)', () => {
  let state = 12345;
  const rand = (): number => {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    return state;
  };
  const inputs: MessageInput[] = [];
  for (let i = 0; i < 500; i++) {
    const len = rand() % 40;
    const bytes = Buffer.alloc(len);
    // Bias toward ASCII so that both the fast path and the slow paths run.
    for (let j = 0; j < len; j++) bytes[j] = rand() % 4 === 0 ? rand() % 256 : 0x20 + (rand() % 95);
    inputs.push({ src: `tcp:10.0.0.${i % 3}:1`, msg: bytes });
  }
  const lines = encodeLines(inputs, 1000);
  assert.equal(lines.length, inputs.length);
  lines.forEach((l, i) => {
    const rec = decodeRecord(l);
    assert.equal(rec.seq, 1000 + i);
    assert.deepEqual(recordBytes(rec), inputs[i]!.msg);
  });
});

test('json: one large batch grows the buffer and stays whole', () => {
  const big = Buffer.alloc(65_536, 0x01); // every byte needs a \u0001 escape: 6x growth
  const lines = encodeLines([{ src: 'a', msg: big }, { src: 'a', msg: Buffer.from('after') }]);
  assert.deepEqual(recordBytes(decodeRecord(lines[0]!)), big);
  assert.equal(decodeRecord(lines[1]!).msg, 'after');
});

test('raw: message bytes and a newline, nothing else', () => {
  const enc = new RecordEncoder(JournalFormat.RAW, 8);
  enc.begin(TS);
  enc.add(1, { src: 's', msg: Buffer.from('one') });
  enc.add(2, { src: 's', msg: Buffer.from([0xff, 0x22]), partial: true });
  assert.deepEqual(enc.bytes(), Buffer.from([0x6f, 0x6e, 0x65, 0x0a, 0xff, 0x22, 0x0a]));
  enc.reset();
  enc.begin(TS);
  assert.equal(enc.size, 0);
});

test('decodeRecord rejects lines that are not records', () => {
  for (const bad of ['', '{', 'null', '[]', '{"seq":0,"ts":"t","src":"s","msg":"m"}', '{"seq":1,"ts":"t","src":"s"}', '{"seq":"1","ts":"t","src":"s","msg":""}', '{"seq":1.5,"ts":"t","src":"s","msg":""}']) {
    assert.throws(() => decodeRecord(bad), { code: 'ERR_JOURNAL_CORRUPT' }, bad);
  }
});
