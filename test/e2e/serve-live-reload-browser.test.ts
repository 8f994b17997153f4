// Live reload in a real browser (Debian's chromium via playwright-core) against the built `muxd serve --watch`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium } from '../helpers/browser.js';
import type { BrowserContext, Page } from 'playwright-core';

const cli = path.join(fileURLToPath(new URL('../../../', import.meta.url)), 'dist/cli/main.js');

// A strict CSP: only scripts carrying the nonce run, so the reload script works only if the nonce reached it.
const page = (text: string): string =>
  `<!doctype html><html><head><meta charset="utf-8">` +
  `<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'nonce-t3stn0nce'">` +
  `<link rel="stylesheet" href="/style.css"><title>live</title></head><body><p id="text">${text}</p></body></html>\n`;

/** The page globals these tests read (no DOM types in this project's TypeScript setup). */
interface Win {
  __muxdLiveReload?: boolean;
  __muxdLiveReloadOpen?: boolean;
  marker?: number;
  document: { getElementById(id: string): unknown };
  getComputedStyle(el: unknown): { color: string };
}

/** Runs in the page: the computed colour of #text. */
function textColor(): string {
  const w = globalThis as unknown as Win;
  return w.getComputedStyle(w.document.getElementById('text')).color;
}

describe('live reload in chromium', { timeout: 60_000 }, () => {
  let dir: string;
  let site: string;
  let child: ChildProcessWithoutNullStreams;
  let url: string;
  let context: BrowserContext;
  let tab: Page;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'muxd-live-browser-'));
    site = path.join(dir, 'site');
    await (await import('node:fs/promises')).mkdir(site);
    await writeFile(path.join(site, 'index.html'), page('first version'));
    await writeFile(path.join(site, 'style.css'), '#text { color: rgb(10, 20, 30); }\n');
    child = spawn(process.execPath, [cli, 'serve', site, '--watch', '--port', '0', '--log', 'off'], { stdio: 'pipe' });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.resume();
    while (!out.includes('\n')) await once(child.stdout, 'data');
    url = /^listening http (\S+)/.exec(out)![1]!;
    context = await launchChromium(path.join(dir, 'profile'));
    tab = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    if (child && child.exitCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps the stylesheet in place on a CSS edit, and reloads the page on an HTML edit, with no action in the page', async () => {
    const violations: string[] = [];
    tab.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
      else if (process.env.DEBUG_BROWSER) console.error(m.text());
    });
    await tab.goto(`${url}/`);
    assert.equal(await tab.locator('#text').textContent(), 'first version');
    // The reload script is connected once its EventSource is open; the marker shows whether the page was reloaded.
    await tab.waitForFunction(() => (globalThis as unknown as Win).__muxdLiveReload === true);
    await tab.evaluate(() => ((globalThis as unknown as Win).marker = 42));
    const color = (): Promise<string> => tab.evaluate(textColor);
    assert.equal(await color(), 'rgb(10, 20, 30)');
    // The EventSource is open once the server has taken the viewer on: only then can a change reach the page.
    await tab.waitForFunction(() => (globalThis as unknown as Win).__muxdLiveReloadOpen === true);

    await writeFile(path.join(site, 'style.css'), '#text { color: rgb(200, 0, 100); }\n');
    await tab.waitForFunction(
      (want) => {
        const w = globalThis as unknown as Win;
        return w.getComputedStyle(w.document.getElementById('text')).color === want;
      },
      'rgb(200, 0, 100)',
      { timeout: 10_000 },
    );
    assert.equal(await tab.evaluate(() => (globalThis as unknown as Win).marker), 42, 'a CSS change does not reload the page');
    assert.equal(await tab.locator('link[rel="stylesheet"]').count(), 1, 'the old stylesheet is removed once the new one loaded');

    await writeFile(path.join(site, 'index.html'), page('second version'));
    await tab.locator('#text', { hasText: 'second version' }).waitFor({ timeout: 10_000 });
    assert.equal(await tab.evaluate(() => (globalThis as unknown as Win).marker), undefined, 'an HTML change reloads the page');
    assert.equal(await color(), 'rgb(200, 0, 100)');
    assert.deepEqual(violations, [], 'the injected script carries the page nonce');
  });
});
