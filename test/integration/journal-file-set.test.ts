// The one journal file-set reader on real files: plain and .gz rotated files and the live one, by seq both ways, cursors, early stops, an unfinished tail.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, open, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { listJournalSet } from '../../src/journal/file-set.js';
import { bisectSeq, lastSeqOfFile, scanJournal } from '../../src/journal/seq-scan.js';
import type { ScanOptions } from '../../src/journal/seq-scan.js';
import { openJournal } from '../../src/journal/journal.js';
import { tempDir } from '../helpers/collect.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir('muxd-fileset-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const rec = (seq: number, pad = 0): string => `{"seq":${seq},"ts":"2026-01-01T00:00:00.000Z","src":"stdin","msg":"m${seq}${'x'.repeat(pad)}"}\n`;
const recs = (a: number, b: number, pad = 0): string => Array.from({ length: b - a + 1 }, (_, i) => rec(a + i, pad)).join('');
const range = (a: number, b: number): number[] => Array.from({ length: Math.abs(b - a) + 1 }, (_, i) => (a <= b ? a + i : a - i));

async function seqs(o: ScanOptions): Promise<number[]> {
  const out: number[] = [];
  for await (const batch of scanJournal(o)) for (const r of batch) out.push(r.seq);
  return out;
}

/** Reads a whole journal in slices of `size` records: each slice a new scan, stopped early, resumed from its cursor. */
async function inSlices(file: string, order: 'asc' | 'desc', size: number): Promise<number[]> {
  const all: number[] = [];
  let cursor: number | undefined;
  for (let slices = 0; slices < 1000; slices++) {
    const got: number[] = [];
    const resume = cursor === undefined ? {} : order === 'asc' ? { after: cursor } : { before: cursor };
    scan: for await (const batch of scanJournal({ file, order, ...resume })) {
      for (const r of batch) {
        got.push(r.seq);
        if (got.length === size) break scan;
      }
    }
    if (got.length === 0) return all;
    all.push(...got);
    cursor = got[got.length - 1];
  }
  throw new Error('too many slices');
}

/** FILE.4.gz (1-100), FILE.3 (101-200), FILE.2.gz (201-300), FILE.1 (301-400), FILE (401-450 and an unfinished record). */
async function mixedSet(pad = 0): Promise<string> {
  const file = path.join(await dir(), 'j.jsonl');
  await writeFile(`${file}.4.gz`, gzipSync(recs(1, 100, pad)));
  await writeFile(`${file}.3`, recs(101, 200, pad));
  await writeFile(`${file}.2.gz`, gzipSync(recs(201, 300, pad)));
  await writeFile(`${file}.1`, recs(301, 400, pad));
  await writeFile(file, `${recs(401, 450, pad)}{"seq":451,"ts":"2026-01-01T00:00:00.0`);
  await writeFile(`${file}.gz.tmp`, gzipSync(recs(9001, 9002)).subarray(0, 20));
  await writeFile(`${file}.torn`, rec(9999));
  return file;
}

test('listJournalSet: rotated files plain and .gz, oldest first, then the live file; temporary and .torn files are not journal files', async () => {
  const file = await mixedSet();
  const refs = await listJournalSet(file);
  assert.deepEqual(
    refs.map((r) => [path.basename(r.path), r.n, r.compressed]),
    [
      ['j.jsonl.4.gz', 4, true],
      ['j.jsonl.3', 3, false],
      ['j.jsonl.2.gz', 2, true],
      ['j.jsonl.1', 1, false],
      ['j.jsonl', 0, false],
    ],
  );
});

test('scanJournal: every record oldest first and newest first across plain, .gz and live files; the unfinished last record is not yielded', async () => {
  const file = await mixedSet();
  assert.deepEqual(await seqs({ file, order: 'asc' }), range(1, 450));
  assert.deepEqual(await seqs({ file, order: 'desc' }), range(450, 1));
});

test('scanJournal: cursors resume a scan stopped early, in both directions and inside a .gz file', async () => {
  const file = await mixedSet();
  // Slices of 30 (newest first) and 45 (oldest first), each a new scan resumed from the last seq seen.
  assert.deepEqual(await inSlices(file, 'desc', 30), range(450, 1));
  assert.deepEqual(await inSlices(file, 'asc', 45), range(1, 450));
  assert.deepEqual(await seqs({ file, order: 'asc', after: 250, before: 260 }), range(251, 259));
  assert.deepEqual(await seqs({ file, order: 'desc', after: 95, before: 105 }), range(104, 96));
});

test('scanJournal: newest first through a .gz file holds only sliceBytes of records per pass, and still yields each record once, in order', async () => {
  const file = await mixedSet(200);
  assert.deepEqual(await seqs({ file, order: 'desc', sliceBytes: 4096 }), range(450, 1));
});

test('scanJournal: match selects records (a rare match through .gz), and a signal ends the scan', async () => {
  const file = await mixedSet();
  const match = (line: Buffer): boolean => line.includes('"msg":"m7');
  assert.deepEqual(await seqs({ file, order: 'desc', match }), [79, 78, 77, 76, 75, 74, 73, 72, 71, 70, 7]);
  const ac = new AbortController();
  const got: number[] = [];
  for await (const batch of scanJournal({ file, order: 'asc', signal: ac.signal })) {
    got.push(...batch.map((r) => r.seq));
    ac.abort();
  }
  assert.ok(got.length > 0 && got.length < 450, `stopped after the first batch (${got.length})`);
});

test('scanJournal: a file compressed and removed while a scan runs is read in its new form, no record lost or repeated', async () => {
  const file = await mixedSet();
  const got: number[] = [];
  let changed = false;
  for await (const batch of scanJournal({ file, order: 'asc' })) {
    got.push(...batch.map((r) => r.seq));
    if (!changed && got.includes(150)) {
      // What a compression does to FILE.1 while the scan is still in FILE.3: FILE.1.gz appears, FILE.1 goes.
      changed = true;
      await writeFile(`${file}.1.gz`, gzipSync(recs(301, 400)));
      await unlink(`${file}.1`);
    }
  }
  assert.deepEqual(got, range(1, 450));
});

test('scanJournal: a rotation while scanning newest first (FILE → FILE.1 → FILE.2 …) neither skips nor repeats', async () => {
  const file = await mixedSet();
  const got: number[] = [];
  let rotated = false;
  for await (const batch of scanJournal({ file, order: 'desc' })) {
    got.push(...batch.map((r) => r.seq));
    if (!rotated) {
      rotated = true;
      for (const [from, to] of [
        ['4.gz', '5.gz'],
        ['3', '4'],
        ['2.gz', '3.gz'],
        ['1', '2'],
      ] as const) {
        await rename(`${file}.${from}`, `${file}.${to}`);
      }
      await rename(file, `${file}.1`);
      await writeFile(file, recs(451, 460));
    }
  }
  assert.deepEqual(got, range(450, 1), 'the records newer than the scan start are not its business');
});

test('lastSeqOfFile: plain and gzip; recovery continues the seq from FILE.1.gz when the live file is empty', async () => {
  const file = await mixedSet();
  assert.equal(await lastSeqOfFile({ path: `${file}.1`, compressed: false }), 400);
  assert.equal(await lastSeqOfFile({ path: `${file}.2.gz`, compressed: true }), 300);
  const d = path.dirname(file);
  const f2 = path.join(d, 'k.jsonl');
  await writeFile(`${f2}.1.gz`, gzipSync(recs(1, 41)));
  await writeFile(f2, '');
  const j = await openJournal({ path: f2 });
  assert.equal(await j.append([{ src: 'stdin', msg: Buffer.from('next') }]), 42);
  await j.close();
  await appendFile(`${f2}.2.gz`, gzipSync('not a record\n'));
  await writeFile(f2, '');
  await unlink(`${f2}.1.gz`);
  await assert.rejects(openJournal({ path: f2 }), { code: 'ERR_JOURNAL_CORRUPT' });
});

test('bisectSeq narrows a big plain file to one read around a seq; scans resumed deep inside big files start there and stay exact', async () => {
  const d = await dir();
  const file = path.join(d, 'big.jsonl');
  await writeFile(`${file}.1`, recs(1, 15_000, 60));
  await writeFile(file, `${recs(15_001, 30_000, 60)}{"seq":30001,"ts":"unfinished`);
  const fh = await open(`${file}.1`, 'r');
  try {
    const size = (await fh.stat()).size;
    assert.ok(size > 2 * 256 * 1024);
    for (const target of [1, 2, 7_777, 14_999, 15_000, 15_001]) {
      const { below, atOrAbove } = await bisectSeq(fh, size, target);
      assert.ok(atOrAbove - below <= 256 * 1024, `${target}: narrowed to ${atOrAbove - below} bytes`);
      const text = (await fh.read(Buffer.alloc(200), 0, 200, below)).buffer.toString();
      if (below > 0) assert.ok(Number(/^\{"seq":(\d+)/.exec(text)?.[1]) < target, `${target}: below is a line start under it`);
      if (atOrAbove < size) {
        const at = (await fh.read(Buffer.alloc(200), 0, 200, atOrAbove)).buffer.toString();
        assert.ok(Number(/^\{"seq":(\d+)/.exec(at)?.[1]) >= target, `${target}: atOrAbove is a line start at or above it`);
      }
    }
  } finally {
    await fh.close();
  }
  assert.deepEqual(await seqs({ file, order: 'desc', before: 7_000, after: 6_990 }), range(6_999, 6_991));
  assert.deepEqual(await seqs({ file, order: 'asc', after: 22_000, before: 22_006 }), range(22_001, 22_005));
  assert.deepEqual(await inSlices(file, 'desc', 4_000), range(30_000, 1));
  assert.deepEqual(await inSlices(file, 'asc', 7_000), range(1, 30_000));
});
