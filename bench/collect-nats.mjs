#!/usr/bin/env node
// npm run bench:collect -- --sink nats — muxd with the file sink, with --sink nats R1 (one nats-server) and R3 (three local
// servers), and the bare per-message JetStream publisher (256 in flight) as the floor, in one run. Starts its own nats-servers.
//   node bench/collect-nats.mjs [--clients 16] [--messages 20000] [--size 100] [--window 64] [--publish 200000]
// The load is ../shared/bench/collect-load.mjs (acks on, window W per client). Servers on CPU 0, load on CPU 1.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const shared = path.resolve(root, '../shared/bench');
const cli = path.join(root, 'dist/cli/main.js');
const { values: o } = parseArgs({
  options: {
    sink: { type: 'string', default: 'nats' },
    clients: { type: 'string', default: '16' },
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '100' },
    window: { type: 'string', default: '64' },
    publish: { type: 'string', default: '200000' },
  },
});
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const taskset = (() => { try { execFileSync('taskset', ['-V'], { stdio: 'ignore' }); return os.cpus().length > 1; } catch { return false; } })();
const onCpu = (cpu, argv) => (taskset ? ['taskset', '-c', String(cpu), ...argv] : argv);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'muxd-bench-nats-'));
const children = [];

async function freePort() {
  const s = net.createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address();
  s.close();
  await once(s, 'close');
  return port;
}

/** Spawns argv and resolves once `ready` matches its stdout or stderr. */
async function start(argv, ready) {
  const [cmd, ...args] = argv;
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  await new Promise((resolve, reject) => {
    const on = (d) => { out += d; const m = ready.exec(out); if (m) resolve(m); };
    child.stdout.setEncoding('utf8').on('data', on);
    child.stderr.setEncoding('utf8').on('data', on);
    child.once('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
  return { child, out: () => out };
}

async function stop(p) {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const gone = once(p.child, 'exit');
  p.child.kill('SIGTERM');
  await gone;
}

async function natsServers(n) {
  const client = [];
  const route = [];
  for (let i = 0; i < n; i++) { client.push(await freePort()); route.push(await freePort()); }
  const routes = route.map((p) => `nats://127.0.0.1:${p}`).join(',');
  const servers = await Promise.all(client.map((p, i) => start(onCpu(0, ['nats-server', '-a', '127.0.0.1', '-p', String(p), '--server_name', `b${n}n${i}`, '-js', '-sd', path.join(tmp, `r${n}n${i}`),
    ...(n > 1 ? ['--cluster_name', `bench${n}`, '--cluster', `nats://127.0.0.1:${route[i]}`, '--routes', routes] : [])]), /Server is ready/)));
  const hostPorts = client.map((p) => `127.0.0.1:${p}`);
  // A fresh cluster places an R3 stream only once every peer is known; no event says when.
  const nc = await connect({ servers: hostPorts });
  for (const deadline = Date.now() + 20000; ;) {
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2000, checkAPI: false });
      await jsm.streams.add({ name: 'PROBE', subjects: ['probe.>'], num_replicas: n });
      await jsm.streams.delete('PROBE');
      break;
    } catch (err) { if (Date.now() > deadline) throw err; await new Promise((r) => setTimeout(r, 200)); }
  }
  await nc.close();
  return { servers, hostPorts, url: `nats://${hostPorts.join(',')}` };
}

async function load(port) {
  const child = spawn(onCpu(1, [process.execPath])[0], [...onCpu(1, [process.execPath]).slice(1), `${shared}/collect-load.mjs`, '--port', String(port), '--clients', o.clients, '--messages', o.messages, '--size', o.size, '--window', o.window], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
  await once(child, 'exit');
  return JSON.parse(out.trim().split('\n').pop());
}

async function muxdRow(name, extra) {
  const dir = fs.mkdtempSync(path.join(tmp, 'muxd-'));
  const srv = await start(onCpu(0, [process.execPath, cli, 'collect', '--port', '0', '--no-stdin', '--journal', path.join(dir, 'journal.jsonl'), ...extra]), /listening collect tcp:\/\/[^:]+:(\d+)/);
  const port = Number(/listening collect tcp:\/\/[^:]+:(\d+)/.exec(srv.out())[1]);
  try {
    const r = await load(port);
    return { name, rate: r.rate, p50: r.p50, p99: r.p99, note: `${r.messages} acked` };
  } finally { await stop(srv); }
}

/** The floor: one JetStream message per record, PubAck awaited for each, 256 in flight. */
async function barePublisher(hostPorts, total, size) {
  const nc = await connect({ servers: hostPorts });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: 'BARE', subjects: ['bare.>'] });
  const js = jetstream(nc);
  const payload = Buffer.alloc(size, 0x78);
  const lat = [];
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 256 }, async () => {
    while (sent < total) {
      sent++;
      const s = performance.now();
      await js.publish('bare.x', payload);
      if (sent % 16 === 0) lat.push(performance.now() - s);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  await nc.close();
  lat.sort((a, b) => a - b);
  const q = (p) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))];
  return { name: 'bare js.publish', rate: total / secs, p50: q(0.5), p99: q(0.99), note: `${total} msgs, 256 in flight, R1` };
}

const rows = [];
try {
  rows.push(await muxdRow('muxd file (default)', []));
  const one = await natsServers(1);
  rows.push(await muxdRow('muxd nats R1', ['--sink', one.url, '--collector-id', 'bench1']));
  rows.push(await barePublisher(one.hostPorts, Number(o.publish), Number(o.size)));
  for (const s of one.servers) await stop(s);
  const three = await natsServers(3);
  rows.push(await muxdRow('muxd nats R3', ['--sink', three.url, '--nats-replicas', '3', '--collector-id', 'bench3']));
  for (const s of three.servers) await stop(s);
} finally {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
}
const file = rows[0].rate;
const bare = rows.find((r) => r.name === 'bare js.publish')?.rate ?? NaN;
const targets = { 'muxd nats R1': 'x_file>=0.8, x_bare>=10, p99<=20ms', 'muxd nats R3': 'x_file>=0.5, x_bare>=10, p99<=20ms' };
console.log(`\ncollect --sink nats: ${o.clients} clients x ${o.messages} messages x ${o.size} B, window ${o.window}, acks on${taskset ? '' : ' (no taskset: servers and load share CPUs)'}`);
console.log(['sink', 'msgs/s', 'x_file', 'x_bare', 'p50_ms', 'p99_ms', 'target'].map((s, i) => (i ? s.padStart(10) : s.padEnd(20))).join(''));
for (const r of rows) {
  console.log([r.name.padEnd(20), f(r.rate).padStart(10), f(r.rate / file, 2).padStart(10), f(r.rate / bare, 1).padStart(10), f(r.p50, 2).padStart(10), f(r.p99, 2).padStart(10),
    `  ${targets[r.name] ?? ''} (${r.note})`].join(''));
}
