// Starts `up` in-process (real journal, collector and HTTP server on port 0) for integration tests.
import { join } from 'node:path';
import { collectConfigFrom } from '../../src/collector/options.js';
import { resolveServeOptions } from '../../src/http/features/options.js';
import { Lifecycle } from '../../src/lifecycle.js';
import { startUp } from '../../src/web/app.js';
import type { UpApp } from '../../src/web/app.js';
import type { LogFn } from '../../src/logger.js';

/** A running in-process `up` and its shutdown. */
export interface UpInProcess {
  app: UpApp;
  lifecycle: Lifecycle;
  port: number;
  close(): Promise<void>;
}

/**
 * Starts `up` serving `root` (null: no DIR) with its journal at `journal` (default DIR/journal.jsonl under `dir`).
 * `values` overrides flags as the CLI would parse them.
 */
export async function startUpInProcess(
  dir: string,
  root: string | null,
  o: { journal?: string; values?: Record<string, string | boolean>; log?: LogFn | null } = {},
): Promise<UpInProcess> {
  const values = { port: '0', log: 'off', journal: o.journal ?? join(dir, 'journal.jsonl'), 'no-stdin': true, ...o.values };
  const { staticOptions, serverOptions } = await resolveServeOptions(
    { host: '127.0.0.1', cache: '0', dotfiles: 'deny', 'max-conns': '1000', 'max-ranges': '16', 'max-header-size': '16384', 'headers-timeout': '20000', 'request-timeout': '30000', 'keep-alive-timeout': '5000', ...values },
    root ?? '.',
  );
  const lifecycle = new Lifecycle({ drainTimeoutMs: 2000 });
  const app = await startUp({
    staticOptions: root === null ? null : staticOptions,
    serverOptions,
    collect: collectConfigFrom(values),
    lifecycle,
    log: o.log ?? null,
    hub: { flushIntervalMs: 5, maxRecordsPerSecond: 0 },
  });
  await app.indexed;
  const port = Number(new URL(app.httpUrl).port);
  return { app, lifecycle, port, close: () => lifecycle.shutdown() };
}
