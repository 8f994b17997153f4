// Pure evaluation of HTTP conditional request headers (RFC 9110 §13): If-Match, If-None-Match, dates, If-Range.

/** Outcome of the precondition checks, in RFC 9110 §13.2.2 order. */
export const Precondition = {
  PROCEED: 'proceed',
  NOT_MODIFIED: 'not-modified',
  FAILED: 'failed',
} as const;

/** One of {@link Precondition}. */
export type PreconditionValue = (typeof Precondition)[keyof typeof Precondition];

/** The conditional headers of a request (lower-case names as Node gives them). */
export interface ConditionalHeaders {
  'if-match'?: string | undefined;
  'if-none-match'?: string | undefined;
  'if-modified-since'?: string | undefined;
  'if-unmodified-since'?: string | undefined;
}

/** Validators of the selected representation. */
export interface Validators {
  /** Strong ETags (quoted) that identify the current version: the identity one and any encoded variants. */
  etags: readonly string[];
  /** Modification time in ms since the epoch. */
  mtimeMs: number;
}

/** Splits an entity-tag list (`"a", W/"b", *`) into its tags, keeping quotes and the `W/` prefix. */
export function parseEtagList(header: string): string[] {
  const out: string[] = [];
  const re = /\s*(\*|(?:W\/)?"[^"]*")\s*(?:,|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < header.length && (m = re.exec(header)) !== null) {
    out.push(m[1]!);
    if (m[0].length === 0) break;
  }
  return out;
}

const opaque = (tag: string): string => (tag.startsWith('W/') ? tag.slice(2) : tag);

/** Strong comparison: both tags strong and identical. */
export function strongMatch(a: string, b: string): boolean {
  return !a.startsWith('W/') && !b.startsWith('W/') && a === b;
}

/** Weak comparison: opaque tags identical, `W/` ignored. */
export function weakMatch(a: string, b: string): boolean {
  return opaque(a) === opaque(b);
}

/** Parses an HTTP date to whole seconds since the epoch, or NaN. */
export function parseHttpDateSeconds(value: string | undefined): number {
  if (value === undefined) return NaN;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : NaN;
}

/**
 * Evaluates the preconditions in RFC 9110 §13.2.2 order for a GET or HEAD (other methods never reach a file).
 * If-Match/If-Unmodified-Since failures give FAILED (412); If-None-Match/If-Modified-Since matches give NOT_MODIFIED (304).
 */
export function evaluatePreconditions(method: string, headers: ConditionalHeaders, v: Validators): PreconditionValue {
  const mtime = Math.floor(v.mtimeMs / 1000);
  const ifMatch = headers['if-match'];
  if (ifMatch !== undefined) {
    const tags = parseEtagList(ifMatch);
    if (!tags.some((t) => t === '*' || v.etags.some((e) => strongMatch(t, e)))) return Precondition.FAILED;
  } else {
    const since = parseHttpDateSeconds(headers['if-unmodified-since']);
    if (!Number.isNaN(since) && mtime > since) return Precondition.FAILED;
  }
  const safe = method === 'GET' || method === 'HEAD';
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const tags = parseEtagList(ifNoneMatch);
    if (tags.some((t) => t === '*' || v.etags.some((e) => weakMatch(t, e)))) {
      return safe ? Precondition.NOT_MODIFIED : Precondition.FAILED;
    }
  } else if (safe) {
    const since = parseHttpDateSeconds(headers['if-modified-since']);
    if (!Number.isNaN(since) && mtime <= since) return Precondition.NOT_MODIFIED;
  }
  return Precondition.PROCEED;
}

/**
 * True when a `Range` should be honoured given `If-Range` (RFC 9110 §13.1.5): absent, a strong ETag that matches,
 * or a date equal to the last modification. A weak ETag never matches.
 */
export function ifRangeHolds(ifRange: string | undefined, etag: string, mtimeMs: number): boolean {
  if (ifRange === undefined) return true;
  const value = ifRange.trim();
  if (value.startsWith('"') || value.startsWith('W/')) return strongMatch(value, etag);
  const since = parseHttpDateSeconds(value);
  return !Number.isNaN(since) && since === Math.floor(mtimeMs / 1000);
}
