// kill -9 of a spawned `muxd collect --compress-rotated gzip` during a rotation and during a compression: nothing acked is lost, seq continues.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import path from 'node:path';
import { scanJournal } from '../../src/journal/seq-scan.js';
import { decodeRecord } from '../../src/journal/record.js';
import { exchange, spawnCollect, tempDir } from '../helpers/collect.js';
import type { CollectProcess } from '../helpers/collect.js';
import { loadClient } from '../helpers/load-client.js';

const CLIENTS = 8;
const WAIT_MS = 40_000;

/**
 * Loads a collector until file system events (inotify through fs.watch) have named each of `triggers` in order, as
 * `rename` events (a file created, renamed or removed), then kills it with SIGKILL at once. Fails, with what it
 * saw, if that takes longer than WAIT_MS; the collector never outlives the call.
 */
async function killOn(p: CollectProcess, dir: string, triggers: string[], tag: string, acked: Map<number, string>): Promise<void> {
  const ackedBefore = acked.size;
  const left = [...triggers];
  let timer: NodeJS.Timeout | undefined;
  let w: FSWatcher | undefined;
  const seen = new Promise<void>((resolve, reject) => {
    w = watch(dir, (event, name) => {
      if (event !== 'rename' || name !== left[0]) return;
      left.shift();
      if (left.length > 0) return;
      p.child.kill('SIGKILL');
      resolve();
    });
    timer = setTimeout(() => {
      void readdir(dir).then((names) =>
        reject(new Error(`${tag}: no ${left.join(', ')} within ${WAIT_MS} ms; ${acked.size - ackedBefore} acked; files: ${names.join(' ')}; stderr: ${p.stderr()}`)),
      );
    }, WAIT_MS);
  });
  const exited = once(p.child, 'exit');
  const clients = Array.from({ length: CLIENTS }, (_, c) => loadClient(p.port, `${tag}c${c}`, acked, 64));
  try {
    await seen;
  } finally {
    clearTimeout(timer);
    w?.close();
    p.child.kill('SIGKILL');
    await exited;
    for (const c of clients) c.stop();
    await Promise.all(clients.map((c) => c.done));
  }
  assert.ok(acked.size > ackedBefore, `${tag}: messages were acked before the kill`);
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}

/** Every record of the journal, plain and gzip, oldest first. */
async function everyRecord(file: string): Promise<Array<{ seq: number; msg: string }>> {
  const out: Array<{ seq: number; msg: string }> = [];
  for await (const batch of scanJournal({ file, order: 'asc' })) for (const r of batch) out.push({ seq: r.seq, msg: decodeRecord(r.line).msg ?? '' });
  return out;
}

test('kill -9 during rotation, then during compression: every acked message is kept once, the next seq follows, leftovers are settled', { timeout: 300_000 }, async () => {
  const t = await tempDir('muxd-retcrash-');
  after(() => t.cleanup());
  const file = path.join(t.dir, 'j.jsonl');
  const acked = new Map<number, string>();
  const args = (rotateSize: number): string[] => ['--no-stdin', '--journal', file, '--rotate-size', String(rotateSize), '--keep', '1000', '--compress-rotated', 'gzip'];

  // During rotation: killed as soon as rotation has renamed FILE away and created the new FILE (only rotation
  // creates FILE; compression touches FILE.N and FILE.gz.tmp alone).
  for (let round = 0; round < 2; round++) {
    const p = await spawnCollect(args(16_384));
    await killOn(p, t.dir, ['j.jsonl'], `rot${round}`, acked);
  }

  // During compression: after a rotation of a 1 MiB file, killed as soon as a temporary .gz file is created.
  let caughtMidway = false;
  for (let round = 0; round < 4 && !caughtMidway; round++) {
    const p = await spawnCollect(args(1 << 20));
    await killOn(p, t.dir, ['j.jsonl', 'j.jsonl.gz.tmp'], `gz${round}`, acked);
    caughtMidway = await exists(`${file}.gz.tmp`);
  }
  assert.ok(caughtMidway, 'a kill landed while a compression was writing its temporary file');

  // The next start settles what the kills left, then compresses; a clean stop proves the journal whole.
  const last = await spawnCollect(args(2 << 20));
  assert.equal(await exists(`${file}.gz.tmp`), false, 'the half-written temporary file is gone at start');
  const next = await exchange(last.port, 'after the crashes\n', { expect: 1 });
  const maxAcked = Math.max(...acked.keys());
  const m = /^ok (\d+)$/.exec(next.replies[0] ?? '');
  assert.ok(m !== null, JSON.stringify(next.replies));
  assert.ok(Number(m[1]) > maxAcked, `seq continues: ${m[1]} after ${maxAcked}`);
  assert.equal(await last.stop('SIGTERM'), 0);

  const records = await everyRecord(file);
  const bySeq = new Map<number, string>();
  const payloads = new Set<string>();
  let prev = 0;
  for (const r of records) {
    assert.ok(r.seq > prev, `seq ${r.seq} after ${prev}: strictly increasing across plain and .gz files`);
    prev = r.seq;
    assert.equal(payloads.has(r.msg), false, `${r.msg} journaled twice`);
    payloads.add(r.msg);
    bySeq.set(r.seq, r.msg);
  }
  for (const [seq, payload] of acked) assert.equal(bySeq.get(seq), payload, `acked seq ${seq} missing or different`);
  const names = await readdir(t.dir);
  assert.ok(names.some((n) => n.endsWith('.gz')), names.join(' '));
});
