// Regression: `printf 'GET / HTTP/1.0\r\n\r\n' | nc HOST PORT` often got nothing back. The client half-closes right
// after its request and node:http's default took the FIN as an abort, so any answer that was not ready at once (a 404,
// a streamed file, an /_muxd endpoint) was dropped. A half-closed client is now answered while the socket is writable.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startServer } from '../helpers/http-fixtures.js';
import type { TestServer } from '../helpers/http-fixtures.js';
import { startUpInProcess } from '../helpers/up-inprocess.js';
import type { UpInProcess } from '../helpers/up-inprocess.js';

/** What `printf REQUEST | nc` does: write the request, half-close at once, read until the server closes. */
async function halfClosedExchange(port: number, request: string): Promise<Buffer> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.end(request);
  const chunks: Buffer[] = [];
  for await (const chunk of sock) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The same over TLS (HTTP/1.1 by ALPN): close_notify and FIN right after the request. */
async function halfClosedTlsExchange(port: number, request: string): Promise<Buffer> {
  const sock = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
  await once(sock, 'secureConnect');
  sock.end(request);
  const chunks: Buffer[] = [];
  for await (const chunk of sock) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function parse(raw: Buffer): { head: string; body: Buffer } {
  const i = raw.indexOf('\r\n\r\n');
  assert.ok(i > 0, `no response head in ${JSON.stringify(raw.subarray(0, 80).toString('latin1'))}`);
  return { head: raw.subarray(0, i).toString('latin1'), body: raw.subarray(i + 4) };
}

describe('half-closed clients are answered', { timeout: 60_000 }, () => {
  let dir: string;
  let big: Buffer;
  let server: TestServer;
  let up: UpInProcess;
  let tlsServer: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-half-close-'));
    const site = join(dir, 'site');
    await mkdir(site);
    big = randomBytes(2 * 1024 * 1024 + 3);
    await writeFile(join(site, 'big.bin'), big);
    await writeFile(join(site, 'index.html'), '<h1>hello</h1>\n');
    await mkdir(join(site, 'sub'));
    await writeFile(join(site, 'sub', 'a.txt'), 'a\n');
    server = await startServer({ root: site, listing: true, cacheMaxFileBytes: 64 * 1024 });
    up = await startUpInProcess(dir, site);
    const fixtures = new URL('../../../test/fixtures/http/', import.meta.url);
    tlsServer = await startServer(
      { root: site, cacheMaxFileBytes: 64 * 1024 },
      { tls: { cert: await readFile(new URL('cert.pem', fixtures)), key: await readFile(new URL('key.pem', fixtures)) } },
    );
  });
  after(async () => {
    await server.close();
    await tlsServer.close();
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('static files: 20 nc-style requests in a row each get the whole answer (404, streamed file, listing)', async () => {
    for (let i = 0; i < 20; i++) {
      const missing = parse(await halfClosedExchange(server.port, `GET /missing-${i} HTTP/1.0\r\n\r\n`));
      assert.match(missing.head, /^HTTP\/1\.1 404 /, `404 #${i}`);
      assert.match(missing.body.toString(), /ERR_NOT_FOUND/);
      const file = parse(await halfClosedExchange(server.port, 'GET /big.bin HTTP/1.0\r\n\r\n'));
      assert.match(file.head, /^HTTP\/1\.1 200 /, `big file #${i}`);
      assert.ok(file.body.equals(big), `big file #${i}: ${file.body.length} of ${big.length} bytes`);
      const listing = parse(await halfClosedExchange(server.port, 'GET /sub/ HTTP/1.0\r\nAccept: application/json\r\n\r\n'));
      assert.match(listing.head, /^HTTP\/1\.1 200 /, `listing #${i}`);
      assert.ok(JSON.parse(listing.body.toString()));
    }
  });

  it('/_muxd endpoints under up: 20 nc-style requests in a row each get the whole answer', async () => {
    for (let i = 0; i < 20; i++) {
      const health = parse(await halfClosedExchange(up.port, 'GET /_muxd/health HTTP/1.0\r\n\r\n'));
      assert.match(health.head, /^HTTP\/1\.1 200 /, `health #${i}`);
      assert.equal((JSON.parse(health.body.toString()) as { status: string }).status, 'ok');
      const journal = parse(await halfClosedExchange(up.port, 'GET /_muxd/journal?limit=5 HTTP/1.0\r\n\r\n'));
      assert.match(journal.head, /^HTTP\/1\.1 200 /, `journal #${i}`);
      assert.ok(Array.isArray((JSON.parse(journal.body.toString()) as { records: unknown[] }).records));
      const page = parse(await halfClosedExchange(up.port, 'GET /missing HTTP/1.1\r\nHost: localhost\r\n\r\n'));
      assert.match(page.head, /^HTTP\/1\.1 404 /, `static under up #${i}`);
    }
  });

  it('over TLS (HTTP/1.1): 20 half-closed requests in a row each get the whole answer', async () => {
    for (let i = 0; i < 20; i++) {
      const missing = parse(await halfClosedTlsExchange(tlsServer.port, `GET /missing-${i} HTTP/1.0\r\n\r\n`));
      assert.match(missing.head, /^HTTP\/1\.1 404 /, `404 #${i}`);
      const file = parse(await halfClosedTlsExchange(tlsServer.port, 'GET /big.bin HTTP/1.0\r\n\r\n'));
      assert.ok(file.body.equals(big), `big file #${i}: ${file.body.length} of ${big.length} bytes`);
    }
  });

  it('an HTTP/2 client that half-closes still ends its session at once (half-open is for HTTP/1 only)', async () => {
    const sock = tls.connect({ port: tlsServer.port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['h2'] });
    await once(sock, 'secureConnect');
    assert.equal(sock.alpnProtocol, 'h2');
    sock.on('data', () => {});
    const closed = once(sock, 'close');
    // Connection preface and an empty SETTINGS frame, then FIN.
    sock.end(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
    const started = Date.now();
    await closed;
    assert.ok(Date.now() - started < 2000, 'closed by the server, not by its idle timeout');
  });
});
