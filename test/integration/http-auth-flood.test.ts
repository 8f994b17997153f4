// Basic auth under a flood of bad credentials: the password checks are shared fairly by client address.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import { authLayer, BasicAuth, hashPassword, parseHash, scryptHasher } from '../../src/http/features/auth.js';
import type { Hasher } from '../../src/http/features/auth.js';
import { createStaticHandler } from '../../src/http/static/static-handler.js';
import { createHttpServer } from '../../src/http/core/server.js';
import { composeLayers } from '../../src/http/core/layers.js';
import { createHostAllowList } from '../../src/http/core/host-check.js';
import { makeDocroot, testServerOptions } from '../helpers/http-fixtures.js';
import { basicAuth } from '../helpers/feature-server.js';

/** One GET from a given local address; resolves with the status. */
function get(port: number, localAddress: string, authorization: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/', localAddress, agent: false, headers: { Authorization: authorization } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
  });
}

test('issue 15: 400 concurrent bad-credential requests locked fresh valid logins out (503) through the 64-check cap; a valid user from another address gets in', async () => {
  const root = await makeDocroot();
  after(() => root.cleanup());
  const password = 'right horse battery';
  // Wrong passwords hash only when the test says so: the flood holds every slot for as long as the test wants.
  const held: Array<() => void> = [];
  let started = 0;
  let onStart: (() => void) | null = null;
  const hasher: Hasher = (pw, h, len) => {
    if (pw.toString() === password) return scryptHasher(pw, h, len);
    started++;
    onStart?.();
    return new Promise((resolve) => held.push(() => resolve(Buffer.alloc(len))));
  };
  const auth = new BasicAuth({ users: new Map([['alice', parseHash(await hashPassword(password))!]]), hasher });
  const files = await createStaticHandler({ root: root.dir, listing: false, spa: false, dotfiles: 'deny', cacheSeconds: 0, cors: null });
  const server = createHttpServer({ ...testServerOptions, allowedHosts: createHostAllowList('127.0.0.1', []) }, composeLayers([authLayer(auth)], files));
  const { port } = await server.listen();
  after(async () => {
    for (const release of held.splice(0)) release();
    (server.server as http.Server).closeAllConnections();
    server.closable.stopAccepting?.();
    await server.closable.close?.();
  });

  const flood = Array.from({ length: 400 }, (_, i) => get(port, '127.0.0.1', basicAuth('alice', `guess ${i}`)));
  // 64 checks run (and hang here), 16 more wait in 127.0.0.1's queue, and the other 320 are refused at once.
  const refused = await Promise.race([Promise.all(flood), new Promise<'busy'>((r) => setTimeout(() => r('busy'), 0).unref())]);
  assert.equal(refused, 'busy', 'the flood is still being checked');
  while (started < 64) await new Promise<void>((r) => (onStart = r));
  assert.equal(auth.pending, 64);

  // The server learns of the 16 queued checks as their requests arrive: no event tells the test, so it looks.
  while (auth.queued < 16) await delay(5);
  const valid = get(port, '127.0.0.2', basicAuth('alice', password));
  while (auth.queued < 17) await delay(5);
  // Two checks end: the first freed slot goes to the flooding address's queue, the next one to 127.0.0.2.
  const before = started;
  held.shift()!();
  while (started === before) await new Promise<void>((r) => (onStart = r));
  held.shift()!();
  assert.equal(await valid, 200, 'the valid login got in while the flood was still running');
  assert.equal(auth.pending, 64, 'the flood still holds its slots');

  for (;;) {
    const release = held.shift();
    if (release === undefined) break;
    release();
    await new Promise<void>((r) => setImmediate(r));
  }
  const statuses = await Promise.all(flood);
  assert.equal(statuses.filter((s) => s === 401).length, 64 + 16, 'every check that ran refused its guess');
  assert.equal(statuses.filter((s) => s === 503).length, 400 - 64 - 16, 'the rest of one address\'s flood was turned away');
});
