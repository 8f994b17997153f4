// Uploads meet the other features: they never write muxd's configuration, and their partial temp files are never served or listed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { setTimeout as delay } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { rawSend, send, startFeatureServer } from '../helpers/feature-server.js';
import { UsageError } from '../../src/errors.js';
import { resolveServeOptions, serveOptionSpecs } from '../../src/http/features/options.js';
import { withDefaults } from '../../src/options.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-upload-trust-'));
});
after(() => rm(dir, { recursive: true, force: true }));

test('issue 15: `serve --upload` let anyone local PUT a muxd.json that applied at the next start; uploads never write muxd configuration', async () => {
  const config = path.join(dir, 'site.json');
  await writeFile(config, '{"serve":{}}\n');
  // --config names site.json inside the root; --overwrite would otherwise let it be replaced.
  const server = await startFeatureServer(dir, { upload: true, overwrite: true, config });
  after(() => server.close());
  for (const target of ['/muxd.json', '/MUXD.JSON', '/site.json']) {
    const r = await send(server.port, 'PUT', target, { 'Content-Type': 'application/json' }, '{"serve":{"cors":"*"}}');
    assert.equal(r.status, 400, target);
    assert.equal((JSON.parse(r.body) as { error: { code: string } }).error.code, 'ERR_BAD_PATH');
  }
  const form = new FormData();
  form.append('file', new Blob(['{}']), 'muxd.json');
  const post = await fetch(`http://127.0.0.1:${server.port}/`, { method: 'POST', body: form });
  assert.equal(post.status, 400);
  assert.deepEqual((await readdir(dir)).sort(), ['site.json']);
  assert.equal(await readFile(config, 'utf8'), '{"serve":{}}\n');
  assert.equal((await send(server.port, 'PUT', '/other.json', {}, '{}')).status, 201, 'other files still upload');
});

test('issue 15: `--dotfiles allow` listed and served the partial temp file of an upload in flight; it never shows', async () => {
  const server = await startFeatureServer(dir, { upload: true, dotfiles: 'allow', listing: true });
  after(() => server.close());
  await writeFile(path.join(dir, '.visible-dotfile'), 'dotfiles are allowed\n');
  const sock = await rawSend(server.port, `PUT /big.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60000\r\n\r\n${'x'.repeat(20_000)}`);
  after(() => sock.destroy());
  // The server writes the temp file as the body arrives; there is no event to await from here.
  let temp: string | undefined;
  for (let i = 0; i < 500 && temp === undefined; i++) {
    temp = (await readdir(dir)).find((n) => n.startsWith('.muxd-upload-'));
    if (temp === undefined) await delay(10);
  }
  assert.ok(temp, 'the upload is in flight');
  const listing = await send(server.port, 'GET', '/', { Accept: 'application/json' });
  const names = (JSON.parse(listing.body) as { entries: { name: string }[] }).entries.map((e) => e.name);
  assert.ok(names.includes('.visible-dotfile'), names.join(' '));
  assert.ok(!names.some((n) => n.startsWith('.muxd-upload-')), names.join(' '));
  assert.equal((await send(server.port, 'GET', `/${temp}`)).status, 404);
  assert.ok(!(await send(server.port, 'GET', '/', { Accept: 'text/html' })).body.includes('.muxd-upload-'));
});

test('--watch with --upload is refused with its reason: sandboxed pages cannot reach the reload stream', async () => {
  await assert.rejects(
    resolveServeOptions(withDefaults(serveOptionSpecs, { upload: true, watch: true }), dir),
    (e: Error) => e instanceof UsageError && /--watch and --upload do not combine/.test(e.message),
  );
});
