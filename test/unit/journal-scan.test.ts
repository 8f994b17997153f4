// Reading journal files by lines: the backwards LF scan across block borders, the last-seq peek, the forward scan with offsets, line counts.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { countLines, forEachLine, lineBefore, nthLfBefore, peekLastSeq } from '../../src/journal/scan.js';
import { tempDir } from '../helpers/collect.js';

const t = await tempDir('muxd-scan-');
after(() => t.cleanup());
const rec = (seq: number): string => `{"seq":${seq},"ts":"2026-01-01T00:00:00.000Z","src":"stdin","msg":"m${seq}"}\n`;

test('nthLfBefore and lineBefore: LFs counted from the end, across read blocks smaller than a line', async () => {
  const file = path.join(t.dir, 'lf');
  await writeFile(file, 'a\nbb\nccc\nunfinished');
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const tiny = Buffer.alloc(3);
    const found: number[] = [];
    for (const n of [1, 2, 3, 4]) found.push(await nthLfBefore(fh, size, n, tiny));
    assert.deepEqual(found, [8, 4, 1, -1]);
    assert.equal(await nthLfBefore(fh, 8, 1, tiny), 4, 'the LF at `end` itself is not counted');
    assert.deepEqual(await lineBefore(fh, 8), { start: 5, bytes: Buffer.from('ccc') });
    assert.deepEqual(await lineBefore(fh, 1), { start: 0, bytes: Buffer.from('a') });
  } finally {
    await fh.close();
  }
});

test('peekLastSeq: the last complete record, 0 for a missing or LF-less file, ERR_JOURNAL_CORRUPT for garbage', async () => {
  const file = path.join(t.dir, 'peek');
  await writeFile(file, rec(1) + rec(2) + rec(30) + '{"seq":31,"ts":"torn');
  assert.equal(await peekLastSeq(file), 30);
  assert.equal(await peekLastSeq(path.join(t.dir, 'missing')), 0);
  await writeFile(file, '{"seq":1');
  assert.equal(await peekLastSeq(file), 0);
  await writeFile(file, `${rec(1)}not a record\n`);
  await assert.rejects(peekLastSeq(file), { code: 'ERR_JOURNAL_CORRUPT' });
});

test('forEachLine: every complete line with its offset; an unfinished last line is left for the next call', async () => {
  const file = path.join(t.dir, 'forward');
  const text = `${rec(1)}\n${rec(2)}${'x'.repeat(3000)}\n${rec(3)}unfinished`;
  await writeFile(file, text);
  const fh = await open(file, 'r');
  try {
    const seen: Array<[number, string]> = [];
    const end = await forEachLine(fh, 0, text.length, (line, offset) => seen.push([offset, line.toString()]));
    const expected: Array<[number, string]> = [];
    let at = 0;
    for (const line of text.split('\n').slice(0, -1)) {
      expected.push([at, line]);
      at += line.length + 1;
    }
    assert.deepEqual(seen, expected);
    assert.equal(end, text.lastIndexOf('\n') + 1);
    const again: string[] = [];
    assert.equal(await forEachLine(fh, end, text.length, (line) => again.push(line.toString())), end);
    assert.deepEqual(again, []);
  } finally {
    await fh.close();
  }
});

test('countLines: LFs of a file, 0 when it is missing', async () => {
  const file = path.join(t.dir, 'count');
  await writeFile(file, 'a\n\nb\nc');
  assert.equal(await countLines(file), 3);
  assert.equal(await countLines(path.join(t.dir, 'nope')), 0);
});
