// Real syslog producers against `muxd collect --syslog`: util-linux logger (LF, --octet-count, --rfc3164) and rsyslog omfwd octet-counted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { readLiveJournal, spawnCollect, tempDir } from '../helpers/collect.js';
import type { CollectProcess } from '../helpers/collect.js';
import { startRsyslog } from '../helpers/rsyslog.js';
import type { JournalRecord } from '../../src/journal/record.js';

const run = promisify(execFile);
const LOGGER = '/usr/bin/logger';

/** Reads the journal until it holds `n` records (the collector answers the producer, which does not wait for it). */
async function records(file: string, n: number, timeoutMs = 20_000): Promise<JournalRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const recs = await readLiveJournal(file);
    if (recs.length >= n) return recs;
    if (Date.now() > deadline) throw new Error(`journal has ${recs.length} of ${n} records`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function collect(t: { after(fn: () => Promise<unknown>): void }, dir: string): Promise<{ muxd: CollectProcess; file: string }> {
  const file = path.join(dir, 'j.jsonl');
  const muxd = await spawnCollect(['--no-stdin', '--syslog', '--journal', file]);
  t.after(() => muxd.stop());
  return { muxd, file };
}

test('logger in three modes: LF (RFC 5424), --octet-count, --rfc3164 each become one record with syslog fields', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const { muxd, file } = await collect(t, tmp.dir);
  const base = ['--tcp', '-n', '127.0.0.1', '-P', String(muxd.port)];
  await run(LOGGER, [...base, '-t', 'lfapp', '-p', 'user.notice', '--msgid', 'M1', 'hello over LF']);
  await records(file, 1);
  await run(LOGGER, [...base, '--octet-count', '-t', 'octapp', '-p', 'local0.warning', '--sd-id', 'ex@32473', '--sd-param', 'k="v"', 'hello octet']);
  await records(file, 2);
  await run(LOGGER, [...base, '--rfc3164', '-t', 'bsdapp', '-p', 'mail.err', 'hello bsd']);
  const recs = await records(file, 3);
  assert.equal(recs.length, 3);
  const [lf, oc, bsd] = recs as [JournalRecord, JournalRecord, JournalRecord];
  assert.equal(lf.msg, 'hello over LF');
  assert.equal(lf.syslog?.facility, 'user');
  assert.equal(lf.syslog?.severity, 'notice');
  assert.equal(lf.syslog?.app, 'lfapp');
  assert.equal(lf.syslog?.msgid, 'M1');
  assert.match(lf.syslog?.time ?? '', /^\d{4}-\d\d-\d\dT/);
  assert.equal(oc.msg, 'hello octet', 'the frame length is not part of the message (bug #9)');
  assert.equal(oc.partial, undefined);
  assert.equal(oc.syslog?.severity, 'warning');
  assert.equal(oc.syslog?.app, 'octapp');
  assert.deepEqual(oc.syslog?.sd?.['ex@32473'], { k: 'v' });
  assert.equal(bsd.msg, 'hello bsd');
  assert.equal(bsd.syslog?.facility, 'mail');
  assert.equal(bsd.syslog?.severity, 'err');
  assert.equal(bsd.syslog?.app, 'bsdapp');
  assert.match(bsd.syslog?.time ?? '', /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d$/);
  assert.ok(bsd.syslog?.host !== undefined && bsd.syslog.host.length > 0);
});

test('rsyslog omfwd TCP_Framing="octet-counted": steady traffic and a message with LF arrive whole (bug #9)', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const { muxd, file } = await collect(t, tmp.dir);
  const rs = await startRsyslog(
    tmp.dir,
    `action(type="omfwd" target="127.0.0.1" port="${muxd.port}" protocol="tcp" TCP_Framing="octet-counted")`,
  );
  t.after(() => rs.stop());
  const count = 2000;
  const input = path.join(tmp.dir, 'lines.txt');
  await writeFile(input, Array.from({ length: count }, (_, i) => `steady message ${i}`).join('\n') + '\n');
  await run(LOGGER, ['-u', rs.socket, '--socket-errors=on', '-t', 'rsyapp', '-p', 'local3.info', '-f', input]);
  await run(LOGGER, ['-u', rs.socket, '--socket-errors=on', '-t', 'rsyapp', '-p', 'local3.err', 'first line\nsecond line']);
  const recs = await records(file, count + 1);
  assert.equal(recs.length, count + 1, rs.stderr());
  for (let i = 0; i < count; i++) {
    assert.equal(recs[i]!.msg, `steady message ${i}`);
    assert.equal(recs[i]!.syslog?.app, 'rsyapp');
    assert.equal(recs[i]!.syslog?.severity, 'info');
    assert.equal(recs[i]!.syslog?.facility, 'local3');
    assert.match(recs[i]!.syslog?.time ?? '', /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d$/, 'omfwd sends RFC 3164 by default');
  }
  const last = recs[count]!;
  assert.equal(last.msg, 'first line\nsecond line', 'LF inside an octet-counted frame is kept');
  assert.equal(last.syslog?.severity, 'err');
  assert.ok(recs.every((r) => r.partial === undefined));
});
