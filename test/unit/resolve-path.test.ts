// Pins the pure path resolver: ≥100 hostile request targets never resolve outside the root, never throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { resolvePath, MAX_PATH_LENGTH } from '../../src/http/static/resolve-path.js';

const deny = { dotfiles: 'deny' } as const;
const allow = { dotfiles: 'allow' } as const;

// [target, expected status] — every one of these must be refused.
const hostile: Array<[string, 400 | 404]> = [
  ['/..', 404], ['/../', 404], ['/../etc/passwd', 404], ['/../../etc/passwd', 404], ['/a/../../etc/passwd', 404],
  ['/a/b/../../../etc/passwd', 404], ['/./../etc/passwd', 404], ['/a/./../..', 404], ['/..//etc/passwd', 404], ['//../etc/passwd', 404],
  ['/%2e%2e/etc/passwd', 404], ['/%2E%2E/etc/passwd', 404], ['/%2e./etc/passwd', 404], ['/.%2e/etc/passwd', 404], ['/%2e%2e', 404],
  ['/a/%2e%2e/%2e%2e/etc/passwd', 404], ['/%2e%2e/', 404], ['/..%2fetc%2fpasswd', 400], ['/%2e%2e%2fetc%2fpasswd', 400], ['/%2e%2e%2Fetc', 400],
  ['/a%2fb', 400], ['/a%2Fb', 400], ['/%2f', 400], ['/%2F%2F', 400], ['/%2fetc%2fpasswd', 400],
  ['/..\\etc\\passwd', 400], ['/\\..\\etc', 400], ['/a\\b', 400], ['\\', 400], ['/%5c..%5cetc', 400],
  ['/%5C..%5Cetc', 400], ['/..%5c..%5cetc%5cpasswd', 400], ['/%5c', 400], ['/a%5cb', 400], ['/%00', 400],
  ['/index.html%00', 400], ['/index.html%00.txt', 400], ['/%00/../etc', 400], ['/a\u0000b', 400], ['/\u0000', 400],
  ['/%', 400], ['/%%', 400], ['/%2', 400], ['/%2g', 400], ['/%zz', 400],
  ['/a%', 400], ['/a%e', 400], ['/%%32%65', 400], ['/%u002e%u002e/etc', 400], ['/%ff', 400],
  ['/%c0%ae%c0%ae/etc/passwd', 400], ['/%c0%af', 400], ['/%c1%9c', 400], ['/%e0%80%ae', 400], ['/%f0%80%80%ae', 400],
  ['/%c0%2e%c0%2e/', 400], ['/%c0', 400], ['/%e2%82', 400], ['/%ed%a0%80', 400], ['/%f8%88%80%80%80', 400],
  ['/.env', 404], ['/.git/config', 404], ['/.git/HEAD', 404], ['/a/.htpasswd', 404], ['/.ssh/id_rsa', 404],
  ['/%2egit/config', 404], ['/%2Eenv', 404], ['/sub/.hidden/file', 404], ['/.well-known/../.env', 404], ['/a/.well-known/x', 404],
  ['/..;/etc/passwd', 404], ['/a/..', 404], ['/a/b/..', 404], ['/...', 404], ['/....//', 404],
  ['/\t', 400], ['/a\nb', 400], ['/a\rb', 400], ['/a b', 400], ['/%0a', 400],
  ['/%0d%0aSet-Cookie:x', 400], ['/%09', 400], ['/%1f', 400], ['/%7f', 400], ['/\x7f', 400],
  ['*', 400], ['', 400], ['etc/passwd', 400], ['../etc/passwd', 400], ['..', 400],
  ['%2e%2e/etc', 400], ['ftp://x/etc', 400], ['file:///etc/passwd', 400], ['//', 404 as const], ['http://h/../etc/passwd', 404],
  ['http://h/%2e%2e/etc/passwd', 404], ['http://h/a%2fb', 400], ['HTTP://h/..', 404], ['https://h/.env', 404], ['http://h\\..\\etc', 400],
  [`/${'a'.repeat(MAX_PATH_LENGTH + 1)}`, 400], [`/${'%41'.repeat(2000)}`, 400], [`/${'../'.repeat(50)}etc/passwd`, 404], [`/${'%2e%2e/'.repeat(20)}`, 404], ['/%252e%252e/%00', 400],
  ['/.%00.', 400], ['/%2e%00%2e', 400], ['/a/%2e%2e%5c', 400], ['/a/%c0%ae%c0%ae', 400], ['/;/../', 404],
];

test('at least 100 hostile targets are in the table', () => {
  assert.ok(hostile.length >= 100, `only ${hostile.length}`);
});

for (const [target, status] of hostile) {
  test(`refuses ${JSON.stringify(target.length > 60 ? `${target.slice(0, 60)}…` : target)} with ${status}`, () => {
    const r = resolvePath(target, deny);
    if (status === 404 && target === '//') {
      // The root itself: `//` collapses to `/`, which is fine (it is not outside anything).
      assert.equal(r.ok, true);
      return;
    }
    assert.equal(r.ok, false, `resolved to ${JSON.stringify(r)}`);
    if (!r.ok) assert.equal(r.status, status);
  });
}

test('no target in the table resolves outside the root, even with dotfiles allowed', () => {
  const root = '/srv/root';
  for (const [target] of hostile) {
    const r = resolvePath(target, allow);
    if (!r.ok) continue;
    const abs = path.join(root, ...r.segments);
    assert.ok(abs === root || abs.startsWith(`${root}/`), `${target} → ${abs}`);
    for (const seg of r.segments) {
      assert.ok(!seg.includes('/') && !seg.includes('\\') && !seg.includes('\0') && seg !== '..' && seg !== '.');
    }
  }
});

test('random byte strings never throw and never escape', () => {
  let seed = 42;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const alphabet = ['/', '.', '%', '2', 'e', 'f', 'c', '5', '0', '\\', 'a', '..', '%2e', '%2f', '%c0', '%ae', '\0', '?', '#'];
  for (let i = 0; i < 5000; i++) {
    let s = '/';
    const n = 1 + Math.floor(rnd() * 20);
    for (let j = 0; j < n; j++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    const r = resolvePath(s, allow);
    if (r.ok) {
      const abs = path.join('/srv/root', ...r.segments);
      assert.ok(abs === '/srv/root' || abs.startsWith('/srv/root/'), `${JSON.stringify(s)} → ${abs}`);
    }
  }
});

test('ordinary paths resolve to decoded segments', () => {
  const cases: Array<[string, string[], boolean, string]> = [
    ['/', [], true, ''],
    ['/index.html', ['index.html'], false, ''],
    ['/a/b/c.txt', ['a', 'b', 'c.txt'], false, ''],
    ['/dir/', ['dir'], true, ''],
    ['/a//b', ['a', 'b'], false, ''],
    ['/./a', ['a'], false, ''],
    ['/hello%20world.txt', ['hello world.txt'], false, ''],
    ['/caf%C3%A9.html', ['café.html'], false, ''],
    ['/%252e%252e', ['%2e%2e'], false, ''],
    ['/file.txt?x=1&y=/../', ['file.txt'], false, '?x=1&y=/../'],
    ['/a#frag', ['a'], false, ''],
    ['/a?q#f', ['a'], false, '?q'],
    ['/.well-known/security.txt', ['.well-known', 'security.txt'], false, ''],
    ['http://example.com/x/y', ['x', 'y'], false, ''],
    ['http://example.com', [], true, ''],
    ['/%E2%9C%93', ['✓'], false, ''],
  ];
  for (const [target, segments, trailingSlash, query] of cases) {
    const r = resolvePath(target, deny);
    assert.ok(r.ok, `${target} was refused`);
    assert.deepEqual(r.segments, segments, target);
    assert.equal(r.trailingSlash, trailingSlash, target);
    assert.equal(r.query, query, target);
    assert.equal(r.path, `/${segments.join('/')}`);
  }
});

test('dotfiles: allow lets hidden names through, deny refuses them except a leading .well-known', () => {
  assert.deepEqual(resolvePath('/.env', allow), { ok: true, segments: ['.env'], path: '/.env', trailingSlash: false, query: '' });
  assert.equal(resolvePath('/.env', deny).ok, false);
  assert.equal(resolvePath('/.well-known/x', deny).ok, true);
  assert.equal(resolvePath('/.well-known/.x', deny).ok, false);
});
