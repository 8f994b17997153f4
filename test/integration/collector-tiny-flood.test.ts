// Regression (issue 7 §5): a flood of two-byte lines from clients that never read their acks queued ~32,000
// messages per 64 KiB read and reached 2.5 GB RSS, because the caps were checked once per read and counted
// payload bytes only. Now the caps are checked per line, charge MESSAGE_OVERHEAD per message, and a
// connection at its cap keeps the rest of its read until it resumes.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { MESSAGE_OVERHEAD } from '../../src/collector/caps.js';
import type { BatcherLimits } from '../../src/collector/caps.js';
import { exchange, readJournal, startCollector } from '../helpers/collect.js';
import type { InProcessCollector } from '../helpers/collect.js';

const teardown: Array<() => Promise<void>> = [];
after(async () => {
  for (const t of teardown.reverse()) await t();
});

async function start(limits: Partial<BatcherLimits>): Promise<InProcessCollector> {
  const c = await startCollector({ limits });
  teardown.push(c.stop);
  return c;
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 10));
}

test('tiny-message flood: 40 clients × 8 KiB of "a\\n", acks never read; peak queued messages and bytes stay within the caps', { timeout: 60_000 }, async () => {
  const clients = 40;
  const kib = 8;
  const limits = { maxSourceMessages: 1024, maxPendingBytes: 1024 * 1024 };
  const { server, port } = await start(limits);
  const perClient = (kib * 1024) / 2;
  const flood = Buffer.from('a\n'.repeat(perClient));
  const sockets = await Promise.all(
    Array.from({ length: clients }, async () => {
      const s = net.connect(port, '127.0.0.1');
      await once(s, 'connect');
      s.pause(); // never read the acks
      s.write(flood);
      return s;
    }),
  );
  const total = clients * perClient;
  await until(() => server.stats.acked === total);
  const stats = server.stats;
  const charge = 1 + MESSAGE_OVERHEAD;
  // One read of 8 KiB is 4,096 lines: checked once per read, 40 clients would queue up to 163,840 messages.
  assert.ok(stats.peakQueuedMessages <= clients * limits.maxSourceMessages, `peak ${stats.peakQueuedMessages} messages`);
  // Each source may pass the global cap by the one line that reached it.
  assert.ok(stats.peakQueuedBytes <= limits.maxPendingBytes + clients * charge, `peak ${stats.peakQueuedBytes} bytes`);
  assert.ok(stats.peakQueuedMessages <= (limits.maxPendingBytes + clients * charge) / charge);
  assert.ok(stats.peakQueuedBytes >= limits.maxPendingBytes / 2, 'the flood did fill the queue: the caps were exercised');
  assert.equal(stats.queuedMessages, 0);
  assert.equal(stats.queuedBytes, 0);
  assert.equal(stats.received, total);
  const fresh = await exchange(port, 'fresh\n', { halfClose: true });
  assert.deepEqual(fresh.replies, [`ok ${total + 1}`]);
  for (const s of sockets) s.destroy();
});

test('a connection that reaches its cap mid-read keeps the rest of the read and journals every line, in order', { timeout: 30_000 }, async () => {
  const { server, port, file } = await start({ maxSourceMessages: 16, budget: 4 });
  const lines = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
  const { replies } = await exchange(port, `${lines.join('\n')}\nlast-partial`, { halfClose: true, expect: lines.length + 1 });
  assert.equal(replies.length, lines.length + 1);
  assert.deepEqual(
    replies.map((r) => Number(r.slice(3))),
    Array.from({ length: lines.length + 1 }, (_, i) => i + 1),
  );
  assert.ok(server.stats.peakQueuedMessages <= 16, `peak ${server.stats.peakQueuedMessages}`);
  const records = await readJournal(file);
  assert.deepEqual(
    records.map((r) => r.msg),
    [...lines, 'last-partial'],
  );
  assert.equal(records.at(-1)?.partial, true);
});
