// What `--admin` reports for a collect stack: the metrics of every input, the journal or the NATS sink, and health by up's rules.
import { stackInputs } from '../collector/start.js';
import type { CollectStack } from '../collector/start.js';
import { healthBody } from '../web/health.js';
import { createMetrics } from '../web/metrics.js';
import type { AdminSources } from './admin-server.js';
import { packageVersion } from '../version.js';

/**
 * Metrics and health of a running collect stack. Health is `failing` (503) while the journal refuses writes or the
 * NATS sink is down, `stopping` during shutdown, `ok` otherwise: the rules of `up`'s `/_muxd/health`.
 */
export function collectAdminSources(stack: CollectStack, stopping: () => boolean): AdminSources {
  const { collector, journal, nats } = stack;
  const metrics = createMetrics({
    collector: () => collector.stats,
    inputs: () => stackInputs(stack),
    ...(journal ? { journal } : {}),
    ...(nats ? { sink: nats } : {}),
  });
  const startedAt = Date.now();
  const version = packageVersion();
  const health = () =>
    healthBody({
      version,
      startedAt,
      lastSeq: () => (journal ?? nats)?.stats.lastSeq ?? 0,
      connections: () => collector.connectionsCurrent,
      stopping,
      failing: () => (journal ? !journal.healthy : !(nats?.healthy ?? true)),
    });
  return { metrics, health };
}
