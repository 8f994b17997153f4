// nginx's lingering close: after refusing a request, shut down the write side, discard what the client still sends
// for a bounded time and size, then close, so the client reads the answer instead of a connection reset.
import type { Socket } from 'node:net';
import { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { Req, Res } from './types.js';
import { LINGER_MS } from '../../lifecycle.js';

/** Most bytes discarded from a refused connection before it is cut anyway. */
export const LINGER_MAX_BYTES = 16 * 1024 * 1024;
/** How often the byte count of a socket whose data goes straight to the HTTP parser is checked. */
const LINGER_CHECK_MS = 100;

/** Bounds of a lingering close. */
export interface LingerOptions {
  /** Default {@link LINGER_MS}. */
  timeoutMs?: number;
  /** Default {@link LINGER_MAX_BYTES}. */
  maxBytes?: number;
}

/**
 * Keeps a socket whose write side is ending (or about to) open while the client is still sending: what arrives is
 * discarded, and the socket is destroyed once the client ends its side, `maxBytes` more bytes arrived or `timeoutMs`
 * passed, whichever comes first. Closing with unread bytes in the kernel buffer would send a reset, and a reset
 * makes the client's kernel throw away the answer it had not read yet.
 */
export function lingerSocket(socket: Socket, o: LingerOptions = {}): void {
  if (socket.destroyed) return;
  const maxBytes = o.maxBytes ?? LINGER_MAX_BYTES;
  const start = socket.bytesRead;
  const deadline = Date.now() + (o.timeoutMs ?? LINGER_MS);
  const cut = (): void => {
    clearInterval(timer);
    socket.destroy();
  };
  // node:http's parser reads the socket's handle directly and discards what it no longer wants: no 'data' listener
  // then (adding one would take the handle away from the parser and stall it), and bytesRead is checked on a timer.
  // A socket nobody reads is read here, and counted exactly.
  const timer = setInterval(() => {
    if (Date.now() >= deadline || socket.bytesRead - start > maxBytes) cut();
  }, LINGER_CHECK_MS);
  timer.unref();
  if (socket.listenerCount('data') === 0) {
    socket.on('data', function socketOnLingerData() {
      if (socket.bytesRead - start > maxBytes) cut();
    });
  }
  socket.once('end', cut);
  socket.once('close', () => clearInterval(timer));
  socket.on('error', () => {});
  socket.resume();
}

/** True when a request carries a body (HTTP/1.1 framing headers; HTTP/2: no END_STREAM on its headers). */
export function requestHasBody(req: Req): boolean {
  if (req.httpVersionMajor >= 2) return !(req as Http2ServerRequest).stream.endAfterHeaders;
  const te = req.headers['transfer-encoding'];
  const cl = req.headers['content-length'];
  return te !== undefined || (cl !== undefined && cl !== '0');
}

/**
 * Call before answering a request whose body will not be read (413, 415): the answer goes out with
 * `Connection: close`, the rest of the body is read and discarded within the {@link LingerOptions} bounds, and only
 * then is the connection closed. HTTP/2 needs none of this (the stream is reset, the connection lives on): there the
 * body is just drained.
 */
export function refuseBody(req: Req, res: Res, o: LingerOptions = {}): void {
  if (!(req instanceof IncomingMessage) || 'stream' in res) {
    req.resume();
    return;
  }
  const socket = req.socket;
  const maxBytes = o.maxBytes ?? LINGER_MAX_BYTES;
  const start = socket.bytesRead;
  // Reading the rest of the body through the request (not the socket) keeps node:http's parser in charge of the bytes.
  // No keep-alive: node:http sends `Connection: close` and ends the socket after this response.
  res.shouldKeepAlive = false;
  let bodyDone = req.complete;
  const reqOnData = (): void => {
    if (socket.bytesRead - start > maxBytes) socket.destroy();
  };
  req.on('data', reqOnData);
  req.once('end', () => {
    bodyDone = true;
    // The body is fully read: the normal end of the response (shutdown, then close) can no longer cause a reset.
    if (res.writableFinished) socket.destroy();
  });
  req.resume();
  res.once('finish', () => {
    if (bodyDone || socket.destroyed) return;
    // node:http has just called socket.destroySoon(): end() now, destroy() once written. Keep the end, drop the
    // destroy, and linger instead.
    socket.removeListener('finish', socket.destroy);
    lingerSocket(socket, o);
  });
}
