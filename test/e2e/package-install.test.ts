// The package installs: `npm pack` on a copy of the sources (prepack builds dist/), `npm install` of the tarball into an empty prefix, then the installed `muxd` bin runs --version, serve and collect, and the page's files are all in it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { cp, mkdir, readFile, readdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from '../helpers/collect.js';
import { lineClient } from '../helpers/line-client.js';

const run = promisify(execFile);

/** What `npm pack` needs to build: the sources, the compiler settings and what the package ships besides dist/. */
const PACKAGE_INPUTS = ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src', 'docs', 'contrib', 'muxd.schema.json', 'README.md', 'LICENSE'];

let tmp: Awaited<ReturnType<typeof tempDir>>;
let bin: string;
/** `npm_*` variables from an outer `npm test` (npm_config_prefix and the like) would steer the inner npm; the PATH puts this node first, so the bin's `#!/usr/bin/env node` runs the node under test. */
let env: NodeJS.ProcessEnv;

before(async () => {
  tmp = await tempDir('muxd-pack-');
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith('npm_')));
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  env.NO_COLOR = '1';
  // A copy, so prepack's fresh dist/ never races the other test files that run the repository's dist/cli/main.js.
  const src = path.join(tmp.dir, 'src-copy');
  await mkdir(src);
  for (const name of PACKAGE_INPUTS) await cp(path.join(repoRoot, name), path.join(src, name), { recursive: true });
  await symlink(path.join(repoRoot, 'node_modules'), path.join(src, 'node_modules'), 'dir');
  const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp.dir], { cwd: src, env, maxBuffer: 16 * 1024 * 1024 });
  const [info] = JSON.parse(packed.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  assert.ok(info);
  const files = info.files.map((f) => f.path);
  for (const must of ['LICENSE', 'dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'src/web/assets/index.html', 'contrib/systemd/muxd-collect.service']) {
    assert.ok(files.includes(must), `${must} missing from the tarball`);
  }
  // The page is split into ES modules, loaded from app.js at startup: every one of them must ship.
  for (const name of await readdir(path.join(repoRoot, 'src/web/assets'))) {
    assert.ok(files.includes(`src/web/assets/${name}`), `src/web/assets/${name} missing from the tarball`);
  }
  assert.ok(!files.some((f) => f.startsWith('src/') && f.endsWith('.ts')), 'TypeScript sources are not shipped');
  assert.ok(!files.some((f) => f.includes('tsbuildinfo')), 'no build cache in the tarball');
  const prefix = path.join(tmp.dir, 'prefix');
  await mkdir(prefix);
  // Dependencies come from the registry; --prefer-offline takes them from the cache `npm ci` filled.
  await run('npm', ['install', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--omit=dev', path.join(tmp.dir, info.filename)], { cwd: prefix, env });
  bin = path.join(prefix, 'node_modules', '.bin', 'muxd');
});
after(() => tmp.cleanup());

/** Spawns the installed bin and resolves with the child and its first stdout line (the listening line). */
async function start(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; line: string; stderr: () => string }> {
  const child = spawn(bin, args, { env, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.setEncoding('utf8');
  const exited = once(child, 'exit');
  while (!out.includes('\n')) {
    const r = await Promise.race([once(child.stdout, 'data') as Promise<[string]>, exited.then(() => null)]);
    if (r === null) throw new Error(`muxd ${args[0]} exited early: ${err}`);
    out += r[0];
  }
  return { child, line: out.slice(0, out.indexOf('\n')), stderr: () => err };
}

async function stop(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const [code] = (await exited) as [number | null];
  return code;
}

test('the installed bin prints the package version', async () => {
  const pkg = JSON.parse(await readFile(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  const { stdout } = await run(bin, ['--version'], { env });
  assert.equal(stdout, `${pkg.version}\n`);
});

test('the installed bin serves a folder', async () => {
  const root = path.join(tmp.dir, 'www');
  await mkdir(root);
  await writeFile(path.join(root, 'hello.txt'), 'hello from the tarball\n');
  const s = await start(['serve', root, '--port', '0']);
  try {
    const m = /^listening http (http:\/\/127\.0\.0\.1:\d+)$/.exec(s.line);
    assert.ok(m, s.line);
    const res = await fetch(`${m[1]}/hello.txt`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello from the tarball\n');
  } finally {
    assert.equal(await stop(s.child), 0, s.stderr());
  }
});

test('the installed bin collects a line and acks it once journaled', async () => {
  const dir = path.join(tmp.dir, 'journal');
  const s = await start(['collect', '--port', '0', '--no-stdin', '--journal', path.join(dir, 'j.jsonl')]);
  try {
    const m = /^listening collect tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(s.line);
    assert.ok(m, s.line);
    const client = await lineClient(Number(m[1]));
    assert.equal(await client.send('installed and working'), 'ok 1');
    client.close();
  } finally {
    assert.equal(await stop(s.child), 0, s.stderr());
  }
  const files = await readdir(dir);
  const text = await readFile(path.join(dir, files.find((f) => f.endsWith('.jsonl')) ?? 'j.jsonl'), 'utf8');
  assert.match(text, /"installed and working"/);
});
