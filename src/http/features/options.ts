// The flags of `muxd serve` (reused by `muxd up`) and their translation into StaticOptions + HttpServerOptions.
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { adminFlag } from '../../admin/address.js';
import { InvalidOptionError, UsageError } from '../../errors.js';
import type { StaticOptions } from '../static/static-handler.js';
import type { HttpServerOptions } from '../core/server.js';
import { LogFormat } from '../core/access-log.js';
import type { LogFormatValue } from '../core/access-log.js';
import { DEFAULT_MAX_RANGES } from '../static/range.js';
import { createHostAllowList, isLoopbackHost, parseAllowedHosts } from '../core/host-check.js';
import { choiceOption, intOption, listOption, readPemOption, stringOption, withDefaults } from '../../options.js';
import { DEFAULT_PROXY_TIMEOUT_MS } from './proxy.js';
import { parseProxyRules } from './proxy-rules.js';
import type { ProxyRule } from './proxy-rules.js';
import { loadOrCreateAutoCert } from './tls-auto.js';
import type { AutoCert } from './tls-auto.js';
import type { OptionSpec, OptionValues } from '../../options.js';

import { parseHeaderRules } from './headers.js';
import type { HeaderRules } from './headers.js';
import { BasicAuth, hashPassword, parseAuthFile, parseAuthFlag, parseHash } from './auth.js';
import type { PasswordHash } from './auth.js';
import { DEFAULT_MAX_UPLOAD } from './upload.js';
import type { UploadOptions } from './upload.js';

/** The optional request-path features of serve and up, validated; each null when off. */
export interface ServeFeatures {
  headers: HeaderRules | null;
  auth: BasicAuth | null;
  upload: UploadOptions | null;
}

/** The flag spec type, shared with the CLI. */
export type ServeOptionSpec = OptionSpec;

export type { OptionValues } from '../../options.js';

/** Defaults of every limit, in one place. */
export const SERVE_DEFAULTS = {
  host: '127.0.0.1',
  port: 8000,
  log: LogFormat.COMMON,
  cacheSeconds: 0,
  maxConns: 10_000,
  maxHeaderSize: 16_384,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxRanges: DEFAULT_MAX_RANGES,
  index: 'index.html',
} as const;

/** Every flag of `muxd serve`. `muxd up` takes all of them too. */
export const serveOptionSpecs: Record<string, ServeOptionSpec> = {
  admin: adminFlag,
  'access-log': {
    type: 'string',
    arg: 'FILE',
    description: 'Write the access log to FILE (appended) instead of stdout; SIGHUP reopens it, for logrotate.',
  },
  host: { type: 'string', default: SERVE_DEFAULTS.host, arg: 'HOST', description: 'Address to listen on.' },
  'allowed-hosts': {
    type: 'string',
    arg: 'NAME,...|all',
    description:
      'Host names (and .suffix entries) the server answers to besides localhost and loopback addresses; on a loopback bind every other Host gets 403 (DNS-rebinding guard). "all" turns the check off.',
  },
  port: { type: 'string', short: 'p', default: String(SERVE_DEFAULTS.port), arg: 'PORT', description: 'Port to listen on; 0 picks a free one.' },
  log: { type: 'string', default: SERVE_DEFAULTS.log, arg: 'common|combined|json|off', description: 'Access log format, written to stdout (or --access-log FILE).' },
  listing: { type: 'boolean', description: 'List directories that have no index file (HTML, or JSON for Accept: application/json).' },
  spa: { type: 'boolean', description: 'Answer unknown page navigations with /index.html (single-page apps).' },
  cors: { type: 'string', bareValue: '*', arg: 'ORIGIN,...', description: 'Send CORS headers for these origins (bare --cors: any origin, without credentials).' },
  cache: { type: 'string', default: String(SERVE_DEFAULTS.cacheSeconds), arg: 'SECONDS', description: 'Cache-Control max-age for files.' },
  dotfiles: { type: 'string', default: 'deny', arg: 'deny|allow', description: 'Serve hidden files (/.well-known/ is always served).' },
  'tls-cert': { type: 'string', arg: 'FILE', description: 'PEM certificate: serve HTTPS with HTTP/2 and HTTP/1.1 (needs --tls-key).' },
  'tls-key': { type: 'string', arg: 'FILE', description: 'PEM private key for --tls-cert.' },
  'max-conns': { type: 'string', default: String(SERVE_DEFAULTS.maxConns), arg: 'N', description: 'Most simultaneous connections; more are dropped.' },
  index: { type: 'string', default: SERVE_DEFAULTS.index, arg: 'FILE', description: 'File served for a directory.' },
  'no-compress': { type: 'boolean', description: 'Do not compress on the fly (precompressed .br/.gz files are still used).' },
  'max-ranges': { type: 'string', default: String(SERVE_DEFAULTS.maxRanges), arg: 'N', description: 'Most byte ranges in one request (more gives 416).' },
  'max-header-size': { type: 'string', default: String(SERVE_DEFAULTS.maxHeaderSize), arg: 'BYTES', description: 'Largest request header block (431 beyond).' },
  'headers-timeout': { type: 'string', default: String(SERVE_DEFAULTS.headersTimeoutMs), arg: 'MS', description: 'Time allowed for request headers (408 after).' },
  'request-timeout': { type: 'string', default: String(SERVE_DEFAULTS.requestTimeoutMs), arg: 'MS', description: 'Time allowed for a whole request.' },
  'keep-alive-timeout': { type: 'string', default: String(SERVE_DEFAULTS.keepAliveTimeoutMs), arg: 'MS', description: 'How long an idle keep-alive connection stays open.' },
  // Proxy, live reload, QR, open (issue 11).
  proxy: {
    type: 'string',
    multiple: true,
    arg: 'PREFIX=URL',
    description: 'Forward requests under PREFIX (WebSocket upgrades too) to an http:// upstream, e.g. /api=http://127.0.0.1:3000. Repeatable.',
  },
  'proxy-timeout': { type: 'string', default: String(DEFAULT_PROXY_TIMEOUT_MS), arg: 'MS', description: 'Longest silence allowed from an upstream before its response headers (504 after).' },
  watch: { type: 'boolean', description: 'Live reload: watch DIR; pages reload on a change, stylesheets are swapped in place on a CSS change.' },
  qr: { type: 'boolean', description: 'Print a QR code of the first LAN URL (needs a non-loopback --host).' },
  open: { type: 'boolean', description: 'Open the URL in the default browser.' },
  tls: {
    type: 'string',
    arg: 'auto',
    description:
      'auto: HTTPS (HTTP/2 and HTTP/1.1) with a self-signed certificate for localhost, 127.0.0.1, ::1 and the LAN addresses, cached (0600) under $XDG_CACHE_HOME/muxd or ~/.cache/muxd and renewed near expiry; its SHA-256 fingerprint is printed.',
  },
  // Config file, headers, basic auth, uploads (issue 11).
  header: {
    type: 'string',
    multiple: true,
    arg: "'NAME: VALUE'",
    description: 'Add a response header to files, listings, redirects and 304s (repeatable; replaces a header of the same name). The config file adds rules by path glob ("headers").',
  },
  auth: { type: 'string', arg: 'USER:PASSWORD', description: 'Require HTTP basic auth for every request (visible in ps: prefer --auth-file).' },
  'auth-file': { type: 'string', arg: 'FILE', description: 'Require HTTP basic auth; FILE holds one user:HASH per line (muxd hash-password prints a HASH).' },
  'allow-insecure-auth': { type: 'boolean', description: 'Allow basic auth over plain HTTP on a non-loopback --host (passwords then cross the network in clear).' },
  upload: { type: 'boolean', description: 'Accept PUT /path/file and multipart POST to a folder (the listing gets a drop zone). Needs --auth/--auth-file or a loopback --host.' },
  'max-upload': { type: 'string', default: String(DEFAULT_MAX_UPLOAD), arg: 'BYTES', description: 'Largest upload request body (413 beyond).' },
  overwrite: { type: 'boolean', description: 'Let uploads replace existing files (409 otherwise).' },
};

/** Validated values of the proxy, live reload, QR and open flags. */
export interface ServeExtras {
  /** `--proxy` rules (longest prefix first) and `--proxy-timeout`; null without `--proxy`. */
  proxy: { rules: ProxyRule[]; timeoutMs: number } | null;
  /** `--watch`: live reload. */
  watch: boolean;
  /** `--qr`: print a QR code of the LAN URL. */
  qr: boolean;
  /** `--open`: open the URL in a browser. */
  open: boolean;
}

function resolveExtras(values: OptionValues, cacheSeconds: number): ServeExtras {
  const rules = parseProxyRules(listOption(values, 'proxy'));
  const timeoutMs = intOption(withDefaults({ 'proxy-timeout': serveOptionSpecs['proxy-timeout']! }, values), 'proxy-timeout', 1, 3_600_000);
  const watch = values.watch === true;
  if (watch && cacheSeconds > 0) {
    throw new InvalidOptionError('--watch needs --cache 0: browsers would keep cached files and miss the changes it reloads for');
  }
  return { proxy: rules.length > 0 ? { rules, timeoutMs } : null, watch, qr: values.qr === true, open: values.open === true };
}

/** Parses `--cors` (`*`, or a comma-separated list of `scheme://host[:port]` origins). */
export function parseCorsList(raw: string | undefined): string[] | null {
  if (raw === undefined) return null;
  const list = raw.split(',').map((s) => s.trim().replace(/\/+$/, '')).filter((s) => s !== '');
  if (list.length === 0) return ['*'];
  for (const o of list) {
    if (o !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/[^/\s,]+$/i.test(o)) {
      throw new InvalidOptionError(`--cors: ${JSON.stringify(o)} is not an origin like https://example.com`);
    }
  }
  return list;
}

/** Reads `--auth` (hashed here, so every check runs the same scrypt) or `--auth-file` into a BasicAuth, or null. */
async function resolveAuth(values: OptionValues): Promise<BasicAuth | null> {
  const flag = stringOption(values, 'auth');
  const file = stringOption(values, 'auth-file');
  if (flag !== undefined && file !== undefined) throw new UsageError('--auth and --auth-file: give one of them');
  if (flag !== undefined) {
    const { user, password } = parseAuthFlag(flag);
    return new BasicAuth({ users: new Map([[user, parseHash(await hashPassword(password)) as PasswordHash]]) });
  }
  if (file === undefined) return null;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new InvalidOptionError(`--auth-file: cannot read ${JSON.stringify(file)} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return new BasicAuth({ users: parseAuthFile(text) });
}

/** Validates the header, auth and upload flags against the listener they will run on. `structured` holds the config file's `headers`. */
async function resolveFeatures(values: OptionValues, host: string, tls: boolean, structured: Record<string, unknown>): Promise<ServeFeatures> {
  const headers = parseHeaderRules(listOption(values, 'header'), structured.headers);
  const auth = await resolveAuth(values);
  if (auth !== null && !tls && !isLoopbackHost(host) && values['allow-insecure-auth'] !== true) {
    throw new UsageError(
      `basic auth on plain HTTP at --host ${host} would send passwords across the network in clear: serve HTTPS (--tls-cert/--tls-key), bind loopback, or pass --allow-insecure-auth`,
    );
  }
  // Callers that build values by hand (library users, tests) may leave the new flags out: the default then holds.
  const maxBytes = values['max-upload'] === undefined ? DEFAULT_MAX_UPLOAD : intOption(values, 'max-upload', 1, Number.MAX_SAFE_INTEGER);
  const config = stringOption(values, 'config');
  const protect = config === undefined ? [] : [path.resolve(config), await realpath(config).catch(() => path.resolve(config))];
  const upload = values.upload === true ? { maxBytes, overwrite: values.overwrite === true, protect } : null;
  if (upload !== null && auth === null && !isLoopbackHost(host)) {
    throw new UsageError(`--upload at --host ${host} lets anyone who can reach it write files: add --auth or --auth-file, or bind loopback`);
  }
  return { headers, auth, upload };
}

/**
 * Validates serve flags (and reads TLS and auth files) into handler and server options and the optional features.
 * `dir` is the positional folder; `structured` the config file's non-flag settings (`headers`).
 */
export async function resolveServeOptions(
  values: OptionValues,
  dir = '.',
  structured: Record<string, unknown> = {},
): Promise<{ staticOptions: StaticOptions; serverOptions: HttpServerOptions; features: ServeFeatures; extras: ServeExtras; tlsAuto?: AutoCert }> {
  const headersTimeoutMs = intOption(values, 'headers-timeout', 1, 20_000);
  const requestTimeoutMs = intOption(values, 'request-timeout', 1, 30_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new InvalidOptionError(`--headers-timeout (${headersTimeoutMs}) must not exceed --request-timeout (${requestTimeoutMs})`);
  }
  const certFile = stringOption(values, 'tls-cert');
  const keyFile = stringOption(values, 'tls-key');
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tlsMode = stringOption(values, 'tls');
  if (tlsMode !== undefined && tlsMode !== 'auto') throw new InvalidOptionError(`--tls must be auto, not ${JSON.stringify(tlsMode)}`);
  if (tlsMode !== undefined && certFile !== undefined) throw new UsageError('--tls auto and --tls-cert/--tls-key exclude each other');
  const tlsAuto = tlsMode === 'auto' ? await loadOrCreateAutoCert() : undefined;
  const tls =
    certFile !== undefined && keyFile !== undefined
      ? { cert: readPemOption('tls-cert', certFile), key: readPemOption('tls-key', keyFile), files: { cert: certFile, key: keyFile } }
      : tlsAuto !== undefined
        ? { cert: tlsAuto.cert, key: tlsAuto.key }
        : undefined;
  const index = stringOption(values, 'index') ?? SERVE_DEFAULTS.index;
  if (index.includes('/') || index.startsWith('.')) throw new InvalidOptionError('--index must be a plain file name');
  const staticOptions: StaticOptions = {
    root: dir,
    listing: values.listing === true,
    spa: values.spa === true,
    dotfiles: choiceOption(values, 'dotfiles', ['deny', 'allow'] as const),
    cacheSeconds: intOption(values, 'cache', 0, 31_536_000),
    cors: parseCorsList(stringOption(values, 'cors') ?? (values.cors === '' ? '*' : undefined)),
    index,
    compress: values['no-compress'] !== true,
    maxRanges: intOption(values, 'max-ranges', 1, 1000),
  };
  const serverOptions: HttpServerOptions = {
    host: stringOption(values, 'host') ?? SERVE_DEFAULTS.host,
    port: intOption(values, 'port', 0, 65_535),
    maxConns: intOption(values, 'max-conns', 1, 1_000_000),
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: intOption(values, 'keep-alive-timeout', 1, 600_000),
    maxHeaderSize: intOption(values, 'max-header-size', 1024, 1_048_576),
    log: choiceOption<LogFormatValue>(values, 'log', Object.values(LogFormat)),
  };
  serverOptions.allowedHosts = createHostAllowList(serverOptions.host, parseAllowedHosts(stringOption(values, 'allowed-hosts')));
  if (tls !== undefined) serverOptions.tls = tls;
  const accessLogFile = stringOption(values, 'access-log');
  if (accessLogFile !== undefined) serverOptions.accessLogFile = path.resolve(accessLogFile);
  const features = await resolveFeatures(values, serverOptions.host, tls !== undefined, structured);
  if (features.upload !== null) staticOptions.upload = true;
  const extras = resolveExtras(values, staticOptions.cacheSeconds);
  // Uploads sandbox every file (an opaque origin), and a sandboxed page cannot open the same-origin reload stream.
  if (extras.watch && features.upload !== null) throw new UsageError('--watch and --upload do not combine: with uploads every page runs sandboxed, where live reload cannot reach it');
  return { staticOptions, serverOptions, features, extras, ...(tlsAuto !== undefined ? { tlsAuto } : {}) };
}
