// FileCache owns freshness (issue 15): which request targets the fast path may answer without a stat, and until when.
import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile, utimes } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FileCache } from '../../src/http/static/file-cache.js';
import type { FileCacheOptions } from '../../src/http/static/file-cache.js';

type Check = FileCacheOptions['check'];

async function fixture(t: { after(fn: () => Promise<void>): void }): Promise<{ dir: string; file(name: string, body: string): Promise<{ abs: string; st: Stats }> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'muxd-routes-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return {
    dir,
    async file(name, body) {
      const abs = path.join(dir, name);
      await writeFile(abs, body);
      return { abs, st: await stat(abs) };
    },
  };
}

function cacheWith(check: Check, o: Partial<FileCacheOptions> = {}): FileCache {
  return new FileCache({ maxFileBytes: 1024, maxTotalBytes: 1 << 20, extraHeaders: [], extraVary: [], compress: false, ttlMs: 1000, check, ...o });
}

/** A check whose answers the test releases one at a time, to order them against other events. */
function heldCheck(): { check: Check; calls: string[]; release(v: { real: string; st: Stats } | null): void } {
  const calls: string[] = [];
  const waiting: Array<(v: { real: string; st: Stats } | null) => void> = [];
  return {
    calls,
    check: (p) => {
      calls.push(p);
      return new Promise((resolve) => waiting.push(resolve));
    },
    release: (v) => waiting.shift()!(v),
  };
}

/** A clock at a fixed time (ticked by the test), a folder with one file, a cache whose checks the test releases, and the file's entry. */
async function setup(t: { after(fn: () => unknown): void }, name: string, body: string) {
  mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
  t.after(() => mock.timers.reset());
  const f = await fixture(t);
  const file = await f.file(name, body);
  const held = heldCheck();
  const cache = cacheWith(held.check);
  const entry = await cache.open(file.abs, file.st);
  return { dir: f.dir, file, held, cache, entry };
}

/** Lets settled promise callbacks (a released check) run. */
const settle = (): Promise<void> => new Promise((r) => setImmediate(r));

test('a remembered target is trusted for the TTL, checked once in the background past half of it, then needs the full path', async (t) => {
  const { file: a, held, cache, entry } = await setup(t, 'a.txt', 'hello\n');
  assert.equal(cache.route('/a.txt'), null, 'nothing is routed before it answered once');
  cache.remember('/a.txt', entry, a.abs);
  assert.equal(cache.route('/a.txt'), entry);
  mock.timers.tick(499);
  assert.equal(cache.route('/a.txt'), entry);
  assert.deepEqual(held.calls, [], 'no check before half the TTL');
  mock.timers.tick(1);
  assert.equal(cache.route('/a.txt'), entry, 'past half the TTL the answer still comes from memory');
  assert.equal(cache.route('/a.txt'), entry);
  assert.deepEqual(held.calls, [a.abs], 'one check, however many requests');
  held.release({ real: a.abs, st: a.st });
  await settle();
  mock.timers.tick(900);
  assert.equal(cache.route('/a.txt'), entry, 'the check confirmed the file: trusted for another TTL');
  mock.timers.tick(1000);
  assert.equal(cache.route('/a.txt'), null, 'past the TTL unchecked: the full path stats the file');
});

test('a check that finds another file, or none, drops the route', async (t) => {
  const { dir, file: a, held, cache, entry } = await setup(t, 'a.txt', 'hello\n');
  cache.remember('/a.txt', entry, a.abs);
  cache.remember('/b', entry, path.join(dir, 'b'));
  mock.timers.tick(600);
  cache.route('/a.txt');
  cache.route('/b');
  await utimes(a.abs, new Date(), new Date(Date.now() + 5000));
  held.release({ real: a.abs, st: await stat(a.abs) });
  held.release(null);
  await settle();
  assert.equal(cache.route('/a.txt'), null, 'changed mtime');
  assert.equal(cache.route('/b'), null, 'no longer servable');
});

test('expireAll wins over a check that was already under way (live reload saw a change meanwhile)', async (t) => {
  const { file: a, held, cache, entry } = await setup(t, 'a.html', '<p>a</p>');
  cache.remember('/a.html', entry, a.abs);
  mock.timers.tick(600);
  assert.equal(cache.route('/a.html'), entry);
  cache.expireAll();
  assert.equal(cache.route('/a.html'), null, 'stale at once');
  held.release({ real: a.abs, st: a.st });
  await settle();
  assert.equal(cache.route('/a.html'), null, 'the older check does not make it fresh again');
  cache.remember('/a.html', entry, a.abs);
  assert.equal(cache.route('/a.html'), entry, 'answered again by the full path: routed again');
});

test('regression: two targets of one file are confirmed each on its own, so a hot target does not keep a changed symlink fresh', async (t) => {
  const { dir, file: a, held, cache, entry } = await setup(t, 'real.html', '<p>real</p>');
  cache.remember('/real.html', entry, a.abs);
  cache.remember('/link.html', entry, path.join(dir, 'link.html'));
  mock.timers.tick(600);
  cache.route('/real.html');
  held.release({ real: a.abs, st: a.st });
  await settle();
  mock.timers.tick(450);
  assert.equal(cache.route('/real.html'), entry, 'confirmed');
  assert.equal(cache.route('/link.html'), null, 'never confirmed itself: past its TTL');
  assert.deepEqual(held.calls, [a.abs]);
});

test('an evicted or reloaded entry takes its routes with it (no route keeps a forgotten body alive)', async (t) => {
  const f = await fixture(t);
  const a = await f.file('a.txt', 'a'.repeat(600));
  const b = await f.file('b.txt', 'b'.repeat(600));
  const cache = cacheWith(async () => null, { maxTotalBytes: 1000 });
  const ea = await cache.open(a.abs, a.st);
  cache.remember('/a.txt', ea, a.abs);
  assert.equal(cache.route('/a.txt'), ea);
  await cache.open(b.abs, b.st);
  assert.equal(cache.route('/a.txt'), null, 'a was evicted to make room for b');
  assert.equal((cache as unknown as { routes: Map<string, unknown> }).routes.size, 0);
  const eb = await cache.open(b.abs, b.st);
  cache.remember('/b.txt', eb, b.abs);
  await writeFile(b.abs, 'changed');
  const eb2 = await cache.open(b.abs, await stat(b.abs));
  assert.notEqual(eb2, eb);
  assert.equal(cache.route('/b.txt'), null, 'the old entry of a changed file is not served from its route');
  assert.equal((cache as unknown as { routes: Map<string, unknown> }).routes.size, 0);
});

test('a big file (no body in memory) is never routed', async (t) => {
  const f = await fixture(t);
  const big = await f.file('big.bin', 'x'.repeat(2000));
  const cache = cacheWith(async () => null);
  const e = await cache.open(big.abs, big.st);
  assert.equal(e.body, null);
  cache.remember('/big.bin', e, big.abs);
  assert.equal(cache.route('/big.bin'), null);
});
