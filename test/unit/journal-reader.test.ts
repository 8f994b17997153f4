// Which sibling files are rotated journals, and their order (oldest first): one rule, for the pure names and the listing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { journalFiles, rotatedEntries } from '../../src/journal/files.js';

const rotatedNames = (base: string, names: string[]): string[] => rotatedEntries(base, names).map((e) => e.name);
import { tempDir } from '../helpers/collect.js';

test('rotatedEntries: FILE.N … FILE.1 (plain or .gz), numerically, ignoring everything else', () => {
  const names = ['journal.jsonl', 'journal.jsonl.1', 'journal.jsonl.10', 'journal.jsonl.2', 'journal.jsonl.torn', 'journal.jsonl.01', 'journal.jsonl.0', 'journal.jsonl.3.gz', 'other.jsonl.4', 'journal.jsonl.9'];
  assert.deepEqual(rotatedNames('journal.jsonl', names), ['journal.jsonl.10', 'journal.jsonl.9', 'journal.jsonl.3.gz', 'journal.jsonl.2', 'journal.jsonl.1']);
});

test('rotatedEntries: no rotated files, and a base that is a prefix of another name', () => {
  assert.deepEqual(rotatedNames('j', []), []);
  assert.deepEqual(rotatedNames('j', ['j', 'jj.1', 'j.1x', 'j.x.1']), []);
});

test('regression: journalFiles and the reader used two rules for rotated names (FILE.0123456789 was a journal file to one of them)', async () => {
  const t = await tempDir('muxd-names-');
  after(() => t.cleanup());
  const file = path.join(t.dir, 'j.jsonl');
  for (const name of ['j.jsonl', 'j.jsonl.1', 'j.jsonl.2', 'j.jsonl.01', 'j.jsonl.1234567890', 'j.jsonl.torn', 'j.jsonl.seq', 'j.jsonl.3.gz']) {
    await writeFile(path.join(t.dir, name), '');
  }
  const names = await readdir(t.dir);
  // Compressed rotated files (FILE.N.gz) are journal files too, in the same N order.
  assert.deepEqual(await journalFiles(file), [...rotatedNames('j.jsonl', names).map((n) => path.join(t.dir, n)), file]);
  assert.deepEqual(await journalFiles(file), [`${file}.3.gz`, `${file}.2`, `${file}.1`, file]);
  assert.deepEqual(await journalFiles(file, 1), [`${file}.1`, file]);
});
