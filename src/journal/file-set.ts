// The one reader of a journal's file set (FILE.N[.gz] … FILE.1[.gz], FILE): lists it, and reads its complete lines, plain or gzip.
import { open, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IoError } from '../errors.js';
import { oneFormEach, rotatedEntries, siblingNames } from './files.js';

const LF = 0x0a;
/** Bytes read per call from a plain file. */
export const READ_CHUNK = 256 * 1024;

/** One file of the set: `n` is 0 for the live file, else its rotation position (1 the newest); `ino` its inode when listed. */
export interface JournalFileRef {
  path: string;
  n: number;
  compressed: boolean;
  ino: number;
}

/**
 * The journal's files that exist, oldest first: rotated ones (one form per N, the plain one where both exist),
 * then the live file. Names that vanish between readdir and stat (a rotation or compression running) are left
 * out; callers that need a stable view check inodes when they open, or resume by seq.
 */
export async function listJournalSet(file: string, keep = Number.MAX_SAFE_INTEGER): Promise<JournalFileRef[]> {
  const dir = path.dirname(file);
  const names = await siblingNames(file).catch((err: NodeJS.ErrnoException) => {
    throw new IoError(`cannot list the journal folder: ${err.code ?? 'error'}`, { cause: err });
  });
  const base = path.basename(file);
  const refs: JournalFileRef[] = [];
  const add = async (p: string, n: number, compressed: boolean): Promise<void> => {
    const st = await stat(p).catch(() => null);
    if (st) refs.push({ path: p, n, compressed, ino: st.ino });
  };
  for (const r of oneFormEach(rotatedEntries(base, names, keep))) await add(path.join(dir, r.name), r.n, r.compressed);
  if (names.includes(base)) await add(file, 0, false);
  return refs;
}

/** Opens a file for reading; null when it is gone (ENOENT). */
export async function openRef(p: string): Promise<FileHandle | null> {
  try {
    return await open(p, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new IoError(`cannot open journal file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  }
}

/**
 * The decompressed bytes of an open gzip file, from its start, as a stream of chunks (node:zlib through
 * `pipeline()`, so an error on either side ends both). Leaving the loop early destroys the streams; `fh` stays open.
 */
export async function* gunzipChunks(fh: FileHandle): AsyncGenerator<Buffer> {
  // Positioned reads of our own rather than fh.createReadStream(): the handle is read again by later passes, and a
  // destroyed FileHandle stream must not touch it.
  const source = Readable.from(ownedChunks(fh), { objectMode: false, highWaterMark: 64 * 1024 });
  const gunzip = pipeline(source, createGunzip(), () => {
    // Errors reach the loop below through the destroyed gunzip stream.
  });
  try {
    for await (const chunk of gunzip) yield chunk as Buffer;
  } catch (err) {
    throw new IoError(`cannot read a compressed journal file: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, { cause: err });
  } finally {
    gunzip.destroy();
  }
}

/** Chunks of a file from its start, each a new buffer (a stream may still hold the previous one). */
async function* ownedChunks(fh: FileHandle): AsyncGenerator<Buffer> {
  for (let pos = 0; ; ) {
    const buf = Buffer.allocUnsafe(64 * 1024);
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

/** Raw chunks of a plain file from `from` on, until its current end. */
async function* plainChunks(fh: FileHandle, from: number): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  for (let pos = from; ; ) {
    const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
    if (bytesRead === 0) return;
    pos += bytesRead;
    yield buf.subarray(0, bytesRead);
  }
}

/**
 * Splits chunks into complete LF-terminated lines (without the LF; empty ones too), calling `onLine` for
 * each. Returns what is left after the last LF, copied, to be passed back as `carry` with the next chunk.
 */
export function splitLines(carry: Buffer | null, chunk: Buffer, onLine: (line: Buffer) => void): Buffer | null {
  const data = carry ? Buffer.concat([carry, chunk]) : chunk;
  let start = 0;
  for (let nl = data.indexOf(LF); nl !== -1; nl = data.indexOf(LF, start)) {
    onLine(data.subarray(start, nl));
    start = nl + 1;
  }
  return start < data.length ? Buffer.from(data.subarray(start)) : null;
}

/** Options for {@link fileLines}. */
export interface FileLinesOptions {
  /** Plain files only: start at this byte offset (just after an LF). Default 0. */
  from?: number;
  /**
   * What to do with bytes after the last LF: `drop` (default) treats them as a record still being written, as a
   * reader of the live file must; `keep` yields them as a last line (a finished file that lacks its final LF).
   */
  unfinished?: 'drop' | 'keep';
  /** Longer lines are skipped (default 64 MiB); one still unfinished is dropped as it grows past this, so a file without LFs cannot grow memory. */
  maxLineBytes?: number;
}

/**
 * Yields one file's complete, non-empty lines, oldest first, in batches (the buffers are only valid until the next
 * iteration: copy what you keep). `compressed` files are decompressed as a stream; plain ones are read up to
 * their current end. Stopping the loop early releases everything but `fh`, which the caller closes.
 */
export async function* fileLines(fh: FileHandle, compressed: boolean, o: FileLinesOptions = {}): AsyncGenerator<Buffer[]> {
  const max = o.maxLineBytes ?? 64 << 20;
  let carry: Buffer | null = null;
  let skipping = false;
  let batch: Buffer[] = [];
  const onLine = (line: Buffer): void => {
    if (skipping) skipping = false;
    else if (line.length > 0 && line.length <= max) batch.push(line);
  };
  for await (const chunk of compressed ? gunzipChunks(fh) : plainChunks(fh, o.from ?? 0)) {
    batch = [];
    carry = splitLines(carry, chunk, onLine);
    if (carry !== null && carry.length > max) {
      // The rest of this overlong line is dropped up to its LF.
      carry = null;
      skipping = true;
    }
    if (batch.length > 0) yield batch;
  }
  if (carry !== null && !skipping && o.unfinished === 'keep') yield [carry];
}
