// Content negotiation for Accept-Encoding, and brotli/gzip compression (whole buffers and streams) via node:zlib.
import zlib from 'node:zlib';
import { promisify } from 'node:util';
import type { Transform } from 'node:stream';

/** Content codings muxd produces, best first. */
export const Encoding = {
  BR: 'br',
  GZIP: 'gzip',
} as const;

/** One of {@link Encoding}. */
export type EncodingValue = (typeof Encoding)[keyof typeof Encoding];

/** Smallest body compressed on the fly ("over 1 KiB"). */
export const MIN_COMPRESS_BYTES = 1024;

const brotli = promisify(zlib.brotliCompress);
const gzip = promisify(zlib.gzip);

function brotliParams(size: number, quality: number): zlib.BrotliOptions {
  return {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: quality,
      [zlib.constants.BROTLI_PARAM_MODE]: zlib.constants.BROTLI_MODE_TEXT,
      ...(size > 0 ? { [zlib.constants.BROTLI_PARAM_SIZE_HINT]: size } : {}),
    },
  };
}

function parseQ(params: string): number {
  const m = /(?:^|;)\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*(?:;|$)/i.exec(params);
  return m ? Number(m[1]) : 1;
}

/** Picks br or gzip from an Accept-Encoding value (q-values honoured, `*` accepted), or null for identity. */
export function parseAcceptEncoding(header: string, available: readonly EncodingValue[] = [Encoding.BR, Encoding.GZIP]): EncodingValue | null {
  let br = -1;
  let gz = -1;
  let star = -1;
  for (const part of header.split(',')) {
    const semi = part.indexOf(';');
    const name = (semi === -1 ? part : part.slice(0, semi)).trim().toLowerCase();
    const q = semi === -1 ? 1 : parseQ(part.slice(semi + 1));
    if (name === 'br') br = q;
    else if (name === 'gzip' || name === 'x-gzip') gz = q;
    else if (name === '*') star = q;
  }
  if (br === -1) br = star;
  if (gz === -1) gz = star;
  let best: EncodingValue | null = null;
  let bestQ = 0;
  for (const enc of available) {
    const q = enc === Encoding.BR ? br : gz;
    if (q > bestQ) {
      best = enc;
      bestQ = q;
    }
  }
  return best;
}

const negotiated = new Map<string, EncodingValue | null>();

/** {@link parseAcceptEncoding} for both codings, memoized per header value (bounded). */
export function negotiateEncoding(header: string | undefined): EncodingValue | null {
  if (header === undefined || header === '') return null;
  let v = negotiated.get(header);
  if (v === undefined) {
    v = parseAcceptEncoding(header);
    if (negotiated.size > 256) negotiated.clear();
    negotiated.set(header, v);
  }
  return v;
}

/** Compresses a whole buffer (for the in-memory cache): brotli quality 5, gzip level 6. */
export function compressBuffer(body: Buffer, encoding: EncodingValue): Promise<Buffer> {
  return encoding === Encoding.BR ? brotli(body, brotliParams(body.length, 5)) : gzip(body, { level: 6 });
}

/** A streaming compressor for files too big to cache: brotli quality 4, gzip level 6. */
export function createCompressor(encoding: EncodingValue, size: number): Transform {
  return encoding === Encoding.BR
    ? zlib.createBrotliCompress(brotliParams(size, 4))
    : zlib.createGzip({ level: 6, chunkSize: 64 * 1024 });
}
