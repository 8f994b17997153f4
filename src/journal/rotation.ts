// Journal rotation: FILE → FILE.1 → … → FILE.keep (the oldest falls off), then a fresh FILE, all made durable.
import fs from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fsyncDir, rotatedName, seqBaseName } from './files.js';
import { openWith, renameWith, syncAndClose } from './file-ops.js';
import type { FileOps } from './file-ops.js';
import { JournalFormat } from './record.js';
import type { JournalFormatValue } from './record.js';

async function syncFile(file: string): Promise<void> {
  const fd = await new Promise<number>((resolve, reject) => fs.open(file, 'r', (err, f) => (err ? reject(err) : resolve(f))));
  await new Promise<void>((resolve, reject) => fs.fsync(fd, (err) => fs.close(fd, () => (err ? reject(err) : resolve()))));
}

/** What {@link rotateFiles} needs besides the file: how to reach the disk and how to open the new file. */
export interface RotateOptions {
  ops: FileOps;
  /** open(2) flags of the new current file (see appendFlags). */
  flags: number;
  keep: number;
  format: JournalFormatValue;
  lastSeq: number;
}

/**
 * fdatasyncs and closes `fd` (the current file), shifts the rotated files, and opens a new empty current
 * file. For the raw format, `FILE.seq` records `lastSeq` so that numbering continues. Returns the new fd.
 */
export async function rotateFiles(file: string, fd: number, o: RotateOptions): Promise<number> {
  await syncAndClose(o.ops, fd);
  for (let n = o.keep - 1; n >= 1; n--) await renameWith(o.ops, rotatedName(file, n), rotatedName(file, n + 1), true);
  await renameWith(o.ops, file, rotatedName(file, 1));
  if (o.format === JournalFormat.RAW) {
    const tmp = `${seqBaseName(file)}.tmp`;
    await writeFile(tmp, `${o.lastSeq}\n`);
    await syncFile(tmp);
    await renameWith(o.ops, tmp, seqBaseName(file));
  }
  const next = await openWith(o.ops, file, o.flags);
  await fsyncDir(path.dirname(file));
  return next;
}
