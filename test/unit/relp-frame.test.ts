// The pure RELP frame decoder: byte by byte and in 200 random splits, data with LF inside, malformed frames, the encoder and the reply encoder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RelpFrameError } from '../../src/errors.js';
import { encodeRelpFrame, nextTxnr, RelpFrameDecoder } from '../../src/protocol/relp-frame.js';
import { closeResponse, errorResponse, openResponse, RelpReplyEncoder, SERVER_CLOSE } from '../../src/protocol/relp-replies.js';

type Event = { txnr: number; command: string; data: string } | { error: string; fault: string; txnr: number | null };

function decode(input: Buffer, splits: number[], max = 100): Event[] {
  const d = new RelpFrameDecoder(max);
  const out: Event[] = [];
  const sink = {
    frame: (txnr: number, command: string, buf: Buffer, start: number, end: number) => out.push({ txnr, command, data: buf.toString('latin1', start, end) }),
  };
  let at = 0;
  for (const s of [...splits, input.length]) {
    const chunk = Buffer.from(input.subarray(at, s));
    try {
      d.push(chunk, sink);
    } catch (err) {
      assert.ok(err instanceof RelpFrameError);
      out.push({ error: err.message, fault: err.fault, txnr: err.txnr });
      return out;
    }
    chunk.fill(0x2a); // the decoder must not keep views into a chunk after push() returns
    at = s;
  }
  return out;
}

function everySplit(input: Buffer, max = 100): void {
  const whole = decode(input, [], max);
  const bytewise = decode(input, Array.from({ length: input.length }, (_, i) => i), max);
  assert.deepEqual(bytewise, whole, 'byte by byte');
  let seed = 11;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  for (let trial = 0; trial < 200; trial++) {
    const cuts = new Set<number>();
    const count = rand(6);
    for (let i = 0; i < count; i++) cuts.add(rand(input.length + 1));
    const splits = [...cuts].sort((a, b) => a - b);
    assert.deepEqual(decode(input, splits, max), whole, `splits ${splits.join(',')}`);
  }
}

const open = '1 open 86 relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog\n';

const cases: Array<{ name: string; input: string; want: Event[] }> = [
  {
    name: 'open, syslog, close (as omrelp sends them)',
    input: `${open}2 syslog 11 <13>hello 1\n3 close 0\n`,
    want: [
      { txnr: 1, command: 'open', data: 'relp_version=0\nrelp_software=librelp,1.11.0,http://librelp.adiscon.com\ncommands=syslog' },
      { txnr: 2, command: 'syslog', data: '<13>hello 1' },
      { txnr: 3, command: 'close', data: '' },
    ],
  },
  { name: 'data with LF and spaces inside', input: '7 syslog 8 a\nb c\n\nd\n', want: [{ txnr: 7, command: 'syslog', data: 'a\nb c\n\nd' }] },
  { name: 'data of exactly the cap', input: `1 syslog 100 ${'x'.repeat(100)}\n`, want: [{ txnr: 1, command: 'syslog', data: 'x'.repeat(100) }] },
  { name: 'largest txnr', input: '999999999 rsp 6 200 OK\n', want: [{ txnr: 999_999_999, command: 'rsp', data: '200 OK' }] },
  { name: 'serverclose hint', input: '0 serverclose 0\n', want: [{ txnr: 0, command: 'serverclose', data: '' }] },
  { name: 'txnr of ten digits', input: '1234567890 syslog 1 a\n', want: [{ error: 'transaction number longer than 9 digits', fault: 'txnr', txnr: null }] },
  { name: 'txnr not a number', input: 'x1 syslog 1 a\n', want: [{ error: 'bad transaction number', fault: 'txnr', txnr: null }] },
  { name: 'empty txnr', input: ' syslog 1 a\n', want: [{ error: 'bad transaction number', fault: 'txnr', txnr: null }] },
  { name: 'command with a digit', input: '1 sys1og 1 a\n', want: [{ error: 'bad command', fault: 'command', txnr: 1 }] },
  { name: 'command too long', input: `1 ${'a'.repeat(33)} 0\n`, want: [{ error: 'command longer than 32 letters', fault: 'command', txnr: 1 }] },
  { name: 'length not a number', input: '1 syslog x a\n', want: [{ error: 'bad data length', fault: 'datalen', txnr: 1 }] },
  { name: 'length of ten digits', input: '1 syslog 1234567890 a\n', want: [{ error: 'data length longer than 9 digits', fault: 'datalen', txnr: 1 }] },
  { name: 'length followed by junk', input: '1 syslog 5x hello\n', want: [{ error: 'bad data length', fault: 'datalen', txnr: 1 }] },
  { name: 'length shorter than the data: no LF where it must be', input: '1 syslog 3 hello\n', want: [{ error: 'frame not ended by LF after its data length', fault: 'trailer', txnr: 1 }] },
  { name: 'zero length with data', input: '1 close 0 x\n', want: [{ error: 'frame not ended by LF after its data length', fault: 'trailer', txnr: 1 }] },
  { name: 'oversized data, refused from the length field', input: `1 syslog 101 ${'x'.repeat(101)}\n`, want: [{ error: 'data longer than 100 bytes', fault: 'too-long', txnr: 1 }] },
  {
    name: 'frames before a bad one are delivered',
    input: '1 syslog 1 a\n2 syslog 2 bcX\n',
    want: [
      { txnr: 1, command: 'syslog', data: 'a' },
      { error: 'frame not ended by LF after its data length', fault: 'trailer', txnr: 2 },
    ],
  },
];

for (const c of cases) {
  test(`relp frame decoder: ${c.name}`, () => {
    assert.deepEqual(decode(Buffer.from(c.input, 'latin1'), []), c.want);
    everySplit(Buffer.from(c.input, 'latin1'));
  });
}

test('relp frame decoder: binary data (every byte value) passes through unchanged', () => {
  const data = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const input = Buffer.concat([encodeRelpFrame(1, 'syslog', data), encodeRelpFrame(2, 'syslog', data)]);
  const got: Buffer[] = [];
  new RelpFrameDecoder(300).push(input, { frame: (_t, _c, buf, s, e) => got.push(Buffer.from(buf.subarray(s, e))) });
  assert.deepEqual(got, [data, data]);
  everySplit(input, 300);
});

test('relp frame decoder: a sink returning false stops right after that frame; the rest is fed again', () => {
  const d = new RelpFrameDecoder(64);
  const input = Buffer.from('1 syslog 1 a\n2 syslog 1 b\n3 syslog 1 c\n');
  const seen: number[] = [];
  const used = d.push(input, { frame: (t) => (seen.push(t), t !== 2) });
  assert.equal(used, 26);
  assert.deepEqual(seen, [1, 2]);
  assert.equal(d.push(input.subarray(used), { frame: (t) => seen.push(t) }), input.length - used);
  assert.deepEqual(seen, [1, 2, 3]);
});

test('relp frame decoder: once broken it stays broken, and holds no data of the bad frame', () => {
  const d = new RelpFrameDecoder(64);
  const sink = { frame: () => assert.fail('no frame') };
  assert.throws(() => d.push(Buffer.from('1 syslog 99 '), sink), /data longer than 64 bytes/);
  assert.throws(() => d.push(Buffer.from('2 syslog 1 a\n'), sink), /data longer than 64 bytes/);
});

test('relp frame decoder: midFrame tells a cut-off frame from a clean end', () => {
  const d = new RelpFrameDecoder(64);
  const sink = { frame: () => true };
  assert.equal(d.midFrame, false);
  d.push(Buffer.from('1 syslog 5 he'), sink);
  assert.equal(d.midFrame, true);
  d.push(Buffer.from('llo\n'), sink);
  assert.equal(d.midFrame, false);
});

test('relp encode: frames as librelp builds them (no SP and no data for an empty body)', () => {
  assert.equal(encodeRelpFrame(3, 'rsp', '200 OK').toString(), '3 rsp 6 200 OK\n');
  assert.equal(encodeRelpFrame(4, 'rsp').toString(), '4 rsp 0\n');
  assert.equal(SERVER_CLOSE.toString(), '0 serverclose 0\n');
  assert.equal(closeResponse(9).toString(), '9 rsp 0\n');
  assert.equal(errorResponse(5, 'ERR_IO disk\nfull').toString(), '5 rsp 20 500 ERR_IO disk full\n');
  assert.equal(openResponse(1, 'muxd').toString(), '1 rsp 56 200 OK\nrelp_version=0\nrelp_software=muxd\ncommands=syslog\n');
  assert.equal(encodeRelpFrame(1, 'syslog', 'é').toString(), '1 syslog 2 é\n', 'the length counts bytes, not characters');
  assert.equal(nextTxnr(1), 2);
  assert.equal(nextTxnr(999_999_999), 1);
});

test('relp reply encoder: answers go out by queued transaction number, in order, ok and error mixed', () => {
  const r = new RelpReplyEncoder();
  for (const t of [2, 3, 4, 5]) r.expect(t);
  r.ok(17, 2);
  r.error('ERR_IO', 'journal write failed', 1);
  assert.equal(r.pending, 1);
  assert.equal(r.take().toString(), '2 rsp 6 200 OK\n3 rsp 6 200 OK\n4 rsp 31 500 ERR_IO journal write failed\n');
  assert.equal(r.length, 0);
  r.ok(19, 1);
  assert.equal(r.take().toString(), '5 rsp 6 200 OK\n');
  assert.throws(() => r.ok(20, 1), /without a queued transaction number/);
});
