// The journal's failure rules without fiu, through a fake FileOps: failed write/fdatasync, ENOSPC, short writes, the poisoned write, O_DSYNC.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { openJournal } from '../../src/journal/journal.js';
import type { Journal, JournalOptions } from '../../src/journal/journal.js';
import { FakeFileOps } from '../helpers/fake-file-ops.js';
import { readJournal, tempDir } from '../helpers/collect.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});
const msg = (s: string): { src: string; msg: Buffer } => ({ src: 'stdin', msg: Buffer.from(s) });

async function open(ops: FakeFileOps, extra: Partial<JournalOptions> = {}): Promise<{ j: Journal; file: string; logs: string[] }> {
  const t = await tempDir('muxd-jfault-');
  cleanups.push(t.cleanup);
  const file = path.join(t.dir, 'j.jsonl');
  const logs: string[] = [];
  // The journal's retry timers are unref'd (a server's sockets keep the process up); this stands in for them.
  const keepAlive = setInterval(() => {}, 60_000);
  cleanups.push(async () => clearInterval(keepAlive));
  const j = await openJournal({ path: file, fileOps: ops, retryMinMs: 2, retryMaxMs: 20, log: (l) => logs.push(l), ...extra });
  return { j, file, logs };
}

async function contents(file: string): Promise<Array<[number, string | undefined]>> {
  return (await readJournal(file)).map((r) => [r.seq, r.msg]);
}

/**
 * `before` is acknowledged as seq 1, then `arm` injects a failure and the next batch must get ERR_IO; after
 * the recovery `after` must get seq 2 again, and the file must hold exactly those two records.
 */
async function failOneBatch(arm: (ops: FakeFileOps) => void, extra: Partial<JournalOptions> = {}): Promise<{ j: Journal; logs: string[] }> {
  const ops = new FakeFileOps();
  const { j, file, logs } = await open(ops, extra);
  assert.equal(await j.append([msg('before')]), 1);
  arm(ops);
  const recovered = once(j, 'recovered');
  await assert.rejects(j.append([msg('lost a'), msg('lost b')]), { code: 'ERR_IO' });
  assert.equal(j.healthy, false);
  await recovered;
  assert.equal(await j.append([msg('after')]), 2);
  await j.close();
  assert.deepEqual(await contents(file), [
    [1, 'before'],
    [2, 'after'],
  ]);
  return { j, logs };
}

test('a write that fails once (EIO): its batch gets ERR_IO, the file keeps nothing of it, and its seqs are handed out again', async () => {
  const { j, logs } = await failOneBatch((ops) => ops.fail('write', 'EIO'));
  assert.equal(j.stats.ioErrors, 1);
  assert.match(logs.join('\n'), /write failed \(EIO\): 2 messages not acknowledged/);
});

test('fdatasync fails with EIO, then fails the first probe too, then recovers: nothing unsynced is acknowledged, a batch sent meanwhile waits and reuses the seqs', async () => {
  const ops = new FakeFileOps();
  const { j, file, logs } = await open(ops);
  assert.equal(await j.append([msg('before')]), 1);
  ops.fail('fdatasync', 'EIO', 2);
  const failing = once(j, 'failing');
  const lost = j.append([msg('lost')]);
  await assert.rejects(lost, { code: 'ERR_IO' });
  await failing;
  const recovered = once(j, 'recovered');
  const held = j.append([msg('held')]);
  await recovered;
  assert.equal(await held, 2);
  assert.ok(ops.count('ftruncate') >= 2, 'each probe cuts the file back before it syncs');
  await j.close();
  assert.deepEqual(await contents(file), [
    [1, 'before'],
    [2, 'held'],
  ]);
  assert.match(logs.join('\n'), /fdatasync failed \(EIO\)/);
  assert.match(logs.join('\n'), /work again/);
});

test('ENOSPC on write: ERR_IO, writes pause, and the same seq is used once space is back', async () => {
  const ops = new FakeFileOps().fail('write', 'ENOSPC');
  const { j, file, logs } = await open(ops);
  const recovered = once(j, 'recovered');
  await assert.rejects(j.append([msg('x'.repeat(2000))]), { code: 'ERR_IO' });
  await recovered;
  assert.equal(await j.append([msg('space again')]), 1);
  await j.close();
  assert.deepEqual(await contents(file), [[1, 'space again']]);
  assert.match(logs.join('\n'), /write failed \(ENOSPC\)/);
});

test('a short write is continued where it stopped: one whole record, no failure', async () => {
  const ops = new FakeFileOps().short(10);
  const { j, file } = await open(ops);
  const writesBefore = ops.count('write');
  assert.equal(await j.append([msg('a message longer than ten bytes')]), 1);
  assert.equal(ops.count('write') - writesBefore, 2);
  await j.close();
  assert.deepEqual(await contents(file), [[1, 'a message longer than ten bytes']]);
  assert.equal(j.stats.ioErrors, 0);
});

test('a short write followed by EIO: the bytes that landed are cut off before the next batch', async () => {
  const ops = new FakeFileOps().short(10).fail('write', 'EIO');
  const { j, file } = await open(ops);
  const recovered = once(j, 'recovered');
  await assert.rejects(j.append([msg('torn by the disk')]), { code: 'ERR_IO' });
  await recovered;
  assert.equal(await j.append([msg('whole')]), 1);
  await j.close();
  const text = await readFile(file, 'utf8');
  assert.equal(text.indexOf('\n'), text.length - 1, 'exactly one line, no torn bytes before it');
  assert.deepEqual(await contents(file), [[1, 'whole']]);
});

test('poisoned write: an fdatasync fails while the next write is in flight, so that write\'s batch fails too and its seqs come back', async () => {
  const ops = new FakeFileOps();
  const { j, file } = await open(ops);
  const sync = ops.hold('fdatasync', 'EIO');
  const first = j.append([msg('first')]);
  await sync.reached;
  const write = ops.hold('write');
  const second = j.append([msg('second')]);
  await write.reached;
  sync.release();
  await assert.rejects(first, { code: 'ERR_IO' });
  const recovered = once(j, 'recovered');
  write.release();
  await assert.rejects(second, { code: 'ERR_IO', message: 'fdatasync failed' });
  await recovered;
  assert.equal(await j.append([msg('third')]), 1);
  await j.close();
  assert.deepEqual(await contents(file), [[1, 'third']]);
  assert.equal(j.stats.lastSeq, 1);
});

test('sync method dsync: the file is opened O_DSYNC (rotation too), a write is the sync, and no fdatasync runs per batch', async () => {
  const ops = new FakeFileOps();
  const { j, file } = await open(ops, { syncMethod: 'dsync', rotateSize: 1024, keep: 1 });
  const syncs: number[] = [];
  j.on('sync', (_ms: number, count: number) => syncs.push(count));
  for (let i = 0; i < 10; i++) assert.equal(await j.append([msg(`${i} ${'d'.repeat(300)}`)]), i + 1);
  const dsyncOpens = ops.opened.filter((f) => (f & constants.O_DSYNC) !== 0).length;
  assert.ok(dsyncOpens >= 2, `the journal file and a rotated-in file opened O_DSYNC (${dsyncOpens})`);
  // Only rotation fdatasyncs the file it closes; batches never do.
  assert.ok(ops.count('fdatasync') < 10, `${ops.count('fdatasync')} fdatasyncs for 10 batches`);
  assert.equal(syncs.reduce((a, b) => a + b, 0), 10);
  await j.close();
  assert.equal((await readJournal(file)).at(-1)?.seq, 10);
});

test('sync method dsync with sync none: no O_DSYNC (nothing to wait for)', async () => {
  const ops = new FakeFileOps();
  const { j } = await open(ops, { syncMethod: 'dsync', sync: 'none' });
  assert.equal(await j.append([msg('a')]), 1);
  await j.close();
  assert.deepEqual(
    ops.opened.map((f) => f & constants.O_DSYNC),
    ops.opened.map(() => 0),
  );
});

test('sync method dsync, a failing write (EIO, as an O_DSYNC write reports a disk error) after a short one: cut back, ERR_IO, seqs handed out again', async () => {
  const { logs } = await failOneBatch((ops) => ops.short(5).fail('write', 'EIO'), { syncMethod: 'dsync' });
  assert.match(logs.join('\n'), /write failed \(EIO\)/);
});

test('rotation whose rename fails (EIO): writes pause, the file is reopened, rotation runs again, and no seq is lost or repeated', async () => {
  const ops = new FakeFileOps().fail('rename', 'EIO');
  const { j, file, logs } = await open(ops, { rotateSize: 1024, keep: 2 });
  const failing = once(j, 'failing');
  const body = 'r'.repeat(300);
  const firsts: number[] = [];
  for (let i = 0; i < 8; i++) firsts.push(await j.append([msg(`${i} ${body}`)]));
  await failing;
  await j.close();
  assert.deepEqual(firsts, [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.match(logs.join('\n'), /rotation failed \(EIO\)/);
  assert.match(logs.join('\n'), /rotated the journal/);
  const seqs = [...(await readJournal(`${file}.1`)), ...(await readJournal(file))].map((r) => r.seq);
  assert.deepEqual(seqs, seqs.map((_, i) => seqs[0]! + i), 'consecutive across the rotated file and the current one');
  assert.equal(seqs.at(-1), 8);
});
