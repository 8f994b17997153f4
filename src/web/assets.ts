// The journal page's files (index.html, app.css and the ES modules from app.js): loaded once from the package, served
// with ETag, gzip and long caching.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { assetsDir } from '../assets-dir.js';
import type { Req, Res } from '../http/core/types.js';
import { endBody, writeHead } from '../http/core/respond.js';
import { Encoding, parseAcceptEncoding } from '../http/static/compress.js';
import { parseEtagList, weakMatch } from '../http/static/conditional.js';
import { contentHash, importsOf, linkModules } from './page-modules.js';

/** One page file, ready to send. */
export interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  /** Strong ETag of the identity body. */
  etag: string;
  /** Short content hash used as the `?v=` cache-buster in index.html. */
  version: string;
}

/** The page files by name. */
export type AssetMap = ReadonlyMap<string, Asset>;

const HTML = 'text/html; charset=utf-8';
const TYPES: Record<string, string> = {
  html: HTML,
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

/** The page's entry module: it and every module it imports (transitively) are served under /_muxd/. */
export const ENTRY_MODULE = 'app.js';

/** Content-Security-Policy of the page: its own scripts, styles and endpoints only. */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

function makeAsset(name: string, body: Buffer): Asset {
  const type = TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream';
  const version = contentHash(body);
  const gz = body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
  return { body, gzip: gz !== null && gz.length < body.length ? gz : null, type, etag: `"${version}"`, version };
}

/** How lines reach this `up`, for the page's empty state: the collector's real port (null: a pure viewer), and the terminal. */
export interface SendHint {
  collectPort: number | null;
  stdin: boolean;
}

/** The empty state's second sentence (HTML). */
export function emptyStateHtml(hint: SendHint): string {
  if (hint.collectPort === null) return 'This page views the stream: lines sent to any collector on it appear here.';
  const ways = [`run <code>muxd send ${hint.collectPort}</code> in another terminal`];
  if (hint.stdin) ways.push('type into the <code>muxd up</code> terminal');
  ways.push('use the box below');
  const text = `${ways.slice(0, -1).join(', ')}${ways.length > 2 ? ',' : ''} or ${ways[ways.length - 1]}.`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Reads the entry module and every module it imports, by file name. */
async function readModules(dir: string): Promise<Map<string, string>> {
  const sources = new Map<string, string>();
  const todo = [ENTRY_MODULE];
  for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
    if (sources.has(name)) continue;
    const source = await readFile(join(dir, name), 'utf8');
    sources.set(name, source);
    todo.push(...importsOf(source, name));
  }
  return sources;
}

/**
 * Loads the page files. The modules' imports and index.html's `{{app.js}}`-style placeholders get content hashes, so
 * every file but index.html can be cached for a year (see {@link linkModules}); `{{modulepreload}}` becomes a preload
 * link per imported module (no request waterfall), and `{{empty}}` the empty state for `hint` (default: the
 * collector's default port and a terminal).
 */
export async function loadAssets(dir: string = assetsDir(), hint: SendHint = { collectPort: 6666, stdin: true }): Promise<AssetMap> {
  const map = new Map<string, Asset>();
  for (const [name, mod] of linkModules(await readModules(dir), ENTRY_MODULE)) map.set(name, makeAsset(name, Buffer.from(mod.body)));
  map.set('app.css', makeAsset('app.css', await readFile(join(dir, 'app.css'))));
  const preload = [...map]
    .filter(([name]) => name.endsWith('.js') && name !== ENTRY_MODULE)
    .map(([name, a]) => `<link rel="modulepreload" href="/_muxd/${name}?v=${a.version}">`)
    .join('\n');
  const html = (await readFile(join(dir, 'index.html'), 'utf8'))
    .replace(/\{\{(app\.(?:js|css))\}\}/g, (_m, n: string) => map.get(n)?.version ?? '')
    .replace('{{modulepreload}}', preload)
    .replace('{{empty}}', emptyStateHtml(hint));
  map.set('index.html', makeAsset('index.html', Buffer.from(html)));
  return map;
}

function acceptsGzip(req: Req): boolean {
  return parseAcceptEncoding(req.headers['accept-encoding'] ?? '', [Encoding.GZIP]) === Encoding.GZIP;
}

/** Sends one asset: 304 on a matching If-None-Match, gzip when accepted, immutable caching for a matching `?v=`. */
export function sendAsset(req: Req, res: Res, asset: Asset, version: string | null): void {
  const immutable = version === asset.version && asset.type !== HTML;
  const headers: Record<string, string | number> = {
    'Content-Type': asset.type,
    ETag: asset.etag,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  if (asset.type === HTML) {
    headers['Content-Security-Policy'] = PAGE_CSP;
    headers['X-Frame-Options'] = 'DENY';
  }
  if (asset.gzip) headers.Vary = 'Accept-Encoding';
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && parseEtagList(inm).some((t) => t === '*' || weakMatch(t, asset.etag))) {
    writeHead(res, 304, headers);
    endBody(res);
    return;
  }
  const body = asset.gzip && acceptsGzip(req) ? asset.gzip : asset.body;
  if (body === asset.gzip) headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = body.length;
  writeHead(res, 200, headers);
  endBody(res, req.method === 'HEAD' ? undefined : body);
}
