// --proxy and an upstream that answers 101 Switching Protocols to a request that asked for no upgrade.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
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

/** Far above how long the answer may take: the bug waited for it. */
const PROXY_TIMEOUT_MS = 20_000;

let root: Docroot;
let upstream: net.Server;
let muxd: HttpServerHandle;
let proxy: Proxy;
let port: number;

before(async () => {
  root = await makeDocroot();
  // A raw upstream: `/bare` gets a 101 with no Upgrade header, `/ws` a 101 that names websocket, to a plain GET.
  upstream = net.createServer((s) => {
    s.on('error', () => {});
    s.once('data', (d: Buffer) => {
      const bare = d.toString('latin1').startsWith('GET /bare');
      s.write(bare ? 'HTTP/1.1 101 Switching Protocols\r\n\r\n' : 'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    });
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const upstreamPort = (upstream.address() as net.AddressInfo).port;
  proxy = createProxy({ rules: parseProxyRules([`/up=http://127.0.0.1:${upstreamPort}`]), timeoutMs: PROXY_TIMEOUT_MS, tls: false });
  const files = await createStaticHandler({ root: root.dir, listing: false, spa: false, dotfiles: 'deny', cacheSeconds: 0, cors: null });
  muxd = createHttpServer({ ...testServerOptions, allowedHosts: createHostAllowList('127.0.0.1', []) }, composeLayers([proxy.layer], files));
  proxy.acceptUpgrades(muxd.server);
  port = (await muxd.listen()).port;
});

after(async () => {
  (muxd.server as http.Server).closeAllConnections();
  muxd.closable.stopAccepting?.();
  await muxd.closable.close?.();
  await proxy.closable.close?.();
  upstream.close();
  await root.cleanup();
});

test('issue 15: an upstream answering 101 to a plain request left the client hanging past --proxy-timeout; it now gets 502 at once', async () => {
  for (const path of ['/up/ws', '/up/bare']) {
    const started = Date.now();
    const r = await request(port, path, { headers: { Host: 'localhost' } });
    assert.equal(r.status, 502, path);
    const { error } = JSON.parse(r.body.toString()) as { error: { code: string } };
    assert.equal(error.code, 'ERR_BAD_GATEWAY');
    assert.ok(Date.now() - started < PROXY_TIMEOUT_MS / 2, `${path}: answered long before the timeout`);
  }
});
