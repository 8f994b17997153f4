// Access rules for /_muxd/*: loopback detection, tokens, same-origin POSTs, and the reserved prefix in every spelling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createAccessPolicy, isLoopbackHost, isSameOrigin } from '../../src/web/security.js';
import { isReservedPath } from '../../src/web/router.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

describe('web security', () => {
  it('isLoopbackHost', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['0.0.0.0', '::', '192.168.1.10', 'example.com', '10.0.0.1']) assert.equal(isLoopbackHost(h), false, h);
  });

  it('token from Bearer header or ?token=, compared exactly', () => {
    const p = createAccessPolicy({ host: '0.0.0.0', token: 's3cret' });
    const u = (q: string): URL => new URL(`http://h/_muxd/journal${q}`);
    assert.equal(p.tokenRequired, true);
    assert.equal(p.checkToken(req({ authorization: 'Bearer s3cret' }), u('')), null);
    assert.equal(p.checkToken(req({}), u('?token=s3cret')), null);
    assert.equal(p.checkToken(req({}), u(''))?.code, 'ERR_UNAUTHORIZED');
    assert.equal(p.checkToken(req({ authorization: 'Bearer s3cre' }), u(''))?.code, 'ERR_UNAUTHORIZED');
    assert.equal(p.checkToken(req({}), u('?token=s3cretX'))?.code, 'ERR_UNAUTHORIZED');
    const open = createAccessPolicy({ host: '127.0.0.1' });
    assert.equal(open.checkToken(req({}), u('')), null);
  });

  it('same-origin check on Origin and Sec-Fetch-Site', () => {
    assert.equal(isSameOrigin(req({ host: '127.0.0.1:8000' })), true, 'no Origin: not a browser');
    assert.equal(isSameOrigin(req({ host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8000' })), true);
    assert.equal(isSameOrigin(req({ host: '127.0.0.1:8000', origin: 'http://evil.example' })), false);
    assert.equal(isSameOrigin(req({ host: '127.0.0.1:8000', origin: 'http://127.0.0.1:8001' })), false);
    assert.equal(isSameOrigin(req({ host: '127.0.0.1:8000', origin: 'null' })), false);
    assert.equal(isSameOrigin(req({ host: '127.0.0.1:8000', 'sec-fetch-site': 'cross-site' })), false);
    assert.equal(createAccessPolicy({ host: '127.0.0.1' }).checkOrigin(req({ host: 'a', origin: 'http://b' }))?.code, 'ERR_FORBIDDEN_ORIGIN');
  });

  it('the /_muxd prefix is reserved in every spelling', () => {
    for (const p of ['/_muxd', '/_muxd/', '/_muxd/x', '/%5Fmuxd/x', '/%5fmuxd', '//_muxd/x', '/./_muxd/x', '/a/../_muxd/x', '/\\_muxd/x', '/_%6duxd/']) {
      assert.equal(isReservedPath(p), true, p);
    }
    for (const p of ['/', '/_muxdx', '/a/_muxd', '/index.html', '/%ZZ']) assert.equal(isReservedPath(p), false, p);
  });
});
