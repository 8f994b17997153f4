// HTTP server factory: the request prelude (absolute-form, access log, Host check) in front of the HTTP/1 or HTTP/2 builder.
import { ServerResponse } from 'node:http';
import type http from 'node:http';
import type http2 from 'node:http2';
import { once } from 'node:events';
import { FdName, processListenFds } from '../../systemd/listen-fds.js';
import { HostNotAllowedError, IoError } from '../../errors.js';
import type { Closable } from '../../lifecycle.js';
import { createAccessLog } from './access-log.js';
import { ReopenableLogFile } from './log-file.js';
import { accessLogFileControl } from './access-log-file.js';
import { readFileSync } from 'node:fs';
import tlsModule from 'node:tls';
import { createLogger } from '../../logger.js';
import type { AccessLog, LogFormatValue } from './access-log.js';
import { DrainTracker } from './drain.js';
import { buildHttp1Server } from './http1-server.js';
import { buildHttp2Server } from './http2-server.js';
import { sendJsonError } from './json-reply.js';
import type { FastLookup, Handler, Req, Res } from './types.js';
import { hostGuard } from './host-check.js';
import type { HostAllowList } from './host-check.js';
import { toOriginForm } from './request-target.js';

/** Listener, limits and logging of one HTTP server. */
export interface HttpServerOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** PEM contents. When set: HTTPS with HTTP/2 and HTTP/1.1. With `files`, SIGHUP reads them again (certificate renewal). */
  tls?: { cert: string | Buffer; key: string | Buffer; files?: { cert: string; key: string } };
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
  /** `--access-log FILE`: the access log goes to FILE (appended) instead of `logStream`; SIGHUP reopens it. */
  accessLogFile?: string;
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
function refuseHost(_req: Req, res: Res): void {
  sendJsonError(res, new HostNotAllowedError(), { close: true });
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Creates the server; call `listen()` and register `closable` with the process lifecycle. */
export function createHttpServer(opts: HttpServerOptions, handler: Handler): HttpServerHandle {
  const logFile = opts.accessLogFile !== undefined && opts.log !== 'off' ? new ReopenableLogFile(opts.accessLogFile) : null;
  const accessLog = createAccessLog(opts.log, logFile ?? opts.logStream);
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

  // The HTTP/2 fast path serves the bare static handler only (a layered handler has no `fastPath`); with the access
  // log on, it logs its answers itself (fast-log.ts), as the prelude above does for the rest.
  const lookup = (handler as Handler & { fastPath?: FastLookup }).fastPath;
  const fast = lookup !== undefined ? { lookup, hostAllowed, log: accessLog } : null;
  const server = opts.tls ? buildHttp2Server({ ...opts, tls: opts.tls }, wrapped, drain, fast) : buildHttp1Server(opts, wrapped);
  server.maxConnections = opts.maxConns;
  server.on('error', () => {});

  return {
    server,
    accessLog,
    closable: withReload(drain.closable(tls ? 'https' : 'http', server, accessLog), server, opts.tls, logFile, accessLog),
    async listen() {
      const onError = once(server, 'error').then(([err]) => {
        throw new IoError(`cannot listen on ${urlHost(opts.host)}:${opts.port}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
      });
      // Socket activation: the descriptor systemd passed as FileDescriptorName=http, instead of binding.
      const fd = processListenFds().take(FdName.HTTP);
      const listening = once(server, 'listening');
      if (fd !== null) server.listen({ fd });
      else server.listen(opts.port, opts.host);
      await Promise.race([listening, onError]);
      onError.catch(() => {});
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : opts.port;
      const host = fd !== null && typeof addr === 'object' && addr !== null ? addr.address : opts.host;
      return { url: `${tls ? 'https' : 'http'}://${urlHost(host)}:${port}`, port };
    },
  };
}

/**
 * Adds SIGHUP to the server's closable: HTTPS reads its certificate files again for new handshakes (open connections
 * keep theirs; a pair that does not load keeps the old one, and says why), and `--access-log FILE` is reopened.
 * Closing also ends the log file once the access log has flushed into it.
 */
function withReload(closable: Closable, server: object, tls: HttpServerOptions['tls'], logFile: ReopenableLogFile | null, accessLog: AccessLog | null): Closable {
  const log = createLogger(closable.name);
  const logControl = logFile === null ? null : accessLogFileControl(logFile, log, () => accessLog?.flush());
  return {
    ...closable,
    close: async () => {
      await closable.close?.();
      await logControl?.close();
    },
    reload: () => {
      const secure = server as { setSecureContext?: (o: tlsModule.SecureContextOptions) => void };
      if (tls?.files !== undefined && secure.setSecureContext !== undefined) {
        try {
          const next = { cert: readFileSync(tls.files.cert), key: readFileSync(tls.files.key) };
          tlsModule.createSecureContext(next);
          secure.setSecureContext(next);
          log(`reloaded the TLS certificate from ${tls.files.cert}`);
        } catch (err) {
          log(`kept the old TLS certificate: ${(err as Error).message}`, 'warn');
        }
      }
      logControl?.reload();
    },
  };
}
