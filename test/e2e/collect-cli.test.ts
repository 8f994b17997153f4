// `muxd collect` through the CLI: stdin piped as a source, the limit flags on the wire, clean SIGTERM exit, usage errors.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { cliPath, exchange, readJournal, spawnCollect, tempDir } from '../helpers/collect.js';
import { waitStderrLine } from '../helpers/stderr-wait.js';

const run = promisify(execFile);

test('stdin piped: lines are journaled as src "stdin" with "ok <seq>" on stderr; EOF keeps the server up; SIGTERM exits 0', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const file = path.join(t.dir, 'sub', 'journal.jsonl');
  const p = await spawnCollect(['--journal', file]);
  p.child.stdin.write('from the terminal\n');
  p.child.stdin.end('second\n');
  await waitStderrLine(p.child, p.stderr, /^ok 2$/);
  assert.deepEqual(p.stderr().split('\n').filter((l) => l.startsWith('ok ')), ['ok 1', 'ok 2']);
  assert.deepEqual(p.lines, [p.lines[0]], 'stdout holds only the listening line');
  assert.deepEqual((await exchange(p.port, 'over tcp\n', { halfClose: true })).replies, ['ok 3']);
  assert.equal(await p.stop('SIGTERM'), 0);
  const records = await readJournal(file);
  assert.deepEqual(
    records.map((r) => [r.seq, r.src, r.msg]),
    [
      [1, 'stdin', 'from the terminal'],
      [2, 'stdin', 'second'],
      [3, records[2]?.src, 'over tcp'],
    ],
  );
  assert.match(records[2]?.src ?? '', /^tcp:127\.0\.0\.1:\d+$/);
});

test('limit flags: ERR_MESSAGE_TOO_LONG, ERR_BUSY past --max-conns, ERR_IDLE_TIMEOUT after --idle-timeout', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl'), '--max-message', '8', '--max-conns', '1', '--idle-timeout', '1']);
  try {
    const sock = net.connect(p.port, '127.0.0.1');
    sock.setEncoding('utf8');
    let text = '';
    sock.on('data', (d: string) => (text += d));
    await once(sock, 'connect');
    sock.write('short\n123456789\n');
    const busy = await exchange(p.port, '');
    assert.equal(busy.replies.length, 1);
    assert.match(busy.replies[0]!, /^error ERR_BUSY /);
    await once(sock, 'end');
    assert.match(text, /^ok 1\nerror ERR_MESSAGE_TOO_LONG [^\n]+\nerror ERR_IDLE_TIMEOUT [^\n]+\n$/);
    sock.destroy();
  } finally {
    assert.equal(await p.stop(), 0);
  }
});

test('usage errors exit 2; --help exits 0 and lists every flag', async () => {
  await assert.rejects(run(process.execPath, [cliPath, 'collect', '--port', 'abc']), (err: { code: number; stderr: string }) => {
    assert.equal(err.code, 2);
    assert.match(err.stderr, /ERR_INVALID_OPTION/);
    return true;
  });
  await assert.rejects(run(process.execPath, [cliPath, 'collect', '--sync', 'sometimes']), { code: 2 });
  await assert.rejects(run(process.execPath, [cliPath, 'collect', '--bogus']), { code: 2 });
  await assert.rejects(run(process.execPath, [cliPath, 'collect', '--max-body-messages', '0']), { code: 2 });
  const { stdout } = await run(process.execPath, [cliPath, 'collect', '--help']);
  for (const flag of ['--host', '--port', '--journal', '--format', '--sync', '--ack', '--max-message', '--max-conns', '--idle-timeout', '--max-body-messages', '--rotate-size', '--keep', '--no-stdin']) {
    assert.ok(stdout.includes(flag), `help lists ${flag}`);
  }
});

test('out of file descriptors (ulimit -n 64): the shortage is logged, existing clients keep working, new ones are accepted once fds free up', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const p = await spawnCollect(['--no-stdin', '--journal', path.join(t.dir, 'j.jsonl')], { wrap: ['sh', '-c', 'ulimit -n 64; exec "$0" "$@"'] });
  const socks: net.Socket[] = [];
  try {
    const first = net.connect(p.port, '127.0.0.1');
    first.setEncoding('utf8');
    await once(first, 'connect');
    socks.push(first);
    for (let i = 0; i < 100; i++) {
      const s = net.connect(p.port, '127.0.0.1');
      s.on('error', () => {});
      socks.push(s);
    }
    await Promise.all(socks.slice(1).map((s) => Promise.race([once(s, 'connect'), once(s, 'close')])));
    first.write('still served\n');
    const [reply] = (await once(first, 'data')) as [string];
    assert.equal(reply, 'ok 1\n');
    // stderr is a separate pipe: give the log line a moment to arrive.
    for (let i = 0; i < 100 && !/EMFILE: \d+ connections/.test(p.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
    assert.match(p.stderr(), /open-file limit \(64\)/);
    assert.match(p.stderr(), /EMFILE: \d+ connections, open-file limit 64/);
    for (const s of socks) s.destroy();
    let later: string[] = [];
    for (let i = 0; i < 50 && later[0] !== 'ok 2'; i++) {
      later = (await exchange(p.port, 'later\n', { expect: 1 })).replies;
      if (later[0] !== 'ok 2') await new Promise((r) => setTimeout(r, 50));
    }
    assert.deepEqual(later, ['ok 2']);
  } finally {
    for (const s of socks) s.destroy();
    assert.equal(await p.stop(), 0);
  }
});

test('issue 14: `collect --journal app.log` on a file that is not a journal exits 1 with ERR_NOT_A_JOURNAL and leaves it byte for byte', async () => {
  const t = await tempDir();
  after(() => t.cleanup());
  const file = path.join(t.dir, 'app.log');
  const content = 'Dec  7 10:00:00 host app[1]: started\nno newline at the end';
  await writeFile(file, content);
  const r = await run(process.execPath, [cliPath, 'collect', '--port', '0', '--no-stdin', '--journal', file]).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code: number; stderr: string }) => err,
  );
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERR_NOT_A_JOURNAL/);
  assert.equal(await readFile(file, 'utf8'), content);
  assert.deepEqual((await readdir(t.dir)).sort(), ['app.log']);
});
