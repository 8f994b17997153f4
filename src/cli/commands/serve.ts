// `muxd serve [DIR]`: a static file server with the shared lifecycle (SIGINT/SIGTERM drain, second signal forces), one process or N workers.
import cluster from 'node:cluster';
import { parseOrHelp } from '../args.js';
import type { CommandSpec } from '../args.js';
import { announceListening, urlHost } from '../output.js';
import { createProcessLifecycle } from '../exit.js';
import { lanUrl, renderQr } from '../qr.js';
import { openInBrowser } from '../open.js';
import { createLogger } from '../../logger.js';
import { serveOptionSpecs, resolveServeOptions } from '../../http/features/options.js';
import type { ServeExtras } from '../../http/features/options.js';
import { createStaticHandler } from '../../http/static/static-handler.js';
import { createHttpServer } from '../../http/core/server.js';
import { composeLayers } from '../../http/core/layers.js';
import type { Layer } from '../../http/core/layers.js';
import { createProxy } from '../../http/features/proxy.js';
import { createLiveReload } from '../../http/features/live-reload.js';
import { createFeatureLayers } from '../../http/features/serve-layers.js';
import { WorkerPool, announceWorkerListening, flushToPrimary, onShutdownRequest, parseWorkers, primaryLogStream } from '../../http/features/workers.js';

/** Flags, usage and examples of `muxd serve`. */
export const spec: CommandSpec = {
  name: 'serve',
  summary: 'Serve a folder over HTTP/1.1, or over HTTPS with HTTP/2 and HTTP/1.1 when given a certificate.',
  usage: 'serve [options] [DIR]',
  options: {
    ...serveOptionSpecs,
    // serve only: `up` keeps one process, because its journal needs a single writer.
    workers: {
      type: 'string',
      arg: 'N|auto',
      description:
        'Run N server processes on the one port (node:cluster; auto: one per core), each with its own file cache. A crashed worker is restarted with a backoff; the access log stays one stream.',
    },
  },
  examples: [
    'muxd serve                              # the current folder on http://127.0.0.1:8000',
    'muxd serve public --port 8080 --listing',
    'muxd serve dist --spa --cache 3600 --cors',
    'muxd serve . --tls-cert cert.pem --tls-key key.pem --port 8443',
    'muxd serve src --watch --proxy /api=http://127.0.0.1:3000 --open',
    'muxd serve share --host 0.0.0.0 --listing --qr',
    'muxd serve . --tls auto --workers auto  # HTTPS on every core with a cached self-signed certificate',
    'MUXD_LOG=json muxd serve site --host 0.0.0.0',
  ],
  maxPositionals: 1,
  config: [{ name: 'serve', specs: serveOptionSpecs }],
};

/** Runs `muxd serve`: resolves once listening; the lifecycle ends the process on a signal. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const dir = parsed.positionals[0] ?? '.';
  const workers = parseWorkers(typeof parsed.values.workers === 'string' ? parsed.values.workers : undefined);
  if (workers !== undefined && cluster.isPrimary) return runPrimary(parsed.values, dir, workers, parsed.structured);
  const { staticOptions, serverOptions, features, extras, tlsAuto } = await resolveServeOptions(parsed.values, dir, parsed.structured);
  const worker = cluster.isWorker;
  if (worker && serverOptions.log !== 'off') serverOptions.logStream = primaryLogStream();
  const tls = serverOptions.tls !== undefined;
  const liveReload = extras.watch ? await createLiveReload({ root: dir }) : null;
  if (liveReload !== null) staticOptions.liveReload = liveReload.hook;
  const proxy = extras.proxy !== null ? createProxy({ ...extras.proxy, tls }) : null;
  const feature = await createFeatureLayers(features, staticOptions.root);
  // The one order of serve's layers (src/http/layers.ts): auth → proxy → live reload → upload → headers → files. With
  // none, the static handler is the handler itself, and HTTP/2 keeps its fast path.
  const layers: Layer[] = [...feature.auth];
  if (proxy !== null) layers.push(proxy.layer);
  if (liveReload !== null) layers.push(liveReload.layer);
  layers.push(...feature.files);
  const handler = composeLayers(layers, await createStaticHandler(staticOptions));
  const handle = createHttpServer(serverOptions, handler);
  if (proxy !== null) proxy.acceptUpgrades(handle.server);
  const { url, port } = await handle.listen();
  const lifecycle = createProcessLifecycle();
  if (worker) {
    // Registered first, so closed last: once the server has drained and the log is flushed, leave the cluster.
    lifecycle.register({
      name: 'cluster',
      close: async () => {
        await flushToPrimary();
        cluster.worker?.disconnect();
      },
    });
    onShutdownRequest(() => void lifecycle.shutdown());
  }
  // Registered before the server: stopping them ends the long-lived streams (tunnels, reload events) the drain would wait on.
  if (proxy !== null) lifecycle.register(proxy.closable);
  if (liveReload !== null) lifecycle.register(liveReload.closable);
  lifecycle.register(handle.closable);
  if (worker) return announceWorkerListening(url);
  if (tlsAuto !== undefined) printCertificate(tlsAuto);
  announceListening(tls ? 'https' : 'http', url);
  announceExtras(extras, tls, serverOptions.host, port);
}

/** `--qr` and `--open`, after the listening line; both write to stderr so stdout keeps its one parseable line. */
function announceExtras(extras: ServeExtras, tls: boolean, host: string, port: number): void {
  const proto = tls ? 'https' : 'http';
  if (extras.qr) {
    const lan = lanUrl(proto, host, port);
    process.stderr.write(lan.ok ? renderQr(lan.url) : `muxd: ${lan.reason}\n`);
  }
  if (extras.open) {
    const wildcard = host === '0.0.0.0' || host === '::';
    const target = `${proto}://${wildcard ? '127.0.0.1' : urlHost(host)}:${port}/`;
    void openInBrowser(target).then((why) => {
      process.stderr.write(why === null ? `muxd: opened ${target} in the browser\n` : `muxd: --open: ${why}; open ${target} yourself\n`);
    });
  }
}
/** The primary of `--workers N`: validates the flags (and makes the `--tls auto` certificate once), forks, relays. */
async function runPrimary(values: Parameters<typeof resolveServeOptions>[0], dir: string, count: number, structured: Record<string, unknown>): Promise<void> {
  const { serverOptions, extras, tlsAuto } = await resolveServeOptions(values, dir, structured);
  const lifecycle = createProcessLifecycle();
  const pool = new WorkerPool({ count, log: createLogger('serve'), logOutput: process.stdout });
  lifecycle.register(pool.closable());
  let url: string;
  try {
    url = await pool.start();
  } catch (err) {
    await lifecycle.shutdown();
    throw err;
  }
  createLogger('serve')(`${count} worker${count === 1 ? '' : 's'} listening (pids ${pool.pids.join(', ')})`);
  if (tlsAuto !== undefined) printCertificate(tlsAuto);
  announceListening(serverOptions.tls ? 'https' : 'http', url);
  announceExtras(extras, serverOptions.tls !== undefined, serverOptions.host, Number(new URL(url).port));
}

function printCertificate(c: { certPath: string; fingerprint: string; created: boolean; validTo: Date }): void {
  process.stderr.write(
    `muxd serve: ${c.created ? 'created' : 'reusing'} self-signed certificate ${c.certPath} (valid until ${c.validTo.toISOString().slice(0, 10)})\n` +
      `muxd serve: certificate SHA-256 fingerprint ${c.fingerprint}\n`,
  );
}
