// The journal page's files (index.html, app.js, app.css): loaded once from the package, served with ETag, gzip and long caching.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { Req, Res } from '../http/core/types.js';
import { endBody, writeHead } from '../http/core/respond.js';
import { Encoding, parseAcceptEncoding } from '../http/static/compress.js';
import { parseEtagList, weakMatch } from '../http/static/conditional.js';

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

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

/** Content-Security-Policy of the page: its own scripts, styles and endpoints only. */
export const PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * Finds `src/web/assets` from this module, whether it runs from `src/`, `dist/` or `.test-build/`: walks up
 * to the package root (the folder holding package.json and src/web/assets). package.json "files" ships the folder.
 */
export function assetsDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'src', 'web', 'assets');
    if (existsSync(join(dir, 'package.json')) && existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('muxd page assets not found (src/web/assets)');
    dir = parent;
  }
}

function hash(body: Buffer): string {
  return createHash('sha256').update(body).digest('base64url').slice(0, 16);
}

function makeAsset(name: string, body: Buffer): Asset {
  const type = TYPES[name] ?? 'application/octet-stream';
  const version = hash(body);
  const gz = body.length > 1024 ? gzipSync(body, { level: 9 }) : null;
  return { body, gzip: gz !== null && gz.length < body.length ? gz : null, type, etag: `"${version}"`, version };
}

/** Loads the page files; index.html's `{{app.js}}`-style placeholders become content hashes so the others can be cached for a year. */
export async function loadAssets(dir: string = assetsDir()): Promise<AssetMap> {
  const map = new Map<string, Asset>();
  for (const name of ['app.js', 'app.css']) map.set(name, makeAsset(name, await readFile(join(dir, name))));
  const html = (await readFile(join(dir, 'index.html'), 'utf8')).replace(/\{\{(app\.(?:js|css))\}\}/g, (_m, n: string) => map.get(n)?.version ?? '');
  map.set('index.html', makeAsset('index.html', Buffer.from(html)));
  return map;
}

function acceptsGzip(req: Req): boolean {
  return parseAcceptEncoding(req.headers['accept-encoding'] ?? '', [Encoding.GZIP]) === Encoding.GZIP;
}

/** Sends one asset: 304 on a matching If-None-Match, gzip when accepted, immutable caching for a matching `?v=`. */
export function sendAsset(req: Req, res: Res, asset: Asset, version: string | null): void {
  const immutable = version === asset.version && asset.type !== TYPES['index.html'];
  const headers: Record<string, string | number> = {
    'Content-Type': asset.type,
    ETag: asset.etag,
    'Cache-Control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  };
  if (asset.type === TYPES['index.html']) {
    headers['Content-Security-Policy'] = PAGE_CSP;
    headers['X-Frame-Options'] = 'DENY';
  }
  if (asset.gzip) headers.Vary = 'Accept-Encoding';
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && parseEtagList(inm).some((t) => t === '*' || weakMatch(t, asset.etag))) {
    writeHead(res, 304, headers).end();
    return;
  }
  const body = asset.gzip && acceptsGzip(req) ? asset.gzip : asset.body;
  if (body === asset.gzip) headers['Content-Encoding'] = 'gzip';
  headers['Content-Length'] = body.length;
  writeHead(res, 200, headers);
  endBody(res, req.method === 'HEAD' ? undefined : body);
}
