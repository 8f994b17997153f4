// Directory listings as HTML (escaped names, sizes, dates) or JSON; hidden files left out unless allowed.
import { createHash } from 'node:crypto';
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

/**
 * The drop zone's script: progressive enhancement over the plain form (which works without it), no inline event
 * handlers, so a Content-Security-Policy set with --header only needs {@link LISTING_SCRIPT_HASH} in script-src.
 */
const UPLOAD_SCRIPT = `(() => {
  const form = document.getElementById('upload');
  const status = document.getElementById('upload-status');
  const send = async (files) => {
    if (!files || files.length === 0) return;
    const data = new FormData();
    for (const f of files) data.append('file', f, f.name);
    status.textContent = 'Uploading ' + files.length + (files.length === 1 ? ' file…' : ' files…');
    try {
      const res = await fetch(location.pathname, { method: 'POST', body: data, headers: { Accept: 'application/json' } });
      const body = await res.json().catch(() => null);
      if (res.ok) return location.reload();
      status.textContent = 'Upload failed: ' + (body && body.error ? body.error.code + ' ' + body.error.message : String(res.status));
    } catch (err) {
      status.textContent = 'Upload failed: ' + err.message;
    }
  };
  form.addEventListener('submit', (e) => { e.preventDefault(); send(form.elements.file.files); });
  document.addEventListener('dragover', (e) => { e.preventDefault(); document.body.classList.add('dragging'); });
  document.addEventListener('dragleave', (e) => { if (e.relatedTarget === null) document.body.classList.remove('dragging'); });
  document.addEventListener('drop', (e) => { e.preventDefault(); document.body.classList.remove('dragging'); send(e.dataTransfer.files); });
})();`;

/** The CSP source (`'sha256-…'`) that allows the drop zone's inline script. */
export const LISTING_SCRIPT_HASH = `'sha256-${createHash('sha256').update(UPLOAD_SCRIPT).digest('base64')}'`;

const UPLOAD_FORM =
  '<form id="upload" method="post" enctype="multipart/form-data" action="">' +
  '<label>Upload: <input type="file" name="file" multiple required></label> <button>Send</button> ' +
  '<span>or drop files anywhere on this page.</span> <output id="upload-status"></output></form>\n' +
  `<script>${UPLOAD_SCRIPT}</script>\n`;

/** Renders a listing page for the decoded URL path `urlPath` (ending in `/`); with `upload`, the upload form and drop zone. */
export function renderListingHtml(urlPath: string, rows: readonly ListingEntry[], o: { upload?: boolean } = {}): string {
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
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td{padding:.2rem .8rem .2rem 0}td:nth-child(2){text-align:right;white-space:nowrap}a{text-decoration:none}#upload{margin:1rem 0;padding:1rem;border:2px dashed #999}body.dragging #upload{border-color:#06c;background:#eef5ff}</style>
</head><body><h1>${title}</h1>${o.upload ? UPLOAD_FORM : ''}<table>
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
