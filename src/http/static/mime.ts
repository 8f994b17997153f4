// Content-Type lookup (mime-types, charset=utf-8 on text) and which types are worth compressing.
import mime from 'mime-types';

/** Served when the extension is unknown. */
export const DEFAULT_TYPE = 'application/octet-stream';

const memo = new Map<string, string>();

/** The Content-Type for a file name, with `charset=utf-8` on text types. Memoized per extension. */
export function contentTypeFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.');
  const ext = dot === -1 ? '' : fileName.slice(dot + 1).toLowerCase();
  let type = memo.get(ext);
  if (type === undefined) {
    const found = ext === '' ? false : mime.contentType(ext);
    type = found === false ? DEFAULT_TYPE : found.replace(/charset=UTF-8/i, 'charset=utf-8');
    if (memo.size < 1024) memo.set(ext, type);
  }
  return type;
}

const COMPRESSIBLE = /^(?:text\/|application\/(?:json|javascript|xml|wasm|manifest\+json|ld\+json|x-javascript|rss\+xml|atom\+xml|xhtml\+xml)|image\/(?:svg\+xml|x-icon|vnd\.microsoft\.icon|bmp)|font\/(?:ttf|otf))/;

/** True when the type usually shrinks under gzip or brotli. */
export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType);
}
