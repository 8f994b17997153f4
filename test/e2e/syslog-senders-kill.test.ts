// Real-sender matrix, crash: rsyslog omfwd → `--syslog-port` with muxd kill -9ed mid-stream and restarted on the same port and journal. Plain syslog has no acks, so what rsyslog had in flight may be lost (or sent twice): the test reports it and asserts what must hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { JournalFollower, Tally } from '../helpers/journal-follow.js';
import { startRsyslog } from '../helpers/rsyslog-relp.js';
import { feedLines, omfwdConfig, omfwdIdOf, omfwdInputLine, startSyslogMuxd } from '../helpers/syslog-matrix.js';

/** Messages fed before and during the crash, then after rsyslog reconnected. */
const BEFORE = 200_000;
const AFTER = 20_000;
const TOTAL = BEFORE + AFTER;

test('rsyslog omfwd → --syslog-port, muxd kill -9ed mid-stream and restarted: seqs continue, no foreign record, every message sent after the reconnect arrives once', { timeout: 240_000 }, async (t) => {
  const tmp = await tempDir('muxd-omfwd-kill-');
  let muxd = await startSyslogMuxd(tmp.dir);
  const port = muxd.syslogPort;
  // Octet-counted, as RFC 6587 recommends; omfwd retries a failed send forever (action.resumeRetryCount="-1").
  const rsyslog = await startRsyslog(tmp.dir, omfwdConfig(tmp.dir, port, 'octet-counted'));
  try {
    const inPort = await rsyslog.port(path.join(tmp.dir, 'imtcp.port'));
    const progress = new JournalFollower(muxd.journal, () => {});
    const fedBefore = feedLines({ host: '127.0.0.1', port: inPort }, BEFORE, omfwdInputLine);
    // Awaited after the restart; this only keeps a failure that comes first from being reported as unhandled.
    fedBefore.catch(() => {});
    await progress.until(() => progress.records >= BEFORE / 4, 'a quarter of the first messages', 120_000, 100);
    assert.equal(await muxd.proc.stop('SIGKILL'), 'SIGKILL');
    const atKill = new JournalFollower(muxd.journal, () => {});
    await atKill.poll();
    assert.ok(atKill.records < BEFORE, `muxd was killed mid-stream (${atKill.records} of ${BEFORE} journaled)`);

    const restartedAt = Date.now();
    muxd = await startSyslogMuxd(tmp.dir, { syslogPort: port });
    assert.equal(muxd.syslogPort, port, 'restarted on the same port');
    const reconnect = new JournalFollower(muxd.journal, () => {});
    await reconnect.until(() => reconnect.records > atKill.records, 'rsyslog to reconnect and send again', 60_000, 100);
    const reconnectMs = Date.now() - restartedAt;
    await fedBefore;
    // Everything fed from here on reaches rsyslog after it reconnected: none of it may be lost.
    await feedLines({ host: '127.0.0.1', port: inPort }, AFTER, (i) => omfwdInputLine(BEFORE + i));

    const tally = new Tally(TOTAL, omfwdIdOf);
    const sources = new Set<string>();
    // Read from the start: the follower checks that every line is a record and that seqs count up by one across the restart.
    const all = new JournalFollower(muxd.journal, (rec) => {
      tally.add(rec);
      sources.add(rec.src);
    });
    await all.until(() => tally.counts(BEFORE, TOTAL).missing === 0, 'every message sent after the reconnect', 120_000, 250);
    await rsyslog.stop();
    assert.equal(await muxd.proc.stop('SIGTERM'), 0, muxd.proc.stderr());
    await all.poll();
    assert.equal(all.unfinishedBytes, 0, 'the closed journal ends with LF');

    const lost = tally.counts(0, BEFORE);
    const afterReconnect = tally.counts(BEFORE, TOTAL);
    const report = [
      `kill -9 at ${atKill.records} of ${BEFORE} journaled (${atKill.unfinishedBytes} bytes of a record being written);`,
      `rsyslog reconnected ${reconnectMs} ms after the restart;`,
      `before and during the crash: ${lost.missing} lost, ${lost.duplicated} sent twice (+${lost.surplus} records);`,
      `after the reconnect: ${afterReconnect.once} of ${AFTER} once; ${all.records} records, seqs 1…${all.lastSeq}, ${sources.size} connections`,
    ].join(' ');
    console.log(`syslog-port kill -9: ${report}`);
    console.log(`rsyslog said:\n${rsyslog.output().trim().split('\n').slice(0, 6).join('\n')}`);
    t.diagnostic(report);

    assert.equal(lost.strays, 0, `every record is one message that was sent: ${tally.describe()}`);
    assert.equal(afterReconnect.once, AFTER, `every message sent after the reconnect, exactly once: ${tally.describe(BEFORE, TOTAL)}`);
    assert.ok(all.records >= atKill.records, 'what was journaled before the kill is still there');
    assert.equal(all.lastSeq, all.records, 'seqs 1…N with no gap or repeat across the restart');
    assert.ok(sources.size >= 2, `a new connection after the restart: ${[...sources].join(', ')}`);
    // In flight at the kill: at most what fits in both socket buffers and muxd's unsynced batch, never a whole run.
    assert.ok(lost.missing < BEFORE / 2, `rsyslog resent what failed after the restart: ${tally.describe(0, BEFORE)}`);
  } finally {
    await rsyslog.stop();
    await muxd.proc.stop('SIGKILL');
    await tmp.cleanup();
  }
});
