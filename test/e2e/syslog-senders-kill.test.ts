// Real-sender matrix, crash: rsyslog omfwd → `--syslog-port` with muxd kill -9ed mid-stream and restarted on the same port and journal. Plain syslog has no acks, so what rsyslog had in flight may be lost (or sent twice): the test reports it and asserts what must hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from '../helpers/collect.js';
import { JournalFollower, Tally } from '../helpers/journal-follow.js';
import { startRsyslog } from '../helpers/rsyslog-relp.js';
import { feedLines, omfwdConfig, omfwdIdOf, omfwdInputLine, startSyslogMuxd } from '../helpers/syslog-matrix.js';

/** Messages fed before the kill, then while muxd is down (rsyslog queues them), */
const FIRST = 100_000;
const DURING = 100_000;
/** then one at a time until one arrives through the new connection (a few; room for 60 s of them), */
const PROBES = 1000;
/** then after that: none of these may be lost. */
const AFTER = 20_000;
const BEFORE = FIRST + DURING + PROBES;
const TOTAL = BEFORE + AFTER;

/** Journal size at which muxd is killed: about 20,000 records of the first 100,000. */
const KILL_AT_BYTES = 20_000 * 230;

/** Resolves once `file` has `bytes` bytes: a stat, not a parse, so that muxd dies while rsyslog is still sending. */
async function grownTo(file: string, bytes: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (((await stat(file).catch(() => null))?.size ?? 0) < bytes) {
    if (Date.now() > deadline) throw new Error(`${file} did not reach ${bytes} bytes`);
    // The journal's size is the only progress signal muxd and rsyslog share: look often, it is cheap.
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Writes probe messages to rsyslog's imtcp, one every 200 ms, until stopped. */
function startProbes(port: number): { sent(): number; stop(): void } {
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', () => {});
  let n = 0;
  const timer = setInterval(() => {
    if (n < PROBES) sock.write(`${omfwdInputLine(FIRST + DURING + n++)}\n`);
  }, 200);
  return {
    sent: () => n,
    stop: () => {
      clearInterval(timer);
      sock.end();
    },
  };
}

test('rsyslog omfwd → --syslog-port, muxd kill -9ed mid-stream and restarted: seqs continue, no foreign record, every message sent after the reconnect arrives once', { timeout: 240_000 }, async (t) => {
  const tmp = await tempDir('muxd-omfwd-kill-');
  let muxd = await startSyslogMuxd(tmp.dir);
  const port = muxd.syslogPort;
  // Octet-counted, as RFC 6587 recommends; omfwd retries a failed send forever (action.resumeRetryCount="-1").
  const rsyslog = await startRsyslog(tmp.dir, omfwdConfig(tmp.dir, port, 'octet-counted'));
  try {
    const inPort = await rsyslog.port(path.join(tmp.dir, 'imtcp.port'));
    const fedFirst = feedLines({ host: '127.0.0.1', port: inPort }, FIRST, omfwdInputLine);
    // Awaited later; this only keeps a failure that comes first from being reported as unhandled.
    fedFirst.catch(() => {});
    await grownTo(muxd.journal, KILL_AT_BYTES, 120_000);
    assert.equal(await muxd.proc.stop('SIGKILL'), 'SIGKILL');
    const atKill = new JournalFollower(muxd.journal, () => {});
    await atKill.poll();
    // imtcp takes these while muxd is down; rsyslog holds them in its queue (and then blocks imtcp) until it reconnects.
    const fedDuring = feedLines({ host: '127.0.0.1', port: inPort }, DURING, (i) => omfwdInputLine(FIRST + i));
    fedDuring.catch(() => {});

    const restartedAt = Date.now();
    muxd = await startSyslogMuxd(tmp.dir, { syslogPort: port });
    assert.equal(muxd.syslogPort, port, 'restarted on the same port');
    // What rsyslog had queued may all have been lost in flight, leaving it nothing to send: probes make it
    // reconnect, and the first probe in the journal proves that the new connection carries messages.
    const probes = startProbes(inPort);
    let probeSeen = false;
    const reconnect = new JournalFollower(muxd.journal, (rec) => {
      const id = omfwdIdOf(rec);
      if (id !== null && id >= FIRST + DURING && id < BEFORE) probeSeen = true;
    });
    try {
      await reconnect.until(() => probeSeen, 'a probe through the new connection', 60_000, 100);
    } finally {
      probes.stop();
    }
    const reconnectMs = Date.now() - restartedAt;
    const sentBefore = FIRST + DURING + probes.sent();
    await fedFirst;
    await fedDuring;
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

    const lost = tally.counts(0, sentBefore);
    const queuedWhileDown = tally.counts(FIRST, FIRST + DURING);
    const afterReconnect = tally.counts(BEFORE, TOTAL);
    const report = [
      `kill -9 at ${atKill.records} of the first ${FIRST} journaled (${atKill.unfinishedBytes} bytes of a record being written);`,
      `rsyslog reconnected ${reconnectMs} ms after the restart (${probes.sent()} probes);`,
      `of the ${sentBefore} sent before the reconnect: ${lost.missing} lost, ${lost.duplicated} sent twice (+${lost.surplus} records),`,
      `of which fed while muxd was down: ${queuedWhileDown.missing} lost;`,
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
    // Lost is what was in flight on the dead connection (socket buffers, muxd's unsynced batch); what rsyslog
    // queued while muxd was down goes out on the new connection.
    assert.ok(queuedWhileDown.missing < DURING / 2, `rsyslog sent what it queued while muxd was down: ${tally.describe(FIRST, FIRST + DURING)}`);
  } finally {
    await rsyslog.stop();
    await muxd.proc.stop('SIGKILL');
    await tmp.cleanup();
  }
});
