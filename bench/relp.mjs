// RELP throughput (issue 9): rsyslog omrelp → muxd --relp-port against rsyslog omrelp → rsyslog imrelp → omfile, same messages.
// The receiver runs on CPU 0; the sending rsyslog (imtcp → omrelp, window 128) and the line feeder on CPU 1.
// Timed from the first line fed to the sending rsyslog until every message is in the receiver's file.
// Run by bench/collect.mjs (skip it with --skip relp), or alone: node bench/relp.mjs [--messages 100000] [--size 150]
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function portOpen(port) {
  for (let i = 0; i < 150; i++) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1'); s.on('connect', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

function countLines(file) {
  let b;
  try { b = fs.readFileSync(file); } catch { return 0; }
  let c = 0;
  for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) c++;
  return c;
}

function rsyslog(rsRoot, dir, name, conf, cpu) {
  const file = `${dir}/${name}.conf`;
  fs.writeFileSync(file, conf);
  const log = fs.openSync(`${dir}/${name}.log`, 'w');
  return spawn('taskset', ['-c', cpu, `${rsRoot}/usr/sbin/rsyslogd`, '-n', '-f', file, '-i', `${dir}/${name}.pid`, '-M', `${rsRoot}/usr/lib/x86_64-linux-gnu/rsyslog`], { stdio: ['ignore', log, log] });
}

async function stop(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await Promise.race([once(child, 'exit'), sleep(5000)]);
  child.kill('SIGKILL');
}

/** One run: `receiver` is 'muxd' (with extra flags) or 'rsyslog-imrelp'. */
async function run({ name, receiver, extra = [], messages, size, rsRoot, cli, cache, port }) {
  const dir = fs.mkdtempSync(`${cache}/relp-bench-`);
  const out = `${dir}/journal`;
  const procs = [];
  const row = { name, rate: NaN, landed: 0, total: messages, note: '' };
  try {
    if (receiver === 'muxd') {
      const log = fs.openSync(`${dir}/muxd.log`, 'w');
      procs.push(spawn('taskset', ['-c', '0', process.execPath, cli, 'collect', '--port', '0', '--relp-port', String(port), '--no-stdin', '--journal', out, ...extra], { stdio: ['ignore', log, log] }));
    } else {
      procs.push(rsyslog(rsRoot, dir, 'receiver', [
        `global(workDirectory="${dir}" maxMessageSize="64k")`,
        'module(load="imrelp")',
        'template(name="raw" type="string" string="%rawmsg%\\n")',
        `input(type="imrelp" port="${port}" address="127.0.0.1" ruleset="toFile")`,
        `ruleset(name="toFile") { action(type="omfile" file="${out}" template="raw" asyncWriting="on" ioBufferSize="256k" flushOnTXEnd="on") }`,
        '',
      ].join('\n'), '0'));
    }
    if (!(await portOpen(port))) {
      const log = fs.readdirSync(dir).filter((f) => f.endsWith('.log')).map((f) => fs.readFileSync(`${dir}/${f}`, 'utf8')).join(' ').trim();
      row.note = `receiver did not start: ${log.slice(0, 200)}`;
      return row;
    }
    procs.push(rsyslog(rsRoot, dir, 'sender', [
      `global(workDirectory="${dir}" maxMessageSize="64k")`,
      'module(load="imtcp")',
      'module(load="omrelp")',
      `input(type="imtcp" port="0" address="127.0.0.1" listenPortFileName="${dir}/imtcp.port")`,
      `*.* action(type="omrelp" target="127.0.0.1" port="${port}" action.resumeRetryCount="-1" action.resumeInterval="1"`,
      `  queue.type="LinkedList" queue.size="${messages * 2}" queue.dequeueBatchSize="128")`,
      '',
    ].join('\n'), '1'));
    let inPort = 0;
    for (let i = 0; i < 150 && !inPort; i++) { try { inPort = Number(fs.readFileSync(`${dir}/imtcp.port`, 'utf8')) || 0; } catch { /* not yet */ } if (!inPort) await sleep(100); }
    if (!inPort) { row.note = 'sender did not start'; return row; }
    // RFC 5424 lines of about `size` bytes, each unique.
    const pad = 'x'.repeat(Math.max(0, size - 60));
    const t0 = performance.now();
    const sock = net.connect(inPort, '127.0.0.1');
    await once(sock, 'connect');
    let chunk = '';
    for (let i = 0; i < messages; i++) {
      chunk += `<13>1 2026-01-01T00:00:00Z bench app - - - m${i} ${pad}\n`;
      if (chunk.length > 65536) { if (!sock.write(chunk)) await once(sock, 'drain'); chunk = ''; }
    }
    sock.end(chunk);
    let last = -1, stall = 0;
    for (;;) {
      row.landed = countLines(out);
      if (row.landed >= messages) break;
      if (row.landed === last && ++stall >= 250) { row.note = 'stalled'; break; }
      if (row.landed !== last) stall = 0;
      last = row.landed;
      await sleep(20);
    }
    row.rate = row.landed / ((performance.now() - t0) / 1000);
    return row;
  } finally {
    for (const p of procs.reverse()) await stop(p);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs both receivers (plus muxd --sync none) and prints one table. */
export async function relpBench({ messages = 100_000, size = 150, cli = path.join(root, 'dist/cli/main.js'), cache = process.env.MUXD_BENCH_CACHE ?? '/tmp/muxd-bench' } = {}) {
  fs.mkdirSync(cache, { recursive: true });
  const rsRoot = execFileSync('bash', [path.join(root, 'test/helpers/rsyslog-relp.sh')], { encoding: 'utf8' }).trim().split('\n').pop();
  let port = 33000 + Math.floor(Math.random() * 2000);
  const common = { messages, size, rsRoot, cli, cache };
  const rows = [];
  rows.push(await run({ ...common, name: 'rsyslog imrelp', receiver: 'rsyslog-imrelp', port: port++ }));
  rows.push(await run({ ...common, name: 'muxd --relp-port', receiver: 'muxd', port: port++ }));
  rows.push(await run({ ...common, name: 'muxd --sync none', receiver: 'muxd', extra: ['--sync', 'none'], port: port++ }));
  const ref = rows[0].rate;
  console.log(`\nRELP: rsyslog imtcp → omrelp (window 128) → receiver, ${messages} messages × ~${size} B, timed until all landed`);
  console.log('  rsyslog imrelp answers rsp 200 on receipt (omfile, no fsync); muxd answers after the fdatasync (--sync none: after write)');
  console.log(['receiver', 'msgs/s', 'x_imrelp', 'landed'].map((s, i) => (i ? s.padStart(12) : s.padEnd(20))).join(''));
  for (const r of rows) {
    console.log([r.name.padEnd(20), (Number.isFinite(r.rate) ? r.rate.toFixed(0) : '-').padStart(12), (Number.isFinite(r.rate / ref) ? (r.rate / ref).toFixed(2) : '-').padStart(12),
      `${r.landed}/${r.total}`.padStart(16), r.note ? `  (${r.note})` : ''].join(''));
  }
  return rows;
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  const { values } = parseArgs({ options: { messages: { type: 'string', default: '100000' }, size: { type: 'string', default: '150' } } });
  await relpBench({ messages: Number(values.messages), size: Number(values.size) });
}
