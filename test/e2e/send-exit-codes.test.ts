// `muxd send` exit codes through the built CLI: all ok → 0, an error reply → 1, server leaving → 1 with unanswered, usage → 2.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { startFakeCollector } from '../helpers/client-fake-collector.js';
import type { FakeCollector } from '../helpers/client-fake-collector.js';

const root = new URL('../../../', import.meta.url);
const cli = fileURLToPath(new URL('dist/cli/main.js', root));

const servers: FakeCollector[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function send(args: string[], stdin: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, 'send', ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.on('error', () => {});
  child.stdin.end(stdin);
  const [code] = (await once(child, 'close')) as [number | null];
  return { code, stdout, stderr };
}

const lines = (n: number, prefix = 'm'): string => Array.from({ length: n }, (_, i) => `${prefix}${i}\n`).join('');

test('muxd send: every line acknowledged → exit 0, summary on stderr, acks on stdout with --print-acks', async () => {
  const server = await startFakeCollector();
  servers.push(server);
  const r = await send([String(server.port), '--print-acks'], lines(300));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /sent 300, ok 300, failed 0, unanswered 0/);
  assert.equal(r.stdout.split('\n').filter(Boolean).length, 300);
  assert.ok(r.stdout.startsWith('ok 1\nok 2\n'));
  assert.equal(server.received.length, 300);
});

test('muxd send: one error reply → exit 1 with the failed count by code', async () => {
  const server = await startFakeCollector({ errorFor: (l) => (l === 'm7' ? 'ERR_MESSAGE_TOO_LONG' : null) });
  servers.push(server);
  const r = await send([`127.0.0.1:${server.port}`, '--window', '4'], lines(20));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /sent 20, ok 19, failed 1 \(ERR_MESSAGE_TOO_LONG 1\), unanswered 0/);
});

test('muxd send: the server closing mid-way → exit 1 with the unanswered count', async () => {
  const server = await startFakeCollector({ closeAfter: 5 });
  servers.push(server);
  const r = await send([String(server.port), '--window', '8'], lines(1000));
  assert.equal(r.code, 1);
  assert.match(r.stderr, /ERR_CONNECTION_CLOSED/);
  const m = /sent (\d+), ok 5, failed 0, unanswered (\d+)/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.ok(Number(m[2]) >= 1);
});

test('muxd send: usage errors → exit 2', async () => {
  for (const args of [[], ['notaport'], ['6666', '--window', '0'], ['6666', '--bogus'], ['1', '2']]) {
    const r = await send(args, '');
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, /ERR_(USAGE|INVALID_OPTION)/);
  }
});

test('muxd send: connection refused → exit 1 with a clear message', async () => {
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const port = (probe.address() as net.AddressInfo).port;
  probe.close();
  await once(probe, 'close');
  const r = await send([String(port)], 'x\n');
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`cannot connect to 127\\.0\\.0\\.1:${port}: connection refused \\(ERR_CONNECT_FAILED\\)`));
});

test('muxd send --file: a missing file or a folder → exit 1 without hanging on the open connection', async () => {
  const server = await startFakeCollector();
  servers.push(server);
  const missing = await send([String(server.port), '--file', fileURLToPath(new URL('no-such-file.txt', root))], '');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /cannot read --file: ENOENT \(ERR_IO\)/);
  const folder = await send([String(server.port), '--file', fileURLToPath(root)], '');
  assert.equal(folder.code, 1);
  assert.match(folder.stderr, /cannot read the input: EISDIR \(ERR_IO\)/);
});
