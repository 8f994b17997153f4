// Reading journal files by lines: the backwards scan for the last LFs, peeking the last seq, and the forward line scan with offsets.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { JournalCorruptError } from '../errors.js';
import { decodeRecord } from './record.js';

const LF = 0x0a;
const BACK_CHUNK = 64 * 1024;
const FORWARD_CHUNK = 1 << 20;
const SEQ_PREFIX = Buffer.from('{"seq":');

/** Opens a file for reading, or null when it does not exist. */
export async function openIfExists(file: string): Promise<FileHandle | null> {
  try {
    return await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Reads the bytes [start, end) of an open file (fewer when the file is shorter). */
export async function readRange(fh: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(end - start);
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/**
 * The backwards scan: the position of the `count`-th LF before `end`, counting from the end, or -1 when
 * the bytes before `end` hold fewer (or the file shrank under the scan). `buf` sets the read size.
 */
export async function nthLfBefore(fh: FileHandle, end: number, count: number, buf: Buffer = Buffer.allocUnsafe(BACK_CHUNK)): Promise<number> {
  let seen = 0;
  while (end > 0) {
    const len = Math.min(buf.length, end);
    const { bytesRead } = await fh.read(buf, 0, len, end - len);
    if (bytesRead < len) return -1;
    for (let i = buf.lastIndexOf(LF, len - 1); i >= 0; i = i > 0 ? buf.lastIndexOf(LF, i - 1) : -1) {
      if (++seen === count) return end - len + i;
    }
    end -= len;
  }
  return -1;
}

/**
 * The offset just after the `count`-th LF from the end of the file, or 0 when the file holds fewer
 * (then everything, rotated files included, is needed). Where `muxd tail -n N` starts reading.
 */
export async function offsetOfLastLines(fh: FileHandle, count: number, buf: Buffer): Promise<number> {
  const lf = await nthLfBefore(fh, (await fh.stat()).size, count, buf);
  return lf < 0 ? 0 : lf + 1;
}

/** The complete line that ends at the LF at `lf` (without the LF), and where it starts. */
export async function lineBefore(fh: FileHandle, lf: number): Promise<{ start: number; bytes: Buffer }> {
  const prev = await nthLfBefore(fh, lf, 1);
  return { start: prev + 1, bytes: await readRange(fh, prev + 1, lf) };
}

/** Reads the seq of one record line cheaply (the codec writes `{"seq":` first), or null if the line is not a record. */
export function lineSeq(line: Buffer): number | null {
  if (line.length > SEQ_PREFIX.length && line.compare(SEQ_PREFIX, 0, SEQ_PREFIX.length, 0, SEQ_PREFIX.length) === 0) {
    let n = 0;
    let i = SEQ_PREFIX.length;
    for (; i < line.length; i++) {
      const c = line[i] as number;
      if (c < 0x30 || c > 0x39) break;
      n = n * 10 + (c - 0x30);
    }
    if (i > SEQ_PREFIX.length) return n;
  }
  try {
    const rec = JSON.parse(line.toString('utf8')) as { seq?: unknown };
    return typeof rec.seq === 'number' && Number.isSafeInteger(rec.seq) ? rec.seq : null;
  } catch {
    return null;
  }
}

/** The seq of a line that must be a whole journal record, or null when it is not one. */
export function recordSeq(line: Buffer): number | null {
  try {
    return decodeRecord(line).seq;
  } catch {
    return null;
  }
}

/**
 * Peeks the seq of the last complete record of a json journal file without reading the rest:
 * 0 when the file is missing or holds no complete line. Throws JournalCorruptError when that line is not a record.
 */
export async function peekLastSeq(file: string): Promise<number> {
  const fh = await openIfExists(file);
  if (fh === null) return 0;
  try {
    const lf = await nthLfBefore(fh, (await fh.stat()).size, 1);
    if (lf < 0) return 0;
    const seq = recordSeq((await lineBefore(fh, lf)).bytes);
    if (seq === null) throw new JournalCorruptError('the last record of a journal file (the newest rotated one, for an empty current file) is not valid');
    return seq;
  } finally {
    await fh.close();
  }
}

/**
 * The forward scan: reads [from, to) in large chunks and calls `onLine` with every complete LF-terminated
 * line (without its LF) and the line's file offset. A line's buffer is only valid during the call.
 * Returns the offset just past the last complete line; an unfinished last line (still being written)
 * is left for a later call, unless it grows past `maxCarry` bytes, where the scan stops.
 */
export async function forEachLine(
  fh: FileHandle,
  from: number,
  to: number,
  onLine: (line: Buffer, offset: number) => void,
  maxCarry = 64 << 20,
): Promise<number> {
  // One buffer: the unfinished line of a read moves to its front (a Buffer.concat per read copied every chunk twice).
  let buf = Buffer.allocUnsafe(Math.min(FORWARD_CHUNK, Math.max(1, to - from)));
  let carry = 0;
  let pos = from;
  let scanned = from;
  while (pos < to) {
    if (carry === buf.length) {
      if (carry > maxCarry) break;
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const { bytesRead } = await fh.read(buf, carry, Math.min(buf.length - carry, to - pos), pos);
    if (bytesRead === 0) break;
    const chunkStart = pos - carry;
    const len = carry + bytesRead;
    pos += bytesRead;
    const view = buf.subarray(0, len);
    let start = 0;
    for (let nl = view.indexOf(LF, start); nl !== -1; nl = view.indexOf(LF, start)) {
      onLine(view.subarray(start, nl), chunkStart + start);
      start = nl + 1;
    }
    scanned = chunkStart + start;
    carry = len - start;
    if (carry > maxCarry) break;
    if (start > 0 && carry > 0) buf.copy(buf, 0, start, len);
  }
  return scanned;
}

/** Counts the LFs of a file (0 when it is missing): the records of a raw journal file. */
export async function countLines(file: string): Promise<number> {
  const fh = await openIfExists(file);
  if (fh === null) return 0;
  try {
    let n = 0;
    const buf = Buffer.allocUnsafe(FORWARD_CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) return n;
      const view = buf.subarray(0, bytesRead);
      for (let i = view.indexOf(LF); i >= 0; i = view.indexOf(LF, i + 1)) n++;
    }
  } finally {
    await fh.close();
  }
}
