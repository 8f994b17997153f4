// --proxy on real sockets: streamed GET/POST, hop-by-hop headers, X-Forwarded-*, 502, 504, backpressure, a WebSocket echo.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { WebSocket, WebSocketServer } from 'ws';
import { createStaticHandler } from '../../src/http/static/static-handler.js';
import { createHttpServer } from '../../src/http/core/server.js';
import type { HttpServerHandle } from '../../src/http/core/server.js';
import { composeLayers } from '../../src/http/core/layers.js';
import { createProxy } from '../../src/http/features/proxy.js';
import type { Proxy } from '../../src/http/features/proxy.js';
import { parseProxyRules } from '../../src/http/features/proxy-rules.js';
import { createHostAllowList } from '../../src/http/core/host-check.js';
import { makeDocroot, request, testServerOptions } from '../helpers/http-fixtures.js';
import type { Docroot } from '../helpers/http-fixtures.js';

interface Seen {
  method: string;
  url: string;
  rawHeaders: string[];
  bodyBytes: number;
  bodySha: string;
}

let root: Docroot;
let upstream: http.Server;
let upstreamPort: number;
let deadPort: number;
let wss: WebSocketServer;
let muxd: HttpServerHandle;
let proxy: Proxy;
let port: number;
/** Requests the slow route holds, answered at teardown. */
const held: http.ServerResponse[] = [];
/** Set by the response-backpressure test: the upstream writes this many bytes, counting what was accepted. */
let flood: { total: number; written: number; blocked: () => void } | null = null;
/** Set by the request-backpressure test: the upstream's request for /api/sink, which it does not read. */
let sink: ((req: http.IncomingMessage) => void) | null = null;

function upstreamOnRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
  if (req.url === '/api/slow') return void held.push(res);
  if (req.url === '/api/die') {
    res.writeHead(200, { 'Content-Length': String(1 << 20) });
    res.write('partial', () => res.destroy());
    return;
  }
  if (req.url === '/api/sink' && sink) return sink(req);
  if (req.url === '/api/flood' && flood) {
    const f = flood;
    const chunk = Buffer.alloc(256 * 1024, 120);
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(f.total) });
    const pump = (): void => {
      while (f.written < f.total) {
        f.written += chunk.length;
        if (!res.write(chunk)) {
          f.blocked();
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    return pump();
  }
  const hash = createHash('sha256');
  let bytes = 0;
  req.on('data', (c: Buffer) => {
    bytes += c.length;
    hash.update(c);
  });
  req.on('end', () => {
    const seen: Seen = { method: req.method ?? '', url: req.url ?? '', rawHeaders: req.rawHeaders, bodyBytes: bytes, bodySha: hash.digest('hex') };
    const body = Buffer.from(JSON.stringify(seen));
    res.writeHead(201, 'Made', [
      'Content-Type', 'application/json',
      'Content-Length', String(body.length),
      'Connection', 'X-Upstream-Hop',
      'X-Upstream-Hop', 'secret',
      'Keep-Alive', 'timeout=77',
      'Proxy-Authenticate', 'Basic',
      'Set-Cookie', 'a=1',
      'Set-Cookie', 'b=2',
      'X-End-To-End', 'kept',
    ]);
    res.end(body);
  });
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

before(async () => {
  root = await makeDocroot();
  upstream = http.createServer(upstreamOnRequest);
  wss = new WebSocketServer({ server: upstream, path: '/api/ws' });
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.headers['x-forwarded-for'] ?? '?'}`);
    ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
  });
  upstreamPort = await listen(upstream);
  const dead = net.createServer();
  deadPort = await listen(dead);
  dead.close();
  await once(dead, 'close');
  proxy = createProxy({
    rules: parseProxyRules([`/api=http://127.0.0.1:${upstreamPort}`, `/down=http://127.0.0.1:${deadPort}`, `/v2=http://127.0.0.1:${upstreamPort}/api/`]),
    timeoutMs: 1500,
    tls: false,
  });
  const files = await createStaticHandler({ root: root.dir, listing: false, spa: false, dotfiles: 'deny', cacheSeconds: 0, cors: null });
  muxd = createHttpServer({ ...testServerOptions, allowedHosts: createHostAllowList('127.0.0.1', []) }, composeLayers([proxy.layer], files));
  proxy.acceptUpgrades(muxd.server);
  port = (await muxd.listen()).port;
});

after(async () => {
  for (const res of held) res.destroy();
  proxy.closable.stopAccepting?.();
  (muxd.server as http.Server).closeAllConnections();
  muxd.closable.stopAccepting?.();
  await muxd.closable.close?.();
  await proxy.closable.close?.();
  wss.close();
  upstream.closeAllConnections();
  upstream.close();
  await root.cleanup();
});

function headerValues(raw: string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === name) out.push(raw[i + 1]!);
  return out;
}

describe('reverse proxy', { timeout: 30_000 }, () => {
  it('forwards a GET with its end-to-end headers, drops hop-by-hop ones both ways, and sets X-Forwarded-*', async () => {
    const r = await request(port, '/api/echo?q=1', {
      headers: {
        Host: `localhost:${port}`,
        Connection: 'keep-alive, X-Client-Hop',
        'X-Client-Hop': 'secret',
        'Keep-Alive': 'timeout=9',
        TE: 'trailers',
        'Proxy-Authorization': 'Basic eDp5',
        'Proxy-Connection': 'keep-alive',
        Upgrade: 'foo/1',
        'X-Forwarded-For': '203.0.113.9',
        'X-Forwarded-Proto': 'https',
        'X-Custom': 'yes',
      },
    });
    assert.equal(r.status, 201);
    const seen = JSON.parse(r.body.toString()) as Seen;
    assert.equal(seen.method, 'GET');
    assert.equal(seen.url, '/api/echo?q=1');
    const names = new Set(seen.rawHeaders.filter((_, i) => i % 2 === 0).map((n) => n.toLowerCase()));
    for (const hop of ['x-client-hop', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection', 'upgrade']) assert.ok(!names.has(hop), hop);
    assert.deepEqual(headerValues(seen.rawHeaders, 'host'), [`127.0.0.1:${upstreamPort}`]);
    assert.deepEqual(headerValues(seen.rawHeaders, 'x-custom'), ['yes']);
    assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-for'), ['203.0.113.9, 127.0.0.1']);
    assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(headerValues(seen.rawHeaders, 'x-forwarded-host'), [`localhost:${port}`]);
    // The response: the upstream's status, end-to-end headers (both cookies), none of its hop-by-hop ones.
    assert.equal(r.headers['x-end-to-end'], 'kept');
    assert.deepEqual(r.headers['set-cookie'], ['a=1', 'b=2']);
    assert.equal(r.headers['x-upstream-hop'], undefined);
    assert.equal(r.headers['proxy-authenticate'], undefined);
    assert.notEqual(r.headers['keep-alive'], 'timeout=77');
  });

  it('streams a POST body to the upstream unchanged', async () => {
    const body = randomBytes(5 * 1024 * 1024 + 3);
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/api/upload', agent: false, headers: { 'Content-Type': 'application/octet-stream' } });
      req.on('error', reject);
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      // Chunked: the upstream sees the body streamed, not one buffer.
      for (let i = 0; i < body.length; i += 65536) req.write(body.subarray(i, i + 65536));
      req.end();
    });
    assert.equal(r.status, 201);
    const seen = JSON.parse(r.body) as Seen;
    assert.equal(seen.method, 'POST');
    assert.equal(seen.bodyBytes, body.length);
    assert.equal(seen.bodySha, createHash('sha256').update(body).digest('hex'));
  });

  it('replaces the prefix when the upstream URL has a path (nginx proxy_pass rule)', async () => {
    const r = await request(port, '/v2/echo?x=2', { headers: { Host: 'localhost' } });
    assert.equal((JSON.parse(r.body.toString()) as Seen).url, '/api/echo?x=2');
  });

  it('leaves paths outside every prefix to the static files, and refuses dot segments under one', async () => {
    // `/apix` does not continue `/api` at a slash: the static handler answers (404), not the upstream (201).
    const near = await request(port, '/apix', { headers: { Host: 'localhost' } });
    assert.equal(near.status, 404);
    const other = await request(port, '/small.txt', { headers: { Host: 'localhost' } });
    assert.equal(other.body.toString(), 'hello\n');
    const bad = await request(port, '/api/%2e%2E/secret', { headers: { Host: 'localhost' } });
    assert.equal(bad.status, 400);
    assert.equal((JSON.parse(bad.body.toString()) as { error: { code: string } }).error.code, 'ERR_BAD_PATH');
  });

  it('answers 502 ERR_BAD_GATEWAY as JSON when the upstream is down', async () => {
    const r = await request(port, '/down/x', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 502);
    assert.match(String(r.headers['content-type']), /^application\/json/);
    assert.equal((JSON.parse(r.body.toString()) as { error: { code: string } }).error.code, 'ERR_BAD_GATEWAY');
  });

  it('answers 504 ERR_GATEWAY_TIMEOUT when the upstream sends no headers within --proxy-timeout', async () => {
    const started = Date.now();
    const r = await request(port, '/api/slow', { headers: { Host: 'localhost' } });
    assert.equal(r.status, 504);
    assert.equal((JSON.parse(r.body.toString()) as { error: { code: string } }).error.code, 'ERR_GATEWAY_TIMEOUT');
    assert.ok(Date.now() - started >= 1490, 'not before the timeout');
  });

  it('cuts the client\'s response when the upstream dies mid-body (never a short body passed off as whole)', async () => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/die', headers: { Host: 'localhost' }, agent: false });
    const [res] = (await once(req, 'response')) as [http.IncomingMessage];
    assert.equal(res.statusCode, 200);
    let got = '';
    res.on('data', (c: Buffer) => (got += c.toString()));
    const [ended] = await Promise.race([once(res, 'end').then(() => ['end']), once(res, 'aborted').then(() => ['aborted']), once(res, 'error').then(() => ['error'])]);
    assert.notEqual(ended, 'end');
    assert.ok('partial'.startsWith(got), got);
  });

  it('holds the upstream back while the client does not read (response backpressure)', async () => {
    let blockedOnce: () => void = () => {};
    const firstBlock = new Promise<void>((resolve) => (blockedOnce = resolve));
    let lastBlockAt = 0;
    flood = {
      total: 96 * 1024 * 1024,
      written: 0,
      blocked: () => {
        lastBlockAt = Date.now();
        blockedOnce();
      },
    };
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    sock.pause();
    sock.write('GET /api/flood HTTP/1.1\r\nHost: localhost\r\n\r\n');
    await firstBlock;
    // Nothing to await for "stays blocked": wait until the upstream has had no drain for 300 ms, then check how far it got.
    while (Date.now() - lastBlockAt < 300) await new Promise((r) => setTimeout(r, 100));
    const f = flood;
    assert.ok(f.written < 48 * 1024 * 1024, `upstream wrote ${f.written} bytes into a client that reads nothing`);
    let received = 0;
    sock.on('data', (c: Buffer) => (received += c.length));
    sock.resume();
    while (received < f.total) await once(sock, 'data');
    assert.ok(received >= f.total);
    sock.destroy();
    flood = null;
  });

  it('holds the client back while the upstream does not read (request backpressure)', async () => {
    const arrived = new Promise<http.IncomingMessage>((resolve) => (sink = resolve));
    const sock = net.connect(port, '127.0.0.1');
    await once(sock, 'connect');
    const total = 96 * 1024 * 1024;
    sock.write(`POST /api/sink HTTP/1.1\r\nHost: localhost\r\nContent-Length: ${total}\r\n\r\n`);
    const upReq = await arrived;
    upReq.pause();
    const chunk = Buffer.alloc(256 * 1024, 121);
    let sent = 0;
    let blocked = false;
    while (sent < total) {
      sent += chunk.length;
      if (!sock.write(chunk)) {
        // Wait for a drain, or give up after 500 ms without one: then the proxy is holding the client back.
        const drained = await Promise.race([once(sock, 'drain').then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 500))]);
        if (!drained) {
          blocked = true;
          break;
        }
      }
    }
    assert.ok(blocked && sent < 48 * 1024 * 1024, `the client got ${sent} bytes through to an upstream that reads nothing`);
    sock.destroy();
    upReq.destroy();
    sink = null;
  });

  it('tunnels a WebSocket upgrade: the upstream echoes text and a 1 MiB binary message', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers: { Host: `localhost:${port}` } });
    const messages: Array<{ data: Buffer; binary: boolean }> = [];
    const next = async (): Promise<{ data: Buffer; binary: boolean }> => {
      while (messages.length === 0) await once(ws, 'message-queued');
      return messages.shift()!;
    };
    ws.on('message', (data: Buffer, binary: boolean) => {
      messages.push({ data, binary });
      ws.emit('message-queued');
    });
    await once(ws, 'open');
    assert.equal((await next()).data.toString(), 'hello 127.0.0.1');
    ws.send('ping over the proxy');
    assert.equal((await next()).data.toString(), 'ping over the proxy');
    const big = randomBytes(1024 * 1024);
    ws.send(big);
    const echoed = await next();
    assert.ok(echoed.binary);
    assert.ok(echoed.data.equals(big));
    ws.close();
    await once(ws, 'close');
  });

  it('serves a non-WebSocket upgrade request (curl --http2 on plain HTTP) like any request', async () => {
    const r = await request(port, '/small.txt', { headers: { Host: 'localhost', Connection: 'Upgrade, HTTP2-Settings', Upgrade: 'h2c', 'HTTP2-Settings': 'AAMAAABkAARAAAAAAAIAAAAA' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello\n');
  });

  it('refuses a WebSocket upgrade naming a foreign Host (the DNS-rebinding guard covers upgrades)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/ws`, { headers: { Host: 'evil.example' } });
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, http.IncomingMessage];
    assert.equal(res.statusCode, 403);
    // Aborting a handshake that got its answer: ws reports it as an error, which is expected here.
    ws.on('error', () => {});
    ws.terminate();
  });

  it('answers 502 on the socket when a WebSocket upstream is down', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/down/ws`, { headers: { Host: 'localhost' } });
    const [, res] = (await once(ws, 'unexpected-response')) as [unknown, http.IncomingMessage];
    assert.equal(res.statusCode, 502);
    // Aborting a handshake that got its answer: ws reports it as an error, which is expected here.
    ws.on('error', () => {});
    ws.terminate();
  });
});
