// muxd serve behaviour 10: --cors answers preflights for listed origins only and never pairs `*` with credentials.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeDocroot, startServer, request } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

let root: Docroot;
let any: TestServer;
let listed: TestServer;

before(async () => {
  root = await makeDocroot();
  any = await startServer({ root: root.dir, cors: ['*'] });
  listed = await startServer({ root: root.dir, cors: ['https://app.example', 'http://localhost:3000'] });
});
after(async () => {
  await any.close();
  await listed.close();
  await root.cleanup();
});

const preflight = (origin: string, method = 'GET'): Record<string, string> => ({
  origin,
  'access-control-request-method': method,
  'access-control-request-headers': 'range, if-none-match',
});

test('--cors (any origin): * on files and preflights, never with credentials', async () => {
  const r = await request(any.port, '/small.txt', { headers: { origin: 'https://x.example' } });
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.equal(r.headers['access-control-allow-credentials'], undefined);
  assert.ok(String(r.headers['access-control-expose-headers']).includes('Content-Range'));
  const p = await request(any.port, '/small.txt', { method: 'OPTIONS', headers: preflight('https://x.example') });
  assert.equal(p.status, 204);
  assert.equal(p.headers['access-control-allow-origin'], '*');
  assert.equal(p.headers['access-control-allow-methods'], 'GET, HEAD, OPTIONS');
  assert.equal(p.headers['access-control-allow-headers'], 'range, if-none-match');
  assert.equal(p.headers['access-control-allow-credentials'], undefined);
  assert.ok(p.headers['access-control-max-age']);
});

test('--cors=list: a listed origin is echoed with Vary: Origin; others get no CORS headers and 403 preflights', async () => {
  const ok = await request(listed.port, '/small.txt', { headers: { origin: 'https://app.example' } });
  assert.equal(ok.headers['access-control-allow-origin'], 'https://app.example');
  assert.match(String(ok.headers.vary), /Origin/);
  const p = await request(listed.port, '/small.txt', { method: 'OPTIONS', headers: preflight('http://localhost:3000') });
  assert.equal(p.status, 204);
  assert.equal(p.headers['access-control-allow-origin'], 'http://localhost:3000');
  const bad = await request(listed.port, '/small.txt', { headers: { origin: 'https://evil.example' } });
  assert.equal(bad.status, 200);
  assert.equal(bad.headers['access-control-allow-origin'], undefined);
  const badPre = await request(listed.port, '/small.txt', { method: 'OPTIONS', headers: preflight('https://evil.example') });
  assert.equal(badPre.status, 403);
  assert.equal(badPre.headers['access-control-allow-origin'], undefined);
  const badMethod = await request(listed.port, '/small.txt', { method: 'OPTIONS', headers: preflight('https://app.example', 'DELETE') });
  assert.equal(badMethod.status, 403);
});

test('no --cors: no CORS headers at all', async () => {
  const plain = await startServer({ root: root.dir });
  try {
    const r = await request(plain.port, '/small.txt', { headers: { origin: 'https://app.example' } });
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  } finally {
    await plain.close();
  }
});
