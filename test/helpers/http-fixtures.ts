// Helpers for the muxd serve tests: a hostile-but-realistic docroot, an in-process server on port 0, raw and parsed requests.
import { mkdtemp, mkdir, writeFile, symlink, rm } from 'node:fs/promises';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { randomBytes } from 'node:crypto';
import { createStaticHandler } from '../../src/http/static/static-handler.js';
import type { StaticOptions } from '../../src/http/static/static-handler.js';
import { createHttpServer } from '../../src/http/core/server.js';
import type { HttpServerHandle, HttpServerOptions } from '../../src/http/core/server.js';

/** Bodies written into the docroot, for comparisons. */
export interface Docroot {
  dir: string;
  files: Record<string, Buffer>;
  cleanup(): Promise<void>;
}

/** Builds a docroot with text, binary, big, sidecar, hidden, symlinked and oddly named files. */
export async function makeDocroot(): Promise<Docroot> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'muxd-serve-'));
  const files: Record<string, Buffer> = {
    'index.html': Buffer.from(`<!doctype html><title>home</title>\n${'<p>hello from the event loop</p>\n'.repeat(60)}`),
    'small.txt': Buffer.from('hello\n'),
    'style.css': Buffer.from(`body { color: #333; }\n${'.x { margin: 0 }\n'.repeat(100)}`),
    'app.js': Buffer.from(`console.log('app');\n`.repeat(200)),
    'data.json': Buffer.from(JSON.stringify({ a: 1, list: Array.from({ length: 400 }, (_, i) => i) })),
    'image.png': randomBytes(4096),
    'big.bin': randomBytes(3 * 1024 * 1024 + 17),
    'big.txt': Buffer.from('all work and no play makes jack a dull boy\n'.repeat(8000)),
    'noext': Buffer.from('no extension\n'),
    'sub/index.html': Buffer.from('<!doctype html><title>sub</title>sub index\n'),
    'sub/page.html': Buffer.from('<!doctype html><title>page</title>page\n'),
    'nodir/<b>&amp;.txt': Buffer.from('escaped name\n'),
    'nodir/plain.txt': Buffer.from('plain\n'),
    'nodir/.hidden': Buffer.from('hidden\n'),
    'nodir/deeper/x.txt': Buffer.from('x\n'),
    '.env': Buffer.from('SECRET=1\n'),
    '.git/config': Buffer.from('[core]\n'),
    '.well-known/security.txt': Buffer.from('Contact: mailto:security@example.com\n'),
    'sp ace/caf\u00e9.txt': Buffer.from('unicode\n'),
  };
  for (const [name, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), body);
  }
  await writeFile(path.join(dir, 'app.js.br'), zlib.brotliCompressSync(files['app.js']!));
  await writeFile(path.join(dir, 'app.js.gz'), zlib.gzipSync(files['app.js']!));
  await symlink('/etc/passwd', path.join(dir, 'link-out'));
  await symlink('/etc', path.join(dir, 'dir-out'));
  await symlink('small.txt', path.join(dir, 'link-in'));
  return { dir, files, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Defaults for tests: short timeouts, no access log. */
export const testServerOptions: HttpServerOptions = {
  host: '127.0.0.1',
  port: 0,
  maxConns: 1000,
  headersTimeoutMs: 20_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 16_384,
  log: 'off',
};

/** A started in-process server. */
export interface TestServer {
  port: number;
  url: string;
  handle: HttpServerHandle;
  close(): Promise<void>;
}

/** Starts createStaticHandler + createHttpServer on 127.0.0.1:0. */
export async function startServer(
  staticOptions: Partial<StaticOptions> & { root: string },
  serverOptions: Partial<HttpServerOptions> = {},
): Promise<TestServer> {
  const handler = await createStaticHandler({
    listing: false,
    spa: false,
    dotfiles: 'deny',
    cacheSeconds: 0,
    cors: null,
    cacheMaxFileBytes: 256 * 1024,
    ...staticOptions,
  });
  const handle = createHttpServer({ ...testServerOptions, ...serverOptions }, handler);
  const { url, port } = await handle.listen();
  return {
    port,
    url,
    handle,
    close: async () => {
      const s = handle.server;
      if (s instanceof http.Server) s.closeAllConnections();
      handle.closable.stopAccepting?.();
      await handle.closable.close?.();
    },
  };
}

/** A parsed response. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on a fresh connection (no agent), body collected. */
export function request(
  port: number,
  pathname: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.end();
  });
}

/** Writes raw bytes on a new connection and returns everything received until the server closes or `idleMs` passes. */
export async function rawExchange(port: number, bytes: string | Buffer, idleMs = 300): Promise<string> {
  const sock = net.connect(port, '127.0.0.1');
  await once(sock, 'connect');
  sock.write(bytes);
  const chunks: Buffer[] = [];
  return new Promise((resolve) => {
    let timer = setTimeout(done, idleMs);
    function done(): void {
      sock.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    }
    sock.on('data', (c: Buffer) => {
      chunks.push(c);
      clearTimeout(timer);
      timer = setTimeout(done, idleMs);
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    });
    sock.on('error', () => {});
  });
}

/** Number of open file descriptors of this process (Linux). */
export async function openFds(): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  return (await readdir('/proc/self/fd')).length;
}
