// Journal history pages read from the journal files with a sparse seq → byte offset index, never loading a file whole.
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { forEachLine, lineSeq, readRange } from '../journal/scan.js';
import { firstSeq, recordsNewestFirst } from '../journal/seq-scan.js';

/** Rotated files compressed by `--compress-rotated gzip` are named `FILE.N.gz` (see src/journal/files.ts). */
const isCompressed = (p: string): boolean => p.endsWith('.gz');

/** Options for {@link JournalHistory}. */
export interface HistoryOptions {
  /** Lists the journal files, oldest first (rotated `FILE.N … FILE.1`, then `FILE`): `Journal.files()`, which is `journalFiles()`. */
  listFiles: () => Promise<string[]>;
  /** Highest seq that may be served (the last durable one); records above it are not shown yet. */
  maxSeq?: () => number;
  /** An index entry every this many records (default 1000). */
  indexEvery?: number;
  /** …or every this many bytes, whichever comes first, so one read stays small even with 64 KiB records (default 1 MiB). */
  indexBytes?: number;
  /** Cap on the bytes of one page; a page holds at least one record (default 4 MiB). */
  maxPageBytes?: number;
}

/** One page of history: raw JSON record lines in ascending seq order. */
export interface HistoryPage {
  /** Each element is one journal record as written: a JSON object text. */
  lines: string[];
  /** Seq of each line, same order. */
  seqs: number[];
  /** True when older records exist before the first one returned. */
  more: boolean;
}

interface FileIndex {
  key: string;
  /** Byte offset just past the last complete line indexed. */
  scanned: number;
  count: number;
  firstSeq: number;
  lastSeq: number;
  /** Sparse entries: seq of the record starting at offsets[i]. */
  seqs: number[];
  offsets: number[];
  sinceEntry: number;
  bytesSinceEntry: number;
}

const LF = 0x0a;
const SEQ_PREFIX = Buffer.from('{"seq":');

function upperBound(sorted: number[], value: number): number {
  // Index of the last element < value, or -1.
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** Serves history pages; the index is built by one streaming scan at start and extended as the journal grows. */
export class JournalHistory {
  private readonly indexes = new Map<string, FileIndex>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly every: number;
  private readonly everyBytes: number;
  private readonly maxPageBytes: number;

  constructor(private readonly opts: HistoryOptions) {
    this.every = opts.indexEvery ?? 1000;
    this.everyBytes = opts.indexBytes ?? 1 << 20;
    this.maxPageBytes = opts.maxPageBytes ?? 4 << 20;
  }

  /** Number of sparse index entries over all files (for tests and metrics). */
  get indexEntries(): number {
    let n = 0;
    for (const idx of this.indexes.values()) n += idx.seqs.length;
    return n;
  }

  /** Scans the journal files once so the first page is fast; safe to call any time. */
  start(): Promise<void> {
    return this.serialized(() => this.refresh()).then(() => undefined);
  }

  /** The newest `limit` records with seq < `before` (all when undefined), oldest first. */
  page(before: number | undefined, limit: number): Promise<HistoryPage> {
    return this.serialized(async () => {
      for (let attempt = 0; ; attempt++) {
        const files = await this.refresh();
        try {
          return await this.collect(files, before, limit);
        } catch (err) {
          // A rotation between refresh and read renames files under us: look again.
          if (attempt < 2 && (err as { rotated?: boolean }).rotated === true) continue;
          throw err;
        }
      }
    });
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async refresh(): Promise<Array<{ path: string; idx: FileIndex }>> {
    const paths = await this.opts.listFiles();
    const out: Array<{ path: string; idx: FileIndex }> = [];
    const seen = new Set<string>();
    for (const path of paths) {
      let st;
      try {
        st = await stat(path);
      } catch {
        continue;
      }
      const key = `${st.dev}:${st.ino}`;
      seen.add(key);
      let idx = this.indexes.get(key);
      if (idx === undefined || st.size < idx.scanned) {
        idx = { key, scanned: 0, count: 0, firstSeq: -1, lastSeq: -1, seqs: [], offsets: [], sinceEntry: 0, bytesSinceEntry: 0 };
        this.indexes.set(key, idx);
      }
      if (st.size > idx.scanned) await (isCompressed(path) ? this.scanCompressed(path, idx, st.size) : this.scan(path, idx, st.size));
      out.push({ path, idx });
    }
    for (const key of this.indexes.keys()) if (!seen.has(key)) this.indexes.delete(key);
    return out;
  }

  private async scan(path: string, idx: FileIndex, size: number): Promise<void> {
    const fh = await open(path, 'r');
    try {
      // An unfinished last line is being written; it is indexed on a later scan.
      idx.scanned = await forEachLine(fh, idx.scanned, size, (line, offset) => this.indexLine(idx, line, offset));
    } finally {
      await fh.close();
    }
  }

  /** A compressed file never changes and has no byte offsets to index: only its first seq is kept. */
  private async scanCompressed(path: string, idx: FileIndex, size: number): Promise<void> {
    const fh = await open(path, 'r');
    try {
      const first = await firstSeq(fh, true);
      if (first !== Number.MAX_SAFE_INTEGER) Object.assign(idx, { count: 1, firstSeq: first, lastSeq: first });
      idx.scanned = size;
    } finally {
      await fh.close();
    }
  }

  private indexLine(idx: FileIndex, line: Buffer, offset: number): void {
    const due = idx.count === 0 || idx.sinceEntry >= this.every || idx.bytesSinceEntry >= this.everyBytes;
    if (due) {
      const seq = lineSeq(line);
      if (seq === null) return;
      idx.seqs.push(seq);
      idx.offsets.push(offset);
      idx.sinceEntry = 0;
      idx.bytesSinceEntry = 0;
      if (idx.count === 0) idx.firstSeq = seq;
      idx.lastSeq = seq;
    } else if (line.length > 0) {
      // Only the last line's seq is needed between entries; parse it lazily from the prefix.
      const seq = lineSeq(line);
      if (seq === null) return;
      idx.lastSeq = seq;
    }
    idx.count++;
    idx.sinceEntry++;
    idx.bytesSinceEntry += line.length + 1;
  }

  private async collect(files: Array<{ path: string; idx: FileIndex }>, before: number | undefined, limit: number): Promise<HistoryPage> {
    const maxSeq = this.opts.maxSeq?.() ?? Number.MAX_SAFE_INTEGER;
    const bound = Math.min(before ?? Number.MAX_SAFE_INTEGER, maxSeq + 1);
    let lines: string[] = [];
    let seqs: number[] = [];
    let bytes = 0;
    const want = Math.max(0, limit);
    let oldest = Number.MAX_SAFE_INTEGER;
    for (const { idx } of files) if (idx.count > 0) oldest = Math.min(oldest, idx.firstSeq);
    for (let f = files.length - 1; f >= 0 && seqs.length < want && bytes < this.maxPageBytes; f--) {
      const { path, idx } = files[f] as { path: string; idx: FileIndex };
      if (idx.count === 0 || idx.firstSeq >= bound) continue;
      let fh: FileHandle | null = null;
      try {
        fh = await open(path, 'r');
        const st = await fh.stat();
        if (`${st.dev}:${st.ino}` !== idx.key) throw Object.assign(new Error('journal rotated'), { rotated: true });
        if (isCompressed(path)) {
          const older: string[] = [];
          const olderSeqs: number[] = [];
          for await (const batch of recordsNewestFirst(fh, true, bound, this.maxPageBytes)) {
            for (const r of batch) {
              if (seqs.length + olderSeqs.length >= want || bytes >= this.maxPageBytes) break;
              older.push(recordText(r.line));
              olderSeqs.push(r.seq);
              bytes += r.line.length;
            }
            if (seqs.length + olderSeqs.length >= want || bytes >= this.maxPageBytes) break;
          }
          lines = older.reverse().concat(lines);
          seqs = olderSeqs.reverse().concat(seqs);
          continue;
        }
        for (let e = upperBound(idx.seqs, bound); e >= 0 && seqs.length < want && bytes < this.maxPageBytes; e--) {
          const from = idx.offsets[e] as number;
          const to = idx.offsets[e + 1] ?? idx.scanned;
          const got = this.parseChunk(await readRange(fh, from, to), bound);
          lines = got.lines.concat(lines);
          seqs = got.seqs.concat(seqs);
          bytes += got.bytes;
        }
      } finally {
        await fh?.close();
      }
    }
    // Keep the newest `want` lines within the byte cap (at least one).
    let keep = 0;
    let kept = 0;
    for (let i = lines.length - 1; i >= 0 && keep < want; i--) {
      kept += (lines[i] as string).length;
      if (keep > 0 && kept > this.maxPageBytes) break;
      keep++;
    }
    lines = lines.slice(lines.length - keep);
    seqs = seqs.slice(seqs.length - keep);
    const first = seqs[0];
    return { lines, seqs, more: first !== undefined ? first > oldest : false };
  }

  private parseChunk(chunk: Buffer, bound: number): { lines: string[]; seqs: number[]; bytes: number } {
    const lines: string[] = [];
    const seqs: number[] = [];
    let bytes = 0;
    let start = 0;
    for (let nl = chunk.indexOf(LF, start); nl !== -1; nl = chunk.indexOf(LF, start)) {
      const line = chunk.subarray(start, nl);
      start = nl + 1;
      const seq = lineSeq(line);
      if (seq === null || seq >= bound) continue;
      lines.push(recordText(line));
      seqs.push(seq);
      bytes += line.length;
    }
    return { lines, seqs, bytes };
  }
}

/** A record line as page text: as written when it has the codec's shape, else re-encoded so the page stays valid JSON. */
function recordText(line: Buffer): string {
  const text = line.toString('utf8');
  return line.subarray(0, SEQ_PREFIX.length).equals(SEQ_PREFIX) ? text : JSON.stringify(JSON.parse(text));
}
