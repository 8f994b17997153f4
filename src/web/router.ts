// The /_muxd/ prefix in front of the static handler: the page, events, history, ingest, metrics, health; files never shadow it.
import { posix } from 'node:path';
import type { Handler, Req, Res } from '../http/core/types.js';
import { composeLayers } from '../http/core/layers.js';
import type { Layer } from '../http/core/layers.js';
import { endBody, writeHead } from '../http/core/respond.js';
import { MethodNotAllowedError, NotFoundError } from '../errors.js';
import { sendAsset } from './assets.js';
import { healthHttpStatus } from './health.js';
import type { HealthReport } from './health.js';
import type { AssetMap } from './assets.js';
import type { JournalHistory } from './history.js';
import { parseStatsSince } from './rate.js';
import type { RateRing } from './rate.js';
import { handleDownload, handleSearch } from './search.js';
import type { SearchGate, Searcher } from './search.js';
import type { Metrics } from './metrics.js';
import { sendError, sendJson } from './reply.js';
import type { AccessPolicy } from './security.js';
import { parseLastEventId } from '../http/core/sse.js';
import type { SseHub } from '../http/core/sse.js';

/** A request handler that never throws, on HTTP/1.1 or HTTP/2 (the HTTP layer's one handler type). */
export type { Handler } from '../http/core/types.js';

/** Everything the router dispatches to. */
export interface WebRouterOptions {
  /** Answer the page at `/` too (`up` without DIR). */
  pageAtRoot?: boolean;
  assets: AssetMap;
  hub: SseHub;
  /** Null when the journal format has no records to page through (`--format raw`); a NATS stream's pages with `--sink nats://…`. */
  history: Pick<JournalHistory, 'page'> | null;
  /** Filtered searches (null with `--format raw`), and the gate that caps how many run at once. */
  search: { searcher: Searcher | null; gate: SearchGate; budgetMs?: number; budgetBytes?: number };
  /** Records made durable per second, for `/_muxd/stats`. */
  rate: RateRing;
  ingest: Handler;
  metrics: Metrics;
  health: () => HealthReport;
  access: AccessPolicy;
}

/** The reserved prefix. */
export const PREFIX = '/_muxd';

/**
 * True when a request path names the reserved prefix in any spelling a file server would accept
 * (`/%5Fmuxd/`, `//_muxd`, `/./_muxd`), so no file under DIR/_muxd can ever be served.
 */
export function isReservedPath(pathname: string): boolean {
  if (pathname.startsWith(PREFIX) && (pathname.length === PREFIX.length || pathname[PREFIX.length] === '/')) return true;
  if (!/%|\/\/|\/\.|\\/.test(pathname)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return false;
  }
  const first = posix.normalize(`/${decoded.replaceAll('\\', '/')}`).split('/')[1] ?? '';
  return first === '_muxd';
}

function pathOf(url: string): { pathname: string; query: string } {
  const q = url.indexOf('?');
  return q === -1 ? { pathname: url, query: '' } : { pathname: url.slice(0, q), query: url.slice(q + 1) };
}

/** The `/_muxd/*` routes as a layer (plus the page at `/` with `pageAtRoot`); every other request goes on to `next`. */
export function createWebRoutes(opts: WebRouterOptions): Layer {
  const { assets, hub, history, access } = opts;

  function page(req: Req, res: Res, name: string, params: URLSearchParams): void {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, new MethodNotAllowedError('GET, HEAD'), { Allow: 'GET, HEAD' });
    const asset = assets.get(name);
    if (!asset) return sendError(res, new NotFoundError());
    sendAsset(req, res, asset, params.get('v'));
  }

  function api(req: Req, res: Res, pathname: string, query: string): void {
    const rest = pathname.slice(PREFIX.length);
    const params = new URLSearchParams(query);
    if (rest === '') {
      writeHead(res, 308, { Location: `${PREFIX}/${query ? `?${query}` : ''}`, 'Content-Length': 0 });
      endBody(res);
      return;
    }
    if (rest === '/' || rest === '/index.html') return page(req, res, 'index.html', params);
    // The page's other files (app.css, the ES modules): names without a slash, so the map lookup is the whole check.
    if (assets.has(rest.slice(1))) return page(req, res, rest.slice(1), params);
    const url = new URL(`http://x/?${query}`);
    const getOnly = (): boolean => {
      if (req.method === 'GET' || req.method === 'HEAD') return true;
      sendError(res, new MethodNotAllowedError('GET, HEAD'), { Allow: 'GET, HEAD' });
      return false;
    };
    switch (rest) {
      case '/events': {
        if (!getOnly()) return;
        const denied = access.checkToken(req, url, true);
        if (denied) return sendError(res, denied);
        if (req.method === 'HEAD') {
          writeHead(res, 200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' });
          endBody(res);
          return;
        }
        hub.handle(req, res, parseLastEventId(req.headers['last-event-id']) ?? parseLastEventId(params.get('lastEventId')));
        return;
      }
      case '/journal':
      case '/journal.jsonl': {
        if (!getOnly()) return;
        const denied = access.checkToken(req, url);
        if (denied) return sendError(res, denied);
        const deps = { ...opts.search, history };
        if (rest === '/journal') handleSearch(res, params, deps);
        else handleDownload(req, res, params, deps);
        return;
      }
      case '/stats': {
        if (!getOnly()) return;
        const denied = access.checkToken(req, url);
        if (denied) return sendError(res, denied);
        const now = Date.now();
        let since: number;
        try {
          since = parseStatsSince(params, now);
        } catch (err) {
          return sendError(res, err);
        }
        return sendJson(res, 200, opts.rate.series(since, now));
      }
      case '/messages': {
        if (req.method !== 'POST') return sendError(res, new MethodNotAllowedError('POST'), { Allow: 'POST' });
        const denied = access.checkOrigin(req) ?? access.checkToken(req, url);
        if (denied) {
          req.resume();
          return sendError(res, denied);
        }
        opts.ingest(req, res);
        return;
      }
      case '/session': {
        // The page trades its token (sent as a header) for an HttpOnly cookie, so EventSource needs no ?token= URL.
        if (req.method !== 'POST') return sendError(res, new MethodNotAllowedError('POST'), { Allow: 'POST' });
        req.resume();
        const denied = access.checkOrigin(req) ?? access.checkToken(req, url);
        if (denied) return sendError(res, denied);
        const cookie = access.sessionCookie(req);
        writeHead(res, 204, { 'Cache-Control': 'no-store', ...(cookie === null ? {} : { 'Set-Cookie': cookie }) });
        endBody(res);
        return;
      }
      case '/metrics':
        if (!getOnly()) return;
        opts.metrics.render().then(
          ({ contentType, body }) => {
            writeHead(res, 200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
            endBody(res, req.method === 'HEAD' ? undefined : body);
          },
          (err: unknown) => sendError(res, err),
        );
        return;
      case '/health': {
        if (!getOnly()) return;
        const report = opts.health();
        return sendJson(res, healthHttpStatus(report), report);
      }
      default:
        return sendError(res, new NotFoundError());
    }
  }

  return function webRoutes(req, res, next) {
    try {
      const { pathname, query } = pathOf(req.url ?? '/');
      if (isReservedPath(pathname)) {
        if (pathname.startsWith(PREFIX)) api(req, res, pathname, query);
        else sendError(res, new NotFoundError());
        return;
      }
      if (opts.pageAtRoot === true && (pathname === '/' || pathname === '/index.html')) return page(req, res, 'index.html', new URLSearchParams(query));
      next();
    } catch (err) {
      // Handlers never throw into the loop: answer 500 if we still can.
      sendError(res, err);
    }
  };
}

/** {@link createWebRoutes} in front of the static handler (or, without one, the page at `/` and 404 elsewhere). */
export function createWebRouter(opts: WebRouterOptions & { staticHandler: Handler | null }): Handler {
  const routes = createWebRoutes({ ...opts, pageAtRoot: opts.staticHandler === null });
  const final: Handler = opts.staticHandler ?? ((_req, res) => sendError(res, new NotFoundError()));
  return composeLayers([routes], final);
}
