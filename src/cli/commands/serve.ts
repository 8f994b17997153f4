// `muxd serve [DIR]`: a static file server with the shared lifecycle (SIGINT/SIGTERM drain, second signal forces).
import { parseOrHelp } from '../args.js';
import type { CommandSpec } from '../args.js';
import { announceListening, urlHost } from '../output.js';
import { createProcessLifecycle } from '../exit.js';
import { lanUrl, renderQr } from '../qr.js';
import { openInBrowser } from '../open.js';
import { serveOptionSpecs, resolveServeOptions } from '../../http/options.js';
import { createStaticHandler } from '../../http/static-handler.js';
import { createHttpServer } from '../../http/server.js';
import { composeLayers } from '../../http/layers.js';
import type { Layer } from '../../http/layers.js';
import { createProxy } from '../../http/proxy.js';
import { createLiveReload } from '../../http/live-reload.js';

/** Flags, usage and examples of `muxd serve`. */
export const spec: CommandSpec = {
  name: 'serve',
  summary: 'Serve a folder over HTTP/1.1, or over HTTPS with HTTP/2 and HTTP/1.1 when given a certificate.',
  usage: 'serve [options] [DIR]',
  options: serveOptionSpecs,
  examples: [
    'muxd serve                              # the current folder on http://127.0.0.1:8000',
    'muxd serve public --port 8080 --listing',
    'muxd serve dist --spa --cache 3600 --cors',
    'muxd serve . --tls-cert cert.pem --tls-key key.pem --port 8443',
    'muxd serve src --watch --proxy /api=http://127.0.0.1:3000 --open',
    'muxd serve share --host 0.0.0.0 --listing --qr',
    'MUXD_LOG=json muxd serve site --host 0.0.0.0',
  ],
  maxPositionals: 1,
};

/** Runs `muxd serve`: resolves once listening; the lifecycle ends the process on a signal. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const dir = parsed.positionals[0] ?? '.';
  const { staticOptions, serverOptions, extras } = await resolveServeOptions(parsed.values, dir);
  const tls = serverOptions.tls !== undefined;
  const liveReload = extras.watch ? await createLiveReload({ root: dir }) : null;
  if (liveReload !== null) staticOptions.liveReload = liveReload.hook;
  const proxy = extras.proxy !== null ? createProxy({ ...extras.proxy, tls }) : null;
  // The one order of serve's layers (src/http/layers.ts): proxy → live reload → files.
  const layers: Layer[] = [];
  if (proxy !== null) layers.push(proxy.layer);
  if (liveReload !== null) layers.push(liveReload.layer);
  const handler = composeLayers(layers, await createStaticHandler(staticOptions));
  const handle = createHttpServer(serverOptions, handler);
  if (proxy !== null) proxy.acceptUpgrades(handle.server);
  const { url, port } = await handle.listen();
  const lifecycle = createProcessLifecycle();
  // Registered before the server: stopping them ends the long-lived streams (tunnels, reload events) the drain would wait on.
  if (proxy !== null) lifecycle.register(proxy.closable);
  if (liveReload !== null) lifecycle.register(liveReload.closable);
  lifecycle.register(handle.closable);
  announceListening(tls ? 'https' : 'http', url);
  const proto = tls ? 'https' : 'http';
  if (extras.qr) {
    const lan = lanUrl(proto, serverOptions.host, port);
    process.stderr.write(lan.ok ? renderQr(lan.url) : `muxd: ${lan.reason}\n`);
  }
  if (extras.open) {
    const wildcard = serverOptions.host === '0.0.0.0' || serverOptions.host === '::';
    const target = `${proto}://${wildcard ? '127.0.0.1' : urlHost(serverOptions.host)}:${port}/`;
    void openInBrowser(target).then((why) => {
      process.stderr.write(why === null ? `muxd: opened ${target} in the browser\n` : `muxd: --open: ${why}; open ${target} yourself\n`);
    });
  }
}
