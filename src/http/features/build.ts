// The one builder of serve's request handler: every feature of `serve`, `serve --workers` and `up`, in the one layer order.
import type http from 'node:http';
import type { Http2SecureServer } from 'node:http2';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import type { Closable } from '../../lifecycle.js';
import type { LogFn } from '../../logger.js';
import { composeLayers } from '../core/layers.js';
import type { FinalHandler, Layer } from '../core/layers.js';
import { sendErrorPage } from '../core/respond.js';
import { ErrorCode } from '../../errors.js';
import type { Handler, Res } from '../core/types.js';
import { createStaticHandler } from '../static/static-handler.js';
import type { StaticOptions } from '../static/static-handler.js';
import { authLayer } from './auth.js';
import { headersLayer } from './headers.js';
import { createLiveReload } from './live-reload.js';
import { createProxy } from './proxy.js';
import type { ServeExtras, ServeFeatures } from './options.js';
import { uploadLayer } from './upload.js';

/**
 * The order of serve's layers, written once. The host check and the access log sit in the server core in front of
 * all of them. `count` is `--admin`'s response counter, so every answer counts (a 401 included). `app` is the
 * caller's own routes (`up`'s `/_muxd/`), so the live page keeps them ahead of the proxy.
 */
export const LAYER_ORDER = ['count', 'auth', 'live-reload', 'app', 'proxy', 'upload', 'headers', 'files'] as const;

/** Counts responses (`--admin`'s HttpStatusCounter): `track` is called once per request, before any layer answers. */
export interface ResponseCounter {
  track(res: Res): void;
}

/** The `count` layer: tracks every response, then hands the request on (so a 401 from `auth` is counted too). */
export function countLayer(counter: ResponseCounter): Layer {
  return function countResponses(_req, res, next) {
    counter.track(res);
    next();
  };
}

/** What the builder takes besides the validated features. */
export interface ServeBuildExtras {
  /** Static file options, or null when there is no folder (`up` without DIR): unmatched requests then get 404. */
  staticOptions: StaticOptions | null;
  /** `--proxy` and `--watch` (`--qr` and `--open` are announcements, not layers). */
  extras: Pick<ServeExtras, 'proxy' | 'watch'>;
  /** The server speaks TLS (the proxy forwards `X-Forwarded-Proto: https`). */
  tls: boolean;
  /** The caller's routes, ahead of the proxy and the files (`up`'s `/_muxd/`); calls `next()` for the rest. */
  app?: Layer;
  /** Real paths that are never served nor written by uploads (`up`'s journal files). */
  deny?: (realPath: string) => boolean;
  /** Where live reload reports watcher failures (default: stderr). */
  log?: LogFn;
  /** `--admin` and `up`'s `/_muxd/metrics`: counts every response, in front of every layer. */
  counter?: ResponseCounter;
}

/** The built handler, the hook that routes the server's upgrade requests, and the components to stop at shutdown. */
export interface ServeBuild {
  handler: Handler;
  /** Attach to the server once created (WebSocket upgrades through the proxy; a no-op without `--proxy`). */
  upgrades(server: http.Server | Http2SecureServer): void;
  /**
   * Register these with the lifecycle before the server, so they close after it stops accepting and before it waits
   * on long-lived streams (proxy tunnels, reload events).
   */
  closables: Closable[];
}

/** The final handler when there is no folder: 404 for everything the layers did not answer. */
const notFound: FinalHandler = (req, res) => sendErrorPage(req, res, ErrorCode.NOT_FOUND);

/**
 * Builds serve's handler from the features that are on, in {@link LAYER_ORDER}. With none on (and no `app`), the
 * static handler is returned itself, so HTTP/2 keeps its fast path.
 */
export async function buildServeHandler(features: ServeFeatures, o: ServeBuildExtras): Promise<ServeBuild> {
  const { staticOptions, extras } = o;
  if (staticOptions === null && extras.watch) throw new UsageError('--watch needs a DIR to watch');
  if (staticOptions === null && features.upload !== null) throw new UsageError('--upload needs a DIR to write into');
  const closables: Closable[] = [];
  const deny = either(staticOptions?.deny, o.deny);
  const liveReload = extras.watch && staticOptions !== null ? await createLiveReload({ root: staticOptions.root, ...(o.log ? { log: o.log } : {}) }) : null;
  const proxy = extras.proxy !== null ? createProxy({ ...extras.proxy, tls: o.tls }) : null;
  try {
    const byName: Record<(typeof LAYER_ORDER)[number], Layer | null> = {
      count: o.counter === undefined ? null : countLayer(o.counter),
      auth: features.auth === null ? null : authLayer(features.auth),
      'live-reload': liveReload?.layer ?? null,
      app: o.app ?? null,
      proxy: proxy?.layer ?? null,
      upload:
        features.upload === null || staticOptions === null
          ? null
          : uploadLayer(await realpath(path.resolve(staticOptions.root)), features.upload, deny),
      headers: features.headers === null ? null : headersLayer(features.headers),
      files: null,
    };
    const layers = LAYER_ORDER.map((name) => byName[name]).filter((l): l is Layer => l !== null);
    const files =
      staticOptions === null
        ? notFound
        : await createStaticHandler({
            ...staticOptions,
            ...(deny ? { deny } : {}),
            ...(liveReload ? { liveReload: liveReload.hook } : {}),
          });
    if (proxy !== null) closables.push(proxy.closable);
    if (liveReload !== null) closables.push(liveReload.closable);
    return {
      handler: composeLayers(layers, files),
      upgrades: (server) => proxy?.acceptUpgrades(server),
      closables,
    };
  } catch (err) {
    // Nothing is registered yet: stop the watcher here, or it would keep the process alive.
    if (liveReload !== null) await stopNow(liveReload.closable);
    throw err;
  }
}

/** Both deny predicates, either, or none. */
function either(a?: (real: string) => boolean, b?: (real: string) => boolean): ((real: string) => boolean) | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  return (real) => a(real) || b(real);
}

async function stopNow(c: Closable): Promise<void> {
  c.stopAccepting?.();
  await c.close?.();
}
