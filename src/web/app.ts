// Wires `muxd up` as a library: a record source (journal or NATS stream), the collector, the SSE hub, history, ingest, metrics and the serve handler, on one lifecycle.
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { CollectorServer } from '../collector/server.js';
import type { CollectConfig } from '../collector/options.js';
import { stackInputs, startCollectStack } from '../collector/start.js';
import type { StdinSource } from '../collector/stdin-source.js';
import { NotFoundError } from '../errors.js';
import { createHttpServer } from '../http/core/server.js';
import type { HttpServerHandle, HttpServerOptions } from '../http/core/server.js';
import type { Req, Res } from '../http/core/types.js';
import { buildServeHandler } from '../http/features/build.js';
import type { ServeExtras, ServeFeatures } from '../http/features/options.js';
import type { StaticOptions } from '../http/static/static-handler.js';
import type { Lifecycle } from '../lifecycle.js';
import { createLogger, silentLog } from '../logger.js';
import type { LogFn } from '../logger.js';
import { loadAssets } from './assets.js';
import { healthBody } from './health.js';
import type { HealthReport } from './health.js';
import { createJournalGuard } from './journal-guard.js';
import { createIngestHandler } from './ingest.js';
import { HttpStatusCounter, createMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';
import { journalSource, streamSource } from './record-source.js';
import type { RecordSource } from './record-source.js';
import { sendError } from './reply.js';
import { RateRing } from './rate.js';
import { createWebRoutes } from './router.js';
import { DEFAULT_MAX_SEARCHES, SearchGate } from './search.js';
import { createAccessPolicy } from './security.js';
import { SseHub } from '../http/core/sse.js';
import type { SseHubOptions } from '../http/core/sse.js';

/** Everything `muxd up` needs, already validated. */
export interface UpOptions {
  /** Static file options, or null to serve only the page (which then also answers at `/`). */
  staticOptions: StaticOptions | null;
  serverOptions: HttpServerOptions;
  /** Basic auth (in front of every route), uploads and headers (in front of the files); absent: all off. */
  features?: ServeFeatures;
  /** `--proxy` and `--watch` (behind `/_muxd/`); absent: both off. */
  extras?: Pick<ServeExtras, 'proxy' | 'watch'>;
  collect: CollectConfig;
  /** With `--sink nats://…`: run no collector (no TCP port, no terminal; POST /_muxd/messages answers 404). */
  noCollect?: boolean;
  token?: string | undefined;
  /** The shared shutdown routine; the sink is registered first so it closes last. */
  lifecycle: Lifecycle;
  /** Terminal source streams when `collect.stdin` is true (default process.stdin/stdout). */
  stdin?: { input: NodeJS.ReadableStream; output: NodeJS.WritableStream };
  /** Diagnostics (default: stderr loggers per component). */
  log?: LogFn | null;
  version?: string;
  /** Search budgets and the cap on searches at once (`--search-budget-ms`, `--search-budget-bytes`, `--max-searches`); absent: the defaults. */
  search?: { budgetMs?: number; budgetBytes?: number; maxSearches?: number };
  /** Overrides for the SSE hub (tests). */
  hub?: Partial<Omit<SseHubOptions, 'source' | 'startSeq'>>;
}

/** A running `up`: its parts, for the CLI to announce and for tests to inspect. */
export interface UpApp {
  /** Where the page's records come from. */
  source: RecordSource;
  /** Null with `noCollect`. */
  collector: CollectorServer | null;
  hub: SseHub;
  metrics: Metrics;
  /** The body of `/_muxd/health` (and `--admin`'s `/health`). */
  health: () => HealthReport;
  http: HttpServerHandle;
  /** `http://HOST:PORT` (or https) */
  httpUrl: string;
  /** `tcp://HOST:PORT`; null with `noCollect`. */
  collectUrl: string | null;
  collectPort: number | null;
  stdin: StdinSource | null;
  /** Caps the searches running at once; `active` is how many run now. */
  searchGate: SearchGate;
  /** Resolves once the history index is built and the resume ring seeded. */
  indexed: Promise<void>;
}

/** `POST /_muxd/messages` of a pure viewer: nothing here collects. */
function notCollecting(req: Req, res: Res): void {
  req.resume();
  sendError(res, new NotFoundError('this muxd up only views the stream (--no-collect); send to a collector'));
}

/** Opens the sink, starts both listeners and registers everything with the lifecycle. On failure, shuts down what started. */
export async function startUp(o: UpOptions): Promise<UpApp> {
  const logFor = (component: string): LogFn => (o.log === null ? silentLog : (o.log ?? createLogger(component)));
  const nats = o.collect.nats;
  // The journal is never served as a file, whatever path or symlink under DIR reaches it (docs/web.md).
  const guard = nats === null ? await createJournalGuard(o.collect.journal.path) : null;
  if (o.staticOptions !== null && guard !== null && guard.inside(await realpath(path.resolve(o.staticOptions.root)))) {
    logFor('up')(`warning: the journal ${o.collect.journal.path} lies inside the served folder ${o.staticOptions.root}; its files are never served (404)`, 'warn');
  }
  const { lifecycle } = o;
  const stack = o.noCollect === true && nats !== null ? null : await startCollectStack(o.collect, lifecycle, logFor, o.stdin);
  const collector = stack?.collector ?? null;
  try {
    let source: RecordSource;
    if (stack?.journal) {
      await guard?.refresh();
      source = journalSource(stack.journal, o.collect.journal.format);
    } else {
      // Regression: a pure viewer (--no-collect) exited 1 with ERR_CONNECT_FAILED when NATS was not up yet; it waits now.
      source = await streamSource(nats!.servers, nats!.stream, stack?.nats ?? null, { timeoutMs: nats!.sinkTimeoutMs, log: logFor('nats'), signal: lifecycle.signal });
    }
    if (source.closable !== null) lifecycle.register(source.closable);
    const hub = new SseHub({ ...o.hub, source: source.events, startSeq: source.lastSeq() });
    const ingester =
      collector === null
        ? null
        : createIngestHandler({ submitter: collector, maxMessageBytes: o.collect.collector.maxMessage, maxBodyMessages: o.collect.collector.maxBodyMessages });
    const rate = new RateRing();
    source.events.on('durable', (records: unknown[]) => rate.add(Date.now(), records.length));
    const searchGate = new SearchGate(o.search?.maxSearches ?? DEFAULT_MAX_SEARCHES);
    const httpCounter = new HttpStatusCounter();
    const metrics = createMetrics({
      ...(stack ? { collector: () => stack.collector.stats, inputs: () => stackInputs(stack) } : {}),
      ...(ingester ? { rejectedElsewhere: () => ingester.stats.rejected } : {}),
      ...source.metrics,
      sseClients: () => hub.clientCount,
      searches: () => searchGate.active,
      http: httpCounter,
    });
    // The collector listens first, so the page's empty state names its real port (`--collect-port 0` picks one).
    const tcp = collector ? await collector.listen() : null;
    const assets = await loadAssets(undefined, { collectPort: tcp?.port ?? null, stdin: (stack?.stdin ?? null) !== null });
    const startedAt = Date.now();
    const health = (): HealthReport =>
      healthBody({
        version: o.version ?? '0.0.0',
        startedAt,
        lastSeq: source.lastSeq,
        sseClients: () => hub.clientCount,
        ...(collector ? { connections: () => collector.connectionsCurrent } : {}),
        stopping: () => lifecycle.stopping,
        failing: source.failing,
      });
    const routes = createWebRoutes({
      pageAtRoot: o.staticOptions === null,
      assets,
      hub,
      history: source.history,
      search: {
        searcher: source.searcher,
        gate: searchGate,
        ...(o.search?.budgetMs === undefined ? {} : { budgetMs: o.search.budgetMs }),
        ...(o.search?.budgetBytes === undefined ? {} : { budgetBytes: o.search.budgetBytes }),
      },
      rate,
      ingest: ingester ?? notCollecting,
      metrics,
      health,
      access: createAccessPolicy({ host: o.serverOptions.host, token: o.token }),
    });
    const built = await buildServeHandler(o.features ?? { headers: null, auth: null, upload: null }, {
      staticOptions: o.staticOptions,
      extras: o.extras ?? { proxy: null, watch: false },
      tls: o.serverOptions.tls !== undefined,
      app: routes,
      // The builder's first layer, as in serve: every response counts, a 401 from --auth included (regression: up
      // counted in its /_muxd/ routes, behind auth, so its metrics missed the 401s that serve's showed).
      counter: httpCounter,
      ...(guard ? { deny: guard.deny } : {}),
      log: logFor('watch'),
    });
    const http = createHttpServer(o.serverOptions, built.handler);
    built.upgrades(http.server);
    lifecycle.register(hub.closable);
    for (const c of built.closables) lifecycle.register(c);
    lifecycle.register(http.closable);
    lifecycle.register({ name: 'metrics', close: async () => metrics.close() });
    const web = await http.listen();
    // One streaming scan builds the history index; the newest records seed the resume ring.
    const indexed = source
      .newest()
      .then((records) => {
        rate.seed(records);
        hub.prefill(records);
      })
      .catch((err: unknown) => logFor('up')(`history: ${err instanceof Error ? err.message : String(err)}`, 'warn'));
    return {
      source,
      collector,
      hub,
      metrics,
      health,
      http,
      httpUrl: web.url,
      collectUrl: tcp?.url ?? null,
      collectPort: tcp?.port ?? null,
      stdin: stack?.stdin ?? null,
      searchGate,
      indexed,
    };
  } catch (err) {
    await lifecycle.shutdown();
    throw err;
  }
}
