// searchJournal and collectPage over a real file set (plain and gzip rotations, 100k records): every cursor, order and budget finds exactly what a line-by-line filter finds.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { matchLine, parseQuery } from '../../src/journal/query.js';
import type { QueryText } from '../../src/journal/query.js';
import { collectPage } from '../../src/journal/search-page.js';
import type { SearchPage } from '../../src/journal/search-page.js';
import { searchJournal } from '../../src/journal/search.js';
import type { ScanOrderValue } from '../../src/journal/seq-scan.js';

const N = 100_000;
const T0 = Date.parse('2026-12-01T00:00:00Z');

function line(seq: number): string {
  const rec: Record<string, unknown> = { seq, ts: new Date(T0 + seq * 100).toISOString(), src: `tcp:127.0.0.1:${seq % 5}` };
  if (seq % 997 === 0) rec.b64 = Buffer.concat([Buffer.from([0xff]), Buffer.from(`needle ${seq}`)]).toString('base64');
  else if (seq % 10_007 === 0) rec.msg = `rare "needle" ${seq}`;
  else rec.msg = seq % 3 === 0 ? `common text ${seq} needle` : `other ${seq}`;
  if (seq % 50 === 0) rec.syslog = { facility: 'auth', severity: seq % 100 === 0 ? 'err' : 'info', app: 'sshd' };
  return JSON.stringify(rec);
}

let dir: string;
let file: string;
const all: Buffer[] = [];

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'muxd-search-'));
  file = path.join(dir, 'journal.jsonl');
  for (let s = 1; s <= N; s++) all.push(Buffer.from(line(s)));
  const text = (from: number, to: number): Buffer => Buffer.from(all.slice(from - 1, to).map((l) => `${l}\n`).join(''));
  // Oldest first: FILE.3.gz, FILE.2 (plain), FILE.1.gz, then the live FILE with an unfinished last line.
  await writeFile(`${file}.3.gz`, gzipSync(text(1, 30_000)));
  await writeFile(`${file}.2`, text(30_001, 55_000));
  await writeFile(`${file}.1.gz`, gzipSync(text(55_001, 70_000)));
  await writeFile(file, Buffer.concat([text(70_001, N), Buffer.from('{"seq":100001,"ts":"2026-')]));
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function reference(text: QueryText, lo = 0, hi = Number.MAX_SAFE_INTEGER): number[] {
  const q = parseQuery(text, T0, 'param');
  return all.flatMap((l, i) => (i + 1 > lo && i + 1 < hi && matchLine(l, q) !== null ? [i + 1] : []));
}

/** Pages through a whole search as a client would, following `next` until null; returns every seq, oldest first. */
async function pageAll(text: QueryText, order: ScanOrderValue, limit: number, budgetBytes: number, range: { after?: number; before?: number } = {}): Promise<{ seqs: number[]; pages: SearchPage[] }> {
  const q = parseQuery(text, T0, 'param');
  let cursor = order === 'asc' ? range.after : range.before;
  const pages: SearchPage[] = [];
  const seqs: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    const slices = searchJournal({
      file,
      order,
      query: q,
      ...(order === 'asc' ? { after: cursor ?? 0, ...(range.before ? { before: range.before } : {}) } : { ...(cursor === undefined ? {} : { before: cursor }), ...(range.after ? { after: range.after } : {}) }),
    });
    const p = await collectPage(slices, { order, limit, budgetMs: 60_000, budgetBytes }, cursor ?? null);
    pages.push(p);
    const got = p.records.map((r) => r.seq);
    assert.deepEqual(got, got.slice().sort((a, b) => a - b), 'records ascend');
    if (order === 'asc') seqs.push(...got);
    else seqs.unshift(...got);
    if (p.next === null) return { seqs, pages };
    assert.notEqual(p.next, cursor, 'every page moves the cursor');
    cursor = p.next;
  }
  throw new Error('the search never ended');
}

describe('searchJournal across plain and gzip rotations', () => {
  it('finds a rare term, a common term, b64 matches and syslog fields, newest first and oldest first', async () => {
    // Small pages where matches are few, so cursors are exercised; big ones where they are many.
    const cases: Array<[QueryText, number]> = [
      [{ grep: '"needle"' }, 3],
      [{ grep: 'rare' }, 2],
      [{ grep: '\ufffdneedle' }, 40],
      [{ app: 'sshd', severity: 'err' }, 300],
      [{ grep: '/^rare "needle" \\d+7$/' }, 1],
      [{ src: 'tcp:127.0.0.1:3', grep: 'needle' }, 1000],
    ];
    for (const [text, limit] of cases) {
      const want = reference(text);
      assert.ok(want.length > 0, JSON.stringify(text));
      assert.deepEqual((await pageAll(text, 'desc', limit, 1 << 30)).seqs, want, `desc ${JSON.stringify(text)}`);
      assert.deepEqual((await pageAll(text, 'asc', limit, 1 << 30)).seqs, want, `asc ${JSON.stringify(text)}`);
    }
  });

  it('a common term: the newest page is the newest matches, and paging finds all of them', async () => {
    const want = reference({ grep: 'needle' });
    const { seqs, pages } = await pageAll({ grep: 'needle' }, 'desc', 1000, 1 << 30);
    assert.deepEqual(seqs, want);
    assert.deepEqual(pages[0]?.records.map((r) => r.seq), want.slice(-1000));
    assert.ok(pages[0]?.complete);
  });

  it('a byte budget stops each page early with complete:false and a cursor that resumes to the same results', async () => {
    let emptyWithCursor = 0;
    for (const order of ['desc', 'asc'] as const) {
      const { seqs, pages } = await pageAll({ grep: 'rare' }, order, 1000, 64 * 1024);
      assert.deepEqual(seqs, reference({ grep: 'rare' }), order);
      assert.ok(pages.filter((p) => !p.complete).length >= 4, `${order}: ${pages.filter((p) => !p.complete).length} budget pages`);
      emptyWithCursor += pages.filter((p) => !p.complete && p.records.length === 0 && p.next !== null).length;
    }
    assert.ok(emptyWithCursor > 0, 'a page that found nothing within its budget still carries a resume cursor');
  });

  it('a range (after and before) is searched newest first, and after alone oldest first', async () => {
    const range = { after: 25_000, before: 72_000 };
    assert.deepEqual((await pageAll({ grep: 'rare' }, 'desc', 2, 1 << 30, range)).seqs, reference({ grep: 'rare' }, 25_000, 72_000));
    assert.deepEqual((await pageAll({ grep: 'rare' }, 'asc', 2, 1 << 30, range)).seqs, reference({ grep: 'rare' }, 25_000, 72_000));
    assert.deepEqual((await pageAll({}, 'asc', 1000, 1 << 30, { after: 99_000 })).seqs.length, 1000, 'the unfinished last line is not a record');
  });

  it('an aborted scan stops at once', async () => {
    const ac = new AbortController();
    let slices = 0;
    for await (const s of searchJournal({ file, order: 'desc', query: parseQuery({ grep: 'other' }), signal: ac.signal })) {
      slices++;
      if (s.matches.length > 0) ac.abort();
    }
    assert.equal(slices, 1);
  });
});
