// JSON answers for /_muxd/* endpoints: bodies and error bodies `{"error":{"code":CODE,"message":…}}`.
import type { Res } from '../http/core/types.js';
import { endBody, writeHead } from '../http/core/respond.js';
import { ErrorCode, MuxdError, codeOf, httpStatusOf } from '../errors.js';

/** The one JSON error body shape of every HTTP answer muxd sends: `{"error":{"code":CODE,"message":…}}`. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Sends a JSON body with no-store caching. Never throws; a response already started is destroyed instead. */
export function sendJson(res: Res, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  writeHead(res, status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  endBody(res, res.req.method === 'HEAD' ? undefined : text);
}

/**
 * Sends {@link errorBody} with the code's status (src/errors.ts). An error that is not a MuxdError is an unexpected
 * exception: `ERR_INTERNAL`, with a fixed message, so bodies never carry paths or stacks.
 */
export function sendError(res: Res, err: unknown, headers: Record<string, string> = {}): void {
  const code = codeOf(err);
  const message = err instanceof MuxdError ? err.message : 'internal error';
  const extra: Record<string, string> = { ...headers };
  if (code === ErrorCode.UNAUTHORIZED) extra['WWW-Authenticate'] = 'Bearer realm="muxd"';
  sendJson(res, httpStatusOf(code), errorBody(code, message), extra);
}
