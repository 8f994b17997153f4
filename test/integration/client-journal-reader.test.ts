// The journal reader on real files: rotated files in order, following through growth, rotation (even twice between polls), truncation.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, open, rm, writeFile, appendFile, rename, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CAUGHT_UP, readJournal } from '../../src/journal/reader.js';
import { offsetOfLastLines } from '../../src/journal/scan.js';

const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});
async function tmp(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'muxd-jr-'));
  dirs.push(d);
  return d;
}
const rec = (seq: number): string => `${JSON.stringify({ seq, ts: '2026-11-26T18:00:00.000Z', src: 'stdin', msg: `m${seq}` })}\n`;
const recs = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => rec(from + i)).join('');
const seqOf = (b: Buffer): number => (JSON.parse(b.toString()) as { seq: number }).seq;

test('reads FILE.N … FILE.1 then FILE, skipping .torn, and ends; the unfinished last line of FILE is not yielded (it is being written)', async () => {
  const d = await tmp();
  const f = path.join(d, 'journal.jsonl');
  await writeFile(`${f}.3`, recs(1, 3));
  await writeFile(`${f}.2`, recs(4, 6));
  await writeFile(`${f}.1`, recs(7, 9));
  await writeFile(`${f}.torn`, '{"seq":99');
  await writeFile(f, `${recs(10, 12)}last line without newline`);
  const seen: string[] = [];
  let caughtUp = 0;
  for await (const item of readJournal({ file: f })) {
    if (item === CAUGHT_UP) caughtUp++;
    else for (const b of item) seen.push(b.toString());
  }
  assert.equal(caughtUp, 1);
  assert.deepEqual(seen.slice(0, 12).map((s) => (JSON.parse(s) as { seq: number }).seq), Array.from({ length: 12 }, (_, i) => i + 1));
  assert.deepEqual(seen.slice(12), [], 'regression (issue 14): a live journal read while muxd appends gave its unfinished last line as a record');
});

test('a missing journal is an error unless following', async () => {
  const d = await tmp();
  await assert.rejects(async () => {
    for await (const _ of readJournal({ file: path.join(d, 'nope.jsonl') })) void _;
  }, /no journal at/);
});

test('reads a file far larger than one chunk, with lines across chunk borders', async () => {
  const d = await tmp();
  const f = path.join(d, 'big.jsonl');
  await writeFile(f, recs(1, 20_000));
  let n = 0;
  let last = 0;
  for await (const item of readJournal({ file: f })) {
    if (item === CAUGHT_UP) continue;
    for (const b of item) {
      const s = seqOf(b);
      assert.equal(s, last + 1);
      last = s;
      n++;
    }
  }
  assert.equal(n, 20_000);
});

/** Runs a follower and returns a function that waits until `count` seqs were seen. */
function follow(file: string): { seqs: number[]; until(count: number): Promise<void>; stop(): Promise<void> } {
  const ac = new AbortController();
  const seqs: number[] = [];
  const waiter: { current: { count: number; resolve: () => void } | null } = { current: null };
  const run = (async () => {
    for await (const item of readJournal({ file, follow: true, signal: ac.signal, pollMs: 20 })) {
      if (item === CAUGHT_UP) continue;
      for (const b of item) seqs.push(seqOf(b));
      if (waiter.current && seqs.length >= waiter.current.count) waiter.current.resolve();
    }
  })();
  return {
    seqs,
    until: (count) =>
      seqs.length >= count ? Promise.resolve() : new Promise<void>((resolve) => (waiter.current = { count, resolve })),
    stop: async () => {
      ac.abort();
      await run;
    },
  };
}

test('follow: growth, a record written in two pieces, rotation, double rotation between polls, truncation', { timeout: 10_000 }, async () => {
  const d = await tmp();
  const f = path.join(d, 'journal.jsonl');
  await writeFile(f, recs(1, 2));
  const fl = follow(f);
  await fl.until(2);
  await appendFile(f, recs(3, 4));
  await fl.until(4);
  const r5 = rec(5);
  await appendFile(f, r5.slice(0, 10));
  await appendFile(f, r5.slice(10));
  await fl.until(5);
  // Rotation: records appended to the old file just before the rename still count.
  await appendFile(f, recs(6, 7));
  await rename(f, `${f}.1`);
  await writeFile(f, recs(8, 9));
  await fl.until(9);
  // Two rotations before the follower looks again: FILE.1 (the middle file) must not be missed.
  await appendFile(f, recs(10, 10));
  await rename(`${f}.1`, `${f}.2`);
  await rename(f, `${f}.1`);
  await writeFile(f, recs(11, 12));
  await rename(`${f}.2`, `${f}.3`);
  await rename(`${f}.1`, `${f}.2`);
  await rename(f, `${f}.1`);
  await writeFile(f, recs(13, 14));
  await fl.until(14);
  await truncate(f, 0);
  await appendFile(f, recs(15, 15));
  await fl.until(15);
  await fl.stop();
  assert.deepEqual(fl.seqs, Array.from({ length: 15 }, (_, i) => i + 1));
});

test('follow: a journal that does not exist yet is picked up when it appears', { timeout: 10_000 }, async () => {
  const d = await tmp();
  const f = path.join(d, 'later.jsonl');
  const fl = follow(f);
  await writeFile(f, recs(1, 3));
  await fl.until(3);
  await fl.stop();
  assert.deepEqual(fl.seqs, [1, 2, 3]);
});

test('lastLines: starts near the end of a big live file and skips rotated files; falls back when the live file is short', async () => {
  const d = await tmp();
  const f = path.join(d, 'journal.jsonl');
  await writeFile(`${f}.1`, recs(1, 100));
  await writeFile(f, recs(101, 20_100));
  const seen: number[] = [];
  for await (const item of readJournal({ file: f, lastLines: 5 })) if (item !== CAUGHT_UP) for (const b of item) seen.push(seqOf(b));
  assert.ok(seen.length >= 5 && seen.length <= 8, `read ${seen.length} lines`);
  assert.deepEqual(seen.slice(-5), [20_096, 20_097, 20_098, 20_099, 20_100]);
  const short: number[] = [];
  for await (const item of readJournal({ file: f, lastLines: 50_000 })) if (item !== CAUGHT_UP) for (const b of item) short.push(seqOf(b));
  assert.equal(short.length, 20_100);
  assert.equal(short[0], 1);
});

test('offsetOfLastLines: the offset just after the Nth LF from the end, or 0', async () => {
  const d = await tmp();
  const f = path.join(d, 'small');
  await writeFile(f, 'a\nbb\nccc\nunfinished');
  const fh = await open(f, 'r');
  try {
    const buf = Buffer.alloc(2); // smaller than the file: the scan crosses block borders
    assert.equal(await offsetOfLastLines(fh, 1, buf), 9);
    assert.equal(await offsetOfLastLines(fh, 2, buf), 5);
    assert.equal(await offsetOfLastLines(fh, 3, buf), 2);
    assert.equal(await offsetOfLastLines(fh, 4, buf), 0);
  } finally {
    await fh.close();
  }
});
