// JSON answers for /_muxd/* endpoints: bodies, error bodies `{"error":CODE,"message":…}` and the code → status map.
import type { ServerResponse } from 'node:http';
import { ErrorCode, MuxdError } from '../errors.js';
import type { ErrorCodeValue } from '../errors.js';

/** HTTP status for each error code an endpoint can answer with (docs/errors.md). */
export const STATUS_BY_CODE: Partial<Record<ErrorCodeValue, number>> = {
  [ErrorCode.MESSAGE_TOO_LONG]: 413,
  [ErrorCode.IO]: 500,
  [ErrorCode.BUSY]: 503,
  [ErrorCode.SHUTTING_DOWN]: 503,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.BAD_PATH]: 400,
  [ErrorCode.REQUEST_TIMEOUT]: 408,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.FORBIDDEN_ORIGIN]: 403,
};

/** The status for a code; unknown codes count as server errors. */
export function statusOf(code: string): number {
  return STATUS_BY_CODE[code as ErrorCodeValue] ?? 500;
}

/** Sends a JSON body with no-store caching. Never throws; a response already started is destroyed instead. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Sends `{"error":CODE,"message":…}` with the code's status. Messages never carry paths or stacks. */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const code = err instanceof MuxdError ? err.code : ErrorCode.IO;
  const message = err instanceof MuxdError ? err.message : 'internal error';
  const extra: Record<string, string> = { ...headers };
  if (code === ErrorCode.UNAUTHORIZED) extra['WWW-Authenticate'] = 'Bearer realm="muxd"';
  sendJson(res, statusOf(code), { error: code, message }, extra);
}
