// Journal rotation: FILE → FILE.1 → … → FILE.keep (the oldest falls off), then a fresh FILE, all made durable.
import fs from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, rotatedName, seqBaseName } from './files.js';
import { JournalFormat } from './record.js';
import type { JournalFormatValue } from './record.js';

/** Opens a file for appending (creating it), callback-free. */
export function openAppend(file: string): Promise<number> {
  return new Promise((resolve, reject) => fs.open(file, 'a', (err, fd) => (err ? reject(err) : resolve(fd))));
}

async function syncFile(file: string): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, f) => (err ? reject(err) : resolve(f))));
  await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => fs.close(fd, () => (err ? reject(err) : resolve()))));
}

/**
 * fdatasyncs and closes `fd` (the current file), shifts the rotated files, and opens a new empty current
 * file. For the raw format, `FILE.seq` records `lastSeq` so that numbering continues. Returns the new fd.
 */
export async function rotateFiles(file: string, fd: number, keep: number, format: JournalFormatValue, lastSeq: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    fs.fdatasync(fd, (err) => fs.close(fd, () => (err ? reject(err) : resolve())));
  });
  for (let n = keep - 1; n >= 1; n--) {
    await rename(rotatedName(file, n), rotatedName(file, n + 1)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }
  await rename(file, rotatedName(file, 1));
  if (format === JournalFormat.RAW) {
    const tmp = `${seqBaseName(file)}.tmp`;
    await writeFile(tmp, `${lastSeq}\n`);
    await syncFile(tmp);
    await rename(tmp, seqBaseName(file));
  }
  const next = await openAppend(file);
  await fsyncDir(path.dirname(file));
  return next;
}
