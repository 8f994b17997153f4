// Live reload (`--watch`): a debounced recursive fs.watch, the /_muxd/reload event stream (up's SseHub), HTML script injection.
import { EventEmitter } from 'node:events';
import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { ErrorCode, IoError } from '../../errors.js';
import type { Closable } from '../../lifecycle.js';
import { createLogger } from '../../logger.js';
import type { LogFn } from '../../logger.js';
import { SseHub, parseLastEventId } from '../../web/sse.js';
import { assetsDir } from '../../web/assets.js';
import type { Layer } from '../core/layers.js';
import { endWith, sendErrorPage, writeHead } from '../core/respond.js';

/** The event stream the injected script listens on. */
export const RELOAD_EVENTS_PATH = '/_muxd/reload';
/** The injected script itself (an external script, so a CSP without 'unsafe-inline' still runs it). */
export const RELOAD_SCRIPT_PATH = '/_muxd/reload.js';
/** Changes arriving within this window become one event: an editor's save is several file system events. */
export const DEFAULT_WATCH_DEBOUNCE_MS = 60;

/** What the static handler needs from live reload (StaticOptions.liveReload). */
export interface LiveReloadHook {
  /** Returns an HTML body with the reload script added. */
  inject(html: Buffer): Buffer;
  /** Calls `listener` on every change, before browsers are told, so no cached copy outlives the change. */
  onChange(listener: () => void): void;
}

/** Options for {@link createLiveReload}. */
export interface LiveReloadOptions {
  /** The served folder (watched recursively). */
  root: string;
  debounceMs?: number;
  /** Where watcher failures are reported (default: stderr). */
  log?: LogFn;
}

/** A running live reload: the hook for the static handler, the request layer, and its shutdown component. */
export interface LiveReload {
  readonly hook: LiveReloadHook;
  /** Serves /_muxd/reload and /_muxd/reload.js; hands every other request on. */
  readonly layer: Layer;
  readonly closable: Closable;
}

const NONCE = '([A-Za-z0-9+/_=-]{1,200})';
const META_CSP = new RegExp(`<meta\\b[^>]*http-equiv\\s*=\\s*["']?content-security-policy["']?[^>]*?\\bnonce-${NONCE}'`, 'i');
const META_CSP_REVERSED = new RegExp(`<meta\\b[^>]*\\bnonce-${NONCE}'[^>]*http-equiv\\s*=\\s*["']?content-security-policy`, 'i');
const NONCED_SCRIPT = new RegExp(`<script\\b[^>]*\\snonce\\s*=\\s*["']?${NONCE}`, 'i');

/**
 * The CSP nonce a document uses, if any: from its `<meta http-equiv="Content-Security-Policy">`, or else from its
 * first script with a `nonce` attribute (the page's CSP may come in a header muxd does not see here).
 */
export function documentNonce(html: string): string | undefined {
  return (META_CSP.exec(html) ?? META_CSP_REVERSED.exec(html) ?? NONCED_SCRIPT.exec(html))?.[1];
}

/** Adds the reload script before the last `</body>` (else before `</html>`, else at the end), carrying the page's nonce. */
export function injectReloadScript(html: Buffer): Buffer {
  // latin1 maps bytes to characters one to one, so indexes found in the text are byte offsets in the buffer.
  const text = html.toString('latin1');
  const nonce = documentNonce(text);
  const tag = Buffer.from(`<script src="${RELOAD_SCRIPT_PATH}"${nonce !== undefined ? ` nonce="${nonce}"` : ''}></script>`);
  const lower = text.toLowerCase();
  let at = lower.lastIndexOf('</body');
  if (at === -1) at = lower.lastIndexOf('</html');
  if (at === -1) at = html.length;
  return Buffer.concat([html.subarray(0, at), tag, html.subarray(at)]);
}

/** True for changes nobody reloads for: hidden files and folders (.git, editor swap files) and `name~` backups. */
export function ignoredChange(rel: string): boolean {
  return rel.split(/[\\/]/).some((seg) => seg.startsWith('.')) || rel.endsWith('~');
}

/** The event for a batch of changed paths: `css` when every one is a stylesheet (swapped in place), else `reload`. */
export function changeKind(paths: Iterable<string>): 'css' | 'reload' {
  let any = false;
  for (const p of paths) {
    any = true;
    if (!p.toLowerCase().endsWith('.css')) return 'reload';
  }
  return any ? 'css' : 'reload';
}

/** Starts watching `root`; rejects with IoError when the folder cannot be watched (e.g. the inotify limit). */
export async function createLiveReload(opts: LiveReloadOptions): Promise<LiveReload> {
  const root = await realpath(path.resolve(opts.root));
  const log = opts.log ?? createLogger('watch');
  const script = await readFile(path.join(assetsDir(), 'live-reload.js'));
  const scriptEtag = `"${createHash('sha256').update(script).digest('base64url').slice(0, 16)}"`;
  const source = new EventEmitter();
  // up's event hub: heartbeats, a cap on unsent bytes, Last-Event-ID resume, and streams ended at shutdown.
  const hub = new SseHub({ source, flushIntervalMs: 0, ringRecords: 64 });
  const listeners: Array<() => void> = [];
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | null = null;
  let seq = 0;
  const debounceMs = opts.debounceMs ?? DEFAULT_WATCH_DEBOUNCE_MS;

  const flush = (): void => {
    timer = null;
    const msg = changeKind(pending);
    pending.clear();
    for (const fn of listeners) fn();
    seq++;
    source.emit('durable', [{ seq, ts: new Date().toISOString(), src: 'watch', msg }]);
  };

  let watcher: FSWatcher;
  try {
    watcher = watch(root, { recursive: true, persistent: false }, (_event, filename) => {
      const rel = filename === null ? '' : String(filename);
      if (rel !== '' && ignoredChange(rel)) return;
      pending.add(rel);
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(flush, debounceMs);
    });
  } catch (err) {
    throw new IoError(`--watch: cannot watch ${JSON.stringify(opts.root)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
  let reported = false;
  watcher.on('error', (err: NodeJS.ErrnoException) => {
    if (!reported) log(`live reload stopped watching: ${err.code ?? err.message}`);
    reported = true;
  });

  const layer: Layer = (req, res, next) => {
    const url = req.url ?? '';
    // One character test keeps the cost off every other request.
    if (url.charCodeAt(1) !== 95 /* _ */ || !url.startsWith('/_muxd/reload')) return next();
    const q = url.indexOf('?');
    const p = q === -1 ? url : url.slice(0, q);
    if (p !== RELOAD_EVENTS_PATH && p !== RELOAD_SCRIPT_PATH) return next();
    if (req.method !== 'GET' && (req.method !== 'HEAD' || p === RELOAD_EVENTS_PATH)) {
      return sendErrorPage(req, res, ErrorCode.METHOD_NOT_ALLOWED, ['Allow', p === RELOAD_EVENTS_PATH ? 'GET' : 'GET, HEAD']);
    }
    if (p === RELOAD_EVENTS_PATH) {
      return hub.handle(req as IncomingMessage, res as ServerResponse, parseLastEventId(req.headers['last-event-id']));
    }
    const fresh = req.headers['if-none-match'] === scriptEtag;
    writeHead(res, fresh ? 304 : 200, [
      'Content-Type', 'text/javascript; charset=utf-8',
      ...(fresh ? [] : ['Content-Length', String(script.length)]),
      'ETag', scriptEtag,
      'Cache-Control', 'no-cache',
      'X-Content-Type-Options', 'nosniff',
    ]);
    endWith(req, res, fresh ? undefined : script);
  };

  const closable: Closable = {
    name: 'watch',
    stopAccepting() {
      watcher.close();
      if (timer !== null) clearTimeout(timer);
      hub.closable.stopAccepting?.();
    },
    close: () => hub.closable.close?.() ?? Promise.resolve(),
  };

  return {
    hook: { inject: injectReloadScript, onChange: (fn) => listeners.push(fn) },
    layer,
    closable,
  };
}
