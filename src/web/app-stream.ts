// Wires `muxd up --sink nats://…`: the page fed from the JetStream stream (every collector), history by stream position, optionally no collector at all.
import type { Req, Res } from '../http/core/types.js';
import type { CollectorServer } from '../collector/server.js';
import { startCollectStack } from '../collector/start.js';
import type { StdinSource } from '../collector/stdin-source.js';
import { NotFoundError, UsageError } from '../errors.js';
import { createHttpServer } from '../http/core/server.js';
import type { HttpServerHandle, RequestHandler } from '../http/core/server.js';
import { createStaticHandler } from '../http/static/static-handler.js';
import { createLogger, silentLog } from '../logger.js';
import type { LogFn } from '../logger.js';
import { StreamFeed } from '../nats/feed.js';
import type { NatsSink } from '../nats/sink.js';
import type { UpOptions } from './app.js';
import { loadAssets } from './assets.js';
import { healthBody } from './health.js';
import { createIngestHandler } from './ingest.js';
import { HttpStatusCounter, createMetrics } from './metrics.js';
import type { Metrics } from './metrics.js';
import { sendError } from './reply.js';
import { createWebRouter } from './router.js';
import type { Handler } from './router.js';
import { createAccessPolicy } from './security.js';
import { SseHub } from './sse.js';
import type { LiveRecord } from './sse.js';

/** Options of {@link startUpOnStream}: those of `startUp`, plus `noCollect`. */
export interface UpStreamOptions extends UpOptions {
  /** Run no collector (no TCP port, no terminal source, POST /_muxd/messages answers 404): a pure viewer of the stream. */
  noCollect?: boolean;
}

/** A running `up` on a NATS stream. */
export interface UpStreamApp {
  feed: StreamFeed;
  /** Null with `noCollect`. */
  collector: CollectorServer | null;
  sink: NatsSink | null;
  hub: SseHub;
  metrics: Metrics;
  http: HttpServerHandle;
  httpUrl: string;
  /** Null with `noCollect`. */
  collectUrl: string | null;
  collectPort: number | null;
  stdin: StdinSource | null;
  /** Resolves once the resume ring is seeded with the stream's newest records. */
  indexed: Promise<void>;
}

/** `POST /_muxd/messages` of a pure viewer: nothing here collects. */
function notCollecting(req: Req, res: Res): void {
  req.resume();
  sendError(res, new NotFoundError('this muxd up only views the stream (--no-collect); send to a collector'));
}

/** Starts `up` with `--sink nats://…`: the collector (unless `noCollect`) publishes to the stream, the page reads it back. */
export async function startUpOnStream(o: UpStreamOptions): Promise<UpStreamApp> {
  const nats = o.collect.nats;
  if (nats === null) throw new UsageError('startUpOnStream needs --sink nats://…');
  const logFor = (component: string): LogFn => (o.log === null ? silentLog : (o.log ?? createLogger(component)));
  const staticHandler = o.staticOptions === null ? null : await createStaticHandler(o.staticOptions);
  const assets = await loadAssets();
  const { lifecycle } = o;
  const stack = o.noCollect === true ? null : await startCollectStack(o.collect, lifecycle, logFor, o.stdin);
  const collector = stack?.collector ?? null;
  const sink = stack?.nats ?? null;
  try {
    const feed = await StreamFeed.open(nats.servers, nats.stream, logFor('nats'));
    lifecycle.register(feed);
    const hub = new SseHub({ ...o.hub, source: feed, startSeq: feed.lastPosition });
    const ingest: Handler =
      collector === null
        ? notCollecting
        : createIngestHandler({ submitter: collector, maxMessageBytes: o.collect.collector.maxMessage, maxBodyMessages: o.collect.collector.maxBodyMessages });
    const httpCounter = new HttpStatusCounter();
    const metrics = createMetrics({
      ...(collector ? { collector: () => collector.stats } : {}),
      ...(sink ? { sink } : {}),
      sseClients: () => hub.clientCount,
      http: httpCounter,
    });
    const startedAt = Date.now();
    const router = createWebRouter({
      staticHandler: staticHandler as Handler | null,
      assets,
      hub,
      history: feed,
      ingest,
      metrics,
      health: () =>
        healthBody({
          version: o.version ?? '0.0.0',
          startedAt,
          lastSeq: () => feed.lastPosition,
          sseClients: () => hub.clientCount,
          ...(collector ? { connections: () => collector.stats.connectionsCurrent } : {}),
          stopping: () => lifecycle.stopping,
          // Down while the sink cannot publish, or the viewer has lost the stream.
          failing: () => (sink !== null && !sink.healthy) || !feed.healthy,
        }),
      access: createAccessPolicy({ host: o.serverOptions.host, token: o.token }),
      httpCounter,
    });
    const http = createHttpServer(o.serverOptions, router as unknown as RequestHandler);
    lifecycle.register(hub.closable);
    lifecycle.register(http.closable);
    lifecycle.register({ name: 'metrics', close: async () => metrics.close() });
    const web = await http.listen();
    const tcp = collector ? await collector.listen() : null;
    const indexed = feed
      .page(feed.lastPosition + 1, 1000)
      .then((page) => hub.prefill(page.lines.map((l) => JSON.parse(l) as LiveRecord)))
      .catch((err: unknown) => logFor('up')(`stream history: ${err instanceof Error ? err.message : String(err)}`));
    return {
      feed,
      collector,
      sink,
      hub,
      metrics,
      http,
      httpUrl: web.url,
      collectUrl: tcp?.url ?? null,
      collectPort: tcp?.port ?? null,
      stdin: stack?.stdin ?? null,
      indexed,
    };
  } catch (err) {
    await lifecycle.shutdown();
    throw err;
  }
}
