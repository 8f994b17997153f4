// muxd serve behaviour 8: header timeout (trickling client), header size cap, max-conns, keep-alive and pipelining order.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { makeDocroot, startServer, rawExchange } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

let root: Docroot;
let srv: TestServer;

before(async () => {
  root = await makeDocroot();
  srv = await startServer({ root: root.dir }, { headersTimeoutMs: 600, requestTimeoutMs: 1000, maxHeaderSize: 4096, maxConns: 3 });
});
after(async () => {
  await srv.close();
  await root.cleanup();
});

test('a client trickling its headers one byte per 100 ms is cut off with 408 or closed', async () => {
  const sock = net.connect(srv.port, '127.0.0.1');
  await once(sock, 'connect');
  const request = 'GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: ' + 'a'.repeat(200) + '\r\n\r\n';
  let received = '';
  let closed = false;
  sock.on('data', (c: Buffer) => (received += c.toString('latin1')));
  sock.on('error', () => {});
  const closedP = once(sock, 'close').then(() => (closed = true));
  const started = Date.now();
  for (let i = 0; i < request.length && !closed; i++) {
    if (!sock.writable) break;
    sock.write(request[i]!);
    await Promise.race([new Promise((r) => setTimeout(r, 100)), closedP]);
  }
  await closedP;
  const elapsed = Date.now() - started;
  assert.ok(received === '' || /^HTTP\/1\.1 408/.test(received), JSON.stringify(received.slice(0, 80)));
  assert.ok(elapsed < 5000, `cut after ${elapsed} ms, long before the ${request.length * 100} ms the client needed`);
  assert.ok(!received.includes('200 OK'));
});

test('headers larger than --max-header-size get 431', async () => {
  const out = await rawExchange(srv.port, `GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(8000)}\r\n\r\n`);
  assert.match(out, /^HTTP\/1\.1 431/);
});

test('keep-alive: several requests on one connection; pipelined requests are answered in order', async () => {
  const req = (p: string): string => `GET ${p} HTTP/1.1\r\nHost: x\r\n\r\n`;
  const out = await rawExchange(srv.port, req('/small.txt') + req('/sub/page.html') + req('/missing') + req('/noext'));
  const statuses = [...out.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((m) => m[1]);
  assert.deepEqual(statuses, ['200', '200', '404', '200']);
  const iSmall = out.indexOf('hello\n');
  const iPage = out.indexOf('page\n');
  const iNoext = out.indexOf('no extension\n');
  assert.ok(iSmall !== -1 && iSmall < iPage && iPage < iNoext, 'bodies in request order');
  assert.match(out, /Connection: keep-alive/);
});

test('--max-conns: connections beyond the limit are dropped, the first ones keep working', async () => {
  const socks: net.Socket[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const s = net.connect(srv.port, '127.0.0.1');
      await once(s, 'connect');
      socks.push(s);
    }
    await new Promise((r) => setImmediate(r));
    const extra = net.connect(srv.port, '127.0.0.1');
    extra.on('error', () => {});
    extra.write('GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    let got = '';
    extra.on('data', (c: Buffer) => (got += c.toString()));
    await once(extra, 'close');
    assert.equal(got, '', 'the extra connection was closed without an answer');
    const first = socks[0]!;
    first.write('GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    const [data] = (await once(first, 'data')) as [Buffer];
    assert.match(data.toString(), /^HTTP\/1\.1 200/);
  } finally {
    for (const s of socks) s.destroy();
  }
});
