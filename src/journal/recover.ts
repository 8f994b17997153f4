// Crash recovery at startup: cut a torn last record into FILE.torn and find the last sequence number.
import { open, readFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { JournalCorruptError, NotAJournalError } from '../errors.js';
import type { LogFn } from '../logger.js';
import { JournalFormat } from './record.js';
import type { JournalFormatValue } from './record.js';
import path from 'node:path';
import { fsyncDir, rotatedName, seqBaseName, tornName } from './files.js';
import { countLines, lineBefore, nthLfBefore, peekLastSeq, readRange, recordSeq } from './scan.js';

/** What recovery found and did. */
export interface RecoveryResult {
  /** The highest sequence number in the journal (0 when empty). */
  lastSeq: number;
  /** Size of the current file after repair. */
  size: number;
  /** Bytes moved to FILE.torn (0 when the tail was whole). */
  tornBytes: number;
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

/** How every json record starts (see the encoder in record.ts). */
const RECORD_START = Buffer.from('{"seq":');

/** How much of the first line is read to tell a journal from another file. */
const FIRST_LINE_PEEK = 64 * 1024;

/** True when `bytes` could be the start of a json record: `{"seq":` or a prefix of it, or only NULs (a crash before the data landed). */
function couldStartRecord(bytes: Buffer): boolean {
  if (bytes.every((b) => b === 0)) return true;
  const n = Math.min(bytes.length, RECORD_START.length);
  return bytes.subarray(0, n).equals(RECORD_START.subarray(0, n));
}

/**
 * Refuses, touching nothing, a json file that is not a journal: its first line must be a record, or (no LF yet)
 * the start of one. Only then may recovery quarantine a torn last record.
 */
async function assertJournal(fh: FileHandle, file: string, size: number): Promise<void> {
  if (size === 0) return;
  const head = await readRange(fh, 0, Math.min(size, FIRST_LINE_PEEK));
  const lf = head.indexOf(0x0a);
  if (lf === -1) {
    if (!couldStartRecord(head)) throw new NotAJournalError(file, 'it does not start with a record');
    return;
  }
  const first = head.subarray(0, lf);
  if (recordSeq(first) === null && !first.every((b) => b === 0)) throw new NotAJournalError(file, 'its first line is not a record');
}

/**
 * Repairs the current journal file in place and reads its last sequence number. A last record without
 * its LF, or (json) a last line that is not a valid record, is appended to FILE.torn (fsynced) and cut
 * from the journal. Anything worse than a torn last record throws JournalCorruptError; a json file that is no
 * journal at all (a typo for `app.log`) throws NotAJournalError and is left as it was.
 */
export async function recoverJournal(file: string, format: JournalFormatValue, log: LogFn): Promise<RecoveryResult> {
  const fh = await open(file, 'r+');
  try {
    const { size } = await fh.stat();
    if (format === JournalFormat.JSON) await assertJournal(fh, file, size);
    let cut = size;
    let lastLine: Buffer | null = null;
    const lf = await nthLfBefore(fh, size, 1);
    cut = lf + 1;
    if (format === JournalFormat.JSON && lf >= 0) {
      const line = await lineBefore(fh, lf);
      if (recordSeq(line.bytes) === null) {
        cut = line.start;
        if (line.start > 0) {
          const before = await lineBefore(fh, line.start - 1);
          if (recordSeq(before.bytes) === null) {
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
      lastSeq = recordSeq(lastLine) ?? 0;
    } else {
      // An empty current file (just rotated): numbering goes on from the newest rotated file.
      lastSeq = await peekLastSeq(rotatedName(file, 1));
    }
    return { lastSeq, size: cut, tornBytes };
  } finally {
    await fh.close().catch(() => {});
  }
}
