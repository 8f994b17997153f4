// The one request/response pair of the HTTP layer: node:http on plaintext, node:http2's compatibility API over TLS.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/** A request on either protocol: the static handler, `/_muxd` and every layer take this. */
export type Req = IncomingMessage | Http2ServerRequest;
/** A response on either protocol; write its head with `writeHead` from respond.ts, which bridges the two APIs. */
export type Res = ServerResponse | Http2ServerResponse;
/** A request handler on either protocol. It must never throw: failures become 500 or a cut response. */
export type Handler = (req: Req, res: Res) => void;

/** A 200 answered from memory: flat `[name, value, …]` headers and the whole body. */
export interface FastAnswer {
  readonly headers: readonly string[];
  readonly body: Buffer;
}

/** Finds the in-memory 200 for an origin-form path and request headers, or null when the full handler must answer. */
export type FastLookup = (path: string, headers: IncomingHttpHeaders) => FastAnswer | null;
