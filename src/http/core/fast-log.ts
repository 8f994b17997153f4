// The access log's view of an HTTP/2 stream answered on the core API (the fast path), so it logs the same line as the full path.
import type { IncomingHttpHeaders, ServerHttp2Stream } from 'node:http2';
import type { AccessLog } from './access-log.js';
import { countBody } from './phases.js';
import type { Req, Res } from './types.js';

/**
 * The request fields the access log reads, as node:http2's compatibility request gives them for the same stream:
 * `HTTP/2.0`, the `:path` as the URL, the peer's address.
 */
class FastRequest {
  readonly httpVersion = '2.0';
  readonly httpVersionMajor = 2;
  readonly httpVersionMinor = 0;
  readonly socket: { readonly remoteAddress: string | undefined };

  constructor(
    readonly method: string,
    readonly url: string,
    readonly headers: IncomingHttpHeaders,
    stream: ServerHttp2Stream,
  ) {
    this.socket = { remoteAddress: stream.session?.socket?.remoteAddress };
  }
}

/** The response fields the access log reads, taken from the stream as the compatibility response takes them. */
class FastResponse {
  readonly statusCode = 200;

  constructor(
    readonly req: FastRequest,
    private readonly stream: ServerHttp2Stream,
  ) {}

  get headersSent(): boolean {
    return this.stream.headersSent;
  }

  get writableFinished(): boolean {
    return this.stream.writableFinished;
  }

  /** The access log listens for 'close' only: it fires when the stream closes, finished or reset. */
  on(event: string, listener: (this: FastResponse) => void): this {
    if (event === 'close') this.stream.once('close', () => listener.call(this));
    return this;
  }
}

/**
 * Logs a 200 answered from memory on the core API (`respondFast`): the line is the one the full path writes for
 * the same request (same fields, same byte count: the body for GET, 0 for HEAD), written when the stream closes.
 */
export function logFastAnswer(log: AccessLog, stream: ServerHttp2Stream, headers: IncomingHttpHeaders, method: string, path: string, bodyLength: number): void {
  const req = new FastRequest(method, path, headers, stream);
  const res = new FastResponse(req, stream);
  // The access log takes node's request/response pair; these two carry every field it reads (see access-log.ts `record`).
  log.track(req as unknown as Req, res as unknown as Res);
  countBody(res as unknown as Res, method === 'HEAD' ? 0 : bodyLength);
}
