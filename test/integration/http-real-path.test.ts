// Regressions on real paths: a symlink `public/env -> .env` was served although dotfiles are denied; listings stat'ed
// through symlinks and showed entries leading outside the root; a file was opened by path after its checks, so a folder
// swapped for a symlink in between served another file. Each is now decided on the real path or the open descriptor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request, startServer } from '../helpers/http-fixtures.js';
import type { TestServer } from '../helpers/http-fixtures.js';
import { FileCache, openChecked } from '../../src/http/static/file-cache.js';
import { sendFileRange } from '../../src/http/static/file-range-stream.js';

describe('hidden files, listings and opens are judged by real path', { timeout: 30_000 }, () => {
  let dir: string;
  let site: string;
  let srv: TestServer;
  let allow: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-real-path-'));
    site = join(dir, 'site');
    await mkdir(join(site, 'public'), { recursive: true });
    await mkdir(join(site, '.git'));
    await writeFile(join(site, '.env'), 'SECRET=1\n');
    await writeFile(join(site, '.git', 'config'), '[core]\n');
    await writeFile(join(site, 'public', 'ok.txt'), 'ok\n');
    await writeFile(join(dir, 'outside.txt'), 'outside secret\n');
    await symlink('../.env', join(site, 'public', 'env'));
    await symlink('.git', join(site, 'gitdir'));
    await symlink('../../outside.txt', join(site, 'public', 'out.txt'));
    await symlink('ok.txt', join(site, 'public', 'in.txt'));
    srv = await startServer({ root: site, listing: true });
    allow = await startServer({ root: site, listing: true, dotfiles: 'allow' });
  });
  after(async () => {
    await srv.close();
    await allow.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a symlink to a dotfile (public/env -> .env) or into a dot folder answers 404', async () => {
    for (const p of ['/public/env', '/gitdir/config', '/gitdir/']) {
      const r = await request(srv.port, p);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(r.body.toString(), /SECRET|core/, p);
    }
    assert.equal((await request(srv.port, '/public/in.txt')).body.toString(), 'ok\n', 'a symlink to a visible file still works');
    assert.equal((await request(allow.port, '/public/env')).body.toString(), 'SECRET=1\n', '--dotfiles allow serves it');
  });

  it('listings lstat their entries and leave out symlinks whose real path escapes the root or is hidden', async () => {
    const r = await request(srv.port, '/public/', { headers: { accept: 'application/json' } });
    const entries = (JSON.parse(r.body.toString()) as { entries: Array<{ name: string; type: string; size: number }> }).entries;
    assert.deepEqual(entries.map((e) => e.name).sort(), ['in.txt', 'ok.txt']);
    assert.deepEqual(entries.find((e) => e.name === 'in.txt'), { ...entries.find((e) => e.name === 'in.txt'), type: 'file', size: 3 });
    const top = await request(srv.port, '/', { headers: { accept: 'application/json' } });
    assert.deepEqual((JSON.parse(top.body.toString()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name), ['public']);
    const shown = await request(allow.port, '/public/', { headers: { accept: 'application/json' } });
    const names = (JSON.parse(shown.body.toString()) as { entries: Array<{ name: string }> }).entries.map((e) => e.name).sort();
    assert.deepEqual(names, ['env', 'in.txt', 'ok.txt'], 'outside the root stays out even with --dotfiles allow');
  });

  it('an open that finds another file than the one checked (folder swapped for a symlink) is refused', async () => {
    const folder = join(dir, 'race');
    await mkdir(folder);
    await writeFile(join(folder, 'f.txt'), 'checked file\n');
    const evil = join(dir, 'evil');
    await mkdir(evil);
    await writeFile(join(evil, 'f.txt'), 'another file\n');
    const file = join(folder, 'f.txt');
    const checked = await stat(file);
    // The swap the race exploits, done between the check and the open.
    await rename(folder, join(dir, 'race-old'));
    await symlink(evil, folder);
    await assert.rejects(openChecked(file, checked), { code: 'ERR_NOT_FOUND' });
    const cache = new FileCache({ maxFileBytes: 1024, maxTotalBytes: 1 << 20, extraHeaders: [], extraVary: [], compress: false, ttlMs: 1000, check: async () => null });
    await assert.rejects(cache.open(file, checked), { code: 'ERR_NOT_FOUND' });
    // The streaming path (files too big to cache) checks its descriptor the same way: the response is cut, no byte sent.
    const sink = new PassThrough();
    const got: Buffer[] = [];
    sink.on('data', (c: Buffer) => got.push(c));
    sendFileRange(sink, file, 0, 5, checked);
    await once(sink, 'close');
    assert.equal(Buffer.concat(got).length, 0);
    assert.ok(sink.destroyed);
    const good = new PassThrough();
    const bytes: Buffer[] = [];
    good.on('data', (c: Buffer) => bytes.push(c));
    sendFileRange(good, file, 0, 5, await stat(file));
    await once(good, 'end');
    assert.equal(Buffer.concat(bytes).toString(), 'anothe', 'the same call with a matching stat sends the bytes');
  });
});
