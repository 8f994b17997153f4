// The syslog port on real sockets: never a byte back (messages, refusals, idle, bad frames, shutdown), NUL/LF/octet framing per connection, TLS, a million from a never-reading sender.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { collectorTlsFrom } from '../../src/collector/tls.js';
import { readJournal, startCollector, tempDir } from '../helpers/collect.js';
import type { InProcessCollector } from '../helpers/collect.js';
import { makeTestPki } from '../helpers/tls-certs.js';
import { sendFromNeverReader } from '../helpers/never-read.js';
import type { CollectorOptions } from '../../src/collector/options.js';

/** Starts a collector with a syslog port; resolves with it and that port. */
async function startSyslog(opts: Partial<CollectorOptions> = {}): Promise<InProcessCollector & { syslogPort: number }> {
  const c = await startCollector({ syslogPort: 0, ...opts });
  const l = c.server.listening.find((x) => x.kind === 'syslog');
  assert.ok(l, 'a syslog listener');
  return { ...c, syslogPort: l.info.port };
}

/** Connects, sends `payload` (half-closing unless `keepOpen`), and resolves with every byte received and whether the server closed first. */
async function talk(socket: net.Socket, payload: string | Buffer, keepOpen = false): Promise<{ received: Buffer; closedByServer: boolean }> {
  const got: Buffer[] = [];
  let closedByServer = true;
  socket.on('data', (d: Buffer) => got.push(d));
  socket.on('error', () => {});
  if (keepOpen) socket.write(payload);
  else {
    closedByServer = false;
    socket.end(payload);
  }
  await once(socket, 'close');
  return { received: Buffer.concat(got), closedByServer };
}

async function connect(port: number): Promise<net.Socket> {
  const s = net.connect(port, '127.0.0.1');
  await once(s, 'connect');
  return s;
}

test('the syslog port takes NUL, LF and octet-counted senders side by side and never writes a byte', async (t) => {
  const c = await startSyslog();
  t.after(() => c.stop());
  const [nul, lf, octet] = await Promise.all([connect(c.syslogPort), connect(c.syslogPort), connect(c.syslogPort)]);
  const srcs = new Map([nul, lf, octet].map((s) => [s, `syslog:127.0.0.1:${s.localPort}`]));
  const results = await Promise.all([
    talk(nul, '<14>py 0\0<14>py 1\0<11>Traceback:\n  File "x"\nValueError: boom\0'),
    talk(lf, '<13>lf 0\r\n<13>lf 1\n'),
    talk(octet, '9 <13>oct 012 <13>oct\n1\n2'),
  ]);
  for (const r of results) assert.equal(r.received.length, 0, 'not one byte back');
  await c.journal.close();
  const recs = await readJournal(c.file);
  const bySrc = new Map<string, string[]>();
  for (const r of recs) bySrc.set(r.src, [...(bySrc.get(r.src) ?? []), r.msg ?? '']);
  const srcOf = (s: net.Socket) => srcs.get(s);
  assert.deepEqual(bySrc.get(srcOf(nul)!), ['<14>py 0', '<14>py 1', '<11>Traceback:\n  File "x"\nValueError: boom']);
  assert.deepEqual(bySrc.get(srcOf(lf)!), ['<13>lf 0', '<13>lf 1']);
  assert.deepEqual(bySrc.get(srcOf(octet)!), ['<13>oct 0', '<13>oct\n1\n2']);
  assert.equal(recs.length, 7);
});

test('refusals are silent: past --max-conns the connection is closed without a byte, and counted ERR_BUSY', async (t) => {
  const c = await startSyslog({ maxConns: 1 });
  t.after(() => c.stop());
  const first = await connect(c.syslogPort);
  const second = await connect(c.syslogPort);
  const r = await talk(second, '<13>refused\n', true);
  assert.equal(r.closedByServer, true);
  assert.equal(r.received.length, 0);
  assert.equal(c.server.stats.rejected.ERR_BUSY, 1);
  first.destroy();
});

test('an oversized message and a broken octet header are counted, never answered; the broken header closes the connection', async (t) => {
  const c = await startSyslog({ maxMessage: 16 });
  t.after(() => c.stop());
  const a = await talk(await connect(c.syslogPort), `<13>ok\0<13>${'x'.repeat(40)}\0<13>after\0`);
  assert.equal(a.received.length, 0);
  const b = await talk(await connect(c.syslogPort), '6 <13>ok05 <13>x', true);
  assert.equal(b.closedByServer, true);
  assert.equal(b.received.length, 0);
  assert.equal(c.server.stats.rejected.ERR_MESSAGE_TOO_LONG, 1);
  assert.equal(c.server.stats.rejected.ERR_BAD_FRAME, 1);
  await c.journal.close();
  assert.deepEqual((await readJournal(c.file)).map((r) => r.msg), ['<13>ok', '<13>after', '<13>ok']);
});

test('the idle timeout closes a syslog connection silently, after journaling what it sent', async (t) => {
  const c = await startSyslog({ idleTimeout: 1 });
  t.after(() => c.stop());
  const r = await talk(await connect(c.syslogPort), '<13>before idle\n', true);
  assert.equal(r.closedByServer, true);
  assert.equal(r.received.length, 0);
  assert.equal(c.server.stats.rejected.ERR_IDLE_TIMEOUT, 1);
  await c.journal.close();
  assert.deepEqual((await readJournal(c.file)).map((r2) => r2.msg), ['<13>before idle']);
});

test('shutdown journals what a syslog sender sent (a cut-off message as partial) and closes without a byte', async (t) => {
  const c = await startSyslog();
  t.after(() => c.stop());
  const s = await connect(c.syslogPort);
  const got: Buffer[] = [];
  s.on('data', (d: Buffer) => got.push(d));
  s.write('<13>whole\n<13>cut');
  const closed = once(s, 'close');
  while (c.journal.stats.lastSeq < 1) await once(c.journal, 'sync');
  c.server.closable.stopAccepting?.();
  await c.server.closable.drain?.(Date.now() + 2000);
  await closed;
  assert.equal(Buffer.concat(got).length, 0);
  await c.journal.close();
  const recs = await readJournal(c.file);
  assert.deepEqual(recs.map((r) => [r.msg, r.partial ?? false]), [['<13>whole', false], ['<13>cut', true]]);
});

test('--syslog-tls serves the syslog port over TLS with the client-certificate rules of the muxd port', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const pki = await makeTestPki(tmp.dir);
  const settings = collectorTlsFrom({ 'tls-cert': pki.serverCert, 'tls-key': pki.serverKey, 'tls-ca': pki.ca, 'tls-client-auth': true, 'syslog-tls': true });
  const c = await startSyslog({ tls: settings });
  t.after(() => c.stop());
  const url = c.server.listening.find((x) => x.kind === 'syslog')!.info.url;
  assert.match(url, /^tls:\/\//);
  const ca = await readFile(pki.ca);
  const good = tls.connect({ port: c.syslogPort, host: '127.0.0.1', ca, cert: await readFile(pki.clientCert), key: await readFile(pki.clientKey), servername: 'localhost' });
  await once(good, 'secureConnect');
  const r = await talk(good, '<13>over tls\0');
  assert.equal(r.received.length, 0);
  const rogue = tls.connect({ port: c.syslogPort, host: '127.0.0.1', ca, cert: await readFile(pki.rogueCert), key: await readFile(pki.rogueKey), servername: 'localhost' });
  rogue.on('error', () => {});
  rogue.write('<13>rogue\0');
  await once(rogue, 'close');
  await c.journal.close();
  assert.deepEqual((await readJournal(c.file)).map((x) => x.msg), ['<13>over tls']);
});

for (const framing of ['nul', 'lf'] as const) {
  test(`a million ${framing}-terminated messages from a process that never reads all land, each once`, { timeout: 180_000 }, async (t) => {
    const c = await startSyslog();
    t.after(() => c.stop());
    const n = 1_000_000;
    assert.equal(await sendFromNeverReader(c.syslogPort, n, framing, c.journal), 0, 'not one byte written back');
    await c.journal.close();
    const text = await readFile(c.file, 'utf8');
    const seen = new Uint8Array(n);
    let count = 0;
    for (const m of text.matchAll(/"msg":"<13>m(\d+)"/g)) {
      const i = Number(m[1]);
      assert.equal(seen[i], 0, `message ${i} journaled twice`);
      seen[i] = 1;
      count++;
    }
    assert.equal(count, n);
  });
}
