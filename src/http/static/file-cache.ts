// In-memory cache of file metadata, small file bodies, compressed variants and precomputed response headers.
import { open, lstat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { NotFoundError } from '../../errors.js';
import type { Stats } from 'node:fs';
import path from 'node:path';
import { contentTypeFor, isCompressible } from './mime.js';
import { compressBuffer, Encoding, MIN_COMPRESS_BYTES } from './compress.js';
import type { EncodingValue } from './compress.js';

/** A precompressed `.br`/`.gz` file next to the original. */
export interface Sidecar {
  readonly absPath: string;
  readonly size: number;
  readonly etag: string;
  readonly dev: number;
  readonly ino: number;
}

/** A compressed representation held in memory. */
export interface Variant {
  readonly encoding: EncodingValue;
  readonly body: Buffer;
  readonly etag: string;
  /** Flat raw header list for a 200 of this variant. */
  readonly headers: readonly string[];
}

/** Everything needed to answer for one file; how long it may be served without a stat is the cache's business (routes). */
export interface FileEntry {
  readonly absPath: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  /** Device of the file checked by stat; with `ino`, what every later open must find (see {@link sameFile}). */
  readonly dev: number;
  readonly etag: string;
  readonly lastModified: string;
  readonly contentType: string;
  /** Compressible type and more than 1 KiB: compressed on the fly when no sidecar fits. */
  readonly compressible: boolean;
  /** The encoding is negotiated for this file (compressible or has sidecars): `Vary: Accept-Encoding`. */
  readonly negotiates: boolean;
  /** Encodings on offer, best first. */
  readonly encodings: readonly EncodingValue[];
  readonly sidecars: Readonly<Partial<Record<EncodingValue, Sidecar>>>;
  /** The whole file when it is small enough to keep; null for big files (streamed). */
  readonly body: Buffer | null;
  /** Flat raw header list for a 200 identity response (Content-Type … Vary, plus the configured extras). */
  readonly headers: readonly string[];
  /** Cached compressed bodies (or their pending computation), for small files only. */
  readonly variants: Map<EncodingValue, Variant | null | Promise<Variant | null>>;
  /**
   * The body is the file with live reload's script added (`--watch`, HTML): never compressed nor served in parts
   * (`Accept-Ranges: none`), and its ETag differs from the plain file's.
   */
  readonly injected: boolean;
}

/** Options for {@link FileCache}. */
export interface FileCacheOptions {
  /** Files up to this size are kept in memory. */
  maxFileBytes: number;
  /** Cap on the bytes of all cached bodies and variants. */
  maxTotalBytes: number;
  /** Headers appended to every file response (Cache-Control, CORS, …), flat `[name, value, …]`. */
  extraHeaders: readonly string[];
  /** Names appended to `Vary` on every file response (e.g. `Origin`). */
  extraVary: readonly string[];
  /** When false, nothing is compressed on the fly (sidecars are still used). */
  compress: boolean;
  /** Live reload (`--watch`): rewrites the body of every HTML file kept in memory. */
  transformHtml?: (html: Buffer) => Buffer;
  /** How long a route is trusted before its file is checked again, in ms; past half of it, one background check runs. */
  ttlMs: number;
  /**
   * Resolves a route's lookup path as a request would (realpath, the root and dotfile rules, stat): the background
   * check of a route. Null when it is no longer servable.
   */
  check: (lookupPath: string) => Promise<{ real: string; st: Stats } | null>;
}

/** A request target known to answer 200 with a small file in memory, and when that was last confirmed. */
interface Route {
  readonly entry: FileEntry;
  /** The path the target resolved to before realpath (symlinks are followed again by each check). */
  readonly lookupPath: string;
  /** When the file was last confirmed unchanged for this target (ms since the epoch). */
  checkedAt: number;
  /** The cache's generation when it was confirmed: {@link FileCache.expireAll} makes every older route stale. */
  generation: number;
  revalidating: boolean;
}

/** Most request targets remembered for the fast path. */
const MAX_ROUTES = 4096;

/** True when two stats (or a checked entry and a fresh fstat) name the same file: same device and inode. */
export function sameFile(a: { dev: number; ino: number }, b: { dev: number; ino: number }): boolean {
  return a.dev === b.dev && a.ino === b.ino;
}

/**
 * Opens a file that was checked by path (stat after realpath) and verifies with fstat that the descriptor is that
 * file: a folder swapped for a symlink between the check and the open fails here instead of serving another file.
 */
export async function openChecked(absPath: string, expect: { dev: number; ino: number }): Promise<FileHandle> {
  const fh = await open(absPath, 'r');
  try {
    if (!sameFile(expect, await fh.stat())) throw new NotFoundError('file changed while opening');
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Strong ETag from size and mtime. */
export function etagOf(size: number, mtimeMs: number, suffix = ''): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}${suffix}"`;
}

async function findSidecar(absPath: string, ext: string, suffix: string): Promise<Sidecar | undefined> {
  try {
    // lstat: a sidecar that is a symlink is ignored, so it cannot lead outside the root.
    const st = await lstat(absPath + ext);
    if (!st.isFile()) return undefined;
    return { absPath: absPath + ext, size: st.size, etag: etagOf(st.size, st.mtimeMs, suffix), dev: st.dev, ino: st.ino };
  } catch {
    return undefined;
  }
}

/**
 * Holds {@link FileEntry} records keyed by real path, bounded by total body bytes (oldest evicted first), and owns
 * their freshness: the routes (request target → entry) the fast path answers from without a stat, each trusted for
 * `ttlMs`, checked again in the background past half of it, and dropped with its entry.
 */
export class FileCache {
  private readonly entries = new Map<string, FileEntry>();
  private readonly pending = new Map<string, Promise<FileEntry>>();
  private readonly routes = new Map<string, Route>();
  private totalBytes = 0;
  private generation = 0;

  constructor(private readonly options: FileCacheOptions) {}

  /**
   * Returns the entry for a file whose `stat` was just taken: the cached one if size, mtime and inode still
   * match, or a freshly loaded one.
   */
  open(absPath: string, st: Stats): Promise<FileEntry> {
    const cur = this.entries.get(absPath);
    if (cur !== undefined && cur.size === st.size && cur.mtimeMs === st.mtimeMs && sameFile(cur, st)) return Promise.resolve(cur);
    let p = this.pending.get(absPath);
    if (p === undefined) {
      p = this.load(absPath, st).finally(() => this.pending.delete(absPath));
      this.pending.set(absPath, p);
    }
    return p;
  }

  /** The compressed variant of a small file, computing (or reading the sidecar) once; null when not smaller. */
  variant(entry: FileEntry, encoding: EncodingValue): Variant | null | Promise<Variant | null> {
    const have = entry.variants.get(encoding);
    if (have !== undefined) return have;
    const p = this.makeVariant(entry, encoding).then(
      (v) => {
        entry.variants.set(encoding, v);
        // An entry evicted or reloaded meanwhile was already subtracted without this variant: count it only if live.
        if (v !== null && this.entries.get(entry.absPath) === entry) this.account(v.body.length);
        return v;
      },
      () => {
        entry.variants.set(encoding, null);
        return null;
      },
    );
    entry.variants.set(encoding, p);
    return p;
  }

  private async makeVariant(entry: FileEntry, encoding: EncodingValue): Promise<Variant | null> {
    const sidecar = entry.sidecars[encoding];
    let body: Buffer;
    let etag: string;
    if (sidecar !== undefined) {
      const fh = await open(sidecar.absPath, 'r');
      try {
        if (!sameFile(sidecar, await fh.stat())) throw new NotFoundError('file changed while opening');
        body = await fh.readFile();
      } finally {
        await fh.close();
      }
      etag = sidecar.etag;
    } else {
      if (entry.body === null || !entry.compressible) return null;
      body = await compressBuffer(entry.body, encoding);
      if (body.length >= entry.body.length) return null;
      etag = etagOf(entry.size, entry.mtimeMs, `-${encoding}`);
    }
    const headers = entry.headers.slice();
    replaceHeader(headers, 'Content-Length', String(body.length));
    replaceHeader(headers, 'ETag', etag);
    headers.push('Content-Encoding', encoding);
    return { encoding, body, etag, headers };
  }

  private async load(absPath: string, st: Stats): Promise<FileEntry> {
    const o = this.options;
    let body: Buffer | null = null;
    let stats = st;
    if (st.size <= o.maxFileBytes) {
      const fh = await open(absPath, 'r');
      try {
        stats = await fh.stat();
        // A folder on the way swapped for a symlink between the checks and this open leads to another file.
        if (!sameFile(st, stats)) throw new NotFoundError('file changed while opening');
        body = stats.size <= o.maxFileBytes ? await fh.readFile() : null;
      } finally {
        await fh.close();
      }
      // The file changed size between fstat and read: keep what was read, never a wrong Content-Length.
      if (body !== null && body.length !== stats.size) body = null;
    }
    const name = path.basename(absPath);
    const contentType = contentTypeFor(name);
    // Live reload's copy of an HTML file: the precompressed sidecars lack the script, so none is used.
    const injected = body !== null && o.transformHtml !== undefined && contentType.startsWith('text/html');
    if (injected) body = o.transformHtml!(body!);
    const compressible = !injected && o.compress && isCompressible(contentType) && stats.size > MIN_COMPRESS_BYTES;
    const sidecars: Partial<Record<EncodingValue, Sidecar>> = {};
    if (!injected && !/\.(?:br|gz)$/i.test(name)) {
      const [br, gz] = await Promise.all([findSidecar(absPath, '.br', '-br'), findSidecar(absPath, '.gz', '-gzip')]);
      if (br) sidecars.br = br;
      if (gz) sidecars.gzip = gz;
    }
    const encodings = [Encoding.BR, Encoding.GZIP].filter((e) => compressible || sidecars[e] !== undefined);
    const negotiates = encodings.length > 0;
    const etag = etagOf(stats.size, stats.mtimeMs, injected ? '-lr' : '');
    const lastModified = new Date(stats.mtimeMs).toUTCString();
    const vary = [...(negotiates ? ['Accept-Encoding'] : []), ...o.extraVary];
    const headers = [
      'Content-Type', contentType,
      'Content-Length', String(body !== null ? body.length : stats.size),
      'Last-Modified', lastModified,
      'ETag', etag,
      'Accept-Ranges', injected ? 'none' : 'bytes',
      ...(vary.length > 0 ? ['Vary', vary.join(', ')] : []),
      ...o.extraHeaders,
    ];
    const entry: FileEntry = {
      absPath, size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino, dev: stats.dev, etag, lastModified, contentType,
      compressible, negotiates, encodings, sidecars, body, headers, variants: new Map(), injected,
    };
    const old = this.entries.get(absPath);
    if (old !== undefined) this.forget(absPath, old);
    if (body !== null) {
      this.entries.set(absPath, entry);
      this.account(body.length);
    } else if (this.entries.size < 100_000) {
      this.entries.set(absPath, entry);
    }
    if (old !== undefined) this.dropDeadRoutes();
    return entry;
  }

  /**
   * The entry a request target answered 200 with, while it is trusted: remembered by {@link remember}, its entry
   * still the live one for its file, confirmed less than `ttlMs` ago and since the last {@link expireAll}. Past half
   * the TTL one background check runs, so hot files never wait on the disk. Null: the request takes the full path.
   */
  route(target: string): FileEntry | null {
    const r = this.routes.get(target);
    if (r === undefined) return null;
    const age = Date.now() - r.checkedAt;
    if (r.generation !== this.generation || age >= this.options.ttlMs || this.entries.get(r.entry.absPath) !== r.entry) return null;
    if (age >= this.options.ttlMs / 2 && !r.revalidating) this.revalidate(target, r);
    return r.entry;
  }

  /** Records that `target` (resolved to `lookupPath`) was just answered 200 with `entry`; only in-memory bodies are routed. */
  remember(target: string, entry: FileEntry, lookupPath: string): void {
    if (entry.body === null || this.entries.get(entry.absPath) !== entry) return;
    if (this.routes.size >= MAX_ROUTES && !this.routes.has(target)) return;
    this.routes.set(target, { entry, lookupPath, checkedAt: Date.now(), generation: this.generation, revalidating: false });
  }

  /** Forgets a request target's route (it no longer answers 200 with a file). */
  forgetRoute(target: string): void {
    this.routes.delete(target);
  }

  /** Makes every route stale at once (live reload saw a change): the next request for each target stats its file again. */
  expireAll(): void {
    this.generation++;
  }

  /** Confirms a route in the background: same real path, size, mtime and inode, or the route is dropped. */
  private revalidate(target: string, r: Route): void {
    r.revalidating = true;
    const e = r.entry;
    // A change seen meanwhile (expireAll) wins over this check, which may predate it.
    const generation = this.generation;
    this.options
      .check(r.lookupPath)
      .then((found) => {
        const st = found?.st;
        if (found !== null && st !== undefined && found.real === e.absPath && st.isFile() && st.size === e.size && st.mtimeMs === e.mtimeMs && sameFile(e, st)) {
          if (generation === this.generation && r.generation === generation) r.checkedAt = Date.now();
        } else if (this.routes.get(target) === r) {
          this.routes.delete(target);
        }
      })
      .catch(() => {
        if (this.routes.get(target) === r) this.routes.delete(target);
      })
      .finally(() => {
        r.revalidating = false;
      });
  }

  private account(bytes: number): void {
    this.totalBytes += bytes;
    if (this.totalBytes <= this.options.maxTotalBytes) return;
    let evicted = false;
    for (const [key, e] of this.entries) {
      if (this.totalBytes <= this.options.maxTotalBytes * 0.9) break;
      this.forget(key, e);
      evicted = true;
    }
    if (evicted) this.dropDeadRoutes();
  }

  private forget(key: string, e: FileEntry): void {
    this.entries.delete(key);
    if (e.body !== null) this.totalBytes -= e.body.length;
    for (const v of e.variants.values()) if (v !== null && !(v instanceof Promise)) this.totalBytes -= v.body.length;
  }

  /** Drops the routes whose entry was evicted or replaced, so no route keeps a forgotten body in memory. */
  private dropDeadRoutes(): void {
    for (const [target, r] of this.routes) if (this.entries.get(r.entry.absPath) !== r.entry) this.routes.delete(target);
  }
}

/** Replaces the value of a header in a flat raw list (name compared case-insensitively); appends if absent. */
export function replaceHeader(headers: string[], name: string, value: string): void {
  const lower = name.toLowerCase();
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i]!.toLowerCase() === lower) {
      headers[i + 1] = value;
      return;
    }
  }
  headers.push(name, value);
}
