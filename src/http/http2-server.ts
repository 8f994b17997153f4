// The TLS builder: node:http2 with allowHTTP1, so one port speaks HTTP/2 and HTTP/1.1, with the same limits as plaintext.
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Http2SecureServer, ServerHttp2Session } from 'node:http2';
import { serverOnClientError } from './client-error.js';
import { applyHttp1Settings } from './http1-server.js';
import type { DrainTracker } from './drain.js';
import type { HttpServerOptions } from './server.js';
import type { Handler } from './types.js';

/** Builds the HTTPS server (not listening): HTTP/2 and HTTP/1.1 over TLS; sessions and sockets are reported to `drain`. */
export function buildHttp2Server(opts: HttpServerOptions & { tls: NonNullable<HttpServerOptions['tls']> }, onRequest: Handler, drain: DrainTracker): Http2SecureServer {
  const s = http2.createSecureServer({
    cert: opts.tls.cert,
    key: opts.tls.key,
    allowHTTP1: true,
    // With the TLS socket half-open too, an HTTP/1 client's close_notify + FIN no longer ends our side at once.
    allowHalfOpen: true,
    maxHeaderSize: opts.maxHeaderSize,
    settings: { maxHeaderListSize: opts.maxHeaderSize },
  } as http2.SecureServerOptions);
  // node:http's parser for HTTP/1.1 connections reads its caps and timeouts from the server object, not these options.
  applyHttp1Settings(s, opts);
  s.on('request', onRequest);
  s.on('clientError', serverOnClientError);
  s.on('session', (session: ServerHttp2Session) => drain.addSession(session));
  s.on('secureConnection', (sock: Socket) => {
    // Half-open is for HTTP/1 clients only: an HTTP/2 client's FIN still ends the session at once.
    if ((sock as unknown as { alpnProtocol?: string | false }).alpnProtocol === 'h2') sock.allowHalfOpen = false;
    drain.addSocket(sock);
  });
  // An idle HTTP/2 session or TLS socket is closed after the keep-alive timeout too. No 'timeout' listener:
  // with one, Node hands the idle session to it instead of destroying it, and idle sessions pile up.
  s.setTimeout(Math.max(opts.keepAliveTimeoutMs, opts.requestTimeoutMs));
  return s;
}
