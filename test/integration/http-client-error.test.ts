// Regression: for requests node:http's parser refuses (too-large headers, header timeout, malformed bytes) node sent
// its own bare 431/408/400, so the codes docs/errors.md promises were never sent. The clientError handler now answers
// with the documented JSON body and code and `Connection: close`, over plain HTTP and HTTP/1.1 over TLS.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { makeDocroot, startServer } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

/** Writes raw bytes, then reads until the server closes the connection. */
async function exchange(sock: net.Socket, bytes: string): Promise<string> {
  sock.write(bytes);
  sock.on('error', () => {});
  const chunks: Buffer[] = [];
  for await (const chunk of sock) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('latin1');
}

async function plain(port: number, bytes: string): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  return exchange(sock, bytes);
}

function errorOf(raw: string): { status: number; head: string; code: string; message: string } {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
  const json = JSON.parse(body) as { error: { code: string; message: string } };
  return { status, head, code: json.error.code, message: json.error.message };
}

describe('clientError answers with the documented codes', { timeout: 20_000 }, () => {
  let root: Docroot;
  let srv: TestServer;
  let tlsSrv: TestServer;
  before(async () => {
    root = await makeDocroot();
    srv = await startServer({ root: root.dir }, { headersTimeoutMs: 300, requestTimeoutMs: 1000, maxHeaderSize: 4096 });
    const fixtures = new URL('../../../test/fixtures/http/', import.meta.url);
    tlsSrv = await startServer(
      { root: root.dir },
      { maxHeaderSize: 4096, tls: { cert: await readFile(new URL('cert.pem', fixtures)), key: await readFile(new URL('key.pem', fixtures)) } },
    );
  });
  after(async () => {
    await srv.close();
    await tlsSrv.close();
    await root.cleanup();
  });

  it('431 ERR_HEADERS_TOO_LARGE for headers over --max-header-size, then the connection closes', async () => {
    const e = errorOf(await plain(srv.port, `GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(8000)}\r\n\r\n`));
    assert.equal(e.status, 431);
    assert.equal(e.code, 'ERR_HEADERS_TOO_LARGE');
    assert.match(e.head, /\r\nConnection: close(\r\n|$)/i);
    assert.match(e.head, /\r\nContent-Type: application\/json; charset=utf-8\r\n/i);
  });

  it('431 reaches a client that keeps sending its oversized headers (no reset)', async () => {
    const sock = net.connect(srv.port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(64 * 1024)}`);
    const reply = exchange(sock, 'c'.repeat(256 * 1024));
    sock.end('\r\n\r\n');
    const e = errorOf(await reply);
    assert.equal(e.status, 431);
    assert.equal(e.code, 'ERR_HEADERS_TOO_LARGE');
  });

  it('408 ERR_REQUEST_TIMEOUT when the headers do not arrive in time', async () => {
    const e = errorOf(await plain(srv.port, 'GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Slow: '));
    assert.equal(e.status, 408);
    assert.equal(e.code, 'ERR_REQUEST_TIMEOUT');
    assert.match(e.head, /\r\nConnection: close(\r\n|$)/i);
  });

  it('400 ERR_BAD_REQUEST for bytes that are not HTTP', async () => {
    const e = errorOf(await plain(srv.port, 'HELLO\x01 there\r\n\r\n'));
    assert.equal(e.status, 400);
    assert.equal(e.code, 'ERR_BAD_REQUEST');
    const smuggle = errorOf(await plain(srv.port, 'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'));
    assert.equal(smuggle.status, 400);
    assert.equal(smuggle.code, 'ERR_BAD_REQUEST');
  });

  it('a keep-alive connection that already had an answer still gets 431 with its code', async () => {
    const sock = net.connect(srv.port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write('GET /small.txt HTTP/1.1\r\nHost: x\r\n\r\n');
    const [first] = (await once(sock, 'data')) as [Buffer];
    assert.match(first.toString('latin1'), /^HTTP\/1\.1 200 [\s\S]*\r\n\r\nhello\n$/);
    const e = errorOf(await exchange(sock, `GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(8000)}\r\n\r\n`));
    assert.equal(e.status, 431);
    assert.equal(e.code, 'ERR_HEADERS_TOO_LARGE');
  });

  it('HTTP/1.1 over TLS: 431 with its code too', async () => {
    const sock = tls.connect({ port: tlsSrv.port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    await once(sock, 'secureConnect');
    const e = errorOf(await exchange(sock, `GET /small.txt HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(8000)}\r\n\r\n`));
    assert.equal(e.status, 431);
    assert.equal(e.code, 'ERR_HEADERS_TOO_LARGE');
  });
});
