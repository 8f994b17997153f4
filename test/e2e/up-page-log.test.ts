// Regressions (issue 15): the page's empty state said "Run `muxd send 6666`" whatever the collector's port, and every /_muxd/ response was logged with bytes `-` (null in JSON).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { spawnUp } from '../helpers/up-process.js';

test('up --collect-port 0: the empty state names the real collector port', async () => {
  const t = await tempDir('muxd-up-page-');
  after(() => t.cleanup());
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(t.dir, 'j.jsonl')]);
  after(() => up.stop());
  assert.notEqual(up.collectPort, 6666);
  const html = await (await fetch(`${up.httpUrl}/_muxd/`)).text();
  assert.match(html, new RegExp(`Run <code>muxd send ${up.collectPort}</code> in another terminal or use the box below\\.`));
  assert.doesNotMatch(html, /muxd send 6666/);
});

test('up --log json: every /_muxd/ response is logged with the body bytes it sent', async () => {
  const t = await tempDir('muxd-up-log-');
  after(() => t.cleanup());
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'json', '--journal', path.join(t.dir, 'j.jsonl')]);
  after(() => up.stop());
  const routes: Array<[string, RequestInit?]> = [
    ['/_muxd/'],
    ['/_muxd/app.js'],
    ['/_muxd/health'],
    ['/_muxd/metrics'],
    ['/_muxd/journal'],
    ['/_muxd/messages', { method: 'POST', body: 'hello\n', headers: { 'Content-Type': 'text/plain' } }],
    ['/_muxd/nothing-here'],
  ];
  const sizes = new Map<string, number>();
  for (const [route, init] of routes) {
    const res = await fetch(`${up.httpUrl}${route}`, { ...init, headers: { ...init?.headers, 'Accept-Encoding': 'identity' } });
    sizes.set(route, (await res.arrayBuffer()).byteLength);
  }
  for (const [route] of routes) {
    const line = await up.waitLine(new RegExp(`"url":"${route.replaceAll('/', '\\/')}"`));
    const entry = JSON.parse(line) as { bytes: number | null; status: number };
    assert.equal(entry.bytes, sizes.get(route), `${route}: ${line}`);
    assert.ok((entry.bytes ?? 0) > 0, `${route} sent a body`);
  }
});
