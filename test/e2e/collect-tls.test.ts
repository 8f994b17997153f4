// TLS on the collector through the CLI: openssl s_client, ncat --ssl and muxd send --tls get in; with --tls-client-auth only a CA-signed client certificate does.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { cliPath, readJournal, repoRoot, spawnCollect, tempDir } from '../helpers/collect.js';
import { makeTestPki } from '../helpers/tls-certs.js';
import type { TestPki } from '../helpers/tls-certs.js';
import { RelpTestClient } from '../helpers/relp-client.js';

let dir = '';
let pki: TestPki;
let cleanup: () => Promise<void> = async () => {};

before(async () => {
  const t = await tempDir('muxd-tls-');
  dir = t.dir;
  cleanup = t.cleanup;
  pki = await makeTestPki(dir);
});
after(() => cleanup());

/** Runs a command with `input` on stdin; resolves with its exit code, stdout and stderr once it exits. */
function runWith(cmd: string, args: string[], input: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd: repoRoot, timeout: 20_000 }, (error, out, err) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: String(out), err: String(err) });
    });
    child.stdin?.end(input);
  });
}

/**
 * `openssl s_client -quiet` never ends on stdin EOF by itself: write a line, wait for its reply on stdout
 * (or for s_client to exit when the server refuses it), then stop it.
 */
async function sClient(port: number, extra: string[], line: string): Promise<{ out: string; err: string }> {
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', pki.ca, '-verify_return_error', '-quiet', ...extra], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = once(child, 'exit');
  const answered = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      if (out.includes('\n')) resolve();
    });
  });
  child.stdin.write(`${line}\n`);
  await Promise.race([answered, exited]);
  if (child.exitCode === null) child.kill();
  await exited;
  return { out, err };
}

test('tls: s_client and ncat --ssl verify the collector against the CA and get ok replies; the listening line says tls://', async () => {
  const journal = path.join(dir, 'plain-auth.jsonl');
  const p = await spawnCollect(['--no-stdin', '--journal', journal, '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey]);
  try {
    assert.match(p.lines[0] ?? '', /^listening collect tls:\/\/127\.0\.0\.1:\d+$/);
    const s = await sClient(p.port, [], 'via s_client');
    assert.equal(s.out, 'ok 1\n', s.err);
    const n = await runWith('ncat', ['--ssl', '--ssl-verify', '--ssl-trustfile', pki.ca, 'localhost', String(p.port)], 'via ncat 1\nvia ncat 2\n');
    assert.equal(n.out, 'ok 2\nok 3\n', n.err);
    assert.equal(n.code, 0);
    const sent = await runWith(process.execPath, [cliPath, 'send', '--tls', '--ca', pki.ca, `127.0.0.1:${p.port}`], 'via send\n');
    assert.equal(sent.code, 0, sent.err);
    // A client that does not trust the server's CA refuses it.
    const untrusting = await runWith(process.execPath, [cliPath, 'send', '--tls', `127.0.0.1:${p.port}`], 'nope\n');
    assert.equal(untrusting.code, 1);
    assert.match(untrusting.err, /ERR_CONNECT_FAILED/);
    assert.match(untrusting.err, /TLS: .*certificate/);
  } finally {
    assert.equal(await p.stop(), 0);
  }
  assert.deepEqual(
    (await readJournal(journal)).map((r) => r.msg),
    ['via s_client', 'via ncat 1', 'via ncat 2', 'via send'],
  );
});

test('tls: with --tls-client-auth only clients holding a certificate signed by --tls-ca get in', async () => {
  const journal = path.join(dir, 'mutual.jsonl');
  const p = await spawnCollect([
    '--no-stdin',
    '--journal',
    journal,
    '--tls-cert',
    pki.serverCert,
    '--tls-key',
    pki.serverKey,
    '--tls-ca',
    pki.ca,
    '--tls-client-auth',
  ]);
  try {
    const good = await sClient(p.port, ['-cert', pki.clientCert, '-key', pki.clientKey], 'good s_client');
    assert.equal(good.out, 'ok 1\n', good.err);
    const none = await sClient(p.port, [], 'no certificate');
    assert.equal(none.out, '');
    assert.match(none.err, /certificate required/);
    const rogue = await sClient(p.port, ['-cert', pki.rogueCert, '-key', pki.rogueKey], 'rogue s_client');
    // Refused in the handshake (an alert, or just the closed connection, depending on timing): no reply, nothing journaled.
    assert.equal(rogue.out, '');

    const ncatGood = await runWith(
      'ncat',
      ['--ssl', '--ssl-verify', '--ssl-trustfile', pki.ca, '--ssl-cert', pki.clientCert, '--ssl-key', pki.clientKey, 'localhost', String(p.port)],
      'good ncat\n',
    );
    assert.equal(ncatGood.out, 'ok 2\n', ncatGood.err);
    const ncatRogue = await runWith('ncat', ['--ssl', '--ssl-cert', pki.rogueCert, '--ssl-key', pki.rogueKey, '127.0.0.1', String(p.port)], 'rogue ncat\n');
    assert.equal(ncatRogue.out, '');

    const sendGood = await runWith(
      process.execPath,
      [cliPath, 'send', '--tls', '--ca', pki.ca, '--cert', pki.clientCert, '--key', pki.clientKey, `127.0.0.1:${p.port}`],
      'good send 1\ngood send 2\n',
    );
    assert.equal(sendGood.code, 0, sendGood.err);
    const sendRogue = await runWith(
      process.execPath,
      [cliPath, 'send', '--tls', '--ca', pki.ca, '--cert', pki.rogueCert, '--key', pki.rogueKey, `127.0.0.1:${p.port}`],
      'rogue send\n',
    );
    // With TLS 1.3 the client's handshake is done before the server checks its certificate: the refusal arrives
    // as an alert or a closed connection, either before or after the first line was written.
    assert.equal(sendRogue.code, 1);
    assert.match(sendRogue.err, /ERR_CONNECTION_CLOSED|ERR_CONNECT_FAILED|ERR_IO/);
    assert.match(sendRogue.err, /ok 0/);
  } finally {
    assert.equal(await p.stop(), 0);
  }
  assert.deepEqual(
    (await readJournal(journal)).map((r) => r.msg),
    ['good s_client', 'good ncat', 'good send 1', 'good send 2'],
  );
  assert.match(p.stderr(), /TLS handshake failed/);
});

test('tls: --relp-tls serves RELP over TLS with the same certificate and client rules', async () => {
  const journal = path.join(dir, 'relp-tls.jsonl');
  const p = await spawnCollect([
    '--no-stdin',
    '--journal',
    journal,
    '--relp-port',
    '0',
    '--relp-tls',
    '--tls-cert',
    pki.serverCert,
    '--tls-key',
    pki.serverKey,
    '--tls-ca',
    pki.ca,
    '--tls-client-auth',
  ]);
  try {
    const lines = await p.waitLines(2);
    const m = /^listening relp tls:\/\/127\.0\.0\.1:(\d+)$/.exec(lines[1] ?? '');
    assert.ok(m, JSON.stringify(lines));
    const [ca, cert, key] = await Promise.all([readFile(pki.ca), readFile(pki.clientCert), readFile(pki.clientKey)]);
    const c = await RelpTestClient.connect(Number(m[1]), { ca, cert, key, servername: 'localhost' });
    await c.open();
    c.send('syslog', '<13>over relp and tls');
    c.send('close');
    await c.closed;
    assert.deepEqual(
      c.frames.slice(1).map((f) => `${f.txnr} ${f.command} ${f.data}`),
      ['2 rsp 200 OK', '3 rsp ', '0 serverclose '],
    );
  } finally {
    assert.equal(await p.stop(), 0);
  }
  assert.deepEqual((await readJournal(journal)).map((r) => r.msg), ['<13>over relp and tls']);
});

test('tls: flags that need each other are usage errors (exit 2)', async () => {
  const r1 = await runWith(process.execPath, [cliPath, 'collect', '--port', '0', '--no-stdin', '--tls-cert', pki.serverCert], '');
  assert.equal(r1.code, 2);
  assert.match(r1.err, /--tls-cert and --tls-key go together/);
  const r2 = await runWith(process.execPath, [cliPath, 'collect', '--port', '0', '--no-stdin', '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--tls-client-auth'], '');
  assert.equal(r2.code, 2);
  assert.match(r2.err, /--tls-client-auth needs --tls-ca/);
  const r3 = await runWith(process.execPath, [cliPath, 'send', '--ca', pki.ca, '127.0.0.1:1'], '');
  assert.equal(r3.code, 2);
  assert.match(r3.err, /--ca, --cert and --key need --tls/);
});
