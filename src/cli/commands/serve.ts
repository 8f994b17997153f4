// `muxd serve [DIR]`: a static file server with the shared lifecycle (SIGINT/SIGTERM drain, second signal forces).
import { parseOrHelp } from '../args.js';
import type { CommandSpec } from '../args.js';
import { announceListening } from '../output.js';
import { createProcessLifecycle } from '../exit.js';
import { serveOptionSpecs, resolveServeOptions } from '../../http/options.js';
import { createStaticHandler } from '../../http/static-handler.js';
import { createHttpServer } from '../../http/server.js';
import { composeLayers } from '../../http/layers.js';
import { createFeatureLayers } from '../../http/serve-layers.js';

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
    'MUXD_LOG=json muxd serve site --host 0.0.0.0',
  ],
  maxPositionals: 1,
  config: [{ name: 'serve', specs: serveOptionSpecs }],
};

/** Runs `muxd serve`: resolves once listening; the lifecycle ends the process on a signal. */
export async function run(argv: string[]): Promise<void> {
  const parsed = parseOrHelp(spec, argv);
  if (!parsed) return;
  const { staticOptions, serverOptions, features } = await resolveServeOptions(parsed.values, parsed.positionals[0] ?? '.', parsed.structured);
  const handler = await createStaticHandler(staticOptions);
  const layers = await createFeatureLayers(features, staticOptions.root);
  const handle = createHttpServer(serverOptions, composeLayers([...layers.auth, ...layers.files], handler));
  const { url } = await handle.listen();
  const lifecycle = createProcessLifecycle();
  lifecycle.register(handle.closable);
  announceListening(serverOptions.tls ? 'https' : 'http', url);
}
