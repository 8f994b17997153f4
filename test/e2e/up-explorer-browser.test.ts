// The journal page as a log explorer in chromium: server-side search from the query bar, the URL as the search,
// permalinks, structured data fields, the download, the seeded rate chart, the keyboard and every state.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import { spawnUp } from '../helpers/up-process.js';
import type { UpProcess } from '../helpers/up-process.js';

interface Rec {
  seq: number;
  ts: string;
  msg?: string;
}

const SD_LINE = '<11>1 2026-11-30T03:00:00Z web api 42 ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][origin ip="10.0.0.1" ip="10.0.0.2"] database down';

/** Posts lines through the collector (POST /_muxd/messages); resolves with their seqs once durable. */
async function post(base: string, lines: string[]): Promise<number[]> {
  const res = await fetch(`${base}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: `${lines.join('\n')}\n` });
  assert.equal(res.status, 200, await res.clone().text());
  const body = (await res.json()) as { seq?: number; seqs?: number[] };
  return body.seqs ?? [body.seq as number];
}

/** Saves a screenshot of a state into MUXD_SCREENSHOT_DIR when it is set (for the closing note). */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.MUXD_SCREENSHOT_DIR;
  if (!dir) return;
  await mkdir(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`) });
}

const state = (page: Page, s: string) => page.locator(`body[data-state="${s}"]`).waitFor({ timeout: 15_000 });
const seqsShown = (page: Page) => page.locator('#messages .row[data-seq]').evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-seq'))));
const textsShown = (page: Page) => page.locator('#messages .row .msg').allTextContents();

/** Types a grep into the query bar and submits it; resolves once the search has ended in `end`. */
async function searchFor(page: Page, grep: string, end = 'results'): Promise<void> {
  await page.locator('#q-grep').fill(grep);
  await page.locator('#q-grep').press('Enter');
  await state(page, end);
}

describe('the journal page as a log explorer in chromium', { timeout: 180_000 }, () => {
  let dir: string;
  let up: UpProcess;
  let context: BrowserContext;
  let page: Page;
  let firstSeq = 0;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-explorer-'));
    up = await spawnUp(['--journal', join(dir, 'journal.jsonl'), '--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--syslog']);
    context = await launchChromium(join(dir, 'profile'), { width: 1200, height: 800 });
    page = context.pages()[0] ?? (await context.newPage());
  });
  after(async () => {
    await context?.close();
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('shows the empty state on an empty journal', async () => {
    await page.goto(`${up.httpUrl}/_muxd/`);
    await state(page, 'empty');
    assert.ok(await page.locator('#empty').isVisible());
    await page.locator('#status[data-state="live"]').waitFor();
    await shot(page, 'empty');
  });

  it('follows 5,000 records live, holding at most 2,000 rows', async () => {
    const lines = ['the very first record: connection refused by peer', ...Array.from({ length: 4999 }, (_, i) => `filler line ${i + 1}`)];
    const seqs = await post(up.httpUrl, lines);
    firstSeq = seqs[0] as number;
    await page.locator('.row', { hasText: 'filler line 4999' }).waitFor({ timeout: 15_000 });
    await state(page, 'following');
    const rows = await page.locator('#messages > li').count();
    assert.ok(rows <= 2000, `${rows} rows held`);
    assert.equal(await page.locator('.row', { hasText: 'connection refused' }).count(), 0, 'the first record is not in the browser');
    await shot(page, 'following');
  });

  it('draws the rate chart from history right after a reload', async () => {
    await page.goto(`${up.httpUrl}/_muxd/`);
    await state(page, 'following');
    const total = Number(await page.locator('#rate-chart').getAttribute('data-total'));
    assert.ok(total >= 5000, `${total} records in the chart before any live one`);
  });

  it('finds a record older than the rows held, on the server, and shows the search in progress', async () => {
    // Hold the search's answer until the in-progress state is captured.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await page.route(
      (url) => url.pathname === '/_muxd/journal' && url.searchParams.get('grep') === 'refused',
      async (route) => {
        await held;
        await route.continue();
      },
    );
    await page.locator('#q-grep').fill('refused');
    await page.locator('#q-grep').press('Enter');
    await state(page, 'searching');
    assert.ok(await page.locator('#spinner').isVisible(), 'a visible in-progress indicator');
    assert.match((await page.locator('#mode-text').textContent()) ?? '', /Searching/);
    await shot(page, 'searching');
    release();
    await state(page, 'results');
    await page.unrouteAll();
    assert.deepEqual(await seqsShown(page), [firstSeq]);
    assert.deepEqual(await textsShown(page), ['the very first record: connection refused by peer']);
    assert.equal(new URL(page.url()).search, '?grep=refused');
    assert.match((await page.locator('#progress').textContent()) ?? '', /searched 5,000 records/);
    await shot(page, 'results');
  });

  it('runs the same search from the shared URL on a fresh page, typed without Enter', async () => {
    const other = await context.newPage();
    await other.goto(page.url());
    await state(other, 'results');
    assert.equal(await other.locator('#q-grep').inputValue(), 'refused');
    assert.deepEqual(await seqsShown(other), [firstSeq]);
    // Typing alone searches after a pause, and the address bar follows.
    await other.locator('#q-grep').fill('filler line 4321');
    await other.waitForURL(/grep=filler\+line\+4321$/);
    await state(other, 'results');
    assert.deepEqual(await textsShown(other), ['filler line 4321']);
    await other.close();
  });

  it('restores searches with back and forward', async () => {
    await page.locator('#q-grep').fill('/filler line 1{4}$/');
    await page.locator('#q-grep').press('Enter');
    await state(page, 'results');
    assert.deepEqual(await textsShown(page), ['filler line 1111']);
    await page.goBack();
    await page.waitForURL(/\?grep=refused$/);
    await state(page, 'results');
    assert.equal(await page.locator('#q-grep').inputValue(), 'refused');
    assert.deepEqual(await seqsShown(page), [firstSeq]);
    await page.goForward();
    await state(page, 'results');
    assert.equal(await page.locator('#q-grep').inputValue(), '/filler line 1{4}$/');
    assert.deepEqual(await textsShown(page), ['filler line 1111']);
    await page.goBack();
    await page.goBack();
    await page.waitForURL(/\/_muxd\/$/);
    await state(page, 'following');
    assert.equal(await page.locator('#q-grep').inputValue(), '');
  });

  it('opens the records around a seq from its permalink, and from a click on the seq', async () => {
    const target = firstSeq + 2499;
    const other = await context.newPage();
    await other.goto(`${up.httpUrl}/_muxd/#seq=${target}`);
    await state(other, 'context');
    const seqs = await seqsShown(other);
    assert.equal(seqs[0], target - 99);
    assert.equal(seqs.at(-1), target + 100);
    const row = other.locator('.row.is-target');
    assert.equal(await row.getAttribute('data-seq'), String(target));
    assert.ok(await row.isVisible(), 'scrolled into view');
    assert.match((await other.locator('#mode-text').textContent()) ?? '', new RegExp(`around #${target}`));
    await shot(other, 'context');
    await other.locator('#load-newer').click();
    await other.locator(`.row[data-seq="${target + 300}"]`).waitFor();
    assert.equal((await seqsShown(other)).length, 400);
    await other.locator('#load-older').click();
    await other.locator(`.row[data-seq="${target - 299}"]`).waitFor();
    assert.equal((await seqsShown(other)).length, 600);
    assert.equal(await other.locator('.row.is-target').getAttribute('data-seq'), String(target));
    // From a search result: a click on its seq opens its surroundings and puts the permalink in the address bar.
    await searchFor(other, 'refused');
    await other.locator(`.row[data-seq="${firstSeq}"] a.seq`).click();
    await state(other, 'context');
    assert.equal(new URL(other.url()).hash, `#seq=${firstSeq}`);
    assert.equal(await other.locator('.row.is-target').getAttribute('data-seq'), String(firstSeq));
    assert.equal((await seqsShown(other)).length, 101, 'the record and the 100 after it (none before the first)');
    await other.goBack();
    await state(other, 'results');
    assert.equal(await other.locator('#q-grep').inputValue(), 'refused');
    await other.close();
  });

  it('shows syslog structured data as fields, and searches by app and severity', async () => {
    await post(up.httpUrl, [SD_LINE, '<14>Nov 30 03:00:02 web cron[7]: job done']);
    await page.locator('#q-app').fill('api');
    await page.locator('#q-severity').selectOption('err');
    await state(page, 'results');
    await page.waitForURL(/app=api&severity=err/);
    assert.deepEqual(await textsShown(page), ['errapi[42]:database down']);
    const row = page.locator('.row', { hasText: 'database down' });
    assert.deepEqual(await row.locator('.sd[data-sd-id="exampleSDID@32473"] .kv').allTextContents(), ['iut=3', 'eventSource=Application', 'eventID=1011']);
    assert.deepEqual(await row.locator('.sd[data-sd-id="origin"] .kv').allTextContents(), ['ip=10.0.0.1', 'ip=10.0.0.2']);
    assert.equal(await row.locator('.kv[data-name="host"]').textContent(), 'host=web');
    assert.equal(await row.locator('.kv[data-name="msgid"]').textContent(), 'msgid=ID47');
    assert.equal(await row.locator('.kv[data-name="facility"]').textContent(), 'facility=user');
    await page.emulateMedia({ colorScheme: 'dark' });
    await shot(page, 'syslog-fields-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.locator('#q-severity').selectOption('warning');
    await state(page, 'results');
    await page.locator('#q-severity').selectOption('');
    await page.locator('#q-app').fill('');
    await page.locator('#q-app').press('Enter');
    await state(page, 'following');
  });

  it('downloads the search results as JSON lines, equal to what the page found', async () => {
    await searchFor(page, '/filler line 4[0-9]00$/');
    const shown = await seqsShown(page);
    assert.equal(shown.length, 10);
    const href = await page.locator('#download').getAttribute('href');
    assert.equal(href, '/_muxd/journal.jsonl?grep=%2Ffiller+line+4%5B0-9%5D00%24%2F');
    assert.ok(await page.locator('#download').isVisible());
    const res = await fetch(`${up.httpUrl}${href}`);
    assert.equal(res.status, 200);
    const lines = (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Rec);
    assert.deepEqual(lines.map((r) => r.seq), shown);
    assert.deepEqual(lines.map((r) => r.msg), await textsShown(page));
  });

  it('says when nothing matches, and shows a bad regex as an error next to the query', async () => {
    await searchFor(page, 'nothing has this text', 'none');
    assert.ok(await page.locator('#none').isVisible());
    assert.equal(await page.locator('#messages .row').count(), 0);
    await shot(page, 'no-results');
    await searchFor(page, '/(/', 'error');
    const err = (await page.locator('#q-error').textContent()) ?? '';
    assert.match(err, /grep.*invalid regular expression/i);
    assert.match(err, /ERR_BAD_QUERY/);
    assert.equal(await page.locator('#q-grep').getAttribute('aria-invalid'), 'true');
    await shot(page, 'error');
  });

  it('focuses the query with / and clears it with Esc, back to following', async () => {
    await page.locator('#scroller').click();
    await page.keyboard.press('/');
    assert.equal(await page.evaluate('document.activeElement.id'), 'q-grep');
    await page.keyboard.press('Escape');
    await state(page, 'following');
    assert.equal(new URL(page.url()).search, '');
    assert.equal(await page.locator('#q-grep').inputValue(), '');
    // `/` typed into the send box stays a character.
    await page.locator('#send-text').focus();
    await page.keyboard.press('/');
    assert.equal(await page.locator('#send-text').inputValue(), '/');
    await page.locator('#send-text').fill('');
  });

  it('offers the matches among records that arrive during a search', async () => {
    await searchFor(page, 'refused');
    await post(up.httpUrl, ['a late refused connection', 'not a match']);
    const notice = page.locator('#new-matches');
    await notice.waitFor({ timeout: 10_000 });
    assert.match((await notice.textContent()) ?? '', /^2 new records since this search/);
    await notice.click();
    await page.locator('.row', { hasText: 'a late refused connection' }).waitFor();
    assert.deepEqual(await textsShown(page), ['the very first record: connection refused by peer', 'a late refused connection']);
    assert.ok(await notice.isHidden());
  });

  it('waits out a 429 and searches again after its Retry-After', async () => {
    let refused = 0;
    await page.route(
      (url) => url.pathname === '/_muxd/journal' && url.searchParams.get('grep') === '/filler line 77$/',
      async (route) => {
        if (refused++ === 0) {
          await route.fulfill({ status: 429, headers: { 'Retry-After': '1', 'Content-Type': 'application/json' }, body: '{"error":{"code":"ERR_TOO_MANY_SEARCHES","message":"busy"}}' });
        } else await route.continue();
      },
    );
    await page.locator('#q-grep').fill('/filler line 77$/');
    await page.locator('#q-grep').press('Enter');
    await page.locator('#progress', { hasText: /too many searches: trying again in 1 s/ }).waitFor();
    await state(page, 'results');
    await page.unrouteAll();
    assert.equal(refused, 2);
    assert.deepEqual(await textsShown(page), ['filler line 77']);
  });

  it('continues a search whose budget ran out: a bounded number of times on its own, then on Continue', async () => {
    // The server answers complete:false only on a journal far larger than a test's; the answers are shaped here.
    let shaped = 0;
    await page.route(
      (url) => url.pathname === '/_muxd/journal' && url.searchParams.get('grep') === 'refused by peer',
      async (route) => {
        const before = new URL(route.request().url()).searchParams.get('before');
        if (shaped < 5) {
          shaped++;
          const next = before === null ? 5001 : Number(before) - 1000;
          const body = { records: [], next, complete: false, scanned: { records: 1000, bytes: 100_000 }, order: 'desc' };
          await route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify(body) });
        } else await route.continue();
      },
    );
    await searchFor(page, 'refused by peer', 'paused');
    assert.equal(shaped, 5, 'the first request and four more on its own, no more');
    assert.match((await page.locator('#progress').textContent()) ?? '', /^searched 5,000 records \(500\.0 kB\) so far…$/);
    assert.match((await page.locator('#mode-text').textContent()) ?? '', /No matches yet/);
    await shot(page, 'paused');
    await page.locator('#continue').click();
    await state(page, 'results');
    await page.unrouteAll();
    assert.deepEqual(await seqsShown(page), [firstSeq]);
    assert.ok(await page.locator('#continue').isHidden());
  });

  it('pages back through many matches with Load older, and searches a time range', async () => {
    await searchFor(page, 'filler line');
    let seqs = await seqsShown(page);
    assert.equal(seqs.length, 200);
    assert.equal(seqs.at(-1), firstSeq + 4999);
    await page.locator('#load-older').click();
    await page.locator('#messages .row[data-seq]').nth(399).waitFor();
    await state(page, 'results');
    seqs = await seqsShown(page);
    assert.equal(seqs.length, 400);
    assert.deepEqual(seqs.slice(0, 2), [firstSeq + 4600, firstSeq + 4601]);
    // A preset range goes into the URL as an age; a custom one as UTC times.
    await page.locator('#q-range').selectOption('15m');
    await page.waitForURL(/grep=filler\+line&since=15m$/);
    await state(page, 'results');
    assert.equal((await seqsShown(page)).length, 200);
    await page.locator('#q-range').selectOption('custom');
    await page.locator('#q-until').fill('2001-01-01 00:00');
    await page.locator('#q-until').press('Enter');
    await state(page, 'none');
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('since'), '15m');
    assert.equal(url.searchParams.get('until'), new Date('2001-01-01T00:00').toISOString());
    // The server's 400 names its parameter: that field is the one marked.
    await page.locator('#q-since').fill('the day before');
    await page.locator('#q-since').press('Enter');
    await state(page, 'error');
    assert.match((await page.locator('#q-error').textContent()) ?? '', /^since /);
    assert.equal(await page.locator('#q-since').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#q-grep').getAttribute('aria-invalid'), 'false');
  });

  it('jumps to a time: the last record before it, with its surroundings', async () => {
    const res = await fetch(`${up.httpUrl}/_muxd/journal?grep=filler+line+2500&limit=1`);
    const rec = ((await res.json()) as { records: Rec[] }).records[0] as Rec;
    // One second after the record, in the browser's local time, as the datetime-local input takes it.
    const t = Math.floor(Date.parse(rec.ts) / 1000) * 1000 + 1000;
    const local = new Date(t - new Date(t).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
    await page.locator('#jump-time').fill(local);
    await page.locator('#jump button').click();
    await state(page, 'context');
    await page.waitForURL(/#seq=\d+$/);
    const target = page.locator('.row.is-target');
    const ts = Date.parse((await target.locator('time').getAttribute('datetime')) as string);
    assert.ok(ts < t, 'the target is before the time');
    const next = page.locator('.row.is-target + .row time');
    if ((await next.count()) > 0) assert.ok(Date.parse((await next.getAttribute('datetime')) as string) >= t, 'the record after it is not');
    assert.equal(new URL(page.url()).hash, `#seq=${await target.getAttribute('data-seq')}`);
  });
});

describe('the explorer behind --token in chromium', { timeout: 120_000 }, () => {
  const TOKEN = 'explorer-token-1234';
  let dir: string;
  let up: UpProcess;
  let context: BrowserContext;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-explorer-token-'));
    up = await spawnUp(['--journal', join(dir, 'journal.jsonl'), '--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--token', TOKEN]);
    context = await launchChromium(join(dir, 'profile'), { width: 1200, height: 800 });
  });
  after(async () => {
    await context?.close();
    await up?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('searches, seeds the chart and downloads with the token sent as a header, never in a URL', async () => {
    const res = await fetch(`${up.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'text/plain', 'X-Muxd-Token': TOKEN }, body: 'a secret one\nanother\na secret two\n' });
    assert.equal(res.status, 200);
    const page = context.pages()[0] ?? (await context.newPage());
    const urls: string[] = [];
    page.on('request', (r) => urls.push(r.url()));
    await page.goto(`${up.httpUrl}/_muxd/?grep=secret#token=${TOKEN}`);
    await state(page, 'results');
    assert.deepEqual(await textsShown(page), ['a secret one', 'a secret two']);
    assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
    assert.equal(Number(await page.locator('#rate-chart').getAttribute('data-total')), 3);
    // A link cannot carry the header: the page fetches the download with it.
    const href = (await page.locator('#download').getAttribute('href')) as string;
    assert.equal((await fetch(`${up.httpUrl}${href}`)).status, 401, 'the plain link alone is refused');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download').click()]);
    const lines = (await readFile((await download.path()) as string, 'utf8')).split('\n').filter(Boolean).map((l) => (JSON.parse(l) as Rec).msg);
    assert.deepEqual(lines, ['a secret one', 'a secret two']);
    assert.ok(urls.every((u) => !u.includes(TOKEN) || u.includes('#token=')), `no request URL carries the token: ${urls.join(' ')}`);
  });
});
