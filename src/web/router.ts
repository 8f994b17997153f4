// The /_muxd/ prefix in front of the static handler: the page, events, history, ingest, metrics, health; files never shadow it.
import { posix } from 'node:path';
import type { Handler, Req, Res } from '../http/core/types.js';
import { endBody, writeHead } from '../http/core/respond.js';
import { BadRequestError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import { sendAsset } from './assets.js';
import { healthHttpStatus } from './health.js';
import type { HealthReport } from './health.js';
import type { AssetMap } from './assets.js';
import { parsePageQuery, renderPage } from './history.js';
import type { JournalHistory } from './history.js';
import type { HttpStatusCounter, Metrics } from './metrics.js';
import { sendError, sendJson } from './reply.js';
import type { AccessPolicy } from './security.js';
import { parseLastEventId } from './sse.js';
import type { SseHub } from './sse.js';

/** A request handler that never throws, on HTTP/1.1 or HTTP/2 (the HTTP layer's one handler type). */
export type { Handler } from '../http/core/types.js';

/** Everything the router dispatches to. */
export interface WebRouterOptions {
  /** The static file handler for DIR, or null when `up` runs without DIR (the page then answers at `/`). */
  staticHandler: Handler | null;
  assets: AssetMap;
  hub: SseHub;
  /** Null when the journal format has no records to page through (`--format raw`); a NATS stream's pages with `--sink nats://…`. */
  history: Pick<JournalHistory, 'page'> | null;
  ingest: Handler;
  metrics: Metrics;
  health: () => HealthReport;
  access: AccessPolicy;
  httpCounter?: HttpStatusCounter;
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

/** Builds the composed handler: `/_muxd/*` here, everything else to the static handler (or the page at `/`). */
export function createWebRouter(opts: WebRouterOptions): Handler {
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
      writeHead(res, 308, { Location: `${PREFIX}/${query ? `?${query}` : ''}`, 'Content-Length': 0 }).end();
      return;
    }
    if (rest === '/' || rest === '/index.html') return page(req, res, 'index.html', params);
    if (rest === '/app.js' || rest === '/app.css') return page(req, res, rest.slice(1), params);
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
          writeHead(res, 200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store' }).end();
          return;
        }
        hub.handle(req, res, parseLastEventId(req.headers['last-event-id']) ?? parseLastEventId(params.get('lastEventId')));
        return;
      }
      case '/journal': {
        if (!getOnly()) return;
        const denied = access.checkToken(req, url);
        if (denied) return sendError(res, denied);
        const q = parsePageQuery(params);
        if (q === null) return sendError(res, new BadRequestError('before must be a seq and limit 1 to 1000'));
        if (history === null) return sendJson(res, 200, '{"records":[],"next":null}');
        history.page(q.before, q.limit).then(
          (p) => sendJson(res, 200, renderPage(p)),
          (err: unknown) => sendError(res, err),
        );
        return;
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
        writeHead(res, 204, { 'Cache-Control': 'no-store', ...(cookie === null ? {} : { 'Set-Cookie': cookie }) }).end();
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

  return function webRouter(req, res) {
    opts.httpCounter?.track(res);
    try {
      const { pathname, query } = pathOf(req.url ?? '/');
      if (isReservedPath(pathname)) {
        if (pathname.startsWith(PREFIX)) api(req, res, pathname, query);
        else sendError(res, new NotFoundError());
        return;
      }
      if (opts.staticHandler) return opts.staticHandler(req, res);
      if (pathname === '/' || pathname === '/index.html') return page(req, res, 'index.html', new URLSearchParams(query));
      sendError(res, new NotFoundError());
    } catch (err) {
      // Handlers never throw into the loop: answer 500 if we still can.
      sendError(res, err);
    }
  };
}
