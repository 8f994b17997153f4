// Through the CLI: `muxd collect --compress-rotated gzip` writes FILE.N.gz, and `muxd tail`, `tail -f` and `muxd up`'s history read it; bad retention flags exit 2.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { cliPath, exchange, spawnCollect, tempDir } from '../helpers/collect.js';
import { runCli } from '../helpers/cli-run.js';
import { spawnUp } from '../helpers/up-process.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of cleanups) await c();
});
async function dir(): Promise<string> {
  const t = await tempDir('muxd-retcli-');
  cleanups.push(t.cleanup);
  return t.dir;
}
const RETENTION = ['--rotate-size', '1024', '--keep', '1000', '--compress-rotated', 'gzip'];
const lines = (tag: string, n: number): string => Array.from({ length: n }, (_, i) => `${tag} ${i} ${'x'.repeat(40)}\n`).join('');
const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** Polls the folder (no event says "all compressed") until no plain FILE.N is left; bounded. */
async function compressedAll(d: string, base: string): Promise<string[]> {
  const plain = new RegExp(`^${base.replace(/\./g, '\\.')}\\.\\d+$`);
  for (let i = 0; i < 500; i++) {
    const names = await readdir(d);
    if (!names.some((n) => plain.test(n)) && names.some((n) => n.endsWith('.gz'))) return names;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`rotated files still plain: ${(await readdir(d)).join(' ')}`);
}

async function sendAll(port: number, text: string, n: number): Promise<void> {
  const ex = await exchange(port, text, { expect: n });
  assert.equal(ex.replies.filter((r) => r.startsWith('ok ')).length, n);
}

test('muxd tail reads a journal whose rotated files are gzip, all of it or its last lines', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const p = await spawnCollect(['--no-stdin', '--journal', file, ...RETENTION]);
  await sendAll(p.port, lines('a', 150), 150);
  await sendAll(p.port, lines('b', 150), 150);
  await compressedAll(d, 'j.jsonl');
  assert.equal(await p.stop(), 0);
  const all = await runCli(['tail', '-n', 'all', '--json', file]);
  assert.equal(all.code, 0, all.stderr);
  const seqs = all.stdout
    .trimEnd()
    .split('\n')
    .map((l) => (JSON.parse(l) as { seq: number }).seq);
  assert.deepEqual(seqs, range(1, 300));
  const last = await runCli(['tail', '-n', '2', '--grep', 'a 14', file]);
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stdout, /#149 {2}tcp:[^ ]+ {2}a 148 x+\n.*#150 {2}tcp:[^ ]+ {2}a 149 x+\n$/, 'the last two matches (a 140 … a 149)');
});

test('muxd tail -f follows a collector that rotates and compresses under it: every record once, in order', { timeout: 60_000 }, async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const tail = spawn(process.execPath, [cliPath, 'tail', '-f', '-n', 'all', '--json', file], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let tailErr = '';
  tail.stderr.on('data', (c: Buffer) => (tailErr += c.toString()));
  let wake: (() => void) | null = null;
  tail.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    wake?.();
  });
  const p = await spawnCollect(['--no-stdin', '--journal', file, ...RETENTION]);
  for (let i = 0; i < 5; i++) await sendAll(p.port, lines(`f${i}`, 100), 100);
  const deadline = Date.now() + 30_000;
  while (out.split('\n').length <= 500 && Date.now() < deadline) {
    await new Promise<void>((resolve) => {
      wake = resolve;
      setTimeout(resolve, 500).unref();
    });
  }
  tail.kill('SIGTERM');
  await once(tail, 'exit');
  assert.equal(await p.stop(), 0);
  const seqs = out
    .trimEnd()
    .split('\n')
    .map((l) => (JSON.parse(l) as { seq: number }).seq);
  assert.deepEqual(seqs, range(1, 500), `${seqs.length} lines from ${seqs[0]} to ${seqs[seqs.length - 1]}; stderr: ${tailErr}`);
  assert.ok((await readdir(d)).some((n) => n.endsWith('.gz')), 'rotated files were compressed meanwhile');
});

test('muxd up pages its history (/_muxd/journal) through gzip rotated files', async () => {
  const d = await dir();
  const file = path.join(d, 'j.jsonl');
  const up = await spawnUp(['--journal', file, '--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off', ...RETENTION]);
  try {
    await sendAll(up.collectPort, lines('h', 200), 200);
    await compressedAll(d, 'j.jsonl');
    const seen: number[] = [];
    let before: number | null = null;
    for (let pages = 0; pages < 50; pages++) {
      const q: string = before === null ? '' : `&before=${before}`;
      const res = await fetch(`${up.httpUrl}/_muxd/journal?limit=30${q}`);
      assert.equal(res.status, 200);
      const page = (await res.json()) as { records: Array<{ seq: number; msg: string }>; next: number | null };
      seen.unshift(...page.records.map((r) => r.seq));
      if (page.next === null) break;
      before = page.next;
    }
    assert.deepEqual(seen, range(1, 200));
  } finally {
    assert.equal(await up.stop(), 0);
  }
});

test('retention flags are validated at startup: a clear message and exit 2', async () => {
  const d = await dir();
  const cases: Array<[string[], RegExp]> = [
    [['--rotate-interval', '1 day'], /--rotate-interval must be 0 \(off\) or a duration like 90s, 10m, 1h, 1d, 2w/],
    [['--keep-age', '14d'], /--keep-age applies to rotated files: it needs --rotate-size or --rotate-interval/],
    [['--rotate-interval', '1d', '--compress-rotated', 'zip'], /--compress-rotated must be one of none, gzip/],
  ];
  for (const [args, message] of cases) {
    const r = await runCli(['collect', '--no-stdin', '--port', '0', '--journal', path.join(d, 'j.jsonl'), ...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
});
