// Crash recovery at startup: cut a torn last record into FILE.torn and find the last sequence number.
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { JournalCorruptError } from '../errors.js';
import type { LogFn } from '../logger.js';
import { decodeRecord, JournalFormat } from './record.js';
import type { JournalFormatValue } from './record.js';
import path from 'node:path';
import { fsyncDir, rotatedName, seqBaseName, tornName } from './files.js';

/** What recovery found and did. */
export interface RecoveryResult {
  /** The highest sequence number in the journal (0 when empty). */
  lastSeq: number;
  /** Size of the current file after repair. */
  size: number;
  /** Bytes moved to FILE.torn (0 when the tail was whole). */
  tornBytes: number;
}

const CHUNK = 64 * 1024;
const LF = 0x0a;

async function readRange(fh: FileHandle, start: number, end: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(end - start);
  let done = 0;
  while (done < buf.length) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, start + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return buf.subarray(0, done);
}

/** Position of the last LF before `end`, or -1. */
async function lastLf(fh: FileHandle, end: number): Promise<number> {
  let pos = end;
  while (pos > 0) {
    const start = Math.max(0, pos - CHUNK);
    const buf = await readRange(fh, start, pos);
    const i = buf.lastIndexOf(LF);
    if (i >= 0) return start + i;
    pos = start;
  }
  return -1;
}

/** The last complete line ending at the LF at `lf` (without the LF), and where it starts. */
async function lineBefore(fh: FileHandle, lf: number): Promise<{ start: number; bytes: Buffer }> {
  const prev = await lastLf(fh, lf);
  return { start: prev + 1, bytes: await readRange(fh, prev + 1, lf) };
}

function seqOf(line: Buffer): number | null {
  try {
    return decodeRecord(line).seq;
  } catch {
    return null;
  }
}

async function countLines(file: string): Promise<number> {
  let fh: FileHandle;
  try {
    fh = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    let n = 0;
    const buf = Buffer.allocUnsafe(1024 * 1024);
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

/** Last seq of the newest rotated file, for a current file that is empty (json format). */
async function lastSeqOfRotated(file: string): Promise<number> {
  let fh: FileHandle;
  try {
    fh = await open(rotatedName(file, 1), 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
  try {
    const { size } = await fh.stat();
    const lf = await lastLf(fh, size);
    if (lf < 0) return 0;
    const seq = seqOf((await lineBefore(fh, lf)).bytes);
    if (seq === null) throw new JournalCorruptError('the last record of the newest rotated journal file is not valid');
    return seq;
  } finally {
    await fh.close();
  }
}

async function readSeqBase(file: string): Promise<number> {
  try {
    const n = Number((await readFile(seqBaseName(file), 'utf8')).trim());
    if (!Number.isSafeInteger(n) || n < 0) throw new JournalCorruptError('the journal sequence file is not a number');
    return n;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}

/**
 * Repairs the current journal file in place and reads its last sequence number. A last record without
 * its LF, or (json) a last line that is not a valid record, is appended to FILE.torn (fsynced) and cut
 * from the journal. Anything worse than a torn last record throws JournalCorruptError.
 */
export async function recoverJournal(file: string, format: JournalFormatValue, log: LogFn): Promise<RecoveryResult> {
  const fh = await open(file, 'r+');
  try {
    const { size } = await fh.stat();
    let cut = size;
    let lastLine: Buffer | null = null;
    const lf = await lastLf(fh, size);
    cut = lf + 1;
    if (format === JournalFormat.JSON && lf >= 0) {
      const line = await lineBefore(fh, lf);
      if (seqOf(line.bytes) === null) {
        cut = line.start;
        if (line.start > 0) {
          const before = await lineBefore(fh, line.start - 1);
          if (seqOf(before.bytes) === null) {
            throw new JournalCorruptError('the journal holds invalid records before its last one; refusing to start');
          }
          lastLine = before.bytes;
        }
      } else lastLine = line.bytes;
    }
    const tornBytes = size - cut;
    if (tornBytes > 0) {
      const torn = await readRange(fh, cut, size);
      const tf = await open(tornName(file), 'a');
      try {
        await tf.write(Buffer.concat([torn, Buffer.from('\n')]));
        await tf.datasync();
      } finally {
        await tf.close();
      }
      await fsyncDir(path.dirname(file));
      await fh.truncate(cut);
      await fh.datasync();
      log(`recovered a torn last record: moved ${tornBytes} bytes to ${tornName(file)} and cut the journal to ${cut} bytes`);
    }
    let lastSeq: number;
    if (format === JournalFormat.RAW) {
      await fh.close().catch(() => {});
      lastSeq = (await readSeqBase(file)) + (await countLines(file));
    } else if (lastLine !== null) {
      lastSeq = seqOf(lastLine) ?? 0;
    } else {
      lastSeq = await lastSeqOfRotated(file);
    }
    return { lastSeq, size: cut, tornBytes };
  } finally {
    await fh.close().catch(() => {});
  }
}
