// Starting `--admin`: the one routine collect, serve and up call to create the listener, register it, and listen.
import type { Lifecycle } from '../lifecycle.js';
import { createLogger } from '../logger.js';
import { healthBody } from '../web/health.js';
import { createMetrics } from '../web/metrics.js';
import type { HttpStatusCounter } from '../web/metrics.js';
import { packageVersion } from '../version.js';
import type { AdminAddress } from './address.js';
import { AdminServer } from './admin-server.js';
import type { AdminSources } from './admin-server.js';

/**
 * Creates the admin listener for `sources`, registers it with the lifecycle (so shutdown closes it), and listens;
 * resolves with the URL for the `listening admin` line, which the caller prints.
 */
export async function startAdminServer(address: AdminAddress, sources: AdminSources, lifecycle: Lifecycle): Promise<string> {
  const server = new AdminServer(address, sources, createLogger('admin'));
  lifecycle.register(server.closable);
  return (await server.listen()).url;
}

/**
 * What `--admin` reports for `serve`: its responses by status and body bytes (as `counter` saw them; the serve
 * handler's builder installs it in front of every layer) and its health (`ok`, or `stopping` during shutdown).
 */
export function serveAdminSources(counter: HttpStatusCounter, stopping: () => boolean): AdminSources {
  const startedAt = Date.now();
  const version = packageVersion();
  return { metrics: createMetrics({ http: counter }), health: () => healthBody({ version, startedAt, stopping }) };
}
