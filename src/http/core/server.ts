// HTTP server factory: the request prelude (absolute-form, access log, Host check) in front of the HTTP/1 or HTTP/2 builder.
import { ServerResponse } from 'node:http';
import type http from 'node:http';
import type http2 from 'node:http2';
import { once } from 'node:events';
import { HostNotAllowedError, IoError } from '../../errors.js';
import type { Closable } from '../../lifecycle.js';
import { createAccessLog } from './access-log.js';
import type { AccessLog, LogFormatValue } from './access-log.js';
import { DrainTracker } from './drain.js';
import { buildHttp1Server } from './http1-server.js';
import { buildHttp2Server } from './http2-server.js';
import { endBody, writeHead } from './respond.js';
import type { StaticHandler } from '../static/static-handler.js';
import type { Handler, Req, Res } from './types.js';
import { hostGuard } from './host-check.js';
import type { HostAllowList } from './host-check.js';
import { toOriginForm } from '../static/resolve-path.js';

/** Listener, limits and logging of one HTTP server. */
export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM contents (not paths). When set: HTTPS with HTTP/2 and HTTP/1.1. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Connections beyond this are dropped on accept. */
  maxConns: number;
  /** Time allowed for the request headers (slow clients get 408 or are closed). */
  headersTimeoutMs: number;
  /** Time allowed for the whole request. */
  requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: number;
  /** Largest request header block, in bytes (431 beyond). */
  maxHeaderSize: number;
  /** Access log format, written to `logStream` (default stdout). */
  log: LogFormatValue;
  logStream?: NodeJS.WritableStream;
  /** DNS-rebinding guard: requests whose Host is not on the list get 403; null or absent: no check. */
  allowedHosts?: HostAllowList | null;
}

/** The request handler the server is built with: see {@link Handler}. */
export type RequestHandler = Handler;

/** A created (not yet listening) server with its shutdown component. */
export interface HttpServerHandle {
  /** Starts listening; resolves with the URL to print (`http://127.0.0.1:PORT`). */
  listen(): Promise<{ url: string; port: number }>;
  server: http.Server | http2.Http2SecureServer;
  /** Stop accepting, close idle keep-alive connections, let transfers finish, then cut the rest and flush the log. */
  closable: Closable;
  accessLog: AccessLog | null;
}

/** Answers 403 ERR_HOST_NOT_ALLOWED as JSON, whatever the route, and drains nothing: the request never reaches a handler. */
function refuseHost(req: Req, res: Res): void {
  const err = new HostNotAllowedError();
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  if (req.httpVersionMajor === 1) headers.Connection = 'close';
  // Set one by one (not as writeHead's object), so the access log can read the Content-Length it logs.
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  writeHead(res, 403, {});
  endBody(res, req.method === 'HEAD' ? undefined : body);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Creates the server; call `listen()` and register `closable` with the process lifecycle. */
export function createHttpServer(opts: HttpServerOptions, handler: Handler): HttpServerHandle {
  const accessLog = createAccessLog(opts.log, opts.logStream);
  const tls = opts.tls !== undefined;
  const hostAllowed = opts.allowedHosts ? hostGuard(opts.allowedHosts) : null;
  const drain = new DrainTracker();

  const wrapped = (req: Req, res: Res): void => {
    // Absolute-form (`GET http://host/x HTTP/1.1`) is normalised once here, so every handler routes origin-form only.
    const url = req.url;
    // The authority of an absolute-form target overrides Host (RFC 9112 §3.2.2), so the rebinding guard checks it too.
    let targetAuthority: string | undefined;
    if (url !== undefined && url.charCodeAt(0) !== 47 /* / */) {
      targetAuthority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(url)?.[1];
      const origin = toOriginForm(url);
      if (origin !== null) req.url = origin;
    }
    if (accessLog !== null) accessLog.track(req, res);
    // Host, HTTP/2's :authority and an absolute-form target's authority must all name this machine or an allowed host.
    const authority = req.headers[':authority'];
    if (hostAllowed && !(hostAllowed(req.headers.host) && hostAllowed(typeof authority === 'string' ? authority : undefined) && hostAllowed(targetAuthority))) {
      return refuseHost(req, res);
    }
    if (res instanceof ServerResponse) {
      if (drain.closing) res.shouldKeepAlive = false;
      if (tls) drain.trackTlsRequest(req, res);
    }
    handler(req, res);
  };

  // The HTTP/2 fast path serves the bare static handler only (a layered handler has no `fastPath`), and only with the
  // access log off: the log records from the compatibility objects the fast path exists to skip.
  const lookup = (handler as Partial<StaticHandler>).fastPath;
  const fast = lookup !== undefined && accessLog === null ? { lookup, hostAllowed } : null;
  const server = opts.tls ? buildHttp2Server({ ...opts, tls: opts.tls }, wrapped, drain, fast) : buildHttp1Server(opts, wrapped);
  server.maxConnections = opts.maxConns;
  server.on('error', () => {});

  return {
    server,
    accessLog,
    closable: drain.closable(tls ? 'https' : 'http', server, accessLog),
    async listen() {
      const onError = once(server, 'error').then(([err]) => {
        throw new IoError(`cannot listen on ${urlHost(opts.host)}:${opts.port}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
      });
      server.listen(opts.port, opts.host);
      await Promise.race([once(server, 'listening'), onError]);
      onError.catch(() => {});
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      return { url: `${tls ? 'https' : 'http'}://${urlHost(opts.host)}:${port}`, port };
    },
  };
}
