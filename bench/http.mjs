#!/usr/bin/env node
// `npm run bench:http`: muxd serve next to nginx (1 worker, sendfile, no access log) on one docroot; prints ratios.
//   node bench/http.mjs [--seconds 5] [--rounds 1] [--warmup 0]
// Servers run on CPU 0, wrk on CPU 1. --warmup N loads every server (nginx too) for N seconds before measuring,
// which lets V8 optimise muxd's hot path; the default (0) measures cold, like ../shared/bench/anchors.mjs. Needs nginx and wrk (../shared/bench/setup.sh installs them).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const shared = process.env.MUXD_SHARED ?? path.resolve(repo, '../shared/bench');
const { values: o } = parseArgs({ options: { seconds: { type: 'string', default: '5' }, rounds: { type: 'string', default: '1' }, warmup: { type: 'string', default: '0' } } });
const cli = path.join(repo, 'dist/cli/main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'muxd-bench-http-'));
const docroot = process.env.MUXD_BENCH_DOCROOT ?? path.join(os.tmpdir(), 'muxd-bench-docroot');
execFileSync('bash', [path.join(shared, 'make-docroot.sh'), docroot], { stdio: 'inherit' });

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

function nginxConf(port) {
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
  server { listen 127.0.0.1:${port}; root ${docroot}; }
}
`);
  return conf;
}

const servers = {
  nginx: (port) => ['nginx', ['-c', nginxConf(port)]],
  'muxd --log off': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'off']],
  'muxd --log common': (port) => ['node', [cli, 'serve', docroot, '--port', String(port), '--log', 'common']],
};

async function withServer(name, fn) {
  const port = await freePort();
  const [cmd, args] = servers[name](port);
  const logFile = fs.openSync(path.join(work, `${name.replace(/\W+/g, '_')}.out`), 'w');
  const child = spawn('taskset', ['-c', '0', cmd, ...args], { stdio: ['ignore', logFile, logFile] });
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

function wrk(port, pathname, conns) {
  if (Number(o.warmup) > 0) {
    execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${o.warmup}s`, `http://127.0.0.1:${port}${pathname}`]);
  }
  const out = execFileSync('taskset', ['-c', '1', 'wrk', '-t1', `-c${conns}`, `-d${o.seconds}s`, '--latency', `http://127.0.0.1:${port}${pathname}`]).toString();
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const tr = /Transfer\/sec:\s+([\d.]+)(\w+)/.exec(out);
  const p99 = /99%\s+([\d.]+)(\w+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return { rps, mibs: tr ? unit(tr[1], tr[2]) : NaN, p99: p99 ? unit(p99[1], p99[2]) : NaN, non2xx };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const cases = [
  { label: '1 KiB /, 64 conns', path: '/', conns: 64, names: ['nginx', 'muxd --log off', 'muxd --log common'] },
  { label: '10 MiB file, 4 conns', path: '/big.bin', conns: 4, names: ['nginx', 'muxd --log off'] },
];
const results = [];
for (const c of cases) {
  const runs = Object.fromEntries(c.names.map((n) => [n, []]));
  for (let r = 0; r < Number(o.rounds); r++) {
    for (const n of c.names) runs[n].push(await withServer(n, (port) => wrk(port, c.path, c.conns)));
  }
  for (const n of c.names) {
    const rs = runs[n];
    results.push({ case: c.label, server: n, rps: median(rs.map((x) => x.rps)), p99: median(rs.map((x) => x.p99)), mibs: median(rs.map((x) => x.mibs)), non2xx: rs.reduce((a, x) => a + x.non2xx, 0) });
  }
}

const pad = (s, n) => String(s).padEnd(n);
console.log(`\n${pad('case', 22)}${pad('server', 20)}${pad('req/s', 11)}${pad('p99 ms', 9)}${pad('MiB/s', 10)}${pad('rps×nginx', 11)}${pad('p99×nginx', 11)}MiB/s×nginx`);
for (const r of results) {
  const ng = results.find((x) => x.case === r.case && x.server === 'nginx');
  console.log(
    `${pad(r.case, 22)}${pad(r.server, 20)}${pad(r.rps.toFixed(0), 11)}${pad(r.p99.toFixed(2), 9)}${pad(r.mibs.toFixed(1), 10)}` +
      `${pad((r.rps / ng.rps).toFixed(2), 11)}${pad((r.p99 / ng.p99).toFixed(2), 11)}${(r.mibs / ng.mibs).toFixed(2)}${r.non2xx ? `  (${r.non2xx} non-2xx!)` : ''}`,
  );
}
const get = (c, s) => results.find((x) => x.case.startsWith(c) && x.server === s);
const small = get('1 KiB', 'muxd --log off');
const smallNg = get('1 KiB', 'nginx');
const logged = get('1 KiB', 'muxd --log common');
const big = get('10 MiB', 'muxd --log off');
const bigNg = get('10 MiB', 'nginx');
console.log(`\ntargets (${Number(o.warmup) > 0 ? `after a ${o.warmup} s warm-up of every server` : 'cold start'}):`);
console.log(`  small rps ≥ 1.0× nginx:        ${(small.rps / smallNg.rps).toFixed(2)}×`);
console.log(`  small p99 ≤ 2× nginx:           ${(small.p99 / smallNg.p99).toFixed(2)}×`);
console.log(`  10 MiB MiB/s ≥ 0.9× nginx:      ${(big.mibs / bigNg.mibs).toFixed(2)}×`);
console.log(`  --log common ≥ 0.8× --log off:  ${(logged.rps / small.rps).toFixed(2)}×`);
fs.rmSync(work, { recursive: true, force: true });
