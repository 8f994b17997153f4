// --qr's choice of LAN URL (every branch, with made-up interfaces) and --open's opener per platform.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { lanUrl, renderQr } from '../../src/cli/qr.js';
import type { Interfaces } from '../../src/cli/qr.js';
import { openerFor } from '../../src/cli/open.js';

const nic = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
const ifaces: Interfaces = {
  lo: [nic('127.0.0.1', 'IPv4', true), nic('::1', 'IPv6', true)],
  eth0: [nic('fe80::1', 'IPv6'), nic('2001:db8::5', 'IPv6'), nic('192.168.1.20', 'IPv4')],
};

test('a wildcard bind gives the first non-internal IPv4 address; :: falls back to a global IPv6 one', () => {
  assert.deepEqual(lanUrl('http', '0.0.0.0', 8000, ifaces), { ok: true, url: 'http://192.168.1.20:8000/' });
  assert.deepEqual(lanUrl('https', '::', 8443, ifaces), { ok: true, url: 'https://192.168.1.20:8443/' });
  const v6only: Interfaces = { lo: ifaces.lo, eth0: [nic('fe80::1', 'IPv6'), nic('2001:db8::5', 'IPv6')] };
  assert.deepEqual(lanUrl('http', '::', 80, v6only), { ok: true, url: 'http://[2001:db8::5]:80/' });
  const r = lanUrl('http', '0.0.0.0', 80, v6only);
  assert.equal(r.ok, false);
});

test('a specific address is used as it is; loopback and no LAN at all say why', () => {
  assert.deepEqual(lanUrl('http', '192.168.1.20', 9000, ifaces), { ok: true, url: 'http://192.168.1.20:9000/' });
  for (const host of ['127.0.0.1', 'localhost', '::1', '127.1.2.3']) {
    const r = lanUrl('http', host, 8000, ifaces);
    assert.ok(!r.ok && r.reason.includes('is loopback'), host);
  }
  const none = lanUrl('http', '0.0.0.0', 8000, { lo: ifaces.lo });
  assert.ok(!none.ok && /no LAN address/.test(none.reason));
});

test('the QR block is made of block characters and ends with the URL', () => {
  const out = renderQr('http://192.168.1.20:8000/');
  const rows = out.trimEnd().split('\n');
  assert.equal(rows.at(-1), 'http://192.168.1.20:8000/');
  assert.ok(rows.length > 10);
  assert.ok(rows.slice(0, -1).every((r) => /^[█▀▄ ]+$/.test(r)));
});

test('the opener per platform', () => {
  assert.deepEqual(openerFor('linux', 'http://x/'), { command: 'xdg-open', args: ['http://x/'] });
  assert.deepEqual(openerFor('freebsd', 'http://x/'), { command: 'xdg-open', args: ['http://x/'] });
  assert.deepEqual(openerFor('darwin', 'http://x/'), { command: 'open', args: ['http://x/'] });
  assert.deepEqual(openerFor('win32', 'http://x/?a=1&b=2'), { command: 'cmd', args: ['/c', 'start', '""', '"http://x/?a=1&b=2"'] });
});
