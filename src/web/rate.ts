// Records made durable per second over the last hour, in a fixed ring of per-second counts: the body of `GET /_muxd/stats`.
import { BadQueryError } from '../errors.js';
import { parseSince } from '../journal/query.js';

/** Seconds the ring keeps (the longest `since` of /_muxd/stats). */
export const RATE_WINDOW_SECONDS = 3600;
/** `since` of /_muxd/stats when the request names none, in ms. */
export const DEFAULT_STATS_SINCE_MS = 5 * 60_000;

/** The body of `GET /_muxd/stats`. */
export interface RateSeries {
  now: number;
  /** Milliseconds per count. */
  step: number;
  /** Epoch ms of the second `counts[0]` covers. */
  start: number;
  counts: number[];
}

/** Per-second counts of the last {@link RATE_WINDOW_SECONDS}; older seconds are overwritten as time passes. */
export class RateRing {
  private readonly counts = new Float64Array(RATE_WINDOW_SECONDS);
  /** The epoch second each slot holds, so a stale slot reads as 0. */
  private readonly seconds = new Float64Array(RATE_WINDOW_SECONDS).fill(-1);

  /** Adds `n` records made durable at epoch ms `at` (ignored when older than the window). */
  add(at: number, n = 1): void {
    const sec = Math.floor(at / 1000);
    const slot = sec % RATE_WINDOW_SECONDS;
    if (this.seconds[slot] !== sec) {
      if ((this.seconds[slot] as number) > sec) return;
      this.seconds[slot] = sec;
      this.counts[slot] = 0;
    }
    this.counts[slot] = (this.counts[slot] as number) + n;
  }

  /** Seeds the ring from records' timestamps (the prefill at startup), so a restart does not start from an empty chart. */
  seed(records: ReadonlyArray<{ ts: string }>, now: number = Date.now()): void {
    for (const r of records) {
      const t = Date.parse(r.ts);
      if (!Number.isNaN(t) && t <= now && now - t < RATE_WINDOW_SECONDS * 1000) this.add(t);
    }
  }

  /** Counts per second from the second of `since` to the second of `now`, inclusive. */
  series(since: number, now: number = Date.now()): RateSeries {
    const last = Math.floor(now / 1000);
    const first = Math.max(Math.floor(since / 1000), last - RATE_WINDOW_SECONDS + 1);
    const counts: number[] = [];
    for (let sec = first; sec <= last; sec++) {
      const slot = sec % RATE_WINDOW_SECONDS;
      counts.push(this.seconds[slot] === sec ? (this.counts[slot] as number) : 0);
    }
    return { now, step: 1000, start: first * 1000, counts };
  }
}

/** Parses `since` of /_muxd/stats (an age or an ISO time, default 5m, at most an hour back); throws BadQueryError. */
export function parseStatsSince(params: URLSearchParams, now: number = Date.now()): number {
  const raw = params.get('since');
  if (raw === null || raw === '') return now - DEFAULT_STATS_SINCE_MS;
  let since: number;
  try {
    since = parseSince(raw, now, 'since');
  } catch (err) {
    throw new BadQueryError('since', (err as Error).message);
  }
  if (now - since > RATE_WINDOW_SECONDS * 1000) throw new BadQueryError('since', `since reaches at most 1h back, not ${JSON.stringify(raw)}`);
  return Math.min(since, now);
}
