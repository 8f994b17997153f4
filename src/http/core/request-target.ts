// The request target and origin checks shared by every layer: absolute-form → origin-form, and same-origin for state-changing requests.
import type { Req } from './types.js';

/** Raw bytes that must never appear in a path: controls, DEL, backslash; and encoded slash, backslash or NUL. */
// eslint-disable-next-line no-control-regex -- control bytes are what this rejects
export const FORBIDDEN_RAW = /[\x00-\x20\x7f\\]|%(?:2f|5c|00)/i;

const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * The origin form (`/path?query`) of a request target: an origin-form target as is, an absolute-form one
 * (`http://host/path`, legal in HTTP/1.1) without its scheme and authority. Null for anything else (`*`, `foo`,
 * an authority with a control byte or backslash).
 */
export function toOriginForm(target: string): string | null {
  if (target.charCodeAt(0) === 47 /* / */) return target;
  const m = ABSOLUTE_FORM.exec(target);
  if (!m || FORBIDDEN_RAW.test(m[0])) return null;
  const rest = target.slice(m[0].length);
  return rest === '' || rest.charCodeAt(0) !== 47 ? `/${rest}` : rest;
}

/**
 * True when the request's `Origin` (if any) names the host it was sent to. Browsers always send
 * `Origin` on cross-origin POSTs, so a missing one means a non-browser client (curl, scripts), which CSRF cannot forge.
 */
export function isSameOrigin(req: Req): boolean {
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

