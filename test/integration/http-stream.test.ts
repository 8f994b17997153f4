// muxd serve behaviour 13: big files stream with backpressure; the fd is closed on 304, client abort and errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { makeDocroot, startServer, request, openFds } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

let root: Docroot;
let srv: TestServer;

before(async () => {
  root = await makeDocroot();
  srv = await startServer({ root: root.dir, cacheMaxFileBytes: 1024 });
});
after(async () => {
  await srv.close();
  await root.cleanup();
});

async function settle(fdsBefore: number): Promise<number> {
  // fd closes are asynchronous (libuv thread pool); wait until the count returns or 2 s pass.
  const until = Date.now() + 2000;
  let now = await openFds();
  while (now > fdsBefore && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
    now = await openFds();
  }
  return now;
}

test('304 and 412 on a big file open no file descriptor (serve-handler #235)', async () => {
  const first = await request(srv.port, '/big.bin', { method: 'HEAD' });
  const before = await openFds();
  for (let i = 0; i < 50; i++) {
    assert.equal((await request(srv.port, '/big.bin', { headers: { 'if-none-match': first.headers.etag! } })).status, 304);
    assert.equal((await request(srv.port, '/big.bin', { headers: { 'if-match': '"x"' } })).status, 412);
  }
  assert.ok((await settle(before)) <= before, 'no fd leaked');
});

test('a client that aborts mid-download releases the file descriptor', async () => {
  const before = await openFds();
  for (let i = 0; i < 20; i++) {
    const sock = net.connect(srv.port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(sock, 'data');
    sock.destroy();
  }
  assert.ok((await settle(before)) <= before, 'fds back to where they were');
  assert.equal((await request(srv.port, '/small.txt')).status, 200);
});

test('a slow reader is fed with backpressure: a paused client holds the server to a bounded buffer', async () => {
  const { open, rm } = await import('node:fs/promises');
  const path = await import('node:path');
  const file = path.join(root.dir, 'huge.bin');
  const fh = await open(file, 'w');
  await fh.truncate(64 * 1024 * 1024); // sparse: no disk used, far more than any socket buffer
  await fh.close();
  let serverSocket: net.Socket | undefined;
  srv.handle.server.once('request', (req: { socket: net.Socket }) => (serverSocket = req.socket));
  const sock = net.connect(srv.port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
  await once(sock, 'data');
  sock.pause();
  // Wait until the server stops making progress (the client is paused), then look at what it holds.
  let last = -1;
  for (let stable = 0; stable < 3; ) {
    await new Promise((r) => setTimeout(r, 50));
    const now = serverSocket!.bytesWritten;
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  const buffered = serverSocket!.writableLength;
  assert.ok(buffered <= 4 * 1024 * 1024, `server buffered ${buffered} bytes for a paused client`);
  assert.ok(serverSocket!.bytesWritten < 64 * 1024 * 1024, 'the file was not pushed out whole');
  sock.destroy();
  await rm(file);
});

test('a partial multipart download aborted by the client closes its fds', async () => {
  const before = await openFds();
  for (let i = 0; i < 10; i++) {
    const sock = net.connect(srv.port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write('GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1999999,2500000-3000000\r\n\r\n');
    await once(sock, 'data');
    sock.destroy();
  }
  assert.ok((await settle(before)) <= before);
});

test('a file that vanishes between stat and read ends the response, never the process', async () => {
  const { writeFile, rm } = await import('node:fs/promises');
  const path = await import('node:path');
  const file = path.join(root.dir, 'vanish.bin');
  await writeFile(file, Buffer.alloc(2 * 1024 * 1024, 1));
  assert.equal((await request(srv.port, '/vanish.bin', { method: 'HEAD' })).status, 200);
  await rm(file);
  const r = await request(srv.port, '/vanish.bin').catch(() => null);
  assert.ok(r === null || r.status === 404 || r.status === 200);
  assert.equal((await request(srv.port, '/small.txt')).status, 200);
});

test('a file truncated mid-transfer cuts the response (short body, connection closed) and releases the fd', async () => {
  const { open, rm } = await import('node:fs/promises');
  const path = await import('node:path');
  const file = path.join(root.dir, 'shrinks.bin');
  let fh = await open(file, 'w');
  await fh.truncate(32 * 1024 * 1024);
  await fh.close();
  const before = await openFds();
  const sock = net.connect(srv.port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write('GET /shrinks.bin HTTP/1.1\r\nHost: x\r\n\r\n');
  const [first] = (await once(sock, 'data')) as [Buffer];
  sock.pause();
  fh = await open(file, 'r+');
  await fh.truncate(0);
  await fh.close();
  let received = first.length - (first.indexOf('\r\n\r\n') + 4);
  sock.on('data', (c: Buffer) => (received += c.length));
  sock.on('error', () => {});
  sock.resume();
  await once(sock, 'close');
  assert.ok(received < 32 * 1024 * 1024, 'short body');
  assert.ok((await settle(before)) <= before, 'fd released');
  assert.equal((await request(srv.port, '/small.txt')).status, 200);
  await rm(file);
});
