// GET /_muxd/journal with filters over a NATS stream (`up --sink nats://…`, and a `--no-collect` viewer): the same filters over stream positions, both cursors, budget resumes, .jsonl.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { startNats } from '../helpers/nats.js';
import { getJson, searchAll } from '../helpers/search.js';
import type { JournalAnswer } from '../helpers/search.js';
import { spawnUp } from '../helpers/up-process.js';

let nats: Awaited<ReturnType<typeof startNats>>;
before(async () => {
  nats = await startNats();
});
after(() => nats.stop());

/** 12 POSTs of 25 messages: 300 records in 12 stream messages. */
const SENT = Array.from({ length: 300 }, (_, i) => (i % 30 === 7 ? `needle ${i} refused` : `hay ${i}`));

test('up --sink nats://… and a --no-collect viewer search the stream with the same filters, cursors and budgets', async () => {
  const t = await tempDir('muxd-nats-search-');
  after(() => t.cleanup());
  const common = ['--port', '0', '--no-stdin', '--log', 'off', '--sink', nats.url, '--search-budget-bytes', '1'];
  const up = await spawnUp([...common, '--collect-port', '0', '--journal', path.join(t.dir, 'j.jsonl'), '--collector-id', 'c1']);
  after(() => up.stop());
  for (let i = 0; i < SENT.length; i += 25) {
    const res = await fetch(`${up.httpUrl}/_muxd/messages`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ messages: SENT.slice(i, i + 25) }) });
    assert.equal(res.status, 200);
    await res.body?.cancel();
  }
  const viewer = await spawnUp([...common, '--no-collect'], 15_000, { noCollect: true });
  after(() => viewer.stop());
  const needles = SENT.filter((m) => m.startsWith('needle'));
  for (const base of [up.httpUrl, viewer.httpUrl]) {
    for (const order of ['desc', 'asc'] as const) {
      const { records, pages } = await searchAll(base, { grep: 'needle', limit: '3' }, { order });
      assert.deepEqual(records.map((r) => r.msg), needles, `${order} on ${base === up.httpUrl ? 'up' : 'viewer'}`);
      assert.ok(pages.some((p) => !p.complete), 'the 1-byte budget cut pages');
      const seqs = records.map((r) => r.seq);
      assert.deepEqual(seqs, seqs.slice().sort((a, b) => a - b), 'stream positions ascend');
      assert.ok(records.every((r) => r.src === 'c1/http:127.0.0.1'));
    }
    // src matches the record as the collector wrote it, or as the page shows it (collector/src).
    for (const src of ['http', 'c1/http:127.0.0.1', 'c1']) assert.equal((await searchAll(base, { src, grep: 'needle' })).records.length, needles.length, src);
    assert.equal((await searchAll(base, { src: 'tcp' })).records.length, 0);
    const regex = await searchAll(base, { grep: '/^needle 2\\d7 /' });
    assert.deepEqual(regex.records.map((r) => r.msg), needles.filter((m) => /^needle 2\d7 /.test(m)));
    // A range between two positions, newest first.
    const all = (await searchAll(base, { grep: 'needle' })).records;
    const inner = await searchAll(base, { grep: 'needle', after: String(all[1]!.seq), before: String(all[7]!.seq) });
    assert.deepEqual(inner.records, all.slice(2, 7));
    const unfiltered = await getJson<JournalAnswer>(`${base}/_muxd/journal?limit=4`);
    assert.deepEqual(unfiltered.body.records.map((r) => r.msg), SENT.slice(-4));
    const dl = (await (await fetch(`${base}/_muxd/journal.jsonl?grep=needle`)).text()).trim().split('\n');
    assert.deepEqual(dl.map((l) => (JSON.parse(l) as { msg: string }).msg), needles);
  }
});
