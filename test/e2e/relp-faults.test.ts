// RELP with a real fdatasync failure (fiu-run/fiu-ctrl): the message whose sync failed is answered rsp 500, never 200, and is not in the journal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readJournal, spawnCollect, tempDir } from '../helpers/collect.js';
import { RelpTestClient } from '../helpers/relp-client.js';

const run = promisify(execFile);

test('relp: fdatasync fails (EIO injected with fiu): rsp 500 for that message, never 200; rsp 200 again once the disk works', async () => {
  try {
    await run('sh', ['-c', 'command -v fiu-run && command -v fiu-ctrl']);
  } catch {
    assert.fail('fiu-run/fiu-ctrl not found: install the Debian package fiu-utils');
  }
  const t = await tempDir('muxd-relp-fault-');
  after(() => t.cleanup());
  const file = path.join(t.dir, 'journal.jsonl');
  const p = await spawnCollect(['--no-stdin', '--journal', file, '--relp-port', '0'], { wrap: ['fiu-run', '-x'], env: { UV_USE_IO_URING: '0' } });
  try {
    const relpPort = Number(/:(\d+)$/.exec((await p.waitLines(2))[1] ?? '')?.[1]);
    const c = await RelpTestClient.connect(relpPort);
    await c.open();
    c.send('syslog', 'before');
    assert.deepEqual((await c.waitFrames(2))[1], { txnr: 2, command: 'rsp', data: '200 OK' });

    await run('fiu-ctrl', ['-c', 'enable name=posix/io/sync/fdatasync,failinfo=5', String(p.child.pid)]);
    c.send('syslog', 'during');
    const failed = (await c.waitFrames(3))[2];
    assert.equal(failed?.txnr, 3);
    assert.match(failed?.data ?? '', /^500 ERR_IO /);

    await run('fiu-ctrl', ['-c', 'disable name=posix/io/sync/fdatasync', String(p.child.pid)]);
    c.send('syslog', 'after');
    assert.deepEqual((await c.waitFrames(4))[3], { txnr: 4, command: 'rsp', data: '200 OK' });
    assert.ok(!c.frames.some((f) => f.txnr === 3 && f.data.startsWith('200')), 'the failed message never got 200');
    c.destroy();
  } finally {
    assert.equal(await p.stop(), 0);
  }
  assert.deepEqual(
    (await readJournal(file)).map((r) => r.msg),
    ['before', 'after'],
  );
});
