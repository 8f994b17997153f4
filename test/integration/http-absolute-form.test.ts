// Regression: an absolute-form target (`GET http://host/_muxd/journal HTTP/1.1`, legal HTTP/1.1) skipped the /_muxd
// router and reached DIR/_muxd/... on disk. The server now normalises the target once, at its edge, so the static
// handler and the /_muxd router only ever see origin-form.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rawExchange, startServer } from '../helpers/http-fixtures.js';
import type { TestServer } from '../helpers/http-fixtures.js';
import { startUpInProcess } from '../helpers/up-inprocess.js';
import type { UpInProcess } from '../helpers/up-inprocess.js';

function statusAndBody(raw: string): { status: number; body: string } {
  const i = raw.indexOf('\r\n\r\n');
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]), body: raw.slice(i + 4) };
}

describe('absolute-form targets route exactly like origin-form', { timeout: 30_000 }, () => {
  let dir: string;
  let up: UpInProcess;
  let files: TestServer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muxd-absolute-'));
    const site = join(dir, 'site');
    await mkdir(join(site, '_muxd'), { recursive: true });
    await writeFile(join(site, '_muxd', 'journal'), 'a file that must never shadow the endpoint');
    await writeFile(join(site, '_muxd', 'health'), 'a file that must never shadow the endpoint');
    await writeFile(join(site, 'hello.txt'), 'hello\n');
    up = await startUpInProcess(dir, site);
    files = await startServer({ root: site });
  });
  after(async () => {
    await up.close();
    await files.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('GET http://host/_muxd/journal reaches the endpoint, not DIR/_muxd/journal', async () => {
    // The target's authority overrides Host, so the DNS-rebinding guard checks it: another name is refused outright.
    const rebound = statusAndBody(await rawExchange(up.port, `GET http://evil.example/_muxd/journal HTTP/1.1\r\nHost: 127.0.0.1:${up.port}\r\nConnection: close\r\n\r\n`));
    assert.equal(rebound.status, 403);
    assert.equal((JSON.parse(rebound.body) as { error: { code: string } }).error.code, 'ERR_HOST_NOT_ALLOWED');
    for (const target of [`http://127.0.0.1:${up.port}/_muxd/journal?limit=5`, 'HTTP://LOCALHOST/_muxd/journal']) {
      const { status, body } = statusAndBody(await rawExchange(up.port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${up.port}\r\nConnection: close\r\n\r\n`));
      assert.equal(status, 200, target);
      assert.doesNotMatch(body, /never shadow/, target);
      assert.ok(Array.isArray((JSON.parse(body) as { records: unknown[] }).records), target);
    }
    const health = statusAndBody(await rawExchange(up.port, `GET http://localhost/_muxd/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`));
    assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
  });

  it('files and the reserved prefix in absolute-form, under up and plain serve', async () => {
    const file = statusAndBody(await rawExchange(up.port, 'GET http://localhost/hello.txt HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    assert.deepEqual([file.status, file.body], [200, 'hello\n']);
    const hidden = statusAndBody(await rawExchange(up.port, 'GET http://localhost/%5Fmuxd/journal HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    assert.equal(hidden.status, 404);
    assert.doesNotMatch(hidden.body, /never shadow/);
    const root = statusAndBody(await rawExchange(files.port, 'GET http://localhost HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    assert.equal(root.status, 404, 'no index.html: the root, not a 400');
    const served = statusAndBody(await rawExchange(files.port, 'GET http://localhost/hello.txt?q=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'));
    assert.deepEqual([served.status, served.body], [200, 'hello\n']);
  });
});
