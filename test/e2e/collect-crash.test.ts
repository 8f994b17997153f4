// Crash safety through the CLI: kill -9 the collector mid-load, restart, repeat; every acknowledged message is in the journal exactly once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { decodeRecord } from '../../src/journal/record.js';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import { loadClient } from '../helpers/load-client.js';

const ROUNDS = 3;
const CLIENTS = 24;

test(`kill -9 mid-load, ${ROUNDS} times: every ok'd message is journaled exactly once, no torn or interleaved record`, async () => {
  const t = await tempDir('muxd-crash-');
  after(() => t.cleanup());
  const file = path.join(t.dir, 'data', 'journal.jsonl');
  const acked = new Map<number, string>();
  for (let round = 0; round < ROUNDS; round++) {
    const p = await spawnCollect(['--no-stdin', '--journal', file]);
    const clients = Array.from({ length: CLIENTS }, (_, c) => loadClient(p.port, `r${round}c${c}`, acked));
    const target = acked.size + 1500;
    while (acked.size < target) await new Promise((r) => setTimeout(r, 5));
    p.child.kill('SIGKILL');
    await once(p.child, 'exit');
    await Promise.all(clients.map((c) => c.done));
    for (const c of clients) c.stop();
  }
  // One more start runs recovery; a clean SIGTERM then proves the journal is whole again.
  const last = await spawnCollect(['--no-stdin', '--journal', file]);
  assert.equal(await last.stop('SIGTERM'), 0);
  const text = await readFile(file, 'utf8');
  assert.ok(text.endsWith('\n'));
  const records = text.slice(0, -1).split('\n').map((l) => decodeRecord(l));
  const bySeq = new Map<number, string>();
  const seen = new Set<string>();
  let prev = 0;
  for (const r of records) {
    assert.ok(r.seq > prev, `seq ${r.seq} after ${prev}: strictly increasing`);
    prev = r.seq;
    assert.match(r.msg ?? '', /^r\dc\d+-m\d+-p{40}$/, 'a whole, uninterleaved message');
    assert.equal(seen.has(r.msg!), false, `${r.msg} journaled twice`);
    seen.add(r.msg!);
    bySeq.set(r.seq, r.msg!);
  }
  assert.ok(acked.size >= ROUNDS * 1500);
  for (const [seq, payload] of acked) assert.equal(bySeq.get(seq), payload, `acked seq ${seq} missing or different`);
});
