// Octet-counted framing on a real socket: detection per connection, embedded LF, oversized frames, ERR_BAD_FRAME closes, --framing lf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exchange, readJournal, startCollector } from '../helpers/collect.js';

const frame = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

test('octet-counted frames carry LF inside; a plain-line connection next to it is unaffected', async (t) => {
  const c = await startCollector({ maxMessage: 64 });
  t.after(() => c.stop());
  const octet = await exchange(c.port, frame('<13>1 - - - - - - one\ntwo') + frame('<13>three'), { halfClose: true });
  assert.deepEqual(octet.replies, ['ok 1', 'ok 2']);
  const lines = await exchange(c.port, '12 apples\n3 <pears\n', { halfClose: true });
  assert.deepEqual(lines.replies, ['ok 3', 'ok 4']);
  await c.journal.close();
  const recs = await readJournal(c.file);
  assert.deepEqual(
    recs.map((r) => r.msg),
    ['<13>1 - - - - - - one\ntwo', '<13>three', '12 apples', '3 <pears'],
  );
});

test('bug #9: steady octet-counted traffic without LF is not one huge line (ERR_MESSAGE_TOO_LONG)', async (t) => {
  const c = await startCollector({ maxMessage: 256 });
  t.after(() => c.stop());
  const msgs = Array.from({ length: 500 }, (_, i) => frame(`<13>1 2026-11-30T00:00:00Z h app - - - message ${i}`));
  const r = await exchange(c.port, msgs.join(''), { halfClose: true });
  assert.equal(r.replies.length, 500);
  assert.ok(r.replies.every((l) => l.startsWith('ok ')));
});

test('an oversized frame is skipped by its length and answered ERR_MESSAGE_TOO_LONG; the connection goes on', async (t) => {
  const c = await startCollector({ maxMessage: 16 });
  t.after(() => c.stop());
  const r = await exchange(c.port, frame('<13>ok') + frame(`<13>${'x'.repeat(100)}`) + frame('<13>after'), { halfClose: true });
  assert.equal(r.replies[0], 'ok 1');
  assert.match(r.replies[1]!, /^error ERR_MESSAGE_TOO_LONG /);
  assert.equal(r.replies[2], 'ok 2');
  assert.equal(c.server.stats.rejected.ERR_MESSAGE_TOO_LONG, 1);
});

test('a malformed frame length is answered ERR_BAD_FRAME after the earlier replies, and the connection is closed', async (t) => {
  const c = await startCollector({ maxMessage: 64 });
  t.after(() => c.stop());
  const r = await exchange(c.port, `${frame('<13>ok')}x5 <13>abcd${frame('<13>lost')}`);
  assert.equal(r.closedByServer, true, 'closed without our half-close');
  assert.equal(r.replies.length, 2);
  assert.equal(r.replies[0], 'ok 1');
  assert.match(r.replies[1]!, /^error ERR_BAD_FRAME octet-counted framing: expected a frame length/);
  await c.journal.close();
  assert.deepEqual((await readJournal(c.file)).map((x) => x.msg), ['<13>ok']);
});

test('ERR_BAD_FRAME is sent even with acks off, as the reason the connection closes', async (t) => {
  const c = await startCollector({ maxMessage: 64, ack: false });
  t.after(() => c.stop());
  const r = await exchange(c.port, `${frame('<13>ok')}5x<13>a`);
  assert.equal(r.closedByServer, true);
  assert.equal(r.replies.length, 1);
  assert.match(r.replies[0]!, /^error ERR_BAD_FRAME .*space after the frame length/);
});

test('--framing lf keeps octet-looking input as lines; --framing octet refuses plain lines', async (t) => {
  const lf = await startCollector({ maxMessage: 64, framing: 'lf' });
  t.after(() => lf.stop());
  const a = await exchange(lf.port, `${frame('<13>x')}\n`, { halfClose: true });
  assert.deepEqual(a.replies, ['ok 1']);
  await lf.journal.close();
  assert.deepEqual((await readJournal(lf.file)).map((x) => x.msg), ['5 <13>x']);
  const oc = await startCollector({ maxMessage: 64, framing: 'octet' });
  t.after(() => oc.stop());
  const b = await exchange(oc.port, 'hello\n');
  assert.equal(b.closedByServer, true);
  assert.match(b.replies[0]!, /^error ERR_BAD_FRAME /);
});
