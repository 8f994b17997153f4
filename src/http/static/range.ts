// Pure parsing of the HTTP Range header (RFC 9110 §14) against a known size, with a cap on the number of ranges.

/** An inclusive byte range. */
export interface ByteRange {
  start: number;
  end: number;
}

/** Result of {@link parseRange}. */
export type RangeResult =
  | { type: 'none' }
  | { type: 'unsatisfiable' }
  | { type: 'ranges'; ranges: readonly ByteRange[] };

/** Default cap on ranges per request (more gives 416). */
export const DEFAULT_MAX_RANGES = 16;

const NONE = { type: 'none' } as const;
const UNSATISFIABLE = { type: 'unsatisfiable' } as const;
const SPEC = /^(\d*)-(\d*)$/;

/**
 * Parses `Range: bytes=…` for a representation of `size` bytes.
 * A missing, non-`bytes` or syntactically invalid header gives `none` (serve the whole file, RFC 9110 §14.2);
 * a header whose every range lies beyond the end, or with more than `maxRanges` ranges, gives `unsatisfiable`.
 * Overlapping or adjacent ranges are merged, in ascending order.
 */
export function parseRange(header: string | undefined, size: number, maxRanges = DEFAULT_MAX_RANGES): RangeResult {
  if (header === undefined) return NONE;
  const eq = header.indexOf('=');
  if (eq === -1 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return NONE;
  const specs = header.slice(eq + 1).split(',');
  const ranges: ByteRange[] = [];
  let count = 0;
  for (const rawSpec of specs) {
    const spec = rawSpec.trim();
    if (spec === '') continue;
    count++;
    const m = SPEC.exec(spec);
    if (!m) return NONE;
    const [, a = '', b = ''] = m;
    if (a === '' && b === '') return NONE;
    if (a === '') {
      const n = Number(b);
      if (!Number.isSafeInteger(n)) return NONE;
      if (n === 0 || size === 0) continue;
      ranges.push({ start: Math.max(0, size - n), end: size - 1 });
      continue;
    }
    const start = Number(a);
    const last = b === '' ? Number.MAX_SAFE_INTEGER : Number(b);
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(last) || last < start) return NONE;
    if (start >= size) continue;
    ranges.push({ start, end: Math.min(last, size - 1) });
  }
  if (count === 0) return NONE;
  if (count > maxRanges) return UNSATISFIABLE;
  if (ranges.length === 0) return UNSATISFIABLE;
  return { type: 'ranges', ranges: mergeRanges(ranges) };
}

function mergeRanges(ranges: ByteRange[]): ByteRange[] {
  if (ranges.length === 1) return ranges;
  const sorted = [...ranges].sort((x, y) => x.start - y.start);
  const out: ByteRange[] = [{ ...sorted[0]! }];
  for (let i = 1; i < sorted.length; i++) {
    const r = sorted[i]!;
    const top = out[out.length - 1]!;
    if (r.start <= top.end + 1) top.end = Math.max(top.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** The `Content-Range` value for one satisfied range. */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`;
}
