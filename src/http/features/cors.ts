// CORS for static files: `*` without credentials, or an allow-list of origins echoed back with `Vary: Origin`.

/** A parsed `--cors` value. */
export interface CorsPolicy {
  /** `*` was given: any origin, never with credentials. */
  readonly anyOrigin: boolean;
  readonly origins: ReadonlySet<string>;
}

/** Methods a preflight may ask for. */
export const CORS_METHODS = 'GET, HEAD, OPTIONS';
const EXPOSE = 'Content-Length, Content-Range, Content-Encoding, ETag, Last-Modified, Accept-Ranges';
const MAX_AGE = '600';
const SAFE_HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/** Builds a policy from `--cors` origins (`['*']` for any); null disables CORS. */
export function createCorsPolicy(origins: readonly string[] | null): CorsPolicy | null {
  if (origins === null || origins.length === 0) return null;
  const list = origins.map((o) => o.trim().replace(/\/+$/, '')).filter((o) => o !== '');
  return { anyOrigin: list.includes('*'), origins: new Set(list.filter((o) => o !== '*')) };
}

/** Headers added to every file response regardless of the request (only for `*`). Flat `[name, value, …]`. */
export function staticCorsHeaders(policy: CorsPolicy | null): string[] {
  if (policy === null || !policy.anyOrigin) return [];
  return ['Access-Control-Allow-Origin', '*', 'Access-Control-Expose-Headers', EXPOSE];
}

/** True when responses depend on `Origin` (an allow-list), so caches must `Vary: Origin`. */
export function variesByOrigin(policy: CorsPolicy | null): boolean {
  return policy !== null && !policy.anyOrigin;
}

/** Per-request headers for an actual (non-preflight) request from an allow-listed origin; empty otherwise. */
export function corsHeadersFor(policy: CorsPolicy | null, origin: string | undefined): string[] {
  if (policy === null || policy.anyOrigin || origin === undefined || !policy.origins.has(origin)) return [];
  return ['Access-Control-Allow-Origin', origin, 'Access-Control-Allow-Credentials', 'true', 'Access-Control-Expose-Headers', EXPOSE];
}

/** The answer to a preflight `OPTIONS`: 204 with the allow headers, or 403 for an origin or method not allowed. */
export function preflight(
  policy: CorsPolicy,
  origin: string,
  requestMethod: string,
  requestHeaders: string | undefined,
): { status: 204 | 403; headers: string[] } {
  const vary = ['Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers'];
  const originOk = policy.anyOrigin || policy.origins.has(origin);
  const methodOk = requestMethod === 'GET' || requestMethod === 'HEAD';
  if (!originOk || !methodOk) return { status: 403, headers: vary };
  const asked = (requestHeaders ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '' && SAFE_HEADER.test(h))
    .slice(0, 32);
  const headers = [
    'Access-Control-Allow-Origin', policy.anyOrigin ? '*' : origin,
    'Access-Control-Allow-Methods', CORS_METHODS,
    'Access-Control-Max-Age', MAX_AGE,
    ...vary,
  ];
  if (asked.length > 0) headers.push('Access-Control-Allow-Headers', asked.join(', '));
  // Credentials only ever go with an explicit origin, never with `*`.
  if (!policy.anyOrigin) headers.push('Access-Control-Allow-Credentials', 'true');
  return { status: 204, headers };
}
