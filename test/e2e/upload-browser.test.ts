// The listing's drop zone in a real browser (Debian's chromium through playwright-core): dropped files and the form upload.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { startFeatureServer } from '../helpers/feature-server.js';
import type { FeatureServer } from '../helpers/feature-server.js';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'];

describe('upload drop zone in chromium', { timeout: 60000 }, () => {
  let dir: string;
  let server: FeatureServer;
  let context: BrowserContext;
  let page: Page;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-dropzone-'));
    await mkdir(join(dir, 'site/inbox'), { recursive: true });
    await writeFile(join(dir, 'site/inbox/already.txt'), 'here\n');
    // A strict CSP that allows only the drop zone's script by its hash: the page must still work.
    const { LISTING_SCRIPT_HASH } = await import('../../src/http/static/listing.js');
    server = await startFeatureServer(join(dir, 'site'), {
      upload: true,
      listing: true,
      header: [`Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'; script-src ${LISTING_SCRIPT_HASH}; connect-src 'self'; form-action 'self'`],
    });
    context = await chromium.launchPersistentContext(join(dir, 'profile'), { executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    page = context.pages()[0] ?? (await context.newPage());
  });
  after(async () => {
    await context?.close();
    await server?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('files dropped on the page are uploaded into the folder, and the listing reloads with them', async () => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${server.port}/inbox/`);
    await page.locator('a', { hasText: 'already.txt' }).waitFor();
    // Built in the page (a string: this project compiles without the DOM types).
    const transfer = await page.evaluateHandle(`(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['dropped bytes\\n'], 'dropped.txt', { type: 'text/plain' }));
      dt.items.add(new File([new Uint8Array([0, 1, 2, 255])], 'raw.bin'));
      return dt;
    })()`);
    await page.dispatchEvent('body', 'dragover', { dataTransfer: transfer });
    await page.dispatchEvent('body', 'drop', { dataTransfer: transfer });
    await page.locator('a', { hasText: 'dropped.txt' }).waitFor({ timeout: 10_000 });
    await page.locator('a', { hasText: 'raw.bin' }).waitFor();
    assert.equal(await readFile(join(dir, 'site/inbox/dropped.txt'), 'utf8'), 'dropped bytes\n');
    assert.deepEqual(await readFile(join(dir, 'site/inbox/raw.bin')), Buffer.from([0, 1, 2, 255]));
    assert.deepEqual(errors, [], 'no CSP violation or script error');
  });

  it('the form picks files too, and a conflict is shown on the page', async () => {
    await page.goto(`http://127.0.0.1:${server.port}/inbox/`);
    await page.setInputFiles('#upload input[type=file]', { name: 'picked.txt', mimeType: 'text/plain', buffer: Buffer.from('picked\n') });
    await page.click('#upload button');
    await page.locator('a', { hasText: 'picked.txt' }).waitFor({ timeout: 10_000 });
    assert.equal(await readFile(join(dir, 'site/inbox/picked.txt'), 'utf8'), 'picked\n');
    await page.setInputFiles('#upload input[type=file]', { name: 'picked.txt', mimeType: 'text/plain', buffer: Buffer.from('again\n') });
    await page.click('#upload button');
    await page.locator('#upload-status', { hasText: 'ERR_FILE_EXISTS' }).waitFor({ timeout: 10_000 });
    assert.equal(await readFile(join(dir, 'site/inbox/picked.txt'), 'utf8'), 'picked\n');
  });
});
