// --proxy behind TLS: HTTP/2 clients get the upstream's answer (cookies, body, POST streamed), X-Forwarded-Proto is https,
// and a WebSocket upgrade over HTTP/1.1 on the same TLS port is tunnelled.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { createStaticHandler } from '../../src/http/static/static-handler.js';
import { createHttpServer } from '../../src/http/core/server.js';
import type { HttpServerHandle } from '../../src/http/core/server.js';
import { composeLayers } from '../../src/http/core/layers.js';
import { createProxy } from '../../src/http/features/proxy.js';
import type { Proxy } from '../../src/http/features/proxy.js';
import { parseProxyRules } from '../../src/http/features/proxy-rules.js';
import { makeDocroot, testServerOptions } from '../helpers/http-fixtures.js';
import type { Docroot } from '../helpers/http-fixtures.js';

const fixtures = new URL('../../../test/fixtures/http/', import.meta.url);
let root: Docroot;
let ca: Buffer;
let upstream: http.Server;
let wss: WebSocketServer;
let proxy: Proxy;
let muxd: HttpServerHandle;
let url: string;

before(async () => {
  root = await makeDocroot();
  ca = await readFile(new URL('cert.pem', fixtures));
  const key = await readFile(new URL('key.pem', fixtures));
  upstream = http.createServer((req, res) => {
    const hash = createHash('sha256');
    let n = 0;
    req.on('data', (c: Buffer) => {
      n += c.length;
      hash.update(c);
    });
    req.on('end', () => {
      res.writeHead(200, [
        'Content-Type', 'application/json',
        'Set-Cookie', 'a=1',
        'Set-Cookie', 'b=2',
        'Connection', 'keep-alive',
      ]);
      res.end(JSON.stringify({ url: req.url, method: req.method, proto: req.headers['x-forwarded-proto'], host: req.headers['x-forwarded-host'], n, sha: hash.digest('hex') }));
    });
  });
  wss = new WebSocketServer({ server: upstream, path: '/api/ws' });
  wss.on('connection', (ws) => ws.on('message', (d, binary) => ws.send(d, { binary })));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const upPort = (upstream.address() as { port: number }).port;
  proxy = createProxy({ rules: parseProxyRules([`/api=http://127.0.0.1:${upPort}`]), timeoutMs: 5000, tls: true });
  const files = await createStaticHandler({ root: root.dir, listing: false, spa: false, dotfiles: 'deny', cacheSeconds: 0, cors: null });
  muxd = createHttpServer({ ...testServerOptions, tls: { cert: ca, key } }, composeLayers([proxy.layer], files));
  proxy.acceptUpgrades(muxd.server);
  url = (await muxd.listen()).url;
});

after(async () => {
  proxy.closable.stopAccepting?.();
  muxd.closable.stopAccepting?.();
  await muxd.closable.close?.();
  await proxy.closable.close?.();
  wss.close();
  upstream.closeAllConnections();
  upstream.close();
  await root.cleanup();
});

test('an HTTP/2 GET and a streamed HTTP/2 POST reach the upstream; its answer comes back without hop-by-hop headers', async () => {
  const session = http2.connect(url, { ca, servername: 'localhost' });
  try {
    const get = session.request({ ':path': '/api/hello?x=1', ':authority': 'localhost' });
    const [headers] = (await once(get, 'response')) as [http2.IncomingHttpHeaders];
    let text = '';
    for await (const c of get) text += String(c);
    assert.equal(headers[':status'], 200);
    assert.deepEqual(headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(headers.connection, undefined);
    assert.deepEqual(JSON.parse(text), { url: '/api/hello?x=1', method: 'GET', proto: 'https', host: 'localhost', n: 0, sha: createHash('sha256').digest('hex') });

    const body = randomBytes(3 * 1024 * 1024 + 5);
    const post = session.request({ ':method': 'POST', ':path': '/api/up', ':authority': 'localhost' });
    for (let i = 0; i < body.length; i += 65536) if (!post.write(body.subarray(i, i + 65536))) await once(post, 'drain');
    post.end();
    let reply = '';
    for await (const c of post) reply += String(c);
    const seen = JSON.parse(reply) as { method: string; n: number; sha: string };
    assert.equal(seen.method, 'POST');
    assert.equal(seen.n, body.length);
    assert.equal(seen.sha, createHash('sha256').update(body).digest('hex'));
  } finally {
    session.close();
  }
});

test('a WebSocket upgrade over HTTP/1.1 on the TLS port is tunnelled', async () => {
  const ws = new WebSocket(`${url.replace('https', 'wss')}/api/ws`, { ca, headers: { Host: 'localhost' } });
  await once(ws, 'open');
  ws.send('over tls');
  const [data] = (await once(ws, 'message')) as [Buffer];
  assert.equal(data.toString(), 'over tls');
  ws.close();
  await once(ws, 'close');
});
