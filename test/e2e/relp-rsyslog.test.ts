// Real rsyslog omrelp → muxd: 20,000 messages from logger, muxd killed with -9 mid-stream and restarted on the same RELP port, none missing; and omrelp over mutual TLS.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { readLiveJournal, spawnCollect, tempDir } from '../helpers/collect.js';
import type { CollectProcess } from '../helpers/collect.js';
import { startRsyslog } from '../helpers/rsyslog-relp.js';
import { makeTestPki } from '../helpers/tls-certs.js';

const TOTAL = 20_000;

function relpPortOf(proc: CollectProcess): Promise<number> {
  return proc.waitLines(2).then((lines) => {
    const m = /^listening relp tcp:\/\/[^ ]+:(\d+)$/.exec(lines[1] ?? '');
    assert.ok(m, `relp listening line, got ${JSON.stringify(lines)}`);
    return Number(m[1]);
  });
}

/** Distinct `relpmsg-N` markers in the journal, and how many records carry one. */
async function markers(file: string): Promise<{ seen: Set<number>; records: number }> {
  const seen = new Set<number>();
  let records = 0;
  for (const r of await readLiveJournal(file)) {
    const m = /relpmsg-(\d+)$/.exec(String(r.msg));
    if (!m) continue;
    records++;
    seen.add(Number(m[1]));
  }
  return { seen, records };
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, detail: () => Promise<string> = async () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; ${await detail()}`);
    // The journal file is the only progress signal shared by three processes: poll it.
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('rsyslog omrelp → muxd survives kill -9 of muxd: rsyslog resends, every message is journaled', { timeout: 180_000 }, async (tc) => {
  const t = await tempDir('muxd-relp-');
  const journal = path.join(t.dir, 'j.jsonl');
  let muxd = await spawnCollect(['--relp-port', '0', '--no-stdin', '--journal', journal]);
  const relpPort = await relpPortOf(muxd);
  const rsyslog = await startRsyslog(
    t.dir,
    [
      `global(workDirectory="${t.dir}" maxMessageSize="64k")`,
      'module(load="imtcp")',
      'module(load="omrelp")',
      `input(type="imtcp" port="0" address="127.0.0.1" listenPortFileName="${t.dir}/imtcp.port")`,
      // Retry forever from an in-memory queue: what muxd did not answer "rsp 200" is resent after it comes back.
      `*.* action(type="omrelp" target="127.0.0.1" port="${relpPort}" action.resumeRetryCount="-1" action.resumeInterval="1"`,
      '       queue.type="LinkedList" queue.size="100000" queue.dequeueBatchSize="128")',
      '',
    ].join('\n'),
  );
  after(async () => {
    await rsyslog.stop();
    await muxd.stop('SIGKILL');
    await t.cleanup();
  });
  const inPort = await rsyslog.port(path.join(t.dir, 'imtcp.port'));

  const logger = execFile('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(inPort), '-t', 'relptest']);
  const loggerDone = once(logger, 'exit');
  const lines: string[] = [];
  for (let i = 1; i <= TOTAL; i++) lines.push(`relpmsg-${i}`);
  logger.stdin?.end(`${lines.join('\n')}\n`);

  // Kill muxd once a good part (but not all) of the stream is journaled.
  await waitFor('a quarter of the messages', async () => (await markers(journal)).records >= TOTAL / 4, 60_000);
  const before = (await markers(journal)).seen.size;
  assert.equal(await muxd.stop('SIGKILL'), 'SIGKILL');
  assert.ok(before < TOTAL, `muxd was killed mid-stream (${before} of ${TOTAL} journaled)`);

  muxd = await spawnCollect(['--relp-port', String(relpPort), '--no-stdin', '--journal', journal]);
  assert.equal(await relpPortOf(muxd), relpPort);
  const [code] = (await loggerDone) as [number | null];
  assert.equal(code, 0, 'logger delivered everything to rsyslog');

  const progress = async (): Promise<string> => {
    const { seen, records } = await markers(journal);
    const missing: number[] = [];
    for (let i = 1; i <= TOTAL && missing.length < 5; i++) if (!seen.has(i)) missing.push(i);
    return `${seen.size} of ${TOTAL} in ${records} records, first missing ${missing.join(', ')}; rsyslog: ${rsyslog.output().slice(-2000)}; muxd: ${muxd.stderr()}`;
  };
  await waitFor('every message', async () => (await markers(journal)).seen.size === TOTAL, 120_000, progress);
  const { seen, records } = await markers(journal);
  for (let i = 1; i <= TOTAL; i++) assert.ok(seen.has(i), `relpmsg-${i} is in the journal`);
  // Duplicates are allowed (RELP has no message ids: what was on disk but not yet answered is resent), but bounded by the window.
  assert.ok(records - TOTAL <= 128 * 2, `at most a window or two of duplicates, got ${records - TOTAL}`);
  tc.diagnostic(`killed at ${before} of ${TOTAL} journaled; ${records - TOTAL} duplicates after the restart`);
  assert.equal(await muxd.stop('SIGTERM'), 0);
});

test('rsyslog omrelp with tls="on" and a client certificate → muxd --relp-tls --tls-client-auth: every message journaled', { timeout: 60_000 }, async () => {
  const t = await tempDir('muxd-relp-tls-');
  const pki = await makeTestPki(t.dir);
  const journal = path.join(t.dir, 'j.jsonl');
  const muxd = await spawnCollect([
    '--relp-port', '0', '--relp-tls', '--no-stdin', '--journal', journal,
    '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--tls-ca', pki.ca, '--tls-client-auth',
  ]);
  const lines = await muxd.waitLines(2);
  const relpPort = Number(/^listening relp tls:\/\/[^ ]+:(\d+)$/.exec(lines[1] ?? '')?.[1]);
  assert.ok(relpPort > 0, JSON.stringify(lines));
  const rsyslog = await startRsyslog(
    t.dir,
    [
      `global(workDirectory="${t.dir}")`,
      'module(load="imtcp")',
      'module(load="omrelp" tls.tlslib="openssl")',
      `input(type="imtcp" port="0" address="127.0.0.1" listenPortFileName="${t.dir}/imtcp.port")`,
      `*.* action(type="omrelp" target="127.0.0.1" port="${relpPort}" tls="on" tls.authMode="certvalid"`,
      `       tls.caCert="${pki.ca}" tls.myCert="${pki.clientCert}" tls.myPrivKey="${pki.clientKey}"`,
      '       action.resumeRetryCount="-1" action.resumeInterval="1" queue.type="LinkedList")',
      '',
    ].join('\n'),
  );
  after(async () => {
    await rsyslog.stop();
    await muxd.stop('SIGKILL');
    await t.cleanup();
  });
  const inPort = await rsyslog.port(path.join(t.dir, 'imtcp.port'));
  const N = 1000;
  const logger = execFile('logger', ['--tcp', '-n', '127.0.0.1', '-P', String(inPort), '-t', 'relptls']);
  const loggerDone = once(logger, 'exit');
  logger.stdin?.end(`${Array.from({ length: N }, (_, i) => `relpmsg-${i + 1}`).join('\n')}\n`);
  assert.equal(((await loggerDone) as [number | null])[0], 0);
  await waitFor('every message over TLS', async () => (await markers(journal)).seen.size === N, 30_000);
  assert.equal((await markers(journal)).records, N, 'no duplicates without a crash');
  assert.equal(await muxd.stop('SIGTERM'), 0);
});
