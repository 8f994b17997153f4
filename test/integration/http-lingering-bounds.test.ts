// The lingering close is bounded: a refused client that stays silent is closed after the time bound, one that keeps
// sending is cut past the byte bound, and one that finishes its request is closed cleanly with the answer intact.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { lingerSocket } from '../../src/http/core/lingering-close.js';

describe('lingerSocket bounds', { timeout: 20_000 }, () => {
  let server: net.Server;
  let port: number;
  const serverSockets: net.Socket[] = [];
  let nextServerSocket: (s: net.Socket) => void = () => {};
  before(async () => {
    server = net.createServer({ allowHalfOpen: true }, (sock) => {
      serverSockets.push(sock);
      nextServerSocket(sock);
      sock.end('refused\n');
      lingerSocket(sock, { timeoutMs: 300, maxBytes: 256 * 1024 });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => {
    for (const s of serverSockets) s.destroy();
    server.close();
  });

  /** Connects (half-open allowed, like a client still sending after the server's FIN); `peerClosed` is the server side's close. */
  async function connect(): Promise<{ sock: net.Socket; text: () => string; peer: net.Socket; peerClosed: Promise<unknown> }> {
    const accepted = new Promise<net.Socket>((resolve) => (nextServerSocket = resolve));
    const sock = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    await once(sock, 'connect');
    let text = '';
    sock.on('data', (c: Buffer) => (text += c.toString()));
    sock.on('error', () => {});
    const peer = await accepted;
    return { sock, text: () => text, peer, peerClosed: peer.destroyed ? Promise.resolve() : once(peer, 'close') };
  }

  it('a silent client is closed once the time bound passes', async () => {
    const started = Date.now();
    const c = await connect();
    await c.peerClosed;
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 && elapsed < 3000, `closed after ${elapsed} ms`);
    c.sock.destroy();
  });

  it('a client that keeps sending is cut past the byte bound, long before it is done', async () => {
    const c = await connect();
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    let cut = false;
    void c.peerClosed.then(() => (cut = true));
    while (!cut && !c.sock.destroyed && sent < 64 * 1024 * 1024) {
      sent += chunk.length;
      if (!c.sock.write(chunk)) await Promise.race([once(c.sock, 'drain').catch(() => {}), c.peerClosed]);
    }
    await c.peerClosed;
    assert.ok(c.peer.bytesRead <= 256 * 1024 + 128 * 1024, `server read ${c.peer.bytesRead} bytes of the ${sent} sent`);
    c.sock.destroy();
  });

  it('a client that ends its side is closed at once, the answer intact', async () => {
    const c = await connect();
    const started = Date.now();
    c.sock.end(Buffer.alloc(100 * 1024, 'y'));
    await c.peerClosed;
    await once(c.sock, 'close');
    assert.equal(c.text(), 'refused\n');
    assert.ok(Date.now() - started < 250, 'no need to wait for the time bound');
  });
});
