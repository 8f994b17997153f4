// Pure helpers of the bench load generator: message shape, percentiles, the duplicate and contiguity check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkSeqs, makeMessage, percentile } from '../../src/client/load.js';

test('makeMessage: exactly size bytes, no LF, readable prefix', () => {
  const pad = Buffer.alloc(200, 'x');
  for (const size of [1, 3, 8, 100, 200]) {
    const m = makeMessage(12, 345, size, pad);
    assert.equal(m.length, size);
    assert.equal(m.includes(0x0a), false);
  }
  assert.equal(makeMessage(1, 2, 10, pad).toString(), 'c1 m2 xxxx');
  assert.equal(makeMessage(1, 2, 3, pad).toString(), 'c1 ');
});

test('percentile: nearest rank over an ascending sample', () => {
  const s = Float64Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(s, 0.5), 51);
  assert.equal(percentile(s, 0.99), 100);
  assert.equal(percentile(s, 1), 100);
  assert.equal(percentile(new Float64Array(0), 0.5), null);
  assert.equal(percentile(Float64Array.of(0.1234567), 0.5), 0.123);
});

test('checkSeqs: duplicates across clients and gaps are found whatever the order', () => {
  assert.deepEqual(checkSeqs(Float64Array.of(3, 1, 2, 4)), { duplicates: 0, contiguous: true });
  assert.deepEqual(checkSeqs(Float64Array.of(10, 12, 11)), { duplicates: 0, contiguous: true });
  assert.deepEqual(checkSeqs(Float64Array.of(1, 2, 4)), { duplicates: 0, contiguous: false });
  assert.deepEqual(checkSeqs(Float64Array.of(1, 2, 2, 3, 3, 3)), { duplicates: 3, contiguous: false });
  assert.deepEqual(checkSeqs(new Float64Array(0)), { duplicates: 0, contiguous: true });
});
