// This package's version, read once from package.json (for /health and --version).
import { readFileSync } from 'node:fs';

let cached: string | null = null;

/** The `version` of muxd's package.json, or `0.0.0` when it cannot be read. */
export function packageVersion(): string {
  if (cached === null) {
    try {
      cached = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
    } catch {
      cached = '0.0.0';
    }
  }
  return cached;
}
