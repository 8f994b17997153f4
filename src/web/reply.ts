// Errors of the /_muxd/* endpoints: the HTTP layer's one JSON error reply, plus the Bearer challenge when the token is missing.
import { sendJsonError } from '../http/core/json-reply.js';
import type { Res } from '../http/core/types.js';
import { ErrorCode, codeOf } from '../errors.js';

export { errorBody, sendJson } from '../http/core/json-reply.js';

/** Sends the JSON error of `err` (see sendJsonError); a 401 carries `WWW-Authenticate: Bearer`, since /_muxd/ takes a token. */
export function sendError(res: Res, err: unknown, headers: Record<string, string> = {}): void {
  const extra = codeOf(err) === ErrorCode.UNAUTHORIZED ? { ...headers, 'WWW-Authenticate': 'Bearer realm="muxd"' } : headers;
  sendJsonError(res, err, { headers: extra });
}
