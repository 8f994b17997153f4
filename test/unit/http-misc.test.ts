// Pins the small pure helpers of the HTTP server: Accept-Encoding negotiation, CORS policy, mime types, log quoting.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAcceptEncoding, negotiateEncoding } from '../../src/http/static/compress.js';
import { createCorsPolicy, corsHeadersFor, preflight, staticCorsHeaders } from '../../src/http/features/cors.js';
import { contentTypeFor, isCompressible } from '../../src/http/static/mime.js';
import { quoteLogValue } from '../../src/http/core/access-log.js';
import { escapeHtml, wantsJson } from '../../src/http/static/listing.js';

test('Accept-Encoding: br preferred, q-values honoured, q=0 refuses, * counts', () => {
  assert.equal(parseAcceptEncoding('gzip, deflate, br'), 'br');
  assert.equal(parseAcceptEncoding('gzip'), 'gzip');
  assert.equal(parseAcceptEncoding('br;q=0.5, gzip;q=0.9'), 'gzip');
  assert.equal(parseAcceptEncoding('br;q=0, gzip;q=0'), null);
  assert.equal(parseAcceptEncoding('*'), 'br');
  assert.equal(parseAcceptEncoding('*;q=0, gzip'), 'gzip');
  assert.equal(parseAcceptEncoding('identity'), null);
  assert.equal(parseAcceptEncoding('br, gzip', ['gzip']), 'gzip');
  assert.equal(negotiateEncoding(undefined), null);
  assert.equal(negotiateEncoding('gzip, br'), 'br');
});

test('CORS: * never goes with credentials; an allow-list echoes only listed origins', () => {
  const any = createCorsPolicy(['*'])!;
  assert.deepEqual(staticCorsHeaders(any).slice(0, 2), ['Access-Control-Allow-Origin', '*']);
  const p = preflight(any, 'https://x.example', 'GET', 'range, if-none-match');
  assert.equal(p.status, 204);
  assert.ok(!p.headers.includes('Access-Control-Allow-Credentials'));
  const list = createCorsPolicy(['https://a.example', 'https://b.example/'])!;
  assert.deepEqual(corsHeadersFor(list, 'https://evil.example'), []);
  const ok = corsHeadersFor(list, 'https://b.example');
  assert.equal(ok[ok.indexOf('Access-Control-Allow-Origin') + 1], 'https://b.example');
  assert.equal(preflight(list, 'https://evil.example', 'GET', undefined).status, 403);
  assert.equal(preflight(list, 'https://a.example', 'DELETE', undefined).status, 403);
  assert.equal(createCorsPolicy(null), null);
});

test('Content-Type: charset=utf-8 on text types, octet-stream for unknown; compressible types', () => {
  assert.equal(contentTypeFor('a.html'), 'text/html; charset=utf-8');
  assert.equal(contentTypeFor('A.CSS'), 'text/css; charset=utf-8');
  assert.equal(contentTypeFor('app.js'), 'text/javascript; charset=utf-8');
  assert.equal(contentTypeFor('d.json'), 'application/json; charset=utf-8');
  assert.equal(contentTypeFor('i.png'), 'image/png');
  assert.equal(contentTypeFor('noext'), 'application/octet-stream');
  assert.equal(isCompressible('text/html; charset=utf-8'), true);
  assert.equal(isCompressible('image/svg+xml'), true);
  assert.equal(isCompressible('image/png'), false);
});

test('log values are quoted on one line, HTML is escaped, Accept picks JSON listings', () => {
  assert.equal(quoteLogValue('a"b\nc\\'), '"a\\x22b\\x0ac\\x5c"');
  assert.equal(quoteLogValue(undefined), '"-"');
  assert.equal(escapeHtml('<img src=x onerror="a">&\''), '&#60;img src=x onerror=&#34;a&#34;&#62;&#38;&#39;');
  assert.equal(wantsJson('application/json'), true);
  assert.equal(wantsJson('text/html,application/json'), false);
  assert.equal(wantsJson(undefined), false);
});
