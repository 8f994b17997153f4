// Regression (issue 15): a serve flag was silently ignored in one mode (`up --sink nats://… --auth` served without a password). Every serve flag × every mode, through the built CLI and real requests.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { hashPassword } from '../../src/http/features/auth.js';
import { serveOptionSpecs } from '../../src/http/features/options.js';
import { startNats } from '../helpers/nats.js';
import type { NatsCluster } from '../helpers/nats.js';
import { cliPath } from '../helpers/up-process.js';

const ANN = { Authorization: `Basic ${Buffer.from('ann:pw').toString('base64')}` };

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection (self-signed certificates accepted), with the test's credentials unless `auth: false`. */
function request(base: string, p: string, o: { method?: string; headers?: Record<string, string>; body?: string; auth?: boolean } = {}): Promise<Reply> {
  const url = new URL(p, base);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { method: o.method ?? 'GET', headers: { ...(o.auth === false ? {} : ANN), ...o.headers }, agent: false, rejectUnauthorized: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.end(o.body);
  });
}

/** The first bytes of an event stream's answer (its status), then the stream is closed. */
function eventStreamStatus(base: string, p: string, auth: boolean): Promise<number> {
  const url = new URL(p, base);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, { headers: auth ? ANN : {}, agent: false, rejectUnauthorized: false });
    req.on('error', reject);
    req.on('response', (res) => {
      resolve(res.statusCode ?? 0);
      res.destroy();
    });
    req.end();
  });
}

interface Running {
  base: string;
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
}

async function start(args: string[], env: NodeJS.ProcessEnv): Promise<Running> {
  const child = spawn(process.execPath, [cliPath, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit');
  let m: RegExpExecArray | null = null;
  while ((m = /^listening (https?) (\S+)$/m.exec(out)) === null) {
    const r = await Promise.race([once(child.stdout, 'data'), exit.then(() => 'exit' as const)]);
    if (r === 'exit') throw new Error(`${args.join(' ')} exited early: ${err}`);
  }
  return {
    base: m[2]!,
    stdout: () => out,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exit;
    },
  };
}

/** Waits for `re` in a growing text (log lines are flushed on a timer the test cannot await). */
async function eventually(read: () => string, re: RegExp): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!re.test(read())) {
    if (Date.now() > deadline) assert.fail(`never saw ${re} in: ${read().slice(-400)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let tmp: string;
let site: string;
let nats: NatsCluster;
let upstream: http.Server;
let upstreamUrl: string;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'muxd-matrix-'));
  site = path.join(tmp, 'site');
  await mkdir(path.join(site, 'sub'), { recursive: true });
  await writeFile(path.join(site, 'home.html'), '<html><body><p>home</p></body></html>');
  await writeFile(path.join(site, 'index.html'), '<html><body><p>index</p></body></html>');
  await writeFile(path.join(site, 'file.txt'), 'x'.repeat(4000));
  await writeFile(path.join(site, '.hidden'), 'dot');
  await writeFile(path.join(site, 'sub', 'f.txt'), 'f');
  upstream = http.createServer((req, res) => res.end(`upstream ${req.url}`));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  nats = await startNats();
});
after(async () => {
  upstream.closeAllConnections();
  upstream.close();
  await nats.stop();
  await rm(tmp, { recursive: true, force: true });
});

type Mode = 'serve' | 'serve --workers 2' | 'serve --tls auto' | 'up' | 'up --sink nats' | 'up --sink nats --no-collect';
const MODES: Mode[] = ['serve', 'serve --workers 2', 'serve --tls auto', 'up', 'up --sink nats', 'up --sink nats --no-collect'];

function modeArgs(mode: Mode, n: number): string[] {
  const journal = ['--journal', path.join(tmp, `j-${n}.jsonl`), '--collect-port', '0', '--no-stdin'];
  switch (mode) {
    case 'serve':
      return ['serve', site];
    case 'serve --workers 2':
      return ['serve', site, '--workers', '2'];
    case 'serve --tls auto':
      return ['serve', site, '--tls', 'auto'];
    case 'up':
      return ['up', site, ...journal];
    case 'up --sink nats':
      return ['up', site, ...journal, '--sink', nats.url, '--collector-id', `m${n}`];
    case 'up --sink nats --no-collect':
      return ['up', site, '--sink', nats.url, '--no-collect'];
  }
}

/**
 * Every serve flag, with the process it is probed in: `a` (most flags at once), `b` (`--watch` needs `--cache 0`,
 * and `--spa`, `--qr`, `--open`), or `mode` (it defines a mode or the listener every probe uses).
 */
const PROBED: Record<string, 'a' | 'b' | 'mode'> = {
  host: 'mode', port: 'mode', 'tls-cert': 'mode', 'tls-key': 'mode', tls: 'mode',
  'allowed-hosts': 'a', log: 'a', listing: 'a', cors: 'a', cache: 'a', dotfiles: 'a', 'max-conns': 'a', index: 'a',
  'no-compress': 'a', 'max-ranges': 'a', 'max-header-size': 'a', 'headers-timeout': 'a', 'request-timeout': 'a',
  'keep-alive-timeout': 'a', proxy: 'a', 'proxy-timeout': 'a', header: 'a', auth: 'a', 'auth-file': 'b',
  'allow-insecure-auth': 'a', upload: 'a', 'max-upload': 'a', overwrite: 'a',
  watch: 'b', spa: 'b', qr: 'b', open: 'b', admin: 'b', 'access-log': 'b',
};

test('every serve flag has a probe in this matrix', () => {
  assert.deepEqual(Object.keys(serveOptionSpecs).filter((f) => PROBED[f] === undefined), []);
});

const FLAGS_A = [
  '--port', '0', '--log', 'json', '--allowed-hosts', 'ok.example', '--listing', '--cors=https://a.example', '--cache', '7',
  '--dotfiles', 'allow', '--max-conns', '50', '--index', 'home.html', '--no-compress', '--max-ranges', '1',
  '--max-header-size', '2048', '--headers-timeout', '5000', '--request-timeout', '6000', '--keep-alive-timeout', '1000',
  '--header', 'X-Matrix: 1', '--auth', 'ann:pw', '--allow-insecure-auth', '--upload', '--max-upload', '10', '--overwrite',
];

let n = 0;
for (const mode of MODES) {
  test(`${mode}: the flags of set A each take effect, and auth guards every route`, { timeout: 60_000 }, async () => {
    const i = n++;
    const cache = path.join(tmp, 'xdg');
    const s = await start([...modeArgs(mode, i), ...FLAGS_A, '--proxy', `/api=${upstreamUrl}`, '--proxy-timeout', '2000'], { XDG_CACHE_HOME: cache });
    try {
      const up = mode.startsWith('up');
      // --auth on every route, /_muxd/* and the event stream included.
      const routes = ['/', '/file.txt', '/sub/', '/api/x', '/nope', ...(up ? ['/_muxd/', '/_muxd/app.js', '/_muxd/journal', '/_muxd/health', '/_muxd/metrics'] : [])];
      for (const r of routes) assert.equal((await request(s.base, r, { auth: false })).status, 401, `${mode} ${r} without credentials`);
      for (const r of ['/_muxd/messages', '/_muxd/session']) if (up) assert.equal((await request(s.base, r, { method: 'POST', auth: false, body: 'x' })).status, 401, r);
      if (up) {
        assert.equal(await eventStreamStatus(s.base, '/_muxd/events', false), 401);
        assert.equal(await eventStreamStatus(s.base, '/_muxd/events', true), 200);
        assert.equal((await request(s.base, '/_muxd/health')).status, 200);
      }
      // --index, --header, --cache, --cors, --no-compress
      const home = await request(s.base, '/');
      assert.match(home.body, /home/, '--index');
      const file = await request(s.base, '/file.txt', { headers: { Origin: 'https://a.example', 'Accept-Encoding': 'gzip' } });
      assert.equal(file.status, 200);
      assert.equal(file.headers['x-matrix'], '1', '--header');
      assert.match(file.headers['cache-control'] ?? '', /max-age=7/, '--cache');
      assert.equal(file.headers['access-control-allow-origin'], 'https://a.example', '--cors');
      assert.equal(file.headers['content-encoding'], undefined, '--no-compress');
      // --listing, --dotfiles allow, --max-ranges 1
      assert.match((await request(s.base, '/sub/')).body, /f\.txt/, '--listing');
      assert.equal((await request(s.base, '/.hidden')).body, 'dot', '--dotfiles allow');
      assert.equal((await request(s.base, '/file.txt', { headers: { Range: 'bytes=0-1,5-6' } })).status, 416, '--max-ranges');
      // --max-header-size
      assert.equal((await request(s.base, '/file.txt', { headers: { 'X-Big': 'y'.repeat(3000) } })).status, 431, '--max-header-size');
      // --allowed-hosts
      assert.equal((await request(s.base, '/file.txt', { headers: { Host: 'evil.example' } })).status, 403, 'a Host not allowed');
      assert.equal((await request(s.base, '/file.txt', { headers: { Host: 'ok.example' } })).status, 200, '--allowed-hosts');
      // --proxy (behind /_muxd/ in up)
      assert.equal((await request(s.base, '/api/x')).body, 'upstream /api/x', '--proxy');
      // --upload, --max-upload, --overwrite
      assert.equal((await request(s.base, '/u.txt', { method: 'PUT', body: 'hello' })).status, 201, '--upload');
      assert.equal((await request(s.base, '/u.txt', { method: 'PUT', body: 'again' })).status, 200, '--overwrite');
      assert.equal((await request(s.base, '/big.txt', { method: 'PUT', body: 'z'.repeat(20) })).status, 413, '--max-upload');
      // --log json: the access log on stdout, with byte counts.
      await eventually(s.stdout, /"url":"\/file\.txt","protocol":"HTTP\/[12](?:\.[01])?","status":200,"bytes":4000/);
      // Accepted in every mode; their effects are pinned by their own tests (timeouts, connection cap).
    } finally {
      await s.stop();
      await rm(path.join(site, 'u.txt'), { force: true });
    }
  });

  test(`${mode}: the flags of set B (--watch, --spa, --qr, --open, --auth-file) each take effect`, { timeout: 60_000 }, async () => {
    const i = n++;
    const authFile = path.join(tmp, 'users');
    await writeFile(authFile, `ann:${await hashPassword('pw')}\n`);
    // --admin is refused with --workers (each worker counts alone): pinned by its own test below.
    const admin = mode === 'serve --workers 2' ? [] : ['--admin', '127.0.0.1:0'];
    const accessLog = path.join(tmp, `access-${i}.log`);
    const args = [...modeArgs(mode, i), '--port', '0', '--log', 'common', '--access-log', accessLog, '--watch', '--spa', '--qr', '--open', '--auth-file', authFile, '--allow-insecure-auth', ...admin];
    const s = await start(args, { XDG_CACHE_HOME: path.join(tmp, 'xdg'), PATH: path.join(tmp, 'no-bin') });
    try {
      assert.equal((await request(s.base, '/home.html', { auth: false })).status, 401, '--auth-file');
      const page = await request(s.base, '/home.html');
      assert.match(page.body, /<script src="\/_muxd\/reload\.js"><\/script>/, '--watch');
      assert.equal((await request(s.base, '/_muxd/reload.js')).status, 200, '--watch script');
      const spa = await request(s.base, '/deep/route', { headers: { Accept: 'text/html' } });
      assert.equal(spa.status, 200, '--spa');
      assert.match(spa.body, /index/, '--spa answers with index.html');
      await eventually(s.stderr, /--qr/);
      await eventually(s.stderr, /--open:/);
      // --access-log: the lines go to the file, not to stdout.
      await eventually(() => readFileSync(accessLog, 'utf8'), /"GET \/home\.html HTTP\/[12](?:\.[01])?" 200 /);
      assert.doesNotMatch(s.stdout(), /GET \/home\.html/, '--access-log keeps the access log off stdout');
      if (admin.length > 0) {
        // --admin: its own port, the same counters, no credentials needed (it is off by default and loopback).
        await eventually(s.stdout, /^listening admin http:\/\/127\.0\.0\.1:\d+$/m);
        const adminUrl = /^listening admin (\S+)$/m.exec(s.stdout())![1]!;
        const metrics = await request(adminUrl, '/metrics', { auth: false });
        assert.equal(metrics.status, 200, '--admin /metrics');
        assert.match(metrics.body, /^muxd_http_requests_by_class_total\{class="2xx"\} [1-9]/m, '--admin counts the requests above');
        // Regression: up counted responses in its /_muxd/ routes, behind --auth, so the 401 above was missing from its
        // metrics while serve's counted it; every mode now counts in the builder's first layer.
        assert.match(metrics.body, /^muxd_http_requests_total\{status="401"\} [1-9]/m, `${mode}: --admin counts the 401 from --auth-file`);
        assert.match(metrics.body, /^muxd_http_requests_by_class_total\{class="4xx"\} [1-9]/m, `${mode}: and its class`);
        assert.equal((await request(adminUrl, '/health', { auth: false })).status, 200, '--admin /health');
      }
    } finally {
      await s.stop();
    }
  });
}

test('serve --workers 2 --admin is a usage error naming --admin (each worker would count alone)', async () => {
  const child = spawn(process.execPath, [cliPath, 'serve', site, '--workers', '2', '--admin', '127.0.0.1:0', '--port', '0'], { stdio: 'pipe' });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = (await once(child, 'exit')) as [number];
  assert.equal(code, 2);
  assert.match(err, /--admin cannot be used with --workers/);
});
