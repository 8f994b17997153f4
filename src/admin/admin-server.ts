// `--admin HOST:PORT`: a small HTTP listener with /metrics (Prometheus text) and /health for collect, serve and up, behind the same Host check as the HTTP server.
import http from 'node:http';
import { once } from 'node:events';
import type net from 'node:net';
import { createHostAllowList, hostGuard } from '../http/core/host-check.js';
import type { Closable } from '../lifecycle.js';
import type { LogFn } from '../logger.js';
import { HostNotAllowedError, MethodNotAllowedError, NotFoundError } from '../errors.js';
import { sendJson, sendJsonError } from '../http/core/json-reply.js';
import { healthHttpStatus } from '../web/health.js';
import type { HealthReport } from '../web/health.js';
import type { Metrics } from '../web/metrics.js';
import type { AdminAddress } from './address.js';

/** What the admin endpoint reports; both are read at request time. */
export interface AdminSources {
  metrics: Metrics;
  health: () => HealthReport;
}

/**
 * Serves `GET /metrics` and `GET /health` (HEAD too) on its own port, as Vector's prometheus_exporter, Fluent Bit's
 * `/api/v1/health` and Caddy's `:2019/metrics` do; everything else is 404, other methods 405. Requests whose Host
 * is not allowed for the bound address (DNS rebinding) get 403, as on the HTTP server.
 */
export class AdminServer {
  readonly closable: Closable;
  private readonly server: http.Server;
  private readonly hostAllowed: (value: string | undefined) => boolean;

  constructor(
    private readonly address: AdminAddress,
    private readonly sources: AdminSources,
    private readonly log: LogFn,
  ) {
    const list = createHostAllowList(address.host, []);
    this.hostAllowed = list === null ? () => true : hostGuard(list);
    this.server = http.createServer({ requestTimeout: 10_000, headersTimeout: 10_000 }, (req, res) => this.serverOnRequest(req, res));
    this.server.on('error', (err: NodeJS.ErrnoException) => this.log(`admin listener error: ${err.code ?? err.message}`, 'error'));
    this.closable = {
      name: 'admin',
      stopAccepting: () => {
        if (this.server.listening) this.server.close();
      },
      close: async () => {
        this.server.closeAllConnections();
      },
    };
  }

  /** Starts listening; resolves with the URL for the `listening admin` line. */
  async listen(): Promise<{ host: string; port: number; url: string }> {
    const listening = once(this.server, 'listening');
    this.server.listen({ host: this.address.host, port: this.address.port });
    await listening;
    const addr = this.server.address() as net.AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return { host: addr.address, port: addr.port, url: `http://${host}:${addr.port}` };
  }

  private serverOnRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.on('error', () => {});
    const send = (status: number, type: string, body: string): void => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (!this.hostAllowed(req.headers.host)) return sendJsonError(res, new HostNotAllowedError(), { message: 'this Host is not allowed' });
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' && path !== '/health') return sendJsonError(res, new NotFoundError('not found: try /metrics or /health'));
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJsonError(res, new MethodNotAllowedError('GET, HEAD'), { message: 'only GET and HEAD', headers: { Allow: 'GET, HEAD' } });
    if (path === '/health') {
      const report = this.sources.health();
      return sendJson(res, healthHttpStatus(report), report);
    }
    this.sources.metrics.render().then(
      ({ contentType, body }) => send(200, contentType, body),
      (err: unknown) => {
        this.log(`metrics failed: ${String(err)}`, 'error');
        sendJsonError(res, err, { message: 'metrics failed' });
      },
    );
  }
}
