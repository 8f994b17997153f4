// Basic auth on real sockets: 401 with the challenge, access with credentials, cached verifications, bodies of refused requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { basicAuth, rawSend, send, startFeatureServer } from '../helpers/feature-server.js';
import type { FeatureServer } from '../helpers/feature-server.js';
import { WWW_AUTHENTICATE } from '../../src/http/features/auth.js';

let dir: string;
let server: FeatureServer;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-auth-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>home</title>');
  server = await startFeatureServer(dir, { auth: 'alice:s3cret pass' });
});
after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

test('no credentials, a wrong password and an unknown user all get the same 401 with the challenge and ERR_AUTH_FAILED', async () => {
  const replies = [
    await send(server.port, 'GET', '/'),
    await send(server.port, 'GET', '/', { Authorization: basicAuth('alice', 'wrong') }),
    await send(server.port, 'GET', '/', { Authorization: basicAuth('bob', 's3cret pass') }),
    await send(server.port, 'GET', '/', { Authorization: 'Bearer s3cret' }),
  ];
  for (const r of replies) {
    assert.equal(r.status, 401);
    assert.equal(r.headers['www-authenticate'], WWW_AUTHENTICATE);
    assert.equal(WWW_AUTHENTICATE, 'Basic realm="muxd", charset="UTF-8"');
    assert.match(r.body, /ERR_AUTH_FAILED/);
    assert.equal(r.body, replies[0]!.body);
  }
});

test('the right credentials pass to the files; the verification is cached, so later requests hash nothing', async () => {
  const auth = server.features.auth!;
  const ok = await send(server.port, 'GET', '/', { Authorization: basicAuth('alice', 's3cret pass') });
  assert.equal(ok.status, 200);
  assert.match(ok.body, /<title>home<\/title>/);
  const verify = auth.verify.bind(auth);
  let hashed = 0;
  auth.verify = (h) => {
    hashed++;
    return verify(h);
  };
  try {
    for (let i = 0; i < 5; i++) assert.equal((await send(server.port, 'GET', '/', { Authorization: basicAuth('alice', 's3cret pass') })).status, 200);
    assert.equal(hashed, 0);
    assert.equal((await send(server.port, 'GET', '/', { Authorization: basicAuth('alice', 'nope') })).status, 401);
    assert.equal(hashed, 1, 'a failure is never cached');
  } finally {
    auth.verify = verify;
  }
});

test('a refused PUT with a body gets its 401, and the unread body is discarded before the connection closes (no reset)', async () => {
  const body = Buffer.alloc(256 * 1024, 0x61);
  const sock = await rawSend(server.port, `PUT /x.bin HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${body.length}\r\n\r\n`);
  sock.write(body);
  const chunks: Buffer[] = [];
  sock.on('data', (c: Buffer) => chunks.push(c));
  let reset = false;
  sock.on('error', () => (reset = true));
  await once(sock, 'close');
  const text = Buffer.concat(chunks).toString('latin1');
  assert.match(text, /^HTTP\/1\.1 401 /);
  assert.match(text, /Connection: close/i);
  assert.equal(reset, false);
});
