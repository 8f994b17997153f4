// The proxy's pure core: --proxy rule parsing, longest-prefix matching with path rewriting, hop-by-hop filtering.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { downstreamResponseHeaders, headersObject, matchProxy, parseProxyRule, parseProxyRules, upstreamRequestHeaders } from '../../src/http/features/proxy-rules.js';
import { ErrorCode } from '../../src/errors.js';

test('parses PREFIX=URL, defaulting the port to 80 and keeping an IPv6 host bracketed only in Host', () => {
  const r = parseProxyRule('/api/=http://127.0.0.1:3000');
  assert.deepEqual([r.prefix, r.hostname, r.port, r.authority, r.path], ['/api', '127.0.0.1', 3000, '127.0.0.1:3000', null]);
  const v6 = parseProxyRule('/x=http://[::1]/base/');
  assert.deepEqual([v6.hostname, v6.port, v6.authority, v6.path], ['::1', 80, '[::1]', '/base/']);
  assert.equal(parseProxyRule('/=http://localhost:8080').prefix, '/');
});

test('refuses malformed rules with ERR_INVALID_OPTION naming the rule', () => {
  for (const bad of ['/api', 'api=http://h:1', '/api=https://h:1', '/api=ftp://h', '/api=http://u:p@h:1', '/api=http://h:1/?q=1', '/a/../b=http://h:1', '/api=not a url', '/a%2f=http://h:1']) {
    assert.throws(() => parseProxyRule(bad), (err: { code?: string; message: string }) => err.code === ErrorCode.INVALID_OPTION && err.message.includes(JSON.stringify(bad)), bad);
  }
  assert.throws(() => parseProxyRules(['/api=http://a:1', '/api/=http://b:2']), /two rules/);
});

test('matches the longest prefix that ends at a slash, a query or the end, and rewrites like nginx proxy_pass', () => {
  const rules = parseProxyRules(['/api=http://a:1', '/api/v2=http://b:2/', '/strip=http://c:3/base']);
  const m = (url: string): string | null => {
    const r = matchProxy(rules, url);
    return r === null ? null : r === 'bad' ? 'bad' : `${r.rule.authority}${r.path}`;
  };
  assert.equal(m('/api'), 'a:1/api');
  assert.equal(m('/api?x=1'), 'a:1/api?x=1');
  assert.equal(m('/api/users/1'), 'a:1/api/users/1');
  assert.equal(m('/apix'), null);
  assert.equal(m('/index.html'), null);
  assert.equal(m('/api/v2/items?q'), 'b:2/items?q');
  assert.equal(m('/api/v2'), 'b:2/');
  assert.equal(m('/strip/x'), 'c:3/base/x');
  assert.equal(m('/strip?y'), 'c:3/base?y');
  assert.equal(m('/api/../admin'), 'bad');
  assert.equal(m('/api/%2E%2e/admin'), 'bad');
  assert.equal(m('/api/./x'), 'bad');
  assert.equal(m('/api/x?next=/../y'), 'a:1/api/x?next=/../y', 'the query is not a path');
  assert.equal(matchProxy(parseProxyRules(['/=http://d:4/p/']), '/a/b') !== null, true);
});

test('request headers: hop-by-hop and Connection-named ones dropped, Host replaced, X-Forwarded-* set', () => {
  const raw = [
    'Host', 'site.test', 'Connection', 'keep-alive, X-Hop', 'X-Hop', '1', 'Keep-Alive', 't', 'TE', 'trailers', 'Trailer', 'X',
    'Transfer-Encoding', 'chunked', 'Upgrade', 'h2c', 'Proxy-Authorization', 'x', 'Proxy', 'http://evil', ':authority', 'a',
    'X-Forwarded-For', '10.0.0.1', 'X-Forwarded-Host', 'forged', 'X-Forwarded-Proto', 'https', 'Accept', 'text/html', 'Cookie', 'c=1',
  ];
  const out = upstreamRequestHeaders(raw, { clientIp: '192.0.2.7', proto: 'http', host: 'site.test', upstreamAuthority: 'up:9' });
  assert.deepEqual(out, [
    'Host', 'up:9', 'Accept', 'text/html', 'Cookie', 'c=1',
    'X-Forwarded-For', '10.0.0.1, 192.0.2.7', 'X-Forwarded-Proto', 'http', 'X-Forwarded-Host', 'site.test',
  ]);
  const ws = upstreamRequestHeaders(['Connection', 'Upgrade', 'Upgrade', 'websocket', 'Sec-WebSocket-Key', 'k'], { clientIp: '::1', proto: 'https', host: undefined, upstreamAuthority: 'up:9', upgrade: 'websocket' });
  assert.deepEqual(ws, ['Host', 'up:9', 'Sec-WebSocket-Key', 'k', 'X-Forwarded-For', '::1', 'X-Forwarded-Proto', 'https', 'Connection', 'Upgrade', 'Upgrade', 'websocket']);
});

test('response headers: hop-by-hop dropped, repeated ones kept (and grouped for HTTP/2)', () => {
  const out = downstreamResponseHeaders(['Connection', 'close, X-A', 'X-A', '1', 'Keep-Alive', 't', 'Transfer-Encoding', 'chunked', 'Proxy-Authenticate', 'B', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'ETag', '"e"']);
  assert.deepEqual(out, ['Set-Cookie', 'a=1', 'Set-Cookie', 'b=2', 'ETag', '"e"']);
  assert.deepEqual(headersObject(out), { 'set-cookie': ['a=1', 'b=2'], etag: '"e"' });
});
