// Octet-counted framing on the muxd port: detection per connection, embedded LF, no replies ever, oversized and broken frames counted, --framing lf.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { exchange, readJournal, startCollector } from '../helpers/collect.js';
import type { InProcessCollector } from '../helpers/collect.js';
import { sendFromNeverReader } from '../helpers/never-read.js';

const frame = (msg: string) => `${Buffer.byteLength(msg)} ${msg}`;

/**
 * A sender that never reads, like every syslog sender: writes `payload` and half-closes without reading a byte,
 * then (once the journal holds `expect` records) reads what the server sent back and waits for its close.
 */
async function sendNeverRead(c: InProcessCollector, payload: Buffer | string, expect: number): Promise<{ received: number }> {
  const socket = net.connect(c.port, '127.0.0.1');
  await once(socket, 'connect');
  socket.end(payload);
  // No 'data' listener while sending: replies, if any, pile up in the socket buffers as with a real syslog sender.
  while (c.journal.stats.lastSeq < expect) await once(c.journal, 'sync');
  let received = 0;
  socket.on('data', (d: Buffer) => (received += d.length));
  await once(socket, 'close');
  return { received };
}

test('octet-counted frames carry LF inside and get no replies; a plain-line connection next to it is answered', async (t) => {
  const c = await startCollector({ maxMessage: 64 });
  t.after(() => c.stop());
  const octet = await exchange(c.port, frame('<13>1 - - - - - - one\ntwo') + frame('<13>three'), { halfClose: true });
  assert.deepEqual(octet.replies, [], 'no octet-counting sender reads replies');
  const lines = await exchange(c.port, '12 apples\n3 <pears\n', { halfClose: true });
  assert.deepEqual(lines.replies, ['ok 3', 'ok 4']);
  await c.journal.close();
  const recs = await readJournal(c.file);
  assert.deepEqual(
    recs.map((r) => r.msg),
    ['<13>1 - - - - - - one\ntwo', '<13>three', '12 apples', '3 <pears'],
  );
});

test('issue 14: a million octet-counted frames from a sender that never reads all land (replies used to fill both socket buffers and stall it at ~437,000)', { timeout: 180_000 }, async (t) => {
  const c = await startCollector();
  t.after(() => c.stop());
  const n = 1_000_000;
  assert.equal(await sendFromNeverReader(c.port, n, 'octet', c.journal), 0, 'not one byte written back');
  assert.equal(c.server.stats.acked, n);
});

test('an oversized frame is skipped by its length and counted ERR_MESSAGE_TOO_LONG; the connection goes on', async (t) => {
  const c = await startCollector({ maxMessage: 16 });
  t.after(() => c.stop());
  const r = await sendNeverRead(c, frame('<13>ok') + frame(`<13>${'x'.repeat(100)}`) + frame('<13>after'), 2);
  assert.equal(r.received, 0);
  assert.equal(c.server.stats.rejected.ERR_MESSAGE_TOO_LONG, 1);
  await c.journal.close();
  assert.deepEqual((await readJournal(c.file)).map((x) => x.msg), ['<13>ok', '<13>after']);
});

test('a malformed frame length is counted ERR_BAD_FRAME and closes the connection after the frames before it, without a byte back', async (t) => {
  for (const ack of [true, false]) {
    const c = await startCollector({ maxMessage: 64, ack });
    t.after(() => c.stop());
    const r = await exchange(c.port, `${frame('<13>ok')}x5 <13>abcd${frame('<13>lost')}`);
    assert.equal(r.closedByServer, true, 'closed without our half-close');
    assert.deepEqual(r.replies, []);
    assert.equal(c.server.stats.rejected.ERR_BAD_FRAME, 1);
    await c.journal.close();
    assert.deepEqual((await readJournal(c.file)).map((x) => x.msg), ['<13>ok']);
  }
});

test('--framing lf keeps octet-looking input as answered lines; --framing octet takes no replies and closes on plain lines', async (t) => {
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
  assert.deepEqual(b.replies, []);
  assert.equal(oc.server.stats.rejected.ERR_BAD_FRAME, 1);
});
