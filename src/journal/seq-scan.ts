// Records of a journal's whole file set (rotated, compressed, live) by seq, oldest-first or newest-first, resumable from a seq cursor.
import type { FileHandle } from 'node:fs/promises';
import { IoError, JournalCorruptError } from '../errors.js';
import { fileLines, listJournalSet, openRef, READ_CHUNK } from './file-set.js';
import type { JournalFileRef } from './file-set.js';
import { lineSeq, peekLastSeq, recordSeq } from './scan.js';

const LF = 0x0a;

/** Scan directions: `asc` (oldest first) and `desc` (newest first). */
export const ScanOrder = { ASC: 'asc', DESC: 'desc' } as const;
/** `asc` or `desc`. */
export type ScanOrderValue = (typeof ScanOrder)[keyof typeof ScanOrder];

/** Default bytes of records one newest-first pass through a gzip file may hold (see {@link ScanOptions.sliceBytes}). */
export const DEFAULT_SLICE_BYTES = 8 << 20;

/** Options for {@link scanJournal}. */
export interface ScanOptions {
  /** The live journal file; its rotated files are found next to it. */
  file: string;
  order: ScanOrderValue;
  /** Cursor: only records with a seq above this (resume an `asc` scan with the last seq seen). */
  after?: number;
  /**
   * Cursor: only records with a seq below this (resume a `desc` scan with the last seq seen). Also the way to show
   * only durable records of a journal being written: `journal.stats.lastSeq + 1` (a failed write is cut back and
   * its seqs handed out again, so a record above that may still change).
   */
  before?: number;
  /** Only records it accepts are yielded (and held: a rare match keeps a newest-first pass through gzip cheap). */
  match?: (line: Buffer, seq: number) => boolean;
  /** Ends the scan at the next batch boundary. */
  signal?: AbortSignal;
  /**
   * A gzip file cannot be read backwards: newest-first, it is decompressed from its start, keeping the newest
   * matching records up to this many bytes (default {@link DEFAULT_SLICE_BYTES}); if more matched, another pass
   * takes the ones before. Memory stays bounded; a dense scan through a big compressed file costs several passes.
   */
  sliceBytes?: number;
  /** Rotated files considered (default: all present). */
  keep?: number;
}

/** One record found by a scan: its seq and its line (without LF), a buffer the caller may keep. */
export interface ScannedRecord {
  seq: number;
  line: Buffer;
}

/** Thrown inside a pass when a listed file is gone or replaced: the scan lists again and resumes from its cursor. */
export class SetChanged extends Error {}

/**
 * Iterates the records of every journal file, plain or gzip, in seq order, as batches (each in scan order).
 * Lines that are not records (no seq) are skipped, and so is an unfinished last line of the live file: it is
 * still being written.
 *
 * Built for slices: the scan reads lazily, one batch per `next()`, so a caller may stop early (`break`, or
 * `signal`) at any budget of time, bytes or matches, and release every file. To resume later, start a new scan
 * with the cursor `after` (asc) or `before` (desc) set to the last seq it saw. Seqs are the cursor, not file
 * offsets, so a resumed scan is right even after rotations, compressions and deletions in between; within a scan
 * the same rule lets it survive a file set that changes under it.
 */
export async function* scanJournal(o: ScanOptions): AsyncGenerator<ScannedRecord[]> {
  let after = o.after ?? -1;
  let before = o.before ?? Number.MAX_SAFE_INTEGER;
  const accept = (line: Buffer, seq: number): boolean => seq > after && seq < before && (o.match === undefined || o.match(line, seq));
  for (let unchanged = 0; unchanged < 20; unchanged++) {
    const refs = await listJournalSet(o.file, o.keep);
    const desc = o.order === ScanOrder.DESC;
    if (desc) refs.reverse();
    try {
      for (let i = 0; i < refs.length; i++) {
        const ref = refs[i] as JournalFileRef;
        const fh = await openChecked(ref);
        try {
          if (desc) {
            if ((await firstSeq(fh, ref.compressed)) >= before) continue;
            const lines = ref.compressed ? gzipDesc(fh, before, accept, o.sliceBytes ?? DEFAULT_SLICE_BYTES) : plainDesc(fh, accept, before);
            for await (const batch of lines) {
              if (o.signal?.aborted) return;
              before = (batch[batch.length - 1] as ScannedRecord).seq;
              unchanged = 0;
              yield batch;
            }
          } else {
            const next = refs[i + 1];
            if (next !== undefined && after >= 0 && (await firstSeqOfRef(next)) <= after + 1) continue;
            const from = ref.compressed || after < 0 ? 0 : (await bisectSeq(fh, (await fh.stat()).size, after + 1)).below;
            for await (const lines of fileLines(fh, ref.compressed, { from })) {
              if (o.signal?.aborted) return;
              const batch: ScannedRecord[] = [];
              let done = false;
              for (const line of lines) {
                const seq = lineSeq(line);
                if (seq === null) continue;
                // A file's seqs only grow, and later files hold higher ones.
                if ((done = seq >= before)) break;
                if (accept(line, seq)) batch.push({ seq, line: Buffer.from(line) });
              }
              if (batch.length > 0) {
                after = (batch[batch.length - 1] as ScannedRecord).seq;
                unchanged = 0;
                yield batch;
              }
              if (done) return;
            }
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
  throw new IoError('journal files kept changing while scanning them');
}

/**
 * One open file's records below seq `before`, newest first, in batches: a plain file read backwards from its end
 * (bytes after its last LF are not written yet), a gzip one in bounded passes (see {@link ScanOptions.sliceBytes}).
 * For callers that keep their own list of files (history paging); others use {@link scanJournal}.
 */
export function recordsNewestFirst(
  fh: FileHandle,
  compressed: boolean,
  before: number,
  sliceBytes = DEFAULT_SLICE_BYTES,
  match?: (line: Buffer) => boolean,
): AsyncGenerator<ScannedRecord[]> {
  const accept = (line: Buffer, seq: number): boolean => seq < before && (match === undefined || match(line));
  return compressed ? gzipDesc(fh, before, accept, sliceBytes) : plainDesc(fh, accept, before);
}

/** Opens a listed file, or throws SetChanged when it is gone or is another file now. */
export async function openChecked(ref: JournalFileRef): Promise<FileHandle> {
  const fh = await openRef(ref.path);
  if (fh === null) throw new SetChanged();
  if ((await fh.stat()).ino !== ref.ino) {
    await fh.close();
    throw new SetChanged();
  }
  return fh;
}

/** The seq of a file's first record (gzip: decompressing only its start); MAX_SAFE_INTEGER when it holds none. */
export async function firstSeq(fh: FileHandle, compressed: boolean): Promise<number> {
  for await (const lines of fileLines(fh, compressed)) {
    for (const line of lines) {
      const seq = lineSeq(line);
      if (seq !== null) return seq;
    }
  }
  return Number.MAX_SAFE_INTEGER;
}

/** The first seq of a listed file (see {@link firstSeq}); throws SetChanged when it is gone or replaced. */
export async function firstSeqOfRef(ref: JournalFileRef): Promise<number> {
  const fh = await openChecked(ref);
  try {
    return await firstSeq(fh, ref.compressed);
  } finally {
    await fh.close();
  }
}

/**
 * Narrows a plain file by binary search on its seqs (a file's seqs only grow): `below` is a line start whose line
 * has a seq under `seq` (or 0), `atOrAbove` one whose line has a seq of at least `seq` (or `size`). Everything before
 * `below` is under `seq`, everything from `atOrAbove` on is not. Stops, still correct, at anything unexpected
 * (a line without a seq, a line longer than a read), and once the range is one read wide: O(log n) small reads, so a
 * scan resumed deep inside a big file starts there instead of reading up to it.
 */
export async function bisectSeq(fh: FileHandle, size: number, seq: number): Promise<{ below: number; atOrAbove: number }> {
  let below = 0;
  let atOrAbove = size;
  const buf = Buffer.allocUnsafe(64 * 1024);
  while (atOrAbove - below > READ_CHUNK) {
    const mid = below + Math.floor((atOrAbove - below) / 2);
    const { bytesRead } = await fh.read(buf, 0, buf.length, mid - 1);
    const view = buf.subarray(0, bytesRead);
    const lf = view.indexOf(LF);
    const end = lf < 0 ? -1 : view.indexOf(LF, lf + 1);
    const start = mid + lf;
    if (end < 0 || start >= atOrAbove) break;
    const found = lineSeq(view.subarray(lf + 1, end));
    if (found === null) break;
    if (found < seq) below = start;
    else atOrAbove = start;
  }
  return { below, atOrAbove };
}

/** A plain file read backwards in chunks: its accepted records below `before`, newest first. Bytes after the last LF are not written yet. */
async function* plainDesc(fh: FileHandle, accept: (line: Buffer, seq: number) => boolean, before: number): AsyncGenerator<ScannedRecord[]> {
  const size = (await fh.stat()).size;
  let end = before >= Number.MAX_SAFE_INTEGER ? size : (await bisectSeq(fh, size, before)).atOrAbove;
  // The start of the newer bytes up to and with their first LF: the end of a line that began further back.
  let tail: Buffer | null = null;
  let seenLf = false;
  while (end > 0) {
    const len = Math.min(READ_CHUNK, end);
    const chunk = Buffer.allocUnsafe(len);
    const { bytesRead } = await fh.read(chunk, 0, len, end - len);
    if (bytesRead < len) throw new SetChanged();
    end -= len;
    let data: Buffer = tail ? Buffer.concat([chunk, tail]) : chunk;
    if (!seenLf) {
      const last = data.lastIndexOf(LF);
      if (last < 0) continue;
      seenLf = true;
      data = data.subarray(0, last + 1);
    }
    // data ends with an LF; unless the file starts here, its bytes up to the first LF end a line that begins further back.
    const start = end === 0 ? 0 : data.indexOf(LF) + 1;
    tail = end === 0 ? null : data.subarray(0, start);
    const batch: ScannedRecord[] = [];
    for (let stop = data.length - 1; stop >= start; ) {
      const prev = stop > 0 ? data.lastIndexOf(LF, stop - 1) : -1;
      const line = data.subarray(prev + 1, stop);
      stop = prev;
      const seq = line.length > 0 ? lineSeq(line) : null;
      if (seq !== null && accept(line, seq)) batch.push({ seq, line });
    }
    if (batch.length > 0) yield batch;
  }
}

/**
 * A gzip file newest first, in passes: each decompresses from the start, keeps the newest accepted records below
 * `upper` within `sliceBytes` (stopping at the first record at or above `upper`: a file's seqs only grow), yields
 * them newest first, and, if older ones were let go, the next pass looks below the oldest one kept.
 */
async function* gzipDesc(fh: FileHandle, upper: number, accept: (line: Buffer, seq: number) => boolean, sliceBytes: number): AsyncGenerator<ScannedRecord[]> {
  for (;;) {
    let kept: ScannedRecord[] = [];
    let head = 0;
    let bytes = 0;
    let dropped = false;
    pass: for await (const lines of fileLines(fh, true)) {
      for (const line of lines) {
        const seq = lineSeq(line);
        if (seq === null) continue;
        if (seq >= upper) break pass;
        if (!accept(line, seq)) continue;
        kept.push({ seq, line: Buffer.from(line) });
        bytes += line.length;
        while (bytes > sliceBytes && kept.length - head > 1) {
          bytes -= (kept[head] as ScannedRecord).line.length;
          head++;
          dropped = true;
        }
        if (head > 4096 && head * 2 > kept.length) {
          kept = kept.slice(head);
          head = 0;
        }
      }
    }
    const slice = kept.slice(head).reverse();
    for (let i = 0; i < slice.length; i += 1000) yield slice.slice(i, i + 1000);
    if (!dropped || slice.length === 0) return;
    upper = (slice[slice.length - 1] as ScannedRecord).seq;
  }
}

/**
 * The seq of the last record of one file (0 when it holds no complete line): a plain file is read from its end,
 * a gzip one decompressed whole. Throws JournalCorruptError when that last line is not a record.
 */
export async function lastSeqOfFile(ref: Pick<JournalFileRef, 'path' | 'compressed'>): Promise<number> {
  if (!ref.compressed) return peekLastSeq(ref.path);
  const fh = await openRef(ref.path);
  if (fh === null) return 0;
  try {
    let last: Buffer | null = null;
    for await (const lines of fileLines(fh, true)) last = Buffer.from(lines[lines.length - 1] as Buffer);
    if (last === null) return 0;
    const seq = recordSeq(last);
    if (seq === null) throw new JournalCorruptError('the last record of the newest rotated journal file is not valid');
    return seq;
  } finally {
    await fh.close();
  }
}
