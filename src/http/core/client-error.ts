// Answers what node:http refuses before any handler runs (408, 431, 400) with muxd's JSON error body, then closes.
import type { Socket } from 'node:net';
import { ErrorCode, defaultMessageOf, httpStatusOf } from '../../errors.js';
import type { ErrorCodeValue } from '../../errors.js';
import { lingerSocket } from './lingering-close.js';
import { REASONS } from './respond.js';

/** The code of the canned answer for a node:http client error (`err.code` from llhttp or node:http). */
export function clientErrorCode(errCode: string | undefined): ErrorCodeValue {
  switch (errCode) {
    case 'HPE_HEADER_OVERFLOW':
      return ErrorCode.HEADERS_TOO_LARGE;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return ErrorCode.PAYLOAD_TOO_LARGE;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return ErrorCode.REQUEST_TIMEOUT;
    default:
      return ErrorCode.BAD_REQUEST;
  }
}

/** Where the parser's refusal says more than the code's default message (src/errors.ts ERROR_TABLE). */
const MESSAGES: Partial<Record<ErrorCodeValue, string>> = {
  [ErrorCode.PAYLOAD_TOO_LARGE]: 'chunk extensions too large',
  [ErrorCode.BAD_REQUEST]: 'malformed HTTP request',
};

const responses = new Map<ErrorCodeValue, Buffer>();

/** The whole HTTP/1.1 answer for a code: status, `Connection: close` and `{"error":{"code","message"}}`. */
export function clientErrorResponse(code: ErrorCodeValue): Buffer {
  let bytes = responses.get(code);
  if (bytes === undefined) {
    const status = httpStatusOf(code);
    const body = JSON.stringify({ error: { code, message: MESSAGES[code] ?? defaultMessageOf(code) } });
    bytes = Buffer.from(
      `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Cache-Control: no-store\r\n' +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
    responses.set(code, bytes);
  }
  return bytes;
}

const answered = new WeakSet<Socket>();

/**
 * The servers' `clientError` listener, in place of node:http's bare canned replies. Like node core it answers only
 * when the socket is writable and no response has started on it; then it ends the socket and lingers
 * (lingering-close.ts) so a client still sending its oversized headers reads the answer rather than a reset.
 */
export function serverOnClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  if (answered.has(socket)) return;
  answered.add(socket);
  const current = (socket as unknown as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  if (err.code === 'ECONNRESET' || !socket.writable || (current !== null && current !== undefined && current.headersSent === true)) {
    socket.destroy();
    return;
  }
  socket.end(clientErrorResponse(clientErrorCode(err.code)));
  lingerSocket(socket);
}
