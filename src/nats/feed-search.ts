// Searches a NATS stream for `up --sink nats://…`: the shared query over stream positions, one message (batch) per slice, in either direction.
import { matchRecord } from '../journal/query.js';
import type { Query } from '../journal/query.js';
import type { FoundRecord, SearchSlice } from '../journal/search.js';
import { ScanOrder } from '../journal/seq-scan.js';
import type { ScanOrderValue } from '../journal/seq-scan.js';
import { POSITION_STRIDE } from './batch.js';
import type { StreamRecord } from './batch.js';
import { toFeedRecord } from './feed.js';
import type { StreamFeed } from './feed.js';

/**
 * True when a stream record passes: the query sees the record as its collector wrote it (as `muxd tail nats://…`
 * does), and `src` may also name the page's form `<collector>/<src>`, or a collector alone.
 */
export function matchStreamRecord(r: StreamRecord, q: Query): boolean {
  if (matchRecord(r.record, q)) return true;
  if (q.src === undefined) return false;
  if (q.src === r.collector || q.src === `${r.collector}/`) {
    const { src: _collector, ...rest } = q;
    return matchRecord(r.record, rest);
  }
  return matchRecord({ ...r.record, src: `${r.collector}/${r.record.src}` }, q);
}

/**
 * Slices of the stream's matching records between the exclusive position cursors, newest first (`desc`) or
 * oldest first. A slice per stream message; its cursor resumes after that whole message.
 */
export async function* searchStream(
  feed: Pick<StreamFeed, 'bounds' | 'batchAt'>,
  query: Query,
  order: ScanOrderValue,
  after: number | undefined,
  before: number | undefined,
  signal: AbortSignal,
): AsyncGenerator<SearchSlice> {
  const { first, last } = await feed.bounds();
  const lo = after ?? -1;
  const hi = before ?? Number.MAX_SAFE_INTEGER;
  const desc = order === ScanOrder.DESC;
  const from = desc ? Math.min(last, Math.floor((hi - 1) / POSITION_STRIDE)) : Math.max(first, Math.floor((lo + 1) / POSITION_STRIDE));
  for (let seq = from; desc ? seq >= first : seq <= last; seq += desc ? -1 : 1) {
    if (signal.aborted) return;
    if (desc ? (seq + 1) * POSITION_STRIDE - 1 <= lo : seq * POSITION_STRIDE >= hi) return;
    const { records, bytes } = await feed.batchAt(seq);
    const matches: FoundRecord[] = [];
    for (const r of records) {
      if (r.position <= lo || r.position >= hi || !matchStreamRecord(r, query)) continue;
      matches.push({ seq: r.position, json: JSON.stringify(toFeedRecord(r)) });
    }
    if (desc) matches.reverse();
    yield { matches, cursor: desc ? seq * POSITION_STRIDE : (seq + 1) * POSITION_STRIDE - 1, bytes, records: records.length };
  }
}
