// The real binary with MUXD_* variables and config files: a variable for one command never breaks another, errors name their source, the config file in use is announced.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../helpers/cli-run.js';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import { spawnUp } from '../helpers/up-process.js';
import { waitStderrLine } from '../helpers/stderr-wait.js';

test('issue 15: MUXD_TLS=auto, exported for serve, made `muxd send` exit 2; send now ignores it', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const collector = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl')]);
  after(() => collector.stop());
  const r = await runCli(['send', String(collector.port)], { env: { MUXD_TLS: 'auto' }, input: 'hello\n' });
  assert.equal(r.code, 0, r.stderr);
  const bad = await runCli(['send', String(collector.port)], { env: { MUXD_SEND_TLS: 'auto' }, input: 'hello\n' });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /MUXD_SEND_TLS must be true or false/);
});

test('issue 15: MUXD_PORT changed the port of `muxd bench collect`; bench reads MUXD_BENCH_PORT and leaves MUXD_PORT to the HTTP servers', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const collector = await spawnCollect(['--no-stdin', '--sync', 'none', '--journal', path.join(t.dir, 'j.jsonl')]);
  after(() => collector.stop());
  const r = await runCli(['bench', 'collect', '--clients', '1', '--messages', '1', '--json'], { env: { MUXD_PORT: '1', MUXD_BENCH_PORT: String(collector.port) } });
  assert.equal(r.code, 0, r.stderr);
  assert.equal((JSON.parse(r.stdout) as { acked: number }).acked, 1);
});

test('issue 15: an error caused by a variable named --port; it now names the variable, and a file value names its file and key', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const fromEnv = await runCli(['serve', t.dir], { env: { MUXD_SERVE_PORT: 'eighty' }, cwd: t.dir });
  assert.equal(fromEnv.code, 2);
  assert.match(fromEnv.stderr, /muxd: MUXD_SERVE_PORT must be a whole number, not "eighty" \(ERR_INVALID_OPTION\)/);
  assert.doesNotMatch(fromEnv.stderr, /--port/);
  // up's collector port is MUXD_COLLECT_PORT (its --collect-port), never its HTTP --port.
  const up = await runCli(['up', '--no-stdin', '--journal', path.join(t.dir, 'j.jsonl')], { env: { MUXD_COLLECT_PORT: 'sixty' }, cwd: t.dir });
  assert.equal(up.code, 2);
  assert.match(up.stderr, /muxd: MUXD_COLLECT_PORT must be a whole number, not "sixty"/);
  await writeFile(path.join(t.dir, 'muxd.json'), JSON.stringify({ serve: { cache: 'forever' } }));
  const fromFile = await runCli(['serve', '.'], { cwd: t.dir });
  assert.equal(fromFile.code, 2);
  assert.match(fromFile.stderr, /muxd: muxd\.json: serve\.cache must be a whole number/);
});

test('issue 15: a muxd.json in the working directory applied silently; it is announced on stderr, and one that widens access is refused until named by --config', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  await writeFile(path.join(t.dir, 'muxd.json'), JSON.stringify({ serve: { 'allowed-hosts': 'all', cors: '*', dotfiles: 'allow' } }));
  const refused = await runCli(['serve', '.', '--port', '0'], { cwd: t.dir });
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /muxd\.json was found in the working directory, not named by --config: it may not set serve\.allowed-hosts; name it with --config muxd\.json/);
  const config = path.join(t.dir, 'muxd.json');
  const named = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--config', config]);
  after(() => named.stop());
  assert.equal(await waitStderrLine(named.child, named.stderr, /settings from/), `muxd up: settings from ${config} (named by --config)`);
  assert.ok(named.lines.every((l) => !l.includes('settings from')), 'the announcement stays off stdout');
  await writeFile(config, JSON.stringify({ serve: { listing: true } }));
  const found = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--journal', path.join(t.dir, 'j2.jsonl')], 15_000, { cwd: t.dir });
  after(() => found.stop());
  assert.equal(await waitStderrLine(found.child, found.stderr, /settings from/), `muxd up: settings from ${config} (found in the working directory)`);
});
