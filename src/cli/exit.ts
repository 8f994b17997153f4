// The only place that ends the process early: a second signal during shutdown.
import { SinkUnavailableError } from '../errors.js';
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

/**
 * Awaits a command's startup; when a signal stopped it while it still waited for its sink (SIGTERM before NATS
 * answered), that is a clean shutdown, not a failure: resolves null, and the command returns with exit code 0.
 * Every other failure is rethrown. `collect` and `up` both start through this.
 */
export async function unlessStopped<T>(lifecycle: Lifecycle, startup: Promise<T>): Promise<T | null> {
  try {
    return await startup;
  } catch (err) {
    if (lifecycle.stopping && err instanceof SinkUnavailableError) return null;
    throw err;
  }
}
