// Access rules for /_muxd/*: open on loopback, a token for writes and the journal elsewhere, same-origin POSTs always.
import { timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { ForbiddenOriginError, UnauthorizedError } from '../errors.js';
import type { MuxdError } from '../errors.js';

/** Options for {@link createAccessPolicy}. */
export interface AccessPolicyOptions {
  /** The `--host` the HTTP server binds. */
  host: string;
  /** The `--token`; required (by the CLI) when `host` is not loopback. */
  token?: string | undefined;
}

/** Decides whether a request to a protected endpoint may proceed. */
export interface AccessPolicy {
  /** True when a token must accompany writes, history and events. */
  readonly tokenRequired: boolean;
  /** Returns an error when the request lacks the token (if one is required), or null when it may proceed. */
  checkToken(req: IncomingMessage, url: URL): MuxdError | null;
  /** Returns an error when a state-changing request comes from another origin, or null. */
  checkOrigin(req: IncomingMessage): MuxdError | null;
}

/** True for hosts that only this machine can reach: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return h.slice(7).startsWith('127.');
  return false;
}

function sameSecret(given: string, expected: Buffer): boolean {
  const g = Buffer.from(given);
  // Compare in constant time; a length mismatch still costs one comparison so timing leaks only the length.
  if (g.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(g, expected);
}

/** Extracts the token from `Authorization: Bearer …` or the `token` query parameter. */
export function requestToken(req: IncomingMessage, url: URL): string | null {
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1] !== undefined) return m[1];
  }
  return url.searchParams.get('token');
}

/**
 * True when the request's `Origin` (if any) names the host it was sent to. Browsers always send
 * `Origin` on cross-origin POSTs, so a missing one means a non-browser client (curl, scripts), which CSRF cannot forge.
 */
export function isSameOrigin(req: IncomingMessage): boolean {
  const site = req.headers['sec-fetch-site'];
  if (site === 'cross-site' || site === 'same-site') return false;
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  if (origin === 'null') return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  const host = req.headers.host ?? (req.headers[':authority'] as string | undefined);
  if (host === undefined) return false;
  return parsed.host.toLowerCase() === host.toLowerCase() && (parsed.protocol === 'http:' || parsed.protocol === 'https:');
}

/** Builds the access policy for one server. A token, once given, is required even on loopback. */
export function createAccessPolicy(opts: AccessPolicyOptions): AccessPolicy {
  const secret = opts.token !== undefined && opts.token !== '' ? Buffer.from(opts.token) : null;
  return {
    tokenRequired: secret !== null,
    checkToken(req, url) {
      if (secret === null) return null;
      const given = requestToken(req, url);
      return given !== null && sameSecret(given, secret) ? null : new UnauthorizedError();
    },
    checkOrigin(req) {
      return isSameOrigin(req) ? null : new ForbiddenOriginError();
    },
  };
}
