// The reverse proxy's pure core: `--proxy PREFIX=URL` rules, longest-prefix matching, hop-by-hop header filtering.
import { InvalidOptionError } from '../../errors.js';

/** One `--proxy PREFIX=URL` rule. */
export interface ProxyRule {
  /** URL path prefix, without a trailing slash (`/` matches everything). */
  readonly prefix: string;
  /** Upstream host name or address (IPv6 without brackets). */
  readonly hostname: string;
  readonly port: number;
  /** `host:port` as sent in `Host` to the upstream. */
  readonly authority: string;
  /**
   * The upstream URL's path, or null when it has none: then the request path is forwarded as it is; otherwise the
   * matched prefix is replaced by this path (nginx's `proxy_pass` rule).
   */
  readonly path: string | null;
  /** The rule as given, for messages. */
  readonly raw: string;
}

/** Parses `PREFIX=http://HOST[:PORT][/PATH]`; throws InvalidOptionError naming the rule. */
export function parseProxyRule(raw: string): ProxyRule {
  const eq = raw.indexOf('=');
  const bad = (why: string): never => {
    throw new InvalidOptionError(`--proxy ${JSON.stringify(raw)}: ${why} (expected PREFIX=http://HOST:PORT, e.g. /api=http://127.0.0.1:3000)`);
  };
  if (eq === -1) bad('no "="');
  let prefix = raw.slice(0, eq).trim();
  const target = raw.slice(eq + 1).trim();
  if (!prefix.startsWith('/') || /[?#\s%\\]/.test(prefix)) bad('the prefix must be a plain path starting with "/"');
  if (prefix.split('/').some((s) => s === '.' || s === '..')) bad('the prefix must not hold "." or ".." segments');
  prefix = prefix.replace(/\/+$/, '') || '/';
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return bad('the upstream is not a URL');
  }
  if (url.protocol !== 'http:') bad('the upstream must be an http:// URL');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') bad('the upstream takes no credentials, query or fragment');
  const port = url.port === '' ? 80 : Number(url.port);
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const hasPath = /^http:\/\/[^/]+\//i.test(target);
  return { prefix, hostname, port, authority: url.host, path: hasPath ? url.pathname : null, raw };
}

/** Parses every `--proxy` value; two rules for one prefix are an error. */
export function parseProxyRules(raws: readonly string[]): ProxyRule[] {
  const rules = raws.map(parseProxyRule);
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.prefix)) throw new InvalidOptionError(`--proxy: two rules for the prefix ${JSON.stringify(r.prefix)}`);
    seen.add(r.prefix);
  }
  // Longest prefix first, so /api/v2 wins over /api.
  return rules.sort((a, b) => b.prefix.length - a.prefix.length);
}

/** A request matched to a rule, with the path to ask the upstream for. */
export interface ProxyMatch {
  readonly rule: ProxyRule;
  readonly path: string;
}

/** True when a raw path holds a `.` or `..` segment, plain or percent-encoded (never forwarded: it could leave the prefix). */
function hasDotSegment(pathPart: string): boolean {
  for (const seg of pathPart.split('/')) {
    if (seg === '' || seg.length > 6) continue;
    const s = seg.replace(/%2e/gi, '.');
    if (s === '.' || s === '..') return true;
  }
  return false;
}

/**
 * Finds the rule for an origin-form request target (longest prefix; the prefix must end at `/`, `?` or the end).
 * Returns null when no rule matches, and `'bad'` for a matching target with dot segments.
 */
export function matchProxy(rules: readonly ProxyRule[], url: string): ProxyMatch | 'bad' | null {
  for (const rule of rules) {
    const p = rule.prefix;
    let rest: string;
    if (p === '/') rest = url;
    else {
      if (!url.startsWith(p)) continue;
      const next = url.charCodeAt(p.length);
      if (!Number.isNaN(next) && next !== 47 /* / */ && next !== 63 /* ? */) continue;
      rest = url.slice(p.length);
    }
    const q = url.indexOf('?');
    if (hasDotSegment(q === -1 ? url : url.slice(0, q))) return 'bad';
    if (rule.path === null) return { rule, path: url };
    const base = rule.path;
    if (p === '/') return { rule, path: base.endsWith('/') ? base + url.slice(1) : base + url };
    if (rest === '' || rest.startsWith('?')) return { rule, path: base + rest };
    return { rule, path: base.endsWith('/') ? base + rest.slice(1) : base + rest };
  }
  return null;
}

/** Hop-by-hop headers (RFC 9110 §7.6.1) plus `Host`, which the proxy sets itself. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', 'http2-settings']);

/** Lower-cased names listed in every `Connection` header of a raw list. */
function connectionTokens(raw: readonly string[]): Set<string> | null {
  let out: Set<string> | null = null;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== 'connection') continue;
    out ??= new Set();
    for (const t of raw[i + 1]!.split(',')) out.add(t.trim().toLowerCase());
  }
  return out;
}

/** True for a header never passed on: hop-by-hop, named by Connection, `Proxy-*`, or an HTTP/2 pseudo-header. */
function dropped(lower: string, tokens: Set<string> | null): boolean {
  return lower.charCodeAt(0) === 58 /* : */ || HOP_BY_HOP.has(lower) || lower.startsWith('proxy') || (tokens !== null && tokens.has(lower));
}

/** What the proxy knows about the client side of a request. */
export interface ForwardContext {
  /** The client's address (`X-Forwarded-For`). */
  clientIp: string;
  /** `http` or `https`: how the client reached muxd (`X-Forwarded-Proto`). */
  proto: 'http' | 'https';
  /** The `Host` (or `:authority`) the client sent (`X-Forwarded-Host`); undefined when absent. */
  host: string | undefined;
  /** The upstream's `host:port`, sent as `Host`. */
  upstreamAuthority: string;
  /** A WebSocket upgrade: `Upgrade` is kept and `Connection: Upgrade` sent. */
  upgrade?: string;
}

/**
 * The headers to send upstream, as a flat `[name, value, …]` list: the client's end-to-end headers (case kept),
 * `Host` set to the upstream, the client's address appended to `X-Forwarded-For`, `X-Forwarded-Proto` and
 * `X-Forwarded-Host` replaced.
 */
export function upstreamRequestHeaders(raw: readonly string[], ctx: ForwardContext): string[] {
  const tokens = connectionTokens(raw);
  const out: string[] = ['Host', ctx.upstreamAuthority];
  let forwardedFor: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (dropped(lower, tokens)) continue;
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? raw[i + 1]! : `${forwardedFor}, ${raw[i + 1]!}`;
      continue;
    }
    if (lower === 'x-forwarded-proto' || lower === 'x-forwarded-host') continue;
    out.push(name, raw[i + 1]!);
  }
  out.push('X-Forwarded-For', forwardedFor === undefined ? ctx.clientIp : `${forwardedFor}, ${ctx.clientIp}`);
  out.push('X-Forwarded-Proto', ctx.proto);
  if (ctx.host !== undefined) out.push('X-Forwarded-Host', ctx.host);
  if (ctx.upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', ctx.upgrade);
  return out;
}

/** The upstream's response headers to pass on, flat and case kept: hop-by-hop ones and those named by Connection dropped. */
export function downstreamResponseHeaders(raw: readonly string[]): string[] {
  const tokens = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (!dropped(raw[i]!.toLowerCase(), tokens)) out.push(raw[i]!, raw[i + 1]!);
  }
  return out;
}

/** A flat header list as an object for HTTP/2 (lower-case names; repeated names become arrays, e.g. Set-Cookie). */
export function headersObject(flat: readonly string[]): Record<string, string | string[]> {
  const obj: Record<string, string | string[]> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const have = obj[name];
    if (have === undefined) obj[name] = flat[i + 1]!;
    else if (Array.isArray(have)) have.push(flat[i + 1]!);
    else obj[name] = [have, flat[i + 1]!];
  }
  return obj;
}
