// `muxd check`: every setting with its source (flag, env, file, default), secrets masked, and every problem named with exit 2.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { runCli } from '../helpers/cli-run.js';
import { tempDir } from '../helpers/collect.js';
import { makeTestPki } from '../helpers/tls-certs.js';

/** The settings line of one flag: `--flag  value  source`, columns collapsed. */
function setting(stdout: string, flag: string): string {
  const line = stdout.split('\n').find((l) => l.trimStart().startsWith(`--${flag} `));
  return (line ?? '').trim().replace(/\s{2,}/g, ' | ');
}

async function busyPort(): Promise<number> {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  after(() => server.close());
  return (server.address() as net.AddressInfo).port;
}

test('muxd check serve prints every setting with where it came from, masks secrets, and exits 0 when all is usable', async () => {
  const t = await tempDir('muxd-check-');
  after(() => t.cleanup());
  await mkdir(path.join(t.dir, 'site'));
  await writeFile(path.join(t.dir, 'muxd.json'), JSON.stringify({ serve: { cache: 60 } }));
  const r = await runCli(['check', 'serve', 'site', '--listing', '--auth', 'ann:hunter2'], { cwd: t.dir, env: { MUXD_SERVE_PORT: '0', MUXD_LOG: 'json' } });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^muxd serve: config file ${path.join(t.dir, 'muxd.json').replace(/[.]/g, '\\.')} \\(found in the working directory\\)\\n`));
  assert.equal(setting(r.stdout, 'port'), '--port | 0 | env MUXD_SERVE_PORT');
  assert.equal(setting(r.stdout, 'log'), '--log | json | env MUXD_LOG');
  assert.equal(setting(r.stdout, 'listing'), '--listing | true | flag');
  assert.equal(setting(r.stdout, 'cache'), '--cache | 60 | file muxd.json: serve.cache');
  assert.equal(setting(r.stdout, 'index'), '--index | index.html | default');
  assert.equal(setting(r.stdout, 'auth'), '--auth | ann:*** | flag');
  assert.ok(!r.stdout.includes('hunter2'), 'the password is never printed');
  assert.equal(r.stderr, 'muxd check serve: ok\n');
});

test('muxd check names every problem at once: a bad value by its variable, a missing folder, a certificate that does not match its key, a busy port', async () => {
  const t = await tempDir('muxd-check-');
  after(() => t.cleanup());
  const pki = await makeTestPki(t.dir);
  const port = await busyPort();
  const r = await runCli(['check', 'serve', 'missing', '--tls-cert', pki.serverCert, '--tls-key', pki.clientKey, '--port', String(port)], {
    cwd: t.dir,
    env: { MUXD_SERVE_CACHE: 'forever' },
  });
  assert.equal(r.code, 2);
  assert.equal(setting(r.stdout, 'cache'), '--cache | forever | env MUXD_SERVE_CACHE', 'the settings are printed even so');
  const problems = r.stderr.split('\n').filter((l) => l.startsWith('muxd check serve: problem: '));
  assert.equal(problems.length, 3, r.stderr);
  assert.match(r.stderr, /problem: MUXD_SERVE_CACHE must be a whole number, not "forever"/);
  assert.match(r.stderr, /problem: the served folder "missing" is not a readable folder \(ENOENT\)/);
  assert.match(r.stderr, new RegExp(`problem: --port: TCP 127\\.0\\.0\\.1:${port} is in use \\(EADDRINUSE\\)`));
  assert.match(r.stderr, /muxd check serve: 3 problems\n$/);
  // With the cache fixed, the certificate pair is checked too.
  const pair = await runCli(['check', 'serve', '.', '--tls-cert', pki.serverCert, '--tls-key', pki.clientKey, '--port', '0'], { cwd: t.dir });
  assert.equal(pair.code, 2);
  assert.match(pair.stderr, /problem: --tls-cert\b.*(not a usable pair|key values mismatch)/);
});

test('muxd check collect and up: the journal, the collector ports and the settings up takes from MUXD_COLLECT_*', async () => {
  const t = await tempDir('muxd-check-');
  after(() => t.cleanup());
  const port = await busyPort();
  const notAFolder = path.join(t.dir, 'file');
  await writeFile(notAFolder, 'x');
  const collect = await runCli(['check', 'collect', '--journal', path.join(notAFolder, 'j.jsonl'), '--udp-port', '0'], { cwd: t.dir, env: { MUXD_COLLECT_PORT: String(port) } });
  assert.equal(collect.code, 2);
  assert.equal(setting(collect.stdout, 'port'), `--port | ${port} | env MUXD_COLLECT_PORT`);
  assert.match(collect.stderr, /problem: --journal ".*j\.jsonl": .*file is not a writable folder \(ENOTDIR\)/);
  assert.match(collect.stderr, new RegExp(`problem: MUXD_COLLECT_PORT: TCP 127\\.0\\.0\\.1:${port} is in use`));
  const up = await runCli(['check', 'up', '--journal', path.join(t.dir, 'data', 'j.jsonl')], { cwd: t.dir, env: { MUXD_COLLECT_PORT: '0', MUXD_PORT: String(port) } });
  assert.equal(up.code, 2);
  assert.equal(setting(up.stdout, 'collect-port'), '--collect-port | 0 | env MUXD_COLLECT_PORT');
  assert.equal(setting(up.stdout, 'port'), `--port | ${port} | env MUXD_PORT`);
  assert.deepEqual(up.stderr.split('\n').filter((l) => l.includes('problem:')), [`muxd check up: problem: MUXD_PORT: TCP 127.0.0.1:${port} is in use (EADDRINUSE)`]);
  const ok = await runCli(['check', 'up', '--port', '0', '--journal', path.join(t.dir, 'data', 'j.jsonl')], { cwd: t.dir, env: { MUXD_COLLECT_PORT: '0' } });
  assert.equal(ok.code, 0, ok.stderr);
  const usage = await runCli(['check', 'serve', '--prot', '1']);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /problem: Unknown option '--prot'/);
});
