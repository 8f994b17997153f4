// The bench load generator against fake collectors: a correct one passes; duplicate, descending and failing acks are caught.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runLoad } from '../../src/client/load.js';
import type { LoadOptions } from '../../src/client/load.js';
import { startFakeCollector } from '../helpers/client-fake-collector.js';
import type { FakeCollector, FakeCollectorOptions } from '../helpers/client-fake-collector.js';

const servers: FakeCollector[] = [];
after(async () => {
  for (const s of servers) await s.close();
});
async function load(fake: FakeCollectorOptions, o: Partial<LoadOptions> = {}): Promise<{ server: FakeCollector; report: Awaited<ReturnType<typeof runLoad>> }> {
  const server = await startFakeCollector(fake);
  servers.push(server);
  const report = await runLoad({ host: '127.0.0.1', port: server.port, clients: 8, messages: 500, size: 50, window: 16, replyTimeoutMs: 5000, ...o });
  return { server, report };
}

test('load: a correct collector passes every check, with latency figures', async () => {
  const progress: number[] = [];
  const { server, report } = await load({}, { onProgress: (p) => progress.push(p.answered), progressMs: 1 });
  assert.deepEqual(report.problems, []);
  assert.equal(report.ok, true);
  assert.equal(report.acked, 4000);
  assert.equal(report.contiguous, true);
  assert.equal(report.duplicates, 0);
  assert.equal(server.received.length, 4000);
  assert.ok(server.received.every((m) => m.length === 50));
  assert.equal(new Set(server.received).size, 4000, 'every message is distinct');
  assert.ok(report.latencyMs.p50 !== null && report.latencyMs.max !== null && report.latencyMs.p50 <= report.latencyMs.max);
  assert.ok(report.rate > 0);
});

test('load: the same seq acked to two clients is a duplicate', async () => {
  const { report } = await load({ seqMode: 'per-connection' }, { clients: 3, messages: 20 });
  assert.equal(report.ok, false);
  assert.equal(report.duplicates, 40);
  assert.match(report.problems.join(';'), /40 duplicate seq/);
});

test('load: seqs going backwards for a client are caught', async () => {
  const { report } = await load({ seqMode: 'descending' }, { clients: 2, messages: 10 });
  assert.equal(report.ok, false);
  assert.equal(report.outOfOrder, 2);
});

test('load: error replies, a server that leaves, and a refused connection fail the run', async () => {
  const errors = await load({ errorFor: (m) => (m.startsWith('c0 m3 ') ? 'ERR_IO' : null) }, { clients: 2, messages: 10 });
  assert.equal(errors.report.ok, false);
  assert.deepEqual(errors.report.errors, { ERR_IO: 1 });
  const leaving = await load({ closeAfter: 5 }, { clients: 2, messages: 50 });
  assert.equal(leaving.report.ok, false);
  assert.equal(leaving.report.acked, 10);
  assert.equal(leaving.report.unanswered, 90);
  assert.deepEqual(leaving.report.stopped, { ERR_CONNECTION_CLOSED: 2 });
  const closed = await startFakeCollector();
  await closed.close();
  const refused = await runLoad({ host: '127.0.0.1', port: closed.port, clients: 2, messages: 5, size: 10, window: 1, replyTimeoutMs: 1000 });
  assert.equal(refused.connectFailures, 2);
  assert.equal(refused.ok, false);
});
