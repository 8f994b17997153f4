// muxd serve behaviour 7 over raw sockets: hostile targets get 400/404, never a file outside the root, never a crash or path leak.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { makeDocroot, startServer, rawExchange, request } from '../helpers/http-fixtures.js';
import type { Docroot, TestServer } from '../helpers/http-fixtures.js';

let root: Docroot;
let srv: TestServer;

before(async () => {
  root = await makeDocroot();
  srv = await startServer({ root: root.dir, listing: true });
});
after(async () => {
  await srv.close();
  await root.cleanup();
});

const targets = [
  '/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc%2fpasswd', '/%2e%2e%5c%2e%2e%5cetc%5cpasswd',
  '/..\\..\\etc\\passwd', '/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', '/%252e%252e/etc/passwd', '/index.html%00.txt',
  '/%', '/%zz', '/.env', '/.git/config', '/link-out', '/dir-out/passwd', '//etc/passwd', '/./../etc/passwd',
  'http://evil/../../etc/passwd', '*', `/${'%2e%2e/'.repeat(300)}etc/passwd`, '/%ff%fe', '/a/..%00/b',
];

test('hostile raw request targets answer 400 or 404, never /etc/passwd, never a path or stack trace', async () => {
  for (const t of targets) {
    const out = await rawExchange(srv.port, `GET ${t} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(out)?.[1]);
    assert.ok(status === 400 || status === 404, `${t} → ${out.slice(0, 80)}`);
    assert.ok(!out.includes('root:x:0:0'), `${t} leaked /etc/passwd`);
    assert.ok(!out.includes(root.dir) && !out.includes('/etc/') && !/\bat .*\(.*:\d+:\d+\)/.test(out), `${t} leaked a path: ${out}`);
  }
  // Still alive and serving.
  assert.equal((await request(srv.port, '/small.txt')).status, 200);
});

test('raw NUL, control bytes and bare CR in the target never crash the server', async () => {
  for (const bad of ['/a\x00b', '/a\x01b', '/a\rb', '/\x7f', '/\xff\xfe']) {
    const out = await rawExchange(srv.port, Buffer.from(`GET ${bad} HTTP/1.1\r\nHost: x\r\n\r\n`, 'latin1'));
    assert.ok(out === '' || /^HTTP\/1\.1 (400|404)/.test(out), JSON.stringify(out.slice(0, 60)));
  }
  assert.equal((await request(srv.port, '/small.txt')).status, 200);
});

test('an encoded slash or backslash gives 400 with the ERR_BAD_PATH code', async () => {
  const r = await request(srv.port, '/sub%2fpage.html');
  assert.equal(r.status, 400);
  assert.ok(r.body.toString().includes('ERR_BAD_PATH'));
});

test('a long header value, odd methods and absolute-form targets are handled', async () => {
  const abs = await rawExchange(srv.port, `GET http://localhost/small.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`);
  assert.match(abs, /^HTTP\/1\.1 200/);
  const odd = await rawExchange(srv.port, `BREW /small.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.match(odd, /^HTTP\/1\.1 (400|405)/);
  const opt = await rawExchange(srv.port, `OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
  assert.match(opt, /^HTTP\/1\.1 204/);
  assert.match(opt, /Allow: GET, HEAD, OPTIONS/);
});
