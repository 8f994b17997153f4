// The plaintext builder: node:http with muxd's limits, timeouts and canned client-error answers.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { serverOnClientError } from './client-error.js';
import type { HttpServerOptions } from './server.js';

/** How often node:http checks header and request timeouts: a quarter of the headers timeout, within 100 ms to 30 s. */
export function timeoutCheckInterval(headersTimeoutMs: number): number {
  return Math.min(30_000, Math.max(100, Math.floor(headersTimeoutMs / 4)));
}

/**
 * Applies the settings node:http reads from the server object to a server that parses HTTP/1.x: a plain http.Server,
 * or an http2 secure server with allowHTTP1 (whose HTTP/1.1 parser reads them there, not from its options).
 */
export function applyHttp1Settings(server: http.Server | object, opts: HttpServerOptions): void {
  const s = server as { headersTimeout: number; requestTimeout: number; keepAliveTimeout: number; connectionsCheckingInterval: number; maxHeaderSize: number; httpAllowHalfOpen: boolean };
  s.maxHeaderSize = opts.maxHeaderSize;
  s.headersTimeout = opts.headersTimeoutMs;
  s.requestTimeout = opts.requestTimeoutMs;
  s.keepAliveTimeout = opts.keepAliveTimeoutMs;
  s.connectionsCheckingInterval = timeoutCheckInterval(opts.headersTimeoutMs);
  // A client that half-closes after its request (`printf 'GET / HTTP/1.0\r\n\r\n' | nc`) still gets its answer,
  // as long as the socket is writable: node:http's default treats the FIN as an abort.
  s.httpAllowHalfOpen = true;
}

/** Builds the HTTP/1.1 server (not listening): limits, timeouts, no Nagle, canned 400/408/431 answers. */
export function buildHttp1Server(opts: HttpServerOptions, onRequest: (req: IncomingMessage, res: ServerResponse) => void): http.Server {
  const s = http.createServer(
    {
      maxHeaderSize: opts.maxHeaderSize,
      headersTimeout: opts.headersTimeoutMs,
      requestTimeout: opts.requestTimeoutMs,
      connectionsCheckingInterval: timeoutCheckInterval(opts.headersTimeoutMs),
      keepAliveTimeout: opts.keepAliveTimeoutMs,
      noDelay: true,
    },
    onRequest,
  );
  applyHttp1Settings(s, opts);
  s.on('clientError', serverOnClientError);
  return s;
}
