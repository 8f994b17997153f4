// `muxd up --sink nats://… --no-collect` in Chromium: one page shows the messages sent to two different collectors on the stream.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import type { CollectProcess } from '../helpers/collect.js';
import { lineClient } from '../helpers/line-client.js';
import { startNats } from '../helpers/nats.js';
import type { NatsCluster } from '../helpers/nats.js';
import { spawnUp } from '../helpers/up-process.js';
import type { UpProcess } from '../helpers/up-process.js';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

async function sendOne(port: number, line: string): Promise<string> {
  const c = await lineClient(port);
  try {
    return await c.send(line);
  } finally {
    c.close();
  }
}

describe('up --sink nats://… --no-collect in chromium', { timeout: 60000 }, () => {
  let nats: NatsCluster;
  let dir: { dir: string; cleanup: () => Promise<void> };
  const collectors: CollectProcess[] = [];
  let up: UpProcess;
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    nats = await startNats();
    dir = await tempDir('muxd-nats-browser-');
    for (const id of ['east', 'west']) {
      collectors.push(await spawnCollect(['--no-stdin', '--journal', path.join(dir.dir, id, 'j.jsonl'), '--sink', nats.url, '--collector-id', id]));
    }
    assert.equal(await sendOne(collectors[0]!.port, 'in the stream before the page opened'), 'ok 1');
    up = await spawnUp(['--port', '0', '--sink', nats.url, '--no-collect', '--log', 'off'], 15_000, { noCollect: true });
    context = await chromium.launchPersistentContext(path.join(dir.dir, 'profile'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 700 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });
  after(async () => {
    await context?.close();
    await up?.stop();
    for (const c of collectors) await c.stop('SIGKILL');
    await nats?.stop();
    await dir?.cleanup();
  });

  it('prints only the http listening line: no collector runs', () => {
    assert.deepEqual(
      up.lines.filter((l) => l.startsWith('listening ')),
      [`listening http ${up.httpUrl}`],
    );
  });

  it('shows history and live messages from both collectors, each row naming its collector', async () => {
    await page.goto(`${up.httpUrl}/`);
    await page.locator('.row', { hasText: 'in the stream before the page opened' }).waitFor();
    await page.locator('#status[data-state="live"]').waitFor();
    assert.equal(await sendOne(collectors[0]!.port, 'hello from east'), 'ok 2');
    assert.equal(await sendOne(collectors[1]!.port, 'hello from west'), 'ok 1');
    await page.locator('.row', { hasText: 'hello from east' }).waitFor({ timeout: 5000 });
    await page.locator('.row', { hasText: 'hello from west' }).waitFor({ timeout: 5000 });
    assert.match((await page.locator('.row', { hasText: 'hello from east' }).locator('.src').textContent()) ?? '', /^east\/tcp:127\.0\.0\.1:\d+$/);
    assert.match((await page.locator('.row', { hasText: 'hello from west' }).locator('.src').textContent()) ?? '', /^west\/tcp:127\.0\.0\.1:\d+$/);
    // Rows are ordered by stream position, whichever collector wrote them.
    const seqs = (await page.locator('.row[data-seq]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq')))));
    assert.deepEqual([...seqs].sort((a, b) => a - b), seqs);
    assert.equal(new Set(seqs).size, seqs.length);
  });

  it('a viewer resumes with Last-Event-ID across collectors: only what came after its id', async () => {
    const history = (await (await fetch(`${up.httpUrl}/_muxd/journal?limit=10`)).json()) as { records: Array<{ seq: number; msg: string }> };
    const east = history.records.find((r) => r.msg === 'hello from east');
    assert.ok(east);
    const res = await fetch(`${up.httpUrl}/_muxd/events`, { headers: { 'Last-Event-ID': String(east.seq) } });
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('hello from west')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    assert.ok(!text.includes('hello from east'), 'nothing at or before the id is sent again');
    assert.ok(!text.includes('before the page opened'));
  });

  it('POST /_muxd/messages is 404 on a pure viewer', async () => {
    const res = await fetch(`${up.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ERR_NOT_FOUND');
  });
});
