// Journal retention, the pure parts: duration parsing, rotated names plain and .gz, and the validation of the retention flags.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Compression, DEFAULT_COMPRESSION, DEFAULT_KEEP_AGE, DEFAULT_ROTATE_INTERVAL, MAX_RETENTION_MS, MIN_RETENTION_MS, parseDuration } from '../../src/journal/duration.js';
import { compressedName, compressTmpName, oneFormEach, rotatedEntries, rotatedName } from '../../src/journal/files.js';
import { collectConfigFrom } from '../../src/collector/options.js';

test('parseDuration: a whole number and one unit (s, m, h, d, w), or 0 for off', () => {
  const table: Array<[string, number]> = [
    ['0', 0],
    ['1s', 1000],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['14d', 14 * 86_400_000],
    ['2w', 14 * 86_400_000],
    [' 3h ', 3 * 3_600_000],
    ['3650d', MAX_RETENTION_MS],
  ];
  for (const [raw, ms] of table) assert.equal(parseDuration(raw, 'keep-age'), ms, raw);
  assert.equal(MIN_RETENTION_MS, 1000);
});

test('parseDuration: anything else is ERR_INVALID_OPTION naming the flag', () => {
  for (const raw of ['', '1', '1.5h', '-1h', '1H', '1 h', '1y', 'h', '1hh', '1000ms', '0s', '3651d', '99999999999999d', 'P1D']) {
    assert.throws(() => parseDuration(raw, 'rotate-interval'), { code: 'ERR_INVALID_OPTION', message: /^--rotate-interval must be/ }, JSON.stringify(raw));
  }
});

test('names: FILE.n, FILE.n.gz and the one temporary name of a compression', () => {
  assert.equal(rotatedName('/d/j.jsonl', 3), '/d/j.jsonl.3');
  assert.equal(compressedName('/d/j.jsonl', 3), '/d/j.jsonl.3.gz');
  assert.equal(compressTmpName('/d/j.jsonl'), '/d/j.jsonl.gz.tmp');
});

test('rotatedEntries: plain and .gz by N, oldest first, the plain form first where both exist; oneFormEach keeps one per N', () => {
  const names = ['j', 'j.1', 'j.2.gz', 'j.10.gz', 'j.3', 'j.3.gz', 'j.gz.tmp', 'j.torn', 'j.seq', 'j.01.gz', 'j.4.gz.tmp', 'j.5.GZ', 'j.6.gzip', 'jj.1.gz'];
  const entries = rotatedEntries('j', names);
  assert.deepEqual(
    entries.map((e) => [e.name, e.n, e.compressed]),
    [
      ['j.10.gz', 10, true],
      ['j.3', 3, false],
      ['j.3.gz', 3, true],
      ['j.2.gz', 2, true],
      ['j.1', 1, false],
    ],
  );
  assert.deepEqual(
    oneFormEach(entries).map((e) => e.name),
    ['j.10.gz', 'j.3', 'j.2.gz', 'j.1'],
  );
  assert.deepEqual(
    rotatedEntries('j', names, 2).map((e) => e.name),
    ['j.2.gz', 'j.1'],
  );
});

test('retention flags: defaults are named constants, and each is validated at startup with a clear error', () => {
  const j = collectConfigFrom({}).journal;
  assert.equal(DEFAULT_ROTATE_INTERVAL, '0');
  assert.equal(DEFAULT_KEEP_AGE, '0');
  assert.equal(DEFAULT_COMPRESSION, Compression.NONE);
  assert.deepEqual([j.rotateIntervalMs, j.keepAgeMs, j.compression], [0, 0, 'none']);
  const set = collectConfigFrom({ 'rotate-interval': '1h', 'keep-age': '14d', 'compress-rotated': 'gzip' }).journal;
  assert.deepEqual([set.rotateIntervalMs, set.keepAgeMs, set.compression], [3_600_000, 14 * 86_400_000, 'gzip']);
  assert.equal(collectConfigFrom({ 'rotate-size': '1048576', 'compress-rotated': 'gzip' }).journal.compression, 'gzip');
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ 'rotate-interval': '1 hour' }, /--rotate-interval must be 0 \(off\) or a duration/],
    [{ 'rotate-interval': '500ms' }, /--rotate-interval must be/],
    [{ 'rotate-interval': '1h', 'keep-age': 'forever' }, /--keep-age must be/],
    [{ 'rotate-interval': '1h', 'compress-rotated': 'zstd' }, /--compress-rotated must be one of none, gzip/],
    [{ 'keep-age': '14d' }, /--keep-age applies to rotated files: it needs --rotate-size or --rotate-interval/],
    [{ 'compress-rotated': 'gzip' }, /--compress-rotated applies to rotated files/],
    [{ 'rotate-interval': '1d', 'compress-rotated': 'gzip', format: 'raw' }, /--compress-rotated needs --format json/],
  ];
  for (const [values, message] of bad) assert.throws(() => collectConfigFrom(values), { code: 'ERR_INVALID_OPTION', message }, JSON.stringify(values));
});
