// Regression: an oversized POST to /_muxd/messages often reached the client as ECONNRESET instead of 413. The server
// closed while the client was still sending, so the kernel reset the connection and dropped the answer. Now the
// server answers, shuts down its side and discards the rest of the body (bounded) before closing: nginx's lingering
// close. Over raw bytes here; test/e2e/up-oversized-post.test.ts does the 20 fetch POSTs against the CLI.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startUpInProcess } from '../helpers/up-inprocess.js';
import type { UpInProcess } from '../helpers/up-inprocess.js';

describe('an oversized POST reaches the client as 413, not as a reset', { timeout: 60_000 }, () => {
  let dir: string;
  let up: UpInProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-linger-'));
    up = await startUpInProcess(dir, null);
  });
  after(async () => {
    await up.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('a declared Content-Length over the cap: the 413 arrives while the body is still streaming, then a clean close', async () => {
    for (let i = 0; i < 5; i++) {
      // allowHalfOpen: the client keeps writing after the server's FIN, as a client that writes before it reads does.
      const sock = net.connect({ port: up.port, host: '127.0.0.1', allowHalfOpen: true });
      await once(sock, 'connect');
      const size = 5 * 1024 * 1024;
      sock.write(`POST /_muxd/messages HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: ${size}\r\n\r\n`);
      let got = '';
      sock.on('data', (c: Buffer) => (got += c.toString('latin1')));
      const closed = once(sock, 'close');
      let errored: string | null = null;
      sock.on('error', (err: NodeJS.ErrnoException) => (errored = err.code ?? String(err)));
      // Keep sending after the answer has arrived, as a client that does not read before it has written does.
      const chunk = Buffer.alloc(256 * 1024, 'b');
      for (let sent = 0; sent < size && !sock.destroyed; sent += chunk.length) {
        if (!sock.write(chunk)) await Promise.race([once(sock, 'drain'), closed]);
      }
      sock.end();
      await closed;
      assert.equal(errored, null, `#${i}: ${errored}`);
      assert.match(got, /^HTTP\/1\.1 413 [\s\S]*\r\nConnection: close\r\n[\s\S]*"code":"ERR_PAYLOAD_TOO_LARGE"/, `#${i}`);
    }
  });

  it('after a refused body, a fresh request is served normally', async () => {
    const res = await fetch(`${up.app.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'fine\n' });
    assert.equal(res.status, 200);
    const bad = await fetch(`${up.app.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: Buffer.alloc(2 * 1024 * 1024) });
    assert.equal(bad.status, 415);
    assert.equal(((await bad.json()) as { error: { code: string } }).error.code, 'ERR_UNSUPPORTED_MEDIA_TYPE');
  });
});
