// Journal rotation: FILE → FILE.1 → … → FILE.keep, plain or .gz (the oldest falls off), then a fresh FILE, all made durable.
import fs from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { compressedName, fsyncDir, rotatedName, seqBaseName } from './files.js';
import type { Retention } from './retention.js';
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
  /** The renames run under its lock, so they never cross a compression's final rename. */
  retention: Retention;
}

/**
 * fdatasyncs and closes `fd` (the current file), shifts the rotated files (both forms of each position; the
 * oldest, `FILE.keep` or `FILE.keep.gz`, is removed first), and opens a new empty current file. For the raw format,
 * `FILE.seq` records `lastSeq` so that numbering continues. Returns the new fd.
 */
export async function rotateFiles(file: string, fd: number, o: RotateOptions): Promise<number> {
  await syncAndClose(o.ops, fd);
  await o.retention.exclusive(() => shift(file, o));
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

async function shift(file: string, o: RotateOptions): Promise<void> {
  await rm(rotatedName(file, o.keep), { force: true });
  await rm(compressedName(file, o.keep), { force: true });
  for (let n = o.keep - 1; n >= 1; n--) {
    await renameWith(o.ops, rotatedName(file, n), rotatedName(file, n + 1), true);
    await renameWith(o.ops, compressedName(file, n), compressedName(file, n + 1), true);
  }
  await renameWith(o.ops, file, rotatedName(file, 1));
}
