// The pure part of the journal reader: which sibling files are rotated journals, and their order (oldest first).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rotatedNames } from '../../src/journal/files.js';

test('rotatedNames: FILE.N … FILE.1, numerically, ignoring everything else', () => {
  const names = ['journal.jsonl', 'journal.jsonl.1', 'journal.jsonl.10', 'journal.jsonl.2', 'journal.jsonl.torn', 'journal.jsonl.01', 'journal.jsonl.0', 'journal.jsonl.3.gz', 'other.jsonl.4', 'journal.jsonl.9'];
  assert.deepEqual(rotatedNames('journal.jsonl', names), ['journal.jsonl.10', 'journal.jsonl.9', 'journal.jsonl.2', 'journal.jsonl.1']);
});

test('rotatedNames: no rotated files, and a base that is a prefix of another name', () => {
  assert.deepEqual(rotatedNames('j', []), []);
  assert.deepEqual(rotatedNames('j', ['j', 'jj.1', 'j.1x', 'j.x.1']), []);
});
