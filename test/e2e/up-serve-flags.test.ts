// Regression (issue 15): `up` refused --watch, --proxy, --qr and --open (Unknown option) although the docs said it takes every serve flag; the page keeps its routes ahead of the proxy.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { spawnUp } from '../helpers/up-process.js';

/** An upstream on 127.0.0.1:0 answering with `answer(url)`, closed after the test; resolves with its port. */
async function startUpstream(answer: (url: string) => string, headers: Record<string, string> = {}): Promise<number> {
  const upstream = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/plain', ...headers });
    res.end(answer(req.url ?? ''));
  });
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  after(() => {
    upstream.closeAllConnections();
    upstream.close();
  });
  return (upstream.address() as { port: number }).port;
}

test('up DIR --proxy /=UPSTREAM --watch --qr: /_muxd/ and the reload stream stay up\'s, the rest is proxied; --qr explains itself', async () => {
  const port = await startUpstream((url) => `upstream ${url}`, { 'X-Upstream': '1' });
  const t = await tempDir('muxd-up-flags-');
  after(() => t.cleanup());
  const site = path.join(t.dir, 'site');
  await mkdir(site);
  await writeFile(path.join(site, 'page.html'), '<html><body><p>x</p></body></html>');
  const up = await spawnUp([
    site,
    ...['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(t.dir, 'j.jsonl')],
    ...['--proxy', `/api=http://127.0.0.1:${port}`, '--watch', '--qr'],
  ]);
  after(() => up.stop());
  const proxied = await fetch(`${up.httpUrl}/api/x?y=1`);
  assert.equal(proxied.headers.get('x-upstream'), '1');
  assert.equal(await proxied.text(), 'upstream /api/x?y=1');
  const health = await fetch(`${up.httpUrl}/_muxd/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  const page = await (await fetch(`${up.httpUrl}/page.html`)).text();
  assert.match(page, /<script src="\/_muxd\/reload\.js"><\/script><\/body>/);
  const script = await fetch(`${up.httpUrl}/_muxd/reload.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type') ?? '', /javascript/);
  await script.body?.cancel();
  // --qr on a loopback --host: no LAN URL to show, said on stderr, and up keeps serving.
  const deadline = Date.now() + 5000;
  while (!/--host/.test(up.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  assert.match(up.stderr(), /muxd: .*--host/);
});

test('up DIR --proxy /=UPSTREAM: even a proxy of everything leaves /_muxd/ to the page', async () => {
  const port = await startUpstream(() => 'upstream');
  const t = await tempDir('muxd-up-proxy-all-');
  after(() => t.cleanup());
  const up = await spawnUp([t.dir, '--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(t.dir, 'j.jsonl'), '--proxy', `/=http://127.0.0.1:${port}`]);
  after(() => up.stop());
  assert.equal(await (await fetch(`${up.httpUrl}/anything`)).text(), 'upstream');
  const page = await fetch(`${up.httpUrl}/_muxd/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<title>/);
});
