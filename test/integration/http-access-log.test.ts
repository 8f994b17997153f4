// muxd serve behaviour 11: the access log is buffered (few writes for many requests) and json is one object per line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { makeDocroot, startServer, request } from '../helpers/http-fixtures.js';
import { AccessLog } from '../../src/http/core/access-log.js';

class CountingSink extends Writable {
  writes = 0;
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.writes++;
    this.text += chunk.toString();
    cb();
  }
}

test('common log: 50 requests become one line each but far fewer writes; flushed at close', async () => {
  const root = await makeDocroot();
  const sink = new CountingSink();
  const srv = await startServer({ root: root.dir }, { log: 'common', logStream: sink });
  try {
    for (let i = 0; i < 50; i++) await request(srv.port, i % 2 ? '/small.txt' : '/missing');
  } finally {
    await srv.close();
    await root.cleanup();
  }
  const lines = sink.text.trim().split('\n');
  assert.equal(lines.length, 50);
  assert.ok(sink.writes <= 5, `${sink.writes} writes for 50 requests`);
  assert.match(lines[0]!, /^127\.0\.0\.1 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/missing HTTP\/1\.1" 404 \d+$/);
  assert.match(lines[1]!, /"GET \/small\.txt HTTP\/1\.1" 200 6$/);
});

test('json log: one JSON object per line with method, url, status, bytes and timing', async () => {
  const root = await makeDocroot();
  const sink = new CountingSink();
  const srv = await startServer({ root: root.dir }, { log: 'json', logStream: sink });
  try {
    await request(srv.port, '/small.txt', { headers: { 'user-agent': 'test"agent' } });
    await request(srv.port, '/big.bin', { method: 'HEAD' });
  } finally {
    await srv.close();
    await root.cleanup();
  }
  const lines = sink.text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.method, 'GET');
  assert.equal(lines[0]!.url, '/small.txt');
  assert.equal(lines[0]!.status, 200);
  assert.equal(lines[0]!.bytes, 6);
  assert.equal(lines[0]!.userAgent, 'test"agent');
  assert.equal(typeof lines[0]!.ms, 'number');
  assert.equal(lines[1]!.method, 'HEAD');
});

test('combined log escapes quotes and newlines in headers, keeping one line per request', () => {
  const sink = new CountingSink();
  const log = new AccessLog({ format: 'combined', stream: sink });
  const req = { method: 'GET', url: '/a"b', httpVersion: '1.1', socket: { remoteAddress: '::1' }, headers: { referer: 'x\ny', 'user-agent': 'ua "q"' } };
  const res = { statusCode: 200, writableFinished: true, headersSent: true, getHeader: () => undefined };
  log.record(req as never, res as never);
  log.flush();
  const lines = sink.text.split('\n').filter(Boolean);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^::1 - - \[.*\] "GET \/a\\x22b HTTP\/1\.1" 200 - "x\\x0ay" "ua \\x22q\\x22"$/);
});

test('a handler that only sets Content-Length (the /_muxd/ endpoints) still gets its bytes logged (regression: "-")', () => {
  const sink = new CountingSink();
  const log = new AccessLog({ format: 'common', stream: sink });
  const req = { method: 'GET', url: '/_muxd/health', httpVersion: '1.1', socket: { remoteAddress: '127.0.0.1' }, headers: {} };
  const headers: Record<string, string> = { 'content-length': '42' };
  log.record(req as never, { statusCode: 200, writableFinished: true, headersSent: true, getHeader: (n: string) => headers[n] } as never);
  log.record({ ...req, method: 'HEAD' } as never, { statusCode: 200, writableFinished: true, headersSent: true, getHeader: (n: string) => headers[n] } as never);
  log.record(req as never, { statusCode: 200, writableFinished: true, headersSent: true, getHeader: () => undefined } as never);
  log.flush();
  const lines = sink.text.split('\n').filter(Boolean);
  assert.match(lines[0]!, /"GET \/_muxd\/health HTTP\/1\.1" 200 42$/);
  assert.match(lines[1]!, /"HEAD \/_muxd\/health HTTP\/1\.1" 200 -$/);
  assert.match(lines[2]!, /" 200 -$/, 'a stream without a declared length stays "-"');
});

test('a stream that refuses writes makes the log wait for drain and cap its buffer, never throw', async () => {
  let release: (() => void) | undefined;
  const slow = new Writable({
    highWaterMark: 16,
    write(_c, _e, cb) {
      release = cb;
    },
  });
  const log = new AccessLog({ format: 'common', stream: slow, flushBytes: 10, maxBufferBytes: 1000 });
  for (let i = 0; i < 500; i++) log.push(`line ${i} ${'x'.repeat(20)}\n`);
  assert.ok(log.dropped > 0, 'lines beyond the cap are dropped and counted');
  release?.();
  await new Promise((r) => setImmediate(r));
});
