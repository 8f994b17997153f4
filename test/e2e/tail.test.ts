// `muxd tail` through the built CLI: readable lines, -n, --json, filters, raw lines, a missing file, and -f across rotation.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile, appendFile, rename } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/cli-run.js';
import type { CliRun } from '../helpers/cli-run.js';

const root = new URL('../../../', import.meta.url);
const cli = fileURLToPath(new URL('dist/cli/main.js', root));
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function journal(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'muxd-tail-'));
  dirs.push(d);
  return path.join(d, 'journal.jsonl');
}
const rec = (seq: number, extra: Record<string, unknown> = {}): string =>
  `${JSON.stringify({ seq, ts: `2026-11-26T18:00:${String(seq % 60).padStart(2, '0')}.000Z`, src: seq % 2 ? 'tcp:127.0.0.1:5555' : 'stdin', msg: `message ${seq}`, ...extra })}\n`;
const recs = (a: number, b: number): string => Array.from({ length: b - a + 1 }, (_, i) => rec(a + i)).join('');

const tail = (args: string[]): Promise<CliRun> => runCli(['tail', ...args]);

test('muxd tail: the last 10 records readably, across rotated files', async () => {
  const f = await journal();
  await writeFile(`${f}.2`, recs(1, 5));
  await writeFile(`${f}.1`, recs(6, 10));
  await writeFile(f, recs(11, 15));
  const r = await tail([f]);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 10);
  assert.equal(lines[0], '2026-11-26T18:00:06.000Z  #6  stdin  message 6');
  assert.equal(lines[9], '2026-11-26T18:00:15.000Z  #15  tcp:127.0.0.1:5555  message 15');
});

test('muxd tail: -n all --json prints every record exactly as stored; -n 0 prints nothing', async () => {
  const f = await journal();
  await writeFile(`${f}.1`, recs(1, 3));
  await writeFile(f, recs(4, 6));
  const r = await tail(['-n', 'all', '--json', f]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, recs(1, 6));
  assert.equal((await tail(['-n', '0', f])).stdout, '');
});

test('muxd tail: --src, --since and --grep filter; binary and partial records are marked', async () => {
  const f = await journal();
  await writeFile(f, recs(1, 20) + rec(21, { msg: undefined, b64: Buffer.from([0xff, 0x00]).toString('base64') }) + rec(22, { partial: true }));
  const src = await tail(['-n', 'all', '--src', 'stdin', f]);
  assert.equal(src.stdout.trimEnd().split('\n').length, 11);
  assert.ok(src.stdout.split('\n').filter(Boolean).every((l) => l.includes('  stdin  ')));
  const since = await tail(['-n', 'all', '--since', '2026-11-26T18:00:19Z', f]);
  assert.deepEqual(since.stdout.trimEnd().split('\n').map((l) => l.split('  ')[1]), ['#19', '#20', '#21', '#22']);
  const grep = await tail(['-n', 'all', '--grep', '/message 1[0-2]$/', f]);
  assert.deepEqual(grep.stdout.trimEnd().split('\n').map((l) => l.split('  ')[1]), ['#10', '#11', '#12']);
  const last = await tail(['-n', '2', f]);
  assert.match(last.stdout, /#21 {2}tcp:127\.0\.0\.1:5555 {2}\[binary 2 bytes\] \/wA=\n/);
  assert.match(last.stdout, /#22 {2}stdin {2}\[partial\] message 22\n$/);
});

test('muxd tail: raw-format journals print as they are; --src does not apply to them and says so', async () => {
  const f = await journal();
  await writeFile(f, Buffer.concat([Buffer.from('first raw line\nsecond \xff line\n', 'latin1'), Buffer.from('third\n')]));
  const r = await tail(['--src', 'stdin', f]);
  assert.equal(r.code, 0);
  assert.deepEqual(Buffer.from(r.stdout, 'latin1').length > 0, true);
  assert.match(r.stdout, /^first raw line\nsecond .* line\nthird\n$/);
  assert.match(r.stderr, /--src, --since and --until do not apply/);
});

test('muxd tail: a missing journal exits 1, a bad option exits 2', async () => {
  const f = await journal();
  const missing = await tail([f]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no journal at .*journal\.jsonl \(ERR_IO\)/);
  for (const args of [['--since', 'yesterday', f], ['-n', 'some', f], ['--grep', '/(/', f], ['a', 'b']]) {
    assert.equal((await tail(args)).code, 2, args.join(' '));
  }
});

test('muxd tail -f: prints the backlog, then new records, across a rotation, and stops on SIGTERM', { timeout: 15_000 }, async () => {
  const f = await journal();
  await writeFile(f, recs(1, 3));
  const child = spawn(process.execPath, [cli, 'tail', '-f', '-n', '2', f], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let waiting: { n: number; resolve: () => void } | null = null;
  const count = (): number => stdout.split('\n').filter(Boolean).length;
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
    if (waiting && count() >= waiting.n) waiting.resolve();
  });
  const seen = (n: number): Promise<void> => (count() >= n ? Promise.resolve() : new Promise((resolve) => (waiting = { n, resolve })));
  await seen(2);
  await appendFile(f, recs(4, 5));
  await seen(4);
  await appendFile(f, recs(6, 6));
  await rename(f, `${f}.1`);
  await writeFile(f, recs(7, 8));
  await seen(7);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'close')) as [number | null];
  assert.equal(code, 0);
  assert.deepEqual(stdout.trimEnd().split('\n').map((l) => l.split('  ')[1]), ['#2', '#3', '#4', '#5', '#6', '#7', '#8']);
});
