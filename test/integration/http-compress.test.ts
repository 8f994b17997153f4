// muxd serve behaviour 6: precompressed sidecars, on-the-fly br/gzip over 1 KiB, cached variants, Vary, 206 never compressed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { makeDocroot, startServer, request } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

let root: Docroot;
let srv: TestServer;

before(async () => {
  root = await makeDocroot();
  srv = await startServer({ root: root.dir });
});
after(async () => {
  await srv.close();
  await root.cleanup();
});

test('precompressed .br and .gz sidecars are served when accepted, with Content-Encoding and Vary', async () => {
  const br = await request(srv.port, '/app.js', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(br.headers['content-encoding'], 'br');
  assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(br.headers.vary, 'Accept-Encoding');
  assert.deepEqual(zlib.brotliDecompressSync(br.body), root.files['app.js']);
  const sidecar = zlib.brotliCompressSync(root.files['app.js']!);
  assert.equal(Number(br.headers['content-length']), sidecar.length, 'the sidecar bytes, not a fresh compression');
  const gz = await request(srv.port, '/app.js', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(gz.headers['content-encoding'], 'gzip');
  assert.deepEqual(zlib.gunzipSync(gz.body), root.files['app.js']);
  assert.notEqual(gz.headers.etag, br.headers.etag);
  const plain = await request(srv.port, '/app.js');
  assert.equal(plain.headers['content-encoding'], undefined);
  assert.equal(plain.headers.vary, 'Accept-Encoding');
  assert.deepEqual(plain.body, root.files['app.js']);
});

test('compressible types over 1 KiB are compressed on the fly (cached small file and streamed big file)', async () => {
  for (const [file, body] of [['/style.css', root.files['style.css']!], ['/big.txt', root.files['big.txt']!]] as const) {
    for (const enc of ['br', 'gzip'] as const) {
      const r = await request(srv.port, file, { headers: { 'accept-encoding': enc } });
      assert.equal(r.status, 200);
      assert.equal(r.headers['content-encoding'], enc, `${file} ${enc}`);
      assert.equal(r.headers.vary, 'Accept-Encoding');
      const out = enc === 'br' ? zlib.brotliDecompressSync(r.body) : zlib.gunzipSync(r.body);
      assert.ok(out.equals(body), `${file} ${enc}`);
      assert.ok(r.body.length < body.length);
    }
  }
});

test('a small file’s compressed variant is computed once and then served from memory', async () => {
  const a = await request(srv.port, '/data.json', { headers: { 'accept-encoding': 'gzip' } });
  const b = await request(srv.port, '/data.json', { headers: { 'accept-encoding': 'gzip' } });
  assert.equal(a.headers['content-encoding'], 'gzip');
  assert.ok(a.body.equals(b.body));
  assert.equal(a.headers.etag, b.headers.etag);
  assert.equal(a.headers['content-length'], String(a.body.length));
});

test('files of 1 KiB or less, and incompressible types, are not compressed', async () => {
  const small = await request(srv.port, '/small.txt', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(small.headers['content-encoding'], undefined);
  assert.equal(small.headers.vary, undefined);
  const png = await request(srv.port, '/image.png', { headers: { 'accept-encoding': 'br, gzip' } });
  assert.equal(png.headers['content-encoding'], undefined);
});

test('a 206 is never compressed', async () => {
  for (const file of ['/style.css', '/big.txt', '/app.js']) {
    const r = await request(srv.port, file, { headers: { 'accept-encoding': 'br, gzip', range: 'bytes=0-99' } });
    assert.equal(r.status, 206, file);
    assert.equal(r.headers['content-encoding'], undefined, file);
    assert.equal(r.body.length, 100);
  }
});

test('304 for a compressed variant carries that variant’s ETag and Vary', async () => {
  const first = await request(srv.port, '/style.css', { headers: { 'accept-encoding': 'gzip' } });
  const r = await request(srv.port, '/style.css', { headers: { 'accept-encoding': 'gzip', 'if-none-match': first.headers.etag! } });
  assert.equal(r.status, 304);
  assert.equal(r.headers.etag, first.headers.etag);
  assert.equal(r.headers.vary, 'Accept-Encoding');
});

test('--no-compress: on-the-fly compression off, sidecars still used', async () => {
  const s = await startServer({ root: root.dir, compress: false });
  try {
    const css = await request(s.port, '/style.css', { headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(css.headers['content-encoding'], undefined);
    const js = await request(s.port, '/app.js', { headers: { 'accept-encoding': 'br' } });
    assert.equal(js.headers['content-encoding'], 'br');
  } finally {
    await s.close();
  }
});
