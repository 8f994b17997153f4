// HTTP basic auth: scrypt password hashes, constant-cost verification (unknown users too), a bounded cache of good headers.
import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import type { ServerResponse, IncomingMessage } from 'node:http';
import { BusyError, ErrorCode, InvalidOptionError } from '../../errors.js';
import type { Layer } from '../core/layers.js';
import { refuseBody, requestHasBody } from '../core/lingering-close.js';
import { sendErrorPage } from '../core/respond.js';
import { clientKey, FairGate } from './fair-gate.js';

/** The challenge sent with every 401. */
export const WWW_AUTHENTICATE = 'Basic realm="muxd", charset="UTF-8"';

/** scrypt cost of new hashes: Node's own defaults (N = 2^14, r = 8, p = 1: 16 MiB and tens of milliseconds per hash). */
export const SCRYPT_DEFAULTS = { N: 16_384, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;

/** Parameters and bytes of one stored hash. */
export interface PasswordHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

/** The key derivation: scrypt in production; tests inject a counting wrapper to pin that every path runs it once. */
export type Hasher = (password: Buffer, h: Omit<PasswordHash, 'hash'>, keyLength: number) => Promise<Buffer>;

/** node:crypto's scrypt on the libuv thread pool (maxmem raised to fit N and r). */
export const scryptHasher: Hasher = (password, h, keyLength) =>
  new Promise((resolve, reject) => {
    scrypt(password, h.salt, keyLength, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 * 1024 }, (err, key) => (err ? reject(err) : resolve(key)));
  });

const b64 = (b: Buffer): string => b.toString('base64url');

/** Formats a hash as `scrypt$N$r$p$SALT$HASH` (SALT and HASH in unpadded base64url). */
export function formatHash(h: PasswordHash): string {
  return `scrypt$${h.N}$${h.r}$${h.p}$${b64(h.salt)}$${b64(h.hash)}`;
}

/** Parses `scrypt$N$r$p$SALT$HASH`; null when malformed or out of range. */
export function parseHash(s: string): PasswordHash | null {
  const m = /^scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{11,})\$([A-Za-z0-9_-]{22,})$/.exec(s);
  if (!m) return null;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // N a power of two from 2^10 to 2^20; memory (128·N·r) at most 256 MiB.
  if (N < 1024 || N > 1 << 20 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || p > 16 || 128 * N * r > 256 * 1024 * 1024) return null;
  return { N, r, p, salt: Buffer.from(m[4]!, 'base64url'), hash: Buffer.from(m[5]!, 'base64url') };
}

/** Hashes a password with fresh salt and {@link SCRYPT_DEFAULTS}. */
export async function hashPassword(password: string, hasher: Hasher = scryptHasher): Promise<string> {
  const { N, r, p, keyLength, saltLength } = SCRYPT_DEFAULTS;
  const salt = randomBytes(saltLength);
  return formatHash({ N, r, p, salt, hash: await hasher(Buffer.from(password, 'utf8'), { N, r, p, salt }, keyLength) });
}

/** Parses an `--auth-file`: one `user:HASH` per line; blank lines and `#` comments skipped. Errors name the line, never its content. */
export function parseAuthFile(text: string, name = '--auth-file'): Map<string, PasswordHash> {
  const users = new Map<string, PasswordHash>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    const h = colon > 0 ? parseHash(line.slice(colon + 1)) : null;
    if (h === null) throw new InvalidOptionError(`${name}: line ${i + 1} is not "user:scrypt$N$r$p$SALT$HASH" (make one with muxd hash-password)`);
    const user = line.slice(0, colon);
    if (users.has(user)) throw new InvalidOptionError(`${name}: line ${i + 1}: user ${JSON.stringify(user)} appears twice`);
    users.set(user, h);
  }
  if (users.size === 0) throw new InvalidOptionError(`${name}: no users`);
  return users;
}

/** Splits `--auth user:password`. */
export function parseAuthFlag(raw: string): { user: string; password: string } {
  const colon = raw.indexOf(':');
  if (colon <= 0 || colon === raw.length - 1) throw new InvalidOptionError('--auth must be user:password (a user and a non-empty password)');
  return { user: raw.slice(0, colon), password: raw.slice(colon + 1) };
}

/** Options of {@link BasicAuth}. */
export interface BasicAuthOptions {
  users: ReadonlyMap<string, PasswordHash>;
  hasher?: Hasher;
  /** Most distinct good `Authorization` values remembered (default 1024). */
  cacheSize?: number;
  /** Most verifications running at once (default 64); the others wait, one queue per client address, served in turn. */
  maxPending?: number;
  /** Most verifications of one client address waiting for a slot; past it that client gets 503 (default 16). */
  maxQueuedPerClient?: number;
}

/** Verifies `Authorization: Basic …` values. */
export class BasicAuth {
  private readonly hasher: Hasher;
  private readonly users: ReadonlyMap<string, PasswordHash>;
  /** Exact header value → user, for values that verified (scrypt is slow by design; the cache keeps auth cheap). */
  private readonly good = new Map<string, string>();
  /** Header value → its verification in flight. */
  private readonly inflight = new Map<string, Promise<string | null>>();
  private readonly cacheSize: number;
  private readonly dummy: PasswordHash;
  /**
   * Slots for hashing, shared fairly by client address: a flood of bad credentials from one address fills only that
   * address's queue, so a valid login from elsewhere waits for one slot and is never locked out.
   */
  private readonly gate: FairGate;

  constructor(o: BasicAuthOptions) {
    this.users = o.users;
    this.hasher = o.hasher ?? scryptHasher;
    this.cacheSize = o.cacheSize ?? 1024;
    this.gate = new FairGate({ slots: o.maxPending ?? 64, queuePerClient: o.maxQueuedPerClient ?? 16, clients: 1024 });
    // Unknown users are checked against this, with the cost parameters of a real user, so both failures cost one scrypt.
    const model = o.users.values().next().value ?? { N: SCRYPT_DEFAULTS.N, r: SCRYPT_DEFAULTS.r, p: SCRYPT_DEFAULTS.p, salt: Buffer.alloc(16), hash: Buffer.alloc(32) };
    this.dummy = { ...model, salt: randomBytes(model.salt.length), hash: randomBytes(model.hash.length) };
  }

  /** The user a header value authenticates, from the cache only (no hashing); undefined when not cached. */
  cached(header: string): string | undefined {
    return this.good.get(header);
  }

  /** Verifications hashing now. */
  get pending(): number {
    return this.gate.active;
  }

  /** Verifications waiting for a hashing slot. */
  get queued(): number {
    return this.gate.queued;
  }

  /**
   * Verifies a header value sent from `address`: the user name, or null. Runs exactly one hash whatever is wrong with
   * the credentials; requests carrying the same value at the same time share it (50 connections opening at once cost
   * one scrypt, not 50). Rejects with BusyError when that address already has its most verifications waiting.
   */
  verify(header: string | undefined, address?: string): Promise<string | null> {
    if (header === undefined) return this.verifyOnce(undefined, clientKey(address));
    let p = this.inflight.get(header);
    if (p === undefined) {
      p = this.verifyOnce(header, clientKey(address));
      this.inflight.set(header, p);
      const forget = (): void => void this.inflight.delete(header);
      p.then(forget, forget);
    }
    return p;
  }

  private async verifyOnce(header: string | undefined, client: string): Promise<string | null> {
    const creds = decodeBasic(header);
    const stored = creds === null ? undefined : this.users.get(creds.user);
    const h = stored ?? this.dummy;
    const slot = this.gate.acquire(client);
    if (slot === null) throw new BusyError('too many password checks from this address, try again later');
    await slot;
    let key: Buffer;
    try {
      key = await this.hasher(creds?.password ?? Buffer.alloc(0), h, h.hash.length);
    } finally {
      this.gate.release();
    }
    const match = key.length === h.hash.length && timingSafeEqual(key, h.hash);
    if (!match || stored === undefined || creds === null) return null;
    if (this.good.size >= this.cacheSize) this.good.delete(this.good.keys().next().value!);
    this.good.set(header!, creds.user);
    return creds.user;
  }
}

/** Decodes `Basic base64(user:password)`; null when absent or malformed. */
export function decodeBasic(header: string | undefined): { user: string; password: Buffer } | null {
  if (header === undefined) return null;
  const m = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header);
  if (!m) return null;
  const raw = Buffer.from(m[1]!, 'base64');
  const colon = raw.indexOf(0x3a);
  if (colon <= 0) return null;
  return { user: raw.subarray(0, colon).toString('utf8'), password: raw.subarray(colon + 1) };
}

/** The auth layer: cached good headers pass at once; anything else costs one verification, then passes or gets 401. */
export function authLayer(auth: BasicAuth): Layer {
  const deny = (req: Parameters<Layer>[0], res: Parameters<Layer>[1], code: typeof ErrorCode.AUTH_FAILED | typeof ErrorCode.BUSY): void => {
    if (res.headersSent || res.destroyed) return;
    if (requestHasBody(req)) refuseBody(req as IncomingMessage, res as ServerResponse);
    sendErrorPage(req, res, code, code === ErrorCode.AUTH_FAILED ? ['WWW-Authenticate', WWW_AUTHENTICATE] : ['Retry-After', '1']);
  };
  return function authOnRequest(req, res, next) {
    const header = req.headers.authorization;
    if (header !== undefined && auth.cached(header) !== undefined) return next();
    auth.verify(header, req.socket.remoteAddress).then(
      (user) => (user === null ? deny(req, res, ErrorCode.AUTH_FAILED) : next()),
      (err: unknown) => deny(req, res, err instanceof BusyError ? ErrorCode.BUSY : ErrorCode.AUTH_FAILED),
    );
  };
}
