// Many clients at once (1,200) against one collector: every message acked exactly once, no gaps or duplicates in the seqs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { CollectorServer } from '../../src/collector/server.js';
import { openJournal } from '../../src/journal/journal.js';
import { silentLog } from '../../src/logger.js';
import { exchange, readJournal, tempDir } from '../helpers/collect.js';

const CLIENTS = 1200;
const PER_CLIENT = 5;

test(`${CLIENTS} clients at once, ${PER_CLIENT} messages each: every message acked once, seqs gapless, journal matches`, async () => {
  const t = await tempDir();
  const file = path.join(t.dir, 'j.jsonl');
  const journal = await openJournal({ path: file });
  const server = new CollectorServer({ port: 0 }, journal, silentLog);
  const { port } = await server.listen();
  after(async () => {
    server.closable.stopAccepting?.();
    await server.closable.drain?.(Date.now() + 2000);
    await journal.close();
    await t.cleanup();
  });
  const results = await Promise.all(
    Array.from({ length: CLIENTS }, (_, c) =>
      exchange(port, Array.from({ length: PER_CLIENT }, (_, i) => `client ${c} message ${i}\n`).join(''), { halfClose: true }),
    ),
  );
  const seqs: number[] = [];
  const bySeq = new Map<number, string>();
  results.forEach((r, c) => {
    assert.equal(r.replies.length, PER_CLIENT, `client ${c}: ${r.replies.join('|')}`);
    r.replies.forEach((line, i) => {
      const m = /^ok (\d+)$/.exec(line);
      assert.ok(m, line);
      const seq = Number(m[1]);
      if (i > 0) assert.ok(seq > seqs[seqs.length - 1]!, 'seqs of one client increase');
      seqs.push(seq);
      bySeq.set(seq, `client ${c} message ${i}`);
    });
  });
  const sorted = [...seqs].sort((a, b) => a - b);
  assert.equal(new Set(sorted).size, CLIENTS * PER_CLIENT, 'no duplicate seqs');
  assert.equal(sorted[0], 1);
  assert.equal(sorted[sorted.length - 1], CLIENTS * PER_CLIENT, 'no gaps');
  const records = await readJournal(file);
  assert.equal(records.length, CLIENTS * PER_CLIENT);
  for (const r of records) assert.equal(r.msg, bySeq.get(r.seq));
  assert.equal(server.stats.connectionsTotal, CLIENTS);
});
