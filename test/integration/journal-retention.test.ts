// Journal retention on real files: rotation by interval, deletion by age, background gzip, and the cleanup a kill leaves for the next start.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { openJournal } from '../../src/journal/journal.js';
import type { Journal } from '../../src/journal/journal.js';
import { scanJournal } from '../../src/journal/seq-scan.js';
import { tempDir } from '../helpers/collect.js';

// The journal's timers are unref'd (a collector's sockets keep a process alive, not its journal): here, the test does.
const alive = setInterval(() => {}, 60_000);
const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  clearInterval(alive);
  for (const c of cleanups) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir('muxd-retention-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const DAY = 86_400_000;
const rec = (seq: number, ts = '2026-01-01T00:00:00.000Z'): string => `{"seq":${seq},"ts":"${ts}","src":"stdin","msg":"m${seq}"}\n`;
const recs = (a: number, b: number): string => Array.from({ length: b - a + 1 }, (_, i) => rec(a + i)).join('');
const msgs = (n: number, tag: string): Array<{ src: string; msg: Buffer }> => Array.from({ length: n }, (_, i) => ({ src: 'stdin', msg: Buffer.from(`${tag}-${i}-${'p'.repeat(60)}`) }));
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

async function allSeqs(file: string): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of scanJournal({ file, order: 'asc' })) for (const r of batch) out.push(r.seq);
  return out;
}

async function names(d: string): Promise<string[]> {
  return (await readdir(d)).sort();
}

/** Resolves once `j`'s retention has compressed every rotated file: no plain `FILE.N` left (event-driven, checked after each). */
async function allCompressed(j: Journal, d: string, base: string): Promise<void> {
  const plainLeft = async (): Promise<boolean> => (await names(d)).some((n) => new RegExp(`^${base.replace('.', '\\.')}\\.\\d+$`).test(n));
  while (await plainLeft()) await once(j.retention, 'compressed');
}

test('--rotate-interval: the file rotates once its first record is that old, numbering goes on, and an empty file never rotates', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const j = await openJournal({ path: file, rotateIntervalMs: 1000 });
  const start = Date.now();
  await j.append(msgs(3, 'a'));
  const [lastSeq] = (await once(j, 'rotated')) as [number];
  assert.equal(lastSeq, 3);
  assert.ok(Date.now() - start >= 900, 'not before the interval');
  assert.equal((await stat(file)).size, 0);
  assert.deepEqual(await allSeqs(file), [1, 2, 3]);
  assert.equal(await j.append(msgs(1, 'b')), 4, 'seq continues');
  await once(j, 'rotated');
  assert.deepEqual(await names(d), ['j.jsonl', 'j.jsonl.1', 'j.jsonl.2']);
  await j.close();
});

test('--rotate-interval: the age of the current file counts from its first record, across a restart', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const first = rec(1, new Date(Date.now() - 2 * DAY).toISOString());
  await writeFile(file, first);
  const j = await openJournal({ path: file, rotateIntervalMs: DAY });
  await once(j, 'rotated');
  assert.equal(await readFile(`${file}.1`, 'utf8'), first);
  assert.equal(await j.append(msgs(1, 'x')), 2);
  await j.close();
});

test('--keep-age: rotated files (plain or .gz) whose last record is older are deleted at start; younger ones stay', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  await writeFile(`${file}.3.gz`, gzipSync(recs(1, 2)));
  await writeFile(`${file}.2`, recs(3, 4));
  await writeFile(`${file}.1`, recs(5, 6));
  await writeFile(file, recs(7, 8));
  const old = new Date(Date.now() - 20 * DAY);
  await utimes(`${file}.3.gz`, old, old);
  await utimes(`${file}.2`, old, old);
  const logs: string[] = [];
  const j = await openJournal({ path: file, rotateSize: 1 << 20, keepAgeMs: 14 * DAY, log: (l) => logs.push(l) });
  assert.deepEqual(await names(d), ['j.jsonl', 'j.jsonl.1']);
  assert.match(logs.join('\n'), /deleted 2 rotated journal files older than --keep-age/);
  assert.equal(await j.append(msgs(1, 'x')), 9);
  await j.close();
});

test('--keep-age: the newest rotated file always stays (recovery takes the seq from it when the live file is empty), so the seq goes on', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  await writeFile(`${file}.2`, recs(1, 2));
  await writeFile(`${file}.1.gz`, gzipSync(recs(3, 4)));
  await writeFile(file, '');
  const old = new Date(Date.now() - 20 * DAY);
  await utimes(`${file}.2`, old, old);
  await utimes(`${file}.1.gz`, old, old);
  const j = await openJournal({ path: file, rotateSize: 1 << 20, keepAgeMs: DAY });
  assert.deepEqual(await names(d), ['j.jsonl', 'j.jsonl.1.gz']);
  assert.equal(await j.append(msgs(1, 'x')), 5);
  await j.close();
});

test('--compress-rotated gzip: rotated files become FILE.N.gz in the background, whole, with their age; nothing lost, seq continues', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const j = await openJournal({ path: file, rotateSize: 4096, keep: 100, compression: 'gzip' });
  for (let i = 0; i < 40; i++) await j.append(msgs(10, `b${i}`));
  await allCompressed(j, d, 'j.jsonl');
  const listed = await names(d);
  assert.ok(listed.length > 5, listed.join(' '));
  for (const n of listed) assert.match(n, /^j\.jsonl(\.\d+\.gz)?$/, 'no plain rotated file, no temporary file');
  const oneGz = gunzipSync(await readFile(`${file}.1.gz`)).toString('utf8');
  assert.ok(oneGz.endsWith('\n') && oneGz.startsWith('{"seq":'));
  assert.deepEqual(await allSeqs(file), range(1, 400));
  await j.close();
  const j2 = await openJournal({ path: file, rotateSize: 4096, keep: 100, compression: 'gzip' });
  assert.equal(await j2.append(msgs(1, 'after')), 401);
  await j2.close();
});

test('start after a kill mid-compression: the temporary file goes, a plain file whose .gz is complete goes, a plain one is compressed again', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  await writeFile(`${file}.3`, recs(1, 10));
  await writeFile(`${file}.2`, recs(11, 20));
  await writeFile(`${file}.2.gz`, gzipSync(recs(11, 20)));
  await writeFile(`${file}.1`, recs(21, 30));
  await writeFile(`${file}.gz.tmp`, gzipSync(recs(21, 30)).subarray(0, 15));
  await writeFile(file, recs(31, 32));
  const j = await openJournal({ path: file, rotateSize: 1 << 20, compression: 'gzip' });
  assert.ok(!(await names(d)).includes('j.jsonl.gz.tmp'), 'leftover removed before anything runs');
  assert.ok(!(await names(d)).includes('j.jsonl.2'), 'the plain twin of a finished .gz removed');
  await allCompressed(j, d, 'j.jsonl');
  assert.deepEqual(await names(d), ['j.jsonl', 'j.jsonl.1.gz', 'j.jsonl.2.gz', 'j.jsonl.3.gz']);
  assert.deepEqual(await allSeqs(file), range(1, 32));
  await j.close();
});

test('--keep with compression: the oldest position falls off in either form, never leaving a stale twin', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const j = await openJournal({ path: file, rotateSize: 2048, keep: 2, compression: 'gzip' });
  for (let i = 0; i < 30; i++) await j.append(msgs(5, `k${i}`));
  await allCompressed(j, d, 'j.jsonl');
  assert.deepEqual(await names(d), ['j.jsonl', 'j.jsonl.1.gz', 'j.jsonl.2.gz']);
  const seqs = await allSeqs(file);
  assert.equal(seqs[seqs.length - 1], 150);
  assert.deepEqual(seqs, range(seqs[0] as number, 150), 'consecutive from the oldest kept');
  await j.close();
});

test('compression never holds up the journal: appends are acked and a rotation completes while a big file is being compressed', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  // About 24 MiB of records: gzip takes a good while over it.
  const chunk = recs(1, 20_000);
  await writeFile(`${file}.1`, chunk.repeat(Math.ceil((24 << 20) / chunk.length)));
  await writeFile(file, rec(20_001));
  const j = await openJournal({ path: file, rotateSize: 4096, keep: 10, compression: 'gzip' });
  let compressed = false;
  j.retention.once('compressed', () => (compressed = true));
  // The compression of FILE.1 starts at open; wait until its temporary file exists (no event for that: poll, bounded).
  for (let i = 0; i < 500 && !(await names(d)).includes('j.jsonl.gz.tmp'); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok((await names(d)).includes('j.jsonl.gz.tmp'), 'compressing');
  const rotated = once(j, 'rotated');
  for (let i = 0; i < 10; i++) await j.append(msgs(10, `during${i}`));
  await rotated;
  assert.equal(compressed, false, 'every append was acked, and a rotation done, before the compression ended');
  await allCompressed(j, d, 'j.jsonl');
  assert.ok((await names(d)).includes('j.jsonl.2.gz'), 'the big file, moved to FILE.2 by the rotation meanwhile, was installed there');
  await j.close();
});

test('--keep-age: after a rotation, rotated files past the age are deleted (the sweep runs on rotation, not only at start)', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const j = await openJournal({ path: file, rotateSize: 2048, keep: 100, keepAgeMs: DAY });
  const first = once(j, 'rotated');
  await j.append(msgs(40, 'a'));
  await first;
  // Let the sweep that this rotation started finish (sweeps run one at a time) before ageing FILE.1.
  await j.retention.sweep();
  const old = new Date(Date.now() - 2 * DAY);
  await utimes(`${file}.1`, old, old);
  const deleted = once(j.retention, 'deleted');
  const second = once(j, 'rotated');
  await j.append(msgs(40, 'b'));
  await second;
  assert.deepEqual(await deleted, [1]);
  assert.deepEqual(await names(d), ['j.jsonl', 'j.jsonl.1']);
  assert.deepEqual((await allSeqs(file))[0], 41, 'only the old file went');
  await j.close();
});
