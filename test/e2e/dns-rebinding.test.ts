// Regression for DNS rebinding: a page that points its own name at 127.0.0.1 read the journal through `muxd up`
// (GET /_muxd/journal with Host: rebind.attacker.example answered 200). Every route, HTTP/1.1 and HTTP/2, serve and up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import http2 from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliPath, spawnUp } from '../helpers/up-process.js';
import type { UpProcess } from '../helpers/up-process.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/http/', import.meta.url));
const ATTACKER = 'rebind.attacker.example';

interface Answer {
  status: number;
  body: string;
}

/** One HTTP/1.1 request with a chosen Host header. */
function get1(url: string, path: string, host: string, method = 'GET', body?: string): Promise<Answer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers: { Host: host, ...(body ? { 'Content-Type': 'text/plain', Origin: `http://${host}` } : {}) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The same request over HTTP/2 with a chosen :authority. */
async function get2(session: http2.ClientHttp2Session, path: string, authority: string, method = 'GET'): Promise<Answer> {
  const stream = session.request({ ':path': path, ':method': method, ':authority': authority });
  stream.end();
  const [headers] = (await once(stream, 'response')) as [http2.IncomingHttpHeaders];
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk as string;
  return { status: Number(headers[':status']), body: text };
}

function assertRefused(a: Answer, what: string): void {
  assert.equal(a.status, 403, `${what}: ${a.body}`);
  const parsed = JSON.parse(a.body) as { error: { code: string; message: string } };
  assert.equal(parsed.error.code, 'ERR_HOST_NOT_ALLOWED', what);
}

const ROUTES: Array<[string, string]> = [
  ['GET', '/'],
  ['GET', '/hello.txt'],
  ['GET', '/_muxd/'],
  ['GET', '/_muxd/journal?limit=10'],
  ['GET', '/_muxd/events'],
  ['GET', '/_muxd/health'],
  ['GET', '/_muxd/metrics'],
  ['POST', '/_muxd/messages'],
  ['POST', '/_muxd/session'],
  ['OPTIONS', '/hello.txt'],
];

describe('DNS rebinding: Host allow-list on a loopback bind', () => {
  let dir: string;
  let plain: UpProcess;
  let tls: UpProcess;
  let allowed: UpProcess;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-rebind-'));
    await writeFile(join(dir, 'hello.txt'), 'hello\n');
    await writeFile(join(dir, 'index.html'), '<p>hi</p>\n');
    const common = ['--port', '0', '--collect-port', '0', '--no-stdin', '--log', 'off'];
    plain = await spawnUp([dir, ...common, '--journal', join(dir, 'j1', 'journal.jsonl')]);
    tls = await spawnUp([dir, ...common, '--journal', join(dir, 'j2', 'journal.jsonl'), '--tls-cert', join(fixtures, 'cert.pem'), '--tls-key', join(fixtures, 'key.pem')]);
    allowed = await spawnUp([dir, ...common, '--journal', join(dir, 'j3', 'journal.jsonl'), '--allowed-hosts', 'dev.example.test,.lan.test']);
  });
  after(async () => {
    await Promise.all([plain?.stop(), tls?.stop(), allowed?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('HTTP/1.1: every route refuses an attacker Host with 403 ERR_HOST_NOT_ALLOWED, and nothing is journaled', async () => {
    const port = new URL(plain.httpUrl).port;
    for (const [method, path] of ROUTES) {
      assertRefused(await get1(plain.httpUrl, path, `${ATTACKER}:${port}`, method, method === 'POST' ? 'injected\n' : undefined), `${method} ${path}`);
      assertRefused(await get1(plain.httpUrl, path, ATTACKER, method), `${method} ${path} without port`);
    }
    const health = await get1(plain.httpUrl, '/_muxd/health', `127.0.0.1:${port}`);
    assert.equal(health.status, 200);
    assert.equal((JSON.parse(health.body) as { lastSeq: number }).lastSeq, 0, 'the POSTs never reached the journal');
  });

  it('HTTP/1.1: loopback names pass, with or without the port', async () => {
    const port = new URL(plain.httpUrl).port;
    for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'localhost', `app.localhost:${port}`, `[::1]:${port}`]) {
      const a = await get1(plain.httpUrl, '/hello.txt', host);
      assert.equal(a.status, 200, host);
      assert.equal(a.body, 'hello\n');
      assert.equal((await get1(plain.httpUrl, '/_muxd/journal?limit=1', host)).status, 200, host);
    }
  });

  it('HTTP/2: :authority is checked on every route', async () => {
    const session = http2.connect(tls.httpUrl, { ca: await readFile(join(fixtures, 'cert.pem')), servername: 'localhost' });
    try {
      for (const [method, path] of ROUTES) assertRefused(await get2(session, path, `${ATTACKER}:443`, method), `h2 ${method} ${path}`);
      const ok = await get2(session, '/hello.txt', `localhost:${new URL(tls.httpUrl).port}`);
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'hello\n');
    } finally {
      session.close();
    }
  });

  it('--allowed-hosts admits the named hosts and suffixes, and still refuses others', async () => {
    assert.equal((await get1(allowed.httpUrl, '/_muxd/journal', 'dev.example.test:8000')).status, 200);
    assert.equal((await get1(allowed.httpUrl, '/hello.txt', 'box.lan.test')).status, 200);
    assertRefused(await get1(allowed.httpUrl, '/hello.txt', ATTACKER), 'unlisted name');
  });
});

describe('DNS rebinding: muxd serve', () => {
  it('serve refuses a rebinding Host on a loopback bind; MUXD_ALLOWED_HOSTS=all turns the check off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'muxd-rebind-serve-'));
    await writeFile(join(dir, 'hello.txt'), 'hello\n');
    const start = async (env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => void }> => {
      const child = spawn(process.execPath, [cliPath, 'serve', dir, '--port', '0', '--log', 'off'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.setEncoding('utf8');
      let out = '';
      while (!/listening http (\S+)\n/.test(out)) {
        const [chunk] = (await once(child.stdout, 'data')) as [string];
        out += chunk;
      }
      return { url: /listening http (\S+)\n/.exec(out)![1]!, stop: () => child.kill('SIGTERM') };
    };
    const guarded = await start({});
    const open = await start({ MUXD_ALLOWED_HOSTS: 'all' });
    try {
      assertRefused(await get1(guarded.url, '/hello.txt', ATTACKER), 'serve');
      assert.equal((await get1(guarded.url, '/hello.txt', 'localhost')).status, 200);
      assert.equal((await get1(open.url, '/hello.txt', ATTACKER)).status, 200);
    } finally {
      guarded.stop();
      open.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
