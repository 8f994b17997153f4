// `muxd serve --tls auto`: a cached self-signed certificate (0600), reused across starts, replaced near expiry, trusted as its own CA.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeDocroot } from '../helpers/http-fixtures.js';
import type { Docroot } from '../helpers/http-fixtures.js';
import { TLS_AUTO_CERT_FILE, TLS_AUTO_KEY_FILE, TLS_AUTO_RENEW_BEFORE_MS, TLS_AUTO_VALIDITY_DAYS, autoCertDir, loadOrCreateAutoCert } from '../../src/http/features/tls-auto.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cli = path.join(repo, 'dist/cli/main.js');
let root: Docroot;
let cache: string;

before(async () => {
  root = await makeDocroot();
  cache = await mkdtemp(path.join(os.tmpdir(), 'muxd-tls-auto-'));
});
after(async () => {
  await root.cleanup();
  await rm(cache, { recursive: true, force: true });
});

/** Starts `serve --tls auto` with XDG_CACHE_HOME=cache; resolves with the port and the printed fingerprint, then stops it. */
async function startOnce(extra: string[] = []): Promise<{ port: number; fingerprint: string; err: string; stop: () => Promise<number | null> }> {
  const child = spawn(process.execPath, [cli, 'serve', root.dir, '--tls', 'auto', '--port', '0', '--log', 'off', ...extra], {
    env: { ...process.env, XDG_CACHE_HOME: cache },
    stdio: 'pipe',
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit').then(([code]) => code as number | null);
  while (!out.includes('\n')) {
    if ((await Promise.race([once(child.stdout, 'data'), exit.then(() => 'exit' as const)])) === 'exit') throw new Error(err);
  }
  const m = /^listening https https:\/\/127\.0\.0\.1:(\d+)\n/.exec(out);
  assert.ok(m, out);
  const fp = /certificate SHA-256 fingerprint ((?:[0-9A-F]{2}:){31}[0-9A-F]{2})\n/.exec(err);
  assert.ok(fp, err);
  return {
    port: Number(m[1]),
    fingerprint: fp[1]!,
    err,
    stop: async () => {
      child.kill('SIGTERM');
      return exit;
    },
  };
}

test('the cache folder is $XDG_CACHE_HOME/muxd, else ~/.cache/muxd', () => {
  assert.equal(autoCertDir({ XDG_CACHE_HOME: '/x/cache' }), '/x/cache/muxd');
  assert.equal(autoCertDir({}), path.join(os.homedir(), '.cache', 'muxd'));
  assert.equal(autoCertDir({ XDG_CACHE_HOME: 'relative' }), path.join(os.homedir(), '.cache', 'muxd'), 'a relative XDG path is ignored, per the spec');
});

test('two starts reuse one certificate (same fingerprint); files are 0600; HTTPS and HTTP/2 work with it as the CA', { timeout: 60_000 }, async () => {
  const first = await startOnce();
  try {
    assert.match(first.err, /created self-signed certificate/);
    const dir = path.join(cache, 'muxd');
    for (const f of [TLS_AUTO_CERT_FILE, TLS_AUTO_KEY_FILE]) assert.equal((await stat(path.join(dir, f))).mode & 0o777, 0o600, f);
    const ca = await readFile(path.join(dir, TLS_AUTO_CERT_FILE));
    const x509 = new X509Certificate(ca);
    assert.equal(x509.fingerprint256, first.fingerprint);
    for (const name of ['DNS:localhost', 'IP Address:127.0.0.1', 'IP Address:0:0:0:0:0:0:0:1']) assert.ok(x509.subjectAltName?.includes(name), name);
    // HTTP/1.1 over TLS, verified against the certificate itself, for the name 127.0.0.1.
    const status = await new Promise<number>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port: first.port, path: '/small.txt', ca, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      }).on('error', reject);
    });
    assert.equal(status, 200);
    // HTTP/2 on the same port, verified for localhost.
    const session = http2.connect(`https://localhost:${first.port}`, { ca });
    try {
      const s = session.request({ ':path': '/small.txt' });
      const chunks: Buffer[] = [];
      s.on('data', (c: Buffer) => chunks.push(c));
      const ended = once(s, 'end');
      const [h] = (await once(s, 'response')) as [http2.IncomingHttpHeaders];
      await ended;
      assert.equal(h[':status'], 200);
      assert.deepEqual(Buffer.concat(chunks), root.files['small.txt']);
    } finally {
      session.close();
    }
  } finally {
    assert.equal(await first.stop(), 0);
  }
  const second = await startOnce();
  assert.equal(second.fingerprint, first.fingerprint);
  assert.match(second.err, /reusing self-signed certificate/);
  assert.equal(await second.stop(), 0);
});

test('a cached certificate near expiry, or missing a name, is replaced', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-tls-renew-'));
  try {
    const names = ['localhost', '127.0.0.1', '::1'];
    const a = await loadOrCreateAutoCert({ dir, names });
    assert.equal(a.created, true);
    assert.equal((await loadOrCreateAutoCert({ dir, names })).fingerprint, a.fingerprint);
    // Still valid, but within the renewal margin: replaced.
    const nearExpiry = new Date(a.validTo.getTime() - TLS_AUTO_RENEW_BEFORE_MS + 3600_000);
    const b = await loadOrCreateAutoCert({ dir, names, now: nearExpiry });
    assert.equal(b.created, true);
    assert.notEqual(b.fingerprint, a.fingerprint);
    assert.ok(b.validTo.getTime() - nearExpiry.getTime() > (TLS_AUTO_VALIDITY_DAYS - 1) * 24 * 3600_000);
    // Expired (from the clock's view): replaced too.
    const expired = new Date(b.validTo.getTime() + 1000);
    const c = await loadOrCreateAutoCert({ dir, names, now: expired });
    assert.notEqual(c.fingerprint, b.fingerprint);
    // A new LAN address: replaced, and the new certificate names it.
    const d = await loadOrCreateAutoCert({ dir, names: [...names, '192.0.2.77'], now: expired });
    assert.equal(d.created, true);
    assert.ok(new X509Certificate(d.cert).subjectAltName?.includes('IP Address:192.0.2.77'));
    assert.equal((await stat(path.join(dir, TLS_AUTO_KEY_FILE))).mode & 0o777, 0o600);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('--tls takes only auto, and not together with --tls-cert', async () => {
  for (const args of [['--tls', 'yes'], ['--tls', 'auto', '--tls-cert', 'c.pem', '--tls-key', 'k.pem']]) {
    const child = spawn(process.execPath, [cli, 'serve', root.dir, '--port', '0', ...args], { env: { ...process.env, XDG_CACHE_HOME: cache }, stdio: 'pipe' });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const [code] = await once(child, 'exit');
    assert.equal(code, 2, err);
    assert.match(err, /--tls/);
  }
});
