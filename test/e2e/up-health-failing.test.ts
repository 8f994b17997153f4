// Regression: /_muxd/health answered 200 (status "stopping") while the journal could not write, so a load balancer
// kept sending traffic to an instance that acknowledged nothing. With fdatasync failing (EIO injected with fiu) it
// now answers 503 "failing", and 200 "ok" again once the disk works.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { spawnUp } from '../helpers/up-process.js';

const run = promisify(execFile);

async function health(url: string): Promise<{ status: number; body: { status: string } }> {
  const res = await fetch(`${url}/_muxd/health`);
  return { status: res.status, body: (await res.json()) as { status: string } };
}

function post(url: string, msg: string): Promise<Response> {
  return fetch(`${url}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: msg });
}

test('health answers 503 "failing" during an injected fdatasync failure and 200 "ok" after it', { timeout: 60_000 }, async () => {
  try {
    await run('sh', ['-c', 'command -v fiu-run && command -v fiu-ctrl']);
  } catch {
    assert.fail('fiu-run/fiu-ctrl not found: install the Debian package fiu-utils');
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'muxd-health-'));
  after(() => rm(dir, { recursive: true, force: true }));
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(dir, 'journal.jsonl')], 15_000, {
    wrap: ['fiu-run', '-x'],
    env: { UV_USE_IO_URING: '0' },
  });
  try {
    assert.equal((await post(up.httpUrl, 'before')).status, 200);
    assert.deepEqual(await health(up.httpUrl).then((h) => [h.status, h.body.status]), [200, 'ok']);
    await run('fiu-ctrl', ['-c', 'enable name=posix/io/sync/fdatasync,failinfo=5', String(up.child.pid)]);
    const failed = await post(up.httpUrl, 'during');
    assert.equal(failed.status, 500);
    assert.equal(((await failed.json()) as { error: { code: string } }).error.code, 'ERR_IO');
    const during = await health(up.httpUrl);
    assert.equal(during.status, 503);
    assert.equal(during.body.status, 'failing');
    // A message sent now is held until the disk works again.
    const held = post(up.httpUrl, 'held');
    await run('fiu-ctrl', ['-c', 'disable name=posix/io/sync/fdatasync', String(up.child.pid)]);
    assert.equal((await held).status, 200);
    const recovered = await health(up.httpUrl);
    assert.equal(recovered.status, 200);
    assert.equal(recovered.body.status, 'ok');
  } finally {
    assert.equal(await up.stop(), 0);
  }
});
