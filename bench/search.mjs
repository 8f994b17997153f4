#!/usr/bin/env node
// Search rows of `npm run bench:up` (issue 17): over a journal of mixed records (cached under /tmp by size),
//   - a rare substring (1 record in 1e5) over all of it through /_muxd/journal, MB/s next to `LC_ALL=C grep -F -c` (target >= 0.5x);
//   - the newest 100 matches of a common term, ms (target <= 100 ms);
//   - the collector's ack p99 under load with 0 and with 4 searches looping (target <= 1.2x).
//   node bench/search.mjs [--search-gib 1] [--clients 16] [--messages 20000] [--size 100] [--window 64]
// The server runs on CPU 0; grep, load and searches on CPU 1. Run by bench/up.mjs; alone for a tiny check (--search-gib 0.02).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    'search-gib': { type: 'string', default: '1' },
    clients: { type: 'string', default: '16' },
    messages: { type: 'string', default: '20000' },
    size: { type: 'string', default: '100' },
    window: { type: 'string', default: '64' },
    searches: { type: 'string', default: '4' },
  },
});

const RARE = 'qzxv-rare-term';
const COMMON = 'timeout';
const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const shared = process.env.MUXD_SHARED ?? path.resolve(repo, '../shared/bench');
const cli = path.join(repo, 'dist/cli/main.js');
const gib = Number(o['search-gib']);
if (!(gib > 0)) throw new Error('--search-gib must be a positive number');
const bytesWanted = Math.round(gib * 2 ** 30);

/** Mixed records (plain text, some syslog, some b64, a common term in 1 of 8, the rare one in 1 of 1e5), written once per size. */
function makeJournal(dir) {
  const file = path.join(dir, 'journal.jsonl');
  const done = path.join(dir, 'complete');
  // `complete` holds the last generated seq and the generated size: the load rows append to the journal, and the
  // next run cuts it back so every run measures the same file (the newest records decide the "newest 100" row).
  const [, bytes] = fs.existsSync(done) ? fs.readFileSync(done, 'utf8').trim().split(' ').map(Number) : [];
  if (bytes > 0 && fs.existsSync(file)) {
    if (fs.statSync(file).size > bytes) fs.truncateSync(file, bytes);
    return file;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const fd = fs.openSync(file, 'w');
  const t0 = Date.now() - 3_600_000;
  const srcs = ['tcp:127.0.0.1:40001', 'tcp:10.0.0.7:51514', 'udp:10.0.0.2:514', 'http:127.0.0.1', 'stdin'];
  const words = ['GET /api/v1/items 200', 'user login ok', 'cache miss for key', 'worker finished job', 'disk usage 71%', 'connection closed by peer'];
  let seq = 0;
  let written = 0;
  while (written < bytesWanted) {
    let block = '';
    for (let i = 0; i < 10_000; i++) {
      seq++;
      const ts = new Date(t0 + Math.floor(seq / 50)).toISOString();
      const src = srcs[seq % srcs.length];
      let msg = `${words[seq % words.length]} id=${seq} pad=${'abcdefghij'.repeat(seq % 5)}`;
      if (seq % 8 === 3) msg = `upstream ${COMMON} after 30s id=${seq}`;
      if (seq % 100_000 === 77_777) msg = `found ${RARE} id=${seq}`;
      if (seq % 1000 === 500) {
        block += `{"seq":${seq},"ts":"${ts}","src":"${src}","b64":"${Buffer.from(`\xff${msg}`, 'latin1').toString('base64')}"}\n`;
      } else if (seq % 7 === 0) {
        block += `{"seq":${seq},"ts":"${ts}","src":"udp:10.0.0.2:514","msg":"${msg}","syslog":{"facility":"auth","severity":"${seq % 14 === 0 ? 'err' : 'info'}","app":"sshd","procid":"${seq % 999}"}}\n`;
      } else {
        block += `{"seq":${seq},"ts":"${ts}","src":"${src}","msg":"${msg}"}\n`;
      }
    }
    written += fs.writeSync(fd, block);
  }
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.writeFileSync(done, `${seq} ${fs.statSync(file).size}\n`);
  return file;
}

function startUp(file) {
  const up = spawn(
    'taskset',
    ['-c', '0', 'node', cli, 'up', '--port', '0', '--collect-port', '0', '--journal', file, '--no-stdin', '--log', 'off', '--search-budget-ms', '600000', '--search-budget-bytes', String(2 ** 50), '--max-searches', '16'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    up.stdout.setEncoding('utf8');
    up.stdout.on('data', (d) => {
      text += d;
      const got = text.split('\n').filter((l) => l.startsWith('listening '));
      if (got.length >= 2) {
        resolve({ up, httpUrl: got.find((l) => l.startsWith('listening http ')).split(' ')[2], collectPort: got.find((l) => l.startsWith('listening collect ')).split(':').at(-1) });
      }
    });
    up.once('exit', (code) => reject(new Error(`muxd up exited with ${code}`)));
  });
}

/** Every match of a query, newest first, following `next` until null; returns the count. */
async function scanAll(httpUrl, grep, signal) {
  let before = null;
  let found = 0;
  for (;;) {
    const q = new globalThis.URLSearchParams({ grep, limit: '1000' });
    if (before !== null) q.set('before', String(before));
    const res = await globalThis.fetch(`${httpUrl}/_muxd/journal?${q}`, { signal });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`search answered ${res.status}: ${JSON.stringify(body)}`);
    found += body.records.length;
    if (body.next === null) return found;
    before = body.next;
  }
}

const load = (collectPort) =>
  new Promise((resolve, reject) => {
    const args = ['-c', '1', 'node', path.join(shared, 'collect-load.mjs'), '--port', collectPort, '--clients', o.clients, '--messages', o.messages, '--size', o.size, '--window', o.window];
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : reject(new Error(`collect-load exited ${code}`))));
  });

const file = makeJournal(path.join(os.tmpdir(), `muxd-bench-search-${gib}gib`));
const size = fs.statSync(file).size;
const mb = size / 1e6;
const grepCount = () => Number(execFileSync('taskset', ['-c', '1', 'grep', '-F', '-c', RARE, file], { env: { ...process.env, LC_ALL: 'C' } }).toString().trim());
grepCount(); // page cache
let grepSeconds = Infinity;
let grepFound = 0;
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  grepFound = grepCount();
  grepSeconds = Math.min(grepSeconds, (performance.now() - t) / 1000);
}

const { up, httpUrl, collectPort } = await startUp(file);
try {
  await (await globalThis.fetch(`${httpUrl}/_muxd/journal?limit=1`)).text(); // waits for the history index
  await scanAll(httpUrl, RARE); // warm-up
  let scanSeconds = Infinity;
  let found = 0;
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    found = await scanAll(httpUrl, RARE);
    scanSeconds = Math.min(scanSeconds, (performance.now() - t) / 1000);
  }
  let newestMs = Infinity;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const body = await (await globalThis.fetch(`${httpUrl}/_muxd/journal?grep=${COMMON}&limit=100`)).json();
    newestMs = Math.min(newestMs, performance.now() - t);
    if (body.records.length !== 100) throw new Error(`newest 100 of ${COMMON}: got ${body.records.length}`);
  }

  await load(collectPort); // warm-up
  const quiet = await load(collectPort);
  const stop = new globalThis.AbortController();
  const loops = Array.from({ length: Number(o.searches) }, async () => {
    let rounds = 0;
    while (!stop.signal.aborted) {
      await scanAll(httpUrl, RARE, stop.signal).catch((err) => {
        if (!stop.signal.aborted) throw err;
      });
      rounds++;
    }
    return rounds;
  });
  const busy = await load(collectPort);
  stop.abort();
  const rounds = await Promise.all(loops);

  const rate = mb / scanSeconds;
  const grepRate = mb / grepSeconds;
  const ratio = rate / grepRate;
  const ackRatio = busy.p99 / quiet.p99;
  console.log(`\nsearch: ${(size / 2 ** 30).toFixed(2)} GiB journal of mixed records (${file}); server on CPU 0, grep, load and searches on CPU 1\n`);
  console.log('| search                                          | value          | target         |');
  console.log('| ----------------------------------------------- | -------------- | -------------- |');
  console.log(`| rare substring, whole journal via /_muxd/journal | ${rate.toFixed(0).padStart(6)} MB/s    | >= 0.5x grep   |`);
  console.log(`| LC_ALL=C grep -F -c, same file                  | ${grepRate.toFixed(0).padStart(6)} MB/s    | (ceiling)      |`);
  console.log(`| ratio                                           | ${ratio.toFixed(2).padStart(6)}x        | ${ratio >= 0.5 ? 'PASS' : 'FAIL'}           |`);
  console.log(`| newest 100 of a common term                     | ${newestMs.toFixed(1).padStart(6)} ms      | <= 100 ms ${newestMs <= 100 ? 'PASS' : 'FAIL'} |`);
  console.log(`| collector ack p99, no searches                  | ${String(quiet.p99).padStart(6)} ms      |                |`);
  console.log(`| collector ack p99, ${o.searches} searches looping           | ${String(busy.p99).padStart(6)} ms      |                |`);
  console.log(`| ack p99 ratio                                   | ${ackRatio.toFixed(2).padStart(6)}x        | <= 1.2x ${ackRatio <= 1.2 ? 'PASS' : 'FAIL'}   |`);
  console.log(`\nmatches: search ${found}, grep ${grepFound}${found === grepFound ? '' : ' (MISMATCH)'}; msg/s ${quiet.rate} quiet, ${busy.rate} with searches; full scans completed meanwhile: ${rounds.join(', ')}`);
  if (found !== grepFound || ratio < 0.5 || newestMs > 100 || ackRatio > 1.2) process.exitCode = 1;
} finally {
  up.kill('SIGTERM');
  await new Promise((r) => (up.exitCode !== null ? r() : up.once('exit', r)));
}
