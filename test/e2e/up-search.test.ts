// GET /_muxd/journal with filters, its .jsonl download and /_muxd/stats, through the built `muxd up` over rotated and gzip files: every filter, both cursors, budgets, 429 and cancel on disconnect.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { matchLine, parseQuery } from '../../src/journal/query.js';
import { tempDir } from '../helpers/collect.js';
import { FIXTURE_T0, getJson, mixedRecord, searchAll, stalledDownload, waitSearches, writeJournalSet } from '../helpers/search.js';
import type { JournalAnswer } from '../helpers/search.js';
import { spawnUp } from '../helpers/up-process.js';
import type { UpProcess } from '../helpers/up-process.js';

const N = 110_000;
let dir: { dir: string; cleanup: () => Promise<void> };
let up: UpProcess;
const lines: Buffer[] = [];

before(async () => {
  dir = await tempDir('muxd-up-search-');
  const file = path.join(dir.dir, 'journal.jsonl');
  await writeJournalSet(file, [[30_000, 'gz'], [60_000, ''], [75_000, 'gz'], [N, '']]);
  for (let s = 1; s <= N; s++) lines.push(Buffer.from(JSON.stringify(mixedRecord(s))));
  // A 1-byte budget: every filtered page ends after its first slice, so paging exercises the resume cursor throughout.
  up = await spawnUp([
    ...['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', file, '--keep', '100'],
    ...['--rotate-size', '1048576', '--compress-rotated', 'gzip', '--search-budget-bytes', '1', '--max-searches', '1'],
  ]);
  await up.waitLine(/^listening collect /);
});

after(async () => {
  await up?.stop();
  await dir?.cleanup();
});

function reference(text: Record<string, string>, lo = 0, hi = Number.MAX_SAFE_INTEGER): number[] {
  const q = parseQuery(text, Date.now(), 'param');
  return lines.flatMap((l, i) => (i + 1 > lo && i + 1 < hi && matchLine(l, q) !== null ? [i + 1] : []));
}

const iso = (seq: number): string => new Date(FIXTURE_T0 + seq * 100).toISOString();

test('every filter, newest first and oldest first, resumed across budget-limited pages, rotated and gzip files', async () => {
  const queries: Array<Record<string, string>> = [
    { grep: 'xylophone' },
    { grep: '/xylophone rare \\d+7$/' },
    { grep: '"refused"', since: iso(99_000), until: iso(101_000) },
    { grep: '\ufffd\ufffd refused 97' }, // b64 records: their bytes decode lossily
    { src: 'udp', app: 'sshd', severity: 'err', until: iso(45_000) },
    { severity: 'warning', app: 'cron', since: iso(100_000) },
  ];
  for (const params of queries) {
    const want = reference(params);
    assert.ok(want.length > 0 && want.length < 5000, `${JSON.stringify(params)}: ${want.length}`);
    const desc = await searchAll(up.httpUrl, { ...params, limit: '50' });
    assert.deepEqual(desc.records.map((r) => r.seq), want, `desc ${JSON.stringify(params)}`);
    assert.ok(desc.pages.some((p) => !p.complete), 'the 1-byte budget cut pages');
    const asc = await searchAll(up.httpUrl, { ...params, limit: '50' }, { order: 'asc' });
    assert.deepEqual(asc.records.map((r) => r.seq), want, `asc ${JSON.stringify(params)}`);
    assert.deepEqual(desc.records, want.map((s) => JSON.parse((lines[s - 1] as Buffer).toString()) as unknown), 'records as written');
  }
});

test('a range (after and before) is newest first; limit caps a page; the unfiltered page is the index page', async () => {
  const want = reference({ grep: 'xylophone' }, 20_000, 120_100);
  const { records } = await searchAll(up.httpUrl, { grep: 'xylophone', after: '20000', before: '120100', limit: '2' });
  assert.deepEqual(records.map((r) => r.seq), want);
  const newest = await getJson<JournalAnswer>(`${up.httpUrl}/_muxd/journal?limit=3`);
  assert.deepEqual(newest.body.records.map((r) => r.seq), [N - 2, N - 1, N]);
  assert.equal(newest.body.next, N - 2);
  assert.equal(newest.body.complete, true);
  const older = await getJson<JournalAnswer>(`${up.httpUrl}/_muxd/journal?limit=2&before=30002`);
  assert.deepEqual(older.body.records.map((r) => r.seq), [30_000, 30_001], 'across the gzip boundary');
  const firstAsc = await getJson<JournalAnswer>(`${up.httpUrl}/_muxd/journal?after=0&limit=3`);
  assert.deepEqual(firstAsc.body.records.map((r) => r.seq), [1, 2, 3]);
  assert.equal(firstAsc.body.order, 'asc');
});

test('a bad parameter is a 400 naming it', async () => {
  for (const [q, param] of [['grep=/(/', 'grep'], ['since=soon', 'since'], ['until=x', 'until'], ['severity=loud', 'severity'], ['limit=0', 'limit'], ['before=-3', 'before'], ['after=x', 'after']] as const) {
    const r = await getJson<{ error: { code: string; message: string } }>(`${up.httpUrl}/_muxd/journal?${q}`);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.error.code, 'ERR_BAD_QUERY');
    assert.match(r.body.error.message, new RegExp(`^${param}\\b`), q);
  }
});

test('.jsonl streams every match oldest first as an attachment; limit caps it', async () => {
  const res = await fetch(`${up.httpUrl}/_muxd/journal.jsonl?grep=xylophone`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-disposition'), 'attachment; filename="muxd-journal.jsonl"');
  const got = (await res.text()).split('\n').filter((l) => l !== '');
  assert.deepEqual(got, reference({ grep: 'xylophone' }).map((s) => (lines[s - 1] as Buffer).toString()));
  const capped = (await (await fetch(`${up.httpUrl}/_muxd/journal.jsonl?grep=refused&limit=3`)).text()).trim().split('\n');
  assert.deepEqual(capped.map((l) => (JSON.parse(l) as { seq: number }).seq), reference({ grep: 'refused' }).slice(0, 3));
});

test('beyond --max-searches: 429 with Retry-After; the index page still answers; a client that leaves frees its slot', async () => {
  // A download of nearly every record to a client that never reads holds the only slot (backpressure pauses the scan).
  const held = await stalledDownload(`${up.httpUrl}/_muxd/journal.jsonl?grep=o`);
  assert.equal(held.status, 200);
  await waitSearches(up.httpUrl, 1);
  const refused = await fetch(`${up.httpUrl}/_muxd/journal?grep=xylophone`);
  assert.equal(refused.status, 429);
  assert.equal(refused.headers.get('retry-after'), '1');
  assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'ERR_TOO_MANY_SEARCHES');
  const dl = await fetch(`${up.httpUrl}/_muxd/journal.jsonl?grep=x`);
  assert.equal(dl.status, 429, 'downloads count too');
  await dl.body?.cancel();
  const index = await fetch(`${up.httpUrl}/_muxd/journal?limit=1`);
  assert.equal(index.status, 200, 'the unfiltered page is not a search');
  await index.body?.cancel();
  held.destroy();
  // Cancel on disconnect: the scan stops and gives its slot back.
  await waitSearches(up.httpUrl, 0);
  assert.equal((await getJson(`${up.httpUrl}/_muxd/journal?grep=xylophone`)).status, 200);
});

test('new records are searchable once durable, across the rotations and gzip compressions up makes; /_muxd/stats counts them', async () => {
  const batch = Array.from({ length: 200 }, (_, i) => `fresh zebra ${i} ${'x'.repeat(6000)}`);
  for (let i = 0; i < batch.length; i += 50) {
    const res = await fetch(`${up.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ messages: batch.slice(i, i + 50) }) });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  const { records } = await searchAll(up.httpUrl, { grep: 'fresh zebra', limit: '7' });
  assert.deepEqual(records.map((r) => r.msg), batch);
  assert.deepEqual(records.map((r) => r.seq), Array.from({ length: 200 }, (_, i) => N + 1 + i));
  const stats = await getJson<{ now: number; step: number; start: number; counts: number[] }>(`${up.httpUrl}/_muxd/stats?since=1m`);
  assert.equal(stats.status, 200);
  assert.equal(stats.body.step, 1000);
  assert.ok(stats.body.counts.length >= 60 && stats.body.counts.length <= 62, String(stats.body.counts.length));
  assert.equal(stats.body.counts.reduce((a, b) => a + b, 0), 200);
  assert.equal((await getJson(`${up.httpUrl}/_muxd/stats?since=2h`)).status, 400, 'at most an hour back');
  const dflt = await getJson<{ counts: number[] }>(`${up.httpUrl}/_muxd/stats`);
  assert.ok(dflt.body.counts.length >= 300 && dflt.body.counts.length <= 302, 'default 5m');
});

test('a --format raw journal has no records: the search answers empty and complete', async () => {
  const t = await tempDir('muxd-up-search-raw-');
  after(() => t.cleanup());
  const raw = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', '--journal', path.join(t.dir, 'raw.log'), '--format', 'raw']);
  after(() => raw.stop());
  for (const q of ['grep=x', 'limit=5', 'after=0']) {
    const r = await getJson<JournalAnswer>(`${raw.httpUrl}/_muxd/journal?${q}`);
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.records, r.body.next, r.body.complete], [[], null, true], q);
  }
});
