// Names and ordering of a journal's files (FILE.N … FILE.1, FILE, and FILE.N.gz once compressed) and the directory fsync that makes renames durable.
import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

/** `FILE.n`: the n-th most recent rotated file. */
export function rotatedName(file: string, n: number): string {
  return `${file}.${n}`;
}

/** `FILE.n.gz`: the n-th most recent rotated file, compressed. */
export function compressedName(file: string, n: number): string {
  return `${file}.${n}.gz`;
}

/**
 * `FILE.gz.tmp`: where a rotated file is compressed before its rename to `FILE.n.gz`. One at a time, so one name;
 * a leftover (a compression killed midway) is never read and is removed at the next start.
 */
export function compressTmpName(file: string): string {
  return `${file}.gz.tmp`;
}

/** `FILE.torn`: where crash recovery moves a torn last record. */
export function tornName(file: string): string {
  return `${file}.torn`;
}

/** `FILE.seq`: raw format only, the last sequence number before the current file began. */
export function seqBaseName(file: string): string {
  return `${file}.seq`;
}

/** One rotated file of a journal: its position (1 is the newest) and whether it is the gzip form. */
export interface RotatedName {
  name: string;
  n: number;
  compressed: boolean;
}

/**
 * The one rule for rotated names: the rotated siblings of `base` among `names`, plain (`base.N`) and compressed
 * (`base.N.gz`), oldest first (`base.3`, `base.2.gz`, `base.1`). N is a whole number from 1, without leading zeros, of
 * at most 9 digits; other names (`base.torn`, `base.seq`, `base.01`, `base.gz.tmp`) are not journal files. Where both forms of one N exist (a compression finished its rename but
 * not yet the removal of the plain file), both are listed, the plain one first; {@link journalFiles} keeps one.
 */
export function rotatedEntries(base: string, names: readonly string[], keep = Number.MAX_SAFE_INTEGER): RotatedName[] {
  const found: RotatedName[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.`)) continue;
    const m = /^([1-9]\d{0,8})(\.gz)?$/.exec(name.slice(base.length + 1));
    if (m !== null && Number(m[1]) <= keep) found.push({ name, n: Number(m[1]), compressed: m[2] !== undefined });
  }
  return found.sort((a, b) => b.n - a.n || Number(a.compressed) - Number(b.compressed));
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
 * The journal's files that exist, in rotation order, oldest first: `FILE.N … FILE.1` (each plain or `.gz`; the
 * plain one where both exist), then `FILE`. `keep` limits the rotated files considered (default: every rotated
 * name present). Readers use this to read across rotation; a name ending in `.gz` is gzip.
 */
export async function journalFiles(file: string, keep = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  const names = await siblingNames(file);
  const files = oneFormEach(rotatedEntries(base, names, keep)).map((r) => path.join(dir, r.name));
  if (names.includes(base)) files.push(path.join(dir, base));
  return files;
}

/** Keeps one entry per N from {@link rotatedEntries}' order: the plain file where both forms exist. */
export function oneFormEach(entries: readonly RotatedName[]): RotatedName[] {
  return entries.filter((r, i) => entries[i - 1]?.n !== r.n);
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
