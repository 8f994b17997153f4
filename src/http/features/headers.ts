// Custom response headers: `--header 'Name: value'` on every response, and rules by URL path glob from the config file.
import { InvalidOptionError } from '../../errors.js';
import type { Layer } from '../core/layers.js';
import type { Res } from '../core/respond.js';

/** One header to add: name as given, value validated. */
export type HeaderPair = readonly [name: string, value: string];

/** One config rule: a URL path glob and the headers of the paths it matches. */
export interface HeaderRule {
  glob: string;
  pattern: RegExp;
  headers: readonly HeaderPair[];
}

/** Validated header settings: rules in file order, then the `--header` flags (which win on the same name). */
export interface HeaderRules {
  rules: readonly HeaderRule[];
  always: readonly HeaderPair[];
}

/** RFC 9110 token characters: what a header name may hold. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Visible characters, spaces and tabs, and obs-text; never CR, LF, NUL or other controls. */
// eslint-disable-next-line no-control-regex -- control bytes are what this refuses
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
/** Headers that frame the message or the connection: setting them would corrupt responses. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'proxy-connection', 'http2-settings', 'host']);

/**
 * The statuses the headers are added to: nginx's `add_header` set (success, redirects and 304, where caching and
 * security headers matter), never error pages.
 */
export const HEADER_STATUSES: ReadonlySet<number> = new Set([200, 201, 204, 206, 301, 302, 303, 304, 307, 308]);

/** Validates one header (name a token, value without CR/LF/NUL or other controls, no framing header), or throws naming `where`. */
export function validateHeader(name: string, value: string, where: string): HeaderPair {
  if (!TOKEN.test(name)) throw new InvalidOptionError(`${where}: ${JSON.stringify(name)} is not a valid header name`);
  if (FRAMING.has(name.toLowerCase())) throw new InvalidOptionError(`${where}: ${name} is set by the server and cannot be overridden`);
  if (BAD_VALUE.test(value)) throw new InvalidOptionError(`${where}: the value of ${name} holds a control character (CR, LF, NUL…)`);
  return [name, value.trim()];
}

/** Parses one `--header 'Name: value'`. */
export function parseHeaderFlag(raw: string): HeaderPair {
  const colon = raw.indexOf(':');
  if (colon <= 0) throw new InvalidOptionError(`--header must look like "Name: value", not ${JSON.stringify(raw)}`);
  return validateHeader(raw.slice(0, colon).trim(), raw.slice(colon + 1), '--header');
}

/**
 * Compiles a URL path glob: `*` matches within one segment, `**` across segments (`/a/**` matches `/a` and
 * everything below it), `?` one character other than `/`. A glob without `/` matches the last segment anywhere
 * (`*.html` is `/**` + `/*.html`). Every other character matches itself.
 */
export function globToRegExp(glob: string): RegExp {
  const g = glob.includes('/') ? glob : `/**/${glob}`;
  let re = '';
  for (let i = 0; i < g.length; i++) {
    const c = g[i]!;
    if (c === '*' && g[i + 1] === '*') {
      const slashBefore = i === 0 || g[i - 1] === '/';
      const slashAfter = g[i + 2] === '/';
      if (slashBefore && slashAfter) {
        re += '(?:[^/]*/)*'; // `/**/` is one slash or any run of whole segments
        i += 2;
      } else if (slashBefore && i + 2 === g.length && re.endsWith('/')) {
        re = `${re.slice(0, -1)}(?:/.*)?`; // a trailing `/**` matches the folder itself too
        i += 1;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Validates `--header` flags and the config file's `headers` object into rules; null when there are none. */
export function parseHeaderRules(flags: readonly string[], config: unknown): HeaderRules | null {
  const always = flags.map(parseHeaderFlag);
  const rules: HeaderRule[] = [];
  if (config !== undefined) {
    if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new InvalidOptionError('config headers must be an object of globs');
    for (const [glob, set] of Object.entries(config as Record<string, unknown>)) {
      if (glob === '' || /[\s\\]/.test(glob)) throw new InvalidOptionError(`config headers: ${JSON.stringify(glob)} is not a URL path glob`);
      if (typeof set !== 'object' || set === null || Array.isArray(set)) throw new InvalidOptionError(`config headers: ${JSON.stringify(glob)} must map header names to values`);
      const headers = Object.entries(set as Record<string, unknown>).map(([name, value]) => {
        if (typeof value !== 'string') throw new InvalidOptionError(`config headers: ${glob}: the value of ${name} must be a string`);
        return validateHeader(name, value, `config headers: ${glob}`);
      });
      rules.push({ glob, pattern: globToRegExp(glob), headers });
    }
  }
  return always.length === 0 && rules.length === 0 ? null : { rules, always };
}

/** The headers for a decoded URL path: every matching rule in order, then the flags; a later one replaces the same name. */
export function headersFor(rules: HeaderRules, urlPath: string): HeaderPair[] {
  const out: HeaderPair[] = [];
  const add = (pairs: readonly HeaderPair[]): void => {
    for (const p of pairs) {
      const lower = p[0].toLowerCase();
      const at = out.findIndex((q) => q[0].toLowerCase() === lower);
      if (at === -1) out.push(p);
      else out[at] = p;
    }
  };
  for (const rule of rules.rules) if (rule.pattern.test(urlPath)) add(rule.headers);
  add(rules.always);
  return out;
}

/** The decoded path of a request target (the raw one when it does not decode). */
function urlPathOf(url: string): string {
  const q = url.indexOf('?');
  const raw = q === -1 ? url : url.slice(0, q);
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

type WriteHead = (status: number, ...rest: unknown[]) => unknown;

/** The headers for one request target, prepared once: lower-case names, and merged lists by the handler's header list. */
interface PreparedSet {
  pairs: readonly HeaderPair[];
  names: ReadonlySet<string>;
  /** The static handler hands the same prepared list for every hit of a cached file: merge it once. */
  merged: WeakMap<object, unknown>;
}

function prepare(pairs: readonly HeaderPair[]): PreparedSet {
  return { pairs, names: new Set(pairs.map((p) => p[0].toLowerCase())), merged: new WeakMap() };
}

/** Merges the set into a writeHead header argument (flat `[name, value, …]` list or object); the set wins on a name. */
function mergeInto(headers: unknown, set: PreparedSet): unknown {
  if (headers !== null && typeof headers === 'object') {
    const done = set.merged.get(headers);
    if (done !== undefined) return done;
  }
  let out: unknown;
  if (Array.isArray(headers)) {
    const list: string[] = [];
    for (let i = 0; i < headers.length; i += 2) if (!set.names.has(String(headers[i]).toLowerCase())) list.push(headers[i] as string, headers[i + 1] as string);
    for (const [n, v] of set.pairs) list.push(n, v);
    out = list;
  } else {
    const obj: Record<string, unknown> = {};
    for (const [n, v] of Object.entries((headers ?? {}) as Record<string, unknown>)) if (!set.names.has(n.toLowerCase())) obj[n] = v;
    for (const [n, v] of set.pairs) obj[n] = v;
    out = obj;
  }
  // Only frozen-in-practice lists are worth keeping: the file cache's prepared arrays are reused, per-response ones are not.
  if (Array.isArray(headers) && headers.length >= 8) set.merged.set(headers, out);
  return out;
}

/** Adds headers to the response's writeHead call, when its status is one of {@link HEADER_STATUSES}. */
function addOnWriteHead(res: Res, set: PreparedSet): void {
  const r = res as unknown as { writeHead: WriteHead };
  const original = r.writeHead;
  r.writeHead = function writeHeadWithHeaders(this: unknown, status: number, ...rest: unknown[]): unknown {
    if (!HEADER_STATUSES.has(status)) return original.call(this, status, ...rest);
    if (typeof rest[0] === 'string') return original.call(this, status, rest[0], mergeInto(rest[1], set));
    return original.call(this, status, mergeInto(rest[0], set));
  };
}

/** Most distinct request targets whose header set is remembered. */
const MAX_CACHED_TARGETS = 4096;

/** The layer that adds the configured headers to what the handlers after it send. */
export function headersLayer(rules: HeaderRules): Layer {
  const cache = new Map<string, PreparedSet | null>();
  return function headersOnRequest(req, res, next) {
    const url = req.url ?? '/';
    let set = cache.get(url);
    if (set === undefined) {
      const pairs = headersFor(rules, urlPathOf(url));
      set = pairs.length === 0 ? null : prepare(pairs);
      if (cache.size >= MAX_CACHED_TARGETS) cache.clear();
      cache.set(url, set);
    }
    if (set !== null) addOnWriteHead(res, set);
    next();
  };
}
