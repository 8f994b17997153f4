// `muxd serve --workers N`: N processes on one port, a killed worker is restarted, one coherent access log, SIGTERM drains all.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDocroot, request } from '../helpers/http-fixtures.js';
import type { Docroot } from '../helpers/http-fixtures.js';
import { parseWorkers } from '../../src/http/features/workers.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'dist/cli/main.js');
let root: Docroot;

before(async () => {
  root = await makeDocroot();
});
after(() => root.cleanup());

/** Resolves once `read()` matches, re-checking on every chunk of the stream (no polling). */
async function waitFor(stream: NodeJS.ReadableStream, read: () => string, re: RegExp): Promise<RegExpExecArray> {
  for (;;) {
    const m = re.exec(read());
    if (m !== null) return m;
    await once(stream, 'data');
  }
}

test('--workers parses N and auto, and refuses anything else', () => {
  assert.equal(parseWorkers(undefined), undefined);
  assert.equal(parseWorkers('3'), 3);
  assert.ok(parseWorkers('auto')! >= 1);
  for (const bad of ['0', '-1', 'two', '1.5', '257']) assert.throws(() => parseWorkers(bad), { code: 'ERR_INVALID_OPTION' });
});

test('two workers serve one port; a SIGKILLed worker is restarted and serving goes on; SIGTERM exits 0 with whole log lines', { timeout: 60_000 }, async () => {
  const child = spawn(process.execPath, [cli, 'serve', root.dir, '--workers', '2', '--port', '0', '--log', 'common'], { stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit');
  try {
    const port = Number((await waitFor(child.stdout, () => out, /^listening http http:\/\/127\.0\.0\.1:(\d+)\n/))[1]);
    const pids = (await waitFor(child.stderr, () => err, /2 workers listening \(pids (\d+), (\d+)\)/)).slice(1).map(Number);
    assert.equal(new Set(pids).size, 2);
    assert.deepEqual((await request(port, '/small.txt')).body, root.files['small.txt']);

    process.kill(pids[0]!, 'SIGKILL');
    const replaced = await waitFor(child.stderr, () => err, new RegExp(`worker (\\d+) started in place of ${pids[0]}`));
    assert.notEqual(Number(replaced[1]), pids[0]);
    assert.match(err, new RegExp(`worker ${pids[0]} exited \\(SIGKILL\\); restarting in \\d+ ms`));

    // Many concurrent requests with long lines, spread over both workers (round-robin), all logged through the primary.
    const marker = `q=${'x'.repeat(3000)}`;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    const n = 400;
    const replies = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        new Promise<number>((resolve, reject) => {
          http.get({ host: '127.0.0.1', port, path: `/small.txt?i=${i}&${marker}`, agent }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          }).on('error', reject);
        }),
      ),
    );
    agent.destroy();
    assert.ok(replies.every((s) => s === 200));

    child.kill('SIGTERM');
    const [code] = await exit;
    assert.equal(code, 0, err);
    const lines = out.split('\n').filter((l) => l !== '' && !l.startsWith('listening '));
    const clf = /^127\.0\.0\.1 - - \[[^\]]+\] "GET \/small\.txt(\?i=\d+&q=x{3000})? HTTP\/1\.1" 200 6$/;
    for (const line of lines) assert.match(line, clf, `a log line was cut or interleaved: ${line.slice(0, 200)}`);
    assert.equal(lines.filter((l) => l.includes(marker)).length, n, 'every request of the live workers is logged once');
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
});

test('up has no --workers: the journal needs one writer', async () => {
  const child = spawn(process.execPath, [cli, 'up', '--workers', '2'], { stdio: 'pipe' });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
  assert.match(err, /workers/);
});
