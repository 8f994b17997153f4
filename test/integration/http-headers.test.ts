// Custom headers on real sockets: --header and glob rules on files, 304s, listings and redirects; never on error pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import http2 from 'node:http2';
import { send, startFeatureServer } from '../helpers/feature-server.js';
import type { FeatureServer } from '../helpers/feature-server.js';

let dir: string;
let server: FeatureServer;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-headers-'));
  await mkdir(path.join(dir, 'assets/js'), { recursive: true });
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>home</title>');
  await writeFile(path.join(dir, 'assets/js/app.js'), 'console.log(1);\n');
  await writeFile(path.join(dir, 'assets/big.bin'), Buffer.alloc(2 * 1024 * 1024, 3));
  server = await startFeatureServer(
    dir,
    { header: ['X-Frame-Options: DENY', 'Cache-Control: no-store'], cache: '60', listing: true },
    { headers: { '/assets/**': { 'Cache-Control': 'max-age=31536000, immutable', 'X-Rule': 'assets' }, '*.js': { 'X-Rule': 'js' } } },
  );
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test('--header applies to every file and replaces the handler header of the same name; rules match by glob', async () => {
  const home = await send(server.port, 'GET', '/');
  assert.equal(home.status, 200);
  assert.equal(home.headers['x-frame-options'], 'DENY');
  assert.equal(home.headers['cache-control'], 'no-store', 'the flag replaces --cache');
  assert.equal(home.headers['x-rule'], undefined);
  const js = await send(server.port, 'GET', '/assets/js/app.js');
  assert.equal(js.headers['x-rule'], 'js', 'a later matching rule wins');
  assert.equal(js.headers['cache-control'], 'no-store', 'flags win over rules');
  assert.equal(js.headers['x-frame-options'], 'DENY');
  const big = await send(server.port, 'GET', '/assets/big.bin', { Range: 'bytes=0-9' });
  assert.equal(big.status, 206);
  assert.equal(big.headers['x-rule'], 'assets');
  const rawHeaders = (await send(server.port, 'HEAD', '/assets/big.bin')).headers;
  assert.equal(rawHeaders['x-rule'], 'assets', 'HEAD too');
});

test('304s carry them, as do listings and redirects; error pages do not', async () => {
  const first = await send(server.port, 'GET', '/assets/js/app.js');
  const notModified = await send(server.port, 'GET', '/assets/js/app.js', { 'If-None-Match': String(first.headers.etag) });
  assert.equal(notModified.status, 304);
  assert.equal(notModified.headers['x-rule'], 'js');
  const listing = await send(server.port, 'GET', '/assets/');
  assert.equal(listing.status, 200);
  assert.equal(listing.headers['x-rule'], 'assets');
  const redirect = await send(server.port, 'GET', '/assets');
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers['x-rule'], 'assets');
  const missing = await send(server.port, 'GET', '/assets/missing.js');
  assert.equal(missing.status, 404);
  assert.equal(missing.headers['x-rule'], undefined);
  assert.equal(missing.headers['x-frame-options'], undefined);
});

test('over HTTP/2 (TLS) the same headers apply', async (t) => {
  const { execFileSync } = await import('node:child_process');
  let cert: Buffer;
  let key: Buffer;
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-out', path.join(dir, 'c.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    const { readFile } = await import('node:fs/promises');
    [cert, key] = [await readFile(path.join(dir, 'c.pem')), await readFile(path.join(dir, 'k.pem'))];
  } catch {
    assert.fail('openssl is needed for the TLS tests');
  }
  const tls = await startFeatureServer(dir, { header: ['X-Frame-Options: DENY'], 'tls-cert': path.join(dir, 'c.pem'), 'tls-key': path.join(dir, 'k.pem') }, { headers: { '*.js': { 'X-Rule': 'js' } } });
  t.after(() => tls.close());
  assert.ok(cert.length > 0 && key.length > 0);
  const session = http2.connect(`https://localhost:${tls.port}`, { rejectUnauthorized: false });
  t.after(() => session.close());
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    const req = session.request({ ':path': '/assets/js/app.js' });
    req.on('response', (h) => resolve(h));
    req.on('error', reject);
    req.resume();
    req.end();
  });
  assert.equal(headers[':status'], 200);
  assert.equal(headers['x-rule'], 'js');
  assert.equal(headers['x-frame-options'], 'DENY');
});
