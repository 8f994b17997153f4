// Directory listings as HTML (escaped names, sizes, dates) or JSON; hidden files left out unless allowed.
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/** One row of a listing. */
export interface ListingEntry {
  name: string;
  type: 'file' | 'directory';
  size: number;
  mtime: string;
}

/** Most entries shown in one listing. */
export const MAX_LISTING_ENTRIES = 10_000;

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Reads a directory (`dirAbs`, a real path): directories first, then files, each sorted by name. Entries are
 * `lstat`ed; a symlink is shown (as what it points to) only when its real path passes `servable` (inside the root,
 * not hidden, not denied), and a plain entry only when its own path does. Unreadable entries are skipped.
 */
export async function readListing(dirAbs: string, showHidden: boolean, servable: (realPath: string) => boolean = () => true): Promise<ListingEntry[]> {
  const names = (await readdir(dirAbs)).filter((n) => showHidden || !n.startsWith('.')).slice(0, MAX_LISTING_ENTRIES);
  const rows = await Promise.all(
    names.map(async (name): Promise<ListingEntry | null> => {
      try {
        const abs = path.join(dirAbs, name);
        let st = await lstat(abs);
        if (st.isSymbolicLink()) {
          const real = await realpath(abs);
          if (!servable(real)) return null;
          st = await stat(real);
        } else if (!servable(abs)) return null;
        if (!st.isFile() && !st.isDirectory()) return null;
        return { name, type: st.isDirectory() ? 'directory' : 'file', size: st.isFile() ? st.size : 0, mtime: st.mtime.toISOString() };
      } catch {
        return null;
      }
    }),
  );
  return rows
    .filter((r): r is ListingEntry => r !== null)
    .sort((a, b) => (a.type === b.type ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.type === 'directory' ? -1 : 1));
}

function humanSize(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** Renders a listing page for the decoded URL path `urlPath` (ending in `/`). */
export function renderListingHtml(urlPath: string, rows: readonly ListingEntry[]): string {
  const title = `Index of ${escapeHtml(urlPath)}`;
  const parent = urlPath === '/' ? '' : '<tr><td><a href="../">../</a></td><td></td><td></td></tr>\n';
  const body = rows
    .map((r) => {
      const slash = r.type === 'directory' ? '/' : '';
      const href = encodeURIComponent(r.name) + slash;
      return `<tr><td><a href="${escapeHtml(href)}">${escapeHtml(r.name)}${slash}</a></td><td>${r.type === 'file' ? humanSize(r.size) : '-'}</td><td><time datetime="${r.mtime}">${r.mtime.slice(0, 16).replace('T', ' ')}</time></td></tr>\n`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td{padding:.2rem .8rem .2rem 0}td:nth-child(2){text-align:right;white-space:nowrap}a{text-decoration:none}</style>
</head><body><h1>${title}</h1><table>
${parent}${body}</table></body></html>
`;
}

/** True when the Accept header prefers JSON over HTML. */
export function wantsJson(accept: string | undefined): boolean {
  if (accept === undefined) return false;
  const json = accept.indexOf('application/json');
  if (json === -1) return false;
  const html = accept.indexOf('text/html');
  return html === -1 || json < html;
}
