// `muxd collect --sink nats://…` against a real nats-server: every acked message is in the stream exactly once, in order per connection.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { cliPath, spawnCollect, tempDir } from '../helpers/collect.js';
import { lineClient, windowedSender } from '../helpers/line-client.js';
import { readStream, startNats } from '../helpers/nats.js';

const CLIENTS = 20;
const PER_CLIENT = 300;

test(`single node: ${CLIENTS} clients with acks; every acked message is in the stream once, in order per connection`, async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', nats.url, '--collector-id', 'c1']);
  after(() => p.stop('SIGKILL'));
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => lineClient(p.port)));
  const senders = clients.map((c, i) => windowedSender(c, `k${i}`, { window: 32, total: PER_CLIENT }));
  await Promise.all(senders.map((s) => s.done));
  for (const c of clients) c.close();
  assert.equal(await p.stop('SIGTERM'), 0);
  for (const s of senders) assert.deepEqual(s.errors, []);
  const records = await readStream([nats.nodes[0]!.hostPort]);
  assert.equal(records.length, CLIENTS * PER_CLIENT);
  const bySeq = new Map(records.map((r) => [r.record.seq, r]));
  assert.equal(bySeq.size, records.length, 'every seq once');
  for (const s of senders) {
    assert.equal(s.acked.length, PER_CLIENT);
    let lastPos = -1;
    for (const a of s.acked) {
      const r = bySeq.get(a.seq);
      assert.equal(r?.record.msg, a.payload, `seq ${a.seq}`);
      assert.equal(r.collector, 'c1');
      assert.ok(r.position > lastPos, 'in order per connection');
      lastPos = r.position;
    }
  }
  // Seqs are consecutive from 1, and the stream holds them in seq order.
  assert.deepEqual(records.map((r) => r.record.seq), Array.from({ length: records.length }, (_, i) => i + 1));
});

test('kill -9 of a collector mid-load: on restart its seq continues after the last one in the stream; every acked message is present', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  // No --collector-id: the id kept next to the journal must survive the crash too.
  const args = ['--no-stdin', '--journal', path.join(t.dir, 'data', 'j.jsonl'), '--sink', nats.url];
  const first = await spawnCollect(args);
  const clients = await Promise.all(Array.from({ length: 8 }, () => lineClient(first.port)));
  const senders = clients.map((c, i) => windowedSender(c, `a${i}`, { window: 16 }));
  while (senders.reduce((n, s) => n + s.acked.length, 0) < 2000) await new Promise((r) => setTimeout(r, 5));
  first.child.kill('SIGKILL');
  await Promise.all(senders.map((s) => s.done));
  const acked = senders.flatMap((s) => s.acked);
  const before = await readStream([nats.nodes[0]!.hostPort]);
  const lastInStream = Math.max(...before.map((r) => r.record.seq));

  const second = await spawnCollect(args);
  after(() => second.stop('SIGKILL'));
  const c = await lineClient(second.port);
  assert.equal(await c.send('after restart'), `ok ${lastInStream + 1}`);
  c.close();
  assert.equal(await second.stop('SIGTERM'), 0);

  const records = await readStream([nats.nodes[0]!.hostPort]);
  assert.equal(new Set(records.map((r) => r.collector)).size, 1, 'one collector id across the restart');
  const bySeq = new Map(records.map((r) => [r.record.seq, r.record.msg]));
  assert.equal(bySeq.size, records.length, 'no seq twice');
  for (const a of acked) assert.equal(bySeq.get(a.seq), a.payload, `acked seq ${a.seq}`);
});

test('a stream that exists with other subjects is refused with ERR_SINK_MISMATCH, never altered', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const nc = await connect({ servers: [nats.nodes[0]!.hostPort] });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'OTHER', subjects: ['other.>'] });
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  const child = spawn(process.execPath, [cliPath, 'collect', '--port', '0', '--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', nats.url, '--nats-stream', 'OTHER'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 1);
  assert.match(err, /stream OTHER exists with subjects \["other\.>"\].*\(ERR_SINK_MISMATCH\)/);
  assert.deepEqual((await jsm.streams.info('OTHER')).config.subjects, ['other.>']);
  await nc.close();
});
