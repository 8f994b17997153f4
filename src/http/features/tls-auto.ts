// `--tls auto`: a self-signed certificate for this machine's names, cached (0600) in the user's cache folder until near expiry.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generate } from 'selfsigned';
import { IoError } from '../../errors.js';

/** A fresh certificate is valid this long. */
export const TLS_AUTO_VALIDITY_DAYS = 365;
/** A cached certificate this close to expiry (or past it) is replaced at startup. */
export const TLS_AUTO_RENEW_BEFORE_MS = 30 * 24 * 3600 * 1000;
/** File names inside the cache folder. */
export const TLS_AUTO_CERT_FILE = 'tls-auto-cert.pem';
export const TLS_AUTO_KEY_FILE = 'tls-auto-key.pem';

/** The certificate in use, as `resolveServeOptions` hands it to the CLI. */
export interface AutoCert {
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex (as browsers show it). */
  fingerprint: string;
  /** Where the certificate is cached. */
  certPath: string;
  validTo: Date;
  /** True when this start generated it, false when the cached one was reused. */
  created: boolean;
}

/** Options for {@link loadOrCreateAutoCert}. */
export interface AutoCertOptions {
  /** Cache folder. Default {@link autoCertDir}. */
  dir?: string;
  /** Names the certificate must cover. Default {@link autoCertNames}. */
  names?: readonly string[];
  /** The clock (tests). */
  now?: Date;
}

/** `$XDG_CACHE_HOME/muxd`, or `~/.cache/muxd`. */
export function autoCertDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME !== undefined && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'muxd');
}

/** localhost, 127.0.0.1, ::1 and every non-internal address of this machine (IPv6 link-local ones excepted). */
export function autoCertNames(): string[] {
  const names = ['localhost', '127.0.0.1', '::1'];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.internal || (a.family === 'IPv6' && a.scopeid !== 0)) continue;
      if (!names.includes(a.address)) names.push(a.address);
    }
  }
  return names;
}

/** The DNS and IP names a certificate covers, from its subjectAltName (`DNS:x, IP Address:y`). */
function coveredNames(x509: X509Certificate): Set<string> {
  const out = new Set<string>();
  for (const part of (x509.subjectAltName ?? '').split(', ')) {
    const m = /^(?:DNS|IP Address):(.+)$/.exec(part);
    if (m !== null) out.add(m[1]!.toLowerCase());
  }
  return out;
}

/** Canonical IPv6 spelling as OpenSSL prints it in subjectAltName (`0:0:0:0:0:0:0:1` for `::1`). */
function sanSpelling(name: string): string {
  if (isIP(name) !== 6) return name.toLowerCase();
  const [head = '', tail = ''] = name.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === '' ? [] : tail.split(':');
  const groups = name.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return groups.map((g) => g.replace(/^0+(?=.)/, '').toLowerCase()).join(':');
}

/** The cached pair when it parses, matches, covers every name and is not near expiry; otherwise null. */
async function readCached(certPath: string, keyPath: string, names: readonly string[], now: Date): Promise<AutoCert | null> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
  } catch {
    return null;
  }
  try {
    const x509 = new X509Certificate(cert);
    if (!x509.checkPrivateKey(createPrivateKey(key))) return null;
    const validTo = new Date(x509.validTo);
    if (validTo.getTime() - now.getTime() < TLS_AUTO_RENEW_BEFORE_MS) return null;
    const covered = coveredNames(x509);
    if (!names.every((n) => covered.has(sanSpelling(n)))) return null;
    return { cert, key, fingerprint: x509.fingerprint256, certPath, validTo, created: false };
  } catch {
    return null;
  }
}

/** Writes a file readable by its owner only, atomically (temp file in the same folder, then rename). */
async function writePrivate(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text, { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, file);
}

/**
 * Returns the cached self-signed certificate, or generates (EC P-256, SHA-256, {@link TLS_AUTO_VALIDITY_DAYS} days)
 * and caches a new one when there is none, it is unreadable, near expiry, or misses one of `names` (a new LAN address).
 */
export async function loadOrCreateAutoCert(o: AutoCertOptions = {}): Promise<AutoCert> {
  const dir = o.dir ?? autoCertDir();
  const names = o.names ?? autoCertNames();
  const now = o.now ?? new Date();
  const certPath = path.join(dir, TLS_AUTO_CERT_FILE);
  const keyPath = path.join(dir, TLS_AUTO_KEY_FILE);
  const cached = await readCached(certPath, keyPath, names, now);
  if (cached !== null) return cached;
  const notAfter = new Date(now.getTime() + TLS_AUTO_VALIDITY_DAYS * 24 * 3600 * 1000);
  const pems = await generate([{ name: 'commonName', value: 'muxd localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: notAfter,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: names.map((n) => (isIP(n) === 0 ? { type: 2 as const, value: n } : { type: 7 as const, ip: n })) },
    ],
  });
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await writePrivate(keyPath, pems.private);
    await writePrivate(certPath, pems.cert);
  } catch (err) {
    throw new IoError(`--tls auto: cannot write the certificate under ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  const x509 = new X509Certificate(pems.cert);
  return { cert: pems.cert, key: pems.private, fingerprint: x509.fingerprint256, certPath, validTo: new Date(x509.validTo), created: true };
}
