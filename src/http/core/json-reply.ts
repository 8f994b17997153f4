// The one JSON reply of the HTTP layer: bodies, and errors as `{"error":{"code":CODE,"message":…}}` with the code's status.
import { MuxdError, codeOf, defaultMessageOf, httpStatusOf } from '../../errors.js';
import { endBody, writeHead } from './respond.js';
import type { Res } from './types.js';

/** The one JSON error body shape of every HTTP answer muxd sends: `{"error":{"code":CODE,"message":…}}`. */
export function errorBody(code: string, message: string): { error: { code: string; message: string } } {
  return { error: { code, message } };
}

/** Options of {@link sendJson} and {@link sendJsonError}. */
export interface JsonReplyOptions {
  /** Extra response headers. */
  headers?: Record<string, string>;
  /** HTTP/1.1: close the connection after this answer (the request body may be partly unread, or the peer untrusted). */
  close?: boolean;
}

/** Sends a JSON body (a value, or text already JSON) with no-store caching; HEAD gets the head only. A started response is cut instead. */
export function sendJson(res: Res, status: number, body: unknown, o: JsonReplyOptions = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string | number> = {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...o.headers,
  };
  if (o.close === true && res.req.httpVersionMajor === 1) headers.Connection = 'close';
  writeHead(res, status, headers);
  endBody(res, res.req.method === 'HEAD' ? undefined : text);
}

/**
 * Sends {@link errorBody} with the code's status (src/errors.ts). An error that is not a MuxdError is an unexpected
 * exception: `ERR_INTERNAL` with a fixed message (or `message`), so bodies never carry paths or stacks.
 */
export function sendJsonError(res: Res, err: unknown, o: JsonReplyOptions & { message?: string } = {}): void {
  const code = codeOf(err);
  const message = o.message ?? (err instanceof MuxdError ? err.message : defaultMessageOf(code));
  sendJson(res, httpStatusOf(code), errorBody(code, message), o);
}
