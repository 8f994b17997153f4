// Names and ordering of a journal's files (FILE.N … FILE.1, FILE) and the directory fsync that makes renames durable.
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

/** `FILE.n`: the n-th most recent rotated file. */
export function rotatedName(file: string, n: number): string {
  return `${file}.${n}`;
}

/** `FILE.torn`: where crash recovery moves a torn last record. */
export function tornName(file: string): string {
  return `${file}.torn`;
}

/** `FILE.seq`: raw format only, the last sequence number before the current file began. */
export function seqBaseName(file: string): string {
  return `${file}.seq`;
}

/**
 * The one rule for rotated names: orders the rotated siblings of `base` among `names` oldest first
 * (`base.3`, `base.2`, `base.1`). A rotated name is `base.N` with N a whole number from 1, without leading
 * zeros, of at most 9 digits; other names (`base.torn`, `base.tmp`, `base.01`, `base.3.gz`) are not journal files.
 */
export function rotatedNames(base: string, names: readonly string[], keep = Number.MAX_SAFE_INTEGER): string[] {
  const found: Array<[number, string]> = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const suffix = name.slice(base.length + 1);
    if (/^[1-9]\d{0,8}$/.test(suffix) && Number(suffix) <= keep) found.push([Number(suffix), name]);
  }
  return found.sort((a, b) => b[0] - a[0]).map(([, name]) => name);
}

/** The names in `file`'s folder (empty when the folder is missing). */
export async function siblingNames(file: string): Promise<string[]> {
  try {
    return await readdir(path.dirname(file));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/**
 * The journal's files that exist, in rotation order, oldest first: `FILE.N … FILE.1`, then `FILE`. `keep`
 * limits the rotated files considered (default: every rotated name present). Readers use this to read across rotation.
 */
export async function journalFiles(file: string, keep = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const names = await siblingNames(file);
  const files = rotatedNames(base, names, keep).map((name) => path.join(dir, name));
  if (names.includes(base)) files.push(path.join(dir, base));
  return files;
}

/** fsyncs a directory so that a file created or renamed in it survives a power loss. */
export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
