// The response for one file (what to send, file-range-stream.ts pumps the bytes): preconditions (304/412), ranges (206/416, multipart), encoding (sidecar, cached, streamed), HEAD.
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { FILE_CHUNK_BYTES, sendFileRange } from './file-range-stream.js';
import { randomBytes } from 'node:crypto';
import { evaluatePreconditions, ifRangeHolds, Precondition } from './conditional.js';
import { contentRange, parseRange } from './range.js';
import type { ByteRange } from './range.js';
import { createCompressor, parseAcceptEncoding } from './compress.js';
import type { EncodingValue } from './compress.js';
import { etagOf, openChecked } from './file-cache.js';
import type { FileCache, FileEntry } from './file-cache.js';
import { endWith, sendErrorPage, writeHead } from '../core/respond.js';
import { ErrorCode } from '../../errors.js';
import type { Req, Res } from '../core/types.js';
import { kBodyBytes } from '../core/access-log.js';
import { ServerResponse } from 'node:http';
import { h2Headers } from '../core/http2-server.js';

/** Per-request settings for {@link sendFile}. */
export interface SendFileOptions {
  cache: FileCache;
  maxRanges: number;
  /** Extra per-request headers (CORS for an allow-listed origin), flat. */
  extra: readonly string[];
  /** Status for a full response: 200, or 404 for a custom 404 page. */
  status?: number;
  /** Honour Range and conditionals (false for error pages). */
  conditional?: boolean;
}

function setBytes(res: Res, n: number): void {
  (res as unknown as Record<symbol, number>)[kBodyBytes] = n;
}

function withExtra(headers: readonly string[], extra: readonly string[]): readonly string[] {
  return extra.length === 0 ? headers : [...headers, ...extra];
}

/** Streams `[start, end]` of a file through a compressor into the response; the fd closes on every exit. */
function streamCompressed(res: Res, file: FileId, start: number, end: number, encoding: EncodingValue, size: number): void {
  openChecked(file.absPath, file).then(
    (fd) => {
      const src = createReadStream(file.absPath, { fd, start, end, highWaterMark: FILE_CHUNK_BYTES });
      const done = (err: NodeJS.ErrnoException | null): void => {
        // pipeline already destroyed every stream (and so closed the fd); a failed response is cut, never retried.
        if (err && !res.destroyed) res.destroy();
      };
      pipeline(src, createCompressor(encoding, size), res, done);
    },
    () => {
      if (!res.destroyed) res.destroy();
    },
  );
}

/**
 * Sends the head and bytes `[start, end]` of a file with the pooled-buffer pump (file-range-stream.ts). HTTP/2: the
 * head and the bytes go straight to the core stream (`stream.respond`, then 1 MiB writes), skipping the compatibility
 * response. Measured against `respondWithFD`, whose small threadpool reads gave about 0.65x this throughput on a
 * 10 MiB file. A file that cannot be opened (or was swapped after its check) cuts the response.
 */
function sendHeadAndBytes(res: Res, status: number, headers: readonly string[], file: FileId, start: number, end: number): void {
  if (res instanceof ServerResponse) {
    writeHead(res, status, headers);
    return sendFileRange(res, file.absPath, start, end, file);
  }
  const stream = res.stream;
  if (stream.destroyed) return;
  // The compatibility response never sees this head: give it the status, for the access log.
  res.statusCode = status;
  stream.respond(h2Headers(headers, status));
  sendFileRange(stream, file.absPath, start, end, file);
}

/** A file by path plus the device and inode its check found: every open must find the same. */
interface FileId {
  readonly absPath: string;
  readonly dev: number;
  readonly ino: number;
}

function notModifiedHeaders(entry: FileEntry, etag: string, extra: readonly string[]): string[] {
  const out: string[] = ['ETag', etag];
  for (let i = 0; i < entry.headers.length; i += 2) {
    const name = entry.headers[i]!;
    if (name === 'Last-Modified' || name === 'Vary' || name === 'Cache-Control' || name.startsWith('Access-Control')) {
      out.push(name, entry.headers[i + 1]!);
    }
  }
  return [...out, ...extra];
}

/** Sends a file entry for a GET or HEAD, honouring conditionals, Range and Accept-Encoding. */
export async function sendFile(req: Req, res: Res, entry: FileEntry, o: SendFileOptions): Promise<void> {
  const h = req.headers;
  const status = o.status ?? 200;
  const conditional = o.conditional ?? true;
  const encoding = entry.negotiates ? parseAcceptEncoding(h['accept-encoding'] ?? '', entry.encodings) : null;
  const variantEtag =
    encoding === null ? entry.etag : (entry.sidecars[encoding]?.etag ?? etagOf(entry.size, entry.mtimeMs, `-${encoding}`));

  if (conditional) {
    const etags = entry.encodings.length === 0 ? [entry.etag] : [entry.etag, variantEtag];
    const pre = evaluatePreconditions(req.method ?? 'GET', h, { etags, mtimeMs: entry.mtimeMs });
    if (pre === Precondition.NOT_MODIFIED) {
      writeHead(res, 304, notModifiedHeaders(entry, variantEtag, o.extra));
      setBytes(res, 0);
      res.end();
      return;
    }
    if (pre === Precondition.FAILED) return sendErrorPage(req, res, ErrorCode.PRECONDITION_FAILED, o.extra);

    const rangeHeader = h.range;
    if (rangeHeader !== undefined && !entry.injected && ifRangeHolds(h['if-range'] as string | undefined, entry.etag, entry.mtimeMs)) {
      const r = parseRange(rangeHeader, entry.size, o.maxRanges);
      if (r.type === 'unsatisfiable') {
        return sendErrorPage(req, res, ErrorCode.RANGE_NOT_SATISFIABLE, ['Content-Range', `bytes */${entry.size}`, 'Accept-Ranges', 'bytes', ...o.extra]);
      }
      if (r.type === 'ranges') return sendRanges(req, res, entry, r.ranges, o.extra);
    }
  }

  if (encoding !== null) {
    if (entry.body !== null) {
      let v = o.cache.variant(entry, encoding);
      if (v instanceof Promise) v = await v;
      if (v !== null) {
        writeHead(res, status, withExtra(v.headers, o.extra));
        return endWith(req, res, v.body);
      }
    } else {
      const sidecar = entry.sidecars[encoding];
      const headers = entry.headers.filter((_, i, a) => a[i - (i % 2)] !== 'Content-Length' && a[i - (i % 2)] !== 'ETag');
      headers.push('ETag', variantEtag, 'Content-Encoding', encoding);
      if (sidecar !== undefined) headers.push('Content-Length', String(sidecar.size));
      if (sidecar !== undefined && req.method !== 'HEAD' && sidecar.size > 0) {
        setBytes(res, sidecar.size);
        return sendHeadAndBytes(res, status, withExtra(headers, o.extra), sidecar, 0, sidecar.size - 1);
      }
      writeHead(res, status, withExtra(headers, o.extra));
      if (req.method === 'HEAD') return endWith(req, res, undefined);
      if (sidecar !== undefined) return endWith(req, res, undefined);
      return streamCompressed(res, entry, 0, entry.size - 1, encoding, entry.size);
    }
  }

  if (entry.body === null && req.method !== 'HEAD' && entry.size > 0) {
    setBytes(res, entry.size);
    return sendHeadAndBytes(res, status, withExtra(entry.headers, o.extra), entry, 0, entry.size - 1);
  }
  writeHead(res, status, withExtra(entry.headers, o.extra));
  if (entry.body !== null) return endWith(req, res, entry.body);
  endWith(req, res, undefined);
}

function rangeHeaders(entry: FileEntry, extra: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < entry.headers.length; i += 2) {
    const name = entry.headers[i]!;
    if (name !== 'Content-Length' && name !== 'Content-Type') out.push(name, entry.headers[i + 1]!);
  }
  return [...out, ...extra];
}

/** 206: one range as-is, several as multipart/byteranges. Never compressed. */
function sendRanges(req: Req, res: Res, entry: FileEntry, ranges: readonly ByteRange[], extra: readonly string[]): void {
  const headers = rangeHeaders(entry, extra);
  if (ranges.length === 1) {
    const r = ranges[0]!;
    const len = r.end - r.start + 1;
    headers.push('Content-Type', entry.contentType, 'Content-Range', contentRange(r, entry.size), 'Content-Length', String(len));
    if (entry.body === null && req.method !== 'HEAD') {
      setBytes(res, len);
      return sendHeadAndBytes(res, 206, headers, entry, r.start, r.end);
    }
    writeHead(res, 206, headers);
    if (entry.body !== null) return endWith(req, res, entry.body.subarray(r.start, r.end + 1));
    return endWith(req, res, undefined);
  }
  const boundary = `muxd-${randomBytes(12).toString('hex')}`;
  const heads = ranges.map(
    (r, i) =>
      `${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${entry.contentType}\r\nContent-Range: ${contentRange(r, entry.size)}\r\n\r\n`,
  );
  const tail = `\r\n--${boundary}--\r\n`;
  const total = heads.reduce((n, s, i) => n + Buffer.byteLength(s) + ranges[i]!.end - ranges[i]!.start + 1, 0) + tail.length;
  headers.push('Content-Type', `multipart/byteranges; boundary=${boundary}`, 'Content-Length', String(total));
  writeHead(res, 206, headers);
  if (req.method === 'HEAD') return endWith(req, res, undefined);
  setBytes(res, total);
  const body = entry.body;
  if (body !== null) {
    const parts: Buffer[] = [];
    ranges.forEach((r, i) => parts.push(Buffer.from(heads[i]!), body.subarray(r.start, r.end + 1)));
    parts.push(Buffer.from(tail));
    res.end(Buffer.concat(parts, total));
    return;
  }
  const absPath = entry.absPath;
  pipeline(
    async function* multipart() {
      const fd = await openChecked(absPath, entry);
      try {
        for (let i = 0; i < ranges.length; i++) {
          yield Buffer.from(heads[i]!);
          // Leaving the loop early (client gone) returns the iterator, which destroys the stream; finally closes the fd.
          const part = createReadStream(absPath, { fd, autoClose: false, start: ranges[i]!.start, end: ranges[i]!.end, highWaterMark: FILE_CHUNK_BYTES });
          for await (const chunk of part) yield chunk as Buffer;
        }
        yield Buffer.from(tail);
      } finally {
        await fd.close();
      }
    },
    res,
    (err) => {
      if (err && !res.destroyed) res.destroy();
    },
  );
}
