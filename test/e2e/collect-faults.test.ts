// Disk failures with real fault injection (fiu-run/fiu-ctrl, UV_USE_IO_URING=0): no ok for what is not durable, the server stays up and recovers.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, open, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { exchange, readJournal, spawnCollect, tempDir } from '../helpers/collect.js';

const run = promisify(execFile);

/** fiu-utils is a CI dependency (.ci/run installs it): missing means failing, not skipping. */
async function requireFiu(): Promise<void> {
  try {
    await run('sh', ['-c', 'command -v fiu-run && command -v fiu-ctrl']);
  } catch {
    assert.fail('fiu-run/fiu-ctrl not found: install the Debian package fiu-utils');
  }
}

async function fiuCtrl(pid: number, command: string): Promise<void> {
  await run('fiu-ctrl', ['-c', command, String(pid)]);
}

const fiuEnv = { UV_USE_IO_URING: '0' };

test('fdatasync fails (EIO injected with fiu): the batch gets ERR_IO, input waits, and the next batch is ok once the disk works', async () => {
  await requireFiu();
  const t = await tempDir('muxd-fault-');
  after(() => t.cleanup());
  const file = path.join(t.dir, 'journal.jsonl');
  const p = await spawnCollect(['--no-stdin', '--journal', file], { wrap: ['fiu-run', '-x'], env: fiuEnv });
  try {
    assert.deepEqual((await exchange(p.port, 'before\n', { expect: 1 })).replies, ['ok 1']);
    await fiuCtrl(p.child.pid!, 'enable name=posix/io/sync/fdatasync,failinfo=5');
    const failed = await exchange(p.port, 'during\n', { expect: 1 });
    assert.match(failed.replies[0] ?? '', /^error ERR_IO \S/);
    // While the disk fails, a new message is held, not acknowledged and not refused.
    const held = exchange(p.port, 'held\n', { expect: 1 });
    const early = await Promise.race([held.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    assert.equal(early, 'waiting');
    await fiuCtrl(p.child.pid!, 'disable name=posix/io/sync/fdatasync');
    assert.deepEqual((await held).replies, ['ok 2']);
    assert.deepEqual((await exchange(p.port, 'after\n', { expect: 1 })).replies, ['ok 3']);
    assert.equal(p.child.exitCode, null, 'the server kept running');
  } finally {
    assert.equal(await p.stop(), 0);
  }
  assert.match(p.stderr(), /fdatasync failed \(EIO\)/);
  assert.match(p.stderr(), /work again/);
  assert.deepEqual(
    (await readJournal(file)).map((r) => [r.seq, r.msg]),
    [
      [1, 'before'],
      [2, 'held'],
      [3, 'after'],
    ],
  );
});

/** A full disk: a 1 MiB tmpfs filled up (we are root in CI), or ENOSPC injected on pwrite(2) where mount is not allowed. */
async function fullDisk(dir: string): Promise<{ journalDir: string; wrap: string[]; free: (pid: number) => Promise<void>; cleanup: () => Promise<void>; how: string }> {
  const mnt = path.join(dir, 'mnt');
  await mkdir(mnt);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
  } catch {
    return {
      journalDir: dir,
      wrap: ['fiu-run', '-x'],
      how: 'fiu ENOSPC on pwrite(2), the journal write',
      free: (pid) => fiuCtrl(pid, 'disable name=posix/io/rw/pwrite'),
      cleanup: () => rmdir(mnt),
    };
  }
  const filler = path.join(mnt, 'filler');
  return {
    journalDir: mnt,
    wrap: [],
    how: 'tmpfs of 1 MiB',
    free: () => unlink(filler),
    cleanup: async () => {
      await run('umount', [mnt]).catch(() => {});
      await rmdir(mnt).catch(() => {});
    },
  };
}

async function fill(file: string): Promise<void> {
  const fh = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) await fh.write(chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    await fh.close();
  }
}

test('a full disk (ENOSPC): ERR_IO instead of ok, the server keeps serving, and recovers when space comes back', async (t) => {
  await requireFiu();
  const tmp = await tempDir('muxd-enospc-');
  const disk = await fullDisk(tmp.dir);
  after(async () => {
    await disk.cleanup();
    await tmp.cleanup();
  });
  t.diagnostic(`full disk simulated with: ${disk.how}`);
  const file = path.join(disk.journalDir, 'journal.jsonl');
  if (disk.wrap.length === 0) await fill(path.join(disk.journalDir, 'filler'));
  const p = await spawnCollect(['--no-stdin', '--journal', file], { wrap: disk.wrap, env: fiuEnv });
  try {
    if (disk.wrap.length > 0) await fiuCtrl(p.child.pid!, 'enable name=posix/io/rw/pwrite,failinfo=28');
    const big = 'n'.repeat(2000);
    const failed = await exchange(p.port, `${big}\n`, { expect: 1 });
    assert.match(failed.replies[0] ?? '', /^error ERR_IO \S/);
    await disk.free(p.child.pid!);
    // Retries back off up to 2 s; a message sent now waits for the recovery and is then acknowledged.
    let reply = '';
    for (let i = 0; i < 20 && !reply.startsWith('ok '); i++) reply = (await exchange(p.port, 'space again\n', { expect: 1 })).replies[0] ?? '';
    assert.equal(reply, 'ok 1');
  } finally {
    assert.equal(await p.stop(), 0);
  }
  assert.match(p.stderr(), /write failed \(ENOSPC\)/);
  assert.deepEqual(
    (await readJournal(file)).map((r) => [r.seq, r.msg]),
    [[1, 'space again']],
  );
});
