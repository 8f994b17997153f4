// The HTTP/2 fast path (core API: stream.respond from memory; files written to the core stream) answers exactly like the full handler.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http2 from 'node:http2';
import { once } from 'node:events';
import zlib from 'node:zlib';
import { Writable } from 'node:stream';
import { makeDocroot, startServer } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';
import { createHostAllowList } from '../../src/http/core/host-check.js';

const fixtures = new URL('../../../test/fixtures/http/', import.meta.url);
let root: Docroot;
let srv: TestServer;
let ca: Buffer;
let key: Buffer;
/** Requests that went through node:http2's compatibility layer (the fast path emits no 'request'). */
let compatRequests = 0;

interface H2Reply {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: Buffer;
}

async function h2get(session: http2.ClientHttp2Session, path: string, headers: Record<string, string> = {}): Promise<H2Reply> {
  const stream = session.request({ ':path': path, ...headers });
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  // A HEAD answer may end the stream in its HEADERS frame: 'end' can follow 'response' in the same tick.
  const ended = once(stream, 'end');
  const [h] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  await ended;
  return { status: Number(h[':status']), headers: h, body: Buffer.concat(chunks) };
}

function withoutDate(h: http2.IncomingHttpHeaders): Record<string, unknown> {
  const { date: _date, ...rest } = h;
  return rest;
}

/** Starts a logged HTTP/2 server on the fixtures; `lines` fills as the access log flushes. */
async function loggedServer(log: 'common' | 'combined' | 'json'): Promise<{ srv: TestServer; lines: string[] }> {
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      cb();
    },
  });
  return { srv: await startServer({ root: root.dir }, { tls: { cert: ca, key }, log, logStream }), lines };
}

before(async () => {
  root = await makeDocroot();
  ca = await readFile(new URL('cert.pem', fixtures));
  key = await readFile(new URL('key.pem', fixtures));
  srv = await startServer({ root: root.dir, cors: ['https://allowed.example'] }, { tls: { cert: ca, key }, allowedHosts: createHostAllowList('127.0.0.1', []) });
  srv.handle.server.on('request', () => compatRequests++);
});
after(async () => {
  await srv.close();
  await root.cleanup();
});

test('a cached file is answered by the fast path with the same head and body as the full handler', async () => {
  const session = http2.connect(srv.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    const before = compatRequests;
    const first = await h2get(session, '/small.txt');
    assert.equal(compatRequests, before + 1, 'the first request fills the cache through the full handler');
    const second = await h2get(session, '/small.txt');
    const head = await h2get(session, '/small.txt', { ':method': 'HEAD' });
    assert.equal(compatRequests, before + 1, 'GET and HEAD of a cached file never reach the compatibility layer');
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, root.files['small.txt']);
    assert.deepEqual(withoutDate(second.headers), withoutDate(first.headers));
    assert.ok(second.headers.date, 'a Date header, as on the full path');
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], String(root.files['small.txt']!.length));
  } finally {
    session.close();
  }
});

test('conditionals, ranges and a CORS origin to check leave the fast path: 304, 206 and the echoed origin', async () => {
  const session = http2.connect(srv.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    const warm = await h2get(session, '/index.html');
    const before = compatRequests;
    const notModified = await h2get(session, '/index.html', { 'if-none-match': String(warm.headers.etag) });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body.length, 0);
    const range = await h2get(session, '/index.html', { range: 'bytes=2-5' });
    assert.equal(range.status, 206);
    assert.deepEqual(range.body, root.files['index.html']!.subarray(2, 6));
    const cors = await h2get(session, '/index.html', { origin: 'https://allowed.example' });
    assert.equal(cors.headers['access-control-allow-origin'], 'https://allowed.example');
    assert.equal(compatRequests, before + 3);
  } finally {
    session.close();
  }
});

test('a compressed variant is served from memory once computed; without Accept-Encoding the identity body', async () => {
  const session = http2.connect(srv.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    // The variant is computed in the background after the first request that asks for it.
    let r: H2Reply;
    do r = await h2get(session, '/index.html', { 'accept-encoding': 'gzip' });
    while (r.headers['content-encoding'] !== 'gzip');
    const before = compatRequests;
    r = await h2get(session, '/index.html', { 'accept-encoding': 'gzip' });
    assert.equal(compatRequests, before, 'the cached variant is a fast-path answer');
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.deepEqual(zlib.gunzipSync(r.body), root.files['index.html']);
    const plain = await h2get(session, '/index.html');
    assert.equal(plain.headers['content-encoding'], undefined);
    assert.deepEqual(plain.body, root.files['index.html']);
  } finally {
    session.close();
  }
});

test('the Host check still refuses an unknown :authority for a cached file (403 from the full path)', async () => {
  const good = http2.connect(srv.url, { ca, servername: 'localhost' });
  good.on('error', () => {});
  const evil = http2.connect(srv.url, { ca, servername: 'localhost' });
  evil.on('error', () => {});
  try {
    assert.equal((await h2get(good, '/small.txt')).status, 200);
    const refused = await h2get(evil, '/small.txt', { ':authority': 'evil.example' });
    assert.equal(refused.status, 403);
    assert.match(refused.body.toString(), /ERR_HOST_NOT_ALLOWED/);
  } finally {
    good.close();
    evil.close();
  }
});

test('big files go straight to the core stream (stream.respond + pooled 1 MiB writes): whole body, one range, a client that resets mid-transfer', async () => {
  const session = http2.connect(srv.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    const big = root.files['big.bin']!;
    const whole = await h2get(session, '/big.bin');
    assert.equal(whole.status, 200);
    assert.equal(whole.headers['content-length'], String(big.length));
    assert.ok(whole.body.equals(big));
    const range = await h2get(session, '/big.bin', { range: `bytes=1000000-${big.length - 1}` });
    assert.equal(range.status, 206);
    assert.equal(range.headers['content-range'], `bytes 1000000-${big.length - 1}/${big.length}`);
    assert.ok(range.body.equals(big.subarray(1000000)));
    const cut = session.request({ ':path': '/big.bin' });
    await once(cut, 'response');
    cut.close(http2.constants.NGHTTP2_CANCEL);
    await once(cut, 'close');
    // The session (and the server) live on.
    assert.deepEqual((await h2get(session, '/small.txt')).body, root.files['small.txt']);
  } finally {
    session.close();
  }
});

test('session settings follow nginx: 128 concurrent streams, a 64 KiB initial window', async () => {
  const session = http2.connect(srv.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    const [settings] = (await once(session, 'remoteSettings')) as [http2.Settings];
    assert.equal(settings.maxConcurrentStreams, 128);
    assert.equal(settings.initialWindowSize, 65_536);
  } finally {
    session.close();
  }
});

test('with the access log on, HTTP/2 requests are logged with status and size (cached small files and big files alike)', async () => {
  const { srv: logged, lines } = await loggedServer('common');
  const session = http2.connect(logged.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    await h2get(session, '/small.txt');
    await h2get(session, '/small.txt');
    assert.equal((await h2get(session, '/big.bin', { range: 'bytes=0-99' })).status, 206);
    assert.equal((await h2get(session, '/big.bin')).body.length, root.files['big.bin']!.length);
  } finally {
    session.close();
    await logged.close();
  }
  assert.equal(lines.filter((l) => l.includes('"GET /small.txt HTTP/2.0" 200 6')).length, 2, lines.join('\n'));
  // Big files are written to the core stream, past the compatibility response: the log still has their status and size.
  assert.ok(lines.some((l) => l.endsWith('"GET /big.bin HTTP/2.0" 206 100')), lines.join('\n'));
  assert.ok(lines.some((l) => l.endsWith(`"GET /big.bin HTTP/2.0" 200 ${root.files['big.bin']!.length}`)), lines.join('\n'));
});

test('issue 18: with the access log on, cached files are still served by the fast path, and logged with their status and bytes', async () => {
  const { srv: logged, lines } = await loggedServer('common');
  let compat = 0;
  logged.handle.server.on('request', () => compat++);
  const session = http2.connect(logged.url, { ca, servername: 'localhost' });
  session.on('error', () => {});
  try {
    await h2get(session, '/small.txt');
    assert.equal(compat, 1, 'the first request fills the cache through the full handler');
    await h2get(session, '/small.txt');
    await h2get(session, '/small.txt', { ':method': 'HEAD' });
    assert.equal(compat, 1, 'a logged server still answers cached files on the fast path');
  } finally {
    session.close();
    await logged.close();
  }
  assert.equal(lines.filter((l) => l.endsWith('"GET /small.txt HTTP/2.0" 200 6')).length, 2, lines.join('\n'));
  assert.equal(lines.filter((l) => l.endsWith('"HEAD /small.txt HTTP/2.0" 200 0')).length, 1, lines.join('\n'));
});

test('issue 18: a fast-path log line is byte for byte the full path\'s for the same request, in every format', async () => {
  for (const format of ['common', 'combined', 'json'] as const) {
    const { srv: logged, lines } = await loggedServer(format);
    let compat = 0;
    logged.handle.server.on('request', () => compat++);
    const session = http2.connect(logged.url, { ca, servername: 'localhost' });
    session.on('error', () => {});
    const headers = { referer: 'https://ref.example/?token=s3cr3t', 'user-agent': 'probe/1 "quoted"\u0085' };
    try {
      for (const method of ['GET', 'HEAD']) {
        // One target per method: its first request fills the cache through the full handler, the second is a fast answer.
        const before = compat;
        await h2get(session, `/index.html?token=x&${method}`, { ':method': method, ...headers });
        await h2get(session, `/index.html?token=x&${method}`, { ':method': method, ...headers });
        assert.equal(compat, before + 1, `${format} ${method}: one full-path answer to compare, then the fast path`);
      }
    } finally {
      session.close();
      await logged.close();
    }
    const norm = (l: string): string =>
      format === 'json' ? JSON.stringify({ ...(JSON.parse(l) as object), time: 'T', ms: 0 }) : l.replace(/\[[^\]]+\]/, '[T]');
    for (const m of ['GET', 'HEAD']) {
      const mine = lines.filter((l) => l.includes(`/index.html?token=REDACTED&${m}`));
      assert.equal(mine.length, 2, lines.join('\n'));
      assert.equal(norm(mine[1]!), norm(mine[0]!), `${format} ${m}: the fast path's line equals the full path's`);
    }
  }
});
