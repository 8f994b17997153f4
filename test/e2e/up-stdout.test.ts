// stdout is data: `muxd up > access.log` and `muxd collect > out` capture listening lines and the access log, never the acks of terminal lines.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { open, readFile } from 'node:fs/promises';
import path from 'node:path';
import { cliPath, tempDir } from '../helpers/collect.js';
import { waitStderrLine } from '../helpers/stderr-wait.js';

/** Runs `muxd ARGS > file` with a piped terminal; returns the child, its stderr so far, and the file. */
async function spawnToFile(dir: string, args: string[]) {
  const out = path.join(dir, 'stdout.log');
  const fh = await open(out, 'w');
  const child = spawn(process.execPath, [cliPath, ...args], { cwd: dir, stdio: ['pipe', fh.fd, 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  await fh.close();
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => (err += d));
  const exited = once(child, 'exit');
  return { child, stderr: () => err, out, exited };
}

test('issue 15: `muxd up > access.log` captured the acks of lines typed at its terminal; they go to stderr, stdout holds listening lines and the access log', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const up = await spawnToFile(t.dir, ['up', '--port', '0', '--collect-port', '0', '--journal', path.join(t.dir, 'j.jsonl')]);
  up.child.stdin!.write('typed at the terminal\n');
  // The listening lines are written before the terminal is read, so once an ack came they are in the file.
  assert.equal(await waitStderrLine(up.child, up.stderr, /^ok \d+$/), 'ok 1');
  const url = /^listening http (\S+)$/m.exec(await readFile(up.out, 'utf8'))?.[1];
  assert.ok(url, 'the listening line is on stdout');
  assert.equal((await fetch(`${url}/_muxd/health`)).status, 200);
  up.child.kill('SIGTERM');
  assert.equal((await up.exited)[0], 0, up.stderr());
  const lines = (await readFile(up.out, 'utf8')).trimEnd().split('\n');
  assert.deepEqual(lines.slice(0, 2).map((l) => l.split(' ').slice(0, 2).join(' ')), ['listening http', 'listening collect']);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[2]!, /"GET \/_muxd\/health HTTP\/1\.1" 200 /, 'then the access log');
});

test('stdout is data in collect too: piped terminal lines are acked on stderr, stdout keeps its one listening line', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const c = await spawnToFile(t.dir, ['collect', '--port', '0', '--journal', path.join(t.dir, 'j.jsonl')]);
  c.child.stdin!.end('one\ntwo\n');
  await waitStderrLine(c.child, c.stderr, /^ok 2$/);
  c.child.kill('SIGTERM');
  assert.equal((await c.exited)[0], 0, c.stderr());
  assert.match(await readFile(c.out, 'utf8'), /^listening collect tcp:\/\/127\.0\.0\.1:\d+\n$/);
});
