// The reverse proxy layer (`--proxy PREFIX=URL`): streams requests and responses with backpressure, 502/504, WebSocket tunnels.
import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { finished, pipeline } from 'node:stream';
import { BadGatewayError, BadPathError, GatewayTimeoutError } from '../../errors.js';
import type { MuxdError } from '../../errors.js';
import type { Closable } from '../../lifecycle.js';
import { requestHasBody } from '../core/lingering-close.js';
import type { Layer } from '../core/layers.js';
import { sendJsonError } from '../core/json-reply.js';
import { countBody } from '../core/phases.js';
import type { Req, Res } from '../core/respond.js';
import { downstreamResponseHeaders, headersObject, matchProxy, upstreamRequestHeaders } from './proxy-rules.js';
import type { ProxyRule } from './proxy-rules.js';

/** Default `--proxy-timeout`: how long an upstream may take to send its response headers. */
export const DEFAULT_PROXY_TIMEOUT_MS = 30_000;

/** Options for {@link createProxy}. */
export interface ProxyOptions {
  /** Parsed `--proxy` rules, longest prefix first (see parseProxyRules). */
  rules: readonly ProxyRule[];
  /** Time allowed for the upstream's response headers; 504 after. */
  timeoutMs: number;
  /** The server speaks TLS (`X-Forwarded-Proto: https`). */
  tls: boolean;
}

/** The proxy: a request layer, the upgrade hook for WebSockets, and its shutdown component. */
export interface Proxy {
  readonly layer: Layer;
  /**
   * Routes the server's HTTP/1.1 upgrade requests through the normal request path (host check, access log, every
   * layer): WebSocket upgrades matching a rule are tunnelled, anything else is answered like a plain request.
   */
  acceptUpgrades(server: http.Server | Http2SecureServer): void;
  readonly closable: Closable;
}

/** Bytes the client sent after an upgrade request's headers, by request: set only for upgrade requests. */
const upgradeHeads = new WeakMap<object, Buffer>();

/** Sends a JSON error (502, 504, 400) unless the response already started; then the response is cut instead. */
function answerError(res: Res, err: MuxdError): void {
  if (res.headersSent || res.destroyed) return void res.destroy();
  // The request body may be only partly read: an HTTP/1.1 connection is not reused after this answer.
  sendJsonError(res, err, { close: true });
}

/** Writes the upstream's status and headers on either protocol. */
function writeUpstreamHead(req: Req, res: Res, up: IncomingMessage): void {
  const headers = downstreamResponseHeaders(up.rawHeaders);
  const status = up.statusCode ?? 502;
  if (req.httpVersionMajor === 1) (res as http.ServerResponse).writeHead(status, up.statusMessage, headers);
  else res.writeHead(status, headersObject(headers));
}

/** Creates the proxy for a set of rules. */
export function createProxy(opts: ProxyOptions): Proxy {
  // One keep-alive agent per upstream, so connections to it are reused.
  const agents = new Map<string, http.Agent>();
  const tunnels = new Set<Duplex>();
  let closing = false;

  const agentFor = (rule: ProxyRule): http.Agent => {
    let agent = agents.get(rule.authority);
    if (agent === undefined) {
      agent = new http.Agent({ keepAlive: true, scheduling: 'lifo' });
      agents.set(rule.authority, agent);
    }
    return agent;
  };

  const forward = (req: Req, res: Res, rule: ProxyRule, path: string, upgrade: Buffer | undefined): void => {
    const headers = upstreamRequestHeaders(req.rawHeaders, {
      clientIp: req.socket.remoteAddress ?? '',
      proto: opts.tls ? 'https' : 'http',
      host: req.headers.host ?? (req.headers[':authority'] as string | undefined),
      upstreamAuthority: rule.authority,
      ...(upgrade !== undefined ? { upgrade: String(req.headers.upgrade) } : {}),
    });
    const upReq = http.request({
      host: rule.hostname,
      port: rule.port,
      method: req.method,
      path,
      headers,
      setHost: false,
      // A tunnel keeps its connection for good: never take it from (or give it back to) the pool.
      agent: upgrade !== undefined ? false : agentFor(rule),
    });
    let answered = false;
    const timer = setTimeout(() => upReq.destroy(new GatewayTimeoutError()), opts.timeoutMs);
    timer.unref();
    const fail = (err: Error): void => {
      clearTimeout(timer);
      if (answered) return;
      answered = true;
      (req as IncomingMessage).unpipe(upReq);
      if (err instanceof GatewayTimeoutError) answerError(res, err);
      else answerError(res, new BadGatewayError(undefined, { cause: err }));
    };
    upReq.on('error', fail);
    // A 101 to a request that asked for no upgrade breaks HTTP, and node:http then closes the upstream request with no
    // error and no response: answer 502 at once rather than leave the client waiting past --proxy-timeout.
    const switched = (): void => fail(new Error('the upstream switched protocols on a request that asked for no upgrade'));
    upReq.on('close', () => {
      if (!answered) fail(new Error('the upstream closed the connection without an answer'));
    });
    // The client went away first: abandon the upstream request (its socket is not reused).
    res.once('close', () => {
      clearTimeout(timer);
      if (!answered || !res.writableFinished) upReq.destroy();
    });
    upReq.on('response', (upRes: IncomingMessage) => {
      clearTimeout(timer);
      if (answered) return upRes.destroy();
      if (upRes.statusCode === 101) {
        upRes.destroy();
        return switched();
      }
      answered = true;
      writeUpstreamHead(req, res, upRes);
      upRes.on('data', (chunk: Buffer) => countBody(res, chunk.length));
      pipeline(upRes, res as unknown as NodeJS.WritableStream, (err) => {
        if (err && !res.destroyed) res.destroy();
      });
    });
    if (upgrade !== undefined) {
      upReq.on('upgrade', (upRes: IncomingMessage, upSocket: Duplex, upHead: Buffer) => {
        clearTimeout(timer);
        answered = true;
        tunnel(req, res, upRes, upSocket, upHead, upgrade);
      });
      upReq.end();
      return;
    }
    upReq.on('upgrade', (_upRes: IncomingMessage, upSocket: Duplex) => {
      upSocket.destroy();
      switched();
    });
    if (!requestHasBody(req)) {
      upReq.end();
      return;
    }
    // The upstream sees the request at once, before any body byte (long polls, slow uploads).
    upReq.flushHeaders();
    // The body streams with backpressure: pipe() pauses the client while the upstream socket is full. Not pipeline():
    // on an upstream failure it would destroy the client's request, and with it the socket the 502 must go out on.
    (req as IncomingMessage).pipe(upReq);
    // A body still moving is progress: the timeout counts silence, so a long upload to a reading upstream is not cut.
    req.on('data', () => {
      if (!answered) timer.refresh();
    });
    finished(req as IncomingMessage, (err) => {
      if (err && !answered) upReq.destroy();
    });
  };

  const tunnel = (req: Req, res: Res, upRes: IncomingMessage, upSocket: Duplex, upHead: Buffer, head: Buffer): void => {
    const socket = req.socket as Duplex;
    if (closing || socket.destroyed) {
      upSocket.destroy();
      socket.destroy();
      return;
    }
    res.statusCode = 101;
    const lines = [`HTTP/1.1 101 ${upRes.statusMessage ?? 'Switching Protocols'}`];
    const raw = upRes.rawHeaders;
    // The upgrade's own Connection/Upgrade pair is kept here; everything else end-to-end passes as sent.
    for (let i = 0; i < raw.length; i += 2) lines.push(`${raw[i]!}: ${raw[i + 1]!}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    if (upHead.length > 0) socket.write(upHead);
    if (head.length > 0) upSocket.write(head);
    tunnels.add(socket);
    tunnels.add(upSocket);
    const cut = (): void => {
      socket.destroy();
      upSocket.destroy();
      tunnels.delete(socket);
      tunnels.delete(upSocket);
    };
    // Each direction is its own pipeline: a slow reader pauses the other side's socket, and an end passes on as a half-close.
    pipeline(socket, upSocket, (err) => err && cut());
    pipeline(upSocket, socket, (err) => err && cut());
    socket.once('close', cut);
    upSocket.once('close', cut);
  };

  const layer: Layer = (req, res, next) => {
    const m = matchProxy(opts.rules, req.url ?? '');
    if (m === null) return next();
    if (m === 'bad') return answerError(res, new BadPathError('dot segments are not forwarded'));
    const head = upgradeHeads.get(req);
    const ws = head !== undefined && String(req.headers.upgrade).toLowerCase() === 'websocket' && req.method === 'GET';
    try {
      forward(req, res, m.rule, m.path, ws ? head : undefined);
    } catch (err) {
      // http.request throws synchronously on headers it refuses (invalid characters): nothing reached the upstream.
      answerError(res, new BadGatewayError('the request cannot be forwarded', { cause: err }));
    }
  };

  const acceptUpgrades = (server: http.Server | Http2SecureServer): void => {
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      if (closing) return void socket.destroy();
      upgradeHeads.set(req, head);
      // The same request/response pair node:http would have made, so the host check and every layer see it.
      const res = new http.ServerResponse(req);
      res.shouldKeepAlive = false;
      res.assignSocket(socket as Socket);
      res.once('finish', () => (socket as Socket).destroySoon());
      server.emit('request', req, res);
    });
  };

  const closable: Closable = {
    name: 'proxy',
    stopAccepting() {
      closing = true;
      // Tunnels never finish on their own: ending them lets the HTTP server drain.
      for (const s of tunnels) s.end();
    },
    async close() {
      for (const s of tunnels) s.destroy();
      tunnels.clear();
      for (const a of agents.values()) a.destroy();
    },
  };

  return { layer, acceptUpgrades, closable };
}
