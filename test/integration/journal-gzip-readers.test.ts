// Compressed rotated files read transparently: muxd tail's engine (with -f across a rotation whose file is compressed before the follower looks) and history paging.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { CAUGHT_UP, readJournal } from '../../src/journal/reader.js';
import { journalFiles } from '../../src/journal/files.js';
import { tailJournal } from '../../src/client/tail.js';
import { JournalHistory } from '../../src/web/history.js';
import { lineSeq } from '../../src/journal/scan.js';
import { tempDir } from '../helpers/collect.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});
async function journalPath(): Promise<string> {
  const t = await tempDir('muxd-gzread-');
  cleanups.push(t.cleanup);
  return path.join(t.dir, 'j.jsonl');
}
const rec = (seq: number): string => `{"seq":${seq},"ts":"2026-01-01T00:00:00.000Z","src":"stdin","msg":"m${seq}"}\n`;
const recs = (a: number, b: number): string => Array.from({ length: b - a + 1 }, (_, i) => rec(a + i)).join('');
const range = (a: number, b: number): number[] => Array.from({ length: Math.abs(b - a) + 1 }, (_, i) => (a <= b ? a + i : a - i));

/** FILE.3.gz (1-100), FILE.2 (101-200), FILE.1.gz (201-300), FILE (301-350). */
async function mixed(): Promise<string> {
  const file = await journalPath();
  await writeFile(`${file}.3.gz`, gzipSync(recs(1, 100)));
  await writeFile(`${file}.2`, recs(101, 200));
  await writeFile(`${file}.1.gz`, gzipSync(recs(201, 300)));
  await writeFile(file, recs(301, 350));
  return file;
}

test('tail engine: reads .gz rotated files in order with the plain ones; -n keeps the last N', async () => {
  const file = await mixed();
  const seqs: number[] = [];
  for await (const item of readJournal({ file })) if (item !== CAUGHT_UP) for (const l of item) seqs.push(lineSeq(l) as number);
  assert.deepEqual(seqs, range(1, 350));
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  await tailJournal({ file, lines: 3, follow: false, json: true, filter: { grep: (t) => t.startsWith('m2') }, output: out });
  assert.equal(text, rec(297) + rec(298) + rec(299), "the last 3 matches (m2…), from inside FILE.1.gz");
});

test('tail -f: a rotation whose file is compressed (a new inode) before the follower looks is neither missed nor read twice', async () => {
  const file = await journalPath();
  await writeFile(`${file}.1.gz`, gzipSync(recs(1, 10)));
  await writeFile(file, recs(11, 20));
  const ac = new AbortController();
  const reader = readJournal({ file, follow: true, signal: ac.signal, pollMs: 50 });
  const seqs: number[] = [];
  const next = async (): Promise<void> => {
    const r = await reader.next();
    assert.equal(r.done, false);
    if (r.value !== CAUGHT_UP) for (const l of r.value as Buffer[]) seqs.push(lineSeq(l) as number);
  };
  while (!seqs.includes(20)) await next();
  // The generator is paused between next() calls: everything below happens before the follower looks again.
  await appendFile(file, recs(21, 25));
  // Rotation twice (what the journal does), then both rotated files compressed and their plain forms removed.
  await rename(`${file}.1.gz`, `${file}.2.gz`);
  await rename(file, `${file}.1`);
  await writeFile(file, recs(26, 30));
  await rename(`${file}.2.gz`, `${file}.3.gz`);
  await rename(`${file}.1`, `${file}.2`);
  await rename(file, `${file}.1`);
  await writeFile(file, recs(31, 33));
  for (const n of [2, 1]) {
    await writeFile(`${file}.${n}.gz`, gzipSync(n === 2 ? recs(11, 25) : recs(26, 30)));
    await unlink(`${file}.${n}`);
  }
  while (!seqs.includes(33)) await next();
  ac.abort();
  await reader.return(undefined);
  assert.deepEqual(seqs, range(1, 33), 'each record once, in order');
});

test('history paging: pages newest first through .gz and plain files with `before` cursors', async () => {
  const file = await mixed();
  const h = new JournalHistory({ listFiles: () => journalFiles(file), indexEvery: 16 });
  await h.start();
  const all: number[] = [];
  let before: number | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await h.page(before, 7);
    all.unshift(...page.seqs);
    for (let i = 0; i < page.seqs.length; i++) assert.equal(lineSeq(Buffer.from(page.lines[i] as string)), page.seqs[i]);
    if (!page.more) break;
    before = page.seqs[0];
  }
  assert.deepEqual(all, range(1, 350));
  const inside = await h.page(250, 5);
  assert.deepEqual(inside.seqs, [245, 246, 247, 248, 249]);
  assert.equal(inside.more, true);
  // A plain rotated file compressed meanwhile (a new inode): pages stay the same.
  await writeFile(`${file}.2.gz`, gzipSync(recs(101, 200)));
  await unlink(`${file}.2`);
  assert.deepEqual((await h.page(105, 10)).seqs, range(95, 104));
});

test('tail -f on a raw journal whose messages look like records out of order: a rotation never makes it read the old file again', async () => {
  const file = await journalPath();
  await writeFile(`${file}.1`, 'old raw line\n');
  await writeFile(file, '{"seq":5}\nraw between\n{"seq":1}\n');
  const ac = new AbortController();
  const reader = readJournal({ file, follow: true, signal: ac.signal, pollMs: 50 });
  const seen: string[] = [];
  const next = async (): Promise<void> => {
    const r = await reader.next();
    if (r.value !== CAUGHT_UP) for (const l of r.value as Buffer[]) seen.push(l.toString());
  };
  while (!seen.includes('{"seq":1}')) await next();
  await rename(`${file}.1`, `${file}.2`);
  await rename(file, `${file}.1`);
  await writeFile(file, 'after\n');
  while (!seen.includes('after')) await next();
  ac.abort();
  await reader.return(undefined);
  assert.deepEqual(seen, ['old raw line', '{"seq":5}', 'raw between', '{"seq":1}', 'after']);
});
