// DNS-rebinding guard: on a loopback bind, answer only requests whose Host / :authority names this machine or an allowed name.
import { isIP } from 'node:net';
import { InvalidOptionError } from '../../errors.js';

/** `--allowed-hosts` value that turns the check off. */
export const ALLOW_ALL_HOSTS = 'all';

/** A compiled allow-list; `null` means the check is off. */
export interface HostAllowList {
  /** Exact names (lower case, no port). */
  readonly names: ReadonlySet<string>;
  /** Suffixes from `.example.com` entries: the name itself and every subdomain. */
  readonly suffixes: readonly string[];
  /** True when any IP literal is accepted (the server is reached by address on a non-loopback bind). */
  readonly anyIp: boolean;
}

/** True for a loopback address literal: 127.0.0.0/8, ::1 (and its IPv4-mapped forms). */
export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (h.startsWith('::ffff:')) return isIP(h.slice(7)) === 4 && h.slice(7).startsWith('127.');
  return false;
}

/** True for hosts that only this machine can reach: loopback literals, `localhost` and `*.localhost`. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  return h === 'localhost' || h.endsWith('.localhost') || isLoopbackAddress(h);
}

const NAME_RE = /^\.?(?=.{1,253}$)([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/** Parses `--allowed-hosts` (comma-separated names, `.suffix` entries, or `all`); throws InvalidOptionError on junk. */
export function parseAllowedHosts(raw: string | undefined): string[] | 'all' {
  if (raw === undefined || raw.trim() === '') return [];
  const list = raw.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  if (list.includes(ALLOW_ALL_HOSTS)) {
    if (list.length > 1) throw new InvalidOptionError('--allowed-hosts: "all" cannot be combined with names');
    return 'all';
  }
  for (const name of list) {
    if (!NAME_RE.test(name) && isIP(name.replace(/^\[|\]$/g, '')) === 0) {
      throw new InvalidOptionError(`--allowed-hosts: ${JSON.stringify(name)} is not a host name (no port, no scheme)`);
    }
  }
  return list;
}

/**
 * Builds the allow-list for a server bound to `bindHost`. Returns null (no check) for `--allowed-hosts all`, and for a
 * non-loopback bind without `--allowed-hosts` (the server is meant to be reached by any name; `--token` guards `up`).
 */
export function createHostAllowList(bindHost: string, allowed: string[] | 'all'): HostAllowList | null {
  if (allowed === 'all') return null;
  const loopbackBind = isLoopbackAddress(bindHost) || bindHost.toLowerCase() === 'localhost';
  if (!loopbackBind && allowed.length === 0) return null;
  const names = new Set<string>();
  const suffixes: string[] = [];
  for (const a of allowed) {
    if (a.startsWith('.')) suffixes.push(a.slice(1));
    else names.add(a.replace(/^\[|\]$/g, ''));
  }
  return { names, suffixes, anyIp: !loopbackBind };
}

/** Splits `name[:port]` / `[v6][:port]` into the name, or returns null when the value is not a valid authority. */
export function hostOfAuthority(value: string): string | null {
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end === -1) return null;
    const rest = v.slice(end + 1);
    if (rest !== '' && !/^:\d{1,5}$/.test(rest)) return null;
    const ip = v.slice(1, end);
    return isIP(ip) === 6 ? ip : null;
  }
  const colon = v.indexOf(':');
  const name = colon === -1 ? v : v.slice(0, colon);
  if (colon !== -1 && !/^\d{1,5}$/.test(v.slice(colon + 1))) return null;
  if (name === '' || !/^[a-z0-9._-]+$/.test(name)) return null;
  return name.replace(/\.$/, '');
}

/**
 * True when a request with this `Host` (or `:authority`) may be answered. A request without one (HTTP/1.0 from nc or
 * scripts) is allowed: browsers always send Host, and rebinding needs a browser.
 */
export function isHostAllowed(list: HostAllowList, value: string | undefined): boolean {
  if (value === undefined || value === '') return true;
  const host = hostOfAuthority(value);
  if (host === null) return false;
  if (isLoopbackHost(host)) return true;
  if (list.names.has(host)) return true;
  for (const s of list.suffixes) if (host === s || host.endsWith(`.${s}`)) return true;
  return list.anyIp && isIP(host) !== 0;
}

/** Distinct Host values remembered by {@link hostGuard}; browsers send a handful, an attacker's spray is not cached. */
const GUARD_CACHE_MAX = 64;

/**
 * A memoised {@link isHostAllowed} for the request hot path: the few Host values a server sees are judged once.
 * Past {@link GUARD_CACHE_MAX} distinct values, new ones are judged each time without being remembered.
 */
export function hostGuard(list: HostAllowList): (value: string | undefined) => boolean {
  const seen = new Map<string, boolean>();
  return (value) => {
    if (value === undefined) return true;
    let ok = seen.get(value);
    if (ok === undefined) {
      ok = isHostAllowed(list, value);
      if (seen.size < GUARD_CACHE_MAX) seen.set(value, ok);
    }
    return ok;
  };
}
