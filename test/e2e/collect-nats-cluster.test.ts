// A 3-node JetStream cluster with an R3 stream: SIGKILL the stream leader under load; no acked message is lost, none is stored twice, senders only pause.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import { lineClient, windowedSender } from '../helpers/line-client.js';
import { readStream, retryOnTimeout, startNatsCluster } from '../helpers/nats.js';

const CLIENTS = 10;

async function ackedCount(senders: Array<{ acked: unknown[] }>, atLeast: number): Promise<void> {
  // The senders' progress has no event of its own; look every few ms.
  while (senders.reduce((n, s) => n + s.acked.length, 0) < atLeast) await new Promise((r) => setTimeout(r, 10));
}

test('R3 on 3 nodes: SIGKILL of the stream leader under load loses no acked message and stores each exactly once', async () => {
  const cluster = await startNatsCluster(3);
  after(() => cluster.stop());
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', cluster.url, '--nats-replicas', '3', '--collector-id', 'r3']);
  after(() => p.stop('SIGKILL'));
  const nc = await connect({ servers: cluster.nodes.map((n) => n.hostPort) });
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  const info = await retryOnTimeout(() => jsm.streams.info('MUXD'));
  assert.equal(info.config.num_replicas, 3);

  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => lineClient(p.port)));
  const senders = clients.map((c, i) => windowedSender(c, `k${i}`, { window: 16 }));
  await ackedCount(senders, 1500);
  const leader = (await retryOnTimeout(() => jsm.streams.info('MUXD'))).cluster?.leader;
  await nc.close();
  const victim = cluster.nodes.find((n) => n.name === leader);
  assert.ok(victim, `leader ${String(leader)} is one of ours`);
  await victim.stop('SIGKILL');
  const atKill = senders.reduce((n, s) => n + s.acked.length, 0);
  // Load goes on through the election; the survivors must take 1500 more.
  await ackedCount(senders, atKill + 1500);
  for (const s of senders) s.stop();
  await Promise.all(senders.map((s) => s.done));
  for (const c of clients) c.close();
  assert.equal(await p.stop('SIGTERM'), 0);

  for (const s of senders) assert.deepEqual(s.errors, [], 'senders only pause: no error reply');
  const survivors = cluster.nodes.filter((n) => n !== victim).map((n) => n.hostPort);
  const records = await readStream(survivors);
  const bySeq = new Map<number, string | undefined>();
  for (const r of records) {
    assert.equal(bySeq.has(r.record.seq), false, `seq ${r.record.seq} stored twice`);
    bySeq.set(r.record.seq, r.record.msg);
  }
  for (const s of senders) {
    let last = 0;
    for (const a of s.acked) {
      assert.equal(bySeq.get(a.seq), a.payload, `acked seq ${a.seq} is in the stream`);
      assert.ok(a.seq > last, 'replies in order per connection');
      last = a.seq;
    }
  }
});
