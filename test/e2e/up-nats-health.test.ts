// `muxd up --sink nats://…`: /_muxd/health is 503 while NATS is down and 200 again after; the sink's metrics count publishes, republishes and its state.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { lineClient } from '../helpers/line-client.js';
import { startNats } from '../helpers/nats.js';
import { spawnUp } from '../helpers/up-process.js';

async function healthStatus(url: string): Promise<number> {
  return (await fetch(`${url}/_muxd/health`)).status;
}

/** Polls health: the state it reports changes on a NATS status event inside the child, which no test can await. */
async function healthBecomes(url: string, status: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await healthStatus(url)) !== status) {
    if (Date.now() > deadline) throw new Error(`health never became ${status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  assert.ok(m, `${name} in metrics`);
  return Number(m[1]);
}

test('up --sink nats: health 503 while NATS is down, 200 once it is back; metrics show the sink', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const t = await tempDir('muxd-nats-up-');
  after(() => t.cleanup());
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', nats.url, '--collector-id', 'u1', '--sink-timeout', '20']);
  after(() => up.stop());
  const c = await lineClient(up.collectPort);
  after(() => c.close());
  assert.equal(await c.send('one'), 'ok 1');
  assert.equal(await healthStatus(up.httpUrl), 200);

  await nats.nodes[0]!.stop('SIGKILL');
  await healthBecomes(up.httpUrl, 503);
  const body = (await (await fetch(`${up.httpUrl}/_muxd/health`)).json()) as { status: string };
  assert.equal(body.status, 'failing');
  // Sent while down: held, not answered, until the server is back.
  const pending = c.send('two');
  let answered = false;
  void pending.then(() => (answered = true));
  assert.equal(metric(await (await fetch(`${up.httpUrl}/_muxd/metrics`)).text(), 'muxd_sink_up'), 0);
  assert.equal(answered, false);

  await nats.nodes[0]!.start();
  assert.equal(await pending, 'ok 2');
  await healthBecomes(up.httpUrl, 200);
  const text = await (await fetch(`${up.httpUrl}/_muxd/metrics`)).text();
  assert.equal(metric(text, 'muxd_sink_up'), 1);
  assert.ok(metric(text, 'muxd_sink_batches_published_total') >= 2);
  assert.ok(Number.isInteger(metric(text, 'muxd_sink_republishes_total')), 'republishes exported');
  assert.match(text, /^muxd_sink_publish_seconds_count [1-9]/m);
  assert.equal(await up.stop(), 0);
});
