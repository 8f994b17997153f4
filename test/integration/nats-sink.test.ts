// NatsSink in-process against a real nats-server: consecutive seqs and one message per batch, a seq collision is never acked, close answers what is left.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { ErrorCode } from '../../src/errors.js';
import { openNatsSink } from '../../src/nats/sink.js';
import type { NatsSinkOptions } from '../../src/nats/sink.js';
import { readStream, startNats } from '../helpers/nats.js';

const batch = (n: number, tag: string): Array<{ src: string; msg: Buffer }> => Array.from({ length: n }, (_, i) => ({ src: 'stdin', msg: Buffer.from(`${tag}${i}`) }));

test('NatsSink: one JetStream message per batch, seqs consecutive, two appends in flight settle in order', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const opts: NatsSinkOptions = { servers: [nats.nodes[0]!.hostPort], stream: 'MUXD', subjectPrefix: 'muxd', replicas: 1, collectorId: 's1', sinkTimeoutMs: 5000 };
  const sink = await openNatsSink(opts);
  const published: number[] = [];
  sink.on('publish', (_ms: number, count: number) => published.push(count));
  const [a, b] = await Promise.all([sink.append(batch(3, 'a')), sink.append(batch(2, 'b'))]);
  assert.deepEqual([a, b], [1, 4]);
  assert.deepEqual(published.sort(), [2, 3]);
  assert.equal(sink.stats.batchesPublished, 2);
  await sink.close();
  await sink.close();
  await assert.rejects(sink.append(batch(1, 'late')), { code: ErrorCode.SINK_UNAVAILABLE });
  const recs = await readStream([nats.nodes[0]!.hostPort]);
  assert.deepEqual(recs.map((r) => [r.streamSeq, r.record.seq, r.record.msg]), [[1, 1, 'a0'], [1, 2, 'a1'], [1, 3, 'a2'], [2, 4, 'b0'], [2, 5, 'b1']]);
  // A reopened sink continues after the last seq on its subject.
  const again = await openNatsSink(opts);
  assert.equal(await again.append(batch(1, 'c')), 6);
  await again.close();
});

test('two collectors with one id: the batch JetStream drops as a duplicate is answered ERR_SINK_UNAVAILABLE, never ok', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const opts: NatsSinkOptions = { servers: [nats.nodes[0]!.hostPort], stream: 'MUXD', subjectPrefix: 'muxd', replicas: 1, collectorId: 'twin', sinkTimeoutMs: 5000 };
  const first = await openNatsSink(opts);
  const second = await openNatsSink(opts);
  assert.equal(await first.append(batch(1, 'first')), 1);
  await assert.rejects(second.append(batch(1, 'second')), (err: Error & { code?: string }) => err.code === ErrorCode.SINK_UNAVAILABLE && /--collector-id twin/.test(err.message));
  await Promise.all([first.close(), second.close()]);
  const recs = await readStream([nats.nodes[0]!.hostPort]);
  assert.deepEqual(recs.map((r) => r.record.msg), ['first0']);
});

test('close with a batch still unacknowledged (NATS gone) answers it ERR_SINK_UNAVAILABLE at once', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const sink = await openNatsSink({ servers: [nats.nodes[0]!.hostPort], stream: 'MUXD', subjectPrefix: 'muxd', replicas: 1, collectorId: 'c', sinkTimeoutMs: 60_000 });
  const failing = new Promise((resolve) => sink.once('failing', resolve));
  await nats.nodes[0]!.stop('SIGKILL');
  await failing;
  assert.equal(sink.healthy, false);
  const pending = sink.append(batch(2, 'x'));
  const started = Date.now();
  await sink.close();
  await assert.rejects(pending, { code: ErrorCode.SINK_UNAVAILABLE });
  assert.ok(Date.now() - started < 5000, 'not held until --sink-timeout');
});

test('--syslog on a NATS sink: records carry the syslog field, as in the file journal (regression: the sink ignored it)', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const sink = await openNatsSink({ servers: [nats.nodes[0]!.hostPort], stream: 'MUXD', subjectPrefix: 'muxd', replicas: 1, collectorId: 'sl', sinkTimeoutMs: 5000, syslog: true });
  await sink.append([{ src: 'tcp', msg: Buffer.from('<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - su root failed') }, { src: 'tcp', msg: Buffer.from('plain line') }]);
  await sink.close();
  const recs = await readStream([nats.nodes[0]!.hostPort]);
  const [parsed, plain] = recs.map((r) => r.record as { msg?: string; syslog?: Record<string, unknown> });
  assert.equal(parsed?.msg, 'su root failed');
  assert.deepEqual([parsed?.syslog?.severity, parsed?.syslog?.app, parsed?.syslog?.host], ['crit', 'su', 'mymachine.example.com']);
  assert.equal(plain?.syslog, undefined);
  assert.equal(plain?.msg, 'plain line');
});
