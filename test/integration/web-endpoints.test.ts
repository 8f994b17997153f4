// The /_muxd/ endpoints over a real socket: page and caching, reserved prefix, ingest, history, metrics, health, tokens.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { startWebStack } from '../helpers/web-fakes.js';
import type { WebStack } from '../helpers/web-fakes.js';

describe('web endpoints', { timeout: 20000 }, () => {
  let web: WebStack;
  before(async () => {
    web = await startWebStack({ maxMessage: 64, maxBodyBytes: 4096 });
  });
  after(() => web.close());

  it('serves the page with an ETag, revalidates with 304 and caches versioned assets for a year', async () => {
    const res = await fetch(`${web.url}/_muxd/`, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.match(res.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const etag = res.headers.get('etag');
    assert.ok(etag);
    const html = await res.text();
    const js = /src="(\/_muxd\/app\.js\?v=[\w-]+)"/.exec(html)?.[1];
    assert.ok(js, 'index.html references a versioned app.js');
    const again = await fetch(`${web.url}/_muxd/`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const asset = await fetch(`${web.url}${js}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.match(await asset.text(), /^import \{ connect, setStatus \} from '\.\/live\.js\?v=[\w-]+';$/m, 'the entry module imports the live stream');
    // Every module app.js imports is versioned too (and preloaded by the page), so `immutable` can never pin a stale one.
    const body = await (await fetch(`${web.url}${js}`)).text();
    const imports = [...body.matchAll(/from '\.\/([\w-]+\.js)\?v=([\w-]+)'/g)];
    assert.ok(imports.length >= 3, 'app.js imports versioned modules');
    for (const [, name, v] of imports) {
      assert.ok(html.includes(`<link rel="modulepreload" href="/_muxd/${name}?v=${v}">`), `${name} is preloaded at its version`);
      const mod = await fetch(`${web.url}/_muxd/${name}?v=${v}`);
      assert.equal(mod.status, 200, name);
      assert.equal(mod.headers.get('cache-control'), 'public, max-age=31536000, immutable', name);
      assert.match(mod.headers.get('content-type') ?? '', /^text\/javascript/, name);
      assert.doesNotMatch(await mod.text(), /from '\.\/[\w-]+\.js'/, `${name} has no unversioned import`);
    }
    assert.equal((await fetch(`${web.url}/_muxd/live-reload.js`)).status, 404, 'only the page\'s own modules are served');
    const stale = await fetch(`${web.url}/_muxd/app.js?v=old`);
    assert.equal(stale.headers.get('cache-control'), 'no-cache', 'an unknown version is not cached for long');
    const redirect = await fetch(`${web.url}/_muxd`, { redirect: 'manual' });
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.get('location'), '/_muxd/');
  });

  it('gzips the page for any positive q and not for q=0 (regression: gzip;q=0.5 was read as a refusal)', async () => {
    const encodingFor = (accept: string): Promise<string | undefined> =>
      new Promise((resolve, reject) => {
        http.get(`${web.url}/_muxd/app.css`, { headers: { 'accept-encoding': accept } }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.headers['content-encoding']));
        }).on('error', reject);
      });
    assert.equal(await encodingFor('gzip'), 'gzip');
    assert.equal(await encodingFor('gzip;q=0.5'), 'gzip');
    assert.equal(await encodingFor('br, gzip;q=0.8'), 'gzip');
    assert.equal(await encodingFor('gzip;q=0'), undefined);
    assert.equal(await encodingFor('identity'), undefined);
  });

  it('never lets the static handler see the reserved prefix', async () => {
    const before = web.staticCalls.length;
    for (const p of ['/_muxd/nope', '/%5Fmuxd/secret.txt', '//_muxd/secret.txt']) {
      const res = await fetch(`${web.url}${p}`);
      assert.equal(res.status, 404, p);
      assert.deepEqual(await res.json(), { error: { code: 'ERR_NOT_FOUND', message: 'not found' } });
    }
    assert.equal(web.staticCalls.length, before);
    const file = await fetch(`${web.url}/index.html`);
    assert.equal(await file.text(), 'static:/index.html', 'other paths reach the static handler');
  });

  it('POST lands in the journal with a seq, one or many, text or JSON', async () => {
    const one = await fetch(`${web.url}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'hello over http' });
    assert.equal(one.status, 200);
    const { seq } = (await one.json()) as { seq: number };
    assert.equal(typeof seq, 'number');
    const many = await fetch(`${web.url}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ messages: ['a', 'b'] }) });
    assert.deepEqual(await many.json(), { seqs: [seq + 1, seq + 2] });
    const journal = (await readFile(web.journal.path, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { seq: number; src: string; msg: string });
    const rec = journal.find((r) => r.seq === seq);
    assert.equal(rec?.msg, 'hello over http');
    assert.equal(rec?.src, 'http:127.0.0.1');
  });

  it('answers 413, 415, 400 and the TCP error for a long line', async () => {
    const post = (body: string, type = 'text/plain') => fetch(`${web.url}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': type }, body });
    const big = await post('x\n'.repeat(3000));
    assert.equal(big.status, 413);
    assert.equal(((await big.json()) as { error: { code: string } }).error.code, 'ERR_PAYLOAD_TOO_LARGE');
    const bin = await post('x', 'application/octet-stream');
    assert.equal(bin.status, 415);
    assert.equal(((await bin.json()) as { error: { code: string } }).error.code, 'ERR_UNSUPPORTED_MEDIA_TYPE');
    const long = await post('y'.repeat(65));
    assert.equal(long.status, 413);
    assert.equal(((await long.json()) as { error: { code: string } }).error.code, 'ERR_MESSAGE_TOO_LONG');
    const mixed = await post(`ok1\n${'z'.repeat(65)}\nok2\n`);
    const body = (await mixed.json()) as { error: { code: string; message: string }; seqs: Array<number | null> };
    assert.equal(body.error.code, 'ERR_MESSAGE_TOO_LONG');
    assert.equal(typeof body.error.message, 'string');
    assert.equal(body.seqs[1], null);
    assert.equal(typeof body.seqs[0], 'number', 'the other lines still land, exactly as on TCP');
    assert.equal(typeof body.seqs[2], 'number');
    const badJson = await post('{', 'application/json');
    assert.equal(badJson.status, 400);
    const get = await fetch(`${web.url}/_muxd/messages`);
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
  });

  it('refuses a cross-origin POST with 403 ERR_FORBIDDEN_ORIGIN', async () => {
    const res = await fetch(`${web.url}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: 'http://evil.example' }, body: 'csrf' });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_FORBIDDEN_ORIGIN');
    const same = await fetch(`${web.url}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain', Origin: web.url }, body: 'same origin' });
    assert.equal(same.status, 200);
  });

  it('pages history and refuses bad queries', async () => {
    const res = await fetch(`${web.url}/_muxd/journal?limit=2`);
    assert.equal(res.status, 200);
    const page = (await res.json()) as { records: Array<{ seq: number }>; next: number | null };
    assert.equal(page.records.length, 2);
    assert.equal(page.records[1]?.seq, web.journal.stats.lastSeq);
    assert.equal(page.next, page.records[0]?.seq);
    const older = (await (await fetch(`${web.url}/_muxd/journal?limit=1&before=${page.next}`)).json()) as { records: Array<{ seq: number }> };
    assert.equal(older.records[0]?.seq, (page.next as number) - 1);
    assert.equal((await fetch(`${web.url}/_muxd/journal?limit=x`)).status, 400);
  });

  it('metrics counters move and health answers 200', async () => {
    const scrape = async (): Promise<string> => (await fetch(`${web.url}/_muxd/metrics`)).text();
    const count = (text: string, name: string): number => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const before = await scrape();
    await fetch(`${web.url}/_muxd/messages`, { method: 'POST', body: 'metric me' });
    const after = await scrape();
    assert.equal(count(after, 'muxd_messages_acked_total'), count(before, 'muxd_messages_acked_total') + 1);
    assert.ok(count(after, 'muxd_journal_bytes_written_total') > count(before, 'muxd_journal_bytes_written_total'));
    assert.match(after, /^muxd_messages_rejected_total\{code="ERR_MESSAGE_TOO_LONG"\} [1-9]/m);
    assert.match(after, /^muxd_http_requests_total\{status="200"\} \d+/m);
    assert.match(after, /^muxd_journal_fdatasync_seconds_count \d+/m);
    assert.match(after, /^muxd_sse_clients 0$/m);
    const health = await fetch(`${web.url}/_muxd/health`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, 'ok');
  });
});

describe('web endpoints with a token and no DIR', { timeout: 20000 }, () => {
  let web: WebStack;
  before(async () => {
    web = await startWebStack({ token: 'tok', withStatic: false });
  });
  after(() => web.close());

  it('answers the page at / and needs the token for writes, history and events', async () => {
    const root = await fetch(`${web.url}/`);
    assert.equal(root.status, 200);
    assert.match(await root.text(), /live journal/);
    assert.equal((await fetch(`${web.url}/other.txt`)).status, 404);
    for (const [path, init] of [
      ['/_muxd/messages', { method: 'POST', body: 'x' }],
      ['/_muxd/journal', {}],
      ['/_muxd/events', {}],
    ] as const) {
      const res = await fetch(`${web.url}${path}`, init);
      assert.equal(res.status, 401, path);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_UNAUTHORIZED');
    }
    const ok = await fetch(`${web.url}/_muxd/messages`, { method: 'POST', body: 'x', headers: { Authorization: 'Bearer tok' } });
    assert.equal(ok.status, 200);
    assert.equal((await fetch(`${web.url}/_muxd/journal?token=tok`)).status, 200);
    assert.equal((await fetch(`${web.url}/_muxd/health`)).status, 200, 'health stays open');
  });
});
