// Pins Range parsing: single, open-ended, suffix, multiple (merged), unsatisfiable, invalid, and the range cap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange, contentRange } from '../../src/http/static/range.js';

const size = 1000;

test('single, open-ended and suffix ranges', () => {
  assert.deepEqual(parseRange('bytes=0-99', size), { type: 'ranges', ranges: [{ start: 0, end: 99 }] });
  assert.deepEqual(parseRange('bytes=900-', size), { type: 'ranges', ranges: [{ start: 900, end: 999 }] });
  assert.deepEqual(parseRange('bytes=-100', size), { type: 'ranges', ranges: [{ start: 900, end: 999 }] });
  assert.deepEqual(parseRange('bytes=-5000', size), { type: 'ranges', ranges: [{ start: 0, end: 999 }] });
  assert.deepEqual(parseRange('bytes=990-5000', size), { type: 'ranges', ranges: [{ start: 990, end: 999 }] });
  assert.deepEqual(parseRange('Bytes = 1-1', size), { type: 'ranges', ranges: [{ start: 1, end: 1 }] });
});

test('several ranges stay separate, sorted; overlapping and adjacent ones merge', () => {
  assert.deepEqual(parseRange('bytes=500-599,0-99', size), { type: 'ranges', ranges: [{ start: 0, end: 99 }, { start: 500, end: 599 }] });
  assert.deepEqual(parseRange('bytes=0-99,50-150,151-160', size), { type: 'ranges', ranges: [{ start: 0, end: 160 }] });
  assert.deepEqual(parseRange('bytes=0-0, -1', size), { type: 'ranges', ranges: [{ start: 0, end: 0 }, { start: 999, end: 999 }] });
});

test('unsatisfiable: every range beyond the end, zero suffix, empty file', () => {
  assert.deepEqual(parseRange('bytes=1000-', size), { type: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=5000-6000', size), { type: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=-0', size), { type: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=0-', 0), { type: 'unsatisfiable' });
  assert.deepEqual(parseRange('bytes=2000-3000,10-19', size), { type: 'ranges', ranges: [{ start: 10, end: 19 }] });
});

test('invalid or foreign headers are ignored (whole file)', () => {
  for (const h of ['items=0-1', 'bytes', 'bytes=', 'bytes=a-b', 'bytes=5-1', 'bytes=-', 'bytes=1-2-3', 'bytes=0x10-20', 'bytes=99999999999999999999-', '0-10']) {
    assert.deepEqual(parseRange(h, size), { type: 'none' }, h);
  }
  assert.deepEqual(parseRange(undefined, size), { type: 'none' });
});

test('more ranges than the cap is unsatisfiable', () => {
  const many = `bytes=${Array.from({ length: 17 }, (_, i) => `${i * 10}-${i * 10 + 1}`).join(',')}`;
  assert.deepEqual(parseRange(many, size, 16), { type: 'unsatisfiable' });
  assert.equal(parseRange(many, size, 17).type, 'ranges');
});

test('contentRange formats bytes start-end/size', () => {
  assert.equal(contentRange({ start: 0, end: 99 }, 1000), 'bytes 0-99/1000');
});
