// Regression (issue 18): with stdout a pipe nobody reads, serve's access log must neither block the loop nor buffer
// without bound, and the lines it drops were counted but never reported. Now: serving goes on, at most the cap
// (4 MiB) waits for the pipe, and stderr says how many lines were dropped; lines written + lines dropped = requests.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import { makeDocroot } from '../helpers/http-fixtures.js';
import { cliPath } from '../helpers/up-process.js';
import { waitStderrLine } from '../helpers/stderr-wait.js';

const CAP = 4 * 1024 * 1024;
const URL_BYTES = 8000;
const REQUESTS = 1500; // 1500 lines of ~8 KiB: about 12 MiB of log, three times the cap

test('a stdout pipe nobody reads: serving goes on, at most the cap is buffered, and dropped lines are reported', async () => {
  const root = await makeDocroot();
  after(() => root.cleanup());
  const child = spawn(process.execPath, [cliPath, 'serve', root.dir, '--port', '0', '--log', 'common'], { stdio: 'pipe' });
  after(() => child.kill('SIGKILL'));
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  // Read the listening line, then stop reading: the pipe and the reader's small buffer fill, and stay full.
  let out = '';
  const onData = (c: Buffer): void => {
    out += c.toString('latin1');
  };
  child.stdout.on('data', onData);
  while (!out.includes('\n')) await once(child.stdout, 'data');
  child.stdout.removeListener('data', onData);
  child.stdout.pause();
  const listening = out.slice(0, out.indexOf('\n') + 1);
  const port = Number(/^listening http http:\/\/127\.0\.0\.1:(\d+)\n$/.exec(listening)?.[1]);
  assert.ok(port > 0, listening);

  // Every request is answered although nobody reads the log: the loop never waits for the pipe.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const path = `/missing?q=${'a'.repeat(URL_BYTES)}`; // the query makes the line long; the log keeps it
  let answered = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (answered < REQUESTS) {
        answered++;
        await new Promise<void>((resolve, reject) => {
          http
            .get({ port, path, agent }, (res) => {
              res.resume();
              res.on('end', resolve);
            })
            .on('error', reject);
        });
      }
    }),
  );
  agent.destroy();
  const total = answered;
  await waitStderrLine(child, () => err, /WARN .*access-log: \d+ lines? dropped .*the output is not keeping up/);

  // Shutdown reports the count; reading again lets the last buffered lines (at most the cap) out, and the process ends.
  child.kill('SIGTERM');
  const closing = await waitStderrLine(child, () => err, /access-log: \d+ lines? dropped \((\d+) in all.*at shutdown/);
  let rest = '';
  child.stdout.setEncoding('latin1').on('data', (c: string) => (rest += c));
  child.stdout.resume();
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, err);
  const dropped = Number(/\((\d+) in all/.exec(closing)?.[1]);
  const written = (out.slice(listening.length) + rest).split('\n').filter(Boolean);
  const whole = /^127\.0\.0\.1 - - \[.+\] "GET \/missing\?q=a+ HTTP\/1\.1" 404 \d+$/;
  assert.equal(written.filter((l) => !whole.test(l)).length, 0, 'whole lines only');
  assert.equal(written.length + dropped, total, `${written.length} written + ${dropped} dropped`);
  // What waited was bounded: beyond the cap, only what the pipe and the reader's buffer took before we stopped reading.
  const lineBytes = written[0]!.length + 1;
  assert.ok(written.length * lineBytes <= CAP + 2 * 1024 * 1024, `${written.length} lines of ${lineBytes} bytes were held for the pipe`);
});
