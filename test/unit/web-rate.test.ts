// The per-second ring behind /_muxd/stats: counts by second, seeded from records' timestamps, an hour at most, stale slots read as 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseStatsSince, RateRing, RATE_WINDOW_SECONDS } from '../../src/web/rate.js';

const NOW = Date.parse('2026-12-07T12:00:10.500Z');

test('counts records per second from start to now, and seeds from timestamps', () => {
  const ring = new RateRing();
  ring.seed([{ ts: '2026-12-07T12:00:08.100Z' }, { ts: '2026-12-07T12:00:08.900Z' }, { ts: '2026-12-07T11:00:00.000Z' }, { ts: 'not a time' }], NOW);
  ring.add(NOW, 3);
  ring.add(NOW - 1000);
  const s = ring.series(NOW - 5000, NOW);
  assert.equal(s.step, 1000);
  assert.equal(s.start, Date.parse('2026-12-07T12:00:05.000Z'));
  assert.deepEqual(s.counts, [0, 0, 0, 2, 1, 3]);
  assert.equal(s.now, NOW);
});

test('a slot reused an hour later starts from 0, and an older add is ignored', () => {
  const ring = new RateRing();
  ring.add(NOW - RATE_WINDOW_SECONDS * 1000, 5);
  assert.deepEqual(ring.series(NOW, NOW).counts, [0], 'the slot holds another second');
  ring.add(NOW, 2);
  ring.add(NOW - RATE_WINDOW_SECONDS * 1000, 5);
  assert.deepEqual(ring.series(NOW, NOW).counts, [2]);
  assert.equal(ring.series(NOW - 10 * RATE_WINDOW_SECONDS * 1000, NOW).counts.length, RATE_WINDOW_SECONDS, 'at most the window');
});

test('since: default 5 minutes, ages and ISO times, at most an hour back', () => {
  assert.equal(parseStatsSince(new URLSearchParams(''), NOW), NOW - 300_000);
  assert.equal(parseStatsSince(new URLSearchParams('since=90s'), NOW), NOW - 90_000);
  assert.equal(parseStatsSince(new URLSearchParams('since=2026-12-07T11:30:00Z'), NOW), Date.parse('2026-12-07T11:30:00Z'));
  for (const bad of ['2h', 'soon']) {
    assert.throws(() => parseStatsSince(new URLSearchParams(`since=${bad}`), NOW), { code: 'ERR_BAD_QUERY', message: /^since\b/ });
  }
});
