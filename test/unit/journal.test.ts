// The journal: consecutive seqs per batch, group commit, 'durable' and 'sync' events, rotation with keep, file order, close.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { journalFiles, openJournal } from '../../src/journal/journal.js';
import type { JournalRecord } from '../../src/journal/journal.js';
import { readJournal, tempDir } from '../helpers/collect.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir('muxd-journal-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const msg = (s: string, src = 'stdin'): { src: string; msg: Buffer } => ({ src, msg: Buffer.from(s) });

test('concurrent appends get consecutive, ordered seqs and are all on disk when they resolve', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  const j = await openJournal({ path: file });
  const syncs: number[] = [];
  j.on('sync', (_ms: number, count: number) => syncs.push(count));
  const firsts = await Promise.all(Array.from({ length: 50 }, (_, i) => j.append([msg(`${i}a`), msg(`${i}b`), msg(`${i}c`)])));
  assert.deepEqual(
    firsts,
    Array.from({ length: 50 }, (_, i) => 1 + 3 * i),
  );
  const records = await readJournal(file);
  assert.deepEqual(
    records.map((r) => r.msg),
    Array.from({ length: 50 }, (_, i) => [`${i}a`, `${i}b`, `${i}c`]).flat(),
  );
  assert.equal(j.stats.lastSeq, 150);
  assert.equal(syncs.reduce((a, b) => a + b, 0), 150);
  assert.ok(syncs.length < 50, `group commit: ${syncs.length} fdatasyncs for 50 batches`);
  assert.equal(j.stats.size, (await readFile(file)).length);
  await j.close();
  await j.close();
  await assert.rejects(j.append([msg('late')]), { code: 'ERR_IO' });
});

test("'durable' carries exactly the records written", async () => {
  const file = path.join(await dir(), 'j.jsonl');
  const j = await openJournal({ path: file });
  const seen: JournalRecord[] = [];
  j.on('durable', (records: JournalRecord[]) => seen.push(...records));
  await j.append([msg('x', 'tcp:127.0.0.1:1'), { src: 'stdin', msg: Buffer.from([0xff]), partial: true }]);
  await j.close();
  assert.deepEqual(seen, await readJournal(file));
  assert.deepEqual(seen[1], { seq: 2, ts: seen[1]!.ts, src: 'stdin', b64: '/w==', partial: true });
});

test('sync none resolves after write(2); the records are in the file', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  const j = await openJournal({ path: file, sync: 'none' });
  assert.equal(await j.append([msg('a')]), 1);
  assert.equal((await readJournal(file)).length, 1);
  await j.close();
});

test('rotation renames to FILE.1 … FILE.keep, drops the oldest, and seq continues across files', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const j = await openJournal({ path: file, rotateSize: 1024, keep: 2 });
  const body = 'x'.repeat(300);
  for (let i = 0; i < 20; i++) await j.append([msg(`${i} ${body}`)]);
  await j.close();
  const names = (await readdir(d)).sort();
  assert.deepEqual(names, ['j.jsonl', 'j.jsonl.1', 'j.jsonl.2']);
  const files = await journalFiles(file);
  assert.deepEqual(files, [`${file}.2`, `${file}.1`, file]);
  const seqs = (await Promise.all(files.map((f) => readJournal(f)))).flat().map((r) => r.seq);
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1);
  assert.equal(seqs[seqs.length - 1], 20);
  const j2 = await openJournal({ path: file, rotateSize: 1024, keep: 2 });
  assert.equal(await j2.append([msg('after restart')]), 21);
  await j2.close();
});

test('raw rotation keeps numbering through FILE.seq', async () => {
  const d = await dir();
  const file = path.join(d, 'j.log');
  const j = await openJournal({ path: file, format: 'raw', rotateSize: 1024, keep: 1 });
  for (let i = 0; i < 10; i++) await j.append([msg('y'.repeat(400))]);
  await j.close();
  const j2 = await openJournal({ path: file, format: 'raw', rotateSize: 1024, keep: 1 });
  assert.equal(await j2.append([msg('z')]), 11);
  await j2.close();
});

test('journalFiles lists nothing for a missing folder and ignores unrelated names', async () => {
  const d = await dir();
  assert.deepEqual(await journalFiles(path.join(d, 'missing', 'j.jsonl')), []);
  const j = await openJournal({ path: path.join(d, 'j.jsonl') });
  await j.close();
  assert.deepEqual(await journalFiles(path.join(d, 'j.jsonl'), 3), [path.join(d, 'j.jsonl')]);
});
