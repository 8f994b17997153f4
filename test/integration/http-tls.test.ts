// muxd serve behaviour 9: with a certificate, the same files over HTTP/2 and HTTP/1.1 on one TLS port.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import { once } from 'node:events';
import { makeDocroot, startServer } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

const fixtures = new URL('../../../test/fixtures/http/', import.meta.url);
let root: Docroot;
let srv: TestServer;
let ca: Buffer;

before(async () => {
  root = await makeDocroot();
  ca = await readFile(new URL('cert.pem', fixtures));
  const key = await readFile(new URL('key.pem', fixtures));
  srv = await startServer({ root: root.dir }, { tls: { cert: ca, key } });
});
after(async () => {
  await srv.close();
  await root.cleanup();
});

test('the URL is https', () => {
  assert.match(srv.url, /^https:\/\/127\.0\.0\.1:\d+$/);
});

test('HTTP/2: GET, HEAD, a range and a 404 over one session', async () => {
  const session = http2.connect(srv.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    const get = async (path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http2.IncomingHttpHeaders; body: Buffer }> => {
      const stream = session.request({ ':path': path, ...headers });
      const chunks: Buffer[] = [];
      const [h] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
      stream.on('data', (c: Buffer) => chunks.push(c));
      await once(stream, 'end');
      return { status: Number(h[':status']), headers: h, body: Buffer.concat(chunks) };
    };
    const r = await get('/small.txt');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, root.files['small.txt']);
    assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8');
    assert.ok(r.headers.etag);
    const big = await get('/big.bin');
    assert.ok(big.body.equals(root.files['big.bin']!));
    const range = await get('/index.html', { range: 'bytes=0-9' });
    assert.equal(range.status, 206);
    assert.equal(range.body.length, 10);
    assert.equal((await get('/missing')).status, 404);
    const head = await get('/small.txt', { ':method': 'HEAD' });
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(root.files['small.txt']!.length));
  } finally {
    session.close();
  }
});

test('the access log names the peer of HTTP/2 requests (regression: "-" once the stream had closed)', async () => {
  const { Writable } = await import('node:stream');
  let text = '';
  const sink = new Writable({ write: (c: Buffer, _e, cb) => ((text += c.toString()), cb()) });
  const key = await readFile(new URL('key.pem', fixtures));
  const s = await startServer({ root: root.dir }, { tls: { cert: ca, key }, log: 'common', logStream: sink });
  const session = http2.connect(s.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  const stream = session.request({ ':path': '/small.txt' });
  stream.resume();
  await once(stream, 'end');
  session.close();
  await once(session, 'close');
  await s.close();
  assert.match(text, /^127\.0\.0\.1 - - \[.*\] "GET \/small\.txt HTTP\/2\.0" 200 6\n$/);
});

test('HTTP/1.1 over TLS on the same port (allowHTTP1)', async () => {
  const res = await new Promise<{ status: number; body: Buffer; version: string }>((resolve, reject) => {
    const req = https.get(`${srv.url}/index.html`, { ca, servername: 'localhost', agent: false }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode ?? 0, body: Buffer.concat(chunks), version: r.httpVersion }));
    });
    req.on('error', reject);
  });
  assert.equal(res.version, '1.1');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, root.files['index.html']);
});

test('shutdown over TLS: an idle HTTP/2 session is closed by the server; drain resolves', async () => {
  const { readFile: rf } = await import('node:fs/promises');
  const s = await startServer(
    { root: root.dir },
    { tls: { cert: ca, key: await rf(new URL('key.pem', fixtures)) } },
  );
  const session = http2.connect(s.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  const stream = session.request({ ':path': '/small.txt' });
  stream.resume();
  await once(stream, 'end');
  const closed = once(session, 'close');
  s.handle.closable.stopAccepting?.();
  await closed;
  await s.handle.closable.drain?.(Date.now() + 3000);
  await s.handle.closable.close?.();
  assert.equal(s.handle.server.listening, false);
});

test('an idle HTTP/2 session is closed after the timeout (regression: an empty timeout listener kept idle sessions open forever)', { timeout: 10_000 }, async () => {
  const key = await readFile(new URL('key.pem', fixtures));
  const short = await startServer(
    { root: root.dir },
    { tls: { cert: ca, key }, keepAliveTimeoutMs: 200, headersTimeoutMs: 200, requestTimeoutMs: 200 },
  );
  const session = http2.connect(short.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    const stream = session.request({ ':path': '/small.txt' });
    stream.resume();
    await once(stream, 'end');
    const closedAt = Date.now();
    await once(session, 'close');
    assert.ok(Date.now() - closedAt < 5000, 'the server closed the idle session');
  } finally {
    session.destroy();
    await short.close();
  }
});
