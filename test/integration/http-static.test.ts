// muxd serve behaviours 1, 4, 5, 7: methods and headers, directories and listings, 404 pages, SPA, dotfiles, symlinks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeDocroot, startServer, request } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

let root: Docroot;
let srv: TestServer;
let listing: TestServer;
let spa: TestServer;

before(async () => {
  root = await makeDocroot();
  srv = await startServer({ root: root.dir, statTtlMs: 50 });
  listing = await startServer({ root: root.dir, listing: true });
  spa = await startServer({ root: root.dir, spa: true });
});
after(async () => {
  await srv.close();
  await listing.close();
  await spa.close();
  await root.cleanup();
});

test('GET serves the file with Content-Type, Content-Length, Last-Modified and a strong ETag', async () => {
  const r = await request(srv.port, '/small.txt');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, root.files['small.txt']);
  assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
  assert.equal(r.headers['content-length'], String(root.files['small.txt']!.length));
  assert.match(r.headers['last-modified'] ?? '', /GMT$/);
  assert.match(r.headers.etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/);
  assert.equal(r.headers['accept-ranges'], 'bytes');
  const png = await request(srv.port, '/image.png');
  assert.equal(png.headers['content-type'], 'image/png');
  assert.deepEqual(png.body, root.files['image.png']);
  assert.equal((await request(srv.port, '/noext')).headers['content-type'], 'application/octet-stream');
  assert.equal((await request(srv.port, '/data.json')).headers['content-type'], 'application/json; charset=utf-8');
});

test('a big file (beyond the memory cache) streams completely with the same headers', async () => {
  const r = await request(srv.port, '/big.bin');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-length'], String(root.files['big.bin']!.length));
  assert.ok(r.body.equals(root.files['big.bin']!));
});

test('HEAD returns exactly the headers of GET and no body, for cached, streamed and index responses', async () => {
  for (const p of ['/small.txt', '/big.bin', '/', '/sub/', '/missing', '/app.js']) {
    const get = await request(srv.port, p);
    const head = await request(srv.port, p, { method: 'HEAD' });
    assert.equal(head.status, get.status, p);
    assert.equal(head.body.length, 0, p);
    const strip = (h: Record<string, unknown>): Record<string, unknown> => {
      const { date: _d, ...rest } = h;
      return rest;
    };
    assert.deepEqual(strip(head.headers), strip(get.headers), p);
  }
});

test('methods other than GET, HEAD and OPTIONS get 405 with Allow', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND', 'TRACE']) {
    const r = await request(srv.port, '/small.txt', { method });
    assert.equal(r.status, 405, method);
    assert.equal(r.headers.allow, 'GET, HEAD, OPTIONS');
  }
  const o = await request(srv.port, '/small.txt', { method: 'OPTIONS' });
  assert.equal(o.status, 204);
  assert.equal(o.headers.allow, 'GET, HEAD, OPTIONS');
});

test('a directory serves its index.html; without the slash it redirects to the slash form (query kept)', async () => {
  const r = await request(srv.port, '/');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, root.files['index.html']);
  const sub = await request(srv.port, '/sub/');
  assert.deepEqual(sub.body, root.files['sub/index.html']);
  const redirect = await request(srv.port, '/sub?x=1');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.location, '/sub/?x=1');
  const enc = await request(srv.port, '/sp%20ace');
  assert.equal(enc.status, 301);
  assert.equal(enc.headers.location, '/sp%20ace/');
  assert.equal((await request(srv.port, '/small.txt/')).status, 404);
});

test('listing is off by default: a folder without index answers 404', async () => {
  assert.equal((await request(srv.port, '/nodir/')).status, 404);
});

test('--listing: HTML with escaped names, sizes and dates, dotfiles hidden', async () => {
  const r = await request(listing.port, '/nodir/');
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  const html = r.body.toString();
  assert.ok(html.includes('&#60;b&#62;&#38;amp;.txt'), html);
  assert.ok(!html.includes('<b>&amp;.txt'));
  assert.ok(html.includes('href="%3Cb%3E%26amp%3B.txt"'));
  assert.ok(html.includes('plain.txt') && html.includes('6 B'));
  assert.ok(html.includes('deeper/'));
  assert.match(html, /<time datetime="\d{4}-\d\d-\d\dT/);
  assert.ok(!html.includes('.hidden'));
  assert.ok(!html.includes(root.dir), 'no file system path in the page');
});

test('--listing: JSON when Accept prefers it', async () => {
  const r = await request(listing.port, '/nodir/', { headers: { accept: 'application/json' } });
  assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
  const doc = JSON.parse(r.body.toString()) as { path: string; entries: Array<{ name: string; type: string; size: number }> };
  assert.equal(doc.path, '/nodir/');
  assert.deepEqual(doc.entries.map((e) => e.name), ['deeper', '<b>&amp;.txt', 'plain.txt']);
  assert.equal(doc.entries.find((e) => e.name === 'plain.txt')?.size, 6);
  assert.equal(r.headers.vary, 'Accept');
});

test('404 is a real 404 with a small HTML page, no file system path', async () => {
  const r = await request(srv.port, '/nope.html');
  assert.equal(r.status, 404);
  assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  assert.ok(r.body.length < 1024);
  assert.ok(r.body.toString().includes('404'));
  assert.ok(!r.body.toString().includes(root.dir));
});

test("404 uses the root's own 404.html when there is one", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-404-'));
  await writeFile(path.join(dir, '404.html'), '<h1>custom not found</h1>');
  const s = await startServer({ root: dir });
  try {
    const r = await request(s.port, '/whatever');
    assert.equal(r.status, 404);
    assert.equal(r.body.toString(), '<h1>custom not found</h1>');
    assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
  } finally {
    await s.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('--spa: GET navigations without an extension get index.html; a missing .js, a POST or a JSON fetch get 404/405', async () => {
  const nav = await request(spa.port, '/app/settings/profile', { headers: { accept: 'text/html,application/xhtml+xml' } });
  assert.equal(nav.status, 200);
  assert.deepEqual(nav.body, root.files['index.html']);
  assert.equal((await request(spa.port, '/missing.js', { headers: { accept: 'text/html' } })).status, 404);
  assert.equal((await request(spa.port, '/app/settings', { headers: { accept: 'application/json' } })).status, 404);
  assert.equal((await request(spa.port, '/app/settings', { method: 'POST', headers: { accept: 'text/html' } })).status, 405);
  assert.equal((await request(srv.port, '/app/settings', { headers: { accept: 'text/html' } })).status, 404, 'off by default');
  assert.deepEqual((await request(spa.port, '/small.txt')).body, root.files['small.txt'], 'real files still win');
});

test('dotfiles answer 404 by default, except /.well-known/; --dotfiles allow serves them', async () => {
  assert.equal((await request(srv.port, '/.env')).status, 404);
  assert.equal((await request(srv.port, '/.git/config')).status, 404);
  assert.equal((await request(srv.port, '/nodir/.hidden')).status, 404);
  const wk = await request(srv.port, '/.well-known/security.txt');
  assert.equal(wk.status, 200);
  const allow = await startServer({ root: root.dir, dotfiles: 'allow' });
  try {
    assert.equal((await request(allow.port, '/.env')).body.toString(), 'SECRET=1\n');
  } finally {
    await allow.close();
  }
});

test('a symlink that resolves outside the root answers 404; one inside is served', async () => {
  assert.equal((await request(srv.port, '/link-out')).status, 404);
  assert.equal((await request(srv.port, '/dir-out/passwd')).status, 404);
  assert.equal((await request(srv.port, '/dir-out/')).status, 404);
  assert.deepEqual((await request(srv.port, '/link-in')).body, root.files['small.txt']);
});

test('unicode and percent-encoded names are served', async () => {
  const r = await request(srv.port, '/sp%20ace/caf%C3%A9.txt');
  assert.equal(r.status, 200);
  assert.equal(r.body.toString(), 'unicode\n');
});

test('a changed file is served fresh once the stat TTL has passed (cache revalidation)', async () => {
  const file = path.join(root.dir, 'changing.txt');
  await writeFile(file, 'version one\n');
  assert.equal((await request(srv.port, '/changing.txt')).body.toString(), 'version one\n');
  assert.equal((await request(srv.port, '/changing.txt')).body.toString(), 'version one\n');
  await writeFile(file, 'version two, longer\n');
  await utimes(file, new Date(), new Date(Date.now() + 5000));
  await new Promise((r) => setTimeout(r, 80));
  const r = await request(srv.port, '/changing.txt');
  assert.equal(r.body.toString(), 'version two, longer\n');
  await rm(file);
  await new Promise((r) => setTimeout(r, 80));
  assert.equal((await request(srv.port, '/changing.txt')).status, 404);
});

test('a cached file whose symlink is retargeted outside the root stops being served within the TTL', async () => {
  const { symlink, unlink } = await import('node:fs/promises');
  const link = path.join(root.dir, 'moving-link');
  await symlink('small.txt', link);
  // Keep requesting (background revalidation keeps the entry hot) while the link changes under us.
  assert.equal((await request(srv.port, '/moving-link')).status, 200);
  await unlink(link);
  await symlink('/etc/passwd', link);
  const deadline = Date.now() + 2000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    const r = await request(srv.port, '/moving-link');
    assert.ok(!r.body.toString().includes('root:'), 'never serves the outside file');
    status = r.status;
    await new Promise((res) => setTimeout(res, 10));
  }
  assert.equal(status, 404);
  await unlink(link);
});
