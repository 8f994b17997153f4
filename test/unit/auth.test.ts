// Basic auth core: the scrypt hash format, --auth-file parsing, and verification that costs one hash whatever is wrong.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BasicAuth, decodeBasic, formatHash, hashPassword, parseAuthFile, parseAuthFlag, parseHash, scryptHasher } from '../../src/http/features/auth.js';
import type { Hasher } from '../../src/http/features/auth.js';
import { InvalidOptionError } from '../../src/errors.js';

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('hashes are scrypt$N$r$p$SALT$HASH, parse back, and verify only the right password', async () => {
  const h = await hashPassword('correct horse');
  assert.match(h, /^scrypt\$16384\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  const parsed = parseHash(h)!;
  assert.equal(formatHash(parsed), h);
  assert.notEqual(await hashPassword('correct horse'), h, 'fresh salt every time');
  const auth = new BasicAuth({ users: new Map([['alice', parsed]]) });
  assert.equal(await auth.verify(basic('alice', 'correct horse')), 'alice');
  assert.equal(await auth.verify(basic('alice', 'correct horsE')), null);
  assert.equal(await auth.verify(basic('bob', 'correct horse')), null);
  for (const bad of ['scrypt$16384$8$1$c2FsdA$aGFzaA', 'scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'bcrypt$x', `${h}$`, h.replace('$8$', '$99999$')]) {
    assert.equal(parseHash(bad), null, bad);
  }
});

test('--auth-file: user:HASH lines, comments and blank lines skipped; errors name the line but never its content', async () => {
  const h = await hashPassword('pw');
  const users = parseAuthFile(`# team\n\nalice:${h}\r\nbob:${h}\n`);
  assert.deepEqual([...users.keys()], ['alice', 'bob']);
  assert.throws(() => parseAuthFile(`alice:${h}\nbob:secret-in-clear\n`), (err: Error) => err instanceof InvalidOptionError && /line 2/.test(err.message) && !err.message.includes('secret'));
  assert.throws(() => parseAuthFile(`alice:${h}\nalice:${h}\n`), /appears twice/);
  assert.throws(() => parseAuthFile('# nobody\n'), /no users/);
  assert.deepEqual(parseAuthFlag('alice:pa:ss'), { user: 'alice', password: 'pa:ss' });
  assert.throws(() => parseAuthFlag('alice'), InvalidOptionError);
  assert.throws(() => parseAuthFlag(':pw'), InvalidOptionError);
  assert.throws(() => parseAuthFlag('alice:'), InvalidOptionError);
});

test('Authorization parsing: only Basic with base64 of user:password', () => {
  assert.deepEqual(decodeBasic(basic('a', 'b:c')), { user: 'a', password: Buffer.from('b:c') });
  assert.deepEqual(decodeBasic('basic   ' + Buffer.from('a:').toString('base64')), { user: 'a', password: Buffer.alloc(0) });
  for (const bad of [undefined, '', 'Bearer abc', 'Basic', 'Basic !!!', `Basic ${Buffer.from('nocolon').toString('base64')}`, `Basic ${Buffer.from(':pw').toString('base64')}`]) {
    assert.equal(decodeBasic(bad), null, String(bad));
  }
});

test('timing symmetry: wrong user, wrong password and a malformed header each run the same hash function once, with the same cost', async () => {
  const stored = parseHash(await hashPassword('right'))!;
  const calls: { N: number; r: number; p: number; saltLength: number; keyLength: number }[] = [];
  const counting: Hasher = (password, h, keyLength) => {
    calls.push({ N: h.N, r: h.r, p: h.p, saltLength: h.salt.length, keyLength });
    return scryptHasher(password, h, keyLength);
  };
  const auth = new BasicAuth({ users: new Map([['alice', stored]]), hasher: counting });
  const cases: [string | undefined, string | null][] = [
    [basic('alice', 'wrong'), null],
    [basic('mallory', 'right'), null],
    [basic('mallory', 'wrong'), null],
    ['Basic !!!', null],
    [undefined, null],
    [basic('alice', 'right'), 'alice'],
  ];
  for (const [header, want] of cases) {
    const before = calls.length;
    assert.equal(await auth.verify(header), want, String(header));
    assert.equal(calls.length, before + 1, `exactly one hash for ${String(header)}`);
  }
  const first = calls[0]!;
  for (const c of calls) assert.deepEqual(c, first, 'every path hashes with the stored cost parameters');
  assert.deepEqual(first, { N: stored.N, r: stored.r, p: stored.p, saltLength: stored.salt.length, keyLength: stored.hash.length });
});

test('good header values are cached (no more hashing), bad ones never are, and the cache is bounded', async () => {
  const users = new Map([['alice', parseHash(await hashPassword('pw'))!]]);
  let n = 0;
  const counting: Hasher = (password, h, keyLength) => {
    n++;
    return scryptHasher(password, h, keyLength);
  };
  const auth = new BasicAuth({ users, hasher: counting, cacheSize: 2 });
  const good = basic('alice', 'pw');
  assert.equal(auth.cached(good), undefined);
  assert.equal(await auth.verify(good), 'alice');
  assert.equal(auth.cached(good), 'alice');
  assert.equal(await auth.verify(basic('alice', 'nope')), null);
  assert.equal(auth.cached(basic('alice', 'nope')), undefined);
  // Two more spellings of the same credentials fill the cache; the oldest entry goes.
  const spaced = `Basic  ${Buffer.from('alice:pw').toString('base64')}`;
  const lower = `basic ${Buffer.from('alice:pw').toString('base64')}`;
  await auth.verify(spaced);
  await auth.verify(lower);
  assert.equal(auth.cached(good), undefined);
  assert.equal(auth.cached(spaced), 'alice');
  assert.equal(auth.cached(lower), 'alice');
  assert.equal(n, 4);
});

test('requests carrying the same header value at once share one verification (a cold start with many connections costs one hash)', async () => {
  const users = new Map([['alice', parseHash(await hashPassword('pw'))!]]);
  let n = 0;
  const counting: Hasher = (password, h, keyLength) => {
    n++;
    return scryptHasher(password, h, keyLength);
  };
  const auth = new BasicAuth({ users, hasher: counting });
  const results = await Promise.all([...Array.from({ length: 20 }, () => auth.verify(basic('alice', 'pw'))), auth.verify(basic('alice', 'bad')), auth.verify(basic('alice', 'bad'))]);
  assert.deepEqual(results, [...Array.from({ length: 20 }, () => 'alice'), null, null]);
  assert.equal(n, 2);
  assert.equal(await auth.verify(basic('alice', 'bad')), null);
  assert.equal(n, 3, 'a failure is not remembered once it is over');
});
