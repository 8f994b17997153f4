// Live reload's pure parts: where the script goes, which nonce it carries, which changes count and what they trigger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeKind, documentNonce, ignoredChange, injectReloadScript } from '../../src/http/features/live-reload.js';

const TAG = '<script src="/_muxd/reload.js"></script>';
const inject = (s: string): string => injectReloadScript(Buffer.from(s)).toString();

test('the script goes before the last </body>, else before </html>, else at the end, in any letter case', () => {
  assert.equal(inject('<body>a</body>'), `<body>a${TAG}</body>`);
  assert.equal(inject('<BODY>a</BODY >\n</HTML>'), `<BODY>a${TAG}</BODY >\n</HTML>`);
  assert.equal(inject('<p>"</body>" in a comment</p></body>'), `<p>"</body>" in a comment</p>${TAG}</body>`);
  assert.equal(inject('<html><p>x</html>'), `<html><p>x${TAG}</html>`);
  assert.equal(inject('<p>fragment'), `<p>fragment${TAG}`);
});

test('bytes that are not UTF-8 text stay exactly as they were', () => {
  const html = Buffer.concat([Buffer.from('<p>'), Buffer.from([0xe9, 0xff, 0xc3, 0xa9]), Buffer.from('</p></body>')]);
  const out = injectReloadScript(html);
  assert.ok(out.subarray(0, 7).equals(html.subarray(0, 7)));
  assert.equal(out.length, html.length + TAG.length);
  assert.ok(out.subarray(out.length - 7).equals(Buffer.from('</body>')));
});

test('the nonce comes from a meta CSP (either attribute order) or a nonced script; junk never reaches the attribute', () => {
  assert.equal(documentNonce(`<meta http-equiv="Content-Security-Policy" content="script-src 'nonce-r4nd0m+/='">`), 'r4nd0m+/=');
  assert.equal(documentNonce(`<meta content="default-src 'self'; script-src 'nonce-abc'" http-equiv=content-security-policy>`), 'abc');
  assert.equal(documentNonce('<script nonce="n-1_2">x()</script>'), 'n-1_2');
  assert.equal(documentNonce('<script src=a.js></script>'), undefined);
  assert.equal(documentNonce(`<script nonce='"><img src=x onerror=alert(1)>'></script>`), undefined);
  assert.equal(inject(`<script nonce="q1">a()</script></body>`), `<script nonce="q1">a()</script><script src="/_muxd/reload.js" nonce="q1"></script></body>`);
});

test('hidden paths and backups are ignored; only an all-CSS batch swaps stylesheets', () => {
  assert.ok(ignoredChange('.git/index'));
  assert.ok(ignoredChange('src/.index.html.swp'));
  assert.ok(ignoredChange('page.html~'));
  assert.ok(!ignoredChange('css/site.css'));
  assert.equal(changeKind(['a.css', 'b/c.CSS']), 'css');
  assert.equal(changeKind(['a.css', 'index.html']), 'reload');
  assert.equal(changeKind(['']), 'reload', 'an event without a file name reloads');
  assert.equal(changeKind([]), 'reload');
});
