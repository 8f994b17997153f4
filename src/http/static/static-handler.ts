// The static file handler: fast path for cached small files, then path resolution, directories, SPA, 404 pages.
import { realpath, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { ErrorCode, InvalidOptionError, NotFoundError } from '../../errors.js';
import { resolvePath } from './resolve-path.js';
import type { ResolvedPath } from './resolve-path.js';
import { FileCache } from './file-cache.js';
import type { FileEntry } from './file-cache.js';
import { negotiateEncoding } from './compress.js';
import { DEFAULT_MAX_RANGES } from './range.js';
import { createCorsPolicy, corsHeadersFor, preflight, staticCorsHeaders, variesByOrigin, CORS_METHODS } from './cors.js';
import { readListing, renderListingHtml, wantsJson } from './listing.js';
import { sendFile } from './file-response.js';
import { encodePath, endWith, failResponse, sendErrorPage, sendStatus, writeHead } from '../core/respond.js';
import type { FastAnswer, FastLookup, Handler, Req, Res } from '../core/types.js';
import type { IncomingHttpHeaders } from 'node:http';

/** How the static handler serves a folder. */
export interface StaticOptions {
  /** Folder to serve. */
  root: string;
  /** Show directory listings for folders without an index file. */
  listing: boolean;
  /** Answer unknown navigations (GET, Accept: text/html, no extension) with the root index file. */
  spa: boolean;
  /** `deny` hides every path segment starting with `.` (except `/.well-known/`). */
  dotfiles: 'deny' | 'allow';
  /** `Cache-Control: public, max-age=N`. */
  cacheSeconds: number;
  /** Allowed CORS origins (`['*']` for any), or null for no CORS headers. */
  cors: string[] | null;
  /** Index file name for directories. Default `index.html`. */
  index?: string;
  /** Compress compressible types on the fly (sidecars are used either way). Default true. */
  compress?: boolean;
  /** Most ranges in one Range header before 416. Default 16. */
  maxRanges?: number;
  /** Files up to this size are kept in memory. Default 1 MiB. */
  cacheMaxFileBytes?: number;
  /** Cap on memory for cached bodies. Default 64 MiB. */
  cacheMaxBytes?: number;
  /** How long a cached file is trusted before it is stat'ed again, in ms. Default 1000. */
  statTtlMs?: number;
  /**
   * Real paths (symlinks resolved) that are never served nor listed, whatever URL reaches them: true answers 404.
   * `up` passes one that matches its journal's files.
   */
  deny?: (realPath: string) => boolean;
  /**
   * Live reload (`--watch`): HTML files and listings get its script (`inject`), and every cached stat is dropped
   * on a change (`onChange`), so the reload that follows sees the new file at once. This is live reload's only way
   * into the static handler (its routes are its layer), and deliberately not an `onSend` hook (core/phases.ts): the
   * script changes the representation, not the head. The handler derives the ETag, Content-Length, 304s, ranges and
   * compressed variants from the bytes it serves; a hook after it would meet 304s that carry no body and no type
   * (a browser holding the plain page would keep it, script-less), gzip/br variants to inflate, and ranges of the
   * plain bytes. Injected once when the file is cached, the copy has its own ETag (`-lr`), no ranges and no
   * compression, and costs nothing per request.
   */
  liveReload?: { inject(html: Buffer): Buffer; onChange(listener: () => void): void };
  /** Uploads are on (`--upload`): HTML listings carry the upload form and drop zone, and files are sandboxed ({@link UPLOAD_SANDBOX_CSP}). */
  upload?: boolean;
}

/** Answers one request. Never throws and never rejects: failures become 500 or a cut connection. */
export type StaticHandler = Handler & {
  /**
   * The HTTP/2 fast path's lookup (see http2-server.ts): the cached 200 for a GET/HEAD of `path` when the request
   * carries nothing that needs the full handler (conditionals, Range, a CORS origin to check), else null. Only the
   * bare static handler has it, so a handler wrapped in layers (auth, headers, …) never skips them.
   */
  readonly fastPath: FastLookup;
};

const ALLOW = 'GET, HEAD, OPTIONS';


/** Creates the handler for a folder; rejects with InvalidOptionError when the root is not a readable directory. */
export async function createStaticHandler(opts: StaticOptions): Promise<StaticHandler> {
  let root: string;
  try {
    root = await realpath(path.resolve(opts.root));
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new InvalidOptionError(`cannot serve ${JSON.stringify(opts.root)}: not a readable directory`);
  }
  const server = new StaticServer(root, opts);
  return Object.assign((req: Req, res: Res) => server.handle(req, res), { fastPath: (path: string, headers: IncomingHttpHeaders) => server.lookupFast(path, headers) });
}

class StaticServer {
  /** The files, and which request targets answer 200 with one of them (the directory index included). */
  private readonly cache: FileCache;
  private readonly cors;
  private readonly maxRanges: number;
  private readonly index: string;
  private readonly rootPrefix: string;
  private readonly listingHeaders: string[];

  constructor(
    private readonly root: string,
    private readonly o: StaticOptions,
  ) {
    this.cors = createCorsPolicy(o.cors);
    this.maxRanges = o.maxRanges ?? DEFAULT_MAX_RANGES;
    this.index = o.index ?? 'index.html';
    this.rootPrefix = root.endsWith(path.sep) ? root : root + path.sep;
    const extraHeaders = [
      'Cache-Control', `public, max-age=${o.cacheSeconds}`,
      'X-Content-Type-Options', 'nosniff',
      ...staticCorsHeaders(this.cors),
      ...(o.upload === true ? ['Content-Security-Policy', UPLOAD_SANDBOX_CSP] : []),
    ];
    this.listingHeaders = ['Cache-Control', 'no-cache', 'X-Content-Type-Options', 'nosniff', ...staticCorsHeaders(this.cors)];
    this.cache = new FileCache({
      maxFileBytes: o.cacheMaxFileBytes ?? 1024 * 1024,
      maxTotalBytes: o.cacheMaxBytes ?? 64 * 1024 * 1024,
      extraHeaders,
      extraVary: variesByOrigin(this.cors) ? ['Origin'] : [],
      compress: o.compress ?? true,
      ttlMs: o.statTtlMs ?? 1000,
      check: (lookupPath) => this.lookup(lookupPath),
      ...(o.liveReload !== undefined ? { transformHtml: o.liveReload.inject } : {}),
    });
    o.liveReload?.onChange(() => this.cache.expireAll());
  }

  handle(req: Req, res: Res): void {
    try {
      const method = req.method;
      if (method === 'GET' || method === 'HEAD') {
        const entry = this.cache.route(req.url ?? '');
        if (entry !== null && this.tryFast(req, res, entry)) return;
      }
      this.slow(req, res).catch(() => failResponse(req, res));
    } catch {
      failResponse(req, res);
    }
  }

  /** Answers from memory when the request carries nothing that needs the slow path. */
  private tryFast(req: Req, res: Res, entry: FileEntry): boolean {
    const raw = req.rawHeaders;
    let acceptEncoding: string | undefined;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i]!;
      const c = name.charCodeAt(0) | 0x20;
      if (c === 0x69 /* i */) {
        if ((name.charCodeAt(1) | 0x20) === 0x66 && name.charCodeAt(2) === 45) return false; // If-*
      } else if (c === 0x72 /* r */) {
        if (name.length === 5 && name.toLowerCase() === 'range') return false;
      } else if (c === 0x61 /* a */) {
        if (name.length === 15 && name.toLowerCase() === 'accept-encoding') {
          if (acceptEncoding !== undefined) return false;
          acceptEncoding = raw[i + 1];
        }
      } else if (c === 0x6f /* o */) {
        if (name.length === 6 && this.cors !== null && !this.cors.anyOrigin && name.toLowerCase() === 'origin') return false;
      }
    }
    const answer = cachedAnswer(entry, acceptEncoding);
    if (answer === null) return false;
    writeHead(res, 200, answer.headers);
    endWith(req, res, answer.body);
    return true;
  }

  /** {@link StaticHandler.fastPath}: the same answer as {@link tryFast}, from an HTTP/2 header object. */
  lookupFast(url: string, h: IncomingHttpHeaders): FastAnswer | null {
    const entry = this.cache.route(url);
    if (entry === null) return null;
    if (h['if-none-match'] !== undefined || h['if-modified-since'] !== undefined || h['if-match'] !== undefined || h['if-unmodified-since'] !== undefined) return null;
    if (h.range !== undefined || h['if-range'] !== undefined) return null;
    if (h.origin !== undefined && this.cors !== null && !this.cors.anyOrigin) return null;
    return cachedAnswer(entry, h['accept-encoding']);
  }

  private async slow(req: Req, res: Res): Promise<void> {
    const method = req.method ?? '';
    const url = req.url ?? '';
    const origin = req.headers.origin;
    const extra = corsHeadersFor(this.cors, origin);
    if (method === 'OPTIONS') return this.options(req, res, extra);
    if (method !== 'GET' && method !== 'HEAD') return sendErrorPage(req, res, ErrorCode.METHOD_NOT_ALLOWED, ['Allow', ALLOW, ...extra]);
    const resolved = resolvePath(url, { dotfiles: this.o.dotfiles });
    if (!resolved.ok) {
      if (resolved.status === 400) return sendErrorPage(req, res, ErrorCode.BAD_PATH, extra);
      return this.notFound(req, res, null, extra);
    }
    const lookupPath = path.join(this.root, ...resolved.segments);
    const found = await this.lookup(lookupPath);
    if (found === null) return this.notFound(req, res, resolved, extra);
    if (found.st.isDirectory()) {
      if (!resolved.trailingSlash) {
        const query = /^[\x21-\x7e]*$/.test(resolved.query) ? resolved.query : '';
        const location = `${encodePath(resolved.segments)}/${query}`.replace(/^\/\/+/, '/');
        return sendStatus(req, res, 301, ['Location', location, ...extra]);
      }
      const indexPath = path.join(found.real, this.index);
      const index = await this.lookup(indexPath);
      if (index !== null && index.st.isFile()) return this.serve(req, res, index, indexPath, url, extra);
      if (this.o.listing) return this.listing(req, res, found.real, resolved, extra);
      return this.notFound(req, res, resolved, extra);
    }
    if (!found.st.isFile() || resolved.trailingSlash) return this.notFound(req, res, resolved, extra);
    return this.serve(req, res, found, lookupPath, url, extra);
  }

  /**
   * stat + realpath; null when missing, unreadable, resolving outside the root (symlinks), hidden by its real path
   * (`public/env -> ../.env` with `dotfiles: 'deny'`), or denied by `deny`.
   */
  private async lookup(abs: string): Promise<{ real: string; st: Stats } | null> {
    try {
      const real = await realpath(abs);
      if (!this.servable(real)) return null;
      return { real, st: await stat(real) };
    } catch {
      return null;
    }
  }

  /** True when a real path is inside the root, not an upload's temp file, not hidden (by its real path, with `dotfiles: 'deny'`), not denied. */
  private servable(real: string): boolean {
    if (real === this.root) return true;
    if (!real.startsWith(this.rootPrefix)) return false;
    if (path.basename(real).startsWith(UPLOAD_TEMP_PREFIX)) return false;
    if (this.o.dotfiles === 'deny' && hiddenRelative(real.slice(this.rootPrefix.length))) return false;
    return this.o.deny === undefined || !this.o.deny(real);
  }

  private async serve(
    req: Req,
    res: Res,
    found: { real: string; st: Stats },
    lookupPath: string,
    url: string,
    extra: readonly string[],
  ): Promise<void> {
    let entry: FileEntry;
    try {
      entry = await this.cache.open(found.real, found.st);
    } catch (err) {
      // Swapped between the checks and the open (file-cache.ts): not the file that was checked, so nothing to serve.
      if (err instanceof NotFoundError) return this.notFound(req, res, null, extra);
      throw err;
    }
    this.cache.remember(url, entry, lookupPath);
    return sendFile(req, res, entry, { cache: this.cache, maxRanges: this.maxRanges, extra });
  }

  private options(req: Req, res: Res, extra: readonly string[]): void {
    const origin = req.headers.origin;
    const requested = req.headers['access-control-request-method'];
    if (this.cors !== null && origin !== undefined && requested !== undefined) {
      const p = preflight(this.cors, origin, requested, req.headers['access-control-request-headers']);
      if (p.status === 403) return sendErrorPage(req, res, ErrorCode.FORBIDDEN_ORIGIN, p.headers);
      writeHead(res, 204, ['Allow', ALLOW, ...p.headers]);
      return endWith(req, res, undefined);
    }
    writeHead(res, 204, ['Allow', ALLOW, ...(this.cors?.anyOrigin ? ['Access-Control-Allow-Origin', '*', 'Access-Control-Allow-Methods', CORS_METHODS] : extra)]);
    endWith(req, res, undefined);
  }

  private async listing(req: Req, res: Res, dirAbs: string, resolved: ResolvedPath, extra: readonly string[]): Promise<void> {
    const rows = await readListing(dirAbs, this.o.dotfiles === 'allow', (real) => this.servable(real));
    const urlPath = resolved.segments.length === 0 ? '/' : `${resolved.path}/`;
    const json = wantsJson(req.headers.accept);
    let body: Buffer = Buffer.from(json ? `${JSON.stringify({ path: urlPath, entries: rows })}\n` : renderListingHtml(urlPath, rows, { upload: this.o.upload === true }));
    if (!json && this.o.liveReload !== undefined) body = this.o.liveReload.inject(body);
    writeHead(res, 200, [
      'Content-Type', json ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8',
      'Content-Length', String(body.length),
      'Vary', 'Accept',
      ...this.listingHeaders,
      ...extra,
    ]);
    endWith(req, res, body);
  }

  private async notFound(req: Req, res: Res, resolved: ResolvedPath | null, extra: readonly string[]): Promise<void> {
    this.cache.forgetRoute(req.url ?? '');
    if (this.o.spa && resolved !== null && req.method === 'GET' && isNavigation(req, resolved)) {
      const index = await this.lookup(path.join(this.root, this.index));
      if (index !== null && index.st.isFile()) {
        const entry = await this.cache.open(index.real, index.st);
        return sendFile(req, res, entry, { cache: this.cache, maxRanges: this.maxRanges, extra });
      }
    }
    const custom = await this.lookup(path.join(this.root, '404.html'));
    if (custom !== null && custom.st.isFile()) {
      const entry = await this.cache.open(custom.real, custom.st);
      if (entry.body !== null) {
        return sendFile(req, res, entry, { cache: this.cache, maxRanges: this.maxRanges, extra, status: 404, conditional: false });
      }
    }
    sendErrorPage(req, res, ErrorCode.NOT_FOUND, extra);
  }
}

/** The 200 of a cached small file for an Accept-Encoding value, or null when its compressed variant is not ready yet. */
function cachedAnswer(entry: FileEntry, acceptEncoding: string | undefined): FastAnswer | null {
  if (entry.negotiates) {
    const enc = negotiateEncoding(acceptEncoding);
    if (enc !== null) {
      const v = entry.variants.get(enc);
      if (v === undefined || v instanceof Promise) return null;
      if (v !== null) return v;
    }
  }
  // Only entries with a body in memory are routed (FileCache.remember), so this is always a whole-body answer.
  return entry.body === null ? null : (entry as FastAnswer);
}

/**
 * The policy on every file served while uploads are on. Anyone allowed to upload can put a page here, and nothing
 * tells an uploaded page from the site's own, so every file runs in an opaque origin, as Jupyter serves untrusted
 * files: its scripts run, but read no storage or cookie of this origin and fetch nothing of it with the visitor's
 * credentials (`up`'s token and session, basic auth). Listings, which muxd writes, are not sandboxed.
 */
export const UPLOAD_SANDBOX_CSP = 'sandbox allow-scripts allow-forms allow-popups allow-modals allow-downloads';

/**
 * The name prefix of an upload's temp file (a partial upload until it is renamed into place): never served nor
 * listed, whatever `--dotfiles` says, so nobody reads a file half written or one a failed upload left behind.
 */
export const UPLOAD_TEMP_PREFIX = '.muxd-upload-';

/** True when a path relative to the root has a segment starting with `.` (a leading `.well-known` excepted). */
function hiddenRelative(rel: string): boolean {
  const segments = rel.split(path.sep);
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (seg.charCodeAt(0) === 46 /* . */ && !(i === 0 && seg === '.well-known')) return true;
  }
  return false;
}

/** A browser navigation: asks for HTML and names no file extension in its last segment. */
function isNavigation(req: Req, resolved: ResolvedPath): boolean {
  const accept = req.headers.accept;
  if (accept === undefined || !accept.includes('text/html')) return false;
  const last = resolved.segments[resolved.segments.length - 1] ?? '';
  return !last.includes('.');
}
