// The journal history index: sparse entries, pages by seq across rotated files, growth, torn tails and rotation.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalHistory } from '../../src/web/history.js';
import { parseSearchRequest, renderHistoryPage } from '../../src/web/search.js';
import { lineSeq } from '../../src/journal/scan.js';

const line = (seq: number, msg = `m${seq}`): string => `${JSON.stringify({ seq, ts: '2026-01-01T00:00:00.000Z', src: 'tcp:1.2.3.4:5', msg })}\n`;
const lines = (from: number, to: number): string => {
  let s = '';
  for (let i = from; i <= to; i++) s += line(i);
  return s;
};

describe('JournalHistory', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-hist-'));
    file = join(dir, 'journal.jsonl');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('lineSeq reads the seq prefix and falls back to JSON', () => {
    assert.equal(lineSeq(Buffer.from('{"seq":12345,"ts":"x"}')), 12345);
    assert.equal(lineSeq(Buffer.from('{"ts":"x","seq":7}')), 7);
    assert.equal(lineSeq(Buffer.from('garbage')), null);
  });

  it('pages newest first by `before` with a sparse index over rotated files', async () => {
    await writeFile(`${file}.2`, lines(1, 2500));
    await writeFile(`${file}.1`, lines(2501, 4000));
    await writeFile(file, lines(4001, 5000));
    const h = new JournalHistory({ listFiles: async () => [`${file}.2`, `${file}.1`, file], indexEvery: 1000 });
    await h.start();
    assert.equal(h.indexEntries, 3 + 2 + 1, 'one entry per 1000 records per file');
    const newest = await h.page(undefined, 3);
    assert.deepEqual(newest.seqs, [4998, 4999, 5000]);
    assert.equal(newest.more, true);
    const across = await h.page(4003, 5);
    assert.deepEqual(across.seqs, [3998, 3999, 4000, 4001, 4002], 'a page spans a rotation boundary');
    const deep = await h.page(1200, 1000);
    assert.equal(deep.seqs.length, 1000);
    assert.equal(deep.seqs[0], 200);
    assert.equal(deep.seqs.at(-1), 1199);
    const start = await h.page(3, 10);
    assert.deepEqual(start.seqs, [1, 2]);
    assert.equal(start.more, false);
    const body = JSON.parse(renderHistoryPage(across)) as { records: Array<{ seq: number; msg: string }>; next: number; complete: boolean };
    assert.equal(body.complete, true);
    assert.equal(body.records[0]?.msg, 'm3998');
    assert.equal(body.next, 3998);
  });

  it('extends the index as the journal grows, ignores an unfinished last line and respects maxSeq', async () => {
    let maxSeq = 5003;
    const h = new JournalHistory({ listFiles: async () => [`${file}.2`, `${file}.1`, file], maxSeq: () => maxSeq });
    await h.start();
    await appendFile(file, lines(5001, 5004) + '{"seq":5005,"ts":"2026-');
    const p = await h.page(undefined, 4);
    assert.deepEqual(p.seqs, [5000, 5001, 5002, 5003], 'not beyond the durable seq, not the torn line');
    maxSeq = 1e9;
    assert.deepEqual((await h.page(undefined, 2)).seqs, [5003, 5004]);
  });

  it('follows a rotation: the current file renamed to FILE.1 keeps its index', async () => {
    const d = await mkdtemp(join(tmpdir(), 'muxd-rot-'));
    const f = join(d, 'j.jsonl');
    await writeFile(f, lines(1, 10));
    let files = [f];
    const h = new JournalHistory({ listFiles: async () => files });
    assert.deepEqual((await h.page(undefined, 2)).seqs, [9, 10]);
    await rename(f, `${f}.1`);
    await writeFile(f, lines(11, 12));
    files = [`${f}.1`, f];
    assert.deepEqual((await h.page(undefined, 4)).seqs, [9, 10, 11, 12]);
    await rm(d, { recursive: true, force: true });
  });

  it('caps a page by bytes but returns at least one record', async () => {
    const d = await mkdtemp(join(tmpdir(), 'muxd-big-'));
    const f = join(d, 'j.jsonl');
    await writeFile(f, line(1, 'x'.repeat(3000)) + line(2, 'y'.repeat(3000)));
    const h = new JournalHistory({ listFiles: async () => [f], maxPageBytes: 1000 });
    assert.deepEqual((await h.page(undefined, 10)).seqs, [2]);
    await rm(d, { recursive: true, force: true });
  });

  it('parseSearchRequest validates before, after and limit, naming the parameter', () => {
    const plain = parseSearchRequest(new URLSearchParams(''));
    assert.deepEqual([plain.before, plain.after, plain.limit, plain.order], [undefined, undefined, null, 'desc']);
    const r = parseSearchRequest(new URLSearchParams('before=10&limit=5'));
    assert.deepEqual([r.before, r.limit, r.order], [10, 5, 'desc']);
    assert.equal(parseSearchRequest(new URLSearchParams('after=10')).order, 'asc');
    assert.equal(parseSearchRequest(new URLSearchParams('after=10&before=20')).order, 'desc', 'a range is newest first');
    for (const [q, param] of [['limit=0', 'limit'], ['limit=1001', 'limit'], ['before=-1', 'before'], ['before=abc', 'before'], ['after=1.5', 'after']] as const) {
      assert.throws(() => parseSearchRequest(new URLSearchParams(q)), (err: Error & { code?: string; param?: string }) => {
        assert.equal(err.code, 'ERR_BAD_QUERY');
        assert.equal(err.param, param);
        assert.ok(err.message.startsWith(`${param}`), err.message);
        return true;
      });
    }
  });
});
