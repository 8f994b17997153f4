#!/usr/bin/env node
// Micro-benchmark of the journal record codec: records/s of RecordEncoder.add() and, where the build has it, addBatch().
//   npm run build && node bench/record-encode.mjs [--dist DIR] [--rounds 3] [--ms 1000] [--batch 256]
// --dist points at another build (say a copy of dist/ made before a change) to compare both in one run:
//   node bench/record-encode.mjs --dist /tmp/dist-before --dist dist
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: o } = parseArgs({
  options: {
    dist: { type: 'string', multiple: true, default: [path.resolve(path.dirname(new URL(import.meta.url).pathname), '../dist')] },
    rounds: { type: 'string', default: '3' },
    ms: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '256' },
  },
});
const BATCH = Number(o.batch);

/**
 * 100-byte lines like the collector load (`c7 m123 xxxx…`) from 16 sources, in runs of `run` lines from one
 * source (a socket chunk's worth; 1 interleaves sources line by line, the worst case for per-source prefixes).
 */
function workload(kind, run) {
  const out = [];
  for (let i = 0; i < 4096; i++) {
    const src = `tcp:127.0.0.1:${40000 + (Math.floor(i / run) % 16)}`;
    let text = `c${i % 16} m${i} `;
    const pick = kind === 'mixed' ? ['ascii', 'ascii', 'ascii', 'ascii', 'ascii', 'ascii', 'ascii', 'ascii', 'utf8', 'escape'][i % 10] : kind;
    const fill = { ascii: 'x', utf8: 'é', escape: 'x' }[pick];
    while (Buffer.byteLength(text) < 99) text += fill;
    if (pick === 'escape') text = `${text.slice(0, 40)}"quoted\\"\t${text.slice(50)}`;
    out.push({ src, msg: Buffer.from(text) });
  }
  return out;
}

const kinds = ['ascii', 'utf8', 'escape', 'mixed', 'ascii-interleaved'];
const data = Object.fromEntries(kinds.map((k) => [k, k === 'ascii-interleaved' ? workload('ascii', 1) : workload(k, 16)]));
const ts = '2026-11-30T03:00:00.000Z';

function runAdd(mod, inputs, ms) {
  const enc = new mod.RecordEncoder('json');
  let n = 0;
  let seq = 1;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let b = 0; b + BATCH <= inputs.length; b += BATCH) {
      enc.begin(ts);
      for (let i = b; i < b + BATCH; i++) enc.add(seq++, inputs[i]);
      if (enc.bytes().length === 0) throw new Error('nothing encoded');
      enc.reset();
      n += BATCH;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

function runBatch(mod, inputs, ms) {
  const enc = new mod.RecordEncoder('json');
  const batches = [];
  for (let b = 0; b + BATCH <= inputs.length; b += BATCH) batches.push(inputs.slice(b, b + BATCH));
  let n = 0;
  let seq = 1;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (const batch of batches) {
      enc.begin(ts);
      enc.addBatch(seq, batch);
      seq += batch.length;
      if (enc.bytes().length === 0) throw new Error('nothing encoded');
      enc.reset();
      n += batch.length;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

/** The ceiling: copy each message and a LF into one buffer, no JSON at all (what `--format raw` costs). */
function runCopy(_mod, inputs, ms) {
  const out = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let b = 0; b + BATCH <= inputs.length; b += BATCH) {
      let o = 0;
      for (let i = b; i < b + BATCH; i++) {
        out.set(inputs[i].msg, o);
        o += inputs[i].msg.length;
        out[o++] = 0x0a;
      }
      n += BATCH;
    }
  }
  return n / ((performance.now() - t0) / 1000);
}

const builds = [];
for (const dir of o.dist) builds.push({ dir, mod: await import(pathToFileURL(path.resolve(dir, 'journal/record.js')).href) });
const rows = new Map();
const ms = Number(o.ms);
for (let r = 0; r < Number(o.rounds); r++) {
  for (const kind of kinds) {
    const copyKey = `${kind}\t(ceiling)\tcopy only`;
    if (!rows.has(copyKey)) rows.set(copyKey, []);
    rows.get(copyKey).push(runCopy(null, data[kind], ms));
    for (const { dir, mod } of builds) {
      const runs = [['add', runAdd]];
      if (typeof mod.RecordEncoder.prototype.addBatch === 'function') runs.push(['addBatch', runBatch]);
      for (const [api, fn] of runs) {
        const key = `${kind}\t${dir}\t${api}`;
        if (!rows.has(key)) rows.set(key, []);
        rows.get(key).push(fn(mod, data[kind], ms));
      }
    }
  }
}
console.log(`| lines (100 B, 16 sources, runs of 16) | build | API | records/s per round (M) | median (M/s) |`);
console.log('|---|---|---|---|---|');
for (const [key, v] of rows) {
  const [kind, dir, api] = key.split('\t');
  const med = [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`| ${kind} | ${dir} | ${api} | ${v.map((x) => (x / 1e6).toFixed(2)).join(', ')} | ${(med / 1e6).toFixed(2)} |`);
}
