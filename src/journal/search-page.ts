// One page of search results from a stream of scan slices: stops at the limit or at the time and byte budget, with a cursor to resume.
import { performance } from 'node:perf_hooks';
import type { FoundRecord, SearchSlice } from './search.js';
import type { ScanOrderValue } from './seq-scan.js';

/** Default time budget of one search request, in milliseconds (`up --search-budget-ms`). */
export const DEFAULT_SEARCH_BUDGET_MS = 250;
/** Default bytes of journal one search request may read (`up --search-budget-bytes`). */
export const DEFAULT_SEARCH_BUDGET_BYTES = 256 * 1024 * 1024;

/** Limits of one page. */
export interface PageLimits {
  order: ScanOrderValue;
  /** Most records returned. */
  limit: number;
  /** Stop after this many milliseconds… */
  budgetMs: number;
  /** …or this many bytes read, whichever comes first. */
  budgetBytes: number;
}

/** One page of matches, the body of `GET /_muxd/journal` with filters. */
export interface SearchPage {
  /** Ascending seq order, whatever the scan order. */
  records: FoundRecord[];
  /** Cursor to go on in the same direction (`before` for desc, `after` for asc); null when nothing is left to scan. */
  next: number | null;
  /** False when the budget ran out before `limit` matches were found; `next` then resumes the scan. */
  complete: boolean;
  scanned: { records: number; bytes: number };
  order: ScanOrderValue;
}

/**
 * Reads slices until `limit` matches, the end of the scan, or the budget. Stopping early returns from the slice
 * generator, which releases its files. `fallback` is the request's own cursor: the budget only ends a page whose
 * cursor has moved past it, so following `next` always ends.
 */
export async function collectPage(slices: AsyncGenerator<SearchSlice>, limits: PageLimits, fallback: number | null): Promise<SearchPage> {
  const t0 = performance.now();
  const found: FoundRecord[] = [];
  const scanned = { records: 0, bytes: 0 };
  let cursor: number | null = null;
  const page = (next: number | null, complete: boolean): SearchPage => {
    if (limits.order === 'desc') found.reverse();
    return { records: found, next, complete, scanned, order: limits.order };
  };
  try {
    for await (const s of slices) {
      scanned.bytes += s.bytes;
      scanned.records += s.records;
      for (const m of s.matches) {
        if (found.length === limits.limit) return page((found[found.length - 1] as FoundRecord).seq, true);
        found.push(m);
      }
      if (s.cursor !== null) cursor = s.cursor;
      if (found.length === limits.limit) return page((found[found.length - 1] as FoundRecord).seq, true);
      // A page stops at its budget only once its cursor has moved: a scan resumed inside a compressed file reads up
      // to the cursor again first, and must still get further each time.
      if (cursor !== null && cursor !== fallback && (performance.now() - t0 >= limits.budgetMs || scanned.bytes >= limits.budgetBytes)) return page(cursor, false);
    }
  } finally {
    await slices.return(undefined);
  }
  return page(null, true);
}

/** The JSON body of a page, splicing each record's JSON text as it is. */
export function renderSearchPage(p: SearchPage): string {
  const records = p.records.map((r) => r.json).join(',');
  return (
    `{"records":[${records}],"next":${p.next === null ? 'null' : String(p.next)},"complete":${String(p.complete)},` +
    `"scanned":{"records":${p.scanned.records},"bytes":${p.scanned.bytes}},"order":"${p.order}"}`
  );
}
