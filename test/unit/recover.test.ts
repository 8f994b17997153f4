// Journal crash recovery: a torn tail (no LF, or not valid JSON) moves to FILE.torn; seq continues after a restart.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { openJournal } from '../../src/journal/journal.js';
import { recoverJournal } from '../../src/journal/recover.js';
import { silentLog } from '../../src/logger.js';
import { readJournal, tempDir } from '../helpers/collect.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir('muxd-recover-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const rec = (seq: number, msg = `m${seq}`): string => `{"seq":${seq},"ts":"2026-01-01T00:00:00.000Z","src":"stdin","msg":"${msg}"}\n`;
const msg = (s: string): { src: string; msg: Buffer } => ({ src: 'stdin', msg: Buffer.from(s) });

test('a last record without its LF moves to FILE.torn and is cut from the journal', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  const torn = '{"seq":3,"ts":"2026-01-01T00:00:00.000Z","src":"st';
  await writeFile(file, rec(1) + rec(2) + torn);
  const logs: string[] = [];
  const r = await recoverJournal(file, 'json', (l) => logs.push(l));
  assert.deepEqual(r, { lastSeq: 2, size: Buffer.byteLength(rec(1) + rec(2)), tornBytes: torn.length });
  assert.equal(await readFile(file, 'utf8'), rec(1) + rec(2));
  assert.equal(await readFile(`${file}.torn`, 'utf8'), `${torn}\n`);
  assert.match(logs.join('\n'), /torn/);
});

test('a last line that ends in LF but is not valid JSON is torn too (json format)', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  await writeFile(file, rec(1) + rec(2) + '\0\0\0\0garbage\n');
  const r = await recoverJournal(file, 'json', silentLog);
  assert.equal(r.lastSeq, 2);
  assert.equal(await readFile(file, 'utf8'), rec(1) + rec(2));
  assert.equal(await readFile(`${file}.torn`, 'utf8'), '\0\0\0\0garbage\n\n');
});

test('an invalid line that is not the last one is refused (ERR_JOURNAL_CORRUPT), nothing is cut', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  const content = rec(1) + 'not json\n' + 'also not json\n';
  await writeFile(file, content);
  await assert.rejects(recoverJournal(file, 'json', silentLog), { code: 'ERR_JOURNAL_CORRUPT' });
  assert.equal(await readFile(file, 'utf8'), content);
});

test('a whole journal needs no repair and no FILE.torn appears', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  await writeFile(file, rec(1) + rec(2) + rec(3));
  assert.deepEqual(await recoverJournal(file, 'json', silentLog), { lastSeq: 3, size: Buffer.byteLength(rec(1) + rec(2) + rec(3)), tornBytes: 0 });
  await assert.rejects(readFile(`${file}.torn`), { code: 'ENOENT' });
});

test('a journal holding only a torn first record recovers to empty', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  await writeFile(file, '{"seq":1,"ts"');
  assert.deepEqual(await recoverJournal(file, 'json', silentLog), { lastSeq: 0, size: 0, tornBytes: 13 });
});

test('seq continues after a restart, and after a torn tail is cut', async () => {
  const file = path.join(await dir(), 'data', 'nested', 'j.jsonl');
  const j1 = await openJournal({ path: file });
  assert.equal(await j1.append([msg('a'), msg('b')]), 1);
  assert.equal(await j1.append([msg('c')]), 3);
  await j1.close();
  await appendFile(file, '{"seq":4,"ts":"2026');
  const j2 = await openJournal({ path: file });
  assert.equal(j2.stats.lastSeq, 3);
  assert.equal(await j2.append([msg('d')]), 4);
  await j2.close();
  const records = await readJournal(file);
  assert.deepEqual(
    records.map((r) => [r.seq, r.msg]),
    [
      [1, 'a'],
      [2, 'b'],
      [3, 'c'],
      [4, 'd'],
    ],
  );
});

test('seq continues from the newest rotated file when the current file is empty', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  await writeFile(`${file}.1`, rec(41) + rec(42));
  await writeFile(file, '');
  const j = await openJournal({ path: file });
  assert.equal(await j.append([msg('x')]), 43);
  await j.close();
});

test('raw format: torn tail cut, seq continues from FILE.seq plus the lines of the current file', async () => {
  const file = path.join(await dir(), 'j.log');
  await writeFile(`${file}.seq`, '100\n');
  await writeFile(file, 'one\ntwo\nthr');
  const j = await openJournal({ path: file, format: 'raw' });
  assert.equal(j.stats.lastSeq, 102);
  assert.equal(await j.append([msg('three')]), 103);
  await j.close();
  assert.equal(await readFile(file, 'utf8'), 'one\ntwo\nthree\n');
  assert.equal(await readFile(`${file}.torn`, 'utf8'), 'thr\n');
});

test('issue 14: --journal naming a file that is not a journal (a typo for app.log) is refused and left untouched, not moved to FILE.torn', async () => {
  const d = await dir();
  for (const [name, content] of [
    ['app.log', 'Dec  7 10:00:00 host app[1]: started\nDec  7 10:00:01 host app[1]: ready\nno newline at the end'],
    ['one-line.log', 'a single line without LF'],
    ['notes.txt', 'first line\n'],
  ] as const) {
    const file = path.join(d, name);
    await writeFile(file, content);
    await assert.rejects(recoverJournal(file, 'json', silentLog), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'ERR_NOT_A_JOURNAL');
      assert.match(err.message, /is not a muxd journal/);
      return true;
    });
    assert.equal(await readFile(file, 'utf8'), content, 'not one byte changed');
    await assert.rejects(readFile(`${file}.torn`), { code: 'ENOENT' });
  }
});

test('a journal torn in its very first record (no LF yet) is still recovered', async () => {
  const file = path.join(await dir(), 'j.jsonl');
  await writeFile(file, '{"seq":1,"ts":"2026-01');
  const r = await recoverJournal(file, 'json', silentLog);
  assert.equal(r.lastSeq, 0);
  assert.equal(await readFile(file, 'utf8'), '');
});
