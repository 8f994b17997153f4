// --udp-port and --relp-port through the CLI: `muxd collect` and `muxd up` announce them, logger -d lands in the journal, drops show in /_muxd/metrics.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { readJournal, readLiveJournal, spawnCollect, tempDir } from '../helpers/collect.js';
import { spawnUp } from '../helpers/up-process.js';
import { RelpTestClient } from '../helpers/relp-client.js';

const run = promisify(execFile);

/** UDP has no acks: poll the journal until `n` records are there. */
async function journalHas(file: string, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((await readLiveJournal(file)).length < n) {
    if (Date.now() > deadline) throw new Error(`journal did not reach ${n} records`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('collect --udp-port --relp-port: one listening line each; logger -d and a RELP session both reach the journal', async () => {
  const t = await tempDir('muxd-udp-cli-');
  after(() => t.cleanup());
  const journal = path.join(t.dir, 'j.jsonl');
  const p = await spawnCollect(['--no-stdin', '--journal', journal, '--relp-port', '0', '--udp-port', '0']);
  try {
    const lines = await p.waitLines(3);
    const relp = /^listening relp tcp:\/\/127\.0\.0\.1:(\d+)$/.exec(lines[1] ?? '');
    const udp = /^listening udp udp:\/\/127\.0\.0\.1:(\d+)$/.exec(lines[2] ?? '');
    assert.ok(relp && udp, JSON.stringify(lines));
    await run('logger', ['-d', '-n', '127.0.0.1', '-P', udp[1]!, '-t', 'cli', 'from logger -d']);
    await journalHas(journal, 1);
    const c = await RelpTestClient.connect(Number(relp[1]));
    await c.open();
    c.send('syslog', '<14>from relp');
    await c.waitFrames(2);
    c.destroy();
  } finally {
    assert.equal(await p.stop(), 0);
  }
  const records = await readJournal(journal);
  assert.match(String(records[0]?.msg), /cli .*from logger -d$/);
  assert.match(records[0]?.src ?? '', /^udp:127\.0\.0\.1:\d+$/);
  assert.equal(records[1]?.msg, '<14>from relp');
  assert.match(records[1]?.src ?? '', /^relp:127\.0\.0\.1:\d+$/);
});

test('up --udp-port --relp-port: listeners announced, UDP messages journaled, muxd_udp_dropped_total exported', async () => {
  const t = await tempDir('muxd-udp-up-');
  after(() => t.cleanup());
  const journal = path.join(t.dir, 'j.jsonl');
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--journal', journal, '--udp-port', '0', '--relp-port', '0']);
  try {
    await up.waitLine(/^listening relp tcp:\/\//);
    const udp = await up.waitLine(/^listening udp udp:\/\//);
    await run('logger', ['-d', '-n', '127.0.0.1', '-P', /:(\d+)$/.exec(udp)![1]!, 'up over udp']);
    await journalHas(journal, 1);
    const metrics = await (await fetch(`${up.httpUrl}/_muxd/metrics`)).text();
    assert.match(metrics, /^muxd_udp_dropped_total 0$/m);
    assert.match(metrics, /^muxd_messages_acked_total 1$/m);
  } finally {
    assert.equal(await up.stop(), 0);
  }
});
