// Where up's features meet, in chromium: --auth with --token (the page's own flow), and uploaded pages beside the live page.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from '../helpers/browser.js';
import { spawnUp } from '../helpers/up-process.js';
import { sendLine } from '../helpers/line-client.js';

const TOKEN = 'tr0st-t0ken-91ab';

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'muxd-trust-'));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('issue 15: `up --auth … --token …`: the page\'s POST /_muxd/session with the Bearer token got 401; the page now sends its token beside the browser\'s basic auth', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--journal', join(dir, 'j.jsonl'), '--auth', 'ann:open sesame', '--token', TOKEN]);
  after(() => up.stop());
  const basic = `Basic ${Buffer.from('ann:open sesame').toString('base64')}`;
  const session = await fetch(`${up.httpUrl}/_muxd/session`, { method: 'POST', headers: { Authorization: basic, 'X-Muxd-Token': TOKEN } });
  assert.equal(session.status, 204, 'both checks pass on one request');
  assert.equal((await fetch(`${up.httpUrl}/_muxd/session`, { method: 'POST', headers: { Authorization: basic } })).status, 401, 'the token is still required');
  assert.equal((await fetch(`${up.httpUrl}/_muxd/session`, { method: 'POST', headers: { 'X-Muxd-Token': TOKEN } })).status, 401, 'so is the password');
  const context = await launchChromium(join(dir, 'profile'), undefined, { username: 'ann', password: 'open sesame' });
  after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${up.httpUrl}/_muxd/#token=${TOKEN}`);
  await page.locator('#status[data-state="live"]').waitFor({ timeout: 10_000 });
  assert.match(await sendLine(up.collectPort, 'behind a password and a token'), /^ok \d+$/);
  await page.locator('.row', { hasText: 'behind a password and a token' }).waitFor({ timeout: 5000 });
});

test('issue 15: an uploaded page, opened in the tab that holds the live page, read the token and the journal; uploads are served sandboxed', { timeout: 60_000 }, async () => {
  const dir = await tempDir();
  const site = join(dir, 'site');
  await mkdir(site);
  const up = await spawnUp([site, '--port', '0', '--collect-port', '0', '--no-stdin', '--journal', join(dir, 'j.jsonl'), '--token', TOKEN, '--upload']);
  after(() => up.stop());
  assert.match(await sendLine(up.collectPort, 'a secret record'), /^ok 1$/);
  // What a third party uploads: a page that tries every way to the token, the cookie and the records.
  const evil = `<!doctype html><title>evil</title><pre id="out"></pre><script>
    const report = {};
    const attempt = (name, fn) => { try { report[name] = fn(); } catch (e) { report[name] = 'denied: ' + e.name; } };
    attempt('token', () => sessionStorage.getItem('muxd-token'));
    attempt('cookie', () => document.cookie);
    const token = typeof report.token === 'string' && !report.token.startsWith('denied') ? report.token : '${TOKEN}';
    const failed = (e) => 'failed: ' + e.name;
    Promise.all([
      fetch('/_muxd/journal?limit=5', { headers: { 'X-Muxd-Token': token } }).then((r) => r.text(), failed),
      // The event stream never ends: its status is the answer.
      fetch('/_muxd/events', { credentials: 'include' }).then((r) => 'status ' + r.status, failed),
    ]).then(([journal, events]) => {
      Object.assign(report, { journal, events });
      document.getElementById('out').textContent = JSON.stringify(report);
    });
  </script>`;
  const put = await fetch(`${up.httpUrl}/evil.html`, { method: 'PUT', body: evil, headers: { 'Content-Type': 'text/html' } });
  assert.equal(put.status, 201);
  const served = await fetch(`${up.httpUrl}/evil.html`);
  assert.match(served.headers.get('content-security-policy') ?? '', /^sandbox allow-scripts/);
  assert.doesNotMatch(served.headers.get('content-security-policy') ?? '', /allow-same-origin/);
  assert.equal((await fetch(`${up.httpUrl}/_muxd/`)).headers.get('content-security-policy')?.includes('sandbox'), false, 'the live page itself is not sandboxed');

  const context = await launchChromium(join(dir, 'profile'));
  after(() => context.close());
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(`${up.httpUrl}/_muxd/#token=${TOKEN}`);
  await page.locator('.row', { hasText: 'a secret record' }).waitFor({ timeout: 10_000 });
  await page.goto(`${up.httpUrl}/evil.html`);
  const out = page.locator('#out');
  await out.filter({ hasText: /\S/ }).waitFor({ timeout: 10_000 });
  const report = JSON.parse(await out.textContent() ?? '{}') as Record<string, string>;
  assert.match(report.token!, /^denied: SecurityError$/, 'no token from sessionStorage');
  assert.match(report.cookie!, /^denied: SecurityError$/);
  assert.match(report.journal!, /^failed: TypeError$/, 'no records, even with the token');
  assert.match(report.events!, /^failed: TypeError$/, 'no event stream through the session cookie');
  assert.ok(!JSON.stringify(report).includes('a secret record'));
});
