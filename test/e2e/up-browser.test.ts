// A real browser on the live journal page: Debian's chromium through playwright-core, against the built `muxd up`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../helpers/browser.js';
import type { BrowserContext, Page } from 'playwright-core';
import { spawnUp } from '../helpers/up-process.js';
import type { UpProcess } from '../helpers/up-process.js';


async function sendTcp(port: number, lines: string[]): Promise<string[]> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.end(lines.map((l) => `${l}\n`).join(''));
  let text = '';
  sock.setEncoding('utf8');
  for await (const chunk of sock) text += chunk as string;
  return text.trim().split('\n');
}

describe('live journal page in chromium', { timeout: 60000 }, () => {
  let dir: string;
  let up: UpProcess;
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-browser-'));
    up = await spawnUp(['public', '--journal', join(dir, 'journal.jsonl'), '--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off']);
    await sendTcp(up.collectPort, ['already in the journal before the page opened']);
    // A fresh user-data dir per run: no profile state leaks between runs.
    context = await launchChromium(join(dir, 'profile'), { width: 1100, height: 700 });
    page = context.pages()[0] ?? (await context.newPage());
  });
  after(async () => {
    await context?.close();
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads history, goes live, and shows messages sent over TCP', async () => {
    await page.goto(`${up.httpUrl}/_muxd/`);
    await page.locator('.row', { hasText: 'already in the journal before the page opened' }).waitFor();
    await page.locator('#status[data-state="live"]').waitFor();
    const replies = await sendTcp(up.collectPort, ['first live line', 'second live line', 'alpha bravo']);
    assert.ok(replies.every((r) => /^ok \d+$/.test(r)));
    await page.locator('.row', { hasText: 'alpha bravo' }).waitFor({ timeout: 5000 });
    const seq = await page.locator('.row', { hasText: 'first live line' }).getAttribute('data-seq');
    assert.equal(seq, replies[0]?.slice(3), 'the row shows the seq the collector acked');
    const src = await page.locator('.row', { hasText: 'first live line' }).locator('.src').textContent();
    assert.match(src ?? '', /^tcp:127\.0\.0\.1:\d+$/);
  });

  it('shows records kept as b64 and partial lines as such', async () => {
    const sock = net.connect(up.collectPort, '127.0.0.1');
    await once(sock, 'connect');
    sock.write(Buffer.from([0x62, 0x69, 0x6e, 0xff, 0xfe, 0x0a]));
    await once(sock, 'data');
    sock.end('cut off mid-line');
    await once(sock, 'close');
    const b64 = page.locator('.row.is-b64');
    await b64.waitFor();
    assert.equal(await b64.locator('.badge').textContent(), 'b64');
    assert.match((await b64.locator('.msg').textContent()) ?? '', new RegExp(Buffer.from([0x62, 0x69, 0x6e, 0xff, 0xfe]).toString('base64').replace(/[+/]/g, '\\$&')));
    const partial = page.locator('.row.is-partial');
    await partial.waitFor();
    assert.match((await partial.locator('.msg').textContent()) ?? '', /^partialcut off mid-line$/);
  });

  it('posts from the send box, and the message lands in the journal file', async () => {
    await page.locator('#send-text').fill('typed into the send box');
    await page.locator('#send-text').press('Enter');
    await page.locator('#send-status[data-state="ok"]').waitFor();
    const status = (await page.locator('#send-status').textContent()) ?? '';
    const seq = Number(/^ok (\d+)$/.exec(status)?.[1]);
    assert.ok(seq > 0, status);
    const journal = await readFile(join(dir, 'journal.jsonl'), 'utf8');
    const rec = journal.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { seq: number; src: string; msg: string }).find((r) => r.seq === seq);
    assert.equal(rec?.msg, 'typed into the send box');
    assert.equal(rec?.src, 'http:127.0.0.1');
    await page.locator('.row', { hasText: 'typed into the send box' }).waitFor();
  });

  it('searches by text and by source on the server, and returns to following', async () => {
    await page.locator('#q-grep').fill('bravo');
    await page.locator('#q-grep').press('Enter');
    await page.locator('body[data-state="results"]').waitFor();
    assert.deepEqual(await page.locator('#messages .row .msg').allTextContents(), ['alpha bravo']);
    await page.locator('#q-grep').fill('');
    await page.locator('#q-src').fill('http:');
    await page.locator('#q-src').press('Enter');
    await page.locator('body[data-state="results"]').waitFor();
    assert.equal(new URL(page.url()).search, '?src=http%3A');
    assert.deepEqual(await page.locator('#messages .row .msg').allTextContents(), ['typed into the send box']);
    await page.locator('#q-clear').click();
    await page.locator('body[data-state="following"]').waitFor();
    assert.ok((await page.locator('#messages .row').count()) >= 7);
  });

  it('renders in light and dark schemes; screenshots saved under the test temp dir', async () => {
    const shots: string[] = [];
    for (const scheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      const bg = (await page.evaluate('getComputedStyle(document.body).backgroundColor')) as string;
      if (scheme === 'dark') assert.equal(bg, 'rgb(18, 20, 23)');
      else assert.equal(bg, 'rgb(247, 247, 245)');
      const file = join(dir, `journal-page-${scheme}.png`);
      await page.screenshot({ path: file });
      assert.ok((await stat(file)).size > 10_000);
      shots.push(file);
    }
    if (process.env.MUXD_KEEP_SCREENSHOTS) {
      const { copyFile } = await import('node:fs/promises');
      for (const s of shots) await copyFile(s, join(process.env.MUXD_KEEP_SCREENSHOTS, s.split('/').at(-1) as string));
    }
  });

  it('keeps the DOM capped while following a burst, and the newest record on screen', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `burst line ${i}`);
    const replies = await sendTcp(up.collectPort, lines);
    assert.equal(replies.length, 3000);
    await page.locator('.row', { hasText: 'burst line 2999' }).waitFor({ timeout: 10_000 });
    const rows = await page.locator('#messages > li').count();
    assert.ok(rows <= 2000, `${rows} rows kept`);
    assert.ok(await page.locator('.row', { hasText: 'burst line 2999' }).isVisible(), 'following the tail keeps the newest row in view');
  });
});
