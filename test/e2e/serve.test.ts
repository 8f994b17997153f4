// muxd serve end to end: the built CLI, its listening line, exit codes, env flags, and shutdown on SIGTERM (behaviour 12).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { open } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDocroot, request } from '../helpers/http-fixtures.js';
import type { Docroot } from '../helpers/http-fixtures.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'dist/cli/main.js');
let root: Docroot;

before(async () => {
  root = await makeDocroot();
  const fh = await open(path.join(root.dir, 'slow.bin'), 'w');
  await fh.truncate(48 * 1024 * 1024); // sparse, bigger than any socket buffer
  await fh.close();
});
after(() => root.cleanup());

interface Running {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

async function startCli(args: string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { env: { ...process.env, ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  while (!/\n/.test(out)) {
    const r = await Promise.race([once(child.stdout, 'data'), exit.then(() => 'exit' as const)]);
    if (r === 'exit') throw new Error(`exited early: ${err}`);
  }
  const m = /^listening (http|https) https?:\/\/127\.0\.0\.1:(\d+)\n/.exec(out);
  assert.ok(m, out);
  return { child, port: Number(m[2]), stdout: () => out, stderr: () => err, exit };
}

async function runCli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, out, err };
}

test('prints one listening line for --port 0 and serves files; the common log goes to stdout', async () => {
  const s = await startCli([root.dir, '--port', '0']);
  try {
    const r = await request(s.port, '/small.txt');
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'hello\n');
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exit, 0);
  const lines = s.stdout().trim().split('\n');
  assert.match(lines[0]!, /^listening http http:\/\/127\.0\.0\.1:\d+$/);
  assert.match(lines[1]!, /"GET \/small\.txt HTTP\/1\.1" 200 6$/);
});

test('--help shows Usage / Options / Examples and exits 0', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Usage: muxd serve/);
  for (const flag of ['--listing', '--spa', '--cors', '--tls-cert', '--max-conns', '--headers-timeout', 'Examples:']) assert.ok(r.out.includes(flag), flag);
});

test('usage errors exit 2 with a code: bad port, unknown flag, cert without key, two folders', async () => {
  for (const args of [['--port', '70000'], ['--nope'], ['--tls-cert', 'x.pem'], ['a', 'b'], ['--log', 'loud'], ['--headers-timeout', '25000']]) {
    const r = await runCli([...args]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, /^muxd: .*\(ERR_(USAGE|INVALID_OPTION)\)/);
  }
});

test('a folder that does not exist is refused', async () => {
  const r = await runCli([path.join(root.dir, 'no-such-dir'), '--port', '0']);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /not a readable directory/);
});

test('MUXD_* environment variables set flags (MUXD_LISTING, MUXD_LOG)', async () => {
  const s = await startCli([root.dir, '--port', '0'], { MUXD_LISTING: '1', MUXD_LOG: 'off' });
  try {
    assert.equal((await request(s.port, '/nodir/')).status, 200);
  } finally {
    s.child.kill('SIGTERM');
  }
  assert.equal(await s.exit, 0);
  assert.equal(s.stdout().trim().split('\n').length, 1, 'no access log lines with MUXD_LOG=off');
});

test('SIGTERM: stops accepting, closes idle keep-alive connections, lets a download in flight finish, exits 0', async () => {
  const s = await startCli([root.dir, '--port', '0', '--log', 'off']);
  // An idle keep-alive connection, after one request.
  const idle = net.connect(s.port, '127.0.0.1');
  await once(idle, 'connect');
  idle.write('GET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await once(idle, 'data');
  const idleClosed = once(idle, 'close');
  // A slow download: read the first bytes, then pause.
  const dl = net.connect(s.port, '127.0.0.1');
  await once(dl, 'connect');
  dl.write('GET /slow.bin HTTP/1.1\r\nHost: localhost\r\n\r\n');
  let received = 0;
  const [first] = (await once(dl, 'data')) as [Buffer];
  received += first.length;
  dl.pause();
  s.child.kill('SIGTERM');
  await idleClosed;
  // New connections get no service once shutdown began: refused, or (if they raced the listener's close) reset unanswered.
  const answered = await new Promise<string>((resolve) => {
    const c = net.connect(s.port, '127.0.0.1');
    let got = '';
    c.on('connect', () => c.write('GET /small.txt HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    c.on('data', (d: Buffer) => (got += d.toString()));
    c.on('error', () => {});
    c.on('close', () => resolve(got));
  });
  assert.equal(answered, '', 'no answer after SIGTERM');
  dl.on('data', (c: Buffer) => (received += c.length));
  dl.resume();
  await once(dl, 'end');
  const headerEnd = first.indexOf('\r\n\r\n') + 4;
  assert.equal(received - headerEnd, 48 * 1024 * 1024, 'the whole file arrived after SIGTERM');
  assert.equal(await s.exit, 0);
});

test('a second signal during the drain forces the exit', async () => {
  const s = await startCli([root.dir, '--port', '0', '--log', 'off']);
  const dl = net.connect(s.port, '127.0.0.1');
  await once(dl, 'connect');
  dl.write('GET /slow.bin HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await once(dl, 'data');
  dl.pause();
  s.child.kill('SIGTERM');
  while (!s.stderr().includes('shutting down')) await once(s.child.stderr, 'data');
  s.child.kill('SIGTERM');
  const code = await s.exit;
  assert.notEqual(code, 0);
  dl.destroy();
});

test('a closed stdout (the log reader went away, EPIPE) stops the log, not the server', async () => {
  const s = await startCli([root.dir, '--port', '0']);
  s.child.stdout.destroy();
  for (let i = 0; i < 5; i++) {
    assert.equal((await request(s.port, '/small.txt')).status, 200);
    await new Promise((r) => setTimeout(r, 250)); // past the 200 ms log flush, so a write hits the closed pipe
  }
  assert.equal(s.child.exitCode, null, 'still running');
  s.child.kill('SIGTERM');
  assert.equal(await s.exit, 0);
});
