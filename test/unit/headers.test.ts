// Header rules: the glob matcher (`*`, `**`, `?`), header validation at startup, and which rule wins.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globToRegExp, headersFor, parseHeaderFlag, parseHeaderRules, validateHeader } from '../../src/http/features/headers.js';
import { InvalidOptionError } from '../../src/errors.js';

test('globs: * stays in one segment, ** crosses segments (a trailing /** matches the folder too), ? is one character', () => {
  const table: [string, string, boolean][] = [
    ['/assets/**', '/assets', true],
    ['/assets/**', '/assets/', true],
    ['/assets/**', '/assets/app.js', true],
    ['/assets/**', '/assets/a/b/c.js', true],
    ['/assets/**', '/assetsx/app.js', false],
    ['/assets/**', '/other/assets/app.js', false],
    ['/*.html', '/index.html', true],
    ['/*.html', '/sub/index.html', false],
    ['*.html', '/sub/deep/index.html', true],
    ['*.html', '/index.html', true],
    ['*.html', '/index.htm', false],
    ['/a/**/b.txt', '/a/b.txt', true],
    ['/a/**/b.txt', '/a/x/y/b.txt', true],
    ['/a/**/b.txt', '/ab.txt', false],
    ['/file?.txt', '/file1.txt', true],
    ['/file?.txt', '/file12.txt', false],
    ['/file?.txt', '/file/.txt', false],
    ['/a.b+(c)', '/a.b+(c)', true],
    ['/a.b', '/axb', false],
    ['/**', '/anything/at/all', true],
    ['/x/**.js', '/x/a/b.js', true],
  ];
  for (const [glob, p, want] of table) assert.equal(globToRegExp(glob).test(p), want, `${glob} vs ${p}`);
});

test('header names must be tokens, values hold no CR, LF, NUL or other controls, and framing headers are refused', () => {
  assert.deepEqual(parseHeaderFlag('X-Frame-Options:  DENY '), ['X-Frame-Options', 'DENY']);
  assert.deepEqual(parseHeaderFlag('Cache-Control: max-age=60, immutable'), ['Cache-Control', 'max-age=60, immutable']);
  assert.deepEqual(validateHeader('X-Tab', 'a\tb', 'test'), ['X-Tab', 'a\tb']);
  const bad = ['NoColon', ': empty-name', 'Bad Name: x', 'X-A\r\nSet-Cookie: evil', 'X-A: a\r\nSet-Cookie: evil', 'X-A: a\nb', 'X-A: a\0b', 'X-A: \x1b[31m', 'Content-Length: 5', 'transfer-encoding: chunked', 'Connection: close', 'X-(A): 1'];
  for (const raw of bad) assert.throws(() => parseHeaderFlag(raw), InvalidOptionError, raw);
  assert.throws(() => parseHeaderRules([], { '/a/**': { 'X-A': 1 } }), /must be a string/);
  assert.throws(() => parseHeaderRules([], { '/a/**': 'x' }), /must map header names/);
  assert.throws(() => parseHeaderRules([], ['x']), /object of globs/);
  assert.throws(() => parseHeaderRules([], { '/a b': {} }), /not a URL path glob/);
  assert.throws(() => parseHeaderRules([], { '/a/**': { 'X-A': 'a\r\nb' } }), /control character/);
  assert.equal(parseHeaderRules([], undefined), null);
  assert.equal(parseHeaderRules([], {}), null);
});

test('every matching rule applies in file order, a later one replacing the same name (any case), and --header flags win', () => {
  const rules = parseHeaderRules(['x-who: flag'], {
    '/**': { 'X-Who': 'all', 'X-Frame-Options': 'DENY' },
    '/assets/**': { 'Cache-Control': 'max-age=31536000, immutable', 'x-who': 'assets' },
  })!;
  assert.deepEqual(headersFor(rules, '/assets/app.js'), [
    ['x-who', 'flag'],
    ['X-Frame-Options', 'DENY'],
    ['Cache-Control', 'max-age=31536000, immutable'],
  ]);
  assert.deepEqual(headersFor(rules, '/index.html'), [
    ['x-who', 'flag'],
    ['X-Frame-Options', 'DENY'],
  ]);
});
