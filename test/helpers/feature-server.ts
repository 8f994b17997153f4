// An in-process serve with the optional features (auth, upload, headers) built from flag values, exactly as `muxd serve` wires them.
import http from 'node:http';
import { once } from 'node:events';
import net from 'node:net';
import { serveOptionSpecs, resolveServeOptions } from '../../src/http/features/options.js';
import { withDefaults } from '../../src/options.js';
import type { OptionValues } from '../../src/options.js';
import { createHttpServer } from '../../src/http/core/server.js';
import { buildServeHandler } from '../../src/http/features/build.js';
import type { ServeFeatures } from '../../src/http/features/options.js';
import type { ResponseCounter } from '../../src/http/features/build.js';

/** A running server and what it was built from. */
export interface FeatureServer {
  port: number;
  features: ServeFeatures;
  close(): Promise<void>;
}

/** Starts serve on 127.0.0.1:0 for `root` with flag values (defaults filled in), optional config `headers` and `--admin`'s counter. */
export async function startFeatureServer(root: string, values: OptionValues, structured: Record<string, unknown> = {}, counter?: ResponseCounter): Promise<FeatureServer> {
  const all = withDefaults(serveOptionSpecs, { port: '0', log: 'off', ...values });
  const { staticOptions, serverOptions, features, extras } = await resolveServeOptions(all, root, structured);
  const built = await buildServeHandler(features, { staticOptions, extras, tls: serverOptions.tls !== undefined, ...(counter ? { counter } : {}) });
  const handle = createHttpServer(serverOptions, built.handler);
  const { port } = await handle.listen();
  return {
    port,
    features,
    close: async () => {
      const s = handle.server;
      if (s instanceof http.Server) s.closeAllConnections();
      handle.closable.stopAccepting?.();
      await handle.closable.close?.();
    },
  };
}

/** A parsed response. */
export interface BodyReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with an optional body on a fresh connection. */
export function send(port: number, method: string, pathname: string, headers: Record<string, string> = {}, body?: Buffer | string): Promise<BodyReply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method, headers, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(body);
  });
}

/** Basic credentials as a header value. */
export function basicAuth(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** Opens a raw connection, writes `head` and `body`, and resolves once the server closed it (or ended its side). */
export async function rawSend(port: number, bytes: Buffer | string): Promise<net.Socket> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write(bytes);
  return sock;
}
