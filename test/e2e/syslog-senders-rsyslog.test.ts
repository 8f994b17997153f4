// Real-sender matrix, rsyslog: omfwd (octet-counted and LF) forwards 1,000,000 messages over one connection to `--syslog-port`, and every one is journaled exactly once, as its own record.
// Bug it pins (issue 14): muxd answered `ok <seq>` to senders that never read, the socket buffers filled, and the stream stalled for good at ~438,000.
import { test } from 'node:test';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { startRsyslog } from '../helpers/rsyslog-relp.js';
import { expectEachOnce, feedLines, omfwdConfig, omfwdIdOf, omfwdInputLine, startSyslogMuxd } from '../helpers/syslog-matrix.js';

const TOTAL = 1_000_000;

/** A fast Node writer feeds rsyslog's imtcp; omfwd forwards to muxd; `--syslog` parsing on, `--sync batch` (the default). */
async function omfwdMillion(diagnostic: (msg: string) => void, framing: 'octet-counted' | 'traditional'): Promise<void> {
  const t = await tempDir('muxd-omfwd-');
  const started = Date.now();
  const muxd = await startSyslogMuxd(t.dir);
  const rsyslog = await startRsyslog(t.dir, omfwdConfig(t.dir, muxd.syslogPort, framing));
  try {
    const inPort = await rsyslog.port(path.join(t.dir, 'imtcp.port'));
    const fed = feedLines({ host: '127.0.0.1', port: inPort }, TOTAL, omfwdInputLine);
    // Awaited before rsyslog stops; this only keeps a failure that comes first from being reported as unhandled.
    fed.catch(() => {});
    const d = await expectEachOnce(muxd, TOTAL, omfwdIdOf, {
      timeoutMs: 240_000,
      beforeStop: async () => {
        await fed;
        await rsyslog.stop();
      },
    });
    diagnostic(`omfwd ${framing}: ${d.tally.describe()}; ${d.records} records in ${Date.now() - started} ms`);
  } finally {
    await rsyslog.stop();
    await muxd.proc.stop('SIGKILL');
    await t.cleanup();
  }
}

test('rsyslog omfwd TCP_Framing="octet-counted" → --syslog-port: 1,000,000 messages on one connection, each journaled exactly once', { timeout: 300_000 }, async (t) => {
  await omfwdMillion((m) => t.diagnostic(m), 'octet-counted');
});

test('rsyslog omfwd LF framing ("traditional") → --syslog-port: 1,000,000 messages on one connection, each journaled exactly once', { timeout: 300_000 }, async (t) => {
  await omfwdMillion((m) => t.diagnostic(m), 'traditional');
});
