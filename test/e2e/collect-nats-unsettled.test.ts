// Starting `collect --sink nats://…` while the sink is unsettled (issue 16 item 4): it keeps trying for --sink-timeout, saying so on stderr, then exits with ERR_SINK_UNAVAILABLE.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { runCli } from '../helpers/cli-run.js';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import { lineClient } from '../helpers/line-client.js';
import { freePort, readStream, retryOnTimeout, startNatsCluster } from '../helpers/nats.js';

// Pins the bug: started right after the stream leader of a 3-node cluster was SIGKILLed, `muxd collect` exited at
// once with "muxd: timeout" (no code, no hint) while a new leader was being elected.
test('3-node cluster: started right after the stream leader is SIGKILLed, collect waits for the election, then acks and stores', async () => {
  const cluster = await startNatsCluster(3);
  after(() => cluster.stop());
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  const nc = await connect({ servers: cluster.nodes.map((n) => n.hostPort) });
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  await retryOnTimeout(() => jsm.streams.add({ name: 'MUXD', subjects: ['muxd.>'], num_replicas: 3 }));
  const leader = (await retryOnTimeout(() => jsm.streams.info('MUXD'))).cluster?.leader;
  await nc.close();
  const victim = cluster.nodes.find((n) => n.name === leader);
  assert.ok(victim, `leader ${String(leader)} is one of ours`);
  await victim.stop('SIGKILL');

  const args = ['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', cluster.url, '--nats-replicas', '3', '--collector-id', 'unsettled', '--sink-timeout', '30'];
  const p = await spawnCollect(args, { timeoutMs: 40_000 });
  after(() => p.stop('SIGKILL'));
  const c = await lineClient(p.port);
  assert.equal(await c.send('after the election'), 'ok 1');
  c.close();
  assert.equal(await p.stop('SIGTERM'), 0);
  const survivors = cluster.nodes.filter((n) => n !== victim).map((n) => n.hostPort);
  const records = await readStream(survivors);
  assert.deepEqual(records.map((r) => [r.record.seq, r.record.msg]), [[1, 'after the election']]);

  // Two of three nodes gone: a new R3 stream cannot be placed (and a survivor that led the old one may answer for it
  // until it notices it lost its quorum). Retry until --sink-timeout, then a coded error.
  await cluster.nodes.find((n) => n !== victim)!.stop('SIGKILL');
  const started = Date.now();
  const r = await runCli(['collect', '--port', '0', ...args.slice(0, -1), '3', '--nats-stream', 'NEVER']);
  const took = Date.now() - started;
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '', 'no listening line');
  assert.match(r.stderr, /muxd nats: NATS JetStream not ready \(.+\); retrying for up to \d+s more \(--sink-timeout\)\n/);
  assert.match(r.stderr, /muxd: NATS JetStream not ready within --sink-timeout 3s: .+ \(ERR_SINK_UNAVAILABLE\)\n$/);
  assert.ok(took >= 3000, `gave up after ${took} ms, before --sink-timeout`);
});

test('no NATS server reachable at startup: collect retries for --sink-timeout, then exits 1 with ERR_SINK_UNAVAILABLE', async () => {
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  const port = await freePort();
  const started = Date.now();
  const r = await runCli(['collect', '--port', '0', '--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', `nats://127.0.0.1:${port}`, '--collector-id', 'none', '--sink-timeout', '2']);
  const took = Date.now() - started;
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, '');
  // The reason is said once, not on every attempt.
  assert.equal(r.stderr.match(/NATS JetStream not ready \(cannot reach NATS/g)?.length, 1, r.stderr);
  assert.match(r.stderr, new RegExp(`muxd: NATS JetStream not ready within --sink-timeout 2s: cannot reach NATS at 127\\.0\\.0\\.1:${port}.* \\(ERR_SINK_UNAVAILABLE\\)\\n$`));
  assert.ok(took >= 2000 && took < 15_000, `gave up after ${took} ms`);
});
