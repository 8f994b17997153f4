// Regression (issue 15 follow-up): `muxd up --sink nats://…` given SIGTERM while it still waited for NATS at startup
// exited 1 with ERR_SINK_UNAVAILABLE, while `muxd collect` in the same spot exited 0. A stop asked for is no failure.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { cliPath, tempDir } from '../helpers/collect.js';
import { freePort } from '../helpers/nats.js';

test('SIGTERM while up --sink still waits for NATS: it stops and exits 0, as collect does', async () => {
  const t = await tempDir('muxd-up-nats-');
  after(() => t.cleanup());
  const port = await freePort();
  const args = ['up', '--port', '0', '--collect-port', '0', '--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', `nats://127.0.0.1:${port}`, '--sink-timeout', '60'];
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  after(() => child.kill('SIGKILL'));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exited = once(child, 'exit');
  // The first retry line says it is waiting for NATS: the moment to stop it.
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('NATS JetStream not ready')) resolve();
    });
  });
  const started = Date.now();
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  assert.equal(code, 0, stderr);
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms, not --sink-timeout`);
  assert.equal(stdout, '', 'never listened');
  assert.match(stderr, /SIGTERM: shutting down/);
  assert.doesNotMatch(stderr, /ERR_SINK_UNAVAILABLE/);
});
