// The only place that ends the process early: a second signal during shutdown.
import { Lifecycle } from '../lifecycle.js';
import { createLogger } from '../logger.js';

/** Exit code for a forced exit after a second signal (128 + SIGINT). */
export const FORCED_EXIT_CODE = 130;

/** Creates the process lifecycle for a long-running command: signal handling, forced exit on a second signal. */
export function createProcessLifecycle(drainTimeoutMs?: number): Lifecycle {
  const lifecycle = new Lifecycle({
    ...(drainTimeoutMs !== undefined ? { drainTimeoutMs } : {}),
    log: createLogger('lifecycle'),
    onForce: () => process.exit(FORCED_EXIT_CODE),
  });
  lifecycle.handleSignals();
  return lifecycle;
}
