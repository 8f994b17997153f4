// Wires `muxd up` as a library: one journal, the collector, the SSE hub, history, ingest, metrics and the HTTP server, on one lifecycle.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { CollectorServer } from '../collector/server.js';
import type { CollectConfig } from '../collector/options.js';
import { startCollectStack } from '../collector/start.js';
import type { StdinSource } from '../collector/stdin-source.js';
import { UsageError } from '../errors.js';
import { createHttpServer } from '../http/core/server.js';
import type { HttpServerHandle, HttpServerOptions } from '../http/core/server.js';
import { createStaticHandler } from '../http/static/static-handler.js';
import { composeLayers } from '../http/core/layers.js';
import type { ServeFeatures } from '../http/features/options.js';
import { createFeatureLayers } from '../http/features/serve-layers.js';
import type { StaticOptions } from '../http/static/static-handler.js';
import type { Journal } from '../journal/journal.js';
import type { Lifecycle } from '../lifecycle.js';
import { createLogger, silentLog } from '../logger.js';
import type { LogFn } from '../logger.js';
import { loadAssets } from './assets.js';
import { healthBody } from './health.js';
import { createJournalGuard } from './journal-guard.js';
import { JournalHistory } from './history.js';
import { createIngestHandler } from './ingest.js';
import { HttpStatusCounter, createMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';
import { createWebRouter } from './router.js';
import { createAccessPolicy } from './security.js';
import { SseHub } from './sse.js';
import type { LiveRecord, SseHubOptions } from './sse.js';

/** Everything `muxd up` needs, already validated. */
export interface UpOptions {
  /** Static file options, or null to serve only the page (which then also answers at `/`). */
  staticOptions: StaticOptions | null;
  serverOptions: HttpServerOptions;
  /** Basic auth (in front of every route), uploads and headers (in front of the files); absent: all off. */
  features?: ServeFeatures;
  collect: CollectConfig;
  token?: string | undefined;
  /** The shared shutdown routine; the journal is registered first so it closes last. */
  lifecycle: Lifecycle;
  /** Terminal source streams when `collect.stdin` is true (default process.stdin/stdout). */
  stdin?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream };
  /** Diagnostics (default: stderr loggers per component). */
  log?: LogFn | null;
  version?: string;
  /** Overrides for the SSE hub (tests). */
  hub?: Partial<Omit<SseHubOptions, 'source' | 'startSeq'>>;
}

/** A running `up`: its parts, for the CLI to announce and for tests to inspect. */
export interface UpApp {
  journal: Journal;
  collector: CollectorServer;
  hub: SseHub;
  history: JournalHistory | null;
  metrics: Metrics;
  http: HttpServerHandle;
  /** `http://HOST:PORT` (or https) */
  httpUrl: string;
  /** `tcp://HOST:PORT` */
  collectUrl: string;
  collectPort: number;
  stdin: StdinSource | null;
  /** Resolves once the history index is built and the resume ring seeded. */
  indexed: Promise<void>;
}

/** Opens the journal, starts both listeners and registers everything with the lifecycle. On failure, shuts down what started. */
export async function startUp(o: UpOptions): Promise<UpApp> {
  const logFor = (component: string): LogFn => (o.log === null ? silentLog : (o.log ?? createLogger(component)));
  // The journal is never served as a file, whatever path or symlink under DIR reaches it (docs/web.md).
  const guard = await createJournalGuard(o.collect.journal.path);
  const deny = combineDeny(o.staticOptions?.deny, guard.deny);
  const layers = await createFeatureLayers(o.features ?? { headers: null, auth: null, upload: null }, o.staticOptions?.root ?? '.', deny);
  const staticHandler =
    o.staticOptions === null ? null : composeLayers(layers.files, await createStaticHandler({ ...o.staticOptions, deny }));
  if (o.staticOptions !== null && guard.inside(await realpath(path.resolve(o.staticOptions.root)))) {
    logFor('up')(`warning: the journal ${o.collect.journal.path} lies inside the served folder ${o.staticOptions.root}; its files are never served (404)`);
  }
  const assets = await loadAssets();
  const { lifecycle } = o;
  const stack = await startCollectStack(o.collect, lifecycle, logFor, o.stdin);
  const { collector, stdin } = stack;
  try {
    const journal = stack.journal;
    // --sink nats://… is started by startUpOnStream (app-stream.ts); this one is the file journal's.
    if (journal === null) throw new UsageError('startUp takes the file sink; use startUpOnStream for --sink nats://…');
    await guard.refresh();
    const hub = new SseHub({ ...o.hub, source: journal, startSeq: journal.stats.lastSeq });
    const history = o.collect.journal.format === 'json' ? new JournalHistory({ listFiles: () => journal.files(), maxSeq: () => journal.stats.lastSeq }) : null;
    const ingest = createIngestHandler({ submitter: collector, maxMessageBytes: o.collect.collector.maxMessage, maxBodyMessages: o.collect.collector.maxBodyMessages });
    const httpCounter = new HttpStatusCounter();
    const metrics = createMetrics({
      collector: () => collector.stats,
      rejectedElsewhere: () => ingest.stats.rejected,
      journal,
      sseClients: () => hub.clientCount,
      http: httpCounter,
    });
    const startedAt = Date.now();
    const router = createWebRouter({
      staticHandler,
      assets,
      hub,
      history,
      ingest,
      metrics,
      health: () =>
        healthBody({
          version: o.version ?? '0.0.0',
          startedAt,
          lastSeq: () => journal.stats.lastSeq,
          sseClients: () => hub.clientCount,
          connections: () => collector.stats.connectionsCurrent,
          stopping: () => lifecycle.stopping,
          failing: () => !journal.healthy,
        }),
      access: createAccessPolicy({ host: o.serverOptions.host, token: o.token }),
      httpCounter,
    });
    const http = createHttpServer(o.serverOptions, composeLayers(layers.auth, router));
    lifecycle.register(hub.closable);
    lifecycle.register(http.closable);
    lifecycle.register({ name: 'metrics', close: async () => metrics.close() });
    const web = await http.listen();
    const tcp = await collector.listen();
    // One streaming scan builds the history index; the newest records seed the resume ring.
    const indexed = history
      ? history
          .start()
          .then(() => history.page(journal.stats.lastSeq + 1, 1000))
          .then((page) => hub.prefill(page.lines.map((l) => JSON.parse(l) as LiveRecord)))
          .catch((err: unknown) => logFor('up')(`history index: ${err instanceof Error ? err.message : String(err)}`))
      : Promise.resolve();
    return { journal, collector, hub, history, metrics, http, httpUrl: web.url, collectUrl: tcp.url, collectPort: tcp.port, stdin, indexed };
  } catch (err) {
    await lifecycle.shutdown();
    throw err;
  }
}

/** Both deny predicates (the caller's, if any, and the journal's). */
function combineDeny(a: ((real: string) => boolean) | undefined, b: (real: string) => boolean): (real: string) => boolean {
  return a === undefined ? b : (real) => a(real) || b(real);
}
