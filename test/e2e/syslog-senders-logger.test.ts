// Real-sender matrix, util-linux logger: --tcp (LF), --tcp --octet-count, and -d (UDP), 10,000 RFC 5424 messages each from one file, into `collect --syslog-port` and `--udp-port`; and `up --syslog-port`.
import { test } from 'node:test';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from '../helpers/collect.js';
import { spawnUp } from '../helpers/up-process.js';
import { body, expectEachOnce, expectUdpAccounted, idOf, startSyslogMuxd } from '../helpers/syslog-matrix.js';
import type { JournalRecord } from '../../src/journal/record.js';

const run = promisify(execFile);
const TOTAL = 10_000;

/** logger's RFC 5424 header for `-t matrix -p local1.notice`, parsed by --syslog. */
function loggerIdOf(rec: JournalRecord): number | null {
  const s = rec.syslog;
  if (s?.app !== 'matrix' || s.facility !== 'local1' || s.severity !== 'notice' || !/^\d{4}-\d\d-\d\dT/.test(s.time ?? '')) return null;
  return idOf(rec);
}

const modes = [
  { name: '--tcp (LF)', flags: ['--tcp'], udp: false },
  { name: '--tcp --octet-count', flags: ['--tcp', '--octet-count'], udp: false },
  { name: '-d (UDP)', flags: ['-d'], udp: true },
];

for (const mode of modes) {
  test(`logger ${mode.name}: ${TOTAL} messages, ${mode.udp ? 'journaled + reported drops = sent' : 'each journaled exactly once'}`, { timeout: 90_000 }, async (t) => {
    const tmp = await tempDir('muxd-logger-');
    const muxd = await startSyslogMuxd(tmp.dir, { udp: mode.udp });
    try {
      const input = path.join(tmp.dir, 'lines.txt');
      await writeFile(input, Array.from({ length: TOTAL }, (_, i) => `${body(i)}\n`).join(''));
      const started = Date.now();
      const port = mode.udp ? muxd.udpPort : muxd.syslogPort;
      await run('logger', [...mode.flags, '-n', '127.0.0.1', '-P', String(port), '-t', 'matrix', '-p', 'local1.notice', '-f', input]);
      const d = mode.udp ? await expectUdpAccounted(muxd, TOTAL, loggerIdOf) : await expectEachOnce(muxd, TOTAL, loggerIdOf);
      const report = 'report' in d ? `; muxd: ${JSON.stringify(d.report)}` : '';
      t.diagnostic(`logger ${mode.name}: ${d.tally.describe()}${report} in ${Date.now() - started} ms`);
    } finally {
      await muxd.proc.stop('SIGKILL');
      await tmp.cleanup();
    }
  });
}

test('muxd up --syslog-port: logger --tcp --octet-count, 1,000 messages, each journaled exactly once', { timeout: 60_000 }, async (t) => {
  const tmp = await tempDir('muxd-logger-up-');
  const journal = path.join(tmp.dir, 'j.jsonl');
  const up = await spawnUp(['--port', '0', '--collect-port', '0', '--no-stdin', '--syslog', '--journal', journal, '--syslog-port', '0']);
  try {
    const port = Number(/^listening syslog tcp:\/\/[^ ]+:(\d+)$/.exec(await up.waitLine(/^listening syslog /))?.[1]);
    const n = 1000;
    const input = path.join(tmp.dir, 'lines.txt');
    await writeFile(input, Array.from({ length: n }, (_, i) => `${body(i)}\n`).join(''));
    await run('logger', ['--tcp', '--octet-count', '-n', '127.0.0.1', '-P', String(port), '-t', 'matrix', '-p', 'local1.notice', '-f', input]);
    const d = await expectEachOnce({ journal, udpPort: 0, proc: up }, n, loggerIdOf);
    t.diagnostic(`up, logger --octet-count: ${d.tally.describe()}`);
  } finally {
    await up.stop();
    await tmp.cleanup();
  }
});
