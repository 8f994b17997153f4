// The TLS builder: node:http2 with allowHTTP1 (HTTP/2 and HTTP/1.1 on one port), and the HTTP/2 fast path on the core API.
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import type { Http2SecureServer, IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import { serverOnClientError } from './client-error.js';
import { applyHttp1Settings } from './http1-server.js';
import type { DrainTracker } from './drain.js';
import type { HttpServerOptions } from './server.js';
import type { FastAnswer, FastLookup, Handler } from './types.js';
import type { AccessLog } from './access-log.js';
import { logFastAnswer } from './fast-log.js';

/**
 * Session settings, as nginx sends them (ngx_http_v2_module defaults): at most 128 concurrent streams per client,
 * a 64 KiB initial stream window, and the connection window opened to its maximum so uploads are not throttled.
 */
export const H2_SETTINGS = { maxConcurrentStreams: 128, initialWindowSize: 65_536 } as const;
/** The connection-level receive window a new session opens to (2^31 - 1, as nginx does). */
export const H2_CONNECTION_WINDOW = 2 ** 31 - 1;

/** What the HTTP/2 fast path needs from the request prelude (server.ts). */
export interface Http2FastPath {
  /** The static handler's in-memory lookup. */
  lookup: FastLookup;
  /** The Host check on `host` and `:authority`, or null when off; a refusal falls back to the full path, which answers 403. */
  hostAllowed: ((value: string | undefined) => boolean) | null;
  /** The access log, or null when off: a fast answer is logged with the line the full path would write. */
  log: AccessLog | null;
}

type StreamListener = (stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) => void;

/** HTTP/2 header objects of the cached flat header lists, computed once per list (the lists live as long as their cache entry). */
const h2Heads = new WeakMap<readonly string[], OutgoingHttpHeaders>();

/** The `:status: 200` header object of a flat `[name, value, …]` list, memoised by the list's identity. */
export function h2HeadersOf(flat: readonly string[]): OutgoingHttpHeaders {
  let out = h2Heads.get(flat);
  if (out === undefined) {
    out = { ':status': 200 };
    for (let i = 0; i < flat.length; i += 2) out[flat[i]!.toLowerCase()] = flat[i + 1]!;
    h2Heads.set(flat, out);
  }
  return out;
}

/** The header object of a flat list for any status (not memoised: for per-request lists such as a 206's). */
export function h2Headers(flat: readonly string[], status: number): OutgoingHttpHeaders {
  if (status === 200) return h2HeadersOf(flat);
  const out: OutgoingHttpHeaders = { ':status': status };
  for (let i = 0; i < flat.length; i += 2) out[flat[i]!.toLowerCase()] = flat[i + 1]!;
  return out;
}

function streamOnError(): void {
  // A reset or a dead session: the stream is destroyed already and nothing is left to answer.
}

/** Answers a stream from memory on the core API: no compatibility request/response objects, one HEADERS + one DATA frame. */
function respondFast(stream: ServerHttp2Stream, answer: FastAnswer, head: boolean): void {
  stream.on('error', streamOnError);
  try {
    stream.respond(h2HeadersOf(answer.headers), { endStream: head });
    if (!head) stream.end(answer.body);
  } catch {
    stream.destroy();
  }
}

/**
 * Builds the HTTPS server (not listening): HTTP/2 and HTTP/1.1 over TLS; sessions and sockets are reported to `drain`.
 * With `fast`, a GET or HEAD whose answer is in memory is served on the core API (`stream.respond`); every other
 * HTTP/2 stream goes through node:http2's compatibility layer to `onRequest`, exactly as HTTP/1.1 requests do.
 */
export function buildHttp2Server(
  opts: HttpServerOptions & { tls: NonNullable<HttpServerOptions['tls']> },
  onRequest: Handler,
  drain: DrainTracker,
  fast: Http2FastPath | null,
): Http2SecureServer {
  const s = http2.createSecureServer({
    cert: opts.tls.cert,
    key: opts.tls.key,
    allowHTTP1: true,
    // With the TLS socket half-open too, an HTTP/1 client's close_notify + FIN no longer ends our side at once.
    allowHalfOpen: true,
    // Small answers go out at once, not after the peer's delayed ACK (as with HTTP/1.1's server).
    noDelay: true,
    maxHeaderSize: opts.maxHeaderSize,
    settings: { ...H2_SETTINGS, maxHeaderListSize: opts.maxHeaderSize },
  } as http2.SecureServerOptions);
  // node:http's parser for HTTP/1.1 connections reads its caps and timeouts from the server object, not these options.
  applyHttp1Settings(s, opts);
  s.on('request', onRequest);
  if (fast !== null) {
    // Adding the 'request' listener installed node's compatibility 'stream' listener; it now runs only on a miss.
    const compat = s.listeners('stream') as StreamListener[];
    s.removeAllListeners('stream');
    const { lookup, hostAllowed, log } = fast;
    s.on('stream', function serverOnStream(this: Http2SecureServer, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, flags: number, rawHeaders: string[]) {
      const method = headers[':method'];
      const path = headers[':path'];
      if ((method === 'GET' || method === 'HEAD') && path !== undefined && path.charCodeAt(0) === 47 /* / */) {
        const authority = headers[':authority'];
        if (hostAllowed === null || (hostAllowed(headers.host) && hostAllowed(typeof authority === 'string' ? authority : undefined))) {
          const answer = lookup(path, headers);
          if (answer !== null) {
            if (log !== null) logFastAnswer(log, stream, headers, method, path, answer.body.length);
            return respondFast(stream, answer, method === 'HEAD');
          }
        }
      }
      for (const listener of compat) listener.call(this, stream, headers, flags, rawHeaders);
    });
  }
  s.on('clientError', serverOnClientError);
  s.on('session', (session: ServerHttp2Session) => {
    drain.addSession(session);
    session.on('connect', () => session.setLocalWindowSize(H2_CONNECTION_WINDOW));
  });
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
