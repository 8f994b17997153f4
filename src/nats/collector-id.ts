// A collector's stable identity on the stream: `--collector-id`, else a small state file next to the journal, else the hostname.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { natsName } from './url.js';
import { silentLog } from '../logger.js';
import type { LogFn } from '../logger.js';

/** Name of the state file, in the journal's folder. */
export const COLLECTOR_ID_FILE = 'collector-id';

/** The hostname as a subject token: letters, digits, `_` and `-` only, at most 40 characters. */
export function hostnameId(hostname: string = os.hostname()): string {
  const t = hostname.replace(/[^A-Za-z0-9_-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 40);
  return t === '' ? 'muxd' : t;
}

/**
 * Reads the id kept in `<dir>/collector-id`, or creates one (`<hostname>-<8 hex>`, written atomically). When the
 * folder cannot be written, falls back to the hostname alone: stable on this machine, but shared by every
 * collector on it, so give each one `--collector-id` then.
 */
export async function loadCollectorId(dir: string, log: LogFn = silentLog): Promise<string> {
  const file = path.join(dir, COLLECTOR_ID_FILE);
  try {
    const kept = (await readFile(file, 'utf8')).trim();
    return natsName(kept, `the collector id in ${COLLECTOR_ID_FILE}`);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
  }
  const id = `${hostnameId()}-${randomBytes(4).toString('hex')}`;
  try {
    await mkdir(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${id}\n`, { flag: 'wx' });
    await rename(tmp, file);
    return id;
  } catch (err) {
    log(`cannot keep a collector id in ${dir} (${(err as NodeJS.ErrnoException).code ?? 'error'}); using the hostname`, 'warn');
    return hostnameId();
  }
}
