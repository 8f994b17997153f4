// The built CLI end to end: muxd.json, --header, hash-password + --auth-file, --upload, and the startup refusals (exit 2).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cliPath, spawnUp } from '../helpers/up-process.js';
import { basicAuth, send } from '../helpers/feature-server.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-features-'));
  await mkdir(path.join(dir, 'site/assets'), { recursive: true });
  await writeFile(path.join(dir, 'site/index.html'), '<!doctype html><title>home</title>');
  await writeFile(path.join(dir, 'site/assets/app.js'), 'console.log(1);\n');
});
after(() => rm(dir, { recursive: true, force: true }));

/** Runs the CLI in `dir` with stdin, to its exit. */
async function run(args: string[], stdin = ''): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: dir, stdio: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(stdin);
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

/** Starts `muxd serve` in `dir` and resolves with its port once it printed its listening line. */
async function serve(args: string[]): Promise<{ port: number; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, [cliPath, 'serve', ...args], { cwd: dir, stdio: 'pipe', env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit');
  while (!out.includes('\n')) {
    const r = await Promise.race([once(child.stdout, 'data'), exit.then(() => null)]);
    if (r === null) throw new Error(`serve exited: ${err}`);
    out += String(r[0]);
  }
  const m = /^listening http http:\/\/127\.0\.0\.1:(\d+)$/m.exec(out);
  assert.ok(m, out);
  return {
    port: Number(m[1]),
    stop: async () => {
      child.kill('SIGTERM');
      await exit;
    },
  };
}

test('refusals at startup exit 2 with a clear message: auth or uploads on a public plain-HTTP bind, unknown config keys', async () => {
  const auth = await run(['serve', 'site', '--host', '0.0.0.0', '--port', '0', '--auth', 'a:b']);
  assert.equal(auth.code, 2);
  assert.match(auth.err, /in clear.*--allow-insecure-auth/);
  const upload = await run(['serve', 'site', '--host', '0.0.0.0', '--port', '0', '--upload']);
  assert.equal(upload.code, 2);
  assert.match(upload.err, /--upload at --host 0\.0\.0\.0 .*--auth/);
  await writeFile(path.join(dir, 'typo.json'), JSON.stringify({ serve: { prot: 1 } }));
  const typo = await run(['serve', 'site', '--config', 'typo.json']);
  assert.equal(typo.code, 2);
  assert.match(typo.err, /typo\.json: unknown key "prot" in serve \(ERR_INVALID_OPTION\)/);
  const noDir = await run(['up', '--upload', '--port', '0', '--collect-port', '0', '--no-stdin', '--journal', 'j.jsonl']);
  assert.equal(noDir.code, 2);
  assert.match(noDir.err, /--upload needs a DIR/);
  const header = await run(['serve', 'site', '--port', '0', '--header', 'X-A: a\rb']);
  assert.equal(header.code, 2);
  assert.match(header.err, /control character/);
});

test('hash-password reads stdin and prints a user:hash line that --auth-file takes; muxd.json (named by --config: it sets credentials) sets headers and uploads', async () => {
  const top = await run(['--help']);
  assert.match(top.out, /hash-password +Print the scrypt hash/);
  const help = await run(['hash-password', '--help']);
  assert.match(help.out, /^Usage: muxd hash-password \[options\]/);
  assert.match((await run(['serve', '--help'])).out, /--header 'NAME: VALUE' \.\.\.[\s\S]*--upload[\s\S]*--config FILE/);
  assert.equal((await run(['hash-password'], '\n')).code, 2, 'an empty password is refused');
  const hashed = await run(['hash-password', '--user', 'alice'], 'open sesame\n');
  assert.equal(hashed.code, 0, hashed.err);
  assert.match(hashed.out, /^alice:scrypt\$16384\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+\n$/);
  await writeFile(path.join(dir, 'users.txt'), hashed.out);
  await writeFile(
    path.join(dir, 'muxd.json'),
    JSON.stringify({ $schema: './muxd.schema.json', serve: { 'auth-file': 'users.txt', upload: true, port: 0, log: 'off', headers: { '/assets/**': { 'Cache-Control': 'max-age=31536000, immutable' } } } }),
  );
  const s = await serve(['site', '--config', 'muxd.json', '--header', 'X-Frame-Options: DENY']);
  try {
    const creds = { Authorization: basicAuth('alice', 'open sesame') };
    assert.equal((await send(s.port, 'GET', '/assets/app.js')).status, 401);
    const js = await send(s.port, 'GET', '/assets/app.js', creds);
    assert.equal(js.status, 200);
    assert.equal(js.headers['cache-control'], 'max-age=31536000, immutable');
    assert.equal(js.headers['x-frame-options'], 'DENY');
    assert.equal((await send(s.port, 'PUT', '/note.txt', creds, 'uploaded\n')).status, 201);
    assert.equal(await readFile(path.join(dir, 'site/note.txt'), 'utf8'), 'uploaded\n');
    assert.equal((await send(s.port, 'PUT', '/note2.txt', {}, 'anon\n')).status, 401);
  } finally {
    await s.stop();
    await rm(path.join(dir, 'muxd.json'));
  }
});

test('up takes the same features: auth guards /_muxd/ too, and the serve section of the config applies', async () => {
  await writeFile(path.join(dir, 'up.json'), JSON.stringify({ serve: { auth: 'bob:pw', headers: { '*.js': { 'X-Rule': 'js' } } } }));
  const up = await spawnUp([path.join(dir, 'site'), '--config', path.join(dir, 'up.json'), '--port', '0', '--collect-port', '0', '--no-stdin', '--journal', path.join(dir, 'j.jsonl'), '--log', 'off']);
  try {
    const port = Number(new URL(up.httpUrl).port);
    assert.equal((await send(port, 'GET', '/_muxd/health')).status, 401);
    assert.equal((await send(port, 'GET', '/_muxd/health', { Authorization: basicAuth('bob', 'pw') })).status, 200);
    const js = await send(port, 'GET', '/assets/app.js', { Authorization: basicAuth('bob', 'pw') });
    assert.equal(js.status, 200);
    assert.equal(js.headers['x-rule'], 'js');
  } finally {
    assert.equal(await up.stop(), 0);
  }
});
