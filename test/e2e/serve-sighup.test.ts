// SIGHUP on `muxd serve`: HTTPS takes a renewed certificate for new handshakes while a kept-alive connection goes on; --access-log FILE is reopened for logrotate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { copyFile, mkdir, readFile, rename, watch, writeFile } from 'node:fs/promises';
import path from 'node:path';
import tls from 'node:tls';
import { cliPath, tempDir } from '../helpers/collect.js';
import { makeTestPki } from '../helpers/tls-certs.js';

/** One HTTP/1.1 GET on an open TLS socket; resolves with the status line once the whole (Content-Length) body is in. */
async function get(socket: tls.TLSSocket, p: string): Promise<string> {
  socket.write(`GET ${p} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  let text = '';
  for (;;) {
    const [d] = (await once(socket, 'data')) as [Buffer];
    text += d.toString('latin1');
    const head = text.indexOf('\r\n\r\n');
    const len = /content-length: (\d+)/i.exec(text);
    if (head >= 0 && len && text.length >= head + 4 + Number(len[1])) return text.slice(0, text.indexOf('\r\n'));
  }
}

test('serve SIGHUP: a swapped certificate for new handshakes, a kept-alive connection not dropped, a bad file keeps the old; --access-log reopened after a rename', { timeout: 60_000 }, async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const site = path.join(tmp.dir, 'site');
  await mkdir(path.join(tmp.dir, 'new'));
  await mkdir(site);
  await writeFile(path.join(site, 'index.html'), 'hello');
  const oldPki = await makeTestPki(tmp.dir);
  const newPki = await makeTestPki(path.join(tmp.dir, 'new'));
  const cert = path.join(tmp.dir, 'live-cert.pem');
  const key = path.join(tmp.dir, 'live-key.pem');
  await copyFile(oldPki.serverCert, cert);
  await copyFile(oldPki.serverKey, key);
  const accessLog = path.join(tmp.dir, 'access.log');
  const child = spawn(process.execPath, [cliPath, 'serve', site, '--port', '0', '--tls-cert', cert, '--tls-key', key, '--access-log', accessLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  while (!/^listening https /m.test(out)) await once(child.stdout, 'data');
  const port = Number(/^listening https https:\/\/127\.0\.0\.1:(\d+)$/m.exec(out)![1]);
  const connect = async () => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    await once(s, 'secureConnect');
    return s;
  };
  const fp = async (file: string) => new X509Certificate(await readFile(file)).fingerprint256;

  const held = await connect();
  assert.equal(held.getPeerCertificate().fingerprint256, await fp(oldPki.serverCert));
  assert.equal(await get(held, '/'), 'HTTP/1.1 200 OK');

  await copyFile(newPki.serverCert, cert);
  await copyFile(newPki.serverKey, key);
  // logrotate's move: the old file keeps what was written, SIGHUP starts a new one.
  await rename(accessLog, `${accessLog}.1`);
  child.kill('SIGHUP');
  while (!/reopened the access log/.test(err) || !/reloaded the TLS certificate/.test(err)) await once(child.stderr, 'data');

  const fresh = await connect();
  assert.equal(fresh.getPeerCertificate().fingerprint256, await fp(newPki.serverCert), 'a new handshake sees the renewed certificate');
  assert.equal(await get(held, '/index.html'), 'HTTP/1.1 200 OK', 'the kept-alive connection goes on');
  fresh.destroy();

  await writeFile(cert, 'not a certificate');
  child.kill('SIGHUP');
  while (!/kept the old TLS certificate/.test(err)) await once(child.stderr, 'data');
  const after = await connect();
  assert.equal(after.getPeerCertificate().fingerprint256, await fp(newPki.serverCert));
  after.destroy();
  held.destroy();

  child.kill('SIGTERM');
  assert.equal(((await once(child, 'exit')) as [number])[0], 0);
  assert.match(await readFile(`${accessLog}.1`, 'utf8'), /"GET \/ HTTP\/1\.1" 200 5/);
  const now = await readFile(accessLog, 'utf8');
  assert.match(now, /"GET \/index\.html HTTP\/1\.1" 200 5/, 'lines after SIGHUP go to the new file');
  assert.doesNotMatch(now, /"GET \/ HTTP/);
  assert.doesNotMatch(out, /GET \//, 'the access log is not on stdout');
});

test('serve --workers SIGHUP: the primary, which writes every worker\'s lines, reopens --access-log by the same routine and says so', { timeout: 60_000 }, async (t) => {
  const tmp = await tempDir();
  t.after(() => tmp.cleanup());
  const site = path.join(tmp.dir, 'site');
  await mkdir(site);
  await writeFile(path.join(site, 'index.html'), 'hello');
  const accessLog = path.join(tmp.dir, 'access.log');
  const child = spawn(process.execPath, [cliPath, 'serve', site, '--port', '0', '--workers', '2', '--access-log', accessLog], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  while (!/^listening http /m.test(out)) await once(child.stdout, 'data');
  const base = /^listening http (\S+)$/m.exec(out)![1]!;
  // The line reaches the file through the primary; wait for it (file change events, queued from before the request).
  const changes = watch(accessLog);
  assert.equal((await fetch(`${base}/`)).status, 200);
  for await (const _ of changes) if (/"GET \/ HTTP\/1\.1" 200 5/.test(await readFile(accessLog, 'utf8'))) break;
  await rename(accessLog, `${accessLog}.1`);
  child.kill('SIGHUP');
  while (!/muxd serve: reopened the access log/.test(err)) await once(child.stderr, 'data');
  assert.equal((await fetch(`${base}/index.html`)).status, 200);
  child.kill('SIGTERM');
  assert.equal(((await once(child, 'exit')) as [number])[0], 0, err);
  assert.match(await readFile(`${accessLog}.1`, 'utf8'), /"GET \/ HTTP\/1\.1" 200 5/);
  const now = await readFile(accessLog, 'utf8');
  assert.match(now, /"GET \/index\.html HTTP\/1\.1" 200 5/, 'lines after SIGHUP go to the new file');
  assert.doesNotMatch(now, /"GET \/ HTTP/);
});
