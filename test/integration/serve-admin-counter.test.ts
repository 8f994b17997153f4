// `serve --admin`'s response counter is composed by buildServeHandler (issue 15: the CLI composes nothing), in front of every layer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HttpStatusCounter } from '../../src/web/metrics.js';
import { LAYER_ORDER } from '../../src/http/features/build.js';
import { basicAuth, send, startFeatureServer } from '../helpers/feature-server.js';

test('the builder counts every response, a 401 from auth and a 404 included, with its body bytes', async (t) => {
  assert.equal(LAYER_ORDER[0], 'count', 'the counter is the first layer');
  const dir = await mkdtemp(path.join(tmpdir(), 'muxd-count-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'index.html'), 'hello');
  const counter = new HttpStatusCounter();
  const server = await startFeatureServer(dir, { auth: 'alice:s3cret' }, {}, counter);
  t.after(() => server.close());
  assert.equal((await send(server.port, 'GET', '/')).status, 401);
  const ok = await send(server.port, 'GET', '/', { authorization: basicAuth('alice', 's3cret') });
  assert.equal(ok.body, 'hello');
  assert.equal((await send(server.port, 'GET', '/missing', { authorization: basicAuth('alice', 's3cret') })).status, 404);
  assert.deepEqual([...counter.byStatus].sort(), [[200, 1], [401, 1], [404, 1]]);
  assert.equal(counter.bytesByClass.get('2xx'), 5);
});
