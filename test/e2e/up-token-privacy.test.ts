// Regression: the page put ?token= on its EventSource URL and fetches, so the default access log printed the token on
// every viewer reconnect. Now: redacted in every log format, headers for fetch, an HttpOnly cookie for SSE, and the
// token leaves the address bar. Also pins `up --host 0.0.0.0`: the collector stays on loopback (--collect-host).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../helpers/browser.js';
import { spawnUp } from '../helpers/up-process.js';
import { sendLine } from '../helpers/line-client.js';
import type { UpProcess } from '../helpers/up-process.js';

const TOKEN = 'tok3n-s3cret-5f2c';

/** Reads the first bytes of an SSE response, then aborts it. */
async function sseStatus(url: string, headers: Record<string, string>): Promise<number> {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  ac.abort();
  return res.status;
}

for (const format of ['common', 'combined', 'json'] as const) {
  describe(`token privacy with --log ${format}`, { timeout: 60_000 }, () => {
    let dir: string;
    let up: UpProcess;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'muxd-token-'));
      up = await spawnUp(['public', '--journal', join(dir, 'journal.jsonl'), '--port', '0', '--collect-port', '0', '--no-stdin', '--log', format, '--token', TOKEN]);
    });
    after(async () => {
      await up?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('a token in the query string or the Referer is logged as REDACTED', async () => {
      const page = `${up.httpUrl}/_muxd/?token=${TOKEN}`;
      assert.equal((await fetch(`${up.httpUrl}/_muxd/journal?limit=1&token=${TOKEN}`)).status, 200);
      assert.equal((await fetch(`${up.httpUrl}/_muxd/journal?tok%65n=${TOKEN}`)).status, 200, 'an encoded name still authenticates…');
      assert.equal((await fetch(`${up.httpUrl}/_muxd/app.css`, { headers: { Referer: page } })).status, 200);
      await up.waitLine(/app\.css/);
      const log = up.lines.join('\n');
      assert.ok(!log.includes(TOKEN), `…but the token never reaches the log:\n${log}`);
      assert.match(log, /token=REDACTED/);
      assert.match(log, /tok%65n=REDACTED/);
      if (format === 'common') {
        // A DNS-rebinding refusal is logged with its status and body size, like any other answer.
        const sock = net.connect(Number(new URL(up.httpUrl).port), '127.0.0.1');
        await once(sock, 'connect');
        sock.end('GET /_muxd/journal HTTP/1.1\r\nHost: rebind.attacker.example\r\n\r\n');
        for await (const _chunk of sock) void _chunk;
        const line = await up.waitLine(/"GET \/_muxd\/journal HTTP\/1\.1" 403/);
        assert.match(line, / 403 \d+$/);
      }
    });

    if (format !== 'common') return;

    it('POST /_muxd/session trades the Bearer token for an HttpOnly cookie that opens only the event stream', async () => {
      assert.equal((await fetch(`${up.httpUrl}/_muxd/session`, { method: 'POST' })).status, 401);
      const res = await fetch(`${up.httpUrl}/_muxd/session`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 204);
      const cookie = res.headers.get('set-cookie') ?? '';
      assert.match(cookie, /HttpOnly/);
      assert.match(cookie, /SameSite=Strict/);
      assert.ok(!cookie.includes(TOKEN));
      const pair = cookie.split(';')[0]!;
      assert.equal(await sseStatus(`${up.httpUrl}/_muxd/events`, { Cookie: pair }), 200);
      assert.equal(await sseStatus(`${up.httpUrl}/_muxd/events`, {}), 401);
      assert.equal((await fetch(`${up.httpUrl}/_muxd/journal`, { headers: { Cookie: pair } })).status, 401, 'the cookie is not a token');
      const cross = await fetch(`${up.httpUrl}/_muxd/session`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, Origin: 'http://evil.example' } });
      assert.equal(cross.status, 403);
    });

    it('in chromium, #token= works, leaves the address bar, and no request URL carries it', async () => {
      const context = await launchChromium(join(dir, 'profile'));
      try {
        const page = context.pages()[0] ?? (await context.newPage());
        const urls: string[] = [];
        page.on('request', (r) => urls.push(r.url()));
        await page.goto(`${up.httpUrl}/_muxd/#token=${TOKEN}`);
        await page.locator('#status[data-state="live"]').waitFor({ timeout: 10_000 });
        assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
        const reply = await sendLine(up.collectPort, 'seen through the cookie stream');
        assert.match(reply, /^ok \d+$/);
        await page.locator('.row', { hasText: 'seen through the cookie stream' }).waitFor({ timeout: 5000 });
        await page.reload();
        await page.locator('#status[data-state="live"]').waitFor({ timeout: 10_000 });
        await page.locator('.row', { hasText: 'seen through the cookie stream' }).waitFor({ timeout: 5000 });
        assert.ok(urls.length > 3);
        for (const u of urls) assert.ok(!new URL(u).search.includes(TOKEN), u);
        assert.ok(!up.lines.join('\n').includes(TOKEN), 'the access log never shows the token');
      } finally {
        await context.close();
      }
    });
  });
}

describe('up --host 0.0.0.0 keeps the collector on loopback', { timeout: 30_000 }, () => {
  it('binds the collector to 127.0.0.1 by default, and warns when --collect-host is public', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muxd-collect-host-'));
    const common = ['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--host', '0.0.0.0', '--token', TOKEN];
    const quiet = await spawnUp([...common, '--journal', join(dir, 'a.jsonl')]);
    const loud = await spawnUp([...common, '--journal', join(dir, 'b.jsonl'), '--collect-host', '0.0.0.0']);
    try {
      assert.match(quiet.lines.find((l) => l.startsWith('listening collect')) ?? '', /^listening collect tcp:\/\/127\.0\.0\.1:\d+$/);
      assert.match(quiet.lines.find((l) => l.startsWith('listening http')) ?? '', /^listening http http:\/\/0\.0\.0\.0:\d+$/);
      assert.doesNotMatch(quiet.stderr(), /unauthenticated/);
      assert.match(loud.lines.find((l) => l.startsWith('listening collect')) ?? '', /^listening collect tcp:\/\/0\.0\.0\.0:\d+$/);
      const warning = /warning: the collector at tcp:\/\/0\.0\.0\.0:\d+ is unauthenticated/;
      while (!warning.test(loud.stderr())) await once(loud.child.stderr, 'data');
      assert.match(await sendLine(quiet.collectPort, 'local line'), /^ok 1$/);
    } finally {
      await Promise.all([quiet.stop(), loud.stop()]);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
