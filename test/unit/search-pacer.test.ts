// The search pacer: searches run at full speed on an idle event loop and are spaced out while other work keeps it busy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { SearchPacer } from '../../src/journal/search-pacer.js';

/** Synchronous work on the loop that is not a search: what the collector does under load. */
function busyWait(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

test('idle loop: no throttling; a busy loop: throttled, and slices are spaced; idle again: full speed', async () => {
  const p = new SearchPacer();
  // The first window also holds the test runner's start: it only sets the baseline.
  await sleep(120);
  await p.pace(0);
  await sleep(120);
  await p.pace(0);
  assert.equal(p.throttled, false, 'an idle loop');
  busyWait(70);
  await sleep(50);
  await p.pace(0);
  assert.equal(p.throttled, true, 'other work took most of the window');
  const t = performance.now();
  await p.pace(2);
  await p.pace(2);
  assert.ok(performance.now() - t >= 10, `slices spaced: ${performance.now() - t} ms`);
  await sleep(120);
  await p.pace(0);
  assert.equal(p.throttled, false, 'idle again');
});
