// SIGHUP re-reads the collector's TLS certificate (muxd port, syslog port, RELP) without dropping a connection; a bad new one keeps the old.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { spawnCollect, tempDir } from '../helpers/collect.js';
import { makeTestPki } from '../helpers/tls-certs.js';

/** Connects over TLS (any certificate) and resolves with the socket and the SHA-256 fingerprint the server showed. */
async function handshake(port: number): Promise<{ socket: tls.TLSSocket; fingerprint: string }> {
  const socket = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false });
  await once(socket, 'secureConnect');
  return { socket, fingerprint: socket.getPeerCertificate().fingerprint256 };
}

/** Sends one line and resolves with the reply line. */
async function ask(socket: tls.TLSSocket, line: string): Promise<string> {
  socket.write(`${line}\n`);
  const [data] = (await once(socket, 'data')) as [Buffer];
  return data.toString().trim();
}

test('SIGHUP: new handshakes get the swapped certificate, a connection held open across the swap keeps working, a bad file keeps the old one', async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const oldPki = await makeTestPki(path.join(tmp.dir));
  await mkdir(path.join(tmp.dir, 'new'));
  const newPki = await makeTestPki(path.join(tmp.dir, 'new'));
  const cert = path.join(tmp.dir, 'live-cert.pem');
  const key = path.join(tmp.dir, 'live-key.pem');
  await copyFile(oldPki.serverCert, cert);
  await copyFile(oldPki.serverKey, key);
  const fp = async (file: string) => new X509Certificate(await readFile(file)).fingerprint256;
  const muxd = await spawnCollect(['--no-stdin', '--tls-cert', cert, '--tls-key', key, '--syslog-port', '0', '--syslog-tls', '--journal', path.join(tmp.dir, 'j.jsonl')]);
  t.after(() => muxd.stop());

  const held = await handshake(muxd.port);
  assert.equal(held.fingerprint, await fp(oldPki.serverCert));
  assert.match(await ask(held.socket, 'before the swap'), /^ok 1$/);

  await copyFile(newPki.serverCert, cert);
  await copyFile(newPki.serverKey, key);
  muxd.child.kill('SIGHUP');
  while (!/collect port: reloaded the TLS certificate/.test(muxd.stderr()) || !/syslog port: reloaded/.test(muxd.stderr())) await once(muxd.child.stderr, 'data');

  const fresh = await handshake(muxd.port);
  assert.equal(fresh.fingerprint, await fp(newPki.serverCert), 'a new handshake sees the new certificate');
  assert.match(await ask(held.socket, 'held across the swap'), /^ok 2$/, 'the old connection was not dropped');
  fresh.socket.destroy();

  // A half-written certificate (as during a renewal) is refused: the new one stays in force, and the log says why.
  await writeFile(cert, '-----BEGIN CERTIFICATE-----\nnot a certificate\n');
  muxd.child.kill('SIGHUP');
  while (!/kept the old TLS certificate/.test(muxd.stderr())) await once(muxd.child.stderr, 'data');
  const after = await handshake(muxd.port);
  assert.equal(after.fingerprint, await fp(newPki.serverCert));
  assert.equal(muxd.child.exitCode, null, 'still running');
  after.socket.destroy();
  held.socket.destroy();
});
