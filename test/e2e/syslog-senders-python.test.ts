// Real-sender matrix, Python: logging.handlers.SysLogHandler over TCP (`<PRI>msg` + NUL, no LF) and UDP, 10,000 messages each; over TCP a traceback stays one record.
// Bug it pins (issue 14): NUL-terminated messages were glued into one `partial` record, and UDP kept the trailing `\u0000`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot, tempDir } from '../helpers/collect.js';
import { expectEachOnce, expectUdpAccounted, idOf, startSyslogMuxd } from '../helpers/syslog-matrix.js';
import type { JournalRecord } from '../../src/journal/record.js';

const run = promisify(execFile);
const SCRIPT = path.join(repoRoot, 'test/fixtures/syslog/syslog-handler.py');
const TOTAL = 10_000;
/** The traceback message: its first line, then Python's traceback, with no NUL and no trailing LF. */
const TRACEBACK = new RegExp(`^mx ${TOTAL} traceback\\nTraceback \\(most recent call last\\):\\n  File .+\\n[\\s\\S]*\\nZeroDivisionError: division by zero$`);

/** Python's SysLogHandler sends `<PRI>` and the message, no header: user.info for log.info, user.err for log.exception. */
function pythonIdOf(rec: JournalRecord): number | null {
  if (rec.syslog?.facility !== 'user') return null;
  if (rec.syslog.severity === 'err') return TRACEBACK.test(rec.msg ?? '') ? TOTAL : null;
  return rec.syslog.severity === 'info' ? idOf(rec) : null;
}

test(`Python SysLogHandler(socktype=SOCK_STREAM) → --syslog-port: ${TOTAL} NUL-terminated messages and a traceback, each journaled exactly once`, { timeout: 90_000 }, async (t) => {
  const tmp = await tempDir('muxd-python-');
  const muxd = await startSyslogMuxd(tmp.dir);
  try {
    const started = Date.now();
    await run('python3', [SCRIPT, '127.0.0.1', String(muxd.syslogPort), 'tcp', String(TOTAL)]);
    const d = await expectEachOnce(muxd, TOTAL + 1, pythonIdOf);
    assert.equal(d.tally.timesSeen(TOTAL), 1, 'the multi-line traceback is one record');
    t.diagnostic(`python tcp: ${d.tally.describe()} in ${Date.now() - started} ms`);
  } finally {
    await muxd.proc.stop('SIGKILL');
    await tmp.cleanup();
  }
});

test(`Python SysLogHandler(socktype=SOCK_DGRAM) → --udp-port: ${TOTAL} datagrams, the trailing NUL cut, journaled + reported drops = sent`, { timeout: 90_000 }, async (t) => {
  const tmp = await tempDir('muxd-python-udp-');
  const muxd = await startSyslogMuxd(tmp.dir, { udp: true });
  try {
    const started = Date.now();
    await run('python3', [SCRIPT, '127.0.0.1', String(muxd.udpPort), 'udp', String(TOTAL)]);
    const d = await expectUdpAccounted(muxd, TOTAL, pythonIdOf);
    t.diagnostic(`python udp: ${d.tally.describe()}; muxd: ${JSON.stringify(d.report)} in ${Date.now() - started} ms`);
  } finally {
    await muxd.proc.stop('SIGKILL');
    await tmp.cleanup();
  }
});
