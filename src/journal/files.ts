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
 * The journal's files that exist, oldest first: `FILE.N … FILE.1`, then `FILE`. `keep` limits the
 * rotated files considered (default: every `FILE.<number>` present). Readers use this to read across rotation.
 */
export async function journalFiles(file: string, keep = Number.MAX_SAFE_INTEGER): Promise<string[]> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const rotated: Array<[number, string]> = [];
  let current = false;
  for (const name of names) {
    if (name === base) current = true;
    else if (name.startsWith(`${base}.`)) {
      const rest = name.slice(base.length + 1);
      if (/^[1-9]\d*$/.test(rest) && Number(rest) <= keep) rotated.push([Number(rest), path.join(dir, name)]);
    }
  }
  rotated.sort((a, b) => b[0] - a[0]);
  const files = rotated.map(([, p]) => p);
  if (current) files.push(path.join(dir, base));
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
