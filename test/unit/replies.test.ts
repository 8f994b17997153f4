// Collector reply lines: what the server writes (ReplyEncoder, errorLine) and what a client may parse (parseReply).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLine, parseReply, ReplyEncoder } from '../../src/protocol/replies.js';

/** The encoder's bytes for one ok run, as text. */
function okRun(first: number, count: number): string {
  const enc = new ReplyEncoder();
  enc.ok(first, count);
  return enc.take().toString('latin1');
}

/** The same lines built the slow, obvious way. */
function expected(first: number, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += `ok ${first + i}\n`;
  return s;
}

test('ok runs follow docs/protocol.md, across every digit-count boundary', () => {
  assert.equal(okRun(42, 1), 'ok 42\n');
  assert.equal(okRun(7, 3), 'ok 7\nok 8\nok 9\n');
  assert.equal(okRun(7, 0), '');
  for (const edge of [10, 100, 1000, 2 ** 31, 2 ** 32, 10 ** 15]) {
    assert.equal(okRun(edge - 2, 4), expected(edge - 2, 4), `around ${edge}`);
  }
  assert.equal(okRun(9, 2), 'ok 9\nok 10\n');
  assert.equal(okRun(99, 2), 'ok 99\nok 100\n');
  assert.equal(okRun(2 ** 31 - 1, 2), 'ok 2147483647\nok 2147483648\n', 'leaving the int32 fast path');
  assert.equal(okRun(2 ** 53 - 2, 3), 'ok 9007199254740990\nok 9007199254740991\nok 9007199254740992\n');
});

test('every encoded seq parses back to itself, up to the largest safe integer; 2^53 is refused by the parser', () => {
  for (const seq of [1, 9, 10, 99, 100, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1]) {
    const line = Buffer.from(okRun(seq, 1).trimEnd(), 'latin1');
    assert.deepEqual(parseReply(line), { kind: 'ok', seq });
  }
  assert.throws(() => parseReply(Buffer.from(okRun(2 ** 53, 1).trimEnd())), { code: 'ERR_PROTOCOL' });
});

test('ok runs and error lines keep their order in one buffer; take() starts over', () => {
  const enc = new ReplyEncoder();
  enc.ok(9, 2);
  enc.error('ERR_MESSAGE_TOO_LONG', 'message longer than 5 bytes', 1);
  enc.ok(11, 1);
  enc.error('ERR_IO', 'disk failed', 2);
  assert.equal(enc.take().toString(), 'ok 9\nok 10\nerror ERR_MESSAGE_TOO_LONG message longer than 5 bytes\nok 11\nerror ERR_IO disk failed\nerror ERR_IO disk failed\n');
  assert.equal(enc.length, 0);
  enc.ok(1, 1);
  assert.equal(enc.take().toString(), 'ok 1\n');
  const big = new ReplyEncoder();
  big.ok(1, 100_000);
  assert.equal(big.take().toString(), expected(1, 100_000));
});

test('error lines: reasons are flattened to one line and capped', () => {
  assert.equal(errorLine('ERR_IO', 'disk failed'), 'error ERR_IO disk failed\n');
  assert.equal(errorLine('ERR_IO', 'a\r\nb\nc'), 'error ERR_IO a b c\n');
  assert.equal(errorLine('ERR_IO', 'x'.repeat(500)).length, 'error ERR_IO '.length + 200 + 1);
});

test('parseReply round-trips and rejects anything else', () => {
  const parse = (line: string) => parseReply(Buffer.from(line));
  assert.deepEqual(parse('ok 1'), { kind: 'ok', seq: 1 });
  assert.deepEqual(parse('error ERR_BUSY too many connections'), { kind: 'error', code: 'ERR_BUSY', reason: 'too many connections' });
  assert.deepEqual(parse('error ERR_IO'), { kind: 'error', code: 'ERR_IO', reason: '' });
  for (const bad of ['', 'ok', 'ok 0', 'ok -1', 'ok 01', 'ok 1 2', 'OK 1', 'error', 'error busy', 'hello']) {
    assert.throws(() => parse(bad), { code: 'ERR_PROTOCOL' }, bad);
  }
});
