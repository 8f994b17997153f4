// `collect --admin`: /metrics scraped from a running collector under load agrees with its journal, per input; /health; the Host check.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { exchange, spawnCollect, tempDir } from '../helpers/collect.js';
import { sendFromNeverReader } from '../helpers/never-read.js';
import { parseAdminAddress } from '../../src/admin/address.js';

/** The value of one sample (`name{labels} value`) in Prometheus text, or NaN. */
function sample(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? NaN : Number(line.slice(series.length + 1));
}

test('collect --admin: counters scraped under load agree with the journal, per input; /health is ok; a foreign Host gets 403', { timeout: 180_000 }, async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const file = path.join(tmp.dir, 'j.jsonl');
  const muxd = await spawnCollect(['--no-stdin', '--syslog-port', '0', '--admin', '127.0.0.1:0', '--max-message', '64', '--journal', file]);
  t.after(() => muxd.stop());
  const text = (await muxd.waitLines(3)).join('\n');
  const syslogPort = Number(/listening syslog tcp:\/\/127\.0\.0\.1:(\d+)/.exec(text)![1]);
  const admin = /listening admin (http:\/\/127\.0\.0\.1:\d+)/.exec(text)![1]!;
  const scrape = async (): Promise<string> => (await fetch(`${admin}/metrics`)).text();

  const n = 200_000;
  const lines = await exchange(muxd.port, `one\ntwo\n${'x'.repeat(100)}\n`, { halfClose: true });
  assert.equal(lines.replies.length, 3);
  assert.match(lines.replies[0]!, /^ok \d+$/);
  assert.match(lines.replies[1]!, /^ok \d+$/);
  assert.match(lines.replies[2]!, /^error ERR_MESSAGE_TOO_LONG /);
  // Scrapes during the load are the test's clock: each must answer, and no counter goes back.
  let last = 0;
  let scrapes = 0;
  const landed = async (): Promise<void> => {
    for (;;) {
      const acked = sample(await scrape(), 'muxd_messages_acked_total');
      assert.ok(acked >= last, 'counters never go back');
      last = acked;
      scrapes++;
      if (acked >= n + 2) return;
    }
  };
  assert.equal(await sendFromNeverReader(syslogPort, n, 'nul', landed), 0);
  assert.ok(scrapes >= 2, `scraped ${scrapes} times during the load`);

  const m = await scrape();
  const journaled = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
  assert.equal(journaled.length, n + 2);
  assert.equal(sample(m, 'muxd_messages_acked_total'), journaled.length);
  assert.equal(sample(m, 'muxd_journal_last_seq'), journaled.length);
  assert.equal(sample(m, 'muxd_input_messages_total{input="syslog"}'), journaled.filter((l) => l.includes('"src":"syslog:')).length);
  assert.equal(sample(m, 'muxd_input_messages_total{input="collect"}'), 2);
  assert.equal(sample(m, 'muxd_input_refused_total{input="collect",code="ERR_MESSAGE_TOO_LONG"}'), 1);
  assert.equal(sample(m, 'muxd_input_connections{input="syslog"}'), 0);
  assert.ok(sample(m, 'muxd_journal_bytes_written_total') > 0);
  assert.match(m, /^muxd_journal_fdatasync_seconds_bucket/m);

  const health = await fetch(`${admin}/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  const status = (headers: Record<string, string>, p = '/metrics', method = 'GET') =>
    new Promise<number>((resolve, reject) => {
      const req = request(`${admin}${p}`, { method, headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  assert.equal(await status({ host: 'evil.example' }), 403, 'DNS rebinding: a foreign Host is refused');
  assert.equal(await status({}, '/nope'), 404);
  assert.equal(await status({}, '/metrics', 'POST'), 405);
});

test('--admin takes PORT or HOST:PORT; anything else is a usage error naming the flag', async () => {
  assert.deepEqual(parseAdminAddress('9464'), { host: '127.0.0.1', port: 9464 });
  assert.deepEqual(parseAdminAddress('0.0.0.0:0'), { host: '0.0.0.0', port: 0 });
  assert.deepEqual(parseAdminAddress('[::1]:9464'), { host: '::1', port: 9464 });
  for (const bad of ['', 'host', ':80', '1.2.3.4:99999', 'a:b']) assert.throws(() => parseAdminAddress(bad), /--admin takes PORT or HOST:PORT/);
});
