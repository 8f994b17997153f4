// A real browser on the live page of `muxd up --syslog`: severity badges and filter, the rate sparkline, counts per source.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../helpers/browser.js';
import type { BrowserContext, Page } from 'playwright-core';
import { spawnUp } from '../helpers/up-process.js';
import type { UpProcess } from '../helpers/up-process.js';


/** Sends RFC 6587 octet-counted frames on one connection; resolves with what came back (nothing: octet-counted senders get no replies) once the server closes, after journaling them. */
async function sendFrames(port: number, msgs: string[]): Promise<string[]> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.end(msgs.map((m) => `${Buffer.byteLength(m)} ${m}`).join(''));
  let text = '';
  sock.setEncoding('utf8');
  for await (const chunk of sock) text += chunk as string;
  return text === '' ? [] : text.trim().split('\n');
}

describe('live page with syslog records in chromium', { timeout: 60000 }, () => {
  let dir: string;
  let up: UpProcess;
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-browser-syslog-'));
    up = await spawnUp(['public', '--journal', join(dir, 'journal.jsonl'), '--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--syslog']);
    context = await launchChromium(join(dir, 'profile'), { width: 1100, height: 700 });
    page = context.pages()[0] ?? (await context.newPage());
    await page.goto(`${up.httpUrl}/_muxd/`);
    await page.locator('#status[data-state="live"]').waitFor();
  });
  after(async () => {
    await context?.close();
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the severity as a coloured badge and the app before the message', async () => {
    const replies = await sendFrames(up.collectPort, [
      '<11>1 2026-11-30T03:00:00Z web api 42 - - database down', // user.err
      '<12>1 2026-11-30T03:00:01Z web api 42 - - disk at 91%', // user.warning
      '<14>Nov 30 03:00:02 web cron[7]: job done', // user.info, RFC 3164
      'plain line, not syslog',
    ]);
    assert.deepEqual(replies, [], 'an octet-counted connection gets no replies (issue 14)');
    const err = page.locator('.row', { hasText: 'database down' });
    await err.waitFor();
    assert.equal(await err.locator('.sev').textContent(), 'err');
    assert.equal(await err.locator('.app').textContent(), 'api[42]:');
    assert.equal(await err.getAttribute('data-sev'), '3');
    const warn = page.locator('.row', { hasText: 'disk at 91%' });
    const info = page.locator('.row', { hasText: 'job done' });
    await page.locator('.row', { hasText: 'plain line, not syslog' }).waitFor();
    assert.equal(await info.locator('.sev').textContent(), 'info');
    assert.equal(await info.locator('.app').textContent(), 'cron[7]:');
    // No DOM typings in the test build: the page's globals are reached through globalThis.
    type Styles = { getComputedStyle(el: unknown): { backgroundColor: string } };
    const bg = (l: typeof err) => l.locator('.sev').evaluate((el) => (globalThis as unknown as Styles).getComputedStyle(el).backgroundColor);
    const colours = new Set([await bg(err), await bg(warn), await bg(info)]);
    assert.equal(colours.size, 3, `one colour per severity: ${[...colours].join(', ')}`);
    assert.equal(await page.locator('.row', { hasText: 'plain line, not syslog' }).locator('.sev').count(), 0, 'no badge without syslog');
  });

  it('searches by severity on the server: that level and worse; rows without syslog do not match', async () => {
    await page.locator('#q-severity').selectOption('warning');
    await page.locator('body[data-state="results"]').waitFor();
    assert.equal(new URL(page.url()).search, '?severity=warning');
    const shown = async (text: string) => (await page.locator('.row', { hasText: text }).count()) === 1;
    assert.equal(await shown('database down'), true);
    assert.equal(await shown('disk at 91%'), true);
    assert.equal(await shown('job done'), false);
    assert.equal(await shown('plain line, not syslog'), false);
    // Live records are not mixed into results: the page counts them and fetches the new matches on demand.
    await sendFrames(up.collectPort, ['<15>1 - web api - - - debug chatter', '<8>1 - web api - - - kernel panic']);
    await page.locator('#new-matches', { hasText: /^2 new records since this search/ }).waitFor();
    await page.locator('#new-matches').click();
    await page.locator('.row', { hasText: 'kernel panic' }).waitFor();
    assert.equal(await shown('debug chatter'), false);
    await page.locator('#q-severity').selectOption('');
    await page.locator('body[data-state="following"]').waitFor();
    assert.equal(await shown('job done'), true);
    assert.equal(await shown('plain line, not syslog'), true);
    assert.equal(await shown('debug chatter'), true);
  });

  it('draws the per-second rate and counts records per source', async () => {
    // The chart is redrawn every second from the live records counted so far.
    // Every live record is counted once: six were sent since the page opened.
    await page.locator('#rate-chart[data-total="6"]').waitFor({ timeout: 5000 });
    type Canvas = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
    const drawn = await page.locator('#rate-chart').evaluate((el) => {
      const c = el as unknown as Canvas;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i]! > 0) painted++;
      return painted;
    });
    assert.ok(drawn > 0, 'bars are painted on the canvas');
    const counts = page.locator('#source-counts li');
    await page.locator('#source-counts li:nth-child(2) .count').waitFor({ timeout: 5000 });
    const rows = await counts.evaluateAll((lis) => lis.map((li) => [li.querySelector('.src')!.textContent, li.querySelector('.count')!.textContent]));
    assert.equal(rows.length, 2, 'two TCP connections');
    assert.deepEqual(rows.map((r) => r[1]), ['4', '2'], 'busiest source first');
    // Clicking a source searches it.
    await counts.first().locator('.src').click();
    assert.equal(await page.locator('#q-src').inputValue(), rows[0]![0]);
    await page.locator('body[data-state="results"]').waitFor();
    assert.equal(new URL(page.url()).searchParams.get('src'), rows[0]![0]);
  });
});
