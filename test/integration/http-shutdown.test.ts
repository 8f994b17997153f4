// muxd serve behaviour 12 in process: the server Closable stops accepting, drains until its deadline, then cuts the rest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { makeDocroot, startServer } from '../helpers/http-fixtures.js';

test('a transfer that outlives the drain deadline is cut by close(); drain resolves at the deadline', async () => {
  const root = await makeDocroot();
  const fh = await open(path.join(root.dir, 'huge.bin'), 'w');
  await fh.truncate(64 * 1024 * 1024);
  await fh.close();
  const srv = await startServer({ root: root.dir });
  try {
    const sock = net.connect(srv.port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write('GET /huge.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(sock, 'data');
    sock.pause(); // a client that never finishes reading
    const closed = once(sock, 'close');
    sock.on('error', () => {});
    srv.handle.closable.stopAccepting?.();
    const started = Date.now();
    await srv.handle.closable.drain?.(Date.now() + 300);
    const waited = Date.now() - started;
    assert.ok(waited >= 250, `drain returned after ${waited} ms, before its deadline`);
    assert.equal(sock.destroyed, false, 'still connected at the deadline');
    await srv.handle.closable.close?.();
    sock.resume();
    await closed;
  } finally {
    await root.cleanup();
  }
});

test('drain resolves as soon as the last in-flight response finishes (keep-alive connection closed after it)', async () => {
  const root = await makeDocroot();
  const srv = await startServer({ root: root.dir });
  try {
    const sock = net.connect(srv.port, '127.0.0.1');
    await once(sock, 'connect');
    sock.write('GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(sock, 'data');
    sock.pause();
    srv.handle.closable.stopAccepting?.();
    const drained = srv.handle.closable.drain!(Date.now() + 10_000);
    const started = Date.now();
    sock.resume();
    sock.on('data', () => {});
    await once(sock, 'close'); // the server closes the connection once the response is complete
    await drained;
    assert.ok(Date.now() - started < 5000, 'drain did not wait for the deadline');
    await srv.handle.closable.close?.();
  } finally {
    await root.cleanup();
  }
});
