// Where the package's browser files live (src/web/assets: the journal page and the live reload script), from src/, dist/ or .test-build/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Finds `src/web/assets` from this module, whether it runs from `src/`, `dist/` or `.test-build/`: walks up
 * to the package root (the folder holding package.json and src/web/assets). package.json "files" ships the folder.
 */
export function assetsDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'src', 'web', 'assets');
    if (existsSync(join(dir, 'package.json')) && existsSync(join(candidate, 'index.html'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('muxd page assets not found (src/web/assets)');
    dir = parent;
  }
}
