// Collector reply lines: what the server writes and what a client may parse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { errorLine, okLine, okLines, parseReply } from '../../src/protocol/replies.js';

test('ok and error lines follow docs/protocol.md', () => {
  assert.equal(okLine(42), 'ok 42\n');
  assert.equal(okLines(7, 3), 'ok 7\nok 8\nok 9\n');
  assert.equal(okLines(7, 0), '');
  assert.equal(errorLine('ERR_IO', 'disk failed'), 'error ERR_IO disk failed\n');
});

test('error reasons are flattened to one line and capped', () => {
  assert.equal(errorLine('ERR_IO', 'a\r\nb\nc'), 'error ERR_IO a b c\n');
  assert.equal(errorLine('ERR_IO', 'x'.repeat(500)).length, 'error ERR_IO '.length + 200 + 1);
});

test('parseReply round-trips and rejects anything else', () => {
  const parse = (line: string) => parseReply(Buffer.from(line));
  assert.deepEqual(parse('ok 1'), { kind: 'ok', seq: 1 });
  assert.deepEqual(parse(okLine(9007199254740991).trimEnd()), { kind: 'ok', seq: 9007199254740991 });
  assert.deepEqual(parse('error ERR_BUSY too many connections'), { kind: 'error', code: 'ERR_BUSY', reason: 'too many connections' });
  assert.deepEqual(parse('error ERR_IO'), { kind: 'error', code: 'ERR_IO', reason: '' });
  for (const bad of ['', 'ok', 'ok 0', 'ok -1', 'ok 01', 'ok 1 2', 'OK 1', 'error', 'error busy', 'hello']) {
    assert.throws(() => parse(bad), { code: 'ERR_PROTOCOL' }, bad);
  }
});
