// The admin listener answers its refusals with the one JSON error reply of the HTTP layer (issue 15), with the code's status.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Lifecycle } from '../../src/lifecycle.js';
import { startAdminServer } from '../../src/admin/start.js';
import { healthBody } from '../../src/web/health.js';
import { createMetrics } from '../../src/web/metrics.js';

function get(url: string, method = 'GET', host?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent: false, ...(host ? { headers: { host } } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('admin: 404, 405 and a foreign Host are JSON errors with their codes; /health and /metrics answer', async (t) => {
  const lifecycle = new Lifecycle({ log: () => {} });
  const url = await startAdminServer({ host: '127.0.0.1', port: 0 }, { metrics: createMetrics({}), health: () => healthBody({ version: '0', startedAt: Date.now() }) }, lifecycle);
  t.after(() => lifecycle.shutdown());
  const notFound = await get(`${url}/nope`);
  assert.equal(notFound.status, 404);
  assert.equal((JSON.parse(notFound.body) as { error: { code: string } }).error.code, 'ERR_NOT_FOUND');
  assert.match(notFound.headers['content-type'] ?? '', /^application\/json/);
  const wrongMethod = await get(`${url}/metrics`, 'POST');
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.allow, 'GET, HEAD');
  assert.equal((JSON.parse(wrongMethod.body) as { error: { code: string } }).error.code, 'ERR_METHOD_NOT_ALLOWED');
  const foreign = await get(`${url}/metrics`, 'GET', 'evil.example');
  assert.equal(foreign.status, 403);
  assert.equal((JSON.parse(foreign.body) as { error: { code: string } }).error.code, 'ERR_HOST_NOT_ALLOWED');
  const health = await get(`${url}/health`);
  assert.equal(health.status, 200);
  assert.equal((JSON.parse(health.body) as { status: string }).status, 'ok');
  assert.equal((await get(`${url}/metrics`)).status, 200);
});
