// FairGate: slots, one bounded queue per client served round robin; clientKey: IPv4, IPv4-mapped, IPv6 /64.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clientKey, FairGate } from '../../src/http/features/fair-gate.js';

test('a freed slot goes to the next waiting client in turn, not to the one that queued most', async () => {
  const gate = new FairGate({ slots: 2, queuePerClient: 3, clients: 10 });
  const order: string[] = [];
  const run = (client: string): boolean => {
    const p = gate.acquire(client);
    if (p === null) return false;
    void p.then(() => order.push(client));
    return true;
  };
  assert.ok(run('a') && run('a'), 'free slots are taken at once');
  assert.ok(run('a') && run('a') && run('a'));
  assert.equal(run('a'), false, "a's queue is full: refused");
  assert.ok(run('b') && run('c'));
  assert.equal(gate.queued, 5);
  await Promise.resolve();
  assert.deepEqual(order, ['a', 'a']);
  for (let i = 0; i < 5; i++) gate.release();
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(order.slice(2), ['a', 'b', 'c', 'a', 'a']);
  assert.equal(gate.active, 2, 'each release handed its slot on');
  gate.release();
  gate.release();
  assert.equal(gate.active, 0);
  assert.ok(run('z'), 'free again');
});

test('the number of waiting clients is bounded too', () => {
  const gate = new FairGate({ slots: 1, queuePerClient: 1, clients: 2 });
  assert.notEqual(gate.acquire('a'), null);
  assert.notEqual(gate.acquire('b'), null);
  assert.notEqual(gate.acquire('c'), null);
  assert.equal(gate.acquire('d'), null);
});

test('clientKey: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
  const cases: [string | undefined, string][] = [
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:10.1.2.3', '10.1.2.3'],
    ['2001:db8:0:1:aaaa:bbbb:cccc:dddd', '2001:db8:0:1::/64'],
    ['2001:db8:0:1::5', '2001:db8:0:1::/64'],
    ['2001:DB8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    [undefined, ''],
  ];
  for (const [address, key] of cases) assert.equal(clientKey(address), key, String(address));
});
