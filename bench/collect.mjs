#!/usr/bin/env node
// npm run bench:collect — muxd collect (default, --sync none, --ack off) against rsyslog imtcp→omfile in one run,
// plus 10,000 clients × 3 messages (time to all acked, peak RSS) and fairness (paced clients' p99 next to a flooder).
// Servers run on CPU 0, load on CPU 1. Needs ../shared/bench/setup.sh run once (private rsyslog in /tmp/muxd-bench).
//   node bench/collect.mjs [--clients 16] [--messages 20000] [--size 100] [--window 64] [--fair-runs 5]
//     [--skip rsyslog,ceiling,default,none,ackoff,ackoff-none,many,fair,relp,syslog]
//   node bench/collect.mjs --scenario tiny-flood [--conns 500] [--kib 512]   (issue 7 §5: peak RSS under a flood of "a\n")
//   node bench/collect.mjs --scenario syslog [--clients 16] [--messages 20000]   (issues 9, 14: octet-counted RFC 5424, ~150 B,
//     fire and forget into muxd collect --syslog-port against rsyslog imtcp → omfile writing its parsed fields as a JSON line;
//     also printed at the end of the default run unless --skip syslog)
//   RELP row (bench/relp.mjs): rsyslog omrelp → muxd --relp-port against rsyslog omrelp → imrelp, 100,000 messages; --skip relp.
//   --cli PATH runs another build's dist/cli/main.js (e.g. the code before a change), for before/after numbers.
import { spawn, execFileSync } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { setInterval, clearInterval, setImmediate } from 'node:timers';
import { parseArgs } from 'node:util';

// --sink nats: the JetStream scenario lives in its own file (issue 10).
if (process.argv.includes('--sink')) await import('./collect-nats.mjs').then(() => process.exit(0));
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(here, '..');
const shared = path.resolve(root, '../shared/bench');
const cliDefault = path.join(root, 'dist/cli/main.js');
const cache = process.env.MUXD_BENCH_CACHE ?? '/tmp/muxd-bench';
const { values: o } = parseArgs({
  options: {
    clients: { type: 'string', default: '16' },
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '100' },
    window: { type: 'string', default: '64' },
    skip: { type: 'string', default: '' },
    load: { type: 'string' },
    port: { type: 'string' },
    seconds: { type: 'string', default: '5' },
    scenario: { type: 'string' },
    conns: { type: 'string', default: '500' },
    pid: { type: 'string' },
    kib: { type: 'string', default: '512' },
    cli: { type: 'string' },
    'fair-runs': { type: 'string', default: '5' },
  },
});
const cli = o.cli ? path.resolve(o.cli) : cliDefault;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const f = (x, d = 0) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const q = (xs, p) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] : NaN);

if (o.load === 'flooder') {
  await flooderLoad(Number(o.port), Number(o.seconds));
  process.exit(0);
}
if (o.load === 'fair') {
  await fairnessLoad(Number(o.port), Number(o.seconds));
  process.exit(0);
}
if (o.load === 'syslog') {
  await syslogLoad(Number(o.port), Number(o.clients), Number(o.messages), Number(o.window));
  process.exit(0);
}
if (o.load === 'tiny-flood') {
  await tinyFloodLoad(Number(o.port), Number(o.conns), Number(o.kib), Number(o.pid));
  process.exit(0);
}

/** Total bytes of the journal files in `dir`. */
function journalBytes(dir) {
  return fs.readdirSync(dir).filter((f) => f.startsWith('journal')).reduce((n, f) => n + fs.statSync(`${dir}/${f}`).size, 0);
}

/**
 * `conns` connections each write `kib` KiB of "a\n" and never read a reply. Waits until every byte is taken or the
 * flood stalls (nothing moves for 3 s), then until the collector (process `pid`) is done with what it took (idle:
 * every flooder is paused, its unread acks filling the socket), then times a fresh client's `ok`.
 */
async function tinyFloodLoad(port, conns, kib, pid) {
  const payload = Buffer.from('a\n'.repeat(kib * 512));
  const socks = Array.from({ length: conns }, () => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    return s; // no 'data' listener: the replies are never read
  });
  await Promise.all(socks.map((s) => once(s, 'connect')));
  const t0 = performance.now();
  let complete = 0;
  for (const s of socks) s.write(payload, () => complete++);
  const pending = () => socks.reduce((n, s) => n + s.writableLength, 0);
  let last = pending();
  let still = 0;
  while (complete < conns && still < 12) {
    await sleep(250);
    const now = pending();
    still = now === last ? still + 1 : 0;
    last = now;
  }
  const pourSeconds = (performance.now() - t0) / 1000 - (complete < conns ? 3 : 0);
  // Done means idle: under 10% of a CPU over the last second (journal growth alone misleads: a collector stuck
  // in GC or in one huge read writes nothing for seconds, as the code before issue 7 did).
  const cpuTicks = () => { try { const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); } catch { return NaN; } };
  const ticks = [cpuTicks()];
  while (performance.now() - t0 < 300_000) {
    await sleep(250);
    ticks.push(cpuTicks());
    if (ticks.length > 5) ticks.shift();
    if (ticks.length === 5 && ticks[4] - ticks[0] < 10) break;
  }
  const quietSeconds = (performance.now() - t0) / 1000 - 1;
  const fresh = await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    const start = performance.now();
    let text = '';
    const give = (ok) => { clearTimeout(timer); s.destroy(); resolve({ ok, ms: performance.now() - start, reply: text.trim().slice(0, 80) }); };
    const timer = setTimeout(() => give(false), 5000);
    s.setEncoding('utf8');
    s.on('connect', () => s.write('fresh\n'));
    s.on('data', (d) => { text += d; if (text.includes('\n')) give(text.startsWith('ok ')); });
    s.on('error', () => give(false));
  });
  for (const s of socks) s.destroy();
  console.log(JSON.stringify({ conns, kib, complete, takenMiB: +((conns * payload.length - last) / 1048576).toFixed(1), pourSeconds: +pourSeconds.toFixed(2), quietSeconds: +quietSeconds.toFixed(2),
    freshOk: fresh.ok, freshMs: +fresh.ms.toFixed(1), freshReply: fresh.reply }));
}

/** Message `i` of client `c`: RFC 5424 with structured data, padded to about 150 bytes, as an RFC 6587 octet-counted frame. */
function syslogFrame(c, i) {
  const head = `<165>1 2026-11-30T03:00:00.${String(i % 1000).padStart(3, '0')}Z bench-host app${c % 4} ${1000 + c} ID${i % 100} [meta@32473 client="${c}" seq="${i}"] `;
  const msg = `${head}message ${i} from client ${c} `.padEnd(150, 'x');
  return `${Buffer.byteLength(msg)} ${msg}`;
}

/**
 * `clients` connections each send `messages` octet-counted syslog frames. `window` > 0: at most that many unanswered
 * (each reply line releases one); 0: fire and forget (rsyslog sends no replies). Prints one JSON line like collect-load.
 */
async function syslogLoad(port, clients, messages, window) {
  const lat = [];
  let done = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, (_, c) => new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.setNoDelay(true);
    let sent = 0, acked = 0;
    const stamps = [];
    const pump = () => {
      let chunk = '';
      while (sent < messages && (window === 0 || sent - acked < window) && chunk.length < 65536) {
        chunk += syslogFrame(c, sent);
        if (window > 0) stamps.push(performance.now());
        sent++;
      }
      if (chunk && !sock.write(chunk)) return void sock.once('drain', pump);
      if (window === 0) { if (sent < messages) setImmediate(pump); else sock.end(); }
    };
    sock.on('connect', pump);
    sock.on('data', (d) => {
      if (window === 0) return;
      const now = performance.now();
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) {
        if (acked % 16 === 0) lat.push(now - stamps[acked]);
        acked++;
      }
      if (acked === messages) return void sock.end();
      pump();
    });
    sock.on('close', () => { done += window === 0 ? sent : acked; resolve(); });
    sock.on('error', reject);
  })));
  const secs = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({ messages: done, seconds: +secs.toFixed(3), rate: Math.round(done / secs), p50: +q(lat, 0.5).toFixed(2), p99: +q(lat, 0.99).toFixed(2) }));
}

/** The flooder: one connection sending 1 KiB lines with 4096 in flight for `seconds`; prints how many were acked. */
async function flooderLoad(port, seconds) {
  const until = performance.now() + seconds * 1000;
  let flooded = 0;
  await new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    const line = Buffer.from(`${'f'.repeat(1023)}\n`);
    const block = Buffer.concat(Array.from({ length: 256 }, () => line));
    let inflight = 0;
    const pump = () => {
      if (performance.now() > until) return void s.end();
      while (inflight < 4096) {
        const n = Math.min(256, 4096 - inflight);
        inflight += n;
        s.write(n === 256 ? block : block.subarray(0, n * line.length));
      }
    };
    s.on('connect', pump);
    s.on('data', (d) => {
      let acked = 0;
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) acked++;
      inflight -= acked;
      flooded += acked;
      pump();
    });
    s.on('close', resolve);
    s.on('error', resolve);
  });
  console.log(JSON.stringify({ flooded }));
}

/**
 * One flooder (1 KiB lines, 4096 in flight) in its own process, as the issue describes (so its work does not delay
 * the paced clients' timers), and 50 clients sending one line every 10 ms; prints the paced clients' ack latency.
 */
async function fairnessLoad(port, seconds) {
  const until = performance.now() + seconds * 1000;
  const lat = [];
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, '--load', 'flooder', '--port', String(port), '--seconds', String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let childOut = '';
  child.stdout.on('data', (d) => (childOut += d));
  const flooder = once(child, 'close');
  const paced = Array.from({ length: 50 }, (_, c) => new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.setNoDelay(true);
    const stamps = [];
    let timer;
    s.on('connect', () => {
      timer = setInterval(() => {
        if (performance.now() > until) { clearInterval(timer); s.end(); return; }
        stamps.push(performance.now());
        s.write(`paced ${c} ${stamps.length}\n`);
      }, 10);
    });
    s.on('data', (d) => {
      const now = performance.now();
      for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lat.push(now - stamps.shift());
    });
    s.on('close', resolve);
    s.on('error', resolve);
  }));
  await Promise.all([flooder, ...paced]);
  let flooded = NaN;
  try { flooded = JSON.parse(childOut.trim()).flooded; } catch { /* the flooder failed: its rate shows as NaN */ }
  lat.sort((a, b) => a - b);
  console.log(JSON.stringify({ paced: lat.length, p50: +q(lat, 0.5).toFixed(2), p99: +q(lat, 0.99).toFixed(2), max: +q(lat, 1).toFixed(2), flooderRate: Math.round(flooded / seconds) }));
}

function which(n) {
  try { return execFileSync('sh', ['-c', `command -v ${n}`]).toString().trim(); } catch { return null; }
}

let nextPort = 31000 + Math.floor(Math.random() * 2000);

async function portOpen(port) {
  for (let i = 0; i < 150; i++) {
    const ok = await new Promise((r) => { const s = net.connect(port, '127.0.0.1'); s.on('connect', () => { s.destroy(); r(true); }); s.on('error', () => r(false)); });
    if (ok) return true;
    await sleep(100);
  }
  return false;
}

function runLoad(args) {
  return new Promise((resolve) => {
    const p = spawn('taskset', ['-c', '1', process.execPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    p.on('close', () => { try { resolve(JSON.parse(out.trim().split('\n').pop())); } catch { resolve({ error: out.trim().slice(0, 200) }); } });
  });
}

/** Starts a server on CPU 0; `cmd` is an argv whose {port}/{file}/{dir} are filled in. */
async function startServer(argv) {
  const dir = fs.mkdtempSync(`${cache}/collect-bench-`);
  const port = String(nextPort++);
  const file = `${dir}/journal`;
  const args = argv.map((a) => a.replaceAll('{port}', port).replaceAll('{file}', file).replaceAll('{dir}', dir));
  const log = fs.openSync(`${dir}/server.log`, 'w');
  const child = spawn('taskset', ['-c', '0', ...args], { stdio: ['ignore', log, log] });
  const up = await portOpen(Number(port));
  const rssPeakMb = () => { try { return Number(/VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024; } catch { return NaN; } };
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([once(child, 'exit'), sleep(5000)]);
    child.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { port, file, dir, up, rssPeakMb, stop, child };
}

function countLines(dir) {
  return fs.readdirSync(dir).filter((f) => f.startsWith('journal')).reduce((n, f) => {
    const b = fs.readFileSync(`${dir}/${f}`); let c = 0; for (let i = b.indexOf(10); i >= 0; i = b.indexOf(10, i + 1)) c++; return n + c; }, 0);
}

/** The shared line load (`collect-load.mjs`); the syslog scenario passes its own. */
const lineLoad = (srv, window) => [`${shared}/collect-load.mjs`, '--port', srv.port, '--clients', o.clients, '--messages', o.messages, '--size', o.size, '--window', String(window)];
const syslogLoadArgs = (srv, window) => [path.join(here, 'collect.mjs'), '--load', 'syslog', '--port', srv.port, '--clients', o.clients, '--messages', o.messages, '--window', String(window)];

async function throughput(name, argv, window, setup, load = lineLoad) {
  const srv = await startServer(argv);
  const total = Number(o.clients) * Number(o.messages);
  const row = { name, window, rate: NaN, p50: NaN, p99: NaN, landed: 0, total, note: '' };
  try {
    if (setup) setup(srv);
    if (!srv.up) { row.note = 'did not start'; return row; }
    await sleep(200);
    const t0 = performance.now();
    const res = await runLoad(load(srv, window));
    if (res.error) row.note = res.error;
    let last = -1, stall = 0;
    for (;;) { row.landed = countLines(srv.dir); if (row.landed >= total) break; if (row.landed === last && ++stall >= 50) break; if (row.landed !== last) stall = 0; last = row.landed; await sleep(20); }
    const secs = (performance.now() - t0) / 1000;
    if (window === 0) row.rate = row.landed / secs; else { row.rate = res.rate; row.p50 = res.p50; row.p99 = res.p99; }
    return row;
  } finally { await srv.stop(); }
}

const muxd = (...extra) => [process.execPath, cli, 'collect', '--port', '{port}', '--journal', '{file}', '--no-stdin', ...extra];

if (o.scenario === 'tiny-flood') {
  // Issue 7 §5: 500 connections x 512 KiB of "a\n", acks never read. Target: collector peak RSS <= 300 MB, fresh client ok <= 1 s.
  const srv = await startServer(muxd());
  try {
    if (!srv.up) throw new Error('muxd collect did not start');
    await sleep(200);
    const res = await runLoad([path.join(here, 'collect.mjs'), '--load', 'tiny-flood', '--port', srv.port, '--conns', o.conns, '--kib', o.kib, '--pid', String(srv.child.pid)]);
    const alive = srv.child.exitCode === null && srv.child.signalCode === null;
    const journalMiB = journalBytes(srv.dir) / 1048576;
    console.log(`tiny-flood (${cli}): ${o.conns} connections x ${o.kib} KiB of "a\\n", replies never read`);
    console.log(`  collector peak RSS ${f(srv.rssPeakMb(), 0)} MB (target <= 300 MB); ${alive ? 'still up' : 'DIED'}; ` +
      `${res.takenMiB ?? '-'} MiB taken in ${res.pourSeconds ?? '-'} s (${res.complete ?? 0}/${o.conns} connections wrote all of it); ` +
      `collector idle after ${res.quietSeconds ?? '-'} s (flooders paused on their unread acks); journal ${f(journalMiB, 0)} MiB`);
    console.log(`  fresh client afterwards: ${res.freshOk ? 'ok' : 'NO ok'} in ${f(res.freshMs, 1)} ms (target <= 1000 ms)${res.freshReply ? `: ${res.freshReply}` : ''}${res.error ? `; load error: ${res.error}` : ''}`);
  } finally { await srv.stop(); }
  process.exit(0);
}
const rsyslogd = which('rsyslogd') ?? `${cache}/rsyslog/usr/sbin/rsyslogd`;
const modules = ['/usr/lib/x86_64-linux-gnu/rsyslog', `${cache}/rsyslog/usr/lib/x86_64-linux-gnu/rsyslog`].join(':');

/**
 * The syslog rows (issues 9 and 14): octet-counted RFC 5424 messages of ~150 B, fire and forget, into rsyslog imtcp →
 * omfile (parsing, its fields written as a JSON line as muxd does) and into muxd's syslog port, which never replies.
 * Target: the syslog port with --syslog and --sync batch at >= 1.5x rsyslog.
 */
async function syslogRows() {
  const conf = [
    'global(workDirectory="{dir}" maxMessageSize="64k")',
    'module(load="imtcp" MaxSessions="20000")',
    // The same record as muxd's: the parsed header fields and MSG as JSON (rsyslog leaves SD as one string without mmpstrucdata).
    String.raw`template(name="json" type="string" string="{\"ts\":\"%timegenerated:::date-rfc3339%\",\"src\":\"%fromhost-ip%\",\"msg\":\"%msg:::json%\",\"syslog\":{\"facility\":\"%syslogfacility-text%\",\"severity\":\"%syslogseverity-text%\",\"time\":\"%timereported:::date-rfc3339%\",\"host\":\"%hostname:::json%\",\"app\":\"%app-name:::json%\",\"procid\":\"%procid:::json%\",\"msgid\":\"%msgid:::json%\",\"sd\":\"%structured-data:::json%\"}}\n")`,
    'input(type="imtcp" port="{port}" address="127.0.0.1" ruleset="toFile")',
    'ruleset(name="toFile") { action(type="omfile" file="{file}" template="json" asyncWriting="on" ioBufferSize="256k" flushOnTXEnd="on") }',
  ].join('\n');
  const rows = [];
  const rsyslog = ['sh', '-c', `printf '%s\\n' "$0" > {dir}/rsyslog.conf && exec ${rsyslogd} -n -M ${modules} -f {dir}/rsyslog.conf -i {dir}/rsyslog.pid`, conf];
  // The load goes to {port}: the syslog port here; the muxd port takes a free one.
  const syslogPort = (...extra) => [process.execPath, cli, 'collect', '--port', '0', '--syslog-port', '{port}', '--journal', '{file}', '--no-stdin', ...extra];
  rows.push(await throughput('rsyslog-imtcp', rsyslog, 0, undefined, syslogLoadArgs));
  rows.push(await throughput('syslog-port --syslog', syslogPort('--syslog'), 0, undefined, syslogLoadArgs));
  rows.push(await throughput('syslog-port none', syslogPort('--syslog', '--sync', 'none'), 0, undefined, syslogLoadArgs));
  rows.push(await throughput('syslog-port raw msg', syslogPort(), 0, undefined, syslogLoadArgs));
  const ref = rows[0].rate;
  console.log(`\nsyslog: ${o.clients} clients x ${o.messages} octet-counted RFC 5424 messages of ~150 B, fire and forget, timed until every message landed`);
  console.log(['server', 'msgs/s', 'x_rsyslog', 'landed', 'target'].map((x, i) => (i ? x.padStart(12) : x.padEnd(22))).join(''));
  const targets = { 'syslog-port --syslog': 'x>=1.5 (--syslog, --sync batch)' };
  for (const r of rows) {
    console.log([r.name.padEnd(22), f(r.rate).padStart(12), f(r.rate / ref, 2).padStart(12), `${r.landed}/${r.total}`.padStart(16), `  ${targets[r.name] ?? ''}${r.note ? ` (${r.note})` : ''}`].join(''));
  }
}

if (o.scenario === 'syslog') {
  await syslogRows();
  process.exit(0);
}

const skip = new Set(o.skip.split(',').filter(Boolean));
const rows = [];
if (!skip.has('rsyslog')) {
  // rsyslog reads its config at start: a small shell step fills in the shared template inside the run folder.
  const tpl = fs.readFileSync(`${shared}/rsyslog.conf`, 'utf8');
  const wrapper = ['sh', '-c', `printf '%s' "$0" | sed -e "s#PORT#{port}#g" -e "s#OUTFILE#{file}#g" -e "s#WORKDIR#{dir}#g" > {dir}/rsyslog.conf && exec ${rsyslogd} -n -M ${modules} -f {dir}/rsyslog.conf -i {dir}/rsyslog.pid`, tpl];
  rows.push(await throughput('rsyslog-imtcp', wrapper, 0));
}
if (!skip.has('ceiling')) {
  // The shared naive Node collector (write + fdatasync per batch, raw chunks, no JSON): the issue's 0.86x reference.
  rows.push(await throughput('node-ceiling-fsync', [process.execPath, `${shared}/node-ceiling-collect.mjs`, '{file}', '{port}', 'fsync'], Number(o.window)));
}
if (!skip.has('default')) rows.push(await throughput('muxd default', muxd(), Number(o.window)));
if (!skip.has('none')) rows.push(await throughput('muxd --sync none', muxd('--sync', 'none'), Number(o.window)));
if (!skip.has('ackoff')) rows.push(await throughput('muxd --ack off', muxd('--ack', 'off'), 0));
// Like for like with rsyslog (issue 18 item 3): no acks and no fsync.
if (!skip.has('ackoff-none')) rows.push(await throughput('ackoff+sync none', muxd('--ack', 'off', '--sync', 'none'), 0));

const ref = rows.find((r) => r.name === 'rsyslog-imtcp')?.rate ?? NaN;
const targets = { 'muxd default': 'x>=1.0, p99<=5ms', 'muxd --sync none': 'x>=1.5', 'muxd --ack off': 'x>=2.0', 'ackoff+sync none': 'x>=2.0' };
if (rows.length > 0) console.log(`\ncollect: ${o.clients} clients x ${o.messages} messages x ${o.size} B; window 0 = fire and forget, timed until every line landed`);
if (rows.length > 0) console.log(['server', 'window', 'msgs/s', 'x_rsyslog', 'p50_ms', 'p99_ms', 'landed', 'target'].map((s, i) => (i ? s.padStart(12) : s.padEnd(18))).join(''));
for (const r of rows) {
  console.log([r.name.padEnd(18), String(r.window).padStart(12), f(r.rate).padStart(12), f(r.rate / ref, 2).padStart(12), f(r.p50, 2).padStart(12), f(r.p99, 2).padStart(12),
    `${r.landed}/${r.total}`.padStart(16), `  ${targets[r.name] ?? ''}${r.note ? ` (${r.note})` : ''}`].join(''));
}

if (!skip.has('many')) {
  const srv = await startServer(muxd());
  try {
    await sleep(200);
    const res = await runLoad([`${shared}/collect-load.mjs`, '--port', srv.port, '--clients', '10000', '--messages', '3', '--size', '100', '--window', '1']);
    await sleep(100);
    const landed = countLines(srv.dir);
    console.log(`\n10,000 clients x 3 messages: all acked in ${f(res.seconds, 2)} s (target <= 4 s), ${res.messages ?? 0}/30000 acked, ${landed} journaled, ` +
      `peak RSS ${f(srv.rssPeakMb(), 0)} MB (target <= 200 MB)${res.error ? `; load error: ${res.error}` : ''}`);
  } finally { await srv.stop(); }
  try { console.log(`   (net.core.somaxconn = ${fs.readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()}; muxd asks for a backlog of 65535)`); } catch { /* not Linux */ }
}

if (!skip.has('fair')) {
  // The target holds on every run, not on average: each run gets a fresh server, and all of them are printed.
  const runs = Number(o['fair-runs']);
  const p99s = [];
  console.log(`\nfairness: 1 flooder (1 KiB, window 4096, own process) + 50 paced clients (1 msg/10 ms), ${runs} runs of ${o.seconds} s; target paced p99 <= 10 ms on every run`);
  for (let run = 1; run <= runs; run++) {
    const srv = await startServer(muxd());
    try {
      await sleep(200);
      const res = await runLoad([path.join(here, 'collect.mjs'), '--load', 'fair', '--port', srv.port, '--seconds', o.seconds]);
      p99s.push(res.p99);
      console.log(`  run ${run}: flooder ${res.flooderRate ?? '-'} msgs/s; paced p50 ${f(res.p50, 2)} ms, p99 ${f(res.p99, 2)} ms, max ${f(res.max, 2)} ms over ${res.paced ?? 0} acks${res.error ? `; ${res.error}` : ''}`);
    } finally { await srv.stop(); }
  }
  console.log(`  paced p99 per run: ${p99s.map((x) => f(x, 2)).join(', ')} ms; ${p99s.every((x) => x <= 10) ? 'met on every run' : 'NOT met on every run'}`);
}

if (!skip.has('relp')) {
  const { relpBench } = await import('./relp.mjs');
  await relpBench({ messages: 100_000, size: 150, cli, cache });
}

if (!skip.has('syslog')) await syslogRows();
