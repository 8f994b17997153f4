// Finds the records a query matches across a journal's whole file set, by seq cursor in either direction: big reads searched for byte needles, only candidate lines parsed.
import type { FileHandle } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { IoError } from '../errors.js';
import { gunzipChunks, listJournalSet } from './file-set.js';
import { needleLines } from './needle-lines.js';
import { searchPacer } from './search-pacer.js';
import { lineMayMatch, matchLine, queryNeedles } from './query.js';
import type { Query } from './query.js';
import { lineSeq } from './scan.js';
import { bisectSeq, DEFAULT_SLICE_BYTES, firstSeq, firstSeqOfRef, openChecked, recordsNewestFirst, ScanOrder, SetChanged } from './seq-scan.js';
import type { ScannedRecord, ScanOrderValue } from './seq-scan.js';
import type { JournalFileRef } from './file-set.js';

const LF = 0x0a;
/** Bytes per read of a plain file when a needle is searched: big, so the native search runs long between awaits. */
export const SEARCH_CHUNK = 4 << 20;
/** Bytes per read when every line must be parsed: small, so one read's CPU work stays short. */
const PARSE_CHUNK = 256 << 10;
/** Decompressed bytes of a gzip file searched at once. */
const GZIP_PIECE = 1 << 20;
/** Most milliseconds of CPU in one turn of the event loop before the scan yields to it. */
export const SLICE_MS = 4;

/** One match: its seq and its record as JSON text. */
export interface FoundRecord {
  seq: number;
  json: string;
}

/** What a scan found since its previous slice. */
export interface SearchSlice {
  /** Matches, in scan order. */
  matches: FoundRecord[];
  /**
   * Every seq from where the scan started up to this one (down to it, newest-first) has been examined: a resume
   * cursor (`before` for desc, `after` for asc). Null when no record was seen yet.
   */
  cursor: number | null;
  /** Bytes read (decompressed bytes for gzip files) since the previous slice. */
  bytes: number;
  /** Records passed over since the previous slice (by their seqs: matched or not). */
  records: number;
}

/** Options for {@link searchJournal}. */
export interface SearchOptions {
  /** The live journal file; its rotated files are found next to it. */
  file: string;
  order: ScanOrderValue;
  query: Query;
  /** Only seqs above this. */
  after?: number;
  /** Only seqs below this (the durable bound of a live journal: `lastSeq + 1`). */
  before?: number;
  signal?: AbortSignal;
  /** Rotated files considered (default: all present). */
  keep?: number;
}

interface Cursor {
  after: number;
  before: number;
  done: boolean;
}

/**
 * Searches every journal file, plain or gzip, in seq order, yielding a slice per read (and more often when many
 * lines match) so that a caller can stop at any budget and resume with the last `cursor`. Plain files are read in
 * big chunks searched natively for the query's byte needles ({@link queryNeedles}); only the lines around a hit are
 * parsed and confirmed by the shared matcher. The scan gives the event loop a turn at least every {@link SLICE_MS},
 * through the process's {@link searchPacer}, which slows searches down while other work keeps the loop busy.
 */
export async function* searchJournal(o: SearchOptions): AsyncGenerator<SearchSlice> {
  const c: Cursor = { after: o.after ?? 0, before: o.before ?? Number.MAX_SAFE_INTEGER, done: false };
  const desc = o.order === ScanOrder.DESC;
  for (let attempt = 0; attempt < 20; attempt++) {
    const refs = await listJournalSet(o.file, o.keep);
    if (desc) refs.reverse();
    try {
      for (let i = 0; i < refs.length; i++) {
        if (c.done || o.signal?.aborted) return;
        const ref = refs[i] as JournalFileRef;
        // Oldest first, a file is skipped when the next one starts at or below the cursor.
        const next = refs[i + 1];
        if (!desc && next !== undefined && c.after > 0 && (await firstSeqOfRef(next)) <= c.after + 1) continue;
        const fh = await openChecked(ref);
        try {
          const first = await firstSeq(fh, ref.compressed);
          if (desc && first >= c.before) continue;
          if (!desc && first !== Number.MAX_SAFE_INTEGER && first >= c.before) return;
          const slices = ref.compressed ? (desc ? gzipDesc(fh, c, o) : gzipAsc(fh, c, o)) : desc ? plainDesc(fh, c, o) : plainAsc(fh, c, o);
          yield* slices;
          if (o.signal?.aborted) return;
          if (desc && first !== Number.MAX_SAFE_INTEGER) {
            c.before = Math.min(c.before, first);
            if (first <= c.after + 1) c.done = true;
            yield { matches: [], cursor: first, bytes: 0, records: 0 };
          }
        } finally {
          await fh.close();
        }
      }
      return;
    } catch (err) {
      if (!(err instanceof SetChanged)) throw err;
    }
  }
  throw new IoError('journal files kept changing while searching them');
}

/** Examines the candidate lines of one region of complete lines, yielding slices; moves the cursor as it goes. */
async function* examine(data: Buffer, start: number, end: number, c: Cursor, o: SearchOptions, bytes: number): AsyncGenerator<SearchSlice> {
  const desc = o.order === ScanOrder.DESC;
  // The region's edge lines: every seq between them is passed over, so records are counted by seq, not by line.
  const older = end > start ? lineSeq(data.subarray(start, data.indexOf(LF, start))) : null;
  const newer = end - start >= 2 ? lineSeq(data.subarray(data.lastIndexOf(LF, end - 2) + 1, end - 1)) : null;
  const from = desc ? Math.min(newer ?? Number.MAX_SAFE_INTEGER, c.before - 1) : Math.max(older ?? 0, c.after + 1);
  // A resumed scan re-reads a gzip file up to its cursor: those bytes are not charged to the budget.
  if (!desc && newer !== null && newer <= c.after) bytes = 0;
  let counted = 0;
  const records = (cursor: number): number => {
    const total = Math.max(0, Math.abs(from - cursor) + 1);
    const n = total - counted;
    counted = total;
    return Math.max(0, n);
  };
  let matches: FoundRecord[] = [];
  let cursor: number | null = null;
  let t0 = performance.now();
  for (const [ls, le] of needleLines(data, start, end, queryNeedles(o.query), desc)) {
    if (o.signal?.aborted) return;
    const line = data.subarray(ls, le);
    const seq = lineSeq(line);
    if (seq === null) continue;
    if (desc ? seq <= c.after : seq >= c.before) {
      c.done = true;
      break;
    }
    if (desc ? seq >= c.before : seq <= c.after) continue;
    cursor = seq;
    const rec = matchLine(line, o.query);
    if (rec !== null) matches.push({ seq, json: recordJson(line) });
    if (performance.now() - t0 > SLICE_MS) {
      moveCursor(c, desc, cursor);
      const spent = performance.now() - t0;
      yield { matches, cursor, bytes, records: records(cursor) };
      bytes = 0;
      matches = [];
      await searchPacer.pace(spent);
      t0 = performance.now();
    }
  }
  const edge = desc ? older : newer;
  if (!c.done && edge !== null) {
    if (desc ? edge <= c.after : edge >= c.before) c.done = true;
    else if (desc ? edge < c.before : edge > c.after) cursor = edge;
  }
  if (cursor !== null) moveCursor(c, desc, cursor);
  const spent = performance.now() - t0;
  yield { matches, cursor, bytes, records: cursor === null ? 0 : records(cursor) };
  await searchPacer.pace(spent);
}

function moveCursor(c: Cursor, desc: boolean, seq: number): void {
  if (desc) c.before = Math.min(c.before, seq);
  else c.after = Math.max(c.after, seq);
}

/** A line as a page's JSON text: as written when it has the codec's shape (it parsed as a record), else re-encoded. */
function recordJson(line: Buffer): string {
  const text = line.toString('utf8');
  return text.startsWith('{"seq":') ? text : JSON.stringify(JSON.parse(text));
}

/** A plain file oldest first from just below `after`, in big reads into one reused buffer. */
async function* plainAsc(fh: FileHandle, c: Cursor, o: SearchOptions): AsyncGenerator<SearchSlice> {
  const size = (await fh.stat()).size;
  let pos = c.after > 0 ? (await bisectSeq(fh, size, c.after + 1)).below : 0;
  let buf = Buffer.allocUnsafe(queryNeedles(o.query) === null ? PARSE_CHUNK : SEARCH_CHUNK);
  let carry = 0;
  while (pos < size && !c.done && o.signal?.aborted !== true) {
    if (carry === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const want = Math.min(buf.length - carry, size - pos);
    const { bytesRead } = await fh.read(buf, carry, want, pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const len = carry + bytesRead;
    const last = buf.lastIndexOf(LF, len - 1);
    if (last < 0) {
      carry = len;
      continue;
    }
    yield* examine(buf, 0, last + 1, c, o, bytesRead);
    // The unfinished line moves to the front for the next read (matches were copied out as text).
    carry = len - (last + 1);
    buf.copy(buf, 0, last + 1, len);
  }
}

/** A plain file newest first from `before`, read backwards; bytes after its last LF are not written yet. */
async function* plainDesc(fh: FileHandle, c: Cursor, o: SearchOptions): AsyncGenerator<SearchSlice> {
  const size = (await fh.stat()).size;
  let end = c.before >= Number.MAX_SAFE_INTEGER ? size : (await bisectSeq(fh, size, c.before)).atOrAbove;
  const chunk = queryNeedles(o.query) === null ? PARSE_CHUNK : SEARCH_CHUNK;
  // The start of the newer bytes up to and with their first LF: the end of a line that began further back.
  let tail: Buffer | null = null;
  let seenLf = false;
  // One buffer for every read (a new 4 MiB buffer per read made the scan mostly garbage collection and copies).
  let buf = Buffer.allocUnsafe(chunk + (64 << 10));
  while (end > 0 && !c.done && o.signal?.aborted !== true) {
    const len = Math.min(chunk, end);
    const need = len + (tail?.length ?? 0);
    if (buf.length < need) buf = Buffer.allocUnsafe(need);
    const data = buf.subarray(0, need);
    const { bytesRead } = await fh.read(data, 0, len, end - len);
    if (bytesRead < len) throw new SetChanged();
    tail?.copy(data, len);
    end -= len;
    let stop = data.length;
    if (!seenLf) {
      const last = data.lastIndexOf(LF);
      if (last < 0) continue;
      seenLf = true;
      stop = last + 1;
    }
    const start = end === 0 ? 0 : data.indexOf(LF) + 1;
    tail = end === 0 ? null : Buffer.from(data.subarray(0, start));
    yield* examine(data, start, stop, c, o, len);
  }
}

/** A gzip file oldest first: decompressed as a stream, gathered into pieces of about a MiB, each searched like a plain read. */
async function* gzipAsc(fh: FileHandle, c: Cursor, o: SearchOptions): AsyncGenerator<SearchSlice> {
  let carry: Buffer | null = null;
  let parts: Buffer[] = [];
  let fresh = 0;
  const piece = (): { data: Buffer; bytes: number; last: number } => {
    const data = Buffer.concat(carry ? [carry, ...parts] : parts);
    const bytes = fresh;
    parts = [];
    fresh = 0;
    const last = data.lastIndexOf(LF);
    carry = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : null;
    return { data, bytes, last };
  };
  for await (const chunk of gunzipChunks(fh)) {
    parts.push(chunk);
    fresh += chunk.length;
    if (fresh < GZIP_PIECE) continue;
    const { data, bytes, last } = piece();
    if (last >= 0) yield* examine(data, 0, last + 1, c, o, bytes);
    if (c.done || o.signal?.aborted) return;
  }
  if (fresh > 0) {
    const { data, bytes, last } = piece();
    if (last >= 0) yield* examine(data, 0, last + 1, c, o, bytes);
  }
}

/** A gzip file newest first: it cannot be read backwards, so passes from its start keep the newest candidates (see recordsNewestFirst). */
async function* gzipDesc(fh: FileHandle, c: Cursor, o: SearchOptions): AsyncGenerator<SearchSlice> {
  const needles = queryNeedles(o.query);
  let bytes = (await fh.stat()).size;
  // The whole match runs inside the pass, so a pass keeps only matches and rarely needs another.
  const match = (line: Buffer): boolean => lineMayMatch(line, needles) && matchLine(line, o.query) !== null;
  for await (const batch of recordsNewestFirst(fh, true, c.before, DEFAULT_SLICE_BYTES, match)) {
    if (o.signal?.aborted) return;
    const matches: FoundRecord[] = [];
    let cursor: number | null = null;
    const records = batch.length === 0 ? 0 : (batch[0] as ScannedRecord).seq - (batch[batch.length - 1] as ScannedRecord).seq + 1;
    for (const r of batch) {
      if (r.seq <= c.after) {
        c.done = true;
        break;
      }
      cursor = r.seq;
      matches.push({ seq: r.seq, json: recordJson(r.line) });
    }
    if (cursor !== null) moveCursor(c, true, cursor);
    yield { matches, cursor, bytes, records };
    bytes = 0;
    if (c.done) return;
    await searchPacer.pace(0);
  }
}
