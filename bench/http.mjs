#!/usr/bin/env node
// `npm run bench:http`: muxd serve next to nginx (1 worker, sendfile, no access log) on one docroot; prints ratios.
//   node bench/http.mjs [--seconds 5] [--rounds 1] [--warmup 0] [--only h1,h2,features,workers]
// Features: --header (two headers), --auth (basic, every request authenticated) and --watch (on a non-HTML file)
// against the same serve with none of them, on the same requests.
// Servers run on CPU 0, wrk and h2load on CPU 1. HTTP/2 over TLS: h2load -n 16000 -c 16 -m 10 on a 3-byte index.html
// and -n 100 -c 4 on the 10 MiB file, nginx with `listen ssl http2` and the same certificate (test/fixtures/http).
// Workers: wrk against --workers 1 and --workers 2. Needs nginx and wrk (setup.sh) and h2load
// (`apt-get install nghttp2-client`; the HTTP/2 rows are skipped without it). --warmup N loads every server (nginx too) for N seconds before measuring,
// which lets V8 optimise muxd's hot path; the default (0) measures cold, like ../shared/bench/anchors.mjs. Needs nginx and wrk (../shared/bench/setup.sh installs them).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const shared = process.env.MUXD_SHARED ?? path.resolve(repo, '../shared/bench');
const { values: o } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '1' }, warmup: { type: 'string', default: '0' }, only: { type: 'string', default: 'h1,h2,features,workers' } } });
const parts = new Set(o.only.split(','));
try {
  execFileSync('h2load', ['--version'], { stdio: 'ignore' });
} catch {
  console.log('h2load not found: skipping the HTTP/2 rows (../shared/bench/setup.sh, or apt-get install -y nghttp2-client)');
  parts.delete('h2');
}
const cli = path.join(repo, 'dist/cli/main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'muxd-bench-http-'));
const docroot = process.env.MUXD_BENCH_DOCROOT ?? path.join(os.tmpdir(), 'muxd-bench-docroot');
execFileSync('bash', [path.join(shared, 'make-docroot.sh'), docroot], { stdio: 'inherit' });
// The HTTP/2 docroot of the issue's measurement: a 3-byte index.html, and the 10 MiB file.
// nginx's worker (nobody) must be able to enter the private temp folder.
fs.chmodSync(work, 0o755);
const h2root = path.join(work, 'h2root');
fs.mkdirSync(h2root);
fs.writeFileSync(path.join(h2root, 'index.html'), 'hi\n');
fs.copyFileSync(path.join(docroot, 'big.bin'), path.join(h2root, 'big.bin'));
const cert = path.join(repo, 'test/fixtures/http/cert.pem');
const key = path.join(repo, 'test/fixtures/http/key.pem');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
async function waitPort(port) {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.on('connect', () => (s.destroy(), r(true)));
      s.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`nothing listening on ${port}`);
}

function nginxConf(port, tls = false) {
  const conf = path.join(work, `nginx-${port}.conf`);
  fs.writeFileSync(conf, `worker_processes 1;
daemon off;
pid ${work}/nginx-${port}.pid;
error_log ${work}/nginx.err;
events { worker_connections 20000; }
http {
  access_log off;
  sendfile on; tcp_nopush on;
  include /etc/nginx/mime.types;
  client_body_temp_path ${work}/body; proxy_temp_path ${work}/proxy; fastcgi_temp_path ${work}/fcgi; uwsgi_temp_path ${work}/uwsgi; scgi_temp_path ${work}/scgi;
  keepalive_requests 1000000;
  server { ${tls ? `listen 127.0.0.1:${port} ssl http2; ssl_certificate ${cert}; ssl_certificate_key ${key}; root ${h2root};` : `listen 127.0.0.1:${port}; root ${docroot};`} }
}
`);
  return conf;
}

const servers = {
  nginx: (port) => ['nginx', ['-c', nginxConf(port)]],
  'muxd --log off': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off']],
  'muxd --log common': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'common']],
  'nginx h2': (port) => ['nginx', ['-c', nginxConf(port, true)]],
  'muxd h2 --log off': (port) => ['node', [cli, 'serve', h2root, '--port', String(port), '--log', 'off', '--tls-cert', cert, '--tls-key', key]],
  // The default access log over HTTP/2 (issue 18 item 6: the fast path now serves logged requests too), written to the run log.
  'muxd h2 --log common': (port) => ['node', [cli, 'serve', h2root, '--port', String(port), '--log', 'common', '--tls-cert', cert, '--tls-key', key]],
  'muxd --header ×2': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off', '--header', 'X-Frame-Options: DENY', '--header', 'Cache-Control: max-age=60']],
  'muxd --auth': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off', '--auth', 'bench:s3cret']],
  'muxd --watch': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off', '--watch']],
  'muxd --workers 1': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off', '--workers', '1']],
  'muxd --workers 2': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off', '--workers', '2']],
  'muxd --workers 1 (CPUs 0-1)': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off', '--workers', '1'], '0,1'],
  'muxd --workers 2 (CPUs 0-1)': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off', '--workers', '2'], '0,1'],
};

async function withServer(name, fn) {
  const port = await freePort();
  const [cmd, args, cpus = '0'] = servers[name](port);
  const logFile = fs.openSync(path.join(work, `${name.replace(/\W+/g, '_')}.out`), 'w');
  const child = spawn('taskset', ['-c', cpus, cmd, ...args], { stdio: ['ignore', logFile, logFile] });
  try {
    await waitPort(port);
    return await fn(port);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
    fs.closeSync(logFile);
  }
}

function unit(v, u) {
  const n = Number(v);
  const scale = { us: 1e-3, ms: 1, s: 1000, B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[u];
  return n * scale;
}

function wrk(port, pathname, conns, headers = []) {
  const h = headers.flatMap((x) => ['-H', x]);
  if (Number(o.warmup) > 0) {
    execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${o.warmup}s`, ...h, `http://127.0.0.1:${port}${pathname}`]);
  }
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${o.seconds}s`, '--latency', ...h, `http://127.0.0.1:${port}${pathname}`]).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const tr = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(out);
  const p99 = /99%\s+([\d.]+)(\w+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, mibs: tr ? unit(tr[1], tr[2]) : NaN, p99: p99 ? unit(p99[1], p99[2]) : NaN, non2xx };
}

/** h2load over TLS (HTTP/2 only); `mibs` from its traffic line. */
function h2load(port, pathname, args) {
  const run = () => execFileSync('taskset', ['-c', '1', 'h2load', ...args, `https://127.0.0.1:${port}${pathname}`]).toString();
  if (Number(o.warmup) > 0) run();
  const out = run();
  const m = /finished in ([\d.]+)(m?s), ([\d.]+) req\/s, ([\d.]+)([KMG]?B)\/s/.exec(out);
  const total = Number(/requests: (\d+) total/.exec(out)?.[1] ?? 0);
  const ok = Number(/status codes: (\d+) 2xx/.exec(out)?.[1] ?? 0);
  if (m === null) throw new Error(out);
  const mibs = Number(m[4]) * { B: 1 / 1048576, KB: 1 / 1024, MB: 1, GB: 1024 }[m[5]];
  return { rps: Number(m[3]), mibs, p99: NaN, non2xx: total - ok };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const load = { wrk: (c) => (port) => wrk(port, c.path, c.conns, c.headers), h2: (c) => (port) => h2load(port, c.path, c.h2args) };
const cases = [
  { part: 'h1', label: '1 KiB /, 64 conns', path: '/', conns: 64, names: ['nginx', 'muxd --log off', 'muxd --log common'], base: 'nginx' },
  { part: 'h1', label: '10 MiB file, 4 conns', path: '/big.bin', conns: 4, names: ['nginx', 'muxd --log off'], base: 'nginx' },
  { part: 'h2', label: 'h2 3 B /, 16×10 str', path: '/', h2args: ['-n', '16000', '-c', '16', '-m', '10'], names: ['nginx h2', 'muxd h2 --log off', 'muxd h2 --log common'], base: 'nginx h2' },
  { part: 'h2', label: 'h2 10 MiB, 4 conns', path: '/big.bin', h2args: ['-n', '100', '-c', '4', '-m', '1'], names: ['nginx h2', 'muxd h2 --log off'], base: 'nginx h2' },
  // Every server of a features case gets the same request (the Authorization header too), so only the feature differs.
  { part: 'features', label: 'features 1 KiB /', path: '/', conns: 64, headers: [`Authorization: Basic ${Buffer.from('bench:s3cret').toString('base64')}`], names: ['muxd --log off', 'muxd --header ×2', 'muxd --auth'], base: 'muxd --log off' },
  { part: 'features', label: 'watch, non-HTML', path: '/app.js', conns: 64, names: ['muxd --log off', 'muxd --watch'], base: 'muxd --log off' },
  { part: 'workers', label: 'workers, CPU 0', path: '/', conns: 64, names: ['muxd --workers 1', 'muxd --workers 2'], base: 'muxd --workers 1' },
  { part: 'workers', label: 'workers, CPUs 0-1', path: '/', conns: 64, names: ['muxd --workers 1 (CPUs 0-1)', 'muxd --workers 2 (CPUs 0-1)'], base: 'muxd --workers 1 (CPUs 0-1)' },
].filter((c) => parts.has(c.part));
const results = [];
for (const c of cases) {
  const runs = Object.fromEntries(c.names.map((n) => [n, []]));
  for (let r = 0; r < Number(o.rounds); r++) {
    for (const n of c.names) runs[n].push(await withServer(n, (c.h2args ? load.h2 : load.wrk)(c)));
  }
  for (const n of c.names) {
    const rs = runs[n];
    results.push({ case: c.label, base: c.base, server: n, rps: median(rs.map((x) => x.rps)), p99: median(rs.map((x) => x.p99)), mibs: median(rs.map((x) => x.mibs)), non2xx: rs.reduce((a, x) => a + x.non2xx, 0) });
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`\n${pad('case', 22)}${pad('server', 30)}${pad('req/s', 11)}${pad('p99 ms', 9)}${pad('MiB/s', 10)}${pad('rps×base', 11)}${pad('p99×base', 11)}MiB/s×base (base: nginx, or --workers 1)`);
for (const r of results) {
  const ng = results.find((x) => x.case === r.case && x.server === r.base);
  console.log(
    `${pad(r.case, 22)}${pad(r.server, 30)}${pad(r.rps.toFixed(0), 11)}${pad(r.p99.toFixed(2), 9)}${pad(r.mibs.toFixed(1), 10)}` +
      `${pad((r.rps / ng.rps).toFixed(2), 11)}${pad((r.p99 / ng.p99).toFixed(2), 11)}${(r.mibs / ng.mibs).toFixed(2)}${r.non2xx ? `  (${r.non2xx} non-2xx!)` : ''}`,
  );
}
const get = (c, s) => results.find((x) => x.case.startsWith(c) && x.server === s);
const ratio = (a, b, f = 'rps') => (a && b ? `${(a[f] / b[f]).toFixed(2)}×` : 'not run');
console.log(`\ntargets (${Number(o.warmup) > 0 ? `after a ${o.warmup} s warm-up of every server` : 'cold start'}):`);
console.log(`  small rps ≥ 1.0× nginx:            ${ratio(get('1 KiB', 'muxd --log off'), get('1 KiB', 'nginx'))}`);
console.log(`  small p99 ≤ 2× nginx:               ${ratio(get('1 KiB', 'muxd --log off'), get('1 KiB', 'nginx'), 'p99')}`);
console.log(`  10 MiB MiB/s ≥ 0.9× nginx:          ${ratio(get('10 MiB', 'muxd --log off'), get('10 MiB', 'nginx'), 'mibs')}`);
console.log(`  --log common ≥ 0.8× --log off:      ${ratio(get('1 KiB', 'muxd --log common'), get('1 KiB', 'muxd --log off'))}`);
console.log(`  h2 small rps ≥ 0.7× nginx:          ${ratio(get('h2 3 B', 'muxd h2 --log off'), get('h2 3 B', 'nginx h2'))}`);
console.log(`  h2 small, --log common ≥ 1.0× nginx: ${ratio(get('h2 3 B', 'muxd h2 --log common'), get('h2 3 B', 'nginx h2'))}`);
console.log(`  h2 10 MiB MiB/s ≥ 0.9× nginx:       ${ratio(get('h2 10 MiB', 'muxd h2 --log off'), get('h2 10 MiB', 'nginx h2'), 'mibs')}`);
console.log(`  --header ×2 ≥ 0.9× plain:            ${ratio(get('features', 'muxd --header ×2'), get('features', 'muxd --log off'))}`);
console.log(`  --auth ≥ 0.9× plain:                ${ratio(get('features', 'muxd --auth'), get('features', 'muxd --log off'))}`);
console.log(`  --watch on app.js ≈ 1.0× plain:     ${ratio(get('watch', 'muxd --watch'), get('watch', 'muxd --log off'))}`);
console.log(`  --workers 2 / --workers 1, CPU 0:   ${ratio(get('workers, CPU 0', 'muxd --workers 2'), get('workers, CPU 0', 'muxd --workers 1'))}`);
console.log(`  --workers 2 / --workers 1, CPU 0-1: ${ratio(get('workers, CPUs', 'muxd --workers 2 (CPUs 0-1)'), get('workers, CPUs', 'muxd --workers 1 (CPUs 0-1)'))}`);
if (parts.has('workers')) {
  console.log('  (2 cores, wrk needs one: pinned to CPU 0, two workers share one core, so no gain is possible; on CPUs 0-1 the');
  console.log('   second worker competes with wrk for CPU 1 and the cluster primary hands out connections, so a ratio near or');
  console.log('   under 1 says nothing about a machine where the load comes from elsewhere.)');
}
fs.rmSync(work, { recursive: true, force: true });
