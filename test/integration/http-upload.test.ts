// Uploads on real sockets: PUT and multipart land atomically; cut-off, oversized, conflicting and escaping uploads leave nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import { rawSend, send, startFeatureServer } from '../helpers/feature-server.js';
import type { FeatureServer } from '../helpers/feature-server.js';
import { UsageError } from '../../src/errors.js';
import { resolveServeOptions, serveOptionSpecs } from '../../src/http/features/options.js';
import { withDefaults } from '../../src/options.js';
import type { OptionValues } from '../../src/options.js';

let dir: string;
let outside: string;
let server: FeatureServer;
let overwriting: FeatureServer;

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-upload-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'muxd-outside-'));
  await mkdir(path.join(dir, 'sub'));
  await mkdir(path.join(dir, '.private'));
  await writeFile(path.join(dir, 'existing.txt'), 'old\n');
  await symlink(outside, path.join(dir, 'escape'));
  server = await startFeatureServer(dir, { upload: true, 'max-upload': String(64 * 1024), listing: true });
  overwriting = await startFeatureServer(dir, { upload: true, overwrite: true });
});
after(async () => {
  await server.close();
  await overwriting.close();
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

/** Every entry under a folder, recursively (temp files included). */
async function tree(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).map(String).sort();
}

/** Waits (bounded) until `cond` holds: the server finishes its cleanup after the client is gone, with no event to await from here. */
async function until(cond: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await cond())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await delay(10);
  }
}

const temps = async (folder: string): Promise<string[]> => (await readdir(folder)).filter((n) => n.startsWith('.muxd-upload-'));

test('PUT stores a new file (201 + Location), refuses to replace it (409), and --overwrite replaces it (200)', async () => {
  const put = await send(server.port, 'PUT', '/sub/new%20file.txt', { 'Content-Type': 'text/plain' }, 'hello upload\n');
  assert.equal(put.status, 201);
  assert.equal(put.headers.location, '/sub/new%20file.txt');
  assert.deepEqual(JSON.parse(put.body), { path: '/sub/new%20file.txt', size: 13 });
  assert.equal(await readFile(path.join(dir, 'sub/new file.txt'), 'utf8'), 'hello upload\n');
  const again = await send(server.port, 'PUT', '/sub/new%20file.txt', {}, 'second\n');
  assert.equal(again.status, 409);
  assert.equal(JSON.parse(again.body).error.code, 'ERR_FILE_EXISTS');
  assert.equal(await readFile(path.join(dir, 'sub/new file.txt'), 'utf8'), 'hello upload\n');
  const replaced = await send(overwriting.port, 'PUT', '/sub/new%20file.txt', {}, 'second\n');
  assert.equal(replaced.status, 200);
  assert.equal(await readFile(path.join(dir, 'sub/new file.txt'), 'utf8'), 'second\n');
  assert.equal((await send(overwriting.port, 'PUT', '/sub', {}, 'x')).status, 409, 'a folder is never replaced');
  assert.equal((await send(server.port, 'GET', '/sub/new%20file.txt')).body, 'second\n', 'served right away');
  assert.deepEqual(await temps(path.join(dir, 'sub')), []);
});

test('multipart POST to a folder stores every file; the listing carries the form and drop zone', async () => {
  const form = new FormData();
  form.append('file', new Blob(['one\n']), 'one.txt');
  form.append('file', new Blob([Buffer.alloc(10_000, 7)]), 'two.bin');
  const res = await fetch(`http://127.0.0.1:${server.port}/sub/`, { method: 'POST', body: form, headers: { Accept: 'application/json' } });
  assert.equal(res.status, 201);
  assert.deepEqual(await res.json(), { path: '/sub/', files: [{ name: 'one.txt', size: 4 }, { name: 'two.bin', size: 10_000 }] });
  assert.equal(await readFile(path.join(dir, 'sub/one.txt'), 'utf8'), 'one\n');
  assert.deepEqual(await readFile(path.join(dir, 'sub/two.bin')), Buffer.alloc(10_000, 7));
  // A form posted by a browser without script goes back to the listing.
  const form2 = new FormData();
  form2.append('file', new Blob(['three\n']), 'three.txt');
  const nav = await fetch(`http://127.0.0.1:${server.port}/sub/`, { method: 'POST', body: form2, headers: { Accept: 'text/html' }, redirect: 'manual' });
  assert.equal(nav.status, 303);
  assert.equal(nav.headers.get('location'), '/sub/');
  const listing = await send(server.port, 'GET', '/sub/', { Accept: 'text/html' });
  assert.match(listing.body, /<form id="upload" method="post" enctype="multipart\/form-data"/);
  assert.match(listing.body, /three\.txt/);
  // One file of a POST that cannot be stored: nothing of that POST is stored.
  const form3 = new FormData();
  form3.append('file', new Blob(['four\n']), 'four.txt');
  form3.append('file', new Blob(['dup\n']), 'one.txt');
  const conflict = await fetch(`http://127.0.0.1:${server.port}/sub/`, { method: 'POST', body: form3 });
  assert.equal(conflict.status, 409);
  assert.ok(!(await tree(dir)).includes('sub/four.txt'));
  assert.deepEqual(await temps(path.join(dir, 'sub')), []);
});

test('an upload cut off mid-body leaves no file and no temp file (PUT and multipart)', async () => {
  const sock = await rawSend(server.port, `PUT /sub/cut.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: 60000\r\n\r\n${'x'.repeat(20_000)}`);
  await until(async () => (await temps(path.join(dir, 'sub'))).length === 1, 'the temp file');
  sock.destroy();
  await until(async () => (await temps(path.join(dir, 'sub'))).length === 0, 'the temp file to go');
  const boundary = 'XyZ';
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut2.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const sock2 = await rawSend(
    server.port,
    `POST /sub/ HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=${boundary}\r\nContent-Length: 60000\r\n\r\n${head}${'y'.repeat(20_000)}`,
  );
  await until(async () => (await temps(path.join(dir, 'sub'))).length === 1, 'the multipart temp file');
  sock2.destroy();
  await until(async () => (await temps(path.join(dir, 'sub'))).length === 0, 'the multipart temp file to go');
  const files = await tree(dir);
  assert.ok(!files.includes('sub/cut.bin') && !files.includes('sub/cut2.bin'), files.join(' '));
});

test('past --max-upload: 413 by Content-Length before reading, and mid-stream for a chunked body; nothing stored', async () => {
  const big = Buffer.alloc(64 * 1024 + 1, 1);
  const r = await send(server.port, 'PUT', '/sub/big.bin', {}, big);
  assert.equal(r.status, 413);
  assert.equal(JSON.parse(r.body).error.code, 'ERR_PAYLOAD_TOO_LARGE');
  const chunked = await rawSend(server.port, 'PUT /sub/big2.bin HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunks: Buffer[] = [];
  chunked.on('data', (c: Buffer) => chunks.push(c));
  chunked.on('error', () => {});
  for (let i = 0; i < 5; i++) chunked.write(`4000\r\n${'z'.repeat(0x4000)}\r\n`);
  chunked.write('0\r\n\r\n');
  await once(chunked, 'close');
  assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 413 /);
  const files = await tree(dir);
  assert.ok(!files.includes('sub/big.bin') && !files.includes('sub/big2.bin'));
  assert.deepEqual(await temps(path.join(dir, 'sub')), []);
});

test('traversal: encoded and raw "..", encoded slashes, dotfile targets and folders, a symlinked folder leaving the root: all refused', async () => {
  const cases: [string, string, number][] = [
    ['PUT', '/%2e%2e/evil.txt', 404],
    ['PUT', '/sub/%2e%2e/%2e%2e/evil.txt', 404],
    ['PUT', '/sub%2f..%2fevil.txt', 400],
    ['PUT', '/sub%5cevil.txt', 400],
    ['PUT', '/sub/%00evil.txt', 400],
    ['PUT', '/.env', 404],
    ['PUT', '/sub/.htaccess', 404],
    ['PUT', '/.private/x.txt', 404],
    ['PUT', '/escape/evil.txt', 404],
    ['PUT', '/missing/evil.txt', 404],
    ['PUT', '/', 400],
    ['PUT', '/sub/', 400],
  ];
  for (const [method, target, status] of cases) {
    const r = await send(server.port, method, target, {}, 'evil\n');
    assert.equal(r.status, status, `${method} ${target}`);
    assert.doesNotMatch(r.body, new RegExp(dir.replaceAll('/', '\\/')), 'no path in the body');
  }
  const raw = await rawSend(server.port, 'PUT /sub/../../evil.txt HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\nConnection: close\r\n\r\nevil\n');
  const chunks: Buffer[] = [];
  raw.on('data', (c: Buffer) => chunks.push(c));
  await once(raw, 'close');
  assert.match(Buffer.concat(chunks).toString('latin1'), /^HTTP\/1\.1 404 /);
  for (const name of ['.bashrc', '..', '']) {
    const form = new FormData();
    form.append('file', new Blob(['evil\n']), name);
    const res = await fetch(`http://127.0.0.1:${server.port}/sub/`, { method: 'POST', body: form });
    assert.ok(res.status === 404 || res.status === 400, `filename ${JSON.stringify(name)}: ${res.status}`);
  }
  const form = new FormData();
  form.append('file', new Blob(['evil\n']), 'evil.txt');
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/escape/`, { method: 'POST', body: form })).status, 404);
  assert.deepEqual(await readdir(outside), [], 'nothing written outside the root');
  assert.ok(!(await tree(dir)).some((f) => f.includes('evil') || f.startsWith('.private/')), (await tree(dir)).join(' '));
});

test('a cross-origin POST (a form on another site) is refused; a non-multipart POST is 415', async () => {
  const form = new FormData();
  form.append('file', new Blob(['csrf\n']), 'csrf.txt');
  const res = await fetch(`http://127.0.0.1:${server.port}/sub/`, { method: 'POST', body: form, headers: { Origin: 'http://evil.example' } });
  assert.equal(res.status, 403);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_FORBIDDEN_ORIGIN');
  assert.equal((await send(server.port, 'POST', '/sub/', { 'Content-Type': 'text/plain' }, 'x')).status, 415);
  assert.ok(!(await tree(dir)).includes('sub/csrf.txt'));
});

test('startup: --upload on a non-loopback bind without auth is refused; with auth (and consent to plain HTTP) it starts', async () => {
  const values = (v: Record<string, string | boolean>): OptionValues => withDefaults(serveOptionSpecs, { port: '0', ...v });
  await assert.rejects(resolveServeOptions(values({ host: '0.0.0.0', upload: true }), dir), (e: Error) => e instanceof UsageError && /--upload/.test(e.message));
  await assert.rejects(resolveServeOptions(values({ host: '0.0.0.0', auth: 'a:b' }), dir), (e: Error) => e instanceof UsageError && /in clear/.test(e.message));
  const ok = await resolveServeOptions(values({ host: '0.0.0.0', upload: true, auth: 'a:b', 'allow-insecure-auth': true }), dir);
  assert.notEqual(ok.features.upload, null);
  const off = await resolveServeOptions(values({}), dir);
  assert.deepEqual(off.features, { headers: null, auth: null, upload: null }, 'every feature off by default');
});
