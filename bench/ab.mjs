#!/usr/bin/env node
// `npm run bench:ab -- --base REV`: the same bench rows against two builds (A = REV, B = this tree) in interleaved rounds, with medians, spread and B/A.
//   node bench/ab.mjs --base REV [--rows http,collect,up] [--rounds 3] [--args-http="..."] [--args-collect="..."] [--args-up="..."]
//     [--keep] [--link-modules]
// A is built in a temporary git worktree of REV (npm ci, npm run build); B is this tree, built first. Both run this
// tree's bench scripts: they are copied over the worktree's bench/, so the load code is identical and only the
// server differs (each script runs the dist/cli/main.js of the tree it sits in). Rounds alternate A B A B …, so a
// noisy machine slows both builds alike. Every number the scripts print in a table row or a `label:  value` line is
// a metric; the report gives, per metric, the median and spread (min–max, as ± % of the median) of each build and B/A.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseMetrics, summarize } from './ab-metrics.mjs';

const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const { values: o } = parseArgs({
  options: {
    base: { type: 'string' },
    rows: { type: 'string', default: 'collect' },
    rounds: { type: 'string', default: '3' },
    'args-http': { type: 'string', default: '' },
    'args-collect': { type: 'string', default: '' },
    'args-up': { type: 'string', default: '' },
    keep: { type: 'boolean', default: false },
    'link-modules': { type: 'boolean', default: false },
  },
});
const ROWS = ['http', 'collect', 'up'];
const rows = o.rows.split(',').filter((r) => r !== '');
const rounds = Number(o.rounds);
if (!o.base || rows.some((r) => !ROWS.includes(r)) || !Number.isInteger(rounds) || rounds < 3) {
  console.error(`usage: npm run bench:ab -- --base REV [--rows ${ROWS.join(',')}] [--rounds N≥3] [--args-ROW="flags for bench/ROW.mjs"]`);
  process.exit(2);
}

const git = (...args) => execFileSync('git', ['-C', repo, ...args], { encoding: 'utf8' }).trim();
const sha = git('rev-parse', '--verify', `${o.base}^{commit}`);
const here = git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no') ? '+changes' : '');
// The scripts find ../shared/bench next to the tree they sit in: give the worktree the same neighbour.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'muxd-ab-'));
const baseDir = path.join(tmp, 'base');
const shared = path.resolve(repo, '../shared');
if (fs.existsSync(shared)) fs.symlinkSync(shared, path.join(tmp, 'shared'));

function run(cmd, args, cwd) {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Runs one bench script to its end; resolves with its stdout (its stderr passes through). */
function bench(dir, row) {
  const args = o[`args-${row}`].split(/\s+/).filter((a) => a !== '');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(dir, 'bench', `${row}.mjs`), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`bench/${row}.mjs in ${dir} exited ${code}:\n${out.slice(-2000)}`))));
  });
}

try {
  console.log(`A = ${o.base} (${sha.slice(0, 10)}), built in ${baseDir}`);
  git('worktree', 'add', '--detach', baseDir, sha);
  if (o['link-modules']) fs.symlinkSync(path.join(repo, 'node_modules'), path.join(baseDir, 'node_modules'));
  else run('npm', ['ci', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], baseDir);
  run('npm', ['run', '--silent', 'build'], baseDir);
  fs.cpSync(path.join(repo, 'bench'), path.join(baseDir, 'bench'), { recursive: true });
  console.log(`B = this tree (${here})`);
  run('npm', ['run', '--silent', 'build'], repo);

  /** results[row].A / .B: one Map of metrics per round. */
  const results = Object.fromEntries(rows.map((r) => [r, { A: [], B: [] }]));
  for (let i = 1; i <= rounds; i++) {
    for (const row of rows) {
      for (const [side, dir] of [['A', baseDir], ['B', repo]]) {
        const started = Date.now();
        const metrics = parseMetrics(await bench(dir, row));
        results[row][side].push(metrics);
        console.log(`round ${i}/${rounds} ${row} ${side}: ${metrics.size} numbers in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      }
    }
  }
  for (const row of rows) {
    console.log(`\n## ${row} (${rounds} rounds each; A = ${o.base}, B = ${here})\n`);
    console.log(summarize(results[row].A, results[row].B));
  }
} finally {
  if (o.keep) console.log(`\nkept ${baseDir} (remove it with: git worktree remove --force ${baseDir})`);
  else {
    try {
      git('worktree', 'remove', '--force', baseDir);
    } catch {
      // Never added (a bad REV): nothing to unregister.
    }
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
