// `muxd bench collect` through the built CLI: a real collector passes every check; a collector that acks one seq twice fails it.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import { startFakeCollector } from '../helpers/client-fake-collector.js';
import { runCli } from '../helpers/cli-run.js';
import type { CliRun } from '../helpers/cli-run.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

const bench = (args: string[]): Promise<CliRun> => runCli(['bench', ...args]);

test('muxd bench collect against muxd collect: every message acked once, one JSON line, exit 0', { timeout: 60_000 }, async () => {
  const tmp = await tempDir('muxd-bench-');
  cleanups.push(tmp.cleanup);
  const collector = await spawnCollect(['--no-stdin', '--journal', path.join(tmp.dir, 'journal.jsonl')]);
  cleanups.push(() => collector.stop());
  const r = await bench(['collect', '--port', String(collector.port), '--clients', '20', '--messages', '150', '--size', '64', '--window', '8']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 1, 'one parseable line when stdout is not a TTY');
  const result = JSON.parse(lines[0] as string) as Record<string, unknown>;
  assert.equal(result.ok, true);
  assert.equal(result.acked, 3000);
  assert.equal(result.duplicates, 0);
  assert.equal(result.outOfOrder, 0);
  assert.equal(result.contiguous, true);
  assert.equal(typeof result.rate, 'number');
  for (const k of ['p50', 'p99', 'max']) assert.equal(typeof result[k], 'number', k);
  assert.equal(r.stderr, '', 'no progress line when stderr is not a TTY');
});

test('muxd bench collect: duplicate seqs fail the run with exit 1; usage errors exit 2', async () => {
  const fake = await startFakeCollector({ seqMode: 'per-connection' });
  cleanups.push(() => fake.close());
  const r = await bench(['collect', '--port', String(fake.port), '--clients', '2', '--messages', '10']);
  assert.equal(r.code, 1);
  const result = JSON.parse(r.stdout) as { ok: boolean; duplicates: number; problems: string[] };
  assert.equal(result.ok, false);
  assert.equal(result.duplicates, 10);
  for (const args of [[], ['http'], ['collect', '--clients', '0'], ['collect', '--size', 'big']]) {
    assert.equal((await bench(args)).code, 2, args.join(' '));
  }
});
