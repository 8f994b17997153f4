// HTTP server factory: node:http for plaintext, node:http2 (allowHTTP1) for TLS; limits, timeouts, access log, graceful drain.
import http from 'node:http';
import http2 from 'node:http2';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse, Http2Session } from 'node:http2';
import { HostNotAllowedError, IoError } from '../errors.js';
import type { Closable } from '../lifecycle.js';
import { createAccessLog } from './access-log.js';
import type { AccessLog, LogFormatValue } from './access-log.js';
import { serverOnClientError } from './client-error.js';
import { hostGuard } from './host-check.js';
import type { HostAllowList } from './host-check.js';
import { toOriginForm } from './resolve-path.js';

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

/** Any request/response pair the server hands to its handler. */
export type AnyRequest = IncomingMessage | Http2ServerRequest;
/** See {@link AnyRequest}. */
export type AnyResponse = ServerResponse | Http2ServerResponse;
/** The request handler: must never throw. */
export type RequestHandler = (req: AnyRequest, res: AnyResponse) => void;

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
function refuseHost(req: AnyRequest, res: AnyResponse): void {
  const err = new HostNotAllowedError();
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  if (req.httpVersionMajor === 1) headers.Connection = 'close';
  (res as ServerResponse).writeHead(403, headers);
  (res as ServerResponse).end(req.method === 'HEAD' ? undefined : body);
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Creates the server; call `listen()` and register `closable` with the process lifecycle. */
export function createHttpServer(opts: HttpServerOptions, handler: RequestHandler): HttpServerHandle {
  const accessLog = createAccessLog(opts.log, opts.logStream);
  const tls = opts.tls !== undefined;
  const hostAllowed = opts.allowedHosts ? hostGuard(opts.allowedHosts) : null;
  let closing = false;
  // TLS only: per-socket in-flight counts, so idle HTTP/1.1 connections can be closed during a drain.
  const inflight = new Map<Socket, number>();
  const sessions = new Set<Http2Session>();

  const wrapped = (req: AnyRequest, res: AnyResponse): void => {
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
    if (closing && req.httpVersionMajor === 1) (res as ServerResponse).shouldKeepAlive = false;
    if (tls && req.httpVersionMajor === 1) {
      const sock = req.socket as Socket;
      inflight.set(sock, (inflight.get(sock) ?? 0) + 1);
      res.once('close', () => {
        const n = (inflight.get(sock) ?? 1) - 1;
        inflight.set(sock, n);
        if (closing && n === 0) sock.end();
      });
    }
    handler(req, res);
  };

  const checkEvery = Math.min(30_000, Math.max(100, Math.floor(opts.headersTimeoutMs / 4)));
  let server: http.Server | http2.Http2SecureServer;
  if (opts.tls) {
    const s = http2.createSecureServer({
      cert: opts.tls.cert,
      key: opts.tls.key,
      allowHTTP1: true,
      // With the TLS socket half-open too, an HTTP/1 client's close_notify + FIN no longer ends our side at once.
      allowHalfOpen: true,
      maxHeaderSize: opts.maxHeaderSize,
      settings: { maxHeaderListSize: opts.maxHeaderSize },
    } as http2.SecureServerOptions);
    const s1 = s as unknown as { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number; maxHeaderSize: number };
    // node:http's parser for HTTP/1.1 connections reads the cap from the server object, not from these options.
    s1.maxHeaderSize = opts.maxHeaderSize;
    s1.headersTimeout = opts.headersTimeoutMs;
    s1.requestTimeout = opts.requestTimeoutMs;
    s1.keepAliveTimeout = opts.keepAliveTimeoutMs;
    s1.connectionsCheckingInterval = checkEvery;
    s.on('request', wrapped);
    s.on('clientError', serverOnClientError);
    s.on('session', (session: Http2Session) => {
      sessions.add(session);
      session.once('close', () => sessions.delete(session));
      if (closing) session.close();
    });
    s.on('secureConnection', (sock: Socket) => {
      // Half-open is for HTTP/1 clients only: an HTTP/2 client's FIN still ends the session at once.
      if ((sock as unknown as { alpnProtocol?: string | false }).alpnProtocol === 'h2') sock.allowHalfOpen = false;
      inflight.set(sock, 0);
      sock.once('close', () => inflight.delete(sock));
    });
    // An idle HTTP/2 session or TLS socket is closed after the keep-alive timeout too. No 'timeout' listener:
    // with one, Node hands the idle session to it instead of destroying it, and idle sessions pile up.
    s.setTimeout(Math.max(opts.keepAliveTimeoutMs, opts.requestTimeoutMs));
    server = s;
  } else {
    const s = http.createServer(
      {
        maxHeaderSize: opts.maxHeaderSize,
        headersTimeout: opts.headersTimeoutMs,
        requestTimeout: opts.requestTimeoutMs,
        connectionsCheckingInterval: checkEvery,
        keepAliveTimeout: opts.keepAliveTimeoutMs,
        noDelay: true,
      } as http.ServerOptions,
      wrapped,
    );
    s.keepAliveTimeout = opts.keepAliveTimeoutMs;
    s.on('clientError', serverOnClientError);
    server = s;
  }
  // A client that half-closes after its request (`printf 'GET / HTTP/1.0\r\n\r\n' | nc`) still gets its answer,
  // as long as the socket is writable: node:http's default treats the FIN as an abort.
  (server as unknown as { httpAllowHalfOpen: boolean }).httpAllowHalfOpen = true;
  server.maxConnections = opts.maxConns;
  server.on('error', () => {});

  const closeIdle = (): void => {
    if (server instanceof http.Server) {
      server.closeIdleConnections();
      return;
    }
    for (const session of sessions) session.close();
    for (const [sock, n] of inflight) if (n === 0) sock.end();
  };

  let closed: Promise<void> = Promise.resolve();
  const closable: Closable = {
    name: tls ? 'https' : 'http',
    stopAccepting() {
      if (closing) return;
      closing = true;
      if (server.listening) closed = new Promise<void>((resolve) => server.close(() => resolve()));
      closeIdle();
    },
    async drain(deadline: number) {
      const timer = setInterval(closeIdle, 50);
      timer.unref();
      let cut: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => {
        cut = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        cut.unref();
      });
      try {
        await Promise.race([closed, late]);
      } finally {
        clearInterval(timer);
        clearTimeout(cut);
      }
    },
    async close() {
      if (server instanceof http.Server) server.closeAllConnections();
      else {
        for (const session of sessions) session.destroy();
        for (const sock of inflight.keys()) sock.destroy();
      }
      await accessLog?.closable().close?.();
    },
  };

  return {
    server,
    accessLog,
    closable,
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
