// muxd serve behaviours 2 and 3 over the wire: 304/412, If-Range, 206 single/suffix/open, 416, multipart/byteranges.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeDocroot, startServer, request } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

let root: Docroot;
let srv: TestServer;

before(async () => {
  root = await makeDocroot();
  srv = await startServer({ root: root.dir, maxRanges: 4 });
});
after(async () => {
  await srv.close();
  await root.cleanup();
});

for (const file of ['/small.txt', '/big.bin']) {
  test(`${file}: If-None-Match (exact, list, weak, *) gives 304 with the ETag and no body`, async () => {
    const first = await request(srv.port, file);
    const etag = first.headers.etag!;
    for (const inm of [etag, `"zzz", ${etag}`, `W/${etag}`, '*']) {
      const r = await request(srv.port, file, { headers: { 'if-none-match': inm } });
      assert.equal(r.status, 304, inm);
      assert.equal(r.body.length, 0);
      assert.equal(r.headers.etag, etag);
      assert.equal(r.headers['last-modified'], first.headers['last-modified']);
    }
    assert.equal((await request(srv.port, file, { headers: { 'if-none-match': '"other"' } })).status, 200);
  });

  test(`${file}: If-Modified-Since gives 304; an older date gives 200`, async () => {
    const first = await request(srv.port, file);
    const lm = first.headers['last-modified']!;
    assert.equal((await request(srv.port, file, { headers: { 'if-modified-since': lm } })).status, 304);
    const older = new Date(Date.parse(lm) - 60_000).toUTCString();
    assert.equal((await request(srv.port, file, { headers: { 'if-modified-since': older } })).status, 200);
  });

  test(`${file}: If-Match and If-Unmodified-Since failures give 412`, async () => {
    const first = await request(srv.port, file);
    assert.equal((await request(srv.port, file, { headers: { 'if-match': '"nope"' } })).status, 412);
    assert.equal((await request(srv.port, file, { headers: { 'if-match': first.headers.etag! } })).status, 200);
    const older = new Date(Date.parse(first.headers['last-modified']!) - 60_000).toUTCString();
    assert.equal((await request(srv.port, file, { headers: { 'if-unmodified-since': older } })).status, 412);
  });
}

test('single, open-ended and suffix ranges get 206 with Content-Range (cached and streamed files)', async () => {
  for (const [file, body] of [['/index.html', root.files['index.html']!], ['/big.bin', root.files['big.bin']!]] as const) {
    const size = body.length;
    const one = await request(srv.port, file, { headers: { range: 'bytes=10-19' } });
    assert.equal(one.status, 206);
    assert.equal(one.headers['content-range'], `bytes 10-19/${size}`);
    assert.equal(one.headers['content-length'], '10');
    assert.deepEqual(one.body, body.subarray(10, 20));
    const open = await request(srv.port, file, { headers: { range: `bytes=${size - 5}-` } });
    assert.deepEqual(open.body, body.subarray(size - 5));
    assert.equal(open.headers['content-range'], `bytes ${size - 5}-${size - 1}/${size}`);
    const suffix = await request(srv.port, file, { headers: { range: 'bytes=-7' } });
    assert.deepEqual(suffix.body, body.subarray(size - 7));
  }
});

test('an unsatisfiable range gets 416 with Content-Range: bytes */SIZE and no file body', async () => {
  const size = root.files['big.bin']!.length;
  const r = await request(srv.port, '/big.bin', { headers: { range: `bytes=${size}-` } });
  assert.equal(r.status, 416);
  assert.equal(r.headers['content-range'], `bytes */${size}`);
  assert.ok(r.body.length < 1024);
});

test('several ranges get multipart/byteranges with each part correct', async () => {
  for (const file of ['/index.html', '/big.bin']) {
    const body = file === '/index.html' ? root.files['index.html']! : root.files['big.bin']!;
    const r = await request(srv.port, file, { headers: { range: 'bytes=0-4,100-109,-3' } });
    assert.equal(r.status, 206);
    const m = /^multipart\/byteranges; boundary=(\S+)$/.exec(r.headers['content-type'] ?? '');
    assert.ok(m, r.headers['content-type']);
    assert.equal(Number(r.headers['content-length']), r.body.length);
    const text = r.body.toString('latin1');
    const parts = text.split(`--${m[1]}`).slice(1, -1);
    assert.equal(parts.length, 3);
    const expected = [body.subarray(0, 5), body.subarray(100, 110), body.subarray(body.length - 3)];
    parts.forEach((part, i) => {
      const [head, ...rest] = part.split('\r\n\r\n');
      assert.match(head!, /Content-Range: bytes \d+-\d+\/\d+/);
      assert.equal(rest.join('\r\n\r\n').replace(/\r\n$/, ''), expected[i]!.toString('latin1'));
    });
    assert.ok(text.endsWith(`--${m[1]}--\r\n`));
  }
});

test('more ranges than --max-ranges gives 416', async () => {
  const r = await request(srv.port, '/big.bin', { headers: { range: 'bytes=0-0,2-2,4-4,6-6,8-8' } });
  assert.equal(r.status, 416);
});

test('If-Range: matching ETag honours the range, a stale one sends the whole file', async () => {
  const first = await request(srv.port, '/index.html');
  const ok = await request(srv.port, '/index.html', { headers: { range: 'bytes=0-9', 'if-range': first.headers.etag! } });
  assert.equal(ok.status, 206);
  const stale = await request(srv.port, '/index.html', { headers: { range: 'bytes=0-9', 'if-range': '"stale"' } });
  assert.equal(stale.status, 200);
  assert.equal(stale.body.length, root.files['index.html']!.length);
  const byDate = await request(srv.port, '/index.html', { headers: { range: 'bytes=0-9', 'if-range': first.headers['last-modified']! } });
  assert.equal(byDate.status, 206);
});

test('an invalid Range header is ignored (200, whole file)', async () => {
  const r = await request(srv.port, '/small.txt', { headers: { range: 'bytes=abc' } });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, root.files['small.txt']);
});
