// The pure reply parser: ok and error lines, malformed replies, and reply framing split at every byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatReply, parseReply, ReplyReader } from '../../src/client/reply-parser.js';
import type { Reply } from '../../src/client/reply-parser.js';
import { ProtocolError } from '../../src/errors.js';

const parse = (s: string): Reply => parseReply(Buffer.from(s, 'utf8'));

test('reply parser: ok lines carry the sequence number', () => {
  assert.deepEqual(parse('ok 1'), { kind: 'ok', seq: 1 });
  assert.throws(() => parse('ok 0'), { code: 'ERR_PROTOCOL' }, 'seqs start at 1');
  assert.deepEqual(parse('ok 9007199254740991'), { kind: 'ok', seq: Number.MAX_SAFE_INTEGER });
});

test('reply parser: error lines carry the code and the reason', () => {
  assert.deepEqual(parse('error ERR_MESSAGE_TOO_LONG message longer than 65536 bytes'), {
    kind: 'error',
    code: 'ERR_MESSAGE_TOO_LONG',
    reason: 'message longer than 65536 bytes',
  });
  assert.deepEqual(parse('error ERR_IO'), { kind: 'error', code: 'ERR_IO', reason: '' });
  assert.deepEqual(parse('error ERR_BUSY server  busy '), { kind: 'error', code: 'ERR_BUSY', reason: 'server  busy ' });
});

test('reply parser: malformed replies are protocol errors', () => {
  for (const bad of ['', 'ok', 'ok ', 'ok -1', 'ok 1.5', 'ok 12a', 'ok  1', 'OK 1', 'ok 99999999999999999', 'error', 'error ', 'error err_io x', 'error ERR-IO x', 'hello', 'received']) {
    assert.throws(() => parse(bad), ProtocolError, JSON.stringify(bad));
  }
});

test('reply parser: formatReply renders the wire text back', () => {
  for (const line of ['ok 42', 'error ERR_IO disk failed', 'error ERR_BUSY']) assert.equal(formatReply(parse(line)), line);
});

test('reply reader: the same replies whatever the chunk splits, CRLF accepted', () => {
  const wire = Buffer.from('ok 1\nok 2\r\nerror ERR_IO write failed\nok 10\n');
  const want = [parse('ok 1'), parse('ok 2'), parse('error ERR_IO write failed'), parse('ok 10')];
  for (let step = 1; step <= wire.length; step++) {
    const reader = new ReplyReader();
    const got: Reply[] = [];
    for (let i = 0; i < wire.length; i += step) {
      reader.push(wire.subarray(i, i + step), { reply: (r) => got.push(r), protocolError: (e) => assert.fail(e.message) });
    }
    assert.deepEqual(got, want, `step ${step}`);
    assert.equal(reader.hasPartial, false);
  }
});

test('reply reader: stops at the first bad line and reports it once', () => {
  const reader = new ReplyReader();
  const got: Reply[] = [];
  const errors: ProtocolError[] = [];
  const sink = { reply: (r: Reply) => got.push(r), protocolError: (e: ProtocolError) => errors.push(e) };
  reader.push(Buffer.from('ok 1\nnonsense\nok 2\n'), sink);
  reader.push(Buffer.from('ok 3\n'), sink);
  assert.deepEqual(got, [{ kind: 'ok', seq: 1 }]);
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.code, 'ERR_PROTOCOL');
});

test('reply reader: an endless reply line is cut off at the cap', () => {
  const reader = new ReplyReader();
  const errors: ProtocolError[] = [];
  const sink = { reply: () => assert.fail('no reply'), protocolError: (e: ProtocolError) => errors.push(e) };
  for (let i = 0; i < 10; i++) reader.push(Buffer.alloc(1024, 0x61), sink);
  assert.equal(errors.length, 1);
});
