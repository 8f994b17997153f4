// muxd send and muxd tail against the real muxd collect: exit codes on a real server, and the sent lines in the journal.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { cliPath, spawnCollect, tempDir } from '../helpers/collect.js';
import type { CollectProcess } from '../helpers/collect.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function muxd(args: string[], stdin?: Buffer | string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => {});
  child.stdin.end(stdin ?? '');
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

let journal = '';
let collector: CollectProcess;
test('setup: a real collector', async () => {
  const tmp = await tempDir('muxd-send-');
  cleanups.push(tmp.cleanup);
  journal = path.join(tmp.dir, 'journal.jsonl');
  collector = await spawnCollect(['--no-stdin', '--journal', journal, '--max-message', '1000']);
  cleanups.push(() => collector.stop());
});

test('muxd send → muxd collect: 2000 piped lines (CRLF, empty lines, invalid UTF-8) all acked, exit 0; tail shows them', async () => {
  const body = Buffer.concat([
    Buffer.from(Array.from({ length: 1999 }, (_, i) => `line ${i}${i % 3 === 0 ? '\r' : ''}\n${i % 7 === 0 ? '\n' : ''}`).join('')),
    Buffer.from([0xff, 0xfe, 0x41]),
  ]);
  const r = await muxd(['send', String(collector.port), '--window', '32'], body);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /sent 2000, ok 2000, failed 0, unanswered 0/);
  const t = await muxd(['tail', '-n', '3', journal]);
  assert.equal(t.code, 0, t.stderr);
  const shown = t.stdout.trimEnd().split('\n');
  assert.match(shown[0] ?? '', /#1998 {2}tcp:127\.0\.0\.1:\d+ {2}line 1997$/);
  assert.match(shown[2] ?? '', /#2000 {2}tcp:127\.0\.0\.1:\d+ {2}\[binary 3 bytes\] \/\/5B$/);
  const all = await muxd(['tail', '-n', 'all', '--json', '--grep', '/^line 1\\d{3}$/', journal]);
  assert.equal(all.stdout.trimEnd().split('\n').length, 999, 'line 1000 … line 1998');
});

test('muxd send → muxd collect: a line over --max-message is an error reply → exit 1, the others still acked', async () => {
  const r = await muxd(['send', String(collector.port), '--print-acks'], `before\n${'z'.repeat(1500)}\nafter\n`);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sent 3, ok 2, failed 1 \(ERR_MESSAGE_TOO_LONG 1\), unanswered 0/);
  assert.match(r.stdout, /^ok \d+\nerror ERR_MESSAGE_TOO_LONG [^\n]*\nok \d+\n$/);
});

test('muxd send --no-ack → muxd collect --ack off: every line lands, exit 0 (without --no-ack it would wait for replies that never come)', async () => {
  const tmp = await tempDir('muxd-send-noack-');
  cleanups.push(tmp.cleanup);
  const file = path.join(tmp.dir, 'journal.jsonl');
  const quiet = await spawnCollect(['--no-stdin', '--journal', file, '--ack', 'off']);
  cleanups.push(() => quiet.stop());
  const lines = Array.from({ length: 5000 }, (_, i) => `fire and forget ${i}\n`).join('');
  const r = await muxd(['send', String(quiet.port), '--no-ack'], lines);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /sent 5000 without acknowledgements/);
  const t = await muxd(['tail', '-n', 'all', '--json', file]);
  const seqs = t.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
  assert.equal(seqs.length, 5000, 'every line is in the journal once the collector closed our connection');
  assert.deepEqual(seqs.slice(0, 3), [1, 2, 3]);
  const waiting = await muxd(['send', String(quiet.port), '--timeout', '1'], 'nobody answers\n');
  assert.equal(waiting.code, 1, 'with acks expected, the silence is a reply timeout');
  assert.match(waiting.stderr, /ERR_REPLY_TIMEOUT/);
});
