// Response helpers shared by the static handler: header writing for HTTP/1.1 and HTTP/2, canned status pages.
import { ServerResponse } from 'node:http';
import { ErrorCode, httpStatusOf } from '../../errors.js';
import type { ErrorCodeValue } from '../../errors.js';
import { kBodyBytes } from './access-log.js';
import type { Req, Res } from './types.js';

export type { Req, Res } from './types.js';

/** Standard reason phrases for the statuses muxd sends itself. */
export const REASONS: Readonly<Record<number, string>> = {
  301: 'Moved Permanently',
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  401: 'Unauthorized',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Header values as `writeHead` takes them: a flat `[name, value, …]` list or an object. */
export type HeaderInput = readonly string[] | Readonly<Record<string, string | number | readonly string[]>>;

/** Writes the status line and headers on either protocol (the two APIs' `writeHead` overloads do not unify). */
export function writeHead(res: Res, status: number, headers: HeaderInput): Res {
  if (res instanceof ServerResponse) return res.writeHead(status, headers as string[]);
  if (!Array.isArray(headers)) return res.writeHead(status, headers as Record<string, string>);
  const flat = headers as readonly string[];
  const obj: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) obj[flat[i]!.toLowerCase()] = flat[i + 1]!;
  return res.writeHead(status, obj);
}

/** Writes one body chunk on either protocol; false means wait for 'drain'. */
export function writeChunk(res: Res, chunk: string | Buffer): boolean {
  return res instanceof ServerResponse ? res.write(chunk) : res.write(chunk);
}

/** Ends a response, with a body unless it is undefined. */
export function endBody(res: Res, body?: string | Buffer): void {
  if (body === undefined) res.end();
  else res.end(body);
}

/** Ends a response with a body (dropped for HEAD), recording its size for the access log. */
export function endWith(req: Req, res: Res, body: Buffer | undefined): void {
  (res as unknown as Record<symbol, number>)[kBodyBytes] = body === undefined ? 0 : body.length;
  if (body === undefined || req.method === 'HEAD') res.end();
  else res.end(body);
}

const pages = new Map<string, Buffer>();

/** The small HTML page for a status: no paths, no stack traces, just the status and its stable code (if any). */
export function statusPage(status: number, code?: ErrorCodeValue): Buffer {
  const key = `${status} ${code ?? ''}`;
  let page = pages.get(key);
  if (page === undefined) {
    const title = `${status} ${REASONS[status] ?? 'Error'}`;
    page = Buffer.from(
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>` +
        `<body><h1>${title}</h1>${code ? `<p><code>${code}</code></p>` : ''}<hr><p>muxd</p></body></html>\n`,
    );
    pages.set(key, page);
  }
  return page;
}

/** Sends the canned error page of a code, with the code's status from src/errors.ts and optional extra headers (flat). */
export function sendErrorPage(req: Req, res: Res, code: ErrorCodeValue, extra: readonly string[] = []): void {
  sendStatus(req, res, httpStatusOf(code), extra, code);
}

/** Sends a canned status page (a redirect, or an error page through {@link sendErrorPage}) with optional extra headers. */
export function sendStatus(req: Req, res: Res, status: number, extra: readonly string[] = [], code?: ErrorCodeValue): void {
  const body = statusPage(status, code);
  writeHead(res, status, [
    'Content-Type', 'text/html; charset=utf-8',
    'Content-Length', String(body.length),
    'Cache-Control', 'no-cache',
    'X-Content-Type-Options', 'nosniff',
    ...extra,
  ]);
  endWith(req, res, body);
}

/** Answers 500 when nothing was sent yet, otherwise cuts the response: handlers never throw into the loop. */
export function failResponse(req: Req, res: Res): void {
  try {
    // HTTP/2 forbids connection-specific headers; on HTTP/1.1 the connection is not trusted after a failure.
    if (!res.headersSent) sendErrorPage(req, res, ErrorCode.INTERNAL, req.httpVersionMajor === 1 ? ['Connection', 'close'] : []);
    else res.destroy();
  } catch {
    res.destroy();
  }
}

/** Percent-encodes decoded path segments for a Location header. */
export function encodePath(segments: readonly string[]): string {
  return `/${segments.map((s) => encodeURIComponent(s)).join('/')}`;
}
