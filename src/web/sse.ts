// Server-Sent Events hub for /_muxd/events: one encoding per tick shared by every viewer, gap-free resume, capped buffers.
import type { EventEmitter } from 'node:events';
import type { Req, Res } from '../http/core/types.js';
import { writeChunk, writeHead } from '../http/core/respond.js';
import type { JournalRecord } from '../journal/record.js';
import type { Closable } from '../lifecycle.js';

/** A journal record as the journal announces it ('durable' event). */
export type LiveRecord = JournalRecord;

/** Options for {@link SseHub}. */
export interface SseHubOptions {
  /** Emits `'durable'` with an array of records once they are on disk. */
  source: EventEmitter;
  /** Seq of the last record already in the journal when the hub starts. */
  startSeq?: number;
  /** A viewer whose unsent bytes pass this cap is dropped; it reconnects and resumes (default 4 MiB). */
  maxBufferedBytes?: number;
  /** Comment sent to every viewer this often so proxies keep the stream open (default 15 000 ms). */
  heartbeatMs?: number;
  /** Records arriving within this window share one write per viewer (default 100 ms). */
  flushIntervalMs?: number;
  /** Records per second each viewer gets at most (`--live-rate`, default 2000); beyond it the oldest of a window become one `gap` event. 0: no cap. */
  maxRecordsPerSecond?: number;
  /** Overrides the per-flush cap derived from `maxRecordsPerSecond` (tests). */
  maxRecordsPerFlush?: number;
  /** Recent records kept for `Last-Event-ID` resume (default 10 000). */
  ringRecords?: number;
  /** …and at most this many bytes of them (default 16 MiB). */
  ringBytes?: number;
  /** Reconnect delay suggested to browsers (default 1000 ms). */
  retryMs?: number;
}

/** Counters for metrics and health. */
export interface SseStats {
  clientsTotal: number;
  dropped: number;
  flushes: number;
  gaps: number;
}

interface Client {
  res: Res;
  lastSent: number;
}

const encoder = (rec: LiveRecord): string => {
  const out: LiveRecord = { seq: rec.seq, ts: rec.ts, src: rec.src };
  if (rec.b64 !== undefined) out.b64 = rec.b64;
  else out.msg = rec.msg ?? '';
  if (rec.partial === true) out.partial = true;
  if (rec.syslog !== undefined) out.syslog = rec.syslog;
  return `id: ${rec.seq}\ndata: ${JSON.stringify(out)}\n\n`;
};

const gapFrame = (from: number, to: number): string => `id: ${to}\nevent: gap\ndata: {"from":${from},"to":${to}}\n\n`;

function approxSize(rec: LiveRecord): number {
  return (rec.msg?.length ?? rec.b64?.length ?? 0) + rec.src.length + 64 + (rec.syslog === undefined ? 0 : 256);
}

/** Default `--live-rate`: records per second per viewer. Twice what the page must render smoothly (1,000/s). */
export const DEFAULT_LIVE_RATE = 2000;
/** Records arriving within this window share one write per viewer. */
export const DEFAULT_FLUSH_INTERVAL_MS = 100;

/** Bytes written but not yet handed to the kernel: on the response (HTTP/1.1) or its stream (HTTP/2 compat). */
function unsent(res: Res): number {
  const stream = (res as unknown as { stream?: { writableLength?: number } }).stream;
  return res.writableLength ?? stream?.writableLength ?? 0;
}

/** Parses a `Last-Event-ID` value (header or `?lastEventId=`): a non-negative integer, else undefined. */
export function parseLastEventId(raw: string | string[] | null | undefined): number | undefined {
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (v === undefined || v === null || !/^\d{1,15}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

/** Fans journal records out to EventSource viewers. */
export class SseHub {
  readonly stats: SseStats = { clientsTotal: 0, dropped: 0, flushes: 0, gaps: 0 };
  private readonly clients = new Set<Client>();
  private ring: LiveRecord[] = [];
  private ringStart = 0;
  private ringBytes = 0;
  private evictedSeq = 0;
  private flushedSeq: number;
  private lastFlushAt = 0;
  private scheduled = false;
  private closing = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly o: Required<Omit<SseHubOptions, 'source' | 'startSeq' | 'maxRecordsPerSecond'>>;
  private readonly sourceOnDurable = (records: LiveRecord[]): void => this.add(records);

  constructor(private readonly opts: SseHubOptions) {
    const flushIntervalMs = opts.flushIntervalMs ?? DEFAULT_FLUSH_INTERVAL_MS;
    const perSecond = opts.maxRecordsPerSecond ?? DEFAULT_LIVE_RATE;
    this.o = {
      maxBufferedBytes: opts.maxBufferedBytes ?? 4 << 20,
      heartbeatMs: opts.heartbeatMs ?? 15_000,
      flushIntervalMs,
      maxRecordsPerFlush: opts.maxRecordsPerFlush ?? (perSecond === 0 ? Number.MAX_SAFE_INTEGER : Math.max(1, Math.ceil((perSecond * Math.max(flushIntervalMs, 1)) / 1000))),
      ringRecords: opts.ringRecords ?? 10_000,
      ringBytes: opts.ringBytes ?? 16 << 20,
      retryMs: opts.retryMs ?? 1000,
    };
    this.flushedSeq = opts.startSeq ?? 0;
    this.evictedSeq = this.flushedSeq;
    opts.source.on('durable', this.sourceOnDurable);
    this.heartbeat = setInterval(() => this.beat(), this.o.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Viewers connected now. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** Seq of the newest record sent to viewers. */
  get lastSeq(): number {
    return this.flushedSeq;
  }

  /** Seeds the resume ring with records already in the journal (oldest first), e.g. read from history at startup. */
  prefill(records: LiveRecord[]): void {
    const fresh = records.filter((r) => r.seq <= this.flushedSeq && (this.ringLength === 0 || r.seq < (this.ring[this.ringStart] as LiveRecord).seq));
    if (fresh.length === 0) return;
    this.ring = fresh.concat(this.ring.slice(this.ringStart));
    this.ringStart = 0;
    for (const r of fresh) this.ringBytes += approxSize(r);
    this.evict();
    const first = this.ring[this.ringStart];
    if (first !== undefined) this.evictedSeq = Math.min(this.evictedSeq, first.seq - 1);
  }

  /** Takes over a GET /_muxd/events response; sends what the viewer missed since `lastEventId`, then live records. */
  handle(req: Req, res: Res, lastEventId: number | undefined): void {
    if (this.closing) {
      writeHead(res, 503, { 'Content-Type': 'text/plain; charset=utf-8', 'Retry-After': '5' }).end('shutting down\n');
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    };
    if (req.httpVersionMajor < 2) headers.Connection = 'keep-alive';
    writeHead(res, 200, headers);
    // A viewer may already hold records durable but not yet flushed (it read them from history): it must not get them twice.
    // An id beyond anything durable (a journal that was replaced) counts as no id.
    const newest = this.ringLength > 0 ? (this.ring[this.ring.length - 1] as LiveRecord).seq : this.flushedSeq;
    const ahead = lastEventId !== undefined && lastEventId > this.flushedSeq && lastEventId <= newest ? lastEventId : this.flushedSeq;
    const client: Client = { res, lastSent: ahead };
    this.clients.add(client);
    this.stats.clientsTotal++;
    res.on('close', () => this.clients.delete(client));
    writeChunk(res, `retry: ${this.o.retryMs}\n: muxd ${this.flushedSeq}\n\n${lastEventId === undefined ? '' : this.catchUp(lastEventId)}`);
  }

  /** Lifecycle hooks: refuse new viewers and end every stream at stop so HTTP shutdown is not held up. */
  readonly closable: Closable = {
    name: 'sse',
    stopAccepting: () => {
      this.closing = true;
      this.flush();
      for (const c of this.clients) c.res.end();
      this.clients.clear();
    },
    close: async () => {
      clearInterval(this.heartbeat);
      this.opts.source.removeListener('durable', this.sourceOnDurable);
    },
  };

  private get ringLength(): number {
    return this.ring.length - this.ringStart;
  }

  private add(records: LiveRecord[]): void {
    for (const r of records) {
      this.ring.push(r);
      this.ringBytes += approxSize(r);
    }
    this.evict();
    if (this.scheduled || this.closing) return;
    this.scheduled = true;
    const wait = this.lastFlushAt + this.o.flushIntervalMs - Date.now();
    if (wait <= 0) setImmediate(() => this.flush());
    else setTimeout(() => this.flush(), wait).unref();
  }

  private evict(): void {
    while (this.ringLength > this.o.ringRecords || (this.ringBytes > this.o.ringBytes && this.ringLength > 1)) {
      const r = this.ring[this.ringStart] as LiveRecord;
      this.ringBytes -= approxSize(r);
      this.evictedSeq = r.seq;
      this.ringStart++;
    }
    if (this.ringStart > 4096 && this.ringStart * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.ringStart);
      this.ringStart = 0;
    }
  }

  /** Index in `ring` of the first record with seq > `seq`. */
  private indexAfter(seq: number): number {
    let lo = this.ringStart;
    let hi = this.ring.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ring[mid] as LiveRecord).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Frames for records after `after` up to the newest in the ring, at most `maxRecords`, with a gap event for what is left out. */
  private frames(after: number, end: number, maxRecords: number, maxBytes: number): { text: string; last: number } {
    let from = Math.max(this.indexAfter(after), end - maxRecords);
    // Respect the byte cap by moving the start forward (keep the newest records).
    let bytes = 0;
    for (let i = end - 1; i >= from; i--) {
      bytes += approxSize(this.ring[i] as LiveRecord);
      if (bytes > maxBytes) {
        from = i + 1;
        break;
      }
    }
    const newest = end > this.ringStart ? (this.ring[end - 1] as LiveRecord).seq : after;
    let text = '';
    const firstSent = from < end ? (this.ring[from] as LiveRecord).seq : undefined;
    const missedUpTo = firstSent !== undefined ? firstSent - 1 : newest;
    if (missedUpTo > after && (from > this.indexAfter(after) || this.evictedSeq > after)) {
      text += gapFrame(after + 1, missedUpTo);
      this.stats.gaps++;
    }
    for (let i = from; i < end; i++) text += encoder(this.ring[i] as LiveRecord);
    return { text, last: Math.max(newest, after) };
  }

  private catchUp(lastEventId: number): string {
    if (lastEventId >= this.flushedSeq) return '';
    // Only what was already flushed: the next flush carries the rest to everyone alike.
    return this.frames(lastEventId, this.indexAfter(this.flushedSeq), this.o.ringRecords, this.o.maxBufferedBytes / 2).text;
  }

  private flush(): void {
    this.scheduled = false;
    this.lastFlushAt = Date.now();
    if (this.ringLength === 0 || (this.ring[this.ring.length - 1] as LiveRecord).seq <= this.flushedSeq) return;
    if (this.clients.size === 0) {
      // Nobody watching: skip the encoding; a viewer that connects later resumes from the ring.
      this.flushedSeq = (this.ring[this.ring.length - 1] as LiveRecord).seq;
      return;
    }
    const before = this.flushedSeq;
    const end = this.ring.length;
    const { text, last } = this.frames(before, end, this.o.maxRecordsPerFlush, this.o.maxBufferedBytes / 4);
    this.flushedSeq = last;
    this.stats.flushes++;
    const chunk = Buffer.from(text);
    for (const c of this.clients) {
      if (c.lastSent <= before) this.send(c, chunk);
      else if (c.lastSent < last) this.send(c, this.frames(c.lastSent, end, this.o.maxRecordsPerFlush, this.o.maxBufferedBytes / 4).text);
      else c.lastSent = last;
    }
  }

  private send(c: Client, chunk: Buffer | string): void {
    writeChunk(c.res, chunk);
    c.lastSent = Math.max(c.lastSent, this.flushedSeq);
    if (unsent(c.res) > this.o.maxBufferedBytes) {
      // A viewer that cannot keep up is cut loose rather than buffered without bound; it resumes by Last-Event-ID.
      this.stats.dropped++;
      this.clients.delete(c);
      c.res.destroy();
    }
  }

  private beat(): void {
    for (const c of this.clients) this.send(c, ':\n\n');
  }
}
