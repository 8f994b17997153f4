// Access rules for /_muxd/*: open on loopback, a token for writes and the journal elsewhere, same-origin POSTs always.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Req } from '../http/core/types.js';
import { isSameOrigin } from '../http/core/request-target.js';
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
  /**
   * Returns an error when the request lacks the token (if one is required), or null when it may proceed. With
   * `cookie`, the session cookie from {@link AccessPolicy.sessionCookie} counts too (only `/_muxd/events` takes it:
   * EventSource cannot send headers).
   */
  checkToken(req: Req, url: URL, cookie?: boolean): MuxdError | null;
  /** The `Set-Cookie` value that lets the page's EventSource in without a token in its URL (null: no token set). */
  sessionCookie(req: Req): string | null;
  /** Returns an error when a state-changing request comes from another origin, or null. */
  checkOrigin(req: Req): MuxdError | null;
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

/**
 * Extracts the token from `X-Muxd-Token`, `Authorization: Bearer …` or the `token` query parameter. The page sends
 * `X-Muxd-Token`, leaving `Authorization` to the browser's basic auth credentials (`up --auth … --token …`).
 */
export function requestToken(req: Req, url: URL): string | null {
  const own = req.headers['x-muxd-token'];
  if (typeof own === 'string' && own !== '') return own.trim();
  const auth = req.headers.authorization;
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (m?.[1] !== undefined) return m[1];
  }
  return url.searchParams.get('token');
}

/** Name of the session cookie: one per port, since browsers share cookies between ports of one host. */
export function sessionCookieName(req: Req): string {
  return `muxd_session_${req.socket.localPort ?? 0}`;
}

/** The value of cookie `name` in the request, or null. */
export function cookieValue(req: Req, name: string): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string') return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Builds the access policy for one server. A token, once given, is required even on loopback. */
export function createAccessPolicy(opts: AccessPolicyOptions): AccessPolicy {
  const secret = opts.token !== undefined && opts.token !== '' ? Buffer.from(opts.token) : null;
  // The cookie carries an HMAC of the token, never the token: a leaked cookie does not reveal the token.
  const session = secret === null ? null : Buffer.from(createHmac('sha256', secret).update('muxd-session-v1').digest('base64url'));
  return {
    tokenRequired: secret !== null,
    checkToken(req, url, cookie = false) {
      if (secret === null || session === null) return null;
      const given = requestToken(req, url);
      if (given !== null && sameSecret(given, secret)) return null;
      if (cookie) {
        const c = cookieValue(req, sessionCookieName(req));
        if (c !== null && sameSecret(c, session)) return null;
      }
      return new UnauthorizedError();
    },
    sessionCookie(req) {
      if (session === null) return null;
      const secure = (req.socket as { encrypted?: boolean }).encrypted === true ? '; Secure' : '';
      return `${sessionCookieName(req)}=${session.toString()}; Path=/_muxd/; HttpOnly; SameSite=Strict${secure}`;
    },
    checkOrigin(req) {
      return isSameOrigin(req) ? null : new ForbiddenOriginError();
    },
  };
}
