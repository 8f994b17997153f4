// --watch on real sockets: script injection (HTML only, whole responses only), the /_muxd/reload stream, fresh files at once.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createStaticHandler } from '../../src/http/static/static-handler.js';
import type { StaticOptions } from '../../src/http/static/static-handler.js';
import { createHttpServer } from '../../src/http/core/server.js';
import type { HttpServerHandle } from '../../src/http/core/server.js';
import { composeLayers } from '../../src/http/core/layers.js';
import { createLiveReload } from '../../src/http/features/live-reload.js';
import type { LiveReload } from '../../src/http/features/live-reload.js';
import { request, testServerOptions } from '../helpers/http-fixtures.js';

const PAGE = '<!doctype html><html><head><title>t</title><link rel="stylesheet" href="/style.css"></head><body><p>one</p></body></html>\n';
const CSS = 'p { color: rgb(1, 2, 3); }\n';
const H = { Host: 'localhost' };

let dir: string;
let live: LiveReload;
let watched: { port: number; handle: HttpServerHandle };
let plain: { port: number; handle: HttpServerHandle };

async function serve(opts: Partial<StaticOptions>, reload: LiveReload | null): Promise<{ port: number; handle: HttpServerHandle }> {
  const files = await createStaticHandler({ root: dir, listing: true, spa: false, dotfiles: 'deny', cacheSeconds: 0, cors: null, ...opts });
  const handle = createHttpServer({ ...testServerOptions }, composeLayers(reload ? [reload.layer] : [], files));
  return { port: (await handle.listen()).port, handle };
}

async function stop(s: { handle: HttpServerHandle }): Promise<void> {
  (s.handle.server as http.Server).closeAllConnections();
  s.handle.closable.stopAccepting?.();
  await s.handle.closable.close?.();
}

/** An EventSource stand-in: collects the `data:` payloads of /_muxd/reload. */
async function openEvents(port: number): Promise<{ next(): Promise<{ msg: string }>; close(): void }> {
  const req = http.get({ host: '127.0.0.1', port, path: '/_muxd/reload', headers: { ...H, Accept: 'text/event-stream' }, agent: false });
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /^text\/event-stream/);
  res.setEncoding('utf8');
  let buf = '';
  let ready = false;
  const queue: Array<{ msg: string }> = [];
  res.on('data', (c: string) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n\n')) !== -1) {
      const frame = buf.slice(0, i);
      buf = buf.slice(i + 2);
      if (frame.includes(': muxd')) ready = true;
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      if (data !== undefined) queue.push(JSON.parse(data) as { msg: string });
    }
    res.emit('frame');
  });
  // The stream's first comment says the hub has taken the viewer on: only then can changes reach it.
  while (!ready) await once(res, 'frame');
  return {
    async next() {
      while (queue.length === 0) await once(res, 'frame');
      return queue.shift()!;
    },
    close: () => req.destroy(),
  };
}

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-live-'));
  await mkdir(path.join(dir, 'sub'));
  await writeFile(path.join(dir, 'index.html'), PAGE);
  await writeFile(path.join(dir, 'style.css'), CSS);
  await writeFile(path.join(dir, 'app.js'), 'window.x = 1;\n'.repeat(200));
  await writeFile(path.join(dir, 'csp.html'), `<html><head><meta http-equiv="Content-Security-Policy" content="script-src 'nonce-abc123'"></head><body>x</body></html>`);
  live = await createLiveReload({ root: dir, debounceMs: 30 });
  // A long stat TTL: without the watcher dropping cached stats, an edited file would be served stale for a minute.
  watched = await serve({ liveReload: live.hook, statTtlMs: 60_000 }, live);
  plain = await serve({}, null);
});

after(async () => {
  live.closable.stopAccepting?.();
  await live.closable.close?.();
  await stop(watched);
  await stop(plain);
  await rm(dir, { recursive: true, force: true });
});

describe('live reload', { timeout: 20_000 }, () => {
  it('injects the script before </body> of HTML, with its own ETag and no ranges; HEAD sends GET\'s headers', async () => {
    for (let i = 0; i < 2; i++) {
      // The second request takes the fast path for cached files: same answer.
      const r = await request(watched.port, '/', { headers: H });
      assert.equal(r.body.toString(), PAGE.replace('</body>', '<script src="/_muxd/reload.js"></script></body>'));
      assert.equal(r.headers['content-length'], String(r.body.length));
      assert.equal(r.headers['accept-ranges'], 'none');
      assert.match(String(r.headers.etag), /-lr"$/);
    }
    const p = await request(plain.port, '/', { headers: H });
    const w = await request(watched.port, '/', { headers: H });
    assert.notEqual(w.headers.etag, p.headers.etag, 'a cache holding the page without the script must not revalidate it');
    const head = await request(watched.port, '/', { method: 'HEAD', headers: H });
    assert.equal(head.body.length, 0);
    assert.equal(head.headers['content-length'], w.headers['content-length']);
    const ranged = await request(watched.port, '/', { headers: { ...H, Range: 'bytes=0-9' } });
    assert.equal(ranged.status, 200, 'a Range on an injected page gets the whole page, never a slice');
    assert.equal(ranged.body.toString(), w.body.toString());
    const notModified = await request(watched.port, '/', { headers: { ...H, 'If-None-Match': String(w.headers.etag) } });
    assert.equal(notModified.status, 304);
    assert.equal(notModified.body.length, 0);
    const gz = await request(watched.port, '/', { headers: { ...H, 'Accept-Encoding': 'gzip, br' } });
    assert.equal(gz.headers['content-encoding'], undefined);
    assert.match(gz.body.toString(), /reload\.js/);
  });

  it('leaves non-HTML files byte for byte as without --watch (same ETag, ranges, compression)', async () => {
    for (const file of ['/style.css', '/app.js']) {
      const w = await request(watched.port, file, { headers: H });
      const p = await request(plain.port, file, { headers: H });
      assert.ok(w.body.equals(p.body), file);
      assert.equal(w.headers.etag, p.headers.etag, file);
      assert.equal(w.headers['accept-ranges'], 'bytes');
    }
    const r = await request(watched.port, '/app.js', { headers: { ...H, Range: 'bytes=0-5' } });
    assert.equal(r.status, 206);
    assert.equal(r.body.toString(), 'window');
  });

  it('carries the page\'s CSP nonce, and injects into folder listings', async () => {
    const r = await request(watched.port, '/csp.html', { headers: H });
    assert.match(r.body.toString(), /<script src="\/_muxd\/reload\.js" nonce="abc123"><\/script><\/body>/);
    const listing = await request(watched.port, '/sub/', { headers: H });
    assert.equal(listing.status, 200);
    assert.match(listing.body.toString(), /<script src="\/_muxd\/reload\.js"><\/script>/);
    const json = await request(watched.port, '/sub/', { headers: { ...H, Accept: 'application/json' } });
    assert.doesNotMatch(json.body.toString(), /reload\.js/);
  });

  it('serves the client script and refuses other methods on the stream', async () => {
    const js = await request(watched.port, '/_muxd/reload.js', { headers: H });
    assert.equal(js.status, 200);
    assert.match(String(js.headers['content-type']), /^text\/javascript/);
    assert.match(js.body.toString(), /new EventSource\('\/_muxd\/reload'\)/);
    const post = await request(watched.port, '/_muxd/reload', { method: 'POST', headers: H });
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'GET');
    // Without --watch the path is just a missing file.
    assert.equal((await request(plain.port, '/_muxd/reload.js', { headers: H })).status, 404);
  });

  it('announces an HTML edit as a reload, and the next request gets the new page at once', async () => {
    await request(watched.port, '/', { headers: H });
    const events = await openEvents(watched.port);
    try {
      await writeFile(path.join(dir, 'index.html'), PAGE.replace('one', 'two'));
      assert.equal((await events.next()).msg, 'reload');
      const r = await request(watched.port, '/', { headers: H });
      assert.match(r.body.toString(), /<p>two<\/p><script src="\/_muxd\/reload\.js"><\/script><\/body>/);
    } finally {
      events.close();
    }
  });

  it('announces a stylesheet edit as css (swapped in place), and a new file in a subfolder as a reload', async () => {
    const events = await openEvents(watched.port);
    try {
      await writeFile(path.join(dir, 'style.css'), 'p { color: rgb(9, 9, 9); }\n');
      assert.equal((await events.next()).msg, 'css');
      assert.match((await request(watched.port, '/style.css', { headers: H })).body.toString(), /9, 9, 9/);
      await writeFile(path.join(dir, 'sub', 'new.js'), 'x');
      assert.equal((await events.next()).msg, 'reload');
    } finally {
      events.close();
    }
  });
});
