// Keeps the journal out of the static file server: a deny predicate over real paths for `up`, and the "inside DIR" check.
import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** The journal's files as the static handler must see them: real paths, never URL spellings. */
export interface JournalGuard {
  /**
   * True for a real path that belongs to the journal: `FILE` itself and every `FILE.<suffix>` next to it (rotations
   * `FILE.1 … FILE.N`, `FILE.torn`, `FILE.seq`, and any index or temporary file the journal may keep there).
   */
  deny(realPath: string): boolean;
  /** Adds the pattern of the journal file's own real path once it exists (the journal path may be a symlink). */
  refresh(): Promise<void>;
  /** True when the journal's real folder is `root` (a real path) or below it. */
  inside(root: string): boolean;
}

/** realpath of `p`, resolving only the part that exists; the rest (not created yet) is appended as written. */
async function realpathOfExisting(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch {
    const parent = path.dirname(p);
    if (parent === p) return p;
    return path.join(await realpathOfExisting(parent), path.basename(p));
  }
}

/** Builds the guard for a journal path (relative to the working directory, as given to `--journal`). */
export async function createJournalGuard(journalPath: string): Promise<JournalGuard> {
  const abs = path.resolve(journalPath);
  const patterns = new Map<string, Set<string>>();
  const add = (dir: string, base: string): void => {
    let bases = patterns.get(dir);
    if (bases === undefined) patterns.set(dir, (bases = new Set()));
    bases.add(base);
  };
  add(await realpathOfExisting(path.dirname(abs)), path.basename(abs));
  return {
    deny(realPath) {
      const bases = patterns.get(path.dirname(realPath));
      if (bases === undefined) return false;
      const name = path.basename(realPath);
      for (const base of bases) if (name === base || name.startsWith(`${base}.`)) return true;
      return false;
    },
    async refresh() {
      try {
        const real = await realpath(abs);
        add(path.dirname(real), path.basename(real));
      } catch {
        // Not created yet: the folder pattern above already covers it.
      }
    },
    inside(root) {
      const prefix = root.endsWith(path.sep) ? root : root + path.sep;
      for (const dir of patterns.keys()) if (dir === root || dir.startsWith(prefix)) return true;
      return false;
    },
  };
}
