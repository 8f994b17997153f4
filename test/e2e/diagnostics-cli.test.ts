// --log-level and --diag-format through the CLI: startup and shutdown lines as JSON on stderr, levels filtering, the fatal line keeping its code; stdout untouched.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { runCli } from '../helpers/cli-run.js';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import { freePort } from '../helpers/nats.js';

interface Diag {
  timestamp: string;
  level: string;
  component: string;
  message: string;
  code?: string;
}

function jsonLines(stderr: string): Diag[] {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Diag);
}

test('collect --diag-format json: every stderr line is a JSON object, from startup to shutdown; stdout keeps its listening line', async () => {
  const t = await tempDir('muxd-diag-');
  after(() => t.cleanup());
  const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--diag-format', 'json']);
  assert.match(p.lines[0]!, /^listening collect tcp:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(await p.stop('SIGTERM'), 0);
  const diags = jsonLines(p.stderr());
  assert.deepEqual(
    diags.map((d) => [d.level, d.component]),
    [
      ['info', 'collect'],
      ['info', 'lifecycle'],
      ['info', 'lifecycle'],
    ],
  );
  assert.match(diags[0]!.message, /^journal .*j\.jsonl \(json, sync batch\), next seq 1$/);
  assert.equal(diags[2]!.message, 'shutdown complete');
  for (const d of diags) assert.ok(!Number.isNaN(Date.parse(d.timestamp)));
});

test('collect --log-level warn: startup and shutdown lines are gone (MUXD_LOG_LEVEL works the same)', async () => {
  const t = await tempDir('muxd-diag-');
  after(() => t.cleanup());
  const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--log-level', 'warn']);
  assert.equal(await p.stop('SIGTERM'), 0);
  assert.equal(p.stderr(), '');
  const q = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl')], { env: { MUXD_LOG_LEVEL: 'error' } });
  assert.equal(await q.stop('SIGTERM'), 0);
  assert.equal(q.stderr(), '');
});

test('a failing start under --diag-format json: the warning and the fatal error are JSON and carry ERR_SINK_UNAVAILABLE; --log-level error keeps only the fatal line', async () => {
  const t = await tempDir('muxd-diag-');
  after(() => t.cleanup());
  const port = await freePort();
  const base = ['collect', '--port', '0', '--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--sink', `nats://127.0.0.1:${port}`, '--collector-id', 'diag', '--sink-timeout', '1'];
  const r = await runCli([...base, '--diag-format', 'json']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  const diags = jsonLines(r.stderr);
  assert.deepEqual(diags[0] && [diags[0].level, diags[0].component], ['warn', 'nats']);
  assert.match(diags[0]!.message, /^NATS JetStream not ready \(cannot reach NATS/);
  const fatal = diags[diags.length - 1]!;
  assert.deepEqual([fatal.level, fatal.component, fatal.code], ['error', 'main', 'ERR_SINK_UNAVAILABLE']);
  assert.match(fatal.message, /^NATS JetStream not ready within --sink-timeout 1s: .* \(ERR_SINK_UNAVAILABLE\)$/);

  const quiet = await runCli([...base, '--log-level', 'error']);
  assert.equal(quiet.code, 1);
  assert.match(quiet.stderr, /^muxd: NATS JetStream not ready within --sink-timeout 1s: .* \(ERR_SINK_UNAVAILABLE\)\n$/);
});

test('a bad --log-level is a usage error (exit 2) naming the choices', async () => {
  const r = await runCli(['serve', '--log-level', 'loud', '--port', '0']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--log-level must be one of error, warn, info, debug, not "loud" \(ERR_INVALID_OPTION\)/);
});
