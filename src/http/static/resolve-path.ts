// Pure request-target → safe relative path resolution: the only gate between a URL and the file system.

/** Longest request path (before the query) accepted, in characters. */
export const MAX_PATH_LENGTH = 4096;

/** Why a request target was refused, and the HTTP status it maps to. */
export type PathRejection = { ok: false; status: 400 | 404; reason: string };

/** A request target reduced to safe, decoded path segments below the root. */
export interface ResolvedPath {
  ok: true;
  /** Decoded segments, none empty, none `.` or `..`, none containing `/`, `\` or NUL. */
  segments: readonly string[];
  /** `/` + segments joined by `/` (decoded; for display and cache keys). */
  path: string;
  /** True when the decoded path ends with `/` (or is the root). */
  trailingSlash: boolean;
  /** The raw query string including its `?`, or the empty string. */
  query: string;
}

/** Options for {@link resolvePath}. */
export interface ResolveOptions {
  /** `deny`: any segment starting with `.` answers 404, except a leading `.well-known`. */
  dotfiles: 'deny' | 'allow';
}

const reject = (status: 400 | 404, reason: string): PathRejection => ({ ok: false, status, reason });

// Raw bytes that must never appear in a path: controls, DEL, backslash; and encoded slash, backslash or NUL.
// eslint-disable-next-line no-control-regex -- control bytes are what this rejects
const FORBIDDEN_RAW = /[\x00-\x20\x7f\\]|%(?:2f|5c|00)/i;
const BAD_PERCENT = /%(?![0-9a-f]{2})/i;

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
 * Resolves a raw request target (`req.url`) to segments below the served root. Never touches the file system.
 * Malformed input (bad or overlong percent-encoding, NUL, encoded `/` or `\`, backslashes, control bytes) → 400;
 * `..` segments and hidden files (with `dotfiles: 'deny'`) → 404.
 */
export function resolvePath(target: string, options: ResolveOptions): ResolvedPath | PathRejection {
  if (target.length === 0) return reject(400, 'empty target');
  const raw = toOriginForm(target);
  if (raw === null) return reject(400, 'not an origin-form target');
  let end = raw.length;
  const q = raw.indexOf('?');
  if (q !== -1) end = q;
  const h = raw.indexOf('#');
  if (h !== -1 && h < end) end = h;
  const pathname = raw.slice(0, end);
  const query = q !== -1 && q === end ? raw.slice(q, h > q ? h : undefined) : '';
  if (pathname.length > MAX_PATH_LENGTH) return reject(400, 'path too long');
  if (FORBIDDEN_RAW.test(pathname)) return reject(400, 'forbidden character');
  if (BAD_PERCENT.test(pathname)) return reject(400, 'bad percent-encoding');
  let decoded: string;
  try {
    // Throws URIError on invalid or overlong UTF-8 sequences (e.g. %c0%ae).
    decoded = decodeURIComponent(pathname);
  } catch {
    return reject(400, 'bad percent-encoding');
  }
  // Re-check after decoding: %-escapes for controls (other than the ones refused above) are refused too.
  // eslint-disable-next-line no-control-regex -- control bytes are what this rejects
  if (/[\x00-\x1f\x7f\\]/.test(decoded)) return reject(400, 'forbidden character');
  const segments: string[] = [];
  for (const seg of decoded.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') return reject(404, 'parent segment');
    segments.push(seg);
  }
  if (options.dotfiles === 'deny') {
    for (let i = 0; i < segments.length; i++) {
      const seg = segments[i]!;
      if (seg.charCodeAt(0) === 46 /* . */ && !(i === 0 && seg === '.well-known')) return reject(404, 'hidden file');
    }
  }
  return {
    ok: true,
    segments,
    path: `/${segments.join('/')}`,
    trailingSlash: segments.length === 0 || decoded.endsWith('/') || decoded.endsWith('/.'),
    query,
  };
}
