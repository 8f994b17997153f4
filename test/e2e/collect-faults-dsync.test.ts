// Disk failures with --sync-method dsync under real fault injection (fiu): an O_DSYNC write that fails gets ERR_IO, never ok, and seqs come back.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { exchange, readJournal, spawnCollect, tempDir } from '../helpers/collect.js';

const run = promisify(execFile);

test('dsync: pwrite and fdatasync fail (EIO injected with fiu): ERR_IO, input waits, the next message reuses the seq once the disk works', async () => {
  try {
    await run('sh', ['-c', 'command -v fiu-run && command -v fiu-ctrl']);
  } catch {
    assert.fail('fiu-run/fiu-ctrl not found: install the Debian package fiu-utils');
  }
  const t = await tempDir('muxd-fault-dsync-');
  after(() => t.cleanup());
  const file = path.join(t.dir, 'journal.jsonl');
  const p = await spawnCollect(['--no-stdin', '--journal', file, '--sync-method', 'dsync'], { wrap: ['fiu-run', '-x'], env: { UV_USE_IO_URING: '0' } });
  const fiuCtrl = (command: string): Promise<unknown> => run('fiu-ctrl', ['-c', command, String(p.child.pid)]);
  try {
    assert.deepEqual((await exchange(p.port, 'before\n', { expect: 1 })).replies, ['ok 1']);
    // A failing disk fails both: with O_DSYNC the batch's error comes from pwrite, the retry probe's from fdatasync.
    await fiuCtrl('enable name=posix/io/rw/pwrite,failinfo=5');
    await fiuCtrl('enable name=posix/io/sync/fdatasync,failinfo=5');
    const failed = await exchange(p.port, 'during\n', { expect: 1 });
    assert.match(failed.replies[0] ?? '', /^error ERR_IO \S/);
    const held = exchange(p.port, 'held\n', { expect: 1 });
    const early = await Promise.race([held.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    assert.equal(early, 'waiting');
    await fiuCtrl('disable name=posix/io/rw/pwrite');
    await fiuCtrl('disable name=posix/io/sync/fdatasync');
    assert.deepEqual((await held).replies, ['ok 2']);
    assert.deepEqual((await exchange(p.port, 'after\n', { expect: 1 })).replies, ['ok 3']);
  } finally {
    assert.equal(await p.stop(), 0);
  }
  assert.match(p.stderr(), /write failed \(EIO\)/);
  assert.deepEqual(
    (await readJournal(file)).map((r) => [r.seq, r.msg]),
    [
      [1, 'before'],
      [2, 'held'],
      [3, 'after'],
    ],
  );
});
