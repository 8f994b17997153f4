// Three collectors into one JetStream stream, then `muxd tail nats://…` reads back every message with its collector: -n, filters, --json and -f.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { cliPath, spawnCollect, tempDir } from '../helpers/collect.js';
import type { CollectProcess } from '../helpers/collect.js';
import { lineClient, windowedSender } from '../helpers/line-client.js';
import { startNats } from '../helpers/nats.js';
import { runCli } from '../helpers/cli-run.js';
import type { CliRun } from '../helpers/cli-run.js';

const tail = (args: string[]): Promise<CliRun> => runCli(['tail', ...args]);

test('three collectors, one stream: muxd tail nats://… reads back every acked message, with its collector', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  const collectors: CollectProcess[] = [];
  for (const id of ['ca', 'cb', 'cc']) {
    const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, id, 'j.jsonl'), '--sink', nats.url, '--collector-id', id]);
    after(() => p.stop('SIGKILL'));
    collectors.push(p);
  }
  const expected = new Map<string, { collector: string; seq: number }>();
  await Promise.all(
    collectors.map(async (p, i) => {
      const clients = await Promise.all([lineClient(p.port), lineClient(p.port)]);
      const senders = clients.map((c, j) => windowedSender(c, `c${i}k${j}`, { window: 16, total: 200 }));
      await Promise.all(senders.map((s) => s.done));
      for (const c of clients) c.close();
      for (const s of senders) {
        assert.deepEqual(s.errors, []);
        for (const a of s.acked) expected.set(a.payload, { collector: ['ca', 'cb', 'cc'][i]!, seq: a.seq });
      }
    }),
  );
  assert.equal(expected.size, 1200);

  const all = await tail(['-n', 'all', '--json', `${nats.url}/MUXD`]);
  assert.equal(all.code, 0, all.stderr);
  const lines = all.stdout.trim().split('\n').map((l) => JSON.parse(l) as { seq: number; msg: string; collector: string; src: string });
  assert.equal(lines.length, 1200);
  for (const l of lines) {
    const e = expected.get(l.msg);
    assert.ok(e, l.msg);
    assert.equal(l.collector, e.collector);
    assert.equal(l.seq, e.seq);
    expected.delete(l.msg);
  }
  assert.equal(expected.size, 0, 'every acked message read back exactly once');

  // Readable form: the collector before the seq; -n counts records across batches and collectors.
  const last = await tail(['-n', '5', nats.url]);
  assert.equal(last.code, 0, last.stderr);
  const readable = last.stdout.trim().split('\n');
  assert.equal(readable.length, 5);
  for (const l of readable) assert.match(l, /^\S+Z {2}c[abc]#\d+ {2}tcp:127\.0\.0\.1:\d+ {2}c\dk\d-m\d+$/);
  assert.deepEqual(readable.map((l) => l.split('  ').slice(1).join('  ')), lines.slice(-5).map((l) => `${l.collector}#${l.seq}  ${l.src}  ${l.msg}`));

  const grep = await tail(['-n', 'all', '--grep', '/^c1k0-m1\\d$/', nats.url]);
  assert.equal(grep.stdout.trim().split('\n').length, 10);
  const src = await tail(['-n', '3', '--src', lines[0]!.src, '--json', nats.url]);
  const srcLines = src.stdout.trim().split('\n').map((l) => JSON.parse(l) as { src: string });
  assert.equal(srcLines.length, 3);
  for (const l of srcLines) assert.equal(l.src, lines[0]!.src);
  const future = await tail(['-n', 'all', '--since', '2100-01-01', nats.url]);
  assert.equal(future.code, 0);
  assert.equal(future.stdout, '');
});

test('muxd tail -f nats://…: prints records published after it started, from any collector', async () => {
  const nats = await startNats();
  after(() => nats.stop());
  const t = await tempDir('muxd-nats-');
  after(() => t.cleanup());
  const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', nats.url, '--collector-id', 'live']);
  after(() => p.stop('SIGKILL'));
  const c = await lineClient(p.port);
  after(() => c.close());
  assert.equal(await c.send('old one'), 'ok 1');
  const child = spawn(process.execPath, [cliPath, 'tail', '-f', '-n', '1', nats.url], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  after(() => child.kill('SIGKILL'));
  child.stdout.setEncoding('utf8');
  // One listener for the whole run: output that arrives between two waits must not be lost.
  let out = '';
  let wake: () => void = () => {};
  child.stdout.on('data', (d: string) => {
    out += d;
    wake();
  });
  const seen = async (text: string): Promise<void> => {
    while (!out.includes(text)) await new Promise<void>((resolve) => (wake = resolve));
  };
  await seen('live#1  ');
  assert.equal(await c.send('new one'), 'ok 2');
  await seen('live#2  ');
  assert.match(out, /live#2 {2}tcp:127\.0\.0\.1:\d+ {2}new one\n$/);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});
