// Real-sender matrix, syslog-ng: its syslog() (RFC 5424, octet-counted) and network() (RFC 3164, LF) destinations over TCP and UDP, and syslog() over TLS, 10,000 messages each, into `--syslog-port` (`--syslog-tls`) and `--udp-port`.
// Bug it pins (issue 14): syslog-ng treats any byte from a syslog server as a closed connection; muxd's first `ok` made it reconnect after 60 s and lose messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDir } from '../helpers/collect.js';
import { startSyslogNg } from '../helpers/syslog-ng.js';
import { makeTestPki } from '../helpers/tls-certs.js';
import { body, expectEachOnce, expectUdpAccounted, feedLines, idOf, startSyslogMuxd } from '../helpers/syslog-matrix.js';
import type { JournalRecord } from '../../src/journal/record.js';

const TOTAL = 10_000;

/** A local program's line, as syslog-ng's unix-stream source expects it (no hostname: syslog-ng adds its own). */
function inputLine(id: number): string {
  return `<134>Dec  7 14:00:00 matrix[42]: ${body(id)}`;
}

/** One matrix message that kept its header through syslog-ng: local0.info from app `matrix`, pid 42. */
function syslogNgIdOf(rec: JournalRecord): number | null {
  const s = rec.syslog;
  if (s?.app !== 'matrix' || s.procid !== '42' || s.facility !== 'local0' || s.severity !== 'info') return null;
  return idOf(rec);
}

for (const driver of ['syslog', 'network'] as const) {
  for (const transport of ['tcp', 'udp'] as const) {
    const framing = driver === 'syslog' ? 'RFC 5424' : 'RFC 3164';
    test(`syslog-ng ${driver}() transport("${transport}") (${framing}): ${TOTAL} messages, ${transport === 'tcp' ? 'each journaled exactly once' : 'journaled + reported drops = sent'}`, { timeout: 90_000 }, async (t) => {
      const tmp = await tempDir('muxd-syslog-ng-');
      const muxd = await startSyslogMuxd(tmp.dir, { udp: transport === 'udp' });
      const port = transport === 'tcp' ? muxd.syslogPort : muxd.udpPort;
      const sng = await startSyslogNg(tmp.dir, `${driver}("127.0.0.1" transport("${transport}") port(${port}))`);
      try {
        const started = Date.now();
        await feedLines({ path: sng.socket }, TOTAL, inputLine);
        const stats = await sng.waitWritten(TOTAL, 60_000);
        assert.equal(stats.dropped, 0, `syslog-ng dropped nothing: ${JSON.stringify(stats)}`);
        if (transport === 'tcp') {
          const d = await expectEachOnce(muxd, TOTAL, syslogNgIdOf, { beforeStop: () => sng.stop() });
          t.diagnostic(`syslog-ng ${driver}() tcp: ${d.tally.describe()} in ${Date.now() - started} ms`);
          assert.doesNotMatch(sng.output(), /EOF occurred/, 'syslog-ng never saw its connection closed');
        } else {
          const d = await expectUdpAccounted(muxd, TOTAL, syslogNgIdOf, { beforeStop: () => sng.stop() });
          t.diagnostic(`syslog-ng ${driver}() udp: ${d.tally.describe()}; muxd: ${JSON.stringify(d.report)} in ${Date.now() - started} ms`);
        }
      } finally {
        await sng.stop();
        await muxd.proc.stop('SIGKILL');
        await tmp.cleanup();
      }
    });
  }
}

test(`syslog-ng syslog() transport("tls") with a client certificate → --syslog-tls --tls-client-auth: ${TOTAL} messages, each journaled exactly once`, { timeout: 90_000 }, async (t) => {
  const tmp = await tempDir('muxd-syslog-ng-tls-');
  const pki = await makeTestPki(tmp.dir);
  const tls = ['--syslog-tls', '--tls-cert', pki.serverCert, '--tls-key', pki.serverKey, '--tls-ca', pki.ca, '--tls-client-auth'];
  const muxd = await startSyslogMuxd(tmp.dir, { extra: tls });
  // "localhost": the server certificate names it (syslog-ng checks the name it connected to).
  const sng = await startSyslogNg(
    tmp.dir,
    `syslog("localhost" transport("tls") port(${muxd.syslogPort}) ip-protocol(4) tls(ca-file("${pki.ca}") cert-file("${pki.clientCert}") key-file("${pki.clientKey}") peer-verify(required-trusted)))`,
  );
  try {
    const started = Date.now();
    await feedLines({ path: sng.socket }, TOTAL, inputLine);
    assert.equal((await sng.waitWritten(TOTAL, 60_000)).dropped, 0);
    const d = await expectEachOnce(muxd, TOTAL, syslogNgIdOf, { beforeStop: () => sng.stop() });
    t.diagnostic(`syslog-ng syslog() tls: ${d.tally.describe()} in ${Date.now() - started} ms`);
  } finally {
    await sng.stop();
    await muxd.proc.stop('SIGKILL');
    await tmp.cleanup();
  }
});
