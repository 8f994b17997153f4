// `muxd serve [DIR]`: a static file server with the shared lifecycle (SIGINT/SIGTERM drain, second signal forces), one process or N workers.
import cluster from 'node:cluster';
import { parseOrHelp } from '../args.js';
import type { CommandSpec } from '../args.js';
import { announceListening, urlHost } from '../output.js';
import { createProcessLifecycle } from '../exit.js';
import { lanUrl, renderQr } from '../qr.js';
import { openInBrowser } from '../open.js';
import { createLogger } from '../../logger.js';
import { parseAdminAddress } from '../../admin/address.js';
import { serveAdminSources, startAdminServer } from '../../admin/start.js';
import { UsageError } from '../../errors.js';
import { HttpStatusCounter } from '../../web/metrics.js';
import { serveOptionSpecs, resolveServeOptions } from '../../http/features/options.js';
import type { ServeExtras } from '../../http/features/options.js';
import { createHttpServer } from '../../http/core/server.js';
import { ReopenableLogFile } from '../../http/core/log-file.js';
import { accessLogFileClosable } from '../../http/core/access-log-file.js';
import { buildServeHandler } from '../../http/features/build.js';
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
  const adminRaw = parsed.values.admin;
  // Each worker counts only its own requests, and the primary serves none: one endpoint could not report them all.
  if (workers !== undefined && typeof adminRaw === 'string') throw new UsageError('--admin cannot be used with --workers: each worker holds its own counters');
  const admin = typeof adminRaw === 'string' && adminRaw !== '' ? parseAdminAddress(adminRaw) : null;
  if (workers !== undefined && cluster.isPrimary) return runPrimary(parsed.values, dir, workers, parsed.structured);
  const { staticOptions, serverOptions, features, extras, tlsAuto } = await resolveServeOptions(parsed.values, dir, parsed.structured);
  const worker = cluster.isWorker;
  if (worker && serverOptions.log !== 'off') {
    serverOptions.logStream = primaryLogStream();
    delete serverOptions.accessLogFile;
  }
  const tls = serverOptions.tls !== undefined;
  // --admin counts every response by status and body bytes; the builder puts the counter in front of every layer.
  const counter = admin === null ? undefined : new HttpStatusCounter();
  const built = await buildServeHandler(features, { staticOptions, extras, tls, ...(counter ? { counter } : {}) });
  const handle = createHttpServer(serverOptions, built.handler);
  built.upgrades(handle.server);
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
  for (const c of built.closables) lifecycle.register(c);
  lifecycle.register(handle.closable);
  if (worker) return announceWorkerListening(url);
  if (tlsAuto !== undefined) printCertificate(tlsAuto);
  announceListening(tls ? 'https' : 'http', url);
  if (admin !== null && counter !== undefined) announceListening('admin', await startAdminServer(admin, serveAdminSources(counter, () => lifecycle.stopping), lifecycle));
  announceExtras(extras, tls, serverOptions.host, port);
}

/** `--qr` and `--open`, after the listening line (serve's and up's); both write to stderr so stdout keeps its one parseable line. */
export function announceExtras(extras: ServeExtras, tls: boolean, host: string, port: number): void {
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
  // --access-log FILE: the primary writes the workers' lines, so it owns the file (and reopens it on SIGHUP).
  const logFile = serverOptions.accessLogFile !== undefined && serverOptions.log !== 'off' ? new ReopenableLogFile(serverOptions.accessLogFile) : null;
  if (logFile !== null) lifecycle.register(accessLogFileClosable(logFile, createLogger('serve')));
  const pool = new WorkerPool({ count, log: createLogger('serve'), logOutput: logFile ?? process.stdout });
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
