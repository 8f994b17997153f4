// The DNS-rebinding guard's pure parts: which Host values a loopback server answers, and --allowed-hosts parsing.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidOptionError } from '../../src/errors.js';
import { createHostAllowList, hostGuard, hostOfAuthority, isHostAllowed, isLoopbackHost, parseAllowedHosts } from '../../src/http/core/host-check.js';

describe('host check (DNS rebinding)', () => {
  it('isLoopbackHost: loopback literals, localhost and *.localhost only', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LOCALHOST', 'app.localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      assert.equal(isLoopbackHost(h), true, h);
    }
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1', 'localhost.evil.example', 'notlocalhost', '::ffff:10.0.0.1']) {
      assert.equal(isLoopbackHost(h), false, h);
    }
  });

  it('hostOfAuthority splits the port and refuses malformed values', () => {
    assert.equal(hostOfAuthority('Example.COM:8000'), 'example.com');
    assert.equal(hostOfAuthority('[::1]:8000'), '::1');
    assert.equal(hostOfAuthority('[::1]'), '::1');
    assert.equal(hostOfAuthority('localhost.'), 'localhost');
    for (const bad of ['[::1', '[::1]x', 'a:b', 'a b', 'a/b', ':80', '[evil.example]:80', 'a@b']) assert.equal(hostOfAuthority(bad), null, bad);
  });

  it('a loopback bind answers loopback names with or without port, and refuses a rebinding name', () => {
    const list = createHostAllowList('127.0.0.1', []);
    assert.ok(list !== null);
    for (const h of ['127.0.0.1:8000', '127.0.0.1', 'localhost:8000', 'localhost', 'dev.localhost:3000', '[::1]:8000', '127.9.9.9', undefined]) {
      assert.equal(isHostAllowed(list, h), true, String(h));
    }
    for (const h of ['rebind.attacker.example:8000', 'rebind.attacker.example', '192.168.1.5:8000', 'localhost.attacker.example', 'x', '[::1']) {
      assert.equal(isHostAllowed(list, h), false, h);
    }
  });

  it('--allowed-hosts adds exact names and .suffix entries; "all" turns the check off', () => {
    const list = createHostAllowList('::1', parseAllowedHosts('a.example, .dev.test'));
    assert.ok(list !== null);
    assert.equal(isHostAllowed(list, 'a.example:8000'), true);
    assert.equal(isHostAllowed(list, 'A.EXAMPLE'), true);
    assert.equal(isHostAllowed(list, 'b.a.example'), false, 'an exact name does not cover subdomains');
    assert.equal(isHostAllowed(list, 'dev.test'), true);
    assert.equal(isHostAllowed(list, 'x.y.dev.test:1'), true);
    assert.equal(isHostAllowed(list, 'evildev.test'), false);
    assert.equal(createHostAllowList('127.0.0.1', parseAllowedHosts('all')), null);
  });

  it('a public bind checks nothing unless --allowed-hosts is given; then IP literals pass too', () => {
    assert.equal(createHostAllowList('0.0.0.0', []), null);
    const list = createHostAllowList('0.0.0.0', ['files.example']);
    assert.ok(list !== null);
    assert.equal(isHostAllowed(list, '192.168.1.5:8000'), true);
    assert.equal(isHostAllowed(list, 'files.example'), true);
    assert.equal(isHostAllowed(list, 'rebind.attacker.example'), false);
  });

  it('parseAllowedHosts refuses ports, schemes and "all" mixed with names', () => {
    assert.deepEqual(parseAllowedHosts(undefined), []);
    assert.deepEqual(parseAllowedHosts('A.example,,b.example'), ['a.example', 'b.example']);
    for (const bad of ['a.example:80', 'http://a.example', 'all,a.example', 'a b', '-a.example']) {
      assert.throws(() => parseAllowedHosts(bad), InvalidOptionError, bad);
    }
  });
});

describe('hostGuard', () => {
  it('judges like isHostAllowed, remembers a bounded number of values, and passes a missing Host', () => {
    const list = createHostAllowList('127.0.0.1', ['a.example']);
    assert.ok(list !== null);
    const guard = hostGuard(list);
    for (let round = 0; round < 2; round++) {
      assert.equal(guard(undefined), true);
      assert.equal(guard('localhost:1'), true);
      assert.equal(guard('a.example'), true);
      assert.equal(guard('rebind.attacker.example'), false);
    }
    for (let i = 0; i < 200; i++) assert.equal(guard(`spray${i}.attacker.example`), false);
    assert.equal(guard('rebind.attacker.example'), false, 'a cached refusal stays a refusal after the cache fills');
    assert.equal(guard('127.0.0.1:9'), true, 'values judged after the cache is full are still judged');
  });
});
