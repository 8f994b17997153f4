// muxd serve --qr, --open and --proxy end to end through the built CLI; refusals of --watch with caching and of up --proxy.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { request } from '../helpers/http-fixtures.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'dist/cli/main.js');
let tmp: string;

before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'muxd-extras-'));
  await writeFile(path.join(tmp, 'index.html'), '<!doctype html><title>x</title><p>hi</p>');
});
after(() => rm(tmp, { recursive: true, force: true }));

interface Running {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stderrUntil(re: RegExp): Promise<string>;
  stop(): Promise<void>;
}

async function startCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit');
  while (!out.includes('\n')) {
    const r = await Promise.race([once(child.stdout, 'data'), exit.then(() => 'exit' as const)]);
    if (r === 'exit') throw new Error(`exited early: ${err}`);
  }
  const m = /^listening http http:\/\/[^ ]+:(\d+)\n/.exec(out);
  assert.ok(m, out);
  return {
    child,
    port: Number(m[1]),
    async stderrUntil(re) {
      while (!re.test(err)) {
        const r = await Promise.race([once(child.stderr, 'data'), exit.then(() => 'exit' as const)]);
        if (r === 'exit') throw new Error(`exited before ${re}: ${err}`);
      }
      return err;
    },
    async stop() {
      child.kill('SIGTERM');
      await exit;
    },
  };
}

async function runCli(args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: 'pipe' });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout.resume();
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, err };
}

test('--qr on 0.0.0.0 prints a QR block of the first LAN URL and the URL itself (or says there is no LAN address)', async () => {
  const s = await startCli(['serve', tmp, '--host', '0.0.0.0', '--port', '0', '--log', 'off', '--qr']);
  try {
    const lan = Object.values(os.networkInterfaces()).flatMap((l) => l ?? []).find((a) => !a.internal && a.family === 'IPv4');
    if (lan === undefined) {
      assert.match(await s.stderrUntil(/no LAN address/), /--qr: this machine has no LAN address/);
      return;
    }
    const url = `http://${lan.address}:${s.port}/`;
    const err = await s.stderrUntil(new RegExp(`${url.replaceAll('.', '\\.')}\\n`));
    assert.match(err, /[█▀▄]{7}/, 'block characters');
    assert.ok(err.split('\n').filter((l) => /^[█▀▄ ]+$/.test(l)).length >= 10, 'a block of QR rows');
    // The printed URL answers.
    const r = await request(s.port, '/', { headers: { Host: `${lan.address}:${s.port}` } });
    assert.equal(r.status, 200);
  } finally {
    await s.stop();
  }
});

test('--qr on a loopback --host says why not and keeps serving', async () => {
  const s = await startCli(['serve', tmp, '--port', '0', '--log', 'off', '--qr']);
  try {
    const err = await s.stderrUntil(/\n/);
    assert.match(err, /^muxd: --qr needs a LAN address, but --host 127\.0\.0\.1 is loopback/);
    assert.doesNotMatch(err, /[█▀▄]/);
    assert.equal((await request(s.port, '/', { headers: { Host: 'localhost' } })).status, 200);
  } finally {
    await s.stop();
  }
});

test('--open runs the platform opener with the URL', { skip: process.platform !== 'linux' && 'xdg-open is the Linux opener' }, async () => {
  const bin = await mkdtemp(path.join(tmp, 'bin-'));
  const record = path.join(bin, 'opened.txt');
  await writeFile(path.join(bin, 'xdg-open'), `#!/bin/sh\nprintf '%s' "$1" > '${record}'\n`);
  await chmod(path.join(bin, 'xdg-open'), 0o755);
  const s = await startCli(['serve', tmp, '--port', '0', '--log', 'off', '--open'], { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}` });
  try {
    await s.stderrUntil(/opened .* in the browser/);
    assert.equal(await readFile(record, 'utf8'), `http://127.0.0.1:${s.port}/`);
  } finally {
    await s.stop();
  }
});

test('--open without any opener installed says so and keeps serving', { skip: process.platform !== 'linux' && 'xdg-open is the Linux opener' }, async () => {
  const empty = await mkdtemp(path.join(tmp, 'nobin-'));
  const s = await startCli(['serve', tmp, '--port', '0', '--log', 'off', '--open'], { ...process.env, PATH: empty });
  try {
    const err = await s.stderrUntil(/--open:/);
    assert.match(err, /muxd: --open: xdg-open is not installed, so no browser can be opened; open http:\/\/127\.0\.0\.1:\d+\/ yourself/);
    assert.equal((await request(s.port, '/', { headers: { Host: 'localhost' } })).status, 200);
  } finally {
    await s.stop();
  }
});

test('--proxy forwards through the CLI; a second --proxy adds a rule', async () => {
  const upstream = http.createServer((req, res) => res.end(`upstream saw ${req.url} from ${String(req.headers['x-forwarded-host'])}`));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const up = (upstream.address() as { port: number }).port;
  const s = await startCli(['serve', tmp, '--port', '0', '--log', 'off', '--proxy', `/api=http://127.0.0.1:${up}`, '--proxy', `/b=http://127.0.0.1:${up}/`]);
  try {
    const a = await request(s.port, '/api/x?y=1', { headers: { Host: 'localhost' } });
    assert.equal(a.body.toString(), 'upstream saw /api/x?y=1 from localhost');
    const b = await request(s.port, '/b/z', { headers: { Host: 'localhost' } });
    assert.equal(b.body.toString(), 'upstream saw /z from localhost');
    const file = await request(s.port, '/', { headers: { Host: 'localhost' } });
    assert.match(file.body.toString(), /<p>hi<\/p>/);
  } finally {
    await s.stop();
    upstream.close();
  }
});

test('SIGTERM with a WebSocket tunnel open: the tunnel is ended and serve exits 0 without waiting for the drain deadline', async () => {
  const upstream = http.createServer();
  const wss = new WebSocketServer({ server: upstream });
  wss.on('connection', (ws) => ws.on('message', (d) => ws.send(d)));
  upstream.listen(0, '127.0.0.1');
  await once(upstream, 'listening');
  const up = (upstream.address() as { port: number }).port;
  const s = await startCli(['serve', tmp, '--port', '0', '--log', 'off', '--proxy', `/ws=http://127.0.0.1:${up}`]);
  try {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { Host: 'localhost' } });
    await once(ws, 'open');
    ws.send('before shutdown');
    assert.equal(String((await once(ws, 'message'))[0]), 'before shutdown');
    const closed = once(ws, 'close');
    const started = Date.now();
    const exit = once(s.child, 'exit');
    s.child.kill('SIGTERM');
    const [code] = (await exit) as [number | null];
    await closed;
    assert.equal(code, 0);
    assert.ok(Date.now() - started < 5000, 'the open tunnel did not hold the drain until its 10 s deadline');
  } finally {
    if (s.child.exitCode === null) await s.stop();
    wss.close();
    upstream.closeAllConnections();
    upstream.close();
  }
});

test('refusals: a bad --proxy rule, --watch with --cache, and --watch on up without DIR exit with 2', async () => {
  const bad = await runCli(['serve', tmp, '--port', '0', '--proxy', '/api=https://example.com']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--proxy "\/api=https:\/\/example\.com": the upstream must be an http:\/\/ URL .*\(ERR_INVALID_OPTION\)/);
  const cached = await runCli(['serve', tmp, '--port', '0', '--watch', '--cache', '60']);
  assert.equal(cached.code, 2);
  assert.match(cached.err, /--watch needs --cache 0/);
  const up = await runCli(['up', '--port', '0', '--collect-port', '0', '--no-stdin', '--watch']);
  assert.equal(up.code, 2);
  assert.match(up.err, /--watch needs a DIR to watch/);
});
