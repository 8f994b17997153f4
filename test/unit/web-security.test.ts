// Access rules for /_muxd/*: loopback detection, tokens, same-origin POSTs, and the reserved prefix in every spelling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { createAccessPolicy } from '../../src/web/security.js';
import { isSameOrigin } from '../../src/http/core/request-target.js';
import { isReservedPath } from '../../src/web/router.js';

const req = (headers: Record<string, string>): IncomingMessage => ({ headers }) as unknown as IncomingMessage;

describe('web security', () => {
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

  it('the session cookie is an HMAC of the token, per port, HttpOnly and SameSite=Strict, and only counts where asked', () => {
    const p = createAccessPolicy({ host: '0.0.0.0', token: 's3cret' });
    const sock = { localPort: 8123 };
    const setCookie = p.sessionCookie({ headers: {}, socket: sock } as unknown as IncomingMessage);
    assert.ok(setCookie !== null);
    assert.match(setCookie, /^muxd_session_8123=[A-Za-z0-9_-]{43}; Path=\/_muxd\/; HttpOnly; SameSite=Strict$/);
    assert.ok(!setCookie.includes('s3cret'), 'the cookie never carries the token itself');
    const pair = setCookie.split(';')[0]!;
    const u = new URL('http://h/_muxd/events');
    const withCookie = { headers: { cookie: `other=1; ${pair}` }, socket: sock } as unknown as IncomingMessage;
    assert.equal(p.checkToken(withCookie, u, true), null);
    assert.equal(p.checkToken(withCookie, u, false)?.code, 'ERR_UNAUTHORIZED', 'the cookie opens only the event stream');
    const otherPort = { headers: { cookie: pair }, socket: { localPort: 9999 } } as unknown as IncomingMessage;
    assert.equal(p.checkToken(otherPort, u, true)?.code, 'ERR_UNAUTHORIZED');
    const forged = { headers: { cookie: `${pair.slice(0, -1)}A` }, socket: sock } as unknown as IncomingMessage;
    assert.equal(p.checkToken(forged, u, true)?.code, 'ERR_UNAUTHORIZED');
    assert.equal(createAccessPolicy({ host: '127.0.0.1' }).sessionCookie(withCookie), null);
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
